package presentweb_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/getkin/kin-openapi/openapi3"
)

// TestMatchesOpenAPI calls every Digital ID operation and validates the
// requests and answers against the served OpenAPI document, and checks
// every route of this package is described and exercised.
func TestMatchesOpenAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "")
	doc := apitest.Load(t, e.do(req{method: "GET", path: "/api/v1/openapi.json"}).Body.Bytes())
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("served OpenAPI document is invalid: %v", err)
	}
	c := e.Adult(t, birth)
	_, cred := e.Verifier(t, "Shop", present.AgeOver18)
	seen := map[string]bool{}
	check := func(r req, want int) *httptest.ResponseRecorder {
		t.Helper()
		rec := e.do(r)
		apitest.Decode(t, r.method+" "+r.path, rec, want, nil)
		template, _, _ := strings.Cut(r.path, "?")
		validate(t, doc, template, r, rec)
		seen[r.method+" "+template] = true
		return rec
	}
	check(req{method: "GET", path: "/api/v1/id", bearer: c.SessionToken}, 200)
	rec := check(req{method: "POST", path: "/api/v1/id/presentations", bearer: c.SessionToken, body: map[string]string{"purpose": "age_over_18"}}, 201)
	var m minted
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	check(req{method: "POST", path: "/api/v1/id/presentations", bearer: c.SessionToken, body: map[string]string{"purpose": "nope"}}, 400)
	check(req{method: "POST", path: "/api/v1/verifier/verify", bearer: cred, body: map[string]string{"payload": m.Payload}}, 200)
	check(req{method: "POST", path: "/api/v1/verifier/verify", bearer: cred, body: map[string]string{"payload": m.Payload}}, 200)
	check(req{method: "POST", path: "/api/v1/verifier/verify", bearer: "x.y", body: map[string]string{"payload": m.Payload}}, 401)
	check(req{method: "GET", path: "/api/v1/id/checks?limit=10", bearer: c.SessionToken}, 200)
	check(req{method: "GET", path: "/api/v1/id/portrait", bearer: c.SessionToken}, 404)
	registered := map[string]bool{}
	for _, r := range e.srv.APIRoutes() {
		registered[r.Method+" "+r.Path] = true
	}
	for _, op := range []string{"GET /api/v1/id", "POST /api/v1/id/presentations", "GET /api/v1/id/portrait",
		"GET /api/v1/id/checks", "POST /api/v1/verifier/verify"} {
		if !registered[op] || !seen[op] {
			t.Errorf("%s: registered %v, exercised %v", op, registered[op], seen[op])
		}
	}
}

// validate checks a request and its response against the document.
func validate(t *testing.T, doc *openapi3.T, template string, r req, rec *httptest.ResponseRecorder) {
	t.Helper()
	apitest.Validate(t, doc, apitest.Recorded(r.method, template, r.path, r.body, rec))
}
