package account_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestPasskeyRefusals: every way an assertion can be wrong is refused with
// its own key, and the ceremony it was sent to is used up by the attempt.
func TestPasskeyRefusals(t *testing.T) { testdb.Each(t, testPasskeyRefusals) }

func testPasskeyRefusals(t *testing.T, db *store.DB) {
	e := newEnv(t, db, withPasskeys)
	for i, tc := range []struct {
		name string
		// respond answers options for a citizen signed in as res, whose
		// passkey cred sits on a; it may change the world first.
		respond func(res account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, options json.RawMessage) []byte
		code    string
		key     string
	}{
		{"user not verified", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			a.auth.Options.UserNotVerified = true
			defer func() { a.auth.Options.UserNotVerified = false }()
			return a.get(o, cred)
		}, digitalid.EUNAUTHORIZED, "account.passkey.user_verification"},
		{"expired ceremony", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			e.clock.Advance(5 * time.Minute)
			return a.get(o, cred)
		}, digitalid.EINVALID, "account.passkey.ceremony"},
		{"unregistered key", func(_ account.SignInResult, a *authenticator, _ *virtualwebauthn.Credential, o json.RawMessage) []byte {
			other := account.NewTestCredential()
			return a.get(o, &other)
		}, digitalid.EUNAUTHORIZED, "account.passkey.unknown"},
		{"registered id, another key", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			forged := account.NewTestCredential()
			forged.ID, forged.Counter = cred.ID, cred.Counter
			return a.get(o, &forged)
		}, digitalid.EUNAUTHORIZED, "account.passkey.failed"},
		{"counter backwards", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			cred.Counter = 7
			if _, err := e.passkeySignIn(a, cred); err != nil { // stored counter: 8
				t.Fatalf("FinishLogin(counter 8) = %v", err)
			}
			clone := *cred
			clone.Counter = 2
			return a.get(o, &clone)
		}, digitalid.EUNAUTHORIZED, "account.passkey.counter"},
		{"counter repeated", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			if _, err := e.passkeySignIn(a, cred); err != nil {
				t.Fatalf("FinishLogin = %v", err)
			}
			return a.sign(o, *cred) // the same counter again
		}, digitalid.EUNAUTHORIZED, "account.passkey.counter"},
		{"removed passkey", func(res account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			list, _ := e.svc.Passkeys.List(e.ctx, res.Citizen.ID)
			if err := e.svc.Passkeys.Remove(e.ctx, res.Session, list[0].ID, account.Client{}); err != nil {
				t.Fatalf("Remove = %v", err)
			}
			return a.get(o, cred)
		}, digitalid.EUNAUTHORIZED, "account.passkey.unknown"},
		{"blocked device", func(res account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			if _, err := e.svc.Sessions.BlockDevice(e.ctx, res.Session, res.Device.ID, account.Client{}); err != nil {
				t.Fatalf("BlockDevice = %v", err)
			}
			return a.get(o, cred)
		}, digitalid.EUNAUTHORIZED, "account.passkey.blocked"},
		{"deleted account", func(res account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			if _, err := db.SQL().Exec(raw(db, "UPDATE account_citizens SET status = 'deleted' WHERE id = ?"), res.Citizen.ID); err != nil {
				t.Fatalf("delete account: %v", err)
			}
			return a.get(o, cred)
		}, digitalid.EUNAUTHORIZED, "account.passkey.failed"},
		{"another origin", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			a.rp.Origin = "https://digitalid.test.evil.example"
			defer func() { a.rp.Origin = testOrigin }()
			return a.get(o, cred)
		}, digitalid.EUNAUTHORIZED, "account.passkey.failed"},
		{"another relying party", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, o json.RawMessage) []byte {
			a.rp.ID = "evil.example"
			defer func() { a.rp.ID = testRPID }()
			return a.get(o, cred)
		}, digitalid.EUNAUTHORIZED, "account.passkey.failed"},
		{"another challenge", func(_ account.SignInResult, a *authenticator, cred *virtualwebauthn.Credential, _ json.RawMessage) []byte {
			other, _ := e.beginLogin()
			return a.get(other, cred)
		}, digitalid.EUNAUTHORIZED, "account.passkey.failed"},
		{"not JSON", func(account.SignInResult, *authenticator, *virtualwebauthn.Credential, json.RawMessage) []byte {
			return []byte("{not json")
		}, digitalid.EUNAUTHORIZED, "account.passkey.failed"},
		{"too large", func(account.SignInResult, *authenticator, *virtualwebauthn.Credential, json.RawMessage) []byte {
			return make([]byte, account.MaxPasskeyResponse+1)
		}, digitalid.ETOOLARGE, "account.passkey.too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.signUp(phone(100 + i))
			a := newAuthenticator(t)
			_, cred := e.addPasskey(res.Session, a, "Phone")
			options, id := e.beginLogin()
			_, err := e.svc.Passkeys.FinishLogin(e.ctx, id, tc.respond(res, a, cred, options), account.Client{})
			call := "FinishLogin(" + tc.name + ")"
			wantCode(t, call, err, tc.code)
			wantKey(t, call, err, tc.key)
			// The attempt used the ceremony up: even a good answer is refused now.
			_, err = e.svc.Passkeys.FinishLogin(e.ctx, id, a.get(options, cred), account.Client{})
			wantKey(t, call+", then a good answer to the same ceremony", err, "account.passkey.ceremony")
		})
	}

	t.Run("replayed ceremony", func(t *testing.T) {
		res := e.signUp(phone(200))
		a := newAuthenticator(t)
		_, cred := e.addPasskey(res.Session, a, "Phone")
		options, id := e.beginLogin()
		resp := a.get(options, cred)
		if _, err := e.svc.Passkeys.FinishLogin(e.ctx, id, resp, account.Client{}); err != nil {
			t.Fatalf("FinishLogin = %v", err)
		}
		_, err := e.svc.Passkeys.FinishLogin(e.ctx, id, resp, account.Client{})
		wantKey(t, "FinishLogin(the same response again)", err, "account.passkey.ceremony")
		_, err = e.svc.Passkeys.FinishLogin(e.ctx, id, a.get(options, cred), account.Client{})
		wantKey(t, "FinishLogin(a new response to a used ceremony)", err, "account.passkey.ceremony")
		_, err = e.svc.Passkeys.FinishLogin(e.ctx, "wc_neverbegun", a.get(options, cred), account.Client{})
		wantKey(t, "FinishLogin(unknown ceremony)", err, "account.passkey.ceremony")
		if !e.hasEvent(res.Citizen.ID, "account.signin", audit.Failure) {
			t.Errorf("refused passkey sign-ins are not audited")
		}
	})
}

