// Package keystest is the KeyStore's conformance suite: the same tests and
// benchmarks run the keys.Manager over every backend (file, pkcs11) and both
// databases, so a backend cannot pass by being tested differently.
package keystest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/store"
	jose "github.com/go-jose/go-jose/v4"
)

// Options say what the suite runs on.
type Options struct {
	// DSN returns the DSN of a new, empty database: SQLiteDSN or
	// testenv.PostgresDSN. Each subtest gets its own.
	DSN func(testing.TB) string
	// Backend makes the keys. It may be shared between subtests.
	Backend keys.Backend
	// HasKey, when set, reports whether the backend still holds r's private
	// half, so the race tests check that a losing instance destroys its key.
	HasKey func(r keys.Record) (bool, error)
}

// SQLiteDSN returns the path of a new SQLite database in a temporary
// directory.
func SQLiteDSN(t testing.TB) string { return filepath.Join(t.TempDir(), "digitalid.db") }

// Clock is a test clock that moves only when told to.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at a fixed time.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)} }

// Now returns the clock's time; pass it as Config.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// NewManager returns a Manager over db and backend on clock, with the
// default publish and cache periods.
func NewManager(t testing.TB, st keys.Store, backend keys.Backend, clock *Clock) *keys.Manager {
	t.Helper()
	m, err := keys.NewManager(keys.Config{Store: st, Backend: backend, Now: clock.Now})
	if err != nil {
		t.Fatalf("keys.NewManager: %v", err)
	}
	return m
}

// Run runs every conformance test as a subtest.
func Run(t *testing.T, o Options) {
	tests := []struct {
		name string
		fn   func(t *testing.T, o Options, dsn string)
	}{
		{"sign", testSign},
		{"wrap", testWrap},
		{"rotate", testRotate},
		{"other instance", testOtherInstance},
		{"race", testRace},
		{"lost race", testLostRace},
		{"secrets", testSecrets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, o, o.DSN(t))
		})
	}
}

// started returns a Manager whose EnsureKeys has run, and its clock.
func started(t *testing.T, o Options, db *store.DB) (*keys.Manager, *Clock) {
	t.Helper()
	clock := NewClock()
	m := NewManager(t, db, o.Backend, clock)
	if err := m.EnsureKeys(context.Background()); err != nil {
		t.Fatalf("EnsureKeys: %v", err)
	}
	return m, clock
}

// SignJWS signs payload as a compact JWS with the active alg key of ks,
// through go-jose, and returns it with the key id.
func SignJWS(t testing.TB, ks keys.KeyStore, alg keys.Alg, payload string) (jws, kid string) {
	t.Helper()
	s, err := ks.Signer(context.Background(), alg)
	if err != nil {
		t.Fatalf("Signer(%s): %v", alg, err)
	}
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: keys.NewOpaqueSigner(s)}, nil)
	if err != nil {
		t.Fatalf("jose.NewSigner(%s): %v", alg, err)
	}
	obj, err := js.Sign([]byte(payload))
	if err != nil {
		t.Fatalf("Sign JWS with %s: %v", alg, err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatalf("CompactSerialize: %v", err)
	}
	return out, s.KeyID()
}

// VerifyJWS verifies a compact JWS the way a relying party does: with the
// key its header names, looked up in the JWKS as served (JSON round trip).
func VerifyJWS(jws string, set jose.JSONWebKeySet) (string, error) {
	b, err := json.Marshal(set)
	if err != nil {
		return "", err
	}
	var served jose.JSONWebKeySet
	if err := json.Unmarshal(b, &served); err != nil {
		return "", err
	}
	obj, err := jose.ParseSigned(jws, []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA})
	if err != nil {
		return "", err
	}
	kid := obj.Signatures[0].Header.KeyID
	found := served.Key(kid)
	if len(found) != 1 {
		return "", &missingKeyError{kid}
	}
	if found[0].Use != "sig" || found[0].Algorithm != obj.Signatures[0].Header.Algorithm {
		return "", &missingKeyError{kid + " (wrong use or alg)"}
	}
	payload, err := obj.Verify(found[0])
	return string(payload), err
}

type missingKeyError struct{ kid string }

func (e *missingKeyError) Error() string { return "JWKS has no key " + e.kid }
