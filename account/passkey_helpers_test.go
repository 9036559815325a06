package account_test

import (
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/digitalid/digitalid/account"
)

// The relying party the passkey tests run as.
const (
	testRPID   = "digitalid.test"
	testOrigin = "https://digitalid.test"
)

func withPasskeys(c *account.Config) {
	c.Passkey = account.PasskeyConfig{RPID: testRPID, Origins: []string{testOrigin}}
}

// authenticator is a software authenticator (Face ID on a phone, say)
// holding one citizen's passkeys: it answers creation options with an
// attestation and request options with an assertion, as a browser would
// hand them to FinishRegistration and FinishLogin.
type authenticator struct {
	t     testing.TB
	rp    virtualwebauthn.RelyingParty
	auth  virtualwebauthn.Authenticator
	creds []*virtualwebauthn.Credential
}

func newAuthenticator(t testing.TB) *authenticator {
	return &authenticator{t: t, rp: virtualwebauthn.RelyingParty{ID: testRPID, Name: "digitalid", Origin: testOrigin},
		auth: virtualwebauthn.NewAuthenticator()}
}

// create answers creation options with a new credential, which it keeps.
func (a *authenticator) create(options json.RawMessage) ([]byte, *virtualwebauthn.Credential) {
	a.t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		a.t.Fatalf("ParseAttestationOptions(%s) = %v", options, err)
	}
	a.auth.Options.UserHandle = []byte(o.UserID)
	cred := account.NewTestCredential()
	a.creds = append(a.creds, &cred)
	return []byte(virtualwebauthn.CreateAttestationResponse(a.rp, a.auth, cred, *o)), &cred
}

// get answers request options with an assertion by cred, its counter
// moved one step forward, as authenticators with counters do.
func (a *authenticator) get(options json.RawMessage, cred *virtualwebauthn.Credential) []byte {
	a.t.Helper()
	cred.Counter++
	return a.sign(options, *cred)
}

// sign answers request options with an assertion by cred as it is.
func (a *authenticator) sign(options json.RawMessage, cred virtualwebauthn.Credential) []byte {
	a.t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		a.t.Fatalf("ParseAssertionOptions(%s) = %v", options, err)
	}
	return []byte(virtualwebauthn.CreateAssertionResponse(a.rp, a.auth, cred, *o))
}

// addPasskey registers a passkey for the session's citizen on a.
func (e *env) addPasskey(s account.Session, a *authenticator, name string) (account.Passkey, *virtualwebauthn.Credential) {
	e.t.Helper()
	options, id, err := e.svc.Passkeys.BeginRegistration(e.ctx, s)
	if err != nil {
		e.t.Fatalf("BeginRegistration = %v", err)
	}
	resp, cred := a.create(options)
	p, err := e.svc.Passkeys.FinishRegistration(e.ctx, s, id, resp, name, account.Client{})
	if err != nil {
		e.t.Fatalf("FinishRegistration(%q) = %v", name, err)
	}
	return p, cred
}

// beginLogin starts a usernameless sign-in.
func (e *env) beginLogin() (json.RawMessage, string) {
	e.t.Helper()
	options, id, err := e.svc.Passkeys.BeginLogin(e.ctx)
	if err != nil {
		e.t.Fatalf("BeginLogin = %v", err)
	}
	return options, id
}

// passkeySignIn signs in with cred on a, usernameless.
func (e *env) passkeySignIn(a *authenticator, cred *virtualwebauthn.Credential) (account.SignInResult, error) {
	e.t.Helper()
	options, id := e.beginLogin()
	return e.svc.Passkeys.FinishLogin(e.ctx, id, a.get(options, cred), account.Client{IP: "203.0.113.9"})
}
