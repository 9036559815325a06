package recovery_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/digitalid/digitalid/account"
)

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

// addPasskey registers a passkey for the session token over the API.
func (e *env) addPasskey(token string, a *authenticator) *virtualwebauthn.Credential {
	e.t.Helper()
	var c ceremony
	e.json(req{method: "POST", path: "/api/v1/passkeys/register/begin", token: token}, 200, &c)
	resp, cred := a.create(c.Options)
	e.json(req{method: "POST", path: "/api/v1/passkeys/register/finish", token: token,
		body: map[string]any{"ceremony_id": c.CeremonyID, "response": resp, "name": "Phone"}}, 201, nil)
	return cred
}

// TestRecoveryWithPasskey: the citizen's second check is a passkey that is
// still registered; someone else's passkey does not pass it.
func TestRecoveryWithPasskey(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob := e.person(1, 30, account.AssuranceStandard), e.person(2, 40, account.AssuranceStandard)
		mallory := e.person(3, 30, account.AssuranceStandard)
		a, m := newAuthenticator(t), newAuthenticator(t)
		cred := e.addPasskey(alice.Token, a)
		mcred := e.addPasskey(mallory.Token, m)
		e.link(alice, bob)
		st := e.startRecovery(alice)
		e.approve(bob, st)
		path := "/api/v1/recovery/requests/" + st.ID
		var c ceremony
		e.json(req{method: "POST", path: path + "/passkey", token: st.Handle}, 200, &c)
		e.refused(req{method: "POST", path: path + "/complete", token: st.Handle, body: map[string]any{
			"method": "passkey", "ceremony_id": c.CeremonyID, "response": m.get(c.Options, mcred), "pin": newPIN}}, 401, "unauthorized")
		e.json(req{method: "POST", path: path + "/passkey", token: st.Handle}, 200, &c)
		e.json(req{method: "POST", path: path + "/complete", token: st.Handle, body: map[string]any{
			"method": "passkey", "ceremony_id": c.CeremonyID, "response": a.get(c.Options, cred), "pin": newPIN}}, 200, nil)
		if got := e.status(st); got != "completed" {
			t.Errorf("status = %q, want completed", got)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: alice.Token}, 401, "unauthorized")
		if err := e.acc.PINs.Verify(e.ctx, alice.ID, newPIN, account.Client{}); err != nil {
			t.Errorf("new PIN: %v", err)
		}
	})
}
