package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestDeleteAccount: deletion needs a recent re-authentication, then ends
// every session at once, refuses the device and sign-in, and is audited and
// texted.
func TestDeleteAccount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		res := e.signUp(phone(1))
		other, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{DeviceToken: res.DeviceToken, PIN: goodPIN})
		if err != nil {
			t.Fatalf("SignInWithPIN(device) = %v", err)
		}
		e.clock.Advance(account.ReauthMaxAge + time.Minute)
		s, _, err := e.svc.Sessions.Authenticate(e.ctx, res.SessionToken)
		if err != nil {
			t.Fatalf("Authenticate = %v", err)
		}
		err = e.svc.DeleteAccount(e.ctx, s, account.Client{})
		wantKey(t, "DeleteAccount(stale re-auth)", err, "account.reauth_required")
		if s, err = e.svc.ReauthenticateWithPIN(e.ctx, s, goodPIN, account.Client{}); err != nil {
			t.Fatalf("ReauthenticateWithPIN = %v", err)
		}
		if err := e.svc.DeleteAccount(e.ctx, s, account.Client{}); err != nil {
			t.Fatalf("DeleteAccount = %v", err)
		}
		for _, tok := range []string{res.SessionToken, other.SessionToken} {
			_, _, err := e.svc.Sessions.Authenticate(e.ctx, tok)
			wantKey(t, "Authenticate(after delete)", err, "account.session.invalid")
		}
		_, err = e.svc.SignInWithPIN(e.ctx, account.SignInRequest{DeviceToken: res.DeviceToken, PIN: goodPIN})
		wantKey(t, "SignInWithPIN(device, after delete)", err, "account.device.unknown")
		d, err := e.svc.Sessions.Device(e.ctx, res.Device.ID)
		if err != nil || !d.Blocked() {
			t.Fatalf("Device(%s) = %+v, %v; want blocked", res.Device.ID, d, err)
		}
		before := e.smsCount(phone(1))
		if _, err := e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: phone(1), Purpose: account.PurposeSignIn}); err != nil {
			t.Fatalf("RequestCode(signin) = %v", err)
		}
		if n := e.smsCount(phone(1)); n != before {
			t.Errorf("RequestCode(signin) after delete texted %d messages, want none", n-before)
		}
		if !e.hasEvent(res.Citizen.ID, "account.deleted", audit.Success) {
			t.Errorf("no account.deleted audit event")
		}
		err = e.svc.DeleteAccount(e.ctx, s, account.Client{})
		wantCode(t, "DeleteAccount(twice)", err, digitalid.ENOTFOUND)
	})
}

// deleted signs up at phone(n) and deletes the account at once.
func (e *env) deleted(n int) account.SignInResult {
	e.t.Helper()
	res := e.signUp(phone(n))
	if err := e.svc.DeleteAccount(e.ctx, res.Session, account.Client{}); err != nil {
		e.t.Fatalf("DeleteAccount = %v", err)
	}
	if body := e.lastSMS(phone(n)).Body; body == "" || !strings.Contains(body, "deleted") {
		e.t.Fatalf("deletion SMS = %q, want the notice", body)
	}
	return res
}

// TestRestoreAccount: within the window a restore code and the PIN make
// the account active on a new device; after it, the same request is refused.
func TestRestoreAccount(t *testing.T) {
	for _, tc := range []struct {
		name    string
		after   time.Duration
		pin     string
		wantKey string
	}{
		{"within window", 29 * 24 * time.Hour, goodPIN, ""},
		{"wrong PIN", 24 * time.Hour, "8642", "account.pin.wrong"},
		{"after window", 31 * 24 * time.Hour, goodPIN, "account.restore.unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, nil)
				old := e.deleted(1)
				e.clock.Advance(tc.after)
				got, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{
					OTPProof: e.proof(phone(1), account.PurposeRestore), PIN: tc.pin, DeviceName: "New phone",
				})
				if tc.wantKey != "" {
					wantKey(t, "RestoreAccount", err, tc.wantKey)
					if _, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{DeviceToken: old.DeviceToken, PIN: goodPIN}); err == nil {
						t.Fatalf("SignInWithPIN after refused restore succeeded")
					}
					return
				}
				if err != nil {
					t.Fatalf("RestoreAccount = %v", err)
				}
				if _, c, err := e.svc.Sessions.Authenticate(e.ctx, got.SessionToken); err != nil || c.Status != account.StatusActive {
					t.Fatalf("Authenticate(restored) = %+v, %v", c, err)
				}
				if got.Device.ID == old.Device.ID || got.DeviceToken == "" {
					t.Errorf("RestoreAccount device = %s, want a new one", got.Device.ID)
				}
				_, _, err = e.svc.Sessions.Authenticate(e.ctx, old.SessionToken)
				wantKey(t, "Authenticate(old session)", err, "account.session.invalid")
				if !e.hasEvent(old.Citizen.ID, "account.restored", audit.Success) {
					t.Errorf("no account.restored audit event")
				}
			})
		})
	}
}

// TestRestoreActiveAccount: an active account cannot be "restored", and
// no restore code is texted to it.
func TestRestoreActiveAccount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		e.signUp(phone(1))
		before := e.smsCount(phone(1))
		if _, err := e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: phone(1), Purpose: account.PurposeRestore}); err != nil {
			t.Fatalf("RequestCode(restore) = %v", err)
		}
		if n := e.smsCount(phone(1)); n != before {
			t.Errorf("RequestCode(restore) to an active account texted %d messages", n-before)
		}
	})
}

// TestDeleteAccountRefusesPasskey: a passkey of a deleted account no
// longer signs in.
func TestDeleteAccountRefusesPasskey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, withPasskeys)
		res := e.signUp(phone(1))
		a := newAuthenticator(t)
		_, cred := e.addPasskey(res.Session, a, "Face ID")
		if _, err := e.passkeySignIn(a, cred); err != nil {
			t.Fatalf("passkey sign-in before delete = %v", err)
		}
		if err := e.svc.DeleteAccount(e.ctx, res.Session, account.Client{}); err != nil {
			t.Fatalf("DeleteAccount = %v", err)
		}
		if _, err := e.passkeySignIn(a, cred); err == nil {
			t.Fatalf("passkey sign-in after delete succeeded")
		}
	})
}
