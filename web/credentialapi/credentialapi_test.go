package credentialapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/credential/credentialtest"
	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/credentialapi"
	"github.com/go-jose/go-jose/v4"
)

// server is the credential API and the citizen routes on a real server over
// credentialtest's environment. The credential service's public URL is
// credentialtest.PublicURL; requests go to the test server.
type server struct {
	*credentialtest.Env
	url string
}

func newServer(t *testing.T, db *store.DB) *server {
	t.Helper()
	e := credentialtest.NewEnv(t, db)
	logger := slog.New(slog.DiscardHandler)
	srv, err := web.New(web.Config{PublicURL: credentialtest.PublicURL, Version: "test"},
		web.Deps{Logger: logger, DB: db, Keys: e.Keys, Clock: e.Clock.Now})
	credentialtest.Must(t, "web.New", err)
	credentialtest.Must(t, "citizen.Register", citizen.Register(srv, citizen.Deps{Accounts: e.Accounts, Logger: logger, Clock: e.Clock.Now}))
	credentialtest.Must(t, "credentialapi.Register", credentialapi.Register(srv, credentialapi.Deps{Credentials: e.Svc, Accounts: e.Accounts, Logger: logger}))
	credentialtest.Must(t, "CheckOpenAPI", checkRoutes(srv))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &server{Env: e, url: hs.URL}
}

// checkRoutes fails when one of this package's routes is not described in
// openapi.json.
func checkRoutes(srv *web.Server) error {
	ops, err := srv.OpenAPIOperations()
	if err != nil {
		return err
	}
	described := map[string]bool{}
	for _, o := range ops {
		described[o.String()] = true
	}
	for _, r := range []string{"POST /api/v1/id/credentials", "GET /api/v1/id/eligibility", "GET /status/{list}"} {
		if !described[r] {
			return fmt.Errorf("%s is not in openapi.json", r)
		}
	}
	return nil
}

func (s *server) do(t *testing.T, method, path, token, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	credentialtest.Must(t, "NewRequest", err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	credentialtest.Must(t, method+" "+path, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func jwkJSON(t *testing.T, k *ecdsa.PublicKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: k})
	credentialtest.Must(t, "marshal JWK", err)
	return string(b)
}

func entries(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	credentialtest.Must(t, "count", db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM credential_status_entries").Scan(&n))
	return n
}

func TestIssueOverHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		s := newServer(t, db)
		c := s.Adult(t, "1990-05-05")
		priv, pub := credentialtest.HolderKeys(t, 3)
		body := fmt.Sprintf(`{"type":"age_over_18","holder_keys":[%s,%s,%s]}`, jwkJSON(t, pub[0]), jwkJSON(t, pub[1]), jwkJSON(t, pub[2]))

		resp, b := s.do(t, "POST", "/api/v1/id/credentials", "", body, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST without a session = %d %s, want 401", resp.StatusCode, b)
		}
		resp, b = s.do(t, "POST", "/api/v1/id/credentials", c.SessionToken, body, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("POST /api/v1/id/credentials = %d %s", resp.StatusCode, b)
		}
		var out credentialapi.IssueResponse
		credentialtest.Must(t, "decode", json.Unmarshal(b, &out))
		if out.Type != "age_over_18" || len(out.Credentials) != 3 || out.ExpiresAt.IsZero() {
			t.Fatalf("issued = %+v", out)
		}
		pay := credentialtest.Present(t, out.Credentials[2], priv[2], credential.AgeOver18, s.Clock.Now())
		if r := s.Svc.VerifyOffline(context.Background(), pay, credential.AgeOver18, nil); !r.Valid() {
			t.Errorf("VerifyOffline(issued over HTTP) = %s %s (%v)", r.Outcome, r.Reason, r.Err)
		}

		resp, b = s.do(t, "GET", "/api/v1/id/eligibility", c.SessionToken, "", map[string]string{"Accept-Language": "en"})
		var el credentialapi.EligibilityResponse
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &el) != nil || !el.Eligible || len(el.Types) != 3 {
			t.Errorf("GET eligibility = %d %s", resp.StatusCode, b)
		}
		young := s.Citizen(t)
		resp, b = s.do(t, "GET", "/api/v1/id/eligibility", young.SessionToken, "", map[string]string{"Accept-Language": "ru"})
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &el) != nil || el.Eligible || len(el.Reasons) != 2 ||
			el.Reasons[0].Key != credential.ReasonNoIdentity.Key || !strings.Contains(el.Reasons[0].Message, "Паспорт") {
			t.Errorf("GET eligibility (not eligible, ru) = %d %s", resp.StatusCode, b)
		}
	})
}

func TestIssueRefusedOverHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		s := newServer(t, db)
		c := s.Adult(t, "1990-05-05")
		_, pub := credentialtest.HolderKeys(t, 1)
		k := jwkJSON(t, pub[0])
		var many []string
		for range credential.MaxBatch + 1 {
			_, p := credentialtest.HolderKeys(t, 1)
			many = append(many, jwkJSON(t, p[0]))
		}
		priv, _ := credentialtest.HolderKeys(t, 1)
		privJWK, _ := json.Marshal(jose.JSONWebKey{Key: priv[0]})
		tests := []struct {
			name, body string
			status     int
			field      string
		}{
			{"not JSON", `{"type":`, 400, ""},
			{"unknown member", `{"type":"age_over_18","holder_keys":[` + k + `],"sub":"x"}`, 400, ""},
			{"unknown type", `{"type":"passport","holder_keys":[` + k + `]}`, 400, "type"},
			{"no keys", `{"type":"age_over_18","holder_keys":[]}`, 400, "holder_keys"},
			{"too many keys", `{"type":"age_over_18","holder_keys":[` + strings.Join(many, ",") + `]}`, 400, "holder_keys"},
			{"same key twice", `{"type":"age_over_18","holder_keys":[` + k + `,` + k + `]}`, 400, "holder_keys[1]"},
			{"private key", `{"type":"age_over_18","holder_keys":[` + string(privJWK) + `]}`, 400, "holder_keys[0]"},
			{"not a key", `{"type":"age_over_18","holder_keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`, 400, "holder_keys[0]"},
			{"RSA-sized junk", `{"type":"age_over_18","holder_keys":["` + strings.Repeat("A", 2000) + `"]}`, 400, "holder_keys[0]"},
			{"no source document", `{"type":"student","holder_keys":[` + k + `]}`, 404, ""},
		}
		for _, tt := range tests {
			resp, b := s.do(t, "POST", "/api/v1/id/credentials", c.SessionToken, tt.body, nil)
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: POST = %d %s %s, want %d problem+json", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.status)
				continue
			}
			if tt.field != "" && !strings.Contains(string(b), `"field":"`+tt.field+`"`) {
				t.Errorf("%s: problem %s does not name field %s", tt.name, b, tt.field)
			}
		}
		if n := entries(t, db); n != 0 {
			t.Errorf("refused requests allocated %d status entries", n)
		}
	})
}

func TestStatusListOverHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		s := newServer(t, db)
		ctx := context.Background()
		c := s.Adult(t, "1990-05-05")
		_, pub := credentialtest.HolderKeys(t, 2)
		b, err := s.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.AgeOver18, pub)
		credentialtest.Must(t, "Issue", err)

		resp, body := s.do(t, "GET", "/status/1", "", "", nil)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/statuslist+jwt" ||
			resp.Header.Get("Cache-Control") != "public, max-age=300" || etag == "" {
			t.Fatalf("GET /status/1 = %d %v", resp.StatusCode, resp.Header)
		}
		set, err := s.Svc.JWKS(ctx)
		credentialtest.Must(t, "JWKS", err)
		list, info, err := statuslist.ParseToken(string(body), &set, s.Clock.Now(), credentialtest.PublicURL+"/status/1")
		if err != nil || info.TTL != credential.DefaultStatusTTL || list.Len() != 1024 {
			t.Fatalf("ParseToken = %+v, %v", info, err)
		}
		resp, body = s.do(t, "GET", "/status/1", "", "", map[string]string{"If-None-Match": `"x", ` + etag})
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("GET with If-None-Match = %d", resp.StatusCode)
		}
		if _, err := s.Svc.RevokeForDevice(ctx, c.Citizen.ID, c.Device.ID); err != nil {
			t.Fatal(err)
		}
		resp, body = s.do(t, "GET", "/status/1", "", "", map[string]string{"If-None-Match": etag})
		if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
			t.Fatalf("GET after a revocation = %d, ETag %s (was %s)", resp.StatusCode, resp.Header.Get("ETag"), etag)
		}
		list, _, err = statuslist.ParseToken(string(body), &set, s.Clock.Now(), credentialtest.PublicURL+"/status/1")
		credentialtest.Must(t, "ParseToken", err)
		for i, cred := range b.Credentials {
			ref := reference(t, cred)
			if st, _ := list.Get(ref.Idx); st != statuslist.Invalid {
				t.Errorf("credential %d status after the revocation = %v", i, st)
			}
		}
		for _, p := range []string{"/status/0", "/status/01", "/status/abc", "/status/99"} {
			resp, body := s.do(t, "GET", p, "", "", nil)
			if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("GET %s = %d %s", p, resp.StatusCode, body)
			}
		}
	})
}

func reference(t *testing.T, cred string) statuslist.Reference {
	t.Helper()
	jws, err := jose.ParseSigned(strings.SplitN(cred, "~", 2)[0], []jose.SignatureAlgorithm{jose.ES256})
	credentialtest.Must(t, "ParseSigned", err)
	var claims map[string]any
	credentialtest.Must(t, "claims", json.NewDecoder(bytes.NewReader(jws.UnsafePayloadWithoutVerification())).Decode(&claims))
	ref, err := statuslist.ParseReference(claims)
	credentialtest.Must(t, "ParseReference", err)
	return ref
}
