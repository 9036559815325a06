package citizen_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
)

// authenticator is a software authenticator (a phone's Face ID, say) for
// the relying party of an env with the default public URL: it answers the
// API's begin options as a browser's credential.toJSON() would.
type authenticator struct {
	t    testing.TB
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
}

func newAuthenticator(t testing.TB) *authenticator {
	return &authenticator{t: t, rp: virtualwebauthn.RelyingParty{ID: "id.example", Name: "digitalid", Origin: "http://id.example"},
		auth: virtualwebauthn.NewAuthenticator()}
}

// newCredential returns a new P-256 credential. virtualwebauthn writes key
// coordinates without leading zero bytes, which go-webauthn rightly
// refuses, so short coordinates are drawn again.
func newCredential(t testing.TB) *virtualwebauthn.Credential {
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

// create answers creation options with a new credential.
func (a *authenticator) create(options json.RawMessage) (json.RawMessage, *virtualwebauthn.Credential) {
	a.t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		a.t.Fatalf("ParseAttestationOptions(%s) = %v", options, err)
	}
	a.auth.Options.UserHandle = []byte(o.UserID)
	cred := newCredential(a.t)
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(a.rp, a.auth, *cred, *o)), cred
}

// get answers request options with an assertion by cred, its counter
// moved forward.
func (a *authenticator) get(options json.RawMessage, cred *virtualwebauthn.Credential) json.RawMessage {
	a.t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		a.t.Fatalf("ParseAssertionOptions(%s) = %v", options, err)
	}
	cred.Counter++
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(a.rp, a.auth, *cred, *o))
}

// ceremony is the answer to a begin call.
type ceremony struct {
	CeremonyID string          `json:"ceremony_id"`
	Options    json.RawMessage `json:"options"`
}

// passkeyJSON is the part of a passkey tests look at.
type passkeyJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	DeviceID  string `json:"device_id"`
	BlockedAt string `json:"blocked_at"`
}

// finish is the body of a finish call.
func finish(c ceremony, response json.RawMessage, name string) map[string]any {
	return map[string]any{"ceremony_id": c.CeremonyID, "response": response, "name": name}
}

// addPasskey registers a passkey on a for the session token over the API.
func (e *env) addPasskey(token string, a *authenticator, name string) (passkeyJSON, *virtualwebauthn.Credential) {
	e.t.Helper()
	var c ceremony
	e.json(req{method: "POST", path: "/api/v1/passkeys/register/begin", token: token}, 200, &c)
	resp, cred := a.create(c.Options)
	var p passkeyJSON
	e.json(req{method: "POST", path: "/api/v1/passkeys/register/finish", token: token, body: finish(c, resp, name)}, 201, &p)
	return p, cred
}

// beginPasskeySignIn starts a usernameless passkey sign-in over the API.
func (e *env) beginPasskeySignIn() ceremony {
	e.t.Helper()
	var c ceremony
	e.json(req{method: "POST", path: "/api/v1/auth/passkey/begin", body: map[string]string{}}, 200, &c)
	return c
}
