package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/getkin/kin-openapi/openapi3"
)

func loadOpenAPI(t *testing.T, ts *testServer) *openapi3.T {
	t.Helper()
	rec := ts.get(t, "/api/v1/openapi.json")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/openapi.json = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	ts := newServer(t, nil)
	doc := loadOpenAPI(t, ts)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	if doc.Info.Version != "1.2.3" || len(doc.Servers) != 1 || doc.Servers[0].URL != "https://id.example" {
		t.Errorf("info.version = %q, servers = %v; want the release and the public URL", doc.Info.Version, doc.Servers)
	}
	if doc.Components.Schemas["Problem"] == nil {
		t.Error("no Problem schema")
	}
	var enum []string
	for _, v := range doc.Components.Schemas["Problem"].Value.Properties["code"].Value.Enum {
		enum = append(enum, v.(string))
	}
	if codes := ProblemCodes(); !slices.Equal(enum, codes) {
		t.Errorf("Problem.code enum = %v, want ProblemCodes() %v", enum, codes)
	}
}

// builtinTags are the OpenAPI tags of the routes this package registers
// itself; operations under other tags belong to capabilities wired in cmd
// (cmd's TestOpenAPIMatchesWiredRoutes checks those against real routes).
var builtinTags = []string{"operations", "discovery"}

// TestOpenAPIMatchesRoutes walks the registered API routes and the
// document's operations; each must have the other.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	ts := newServer(t, nil)
	doc := loadOpenAPI(t, ts)
	routes := ts.APIRoutes()
	if len(routes) < 5 {
		t.Fatalf("APIRoutes() = %v, want the built-in routes", routes)
	}
	for _, r := range routes {
		item := doc.Paths.Value(r.Path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			route := Route{Method: method, Path: path}
			if slices.Contains(routes, route) {
				continue
			}
			if slices.ContainsFunc(op.Tags, func(tag string) bool { return slices.Contains(builtinTags, tag) }) || len(op.Tags) == 0 {
				t.Errorf("openapi.json describes %s %s, which has no route", method, path)
				continue
			}
			// A capability wired in cmd: stand in for it so CheckOpenAPI
			// below checks the built-in routes.
			ts.API(route.String(), func(w http.ResponseWriter, r *http.Request) error { return nil })
		}
	}
	if err := ts.CheckOpenAPI(); err != nil {
		t.Error(err)
	}

	ts.API("GET /api/v1/undocumented", func(w http.ResponseWriter, r *http.Request) error { return nil })
	if err := ts.CheckOpenAPI(); err == nil || !strings.Contains(err.Error(), "GET /api/v1/undocumented") {
		t.Errorf("CheckOpenAPI with an undocumented route = %v, want it named", err)
	}
}

// TestOpenAPIResponses validates real responses of every GET operation, and
// a problem, against the document, so its schemas describe what is sent.
func TestOpenAPIResponses(t *testing.T) {
	ts := newServer(t, nil)
	doc := loadOpenAPI(t, ts)
	check := func(method, path, requestPath string, status int) {
		t.Helper()
		req := httptest.NewRequest(method, requestPath, nil)
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		if rec.Code != status {
			t.Fatalf("%s %s = %d, want %d", method, requestPath, rec.Code, status)
		}
		apitest.ValidateAnswer(t, doc, apitest.Recorded(method, path, requestPath, nil, rec))
	}
	for _, r := range ts.APIRoutes() {
		if r.Method == http.MethodGet && r.Path != "/metrics" {
			check(r.Method, r.Path, r.Path, 200)
		}
	}
	ts.shutting.Store(true)
	check("GET", "/readyz", "/readyz", 503)
}
