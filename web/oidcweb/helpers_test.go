package oidcweb_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/oidcweb"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// clock is a test clock that starts at the real time (op stamps ID tokens
// and checks client assertions with the wall clock, so ours must agree
// with it) and moves only when a test advances it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is the provider, the citizen pages and the vault on a real server
// on 127.0.0.1 over a real database.
type env struct {
	t        testing.TB
	ctx      context.Context
	db       *store.DB
	clock    *clock
	outbox   *sms.Outbox
	audit    *audit.Log
	accounts *account.Service
	keys     *keys.Manager
	vault    *vault.Service
	oidc     *oidc.Service
	provider *oidc.Provider
	srv      *web.Server
	base     string
	issuer   *ecdsa.PrivateKey // signs documents
}

func randomKey() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// secrets are what every instance of a deployment shares (in production
// loaded from the KeyStore): one env per instance over one database.
type secrets struct {
	audit, outbox, pairwise, tokens []byte
	account                         account.Keys
	publicURL                       string // the deployment's URL; default the instance's own
}

func newSecrets() secrets {
	return secrets{audit: randomKey(), outbox: randomKey(), pairwise: randomKey(), tokens: randomKey(),
		account: account.Keys{PhoneIndex: randomKey(), PhoneSeal: randomKey(), OTP: randomKey(), IPIndex: randomKey()}}
}

func newEnv(t testing.TB, db *store.DB) *env { return newInstance(t, db, newSecrets()) }

// newInstance is one server instance over db with the deployment's secrets.
func newInstance(t testing.TB, db *store.DB, sec secrets) *env {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	hs.Start()
	t.Cleanup(hs.Close)
	e := &env{t: t, ctx: context.Background(), db: db, clock: newClock(), base: hs.URL}
	public := hs.URL
	if sec.publicURL != "" {
		public = sec.publicURL
	}
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	e.outbox, err = sms.NewOutbox(db, sec.outbox, e.clock.Now, nil)
	must("sms.NewOutbox", err)
	e.audit, err = audit.New(db, sec.audit, e.clock.Now)
	must("audit.New", err)
	e.accounts, err = account.New(account.Config{
		Store: db, SMS: e.outbox, Audit: e.audit, Clock: e.clock.Now,
		Keys:  sec.account,
		PIN:   account.PINConfig{Argon2: account.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}},
		Rates: map[string]account.Rate{account.BucketAuth: {Max: 10000, Window: time.Minute}},
	})
	must("account.New", err)
	backend, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
	must("keys.NewFileBackend", err)
	e.keys, err = keys.NewManager(keys.Config{Store: db, Backend: backend, Now: e.clock.Now})
	must("keys.NewManager", err)
	must("EnsureKeys", e.keys.EnsureKeys(e.ctx))
	reg, err := vault.NewRegistry()
	must("vault.NewRegistry", err)
	ik, err := vault.LoadIndexKey(e.ctx, e.keys)
	must("LoadIndexKey", err)
	logger := slog.New(slog.DiscardHandler)
	e.vault, err = vault.NewService(db, e.keys, reg, e.audit, e.clock.Now, logger, vault.Options{IndexKey: ik})
	must("vault.NewService", err)
	var types []string
	for _, ty := range reg.Types() {
		types = append(types, ty.ID())
	}
	e.oidc, err = oidc.New(oidc.Config{Store: db, Audit: e.audit, Citizens: e.accounts.Citizens, Devices: e.accounts.Sessions,
		PairwiseKey: sec.pairwise, DocumentTypes: types, Attestations: credential.Types(), Clock: e.clock.Now, Logger: logger,
		TokenRate: oidc.Rate{Max: 1 << 30, Window: time.Minute}})
	must("oidc.New", err)
	cred, err := credential.NewService(credential.Config{Store: db, Vault: e.vault, Registry: reg, Accounts: e.accounts, Keys: e.keys,
		Audit: e.audit, Clock: e.clock.Now, Logger: logger, PublicURL: e.base})
	must("credential.NewService", err)
	e.provider, err = e.oidc.NewProvider(public, e.keys, sec.tokens)
	must("NewProvider", err)
	e.srv, err = web.New(web.Config{PublicURL: public, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: e.keys, Clock: e.clock.Now})
	must("web.New", err)
	must("citizen.Register", citizen.Register(e.srv, citizen.Deps{Accounts: e.accounts, Logger: logger, Clock: e.clock.Now}))
	must("oidcweb.Register", oidcweb.Register(e.srv, oidcweb.Deps{OIDC: e.oidc, Provider: e.provider, Accounts: e.accounts,
		Vault: e.vault, Labels: reg, Signer: e.keys, Attestations: cred, Logger: logger, Clock: e.clock.Now}))
	hs.Config.Handler = e.srv.Handler()
	e.issuer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must("issuer key", err)
	return e
}

const goodPIN = "2791"

func phone(n int) string { return fmt.Sprintf("+7701%07d", 3000000+n) }

// code returns the one-time code last texted to to.
func (e *env) code(to string) string {
	e.t.Helper()
	return apitest.Code(e.t, e.ctx, e.outbox, to)
}

