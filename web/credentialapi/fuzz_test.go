package credentialapi_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/credentialapi"
)

// FuzzIssueRequest feeds the body of POST /api/v1/id/credentials through
// the handler's decoding and checks: every refusal is a user error
// (EINVALID, ETOOLARGE), never a panic or an internal error.
func FuzzIssueRequest(f *testing.F) {
	for _, s := range []string{
		`{"type":"age_over_18","holder_keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`,
		`{"type":"student","holder_keys":[]}`,
		`{"type":"age_over_18","holder_keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}]}`,
		`{"type":1}`, `{}`, `[]`, `{"type":"age_over_18","holder_keys":null}`, `{"holder_keys":[1,2,3]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/id/credentials", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var b credentialapi.IssueRequest
		err := web.DecodeJSON(r, &b)
		if err == nil {
			var keys int
			_, ks, perr := credentialapi.ParseIssueRequest(b)
			keys, err = len(ks), perr
			if err == nil && (keys == 0 || keys > 20) {
				t.Fatalf("ParseIssueRequest(%q) accepted %d keys", body, keys)
			}
		}
		if c := digitalid.ErrorCode(err); err != nil && c != digitalid.EINVALID && c != digitalid.ETOOLARGE {
			t.Fatalf("body %q: %v (code %s), want EINVALID", body, err, c)
		}
	})
}
