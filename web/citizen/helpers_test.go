package citizen_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/go-jose/go-jose/v4"
)

// env is the citizen routes on a real web.Server over a real database, with
// the SMS outbox as sender (tests read codes from it, as a citizen reads
// their phone) and a clock tests move.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	clock  *keystest.Clock
	outbox *sms.Outbox
	audit  *audit.Log
	svc    *account.Service
	srv    *web.Server
	keys   account.Keys // kept so a twin instance shares them
	smsKey []byte
	logKey []byte
}

// options change how an env is built.
type options struct {
	publicURL string
	rates     map[string]account.Rate
	deps      func(e *env, d *citizen.Deps) // adds optional dependencies (the vault)
	twinOf    *env                          // another instance of this env: same keys and clock, db its own pool
}

// cheapArgon2 keeps tests fast; account's own tests cover the real cost.
var cheapArgon2 = account.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

// generousRates lets a test make many authentication requests from one
// address; the rate-limit test sets its own.
func generousRates() map[string]account.Rate {
	return map[string]account.Rate{account.BucketAuth: {Max: 10000, Window: time.Minute}}
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// noKeys is an empty JWKS source: these tests publish no tokens.
type noKeys struct{}

func (noKeys) JWKS(context.Context) (jose.JSONWebKeySet, error) { return jose.JSONWebKeySet{}, nil }

func newEnv(t testing.TB, db *store.DB, o options) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, clock: keystest.NewClock(), smsKey: randomKey(), logKey: randomKey(),
		keys: account.Keys{PhoneIndex: randomKey(), PhoneSeal: randomKey(), OTP: randomKey(), IPIndex: randomKey()}}
	if o.twinOf != nil {
		e.clock, e.smsKey, e.logKey, e.keys = o.twinOf.clock, o.twinOf.smsKey, o.twinOf.logKey, o.twinOf.keys
	}
	var err error
	if e.outbox, err = sms.NewOutbox(db, e.smsKey, e.clock.Now, nil); err != nil {
		t.Fatalf("sms.NewOutbox: %v", err)
	}
	if e.audit, err = audit.New(db, e.logKey, e.clock.Now); err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	if o.rates == nil {
		o.rates = generousRates()
	}
	if o.publicURL == "" {
		o.publicURL = "http://id.example"
	}
	passkey, err := account.PasskeyConfigFromURL(o.publicURL)
	if err != nil {
		t.Fatalf("PasskeyConfigFromURL(%q) = %v", o.publicURL, err)
	}
	if net.ParseIP(passkey.RPID) != nil {
		passkey = account.PasskeyConfig{} // WebAuthn needs a domain: passkeys stay off on 127.0.0.1
	}
	e.svc, err = account.New(account.Config{
		Store: db, SMS: e.outbox, Audit: e.audit, Clock: e.clock.Now,
		Keys: e.keys, PIN: account.PINConfig{Argon2: cheapArgon2}, Rates: o.rates, Passkey: passkey,
	})
	if err != nil {
		t.Fatalf("account.New: %v", err)
	}
	logger := slog.New(slog.DiscardHandler)
	e.srv, err = web.New(web.Config{PublicURL: o.publicURL, Version: "test"},
		web.Deps{Logger: logger, DB: db, Keys: noKeys{}, Clock: e.clock.Now})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	deps := citizen.Deps{Accounts: e.svc, Logger: logger, Clock: e.clock.Now}
	if o.deps != nil {
		o.deps(e, &deps)
	}
	if err := citizen.Register(e.srv, deps); err != nil {
		t.Fatalf("citizen.Register: %v", err)
	}
	return e
}

// req is one request to the server.
type req struct {
	method, path string
	body         any    // JSON-encoded unless a string (sent as a form)
	token        string // bearer token
	ip           string // client address; default 192.0.2.1
	headers      []string
	cookies      []*http.Cookie
}

// do sends r through the real router.
func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	hr := apitest.NewRequest(e.t, r.method, r.path, r.body)
	hr.RemoteAddr = "192.0.2.1:40000"
	if r.ip != "" {
		hr.RemoteAddr = r.ip + ":40000"
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for _, h := range r.headers {
		k, v, _ := strings.Cut(h, ":")
		hr.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// json sends a JSON request and decodes a 2xx answer into out (if not nil);
// it fails the test unless the status is want.
func (e *env) json(r req, want int, out any) *httptest.ResponseRecorder {
	e.t.Helper()
	rec := e.do(r)
	apitest.Decode(e.t, r.method+" "+r.path, rec, want, out)
	return rec
}

// problem is the part of a problem+json answer tests look at.
type problem = apitest.Problem

// refused sends r, expects a problem with status and code, and returns it.
func (e *env) refused(r req, status int, code string) (problem, *httptest.ResponseRecorder) {
	e.t.Helper()
	rec := e.do(r)
	return apitest.Refused(e.t, r.method+" "+r.path, rec, status, code), rec
}

// phone returns a valid Kazakh mobile number, distinct for each n.
func phone(n int) string { return fmt.Sprintf("+7701%07d", 2000000+n) }

// code returns the one-time code last texted to to, read from the outbox.
func (e *env) code(to string) string {
	e.t.Helper()
	return apitest.Code(e.t, e.ctx, e.outbox, to)
}

// outboxCount counts the messages texted to to.
func (e *env) outboxCount(to string) int {
	e.t.Helper()
	list, err := e.outbox.List(e.ctx, sms.ListOptions{To: to, Limit: sms.MaxListLimit})
	if err != nil {
		e.t.Fatalf("outbox.List: %v", err)
	}
	return len(list)
}

// proof asks for a code over the API, reads it from the outbox and
// verifies it.
func (e *env) proof(to, purpose string) string {
	e.t.Helper()
	e.json(req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": purpose}}, 202, nil)
	var p struct{ Proof string }
	e.json(req{method: "POST", path: "/api/v1/auth/otp/verify",
		body: map[string]string{"phone": to, "purpose": purpose, "code": e.code(to)}}, 200, &p)
	return p.Proof
}

const goodPIN = "2791"

// signedIn is the answer to a sign-up or sign-in.
type signedIn struct {
	SessionToken string `json:"session_token"`
	CitizenID    string `json:"citizen_id"`
	DeviceID     string `json:"device_id"`
	DeviceToken  string `json:"device_token"`
	Session      struct {
		ID string `json:"id"`
	} `json:"session"`
}

// signUp creates an account over the API.
func (e *env) signUp(to string) signedIn {
	e.t.Helper()
	var s signedIn
	e.json(req{method: "POST", path: "/api/v1/auth/signup",
		body: map[string]string{"proof": e.proof(to, "signup"), "pin": goodPIN, "device_name": "First phone"}}, 201, &s)
	return s
}

// signInNewDevice signs in on a new device with a code and the PIN.
func (e *env) signInNewDevice(to, pin string) signedIn {
	e.t.Helper()
	var s signedIn
	e.json(req{method: "POST", path: "/api/v1/auth/signin",
		body: map[string]string{"proof": e.proof(to, "signin"), "pin": pin, "device_name": "Laptop"}}, 200, &s)
	return s
}

// cookie returns the cookie named name that rec sets, or nil.
func cookie(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// location returns the redirect target of rec, failing unless it is a 303.
func location(t testing.TB, rec *httptest.ResponseRecorder) *url.URL {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303 See Other; body %s", rec.Code, rec.Body)
	}
	u, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}
