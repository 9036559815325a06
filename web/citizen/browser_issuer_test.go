package citizen_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web/browsertest"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/issuerapi"
)

// TestBrowserIssuerPushedPassport: an issuer pushes a citizen's passport
// through the issuer API over HTTP (a private_key_jwt client assertion, a
// signed document); in Chromium the passport appears on the citizen's
// documents page as confirmed by the issuer, and the cabinet shows the
// assurance level raised from basic to standard.
func TestBrowserIssuerPushedPassport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		var vs *vault.Service
		key := issuertest.NewKey(t, "mvd-1")
		withIssuerAPI := func(e *env, d *citizen.Deps) {
			withVault(t, &vs)(e, d)
			ik := make([]byte, issuer.IndexKeySize)
			_, _ = rand.Read(ik)
			svc, err := issuer.New(issuer.Config{Store: e.db, Vault: vs, Citizens: e.svc.Citizens, Types: issuer.TypesOf(d.Registry),
				Audit: e.audit, IndexKey: ik, Clock: e.clock.Now})
			if err != nil {
				t.Fatalf("issuer.New: %v", err)
			}
			if _, err := svc.Add(e.ctx, "op1", issuer.Issuer{ID: "mvd", Name: "MVD", AllowedTypes: []string{"passport_ru"}, PublicKeys: key.JWKS()}); err != nil {
				t.Fatalf("issuer Add: %v", err)
			}
			if err := issuerapi.Register(e.srv, issuerapi.Deps{Issuers: svc, Logger: slog.New(slog.DiscardHandler), Clock: e.clock.Now}); err != nil {
				t.Fatalf("issuerapi.Register: %v", err)
			}
		}
		e, base := browserEnvWith(t, db, options{deps: withIssuerAPI})
		b := browsertest.New(t)
		to := phone(340)
		signUpInBrowser(t, e, b, base, to)
		if got := b.Attr("#assurance", "data-level"); got != "basic" {
			t.Fatalf("assurance after sign-up = %q, want basic", got)
		}
		b.ClickNav("#to-documents")
		wantPage(t, b, "#no-documents", "You have no documents yet.")

		// The ministry's system pushes the passport.
		fields, err := os.ReadFile("../../vault/testdata/valid/passport_ru.json")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"citizen": map[string]string{"phone": to}, "type": "passport_ru", "document": key.Sign(t, fields)})
		r, err := http.NewRequest("PUT", base+"/api/v1/issuer/documents/PASS-1", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", "push-1")
		r.Header.Set("Authorization", "Bearer "+key.Assertion(t, issuertest.Claims{Iss: "mvd", Aud: base + issuerapi.AudiencePath, JTI: "jti-1", Iat: e.clock.Now()}))
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		var pushed struct{ ID, Status string }
		_ = json.NewDecoder(resp.Body).Decode(&pushed)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || pushed.Status != "valid" {
			t.Fatalf("issuer PUT = %d %+v, want 201 valid", resp.StatusCode, pushed)
		}

		b.Go(base + "/documents")
		item := "#document-" + pushed.ID
		wantPage(t, b, item, "Passport")
		wantPage(t, b, item, "Confirmed by the issuer")
		wantPage(t, b, item, "Issuer: mvd")
		wantPage(t, b, item, "Valid")
		b.Screenshot("issuer-passport")
		b.Go(base + "/account")
		if got := b.Attr("#assurance", "data-level"); got != "standard" {
			t.Errorf("assurance after the issuer's passport = %q, want standard", got)
		}
		wantPage(t, b, "#assurance", "Standard")
	})
}
