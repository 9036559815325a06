package account_test

import (
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// lastCode returns the code in the newest SMS to phone.
func (e *env) lastCode(to string) string {
	e.t.Helper()
	code := codePattern.FindString(e.lastSMS(to).Body)
	if code == "" {
		e.t.Fatalf("no code texted to %s", to)
	}
	return code
}

// TestPhoneChange: with both codes, and with the new code, the PIN and a
// passkey when the old phone is lost, the number changes atomically and
// both numbers are told.
func TestPhoneChange(t *testing.T) {
	for _, tc := range []struct {
		name string
		lost bool
	}{
		{"codes to both numbers", false},
		{"new code, PIN and passkey", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, withPasskeys)
				res := e.signUp(phone(1))
				oldNumber, newNumber := phone(1), phone(2)
				req := account.PhoneChangeRequest{NewPhone: newNumber}
				if tc.lost {
					a := newAuthenticator(t)
					_, cred := e.addPasskey(res.Session, a, "Face ID")
					before := e.smsCount(oldNumber)
					if _, err := e.svc.BeginPhoneChange(e.ctx, res.Session, account.PhoneChangeStart{NewPhone: newNumber, OldPhoneLost: true}); err != nil {
						t.Fatalf("BeginPhoneChange(lost) = %v", err)
					}
					if n := e.smsCount(oldNumber); n != before {
						t.Errorf("BeginPhoneChange(lost) texted the old number")
					}
					options, id, err := e.svc.Passkeys.BeginReauthentication(e.ctx, res.Session)
					if err != nil {
						t.Fatalf("BeginReauthentication = %v", err)
					}
					req.PIN, req.PasskeyCeremonyID, req.PasskeyResponse = goodPIN, id, a.get(options, cred)
				} else {
					if _, err := e.svc.BeginPhoneChange(e.ctx, res.Session, account.PhoneChangeStart{NewPhone: newNumber}); err != nil {
						t.Fatalf("BeginPhoneChange = %v", err)
					}
					req.OldCode = e.lastCode(oldNumber)
				}
				req.NewCode = e.lastCode(newNumber)
				c, err := e.svc.ConfirmPhoneChange(e.ctx, res.Session, req)
				if err != nil {
					t.Fatalf("ConfirmPhoneChange = %v", err)
				}
				if c.Phone != newNumber {
					t.Errorf("ConfirmPhoneChange phone = %s, want %s", c.Phone, newNumber)
				}
				if got, err := e.svc.Citizens.ByPhone(e.ctx, newNumber); err != nil || got.ID != res.Citizen.ID {
					t.Errorf("ByPhone(new) = %s, %v; want %s", got.ID, err, res.Citizen.ID)
				}
				if _, err := e.svc.Citizens.ByPhone(e.ctx, oldNumber); err == nil {
					t.Errorf("ByPhone(old) found the citizen after the change")
				}
				for _, n := range []string{oldNumber, newNumber} {
					if body := e.lastSMS(n).Body; codePattern.MatchString(body) || body == "" {
						t.Errorf("last SMS to %s = %q, want the change notice", n, body)
					}
				}
				if !e.hasEvent(res.Citizen.ID, "account.phone.changed", audit.Success) {
					t.Errorf("no account.phone.changed audit event")
				}
				noPlaintext(t, db, newNumber)
				// The codes are spent.
				_, err = e.svc.ConfirmPhoneChange(e.ctx, res.Session, req)
				if err == nil {
					t.Errorf("ConfirmPhoneChange(replayed) succeeded")
				}
			})
		})
	}
}

// TestPhoneChangeTaken: a number of another account gets the same answer as
// a free one at the start, and the change fails at confirm with a generic
// error, leaving both accounts as they were.
func TestPhoneChangeTaken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		res := e.signUp(phone(1))
		taken := e.signUp(phone(2))
		free, errFree := e.svc.BeginPhoneChange(e.ctx, res.Session, account.PhoneChangeStart{NewPhone: phone(3)})
		got, errTaken := e.svc.BeginPhoneChange(e.ctx, res.Session, account.PhoneChangeStart{NewPhone: phone(2)})
		if errFree != nil || errTaken != nil || !got.ExpiresAt.Equal(free.ExpiresAt) {
			t.Fatalf("BeginPhoneChange(taken) = %+v, %v; free = %+v, %v; want the same", got, errTaken, free, errFree)
		}
		_, err := e.svc.ConfirmPhoneChange(e.ctx, res.Session, account.PhoneChangeRequest{
			NewPhone: phone(2), NewCode: e.lastCode(phone(2)), OldCode: e.lastCode(phone(1)),
		})
		wantKey(t, "ConfirmPhoneChange(taken)", err, "account.phone.change_failed")
		for _, r := range []account.SignInResult{res, taken} {
			c, err := e.svc.Citizens.Get(e.ctx, r.Citizen.ID)
			if err != nil || c.Phone != r.Citizen.Phone {
				t.Errorf("Citizens.Get(%s) phone = %s, %v; want %s", r.Citizen.ID, c.Phone, err, r.Citizen.Phone)
			}
		}
		// Wrong old code: refused before the new number is checked.
		_, err = e.svc.ConfirmPhoneChange(e.ctx, res.Session, account.PhoneChangeRequest{
			NewPhone: phone(3), NewCode: "000000", OldCode: "000000",
		})
		wantKey(t, "ConfirmPhoneChange(wrong old code)", err, "account.otp.wrong")
		// Neither way complete.
		_, err = e.svc.ConfirmPhoneChange(e.ctx, res.Session, account.PhoneChangeRequest{NewPhone: phone(3), NewCode: "123456", PIN: goodPIN})
		wantKey(t, "ConfirmPhoneChange(PIN only)", err, "account.phone.factors")
	})
}
