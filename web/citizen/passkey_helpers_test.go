package citizen_test

import (
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
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
	resp, cred := a.Create(c.Options)
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
