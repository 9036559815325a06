package confirmweb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/confirmweb"
	"github.com/digitalid/digitalid/web/issuerapi"
)

// env is the citizen routes, the confirmation routes and the issuer API
// on a real web.Server over a real database, with the real accounts (SMS
// codes readable), vault and issuer services, and an active issuer "mvd"
// allowed passports.
type env struct {
	*presenttest.Env
	t       testing.TB
	srv     *web.Server
	Issuers *issuer.Service
	key     issuertest.Key
	mvd     issuer.Issuer
	base    string
	jti     int
}

func newEnv(t testing.TB, db *store.DB, publicURL string) *env {
	t.Helper()
	e := &env{Env: presenttest.New(t, db, presenttest.Options{}), t: t, key: issuertest.NewKey(t, "mvd-1"), base: publicURL}
	if e.base == "" {
		e.base = "http://id.example"
	}
	logger := slog.New(slog.DiscardHandler)
	reg, err := vault.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	ik := make([]byte, issuer.IndexKeySize)
	_, _ = rand.Read(ik)
	if e.Issuers, err = issuer.New(issuer.Config{Store: db, Vault: e.Vault, Citizens: e.Accounts.Citizens, Types: issuer.TypesOf(reg),
		Audit: e.Audit, IndexKey: ik, Clock: e.Clock.Now, Notifier: e.Accounts.Notifications}); err != nil {
		t.Fatalf("issuer.New: %v", err)
	}
	if e.mvd, err = e.Issuers.Add(context.Background(), "op1", issuer.Issuer{ID: "mvd", Name: "MVD",
		AllowedTypes: []string{"passport_ru", "passport_international"}, PublicKeys: e.key.JWKS()}); err != nil {
		t.Fatalf("issuer Add: %v", err)
	}
	if e.srv, err = web.New(web.Config{PublicURL: e.base, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: e.Keys, Clock: e.Clock.Now}); err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := citizen.Register(e.srv, citizen.Deps{Accounts: e.Accounts, Logger: logger, Clock: e.Clock.Now, Vault: e.Vault, Registry: reg,
		Confirmations: e.Issuers}); err != nil {
		t.Fatalf("citizen.Register: %v", err)
	}
	if err := issuerapi.Register(e.srv, issuerapi.Deps{Issuers: e.Issuers, Logger: logger, Clock: e.Clock.Now}); err != nil {
		t.Fatalf("issuerapi.Register: %v", err)
	}
	if err := confirmweb.Register(e.srv, confirmweb.Deps{Issuers: e.Issuers, Accounts: e.Accounts, Vault: e.Vault, Registry: reg, Logger: logger, Clock: e.Clock.Now}); err != nil {
		t.Fatalf("confirmweb.Register: %v", err)
	}
	return e
}

// passport adds a self-declared passport_ru (the vault's fixture) for the
// citizen and returns its id.
func (e *env) passport(citizenID string) string {
	e.t.Helper()
	d, err := e.Vault.AddSelfDeclared(context.Background(), citizenID, "passport_ru", issuertest.Fixture(e.t, "passport_ru"), nil)
	if err != nil {
		e.t.Fatalf("AddSelfDeclared: %v", err)
	}
	return d.ID
}

// req is one request to the server.
type req struct {
	method, path string
	bearer       string // a citizen's session token
	issuer       bool   // with a fresh client assertion of mvd
	body         any    // JSON
	form         url.Values
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	var ctype string
	switch {
	case r.form != nil:
		body, ctype = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	case r.body != nil:
		b, _ := json.Marshal(r.body)
		body, ctype = bytes.NewReader(b), "application/json"
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	hr.RemoteAddr = "192.0.2.1:40000"
	hr.Header.Set("Accept-Language", "en")
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	if r.issuer {
		hr.Header.Set("Authorization", "Bearer "+e.assertion())
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// assertion is a fresh client assertion of mvd.
func (e *env) assertion() string {
	e.jti++
	return e.key.Assertion(e.t, issuertest.Claims{Iss: "mvd", Aud: e.base + issuerapi.AudiencePath,
		JTI: fmt.Sprintf("jti-%d", e.jti), Iat: e.Clock.Now()})
}

// jsonOf decodes a recorded JSON answer.
func jsonOf(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return out
}

// problem checks a problem+json answer and returns its code.
func problem(t testing.TB, call string, rec *httptest.ResponseRecorder, status int) string {
	t.Helper()
	var p struct {
		Code  string `json:"code"`
		Title string `json:"title"`
	}
	if rec.Code != status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") ||
		json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Title == "" {
		t.Errorf("%s = %d %s %s; want %d problem+json", call, rec.Code, rec.Header().Get("Content-Type"), rec.Body, status)
	}
	return p.Code
}
