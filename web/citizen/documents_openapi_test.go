package citizen_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/getkin/kin-openapi/openapi3"
)

// servedOpenAPI is the OpenAPI document the server serves, loaded and
// validated, for tests that check requests and answers against it.
func servedOpenAPI(t *testing.T, e *env) *openapi3.T {
	t.Helper()
	doc := apitest.Load(t, e.do(req{method: "GET", path: "/api/v1/openapi.json"}).Body.Bytes())
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("served OpenAPI document is invalid: %v", err)
	}
	return doc
}

// TestDocumentsMatchOpenAPI calls every document operation and validates
// requests and JSON answers against the OpenAPI document, and checks that
// every document route is described there.
func TestDocumentsMatchOpenAPI(t *testing.T) {
	e := newDocEnv(t, testdb.SQLite(t), options{})
	doc := servedOpenAPI(t, e.env)
	me := e.signUp(phone(320))
	seen := map[string]bool{}
	check := func(template string, r req, want int) *httptest.ResponseRecorder {
		t.Helper()
		r.token = me.SessionToken
		rec := e.do(r)
		apitest.Decode(t, r.method+" "+r.path, rec, want, nil)
		validate(t, doc, template, r, rec)
		seen[r.method+" "+template] = true
		return rec
	}
	var d documentOut
	rec := check("/api/v1/documents", req{method: "POST", path: "/api/v1/documents", body: map[string]any{"type": "snils", "fields": snilsFields()}}, 201)
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	bad := snilsFields()
	bad["number"] = "1"
	check("/api/v1/documents", req{method: "POST", path: "/api/v1/documents", body: map[string]any{"type": "snils", "fields": bad}}, 400)
	check("/api/v1/documents", req{method: "GET", path: "/api/v1/documents"}, 200)
	path := "/api/v1/documents/" + d.ID
	check("/api/v1/documents/{id}", req{method: "GET", path: path}, 200)
	check("/api/v1/documents/{id}/export", req{method: "GET", path: path + "/export?format=json"}, 200)
	check("/api/v1/documents/{id}/files/{file}", req{method: "GET", path: path + "/files/nope"}, 404)
	e.clock.Advance(6 * time.Minute)
	check("/api/v1/documents/{id}", req{method: "GET", path: path}, 403)
	check("/api/v1/documents/{id}", req{method: "DELETE", path: path}, 204)
	for _, r := range e.srv.APIRoutes() {
		if strings.HasPrefix(r.Path, "/api/v1/documents") {
			if doc.Paths.Value(r.Path) == nil || doc.Paths.Value(r.Path).GetOperation(r.Method) == nil {
				t.Errorf("route %s is not in the OpenAPI document", r)
			}
		}
	}
	if len(seen) != 6 {
		t.Errorf("checked %d operations, want 6: %v", len(seen), seen)
	}
}
