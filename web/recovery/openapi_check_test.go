package recovery_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
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
	doc, err := openapi3.NewLoader().LoadFromData(e.do(req{method: "GET", path: "/api/v1/openapi.json"}).Body.Bytes())
	if err != nil {
		t.Fatalf("load OpenAPI: %v", err)
	}
	alice, bob := e.person(1, 30, account.AssuranceHigh), e.person(2, 40, account.AssuranceStandard)
	e.link(alice, bob)
	st := e.startRecovery(alice)
	rp := "/api/v1/recovery/requests/" + st.ID
	check := func(template string, r req, want int) {
		t.Helper()
		rec := e.do(r)
		if rec.Code != want {
			t.Fatalf("%s %s = %d %s, want %d", r.method, r.path, rec.Code, rec.Body, want)
		}
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
		template := "/api/v1/recovery/requests/{id}/face/complete"
		item := doc.Paths.Value(template)
		hr := httptest.NewRequest("POST", rp+"/face/complete", bytes.NewReader(body))
		hr.Header.Set("Content-Type", ct)
		route := &routers.Route{Spec: doc, Path: template, PathItem: item, Method: "POST", Operation: item.GetOperation("POST")}
		in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: map[string]string{"id": st.ID}, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("face complete request does not match openapi.json: %v", err)
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header()}
		out.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("face complete response %d does not match openapi.json: %v", rec.Code, err)
		}
	}
	multipartCheck(facePNG(t, true), 403)
	e.json(req{method: "POST", path: rp + "/face", token: st.Handle}, 200, &ch)
	multipartCheck(facePNG(t, false), 200)
}
