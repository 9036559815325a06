package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/sdjwt"
	"github.com/go-jose/go-jose/v4"
)

const (
	statusTTL  = 5 * time.Minute
	jwksMaxAge = 300 // seconds, as web/health.go serves it
	testIdx    = 4242
)

// issuer is a test issuer on a loopback HTTP server: it publishes its JWKS
// and one Status List Token (signed when fetched, at the test clock), can
// rotate keys and go down, and counts what it serves.
type issuer struct {
	t   testing.TB
	srv *httptest.Server

	mu     sync.Mutex
	now    time.Time
	keys   map[string]*ecdsa.PrivateKey // published keys by kid
	active string                       // kid that signs
	list   *statuslist.List

	down        atomic.Bool
	jwksHits    atomic.Int32
	statusHits  atomic.Int32
	holder      *ecdsa.PrivateKey
	url, status string
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	list, err := statuslist.New(2, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{t: t, now: time.Unix(1767225600, 0), keys: map[string]*ecdsa.PrivateKey{}, list: list, holder: newKey(t)}
	is.rotate("k1")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", is.serveJWKS)
	mux.HandleFunc("GET /statuslists/1", is.serveStatus)
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	is.url, is.status = is.srv.URL, is.srv.URL+"/statuslists/1"
	return is
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// clock is the verifier's and the issuer's clock.
func (is *issuer) clock() time.Time {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.now
}

func (is *issuer) advance(d time.Duration) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.now = is.now.Add(d)
}

// rotate adds a key and makes it the signing key; the old keys stay
// published, as after a real rotation.
func (is *issuer) rotate(kid string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys[kid] = newKey(is.t)
	is.active = kid
}

func (is *issuer) setStatus(idx int, s statuslist.Status) {
	is.mu.Lock()
	defer is.mu.Unlock()
	if err := is.list.Set(idx, s); err != nil {
		is.t.Fatal(err)
	}
}

func (is *issuer) jwks() *jose.JSONWebKeySet {
	is.mu.Lock()
	defer is.mu.Unlock()
	set := &jose.JSONWebKeySet{}
	for kid, k := range is.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"})
	}
	return set
}

// abortIfDown drops the connection without a response: a real network
// failure, not an HTTP error.
func (is *issuer) abortIfDown() {
	if is.down.Load() {
		panic(http.ErrAbortHandler)
	}
}

func (is *issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	is.jwksHits.Add(1)
	is.abortIfDown()
	body, err := json.Marshal(is.jwks())
	if err != nil {
		is.t.Error(err)
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(body)
}

func (is *issuer) serveStatus(w http.ResponseWriter, r *http.Request) {
	is.statusHits.Add(1)
	is.abortIfDown()
	is.mu.Lock()
	now, kid, list := is.now, is.active, is.list
	tok, err := statuslist.SignToken(list, is.status, now, now.Add(24*time.Hour), statusTTL, is.keys[kid], "", kid)
	is.mu.Unlock()
	if err != nil {
		is.t.Error(err)
	}
	w.Header().Set("Content-Type", statuslist.MediaType)
	w.Write([]byte(tok))
}

// credential issues an age_over_18 SD-JWT VC (plus a disclosable
// given_name, to show beyond the purpose) with the active key.
func (is *issuer) credential(edit func(claims map[string]any)) *sdjwt.SDJWT {
	is.t.Helper()
	is.mu.Lock()
	now, kid := is.now, is.active
	key := is.keys[kid]
	is.mu.Unlock()
	claims := map[string]any{
		"iss":         is.url,
		"vct":         "urn:digitalid:age_over_18",
		"iat":         now.Add(-time.Hour).Unix(),
		"exp":         now.Add(30 * 24 * time.Hour).Unix(),
		"status":      statuslist.Reference{Idx: testIdx, URI: is.status}.Claim(),
		"age_over_18": true,
		"given_name":  "Erika",
	}
	if edit != nil {
		edit(claims)
	}
	sd, err := sdjwt.Issue(claims, []sdjwt.Path{{"age_over_18"}, {"given_name"}}, sdjwt.IssueOptions{
		Signer: key, KeyID: kid, HolderKey: &jose.JSONWebKey{Key: &is.holder.PublicKey},
	})
	if err != nil {
		is.t.Fatalf("sdjwt.Issue = %v", err)
	}
	return sd
}

// present shows the given claims of sd for aud, with a KB-JWT drawn at the
// current clock shifted by kbAge into the past, as a QR payload.
func (is *issuer) present(sd *sdjwt.SDJWT, aud string, kbAge time.Duration, claims ...string) string {
	is.t.Helper()
	var paths []sdjwt.Path
	for _, c := range claims {
		paths = append(paths, sdjwt.Path{c})
	}
	nonce := make([]byte, 12)
	rand.Read(nonce)
	p, err := sdjwt.Present(sd, sdjwt.Select(paths...), &sdjwt.KeyBindingOptions{
		Signer: is.holder, Aud: aud, Nonce: base64.RawURLEncoding.EncodeToString(nonce), IssuedAt: is.clock().Add(-kbAge),
	})
	if err != nil {
		is.t.Fatalf("sdjwt.Present = %v", err)
	}
	return FormatPayload(p)
}

// ageOver18 is the everyday presentation: a fresh credential showing only
// age_over_18.
func (is *issuer) ageOver18() string {
	return is.present(is.credential(nil), "age_over_18", 0, "age_over_18")
}

func (is *issuer) config() Config {
	return Config{
		Issuer: is.url, HTTPClient: is.srv.Client(), Now: is.clock,
		MaxKeyAge: 24 * time.Hour, MaxStatusAge: time.Hour,
	}
}

func (is *issuer) verifier(cfg Config, opts ...Option) *Verifier {
	is.t.Helper()
	v, err := New(cfg, opts...)
	if err != nil {
		is.t.Fatalf("New = %v", err)
	}
	return v
}

// want fails unless r has the outcome and reason given.
func want(t testing.TB, call string, r Result, outcome Outcome, reason string) {
	t.Helper()
	if r.Outcome != outcome || r.Reason != reason {
		t.Fatalf("%s = %s %q (%v), want %s %q", call, r.Outcome, r.Reason, r.Err, outcome, reason)
	}
}

func verify(v *Verifier, payload string) Result {
	return v.Verify(context.Background(), payload, "age_over_18")
}
