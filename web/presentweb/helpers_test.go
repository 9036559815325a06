package presentweb_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/credentialapi"
	"github.com/digitalid/digitalid/web/presentweb"
)

// env is the Digital ID routes with the citizen routes on a real
// web.Server over a real database.
type env struct {
	*presenttest.Env
	t   testing.TB
	srv *web.Server
}

func newEnv(t testing.TB, db *store.DB, publicURL string) *env {
	t.Helper()
	e := &env{Env: presenttest.New(t, db, presenttest.Options{}), t: t}
	if publicURL == "" {
		publicURL = "http://id.example"
	}
	logger := slog.New(slog.DiscardHandler)
	var err error
	e.srv, err = web.New(web.Config{PublicURL: publicURL, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: e.Keys, Clock: e.Clock.Now})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := citizen.Register(e.srv, citizen.Deps{Accounts: e.Accounts, Logger: logger, Clock: e.Clock.Now, Vault: e.Vault}); err != nil {
		t.Fatalf("citizen.Register: %v", err)
	}
	if err := credentialapi.Register(e.srv, credentialapi.Deps{Credentials: e.Credentials, Accounts: e.Accounts, Logger: logger}); err != nil {
		t.Fatalf("credentialapi.Register: %v", err)
	}
	if err := presentweb.Register(e.srv, presentweb.Deps{Present: e.Present, Accounts: e.Accounts, Logger: logger}); err != nil {
		t.Fatalf("presentweb.Register: %v", err)
	}
	return e
}

// req is one request to the server.
type req struct {
	method, path string
	body         any    // JSON-encoded unless a string (sent as a form) or []byte (raw JSON)
	bearer       string // Authorization: Bearer
	headers      []string
	cookies      []*http.Cookie
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	hr := apitest.NewRequest(e.t, r.method, r.path, r.body)
	hr.RemoteAddr = "192.0.2.1:40000"
	hr.Header.Set("Accept-Language", "en")
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	for _, h := range r.headers {
		k, v, _ := strings.Cut(h, ":")
		hr.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// json sends r, fails unless the status is want, and decodes the body into
// out (if not nil).
func (e *env) json(r req, want int, out any) *httptest.ResponseRecorder {
	e.t.Helper()
	rec := e.do(r)
	apitest.Decode(e.t, r.method+" "+r.path, rec, want, out)
	return rec
}

// problem is what tests read of a problem+json answer.
type problem = apitest.Problem

func (e *env) refused(r req, status int, code string) problem {
	e.t.Helper()
	return apitest.Refused(e.t, r.method+" "+r.path, e.do(r), status, code)
}

// minted is the answer of POST /api/v1/id/presentations.
type minted struct {
	Payload    string `json:"payload"`
	Purpose    string `json:"purpose"`
	ExpiresAt  string `json:"expires_at"`
	TTLSeconds int    `json:"ttl_seconds"`
	QRSVG      string `json:"qr_svg"`
	QRVersion  int    `json:"qr_version"`
}

// verified is the answer of POST /api/v1/verifier/verify.
type verified struct {
	Result     string         `json:"result"`
	Reason     string         `json:"reason"`
	ReasonText string         `json:"reason_text"`
	Purpose    string         `json:"purpose"`
	Mode       string         `json:"mode"`
	Claims     map[string]any `json:"claims"`
	Display    []struct {
		Claim, Label, Value string
	} `json:"display"`
	PortraitURL string `json:"portrait_url"`
}

func (e *env) mint(token, purpose string) minted {
	e.t.Helper()
	var m minted
	e.json(req{method: "POST", path: "/api/v1/id/presentations", bearer: token, body: map[string]string{"purpose": purpose}}, 201, &m)
	return m
}

func (e *env) verify(cred, payload string) verified {
	e.t.Helper()
	var v verified
	e.json(req{method: "POST", path: "/api/v1/verifier/verify", bearer: cred, body: map[string]string{"payload": payload}}, 200, &v)
	return v
}

func accountClient() account.Client { return account.Client{IP: "192.0.2.9"} }
