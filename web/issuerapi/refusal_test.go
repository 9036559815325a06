package issuerapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/store"
)

// TestRefusals sends each kind of bad call and checks its problem and that
// the vault did not change.
func TestRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		other := issuertest.NewKey(t, "mvd-1") // same kid, another key
		e.addIssuer("fns", issuertest.NewKey(t, "fns-1"), "inn")
		e.addIssuer("off", other, "passport_ru")
		if err := e.is.Issuers.Disable(context.Background(), "op1", "off"); err != nil {
			t.Fatal(err)
		}
		passport := fixture(t, "passport_ru")
		now := e.clock.Now()
		replayed := e.assertion("mvd", e.key)
		seedDoc := e.key.Sign(t, passport)
		code, seed := e.pushJWS(replayed, "P-0", "passport_ru", "seed", seedDoc)
		if code != http.StatusCreated {
			t.Fatalf("seed push = %d %v", code, seed)
		}
		claims := func(c issuertest.Claims) string {
			if c.Iss == "" {
				c.Iss = "mvd"
			}
			if c.Aud == "" {
				c.Aud = audience
			}
			if c.Iat.IsZero() {
				c.Iat = now
			}
			return e.key.Assertion(t, c)
		}
		badFields := strings.Replace(string(passport), `"1985-03-14"`, `"1985-02-30"`, 1)
		badFields = strings.Replace(badFields, `"45 05"`, `"4X"`, 1)
		for _, c := range []struct {
			name      string
			token     string
			typ, idem string
			signer    issuertest.Key
			fields    []byte
			want      int
			wantKey   string // substring of the problem's body
		}{
			{name: "no assertion", want: 401},
			{name: "assertion signed by another key", token: other.Assertion(t, issuertest.Claims{Iss: "mvd", Aud: audience, JTI: "x1", Iat: now}), want: 401},
			{name: "unknown issuer", token: claims(issuertest.Claims{Iss: "nobody", JTI: "x2"}), want: 401},
			{name: "disabled issuer", token: other.Assertion(t, issuertest.Claims{Iss: "off", Aud: audience, JTI: "x3", Iat: now}), want: 401},
			{name: "replayed assertion", token: replayed, want: 401, wantKey: "already used"},
			{name: "expired assertion", token: claims(issuertest.Claims{JTI: "x4", Iat: now.Add(-10 * time.Minute), Exp: now.Add(-time.Minute)}), want: 401, wantKey: "expired"},
			{name: "too long-lived assertion", token: claims(issuertest.Claims{JTI: "x5", Exp: now.Add(time.Hour)}), want: 401, wantKey: "5 minutes"},
			{name: "wrong audience", token: claims(issuertest.Claims{JTI: "x6", Aud: "http://other.example/api/v1/issuer"}), want: 401, wantKey: "aud"},
			{name: "sub differs from iss", token: claims(issuertest.Claims{JTI: "x7", Sub: "fns"}), want: 401},
			{name: "document signed by another key", signer: other, want: 400, wantKey: "signature"},
			{name: "type not allowed", typ: "inn", fields: fixture(t, "inn"), want: 403},
			{name: "bad fields", fields: []byte(badFields), want: 400, wantKey: "birth_date"},
			{name: "no idempotency key", idem: "-", want: 400, wantKey: "idempotency_key"},
			{name: "idempotency key reused for another body", idem: "seed", fields: []byte(strings.Replace(string(passport), "Анна", "Мария", 1)), want: 409},
		} {
			t.Run(c.name, func(t *testing.T) {
				if c.token == "" && c.name != "no assertion" {
					c.token = e.assertion("mvd", e.key)
				}
				if c.typ == "" {
					c.typ = "passport_ru"
				}
				if c.signer == (issuertest.Key{}) {
					c.signer = e.key
				}
				if c.fields == nil {
					c.fields = passport
				}
				switch c.idem {
				case "":
					c.idem = "k-" + strings.ReplaceAll(c.name, " ", "-")
				case "-":
					c.idem = ""
				}
				before := e.is.Documents(t)
				code, res := e.push(c.token, "P-1", c.typ, c.idem, c.signer, c.fields)
				body := strings.ToLower(strings.Join(flatten(res), " "))
				if code != c.want || res["type"] == nil || !strings.Contains(body, strings.ToLower(c.wantKey)) {
					t.Errorf("PUT = %d %v, want %d problem mentioning %q", code, res, c.want, c.wantKey)
				}
				if after := e.is.Documents(t); after != before {
					t.Errorf("vault changed: %s, then %s", before, after)
				}
			})
		}
		// The same key with the same body is the same answer.
		if code, res := e.pushJWS(e.assertion("mvd", e.key), "P-0", "passport_ru", "seed", seedDoc); code != http.StatusCreated || res["id"] != seed["id"] {
			t.Errorf("repeated idempotent push = %d %v, want the first answer 201 %v", code, res, seed["id"])
		}
	})
}

// flatten returns every string in a decoded JSON value.
func flatten(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		var out []string
		for k, x := range v {
			out = append(out, k)
			out = append(out, flatten(x)...)
		}
		return out
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, flatten(x)...)
		}
		return out
	}
	return nil
}
