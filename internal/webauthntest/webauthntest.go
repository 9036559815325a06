// Package webauthntest is a software authenticator (a phone's Face ID, say)
// for API tests of passkeys: it answers the begin options of a WebAuthn
// ceremony as a browser's credential.toJSON() would. Browser tests use
// Chromium's virtual authenticator instead.
package webauthntest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
)

// Authenticator holds one authenticator's state for one relying party.
type Authenticator struct {
	t    testing.TB
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
}

// New returns an authenticator for the relying party rpID reached at origin
// (for the tests' default public URL: "id.example", "http://id.example").
func New(t testing.TB, rpID, origin string) *Authenticator {
	return &Authenticator{t: t, rp: virtualwebauthn.RelyingParty{ID: rpID, Name: "digitalid", Origin: origin},
		auth: virtualwebauthn.NewAuthenticator()}
}

// NewCredential returns a new P-256 credential. virtualwebauthn writes key
// coordinates without leading zero bytes, which go-webauthn rightly
// refuses, so short coordinates are drawn again.
func NewCredential(t testing.TB) *virtualwebauthn.Credential {
	for {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(k.X.Bytes()) != 32 || len(k.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		c := virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der)
		return &c
	}
}

// SetUserHandle sets the user handle the authenticator reports in its
// assertions (as if its credential belonged to that account).
func (a *Authenticator) SetUserHandle(h []byte) { a.auth.Options.UserHandle = h }

// Create answers creation options with a new credential.
func (a *Authenticator) Create(options json.RawMessage) (json.RawMessage, *virtualwebauthn.Credential) {
	a.t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		a.t.Fatalf("ParseAttestationOptions(%s) = %v", options, err)
	}
	a.auth.Options.UserHandle = []byte(o.UserID)
	cred := NewCredential(a.t)
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(a.rp, a.auth, *cred, *o)), cred
}

// Get answers request options with an assertion by cred, its counter moved
// forward.
func (a *Authenticator) Get(options json.RawMessage, cred *virtualwebauthn.Credential) json.RawMessage {
	a.t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		a.t.Fatalf("ParseAssertionOptions(%s) = %v", options, err)
	}
	cred.Counter++
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(a.rp, a.auth, *cred, *o))
}
