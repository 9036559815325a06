package recovery_test

import (
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
)

// checkedElsewhere are the recovery operations TestFaceAPIMatchesOpenAPI
// exercises (TestAPIMatchesOpenAPI leaves them to it).
var checkedElsewhere = map[string]bool{
	"GET /api/v1/recovery/requests/{id}/checks":         true,
	"POST /api/v1/recovery/requests/{id}/face":          true,
	"POST /api/v1/recovery/requests/{id}/face/complete": true,
}

// TestFaceAPIMatchesOpenAPI calls the second-check operations (and
// refusals) and validates requests and responses against the document.
func TestFaceAPIMatchesOpenAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "http://id.example")
	doc := apitest.Load(t, e.do(req{method: "GET", path: "/api/v1/openapi.json"}).Body.Bytes())
	alice, bob := e.person(1, 30, account.AssuranceHigh), e.person(2, 40, account.AssuranceStandard)
	e.link(alice, bob)
	st := e.startRecovery(alice)
	rp := "/api/v1/recovery/requests/" + st.ID
	check := func(template string, r req, want int) {
		t.Helper()
		rec := e.do(r)
		apitest.Decode(t, r.method+" "+r.path, rec, want, nil)
		validate(t, doc, template, r, rec)
	}
	check("/api/v1/recovery/requests/{id}/checks", req{method: "GET", path: rp + "/checks", token: st.Handle}, 403)
	check("/api/v1/recovery/requests/{id}/face", req{method: "POST", path: rp + "/face", token: st.Handle}, 403)
	e.approve(bob, st)
	check("/api/v1/recovery/requests/{id}/checks", req{method: "GET", path: rp + "/checks", token: st.Handle}, 200)
	var ch struct{ Challenge string }
	check("/api/v1/recovery/requests/{id}/face", req{method: "POST", path: rp + "/face", token: st.Handle}, 200)
	e.json(req{method: "POST", path: rp + "/face", token: st.Handle}, 200, &ch)

	multipartCheck := func(img []byte, want int) {
		t.Helper()
		ct, body := faceBody(t, ch.Challenge, newPIN, img)
		rec := e.raw(rp+"/face/complete", st.Handle, ct, body)
		if rec.Code != want {
			t.Fatalf("face complete = %d %s, want %d", rec.Code, rec.Body, want)
		}
		apitest.Validate(t, doc, apitest.Exchange{Method: "POST", Template: "/api/v1/recovery/requests/{id}/face/complete",
			Path: rp + "/face/complete", Body: body, ContentType: ct, Status: rec.Code, Header: rec.Header(), Answer: rec.Body.Bytes()})
	}
	multipartCheck(facePNG(t, true), 403)
	e.json(req{method: "POST", path: rp + "/face", token: st.Handle}, 200, &ch)
	multipartCheck(facePNG(t, false), 200)
}