// signUp creates an account through the API and returns the session token
// and citizen id.
func (e *env) signUp(to string) (token, citizenID, deviceID string) {
	e.t.Helper()
	post := func(path string, body any, out any) {
		e.t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(e.base+path, "application/json", bytes.NewReader(b))
		if err != nil {
			e.t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			e.t.Fatalf("POST %s = %d %s", path, resp.StatusCode, data)
		}
		if out != nil {
			json.Unmarshal(data, out)
		}
	}
	post("/api/v1/auth/otp", map[string]string{"phone": to, "purpose": "signup"}, nil)
	var p struct{ Proof string }
	post("/api/v1/auth/otp/verify", map[string]string{"phone": to, "purpose": "signup", "code": e.code(to)}, &p)
	var s struct {
		SessionToken string `json:"session_token"`
		CitizenID    string `json:"citizen_id"`
		DeviceID     string `json:"device_id"`
	}
	post("/api/v1/auth/signup", map[string]string{"proof": p.Proof, "pin": goodPIN, "device_name": "Phone"}, &s)
	return s.SessionToken, s.CitizenID, s.DeviceID
}

// issue puts an issuer-signed document of the type from testdata into the
// citizen's vault.
func (e *env) issue(citizenID, typeID string) vault.Document {
	e.t.Helper()
	raw, err := os.ReadFile("testdata/" + typeID + ".json")
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: e.issuer}, (&jose.SignerOptions{}).WithHeader("kid", "mvd-1"))
	if err != nil {
		e.t.Fatal(err)
	}
	jws, err := s.Sign(raw)
	if err != nil {
		e.t.Fatal(err)
	}
	sig, _ := jws.CompactSerialize()
	d, _, err := e.vault.UpsertFromIssuer(e.ctx, "mvd", citizenID, typeID, raw, sig, "ref-"+typeID+"-"+citizenID[2:10], "idem-"+typeID+citizenID[2:10])
	if err != nil {
		e.t.Fatalf("UpsertFromIssuer(%s): %v", typeID, err)
	}
	return d
}

// rp is a relying party: its registration, its assertion key and the
// server its redirect URI points at, which records what the browser brings.
type rp struct {
	e        *env
	client   oidc.RelyingParty
	key      *ecdsa.PrivateKey
	redirect string
	mu       sync.Mutex
	got      []url.Values
}

func (e *env) newRP(name string, scopes, required []string) *rp {
	e.t.Helper()
	r := &rp{e: e}
	var err error
	if r.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		e.t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/callback" {
			w.WriteHeader(http.StatusNoContent) // the browser's favicon request
			return
		}
		r.mu.Lock()
		r.got = append(r.got, req.URL.Query())
		r.mu.Unlock()
		fmt.Fprintf(w, "<!doctype html><html lang=en><title>RP</title><h1 id=rp>back at %s</h1>", name)
	}))
	e.t.Cleanup(hs.Close)
	r.redirect = hs.URL + "/callback"
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: r.key.Public(), KeyID: "rp-1", Algorithm: "ES256", Use: "sig"}}})
	r.client, _, err = e.oidc.AddClient(e.ctx, "test", oidc.NewClient{Name: name, RedirectURIs: []string{r.redirect},
		Scopes: scopes, RequiredScopes: required, PublicKeys: jwks, ConsentDays: 90})
	if err != nil {
		e.t.Fatalf("AddClient: %v", err)
	}
	return r
}

// last returns the query the browser last brought to the redirect URI.
func (r *rp) last() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		return nil
	}
	return r.got[len(r.got)-1]
}

// assertion returns a fresh private_key_jwt client assertion.
func (r *rp) assertion(jti string, aud ...string) string {
	r.e.t.Helper()
	return r.assertionAs(r.client.ID, jti, aud...)
}

// assertionAs signs an assertion claiming to be client iss with r's key.
func (r *rp) assertionAs(iss, jti string, aud ...string) string {
	r.e.t.Helper()
	if len(aud) == 0 {
		aud = []string{r.e.base, r.e.base + oidc.PathToken}
	}
	if jti == "" {
		b := make([]byte, 12)
		rand.Read(b)
		jti = base64.RawURLEncoding.EncodeToString(b)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: r.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "rp-1"))
	if err != nil {
		r.e.t.Fatal(err)
	}
	now := r.e.clock.Now()
	tok, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: iss, Subject: iss, Audience: aud, ID: jti,
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(2 * time.Minute))}).Serialize()
	if err != nil {
		r.e.t.Fatal(err)
	}
	return tok
}

// transport adds a fresh client assertion to every form POST to the
// provider's back-channel endpoints, as a private_key_jwt client library
// does; golang.org/x/oauth2 itself sends client_id in the body.
type transport struct{ r *rp }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		f, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		f.Set("client_assertion_type", oidc.AssertionType)
		f.Set("client_assertion", t.r.assertion(""))
		body := f.Encode()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *rp) httpClient() *http.Client {
	return &http.Client{Transport: transport{r}, Timeout: 20 * time.Second}
}

// post sends a form to the provider and decodes the JSON answer.
func (e *env) post(path string, form url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.PostForm(e.base+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// getJSON sends a GET with a bearer token.
func (e *env) getJSON(path, token string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(h[:])
}

type jose_JSONWebKey = jose.JSONWebKey

func decodeHeader(h string) string {
	b, _ := base64.RawURLEncoding.DecodeString(h)
	return string(b)
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
