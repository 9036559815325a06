package history_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/history"
)

// issuerName is the test issuer's registered name (the issuer service is
// not built here; its names come from this lookup).
const issuerName = "Ministry of Internal Affairs"

// env is the history routes with the citizen routes on a real web.Server
// over a real database, with the real present and oidc services naming
// verifiers and relying parties.
type env struct {
	*presenttest.Env
	t    testing.TB
	srv  *web.Server
	OIDC *oidc.Service
	// lookups counts party-name lookups, to check one per distinct party.
	lookups map[string]int
}

func newEnv(t testing.TB, db *store.DB, publicURL string) *env {
	t.Helper()
	e := &env{Env: presenttest.New(t, db, presenttest.Options{}), t: t, lookups: map[string]int{}}
	if publicURL == "" {
		publicURL = "http://id.example"
	}
	logger := slog.New(slog.DiscardHandler)
	var err error
	e.OIDC, err = oidc.New(oidc.Config{Store: db, Audit: e.Audit, Citizens: e.Accounts.Citizens, Devices: e.Accounts.Sessions,
		PairwiseKey: bytes.Repeat([]byte{3}, 32), DocumentTypes: []string{"passport_ru"}, Clock: e.Clock.Now})
	if err != nil {
		t.Fatalf("oidc.New: %v", err)
	}
	e.srv, err = web.New(web.Config{PublicURL: publicURL, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: e.Keys, Clock: e.Clock.Now})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := citizen.Register(e.srv, citizen.Deps{Accounts: e.Accounts, Logger: logger, Clock: e.Clock.Now, Vault: e.Vault}); err != nil {
		t.Fatalf("citizen.Register: %v", err)
	}
	reg, err := vault.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	d := history.Deps{Audit: e.Audit, Accounts: e.Accounts, Labels: reg, Logger: logger,
		Verifiers: func(ctx context.Context, id string) (string, error) {
			e.lookups["verifier:"+id]++
			v, err := e.Present.Verifier(ctx, id)
			return v.Name, err
		},
		RelyingParties: func(ctx context.Context, id string) (string, error) {
			e.lookups["rp:"+id]++
			c, err := e.OIDC.Client(ctx, id)
			return c.Name, err
		},
		Issuers: func(ctx context.Context, id string) (string, error) {
			e.lookups["issuer:"+id]++
			if id == presenttest.IssuerID {
				return issuerName, nil
			}
			return "", digitalid.Errorf(digitalid.ENOTFOUND, "no issuer")
		},
	}
	if err := history.Register(e.srv, d); err != nil {
		t.Fatalf("history.Register: %v", err)
	}
	return e
}

// relyingParty registers a relying party called name.
func (e *env) relyingParty(name string) oidc.RelyingParty {
	e.t.Helper()
	c, _, err := e.OIDC.AddClient(context.Background(), "test", oidc.NewClient{Name: name, DevSecret: true,
		RedirectURIs: []string{"https://rp.example/cb"}, Scopes: []string{"openid", "document:passport_ru"}})
	if err != nil {
		e.t.Fatalf("AddClient: %v", err)
	}
	return c
}

// appendEvent files e on the real audit log.
func (e *env) appendEvent(ev audit.Event) audit.Event {
	e.t.Helper()
	if ev.Result == "" {
		ev.Result = audit.Success
	}
	if ev.Object == "" {
		ev.Object = "test:1"
	}
	got, err := e.Audit.Append(context.Background(), ev)
	if err != nil {
		e.t.Fatalf("audit Append %s: %v", ev.Action, err)
	}
	return got
}

// req is one request to the server.
type req struct {
	method, path string
	bearer       string
	lang         string
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	hr := httptest.NewRequest(r.method, r.path, body)
	hr.RemoteAddr = "192.0.2.1:40000"
	lang := r.lang
	if lang == "" {
		lang = "en"
	}
	hr.Header.Set("Accept-Language", lang)
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// event is what tests read of a history event.
type event struct {
	ID         string `json:"id"`
	Seq        int64  `json:"seq"`
	Action     string `json:"action"`
	Text       string `json:"text"`
	ActorType  string `json:"actor_type"`
	Actor      string `json:"actor"`
	Device     string `json:"device"`
	About      string `json:"about"`
	Access     bool   `json:"access"`
	Result     string `json:"result"`
	ResultText string `json:"result_text"`
	Reason     string `json:"reason"`
	ReasonText string `json:"reason_text"`
}

type page struct {
	Events     []event `json:"events"`
	Filter     string  `json:"filter"`
	NextBefore int64   `json:"next_before"`
}

// history GETs path (a query on /api/v1/me/history) with token.
func (e *env) history(token, query, lang string) page {
	e.t.Helper()
	rec := e.do(req{method: "GET", path: "/api/v1/me/history" + query, bearer: token, lang: lang})
	if rec.Code != 200 {
		e.t.Fatalf("GET history%s = %d %s", query, rec.Code, rec.Body)
	}
	var p page
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		e.t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return p
}

// refused checks a problem+json answer.
func (e *env) refused(r req, status int, code string) {
	e.t.Helper()
	rec := e.do(r)
	var p struct {
		Code string `json:"code"`
	}
	if rec.Code != status || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Code != code {
		e.t.Fatalf("%s %s = %d %s, want %d %s", r.method, r.path, rec.Code, rec.Body, status, code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		e.t.Errorf("%s %s: Content-Type %q", r.method, r.path, ct)
	}
}
