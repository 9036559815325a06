package recovery_test

import (
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/webauthntest"
)

// authenticator is a software authenticator for the relying party of an
// env with the default public URL (internal/webauthntest).
type authenticator = webauthntest.Authenticator

func newAuthenticator(t testing.TB) *authenticator {
	return webauthntest.New(t, "id.example", "http://id.example")
}

func newCredential(t testing.TB) *virtualwebauthn.Credential { return webauthntest.NewCredential(t) }

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
	resp, cred := a.Create(c.Options)
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
			"method": "passkey", "ceremony_id": c.CeremonyID, "response": m.Get(c.Options, mcred), "pin": newPIN}}, 401, "unauthorized")
		e.json(req{method: "POST", path: path + "/passkey", token: st.Handle}, 200, &c)
		e.json(req{method: "POST", path: path + "/complete", token: st.Handle, body: map[string]any{
			"method": "passkey", "ceremony_id": c.CeremonyID, "response": a.Get(c.Options, cred), "pin": newPIN}}, 200, nil)
		if got := e.status(st); got != "completed" {
			t.Errorf("status = %q, want completed", got)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: alice.Token}, 401, "unauthorized")
		if err := e.acc.PINs.Verify(e.ctx, alice.ID, newPIN, account.Client{}); err != nil {
			t.Errorf("new PIN: %v", err)
		}
	})
}