// TestPasskeyRegistrationRefusals: registration needs user verification,
// its own session's ceremony, a fresh credential and a good name.
func TestPasskeyRegistrationRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, withPasskeys)
		alice, bob := e.signUp(phone(1)), e.signUp(phone(2))
		a := newAuthenticator(t)
		begin := func(s account.Session) (json.RawMessage, string) {
			t.Helper()
			options, id, err := e.svc.Passkeys.BeginRegistration(e.ctx, s)
			if err != nil {
				t.Fatalf("BeginRegistration = %v", err)
			}
			return options, id
		}
		finish := func(s account.Session, id string, resp []byte, name string) error {
			_, err := e.svc.Passkeys.FinishRegistration(e.ctx, s, id, resp, name, account.Client{})
			return err
		}

		options, id := begin(alice.Session)
		resp, _ := a.create(options)
		wantKey(t, "FinishRegistration(bad name)", finish(alice.Session, id, resp, "\x07"), "account.passkey.name")
		wantKey(t, "FinishRegistration(another session)", finish(bob.Session, id, resp, "x"), "account.passkey.ceremony")
		wantKey(t, "FinishRegistration(after a refusal)", finish(alice.Session, id, resp, "x"), "account.passkey.ceremony")

		options, id = begin(alice.Session)
		a.auth.Options.UserNotVerified = true
		resp, _ = a.create(options)
		a.auth.Options.UserNotVerified = false
		err := finish(alice.Session, id, resp, "x")
		wantCode(t, "FinishRegistration(user not verified)", err, digitalid.EINVALID)
		wantKey(t, "FinishRegistration(user not verified)", err, "account.passkey.user_verification")

		options, id = begin(alice.Session)
		_, abandoned := begin(alice.Session)
		e.clock.Advance(5 * time.Minute)
		resp, _ = a.create(options)
		wantKey(t, "FinishRegistration(expired)", finish(alice.Session, id, resp, "x"), "account.passkey.ceremony")
		e.clock.Advance(time.Microsecond)
		if n, err := e.svc.Passkeys.Purge(e.ctx); err != nil || n != 1 {
			t.Errorf("Purge after the ceremonies expired = %d, %v; want the abandoned one deleted", n, err)
		}
		if _, err := db.PasskeyCeremony(e.ctx, abandoned); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("PasskeyCeremony(purged) = %v, want ENOTFOUND", err)
		}

		fresh, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: alice.DeviceToken})
		if err != nil {
			t.Fatalf("SignInWithPIN = %v", err)
		}
		options, id = begin(fresh.Session)
		resp, cred := a.create(options)
		if err := finish(fresh.Session, id, resp, "Phone"); err != nil {
			t.Fatalf("FinishRegistration = %v", err)
		}
		// The same credential again (an authenticator ignoring the exclude list).
		options, id = begin(fresh.Session)
		o, _ := virtualwebauthn.ParseAttestationOptions(string(options))
		again := []byte(virtualwebauthn.CreateAttestationResponse(a.rp, a.auth, *cred, *o))
		err = finish(fresh.Session, id, again, "Again")
		wantCode(t, "FinishRegistration(registered credential)", err, digitalid.ECONFLICT)
		wantKey(t, "FinishRegistration(registered credential)", err, "account.passkey.exists")
		if !e.hasEvent(alice.Citizen.ID, "account.passkey.added", audit.Failure) {
			t.Errorf("refused registrations are not audited")
		}
	})
}
