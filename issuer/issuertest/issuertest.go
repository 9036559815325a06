// Package issuertest builds what tests of the issuer API and the import
// command need: an issuer's signing key that makes client assertions and
// signed documents, and the issuing Service over a real database.
package issuertest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/go-jose/go-jose/v4"
)

// Key is an issuer's ES256 signing key.
type Key struct {
	priv *ecdsa.PrivateKey
	kid  string
}

// NewKey makes a fresh P-256 key named kid.
func NewKey(t testing.TB, kid string) Key {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Key{priv: k, kid: kid}
}

// JWKS is the public key set to register.
func (k Key) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.priv.Public(), KeyID: k.kid, Algorithm: "ES256", Use: "sig"}}}
}

// Sign returns the compact JWS of payload.
func (k Key) Sign(t testing.TB, payload []byte) string {
	t.Helper()
	var signer crypto.Signer = k.priv
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: signer},
		(&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), k.kid))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Claims of an assertion; zero Exp means iat + 2 minutes.
type Claims struct {
	Iss, Sub, Aud, JTI string
	Iat, Exp           time.Time
}

// Assertion signs a client assertion with the claims.
func (k Key) Assertion(t testing.TB, c Claims) string {
	t.Helper()
	if c.Sub == "" {
		c.Sub = c.Iss
	}
	if c.Exp.IsZero() {
		c.Exp = c.Iat.Add(2 * time.Minute)
	}
	b, err := json.Marshal(map[string]any{"iss": c.Iss, "sub": c.Sub, "aud": c.Aud, "jti": c.JTI,
		"iat": c.Iat.Unix(), "exp": c.Exp.Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return k.Sign(t, b)
}

// Env is the issuing Service over a real database, with the vault and
// accounts it drives.
type Env struct {
	DB       *store.DB
	Issuers  *issuer.Service
	Vault    *vault.Service
	Accounts *account.Service
	Audit    *audit.Log
	Notes    *account.Notifications // set by Confirming
}

// New builds an Env on db with clock.
func New(t testing.TB, db *store.DB, clock func() time.Time) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{DB: db}
	backend, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatalf("keys.NewFileBackend: %v", err)
	}
	m, err := keys.NewManager(keys.Config{Store: db, Backend: backend, Now: clock})
	if err != nil {
		t.Fatalf("keys.NewManager: %v", err)
	}
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatalf("EnsureKeys: %v", err)
	}
	if e.Audit, err = audit.New(db, bytes.Repeat([]byte{9}, 32), clock); err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	reg, err := vault.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	vk, err := vault.LoadIndexKey(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if e.Vault, err = vault.NewService(db, m, reg, e.Audit, clock, nil, vault.Options{IndexKey: vk}); err != nil {
		t.Fatalf("vault.NewService: %v", err)
	}
	ak := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
	if e.Accounts, err = account.New(account.Config{Store: db, Audit: e.Audit, Clock: clock, SMS: nopSMS{},
		Keys: account.Keys{PhoneIndex: ak(), PhoneSeal: ak(), OTP: ak(), IPIndex: ak()}}); err != nil {
		t.Fatalf("account.New: %v", err)
	}
	if e.Issuers, err = issuer.New(issuer.Config{Store: db, Vault: e.Vault, Citizens: e.Accounts.Citizens, Types: issuer.TypesOf(reg),
		Audit: e.Audit, IndexKey: ak(), Clock: clock}); err != nil {
		t.Fatalf("issuer.New: %v", err)
	}
	return e
}

// Citizen registers a citizen with phone and returns their id.
func (e *Env) Citizen(t testing.TB, phone string) string {
	t.Helper()
	c, err := e.Accounts.Citizens.Create(context.Background(), phone, "ru")
	if err != nil {
		t.Fatalf("Citizens.Create(%s): %v", phone, err)
	}
	return c.ID
}

// Documents counts the vault's documents and sums their revisions, so a
// test sees any insert or update.
func (e *Env) Documents(t testing.TB) string {
	t.Helper()
	var n, rev int64
	if err := e.DB.SQL().QueryRow(`SELECT COUNT(*), COALESCE(SUM(revision), 0) FROM vault_documents`).Scan(&n, &rev); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d documents, revisions %d", n, rev)
}

// nopSMS drops messages: these tests send none.
type nopSMS struct{}

func (nopSMS) Send(context.Context, sms.Message) error { return nil }
