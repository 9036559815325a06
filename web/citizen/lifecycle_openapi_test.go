package citizen_test

import (
	"context"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestLifecycleOpenAPI: the OpenAPI document is valid and describes every
// lifecycle route.
func TestLifecycleOpenAPI(t *testing.T) {
	b, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("load OpenAPI: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI is invalid: %v", err)
	}
	for _, r := range []struct{ method, path string }{
		{"DELETE", "/api/v1/me"}, {"POST", "/api/v1/auth/restore/otp"}, {"POST", "/api/v1/auth/restore"},
		{"POST", "/api/v1/me/phone"}, {"POST", "/api/v1/me/phone/confirm"},
	} {
		item := doc.Paths.Value(r.path)
		if item == nil || item.GetOperation(r.method) == nil {
			t.Errorf("OpenAPI lacks %s %s", r.method, r.path)
		}
	}
}
