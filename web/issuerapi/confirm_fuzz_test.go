package issuerapi

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// FuzzDecodeDecision feeds arbitrary bodies to the decision decoder: it
// must return a decision or an error, never panic.
func FuzzDecodeDecision(f *testing.F) {
	for _, s := range []string{
		`{"decision":"confirm","ref":"P-1","document":"a.b.c"}`,
		`{"decision":"confirm","ref":"P-1","document":"a.b.c","photo":"iVBORw0KGgo="}`,
		`{"decision":"reject","reason":"not_found"}`,
		`{"decision":"reject","reason":"not_found","x":1}`,
		`{"photo":"!!"}`,
		`[]`, `null`, `{`, ``, `{"decision":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/issuer/confirmations/x", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		d, err := decodeDecision(r)
		if err != nil && (d.Kind != "" || d.Photo != nil) {
			t.Errorf("decodeDecision(%q) = %+v with error %v; want nothing", body, d, err)
		}
	})
}
