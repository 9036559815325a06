package recovery_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/getkin/kin-openapi/openapi3"
)

// TestAPIMatchesOpenAPI calls every recovery operation (and refusals) and
// validates each request and response against the served document.
func TestAPIMatchesOpenAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "http://id.example")
	rec := e.do(req{method: "GET", path: "/api/v1/openapi.json"})
	doc := apitest.Load(t, rec.Body.Bytes())
	seen := map[string]bool{}
	check := func(template string, r req, want int) *httptest.ResponseRecorder {
		t.Helper()
		rec := e.do(r)
		apitest.Decode(t, r.method+" "+r.path, rec, want, nil)
		validate(t, doc, template, r, rec)
		seen[r.method+" "+template] = true
		return rec
	}
	decode := func(rec *httptest.ResponseRecorder, v any) {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatal(err)
		}
	}
	alice, bob := e.person(1, 30, account.AssuranceStandard), e.person(2, 40, account.AssuranceStandard)
	var inv struct{ ID string }
	decode(check("/api/v1/me/trusted-contacts", req{method: "POST", path: "/api/v1/me/trusted-contacts", token: alice.Token,
		body: map[string]string{"name": "Bob", "phone": bob.Phone}}, 202), &inv)
	check("/api/v1/me/trusted-contacts", req{method: "POST", path: "/api/v1/me/trusted-contacts", token: alice.Token,
		body: map[string]string{"name": "Bob", "phone": bob.Phone}}, 400)
	check("/api/v1/me/trusted-by", req{method: "GET", path: "/api/v1/me/trusted-by", token: bob.Token}, 200)
	check("/api/v1/me/trusted-by/{id}/accept", req{method: "POST", path: "/api/v1/me/trusted-by/" + inv.ID + "/accept", token: bob.Token}, 204)
	check("/api/v1/me/trusted-by/{id}/decline", req{method: "POST", path: "/api/v1/me/trusted-by/" + inv.ID + "/decline", token: bob.Token}, 404)
	check("/api/v1/me/trusted-contacts", req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200)

	check("/api/v1/recovery/code", req{method: "POST", path: "/api/v1/recovery/code", body: map[string]string{"phone": alice.Phone}}, 202)
	var st started
	decode(check("/api/v1/recovery/requests", req{method: "POST", path: "/api/v1/recovery/requests",
		body: map[string]string{"phone": alice.Phone, "code": e.code(alice.Phone), "reason": "pin"}}, 201), &st)
	rp := "/api/v1/recovery/requests/" + st.ID
	check("/api/v1/recovery/requests/{id}", req{method: "GET", path: rp, token: st.Handle}, 200)
	var cl struct{ Recovery *struct{ ID string } }
	decode(check("/api/v1/me/trusted-contacts", req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200), &cl)
	if cl.Recovery == nil || cl.Recovery.ID != st.ID {
		t.Errorf("ongoing recovery in the contact list = %+v", cl.Recovery)
	}
	check("/api/v1/recovery/requests/{id}/code", req{method: "POST", path: rp + "/code", token: st.Handle}, 403)
	check("/api/v1/me/recovery-approvals", req{method: "GET", path: "/api/v1/me/recovery-approvals", token: bob.Token}, 200)
	ap := "/api/v1/me/recovery-approvals/" + st.ID
	check("/api/v1/me/recovery-approvals/{id}", req{method: "GET", path: ap, token: bob.Token}, 200)
	check("/api/v1/me/recovery-approvals/{id}/code", req{method: "POST", path: ap + "/code", token: bob.Token}, 202)
	check("/api/v1/me/recovery-approvals/{id}/approve", req{method: "POST", path: ap + "/approve", token: bob.Token, body: map[string]string{"code": "12"}}, 400)
	check("/api/v1/me/recovery-approvals/{id}/approve", req{method: "POST", path: ap + "/approve", token: bob.Token, body: map[string]string{"code": e.code(bob.Phone)}}, 204)
	check("/api/v1/recovery/requests/{id}/passkey", req{method: "POST", path: rp + "/passkey", token: st.Handle}, 200)
	check("/api/v1/recovery/requests/{id}/code", req{method: "POST", path: rp + "/code", token: st.Handle}, 202)
	check("/api/v1/recovery/requests/{id}/complete", req{method: "POST", path: rp + "/complete", token: st.Handle,
		body: map[string]string{"method": "otp", "code": e.code(alice.Phone), "pin": newPIN}}, 200)
	check("/api/v1/me/recovery-approvals/{id}/reject", req{method: "POST", path: ap + "/reject", token: bob.Token}, 404)
	check("/api/v1/me/recovery-requests/{id}", req{method: "DELETE", path: "/api/v1/me/recovery-requests/" + st.ID, token: bob.Token}, 404)
	check("/api/v1/recovery/requests/{id}", req{method: "DELETE", path: rp, token: st.Handle}, 409)
	check("/api/v1/me/trusted-by/{id}", req{method: "DELETE", path: "/api/v1/me/trusted-by/" + inv.ID, token: bob.Token}, 204)
	alice.Token = e.signIn(alice.Phone, newPIN)
	check("/api/v1/me/trusted-contacts/{id}", req{method: "DELETE", path: "/api/v1/me/trusted-contacts/" + inv.ID, token: alice.Token}, 403)

	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if slices.Contains(op.Tags, "recovery") && !seen[method+" "+path] && !checkedElsewhere[method+" "+path] {
				t.Errorf("%s %s was not exercised", method, path)
			}
		}
	}
}

// validate checks a request and its response against the document.
// Refused inputs are sent on purpose; only well-formed ones must match.
func validate(t *testing.T, doc *openapi3.T, template string, r req, rec *httptest.ResponseRecorder) {
	t.Helper()
	x := apitest.Recorded(r.method, template, r.path, r.body, rec)
	if rec.Code < 400 {
		apitest.Validate(t, doc, x)
	} else {
		apitest.ValidateAnswer(t, doc, x)
	}
}
