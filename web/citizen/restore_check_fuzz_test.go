package citizen

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// FuzzReadRestore feeds arbitrary bodies through readRestore, the decoder
// of the restore request (multipart/form-data, a page's form, or JSON): it
// must refuse with a user error or a body-limit error, or give fields
// within their limits, and never panic.
func FuzzReadRestore(f *testing.F) {
	const boundary = "xB"
	f.Add(uint8(0), []byte("--xB\r\nContent-Disposition: form-data; name=\"pin\"\r\n\r\n2791\r\n"+
		"--xB\r\nContent-Disposition: form-data; name=\"image\"; filename=\"f.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--xB--\r\n"))
	f.Add(uint8(0), []byte("--xB\r\nContent-Disposition: form-data; name=\"birth_date\"\r\n\r\n"+string(bytes.Repeat([]byte("9"), 300))+"\r\n--xB--\r\n"))
	f.Add(uint8(0), []byte("--xB\r\n\r\n--xB"))
	f.Add(uint8(1), []byte("pin=2791&birth_date=17.05.1990&challenge=dpc_x"))
	f.Add(uint8(2), []byte(`{"proof":"dpp_x","pin":"2791","birth_date":"1990-05-17"}`))
	f.Add(uint8(2), []byte(`{"image":"aGVsbG8="}`))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/auth/restore", bytes.NewReader(body))
		switch kind % 3 {
		case 0:
			r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		case 1:
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		default:
			r.Header.Set("Content-Type", "application/json")
		}
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, uploadLimit)
		req, err := readRestore(r, kind%3 == 1)
		if err != nil {
			// A user error, a body over the limit (413), or a form the
			// client mangled, which the server's own parse answers 400
			// before any handler (web's parseForm).
			var de *digitalid.Error
			if _, ok := errors.AsType[*http.MaxBytesError](err); !ok && !errors.As(err, &de) && kind%3 != 1 {
				t.Fatalf("readRestore = %v, want a user error", err)
			}
			return
		}
		if len(req.Image) > account.MaxImageBytes+1 {
			t.Fatalf("readRestore kept %d image bytes", len(req.Image))
		}
		if kind%3 == 0 {
			for _, v := range []string{req.Phone, req.Code, req.Proof, req.PIN, req.BirthDate, req.DeviceName, req.Challenge} {
				if len(v) > restoreTextLimit {
					t.Fatalf("readRestore kept a field of %d bytes", len(v))
				}
			}
		}
	})
}
