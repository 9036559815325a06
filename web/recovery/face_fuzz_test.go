package recovery_test

import (
	"bytes"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
)

// FuzzFaceForm sends arbitrary multipart bodies (and content types) to the
// face completion of an approved request, API and page: each must answer
// with a clear status, never a 5xx, and the request stays approved unless
// the photo matched.
func FuzzFaceForm(f *testing.F) {
	e := newEnv(f, testdb.SQLite(f), "http://id.example")
	alice, bob := e.person(1, 30, account.AssuranceHigh), e.person(2, 40, account.AssuranceStandard)
	e.link(alice, bob)
	st := e.startRecovery(alice)
	e.approve(bob, st)
	ct, good := faceBody(f, "dpc_x", "8305", facePNG(f, true))
	boundary := ct[len("multipart/form-data; boundary="):]
	f.Add(ct, good)
	f.Add(ct, good[:len(good)/2])
	f.Add(ct, []byte("--"+boundary+"--\r\n"))
	f.Add("multipart/form-data", good)
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\n\xff\xd8\r\n--x--"))
	f.Add("application/json", []byte(`{"challenge":"dpc_x"}`))
	f.Add(ct, bytes.Repeat([]byte("a"), 1000))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		rec := e.raw("/api/v1/recovery/requests/"+st.ID+"/face/complete", st.Handle, contentType, body)
		if rec.Code >= 500 {
			t.Fatalf("face complete with %q = %d %s", contentType, rec.Code, rec.Body)
		}
	})
}
