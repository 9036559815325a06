package account_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestSignUp drives the sign-up flow as the HTTP layer would: request a
// code, verify it, set the PIN, get a session.
func TestSignUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		p := phone(1)
		proof := e.proof(p, account.PurposeSignUp)
		req := account.SignUpRequest{OTPProof: proof, PIN: "1111", Lang: "kk", DeviceName: "  Айгерим's iPhone  "}
		_, err := e.svc.SignUp(e.ctx, req)
		wantKey(t, "SignUp(PIN 1111)", err, "account.pin.same_digit")
		req.PIN = goodPIN
		req.DeviceName = "\x00"
		_, err = e.svc.SignUp(e.ctx, req)
		wantKey(t, "SignUp(bad device name)", err, "account.device.name")
		req.DeviceName = "  Айгерим's iPhone  "
		res, err := e.svc.SignUp(e.ctx, req) // the proof survived the refusals
		if err != nil {
			t.Fatalf("SignUp = %v", err)
		}
		c := res.Citizen
		if c.Phone != p || c.Lang != "kk" || c.Assurance != account.AssuranceBasic || c.Status != account.StatusActive {
			t.Errorf("SignUp citizen = %+v, want %s, kk, basic, active", c, p)
		}
		if res.Device.Name != "Айгерим's iPhone" || res.Device.CitizenID != c.ID || res.Session.DeviceID != res.Device.ID ||
			!strings.HasPrefix(res.SessionToken, "dis_") || !strings.HasPrefix(res.DeviceToken, "did_") {
			t.Errorf("SignUp result = %+v, want a session on the named device and both tokens", res)
		}
		s, got, err := e.svc.Sessions.Authenticate(e.ctx, res.SessionToken)
		if err != nil || got.ID != c.ID || s.ID != res.Session.ID {
			t.Fatalf("Authenticate(sign-up token) = %+v, %+v, %v", s, got, err)
		}
		if !e.hasEvent(c.ID, "account.signup", audit.Success) {
			t.Errorf("sign-up not audited")
		}
		_, err = e.svc.SignUp(e.ctx, req)
		wantKey(t, "SignUp(used proof)", err, "account.otp.proof")

		// Two proofs for one number: the second sign-up conflicts.
		p2 := phone(2)
		first, second := e.proof(p2, account.PurposeSignUp), e.proof(p2, account.PurposeSignUp)
		if _, err := e.svc.SignUp(e.ctx, account.SignUpRequest{OTPProof: first, PIN: goodPIN, DeviceName: "a"}); err != nil {
			t.Fatalf("SignUp(first proof) = %v", err)
		}
		_, err = e.svc.SignUp(e.ctx, account.SignUpRequest{OTPProof: second, PIN: goodPIN, DeviceName: "b"})
		wantKey(t, "SignUp(number registered meanwhile)", err, "account.signup.exists")
		wantCode(t, "SignUp(number registered meanwhile)", err, digitalid.ECONFLICT)

		noPlaintext(t, db, p)
		noPlaintext(t, db, "Айгерим")
		noPlaintext(t, db, res.SessionToken)
		noPlaintext(t, db, res.DeviceToken)
		if r, err := e.audit.Verify(e.ctx, nil); err != nil || !r.OK() {
			t.Errorf("audit.Verify = %v, %v", r, err)
		}
	})
}

// TestSignIn: a new device with SMS code and PIN; a known device with PIN;
// never a PIN alone.
func TestSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		p := phone(1)
		first := e.signUp(p)
		id := first.Citizen.ID

		proof := e.proof(p, account.PurposeSignIn)
		newDevice := account.SignInRequest{Phone: p, PIN: wrongPIN, OTPProof: proof, DeviceName: "Laptop",
			Client: account.Client{IP: "198.51.100.4", RequestID: "req-signin"}}
		_, err := e.svc.SignInWithPIN(e.ctx, newDevice)
		wantKey(t, "SignInWithPIN(code, wrong PIN)", err, "account.pin.wrong")
		newDevice.PIN = goodPIN
		res, err := e.svc.SignInWithPIN(e.ctx, newDevice) // the proof survives a wrong PIN
		if err != nil {
			t.Fatalf("SignInWithPIN(code, PIN) = %v", err)
		}
		if res.Citizen.ID != id || res.Device.Name != "Laptop" || res.Device.ID == first.Device.ID || res.DeviceToken == "" {
			t.Errorf("SignInWithPIN(code) = %+v, want a new device Laptop with its token", res)
		}
		if m := e.lastSMS(p); m.Purpose != "notice_new_device" {
			t.Errorf("last SMS after a new device = %q (%s), want the new-device notice", m.Body, m.Purpose)
		}
		if n, _ := e.svc.Notifications.List(e.ctx, id, true, 0); len(n) != 1 || n[0].Kind != account.KindNewDevice ||
			n[0].Params["device"] != res.Device.ID {
			t.Errorf("inbox after a new device = %+v, want one new_device naming it", n)
		}
		_, err = e.svc.SignInWithPIN(e.ctx, newDevice)
		wantKey(t, "SignInWithPIN(used proof)", err, "account.otp.proof")

		known, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: res.DeviceToken})
		if err != nil || known.Device.ID != res.Device.ID || known.DeviceToken != "" || known.Session.ID == res.Session.ID {
			t.Fatalf("SignInWithPIN(known device) = %+v, %v; want a new session on Laptop, no new device token", known, err)
		}
		if devs, _ := e.svc.Sessions.Devices(e.ctx, id); len(devs) != 2 {
			t.Errorf("Devices = %d, want 2", len(devs))
		}

		for name, tc := range map[string]struct {
			req  account.SignInRequest
			code string
			key  string
		}{
			"PIN alone":          {account.SignInRequest{Phone: p, PIN: goodPIN}, digitalid.EINVALID, "account.signin.factor"},
			"both factors":       {account.SignInRequest{PIN: goodPIN, DeviceToken: res.DeviceToken, OTPProof: proof}, digitalid.EINVALID, "account.signin.factor"},
			"garbage device":     {account.SignInRequest{PIN: goodPIN, DeviceToken: "did_x"}, digitalid.EUNAUTHORIZED, "account.device.unknown"},
			"session token":      {account.SignInRequest{PIN: goodPIN, DeviceToken: res.SessionToken}, digitalid.EUNAUTHORIZED, "account.device.unknown"},
			"other phone":        {account.SignInRequest{Phone: phone(2), PIN: goodPIN, DeviceToken: res.DeviceToken}, digitalid.EUNAUTHORIZED, "account.signin.failed"},
			"proof, no name":     {account.SignInRequest{PIN: goodPIN, OTPProof: proof}, digitalid.EINVALID, "account.device.name"},
			"signup proof":       {account.SignInRequest{PIN: goodPIN, OTPProof: e.proof(phone(3), account.PurposeSignUp), DeviceName: "x"}, digitalid.EUNAUTHORIZED, "account.otp.proof"},
			"phone_change proof": {account.SignInRequest{PIN: goodPIN, OTPProof: e.proof(phone(4), account.PurposePhoneChange), DeviceName: "x"}, digitalid.EUNAUTHORIZED, "account.otp.proof"},
		} {
			_, err := e.svc.SignInWithPIN(e.ctx, tc.req)
			wantCode(t, "SignInWithPIN("+name+")", err, tc.code)
			wantKey(t, "SignInWithPIN("+name+")", err, tc.key)
		}
		// None of these reached the PIN: nobody without the device or the
		// phone can lock its owner's PIN.
		if st, _ := e.svc.PINs.Status(e.ctx, id); st.AttemptsLeft != 5 {
			t.Errorf("PIN attempts left after refused factors = %d, want 5", st.AttemptsLeft)
		}
		var ok, bad int
		for _, ev := range e.events(id) {
			if ev.Action != "account.signin" {
				continue
			}
			if strings.Contains(ev.Details["method"], "pin_") && ev.Result == audit.Success {
				ok++
			} else {
				bad++
			}
			if ev.Result == audit.Success && ev.Details["device"] == "" {
				t.Errorf("sign-in event %+v lacks the device", ev)
			}
		}
		if ok != 2 || bad != 2 { // the wrong PIN and the other phone
			t.Errorf("audit: %d successful and %d failed sign-ins, want 2 and 2", ok, bad)
		}
		noPlaintext(t, db, p)
	})
}

// TestSignInDeletedAccount: a deleted account signs in nowhere and its
// sessions stop working.
func TestSignInDeletedAccount(t *testing.T) { testdb.Each(t, testSignInDeletedAccount) }

func testSignInDeletedAccount(t *testing.T, db *store.DB) {
	e := newEnv(t, db, nil)
	res := e.signUp(phone(1))
	if _, err := e.db.SQL().Exec(raw(e.db, "UPDATE account_citizens SET status = 'deleted' WHERE id = ?"), res.Citizen.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.svc.Sessions.Authenticate(e.ctx, res.SessionToken)
	wantKey(t, "Authenticate(deleted account)", err, "account.session.invalid")
	_, err = e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: res.DeviceToken})
	wantKey(t, "SignInWithPIN(deleted account)", err, "account.signin.failed")
	// A sign-in code is not even texted to it.
	before := e.smsCount(phone(1))
	if _, err := e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: phone(1), Purpose: account.PurposeSignIn}); err != nil {
		t.Fatal(err)
	}
	if e.smsCount(phone(1)) != before {
		t.Errorf("a sign-in code was texted to a deleted account")
	}
	if _, err := e.svc.OTPs.Verify(e.ctx, phone(1), account.PurposeRestore, e.requestCode(phone(1), account.PurposeRestore)); err != nil {
		t.Errorf("restore code for a deleted account = %v", err)
	}
}

func TestReauthAndChangePIN(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		res := e.signUp(phone(1))
		ss := e.svc.Sessions
		if err := ss.RequireRecentAuth(res.Session, account.ReauthMaxAge); err != nil {
			t.Errorf("RequireRecentAuth right after sign-in = %v", err)
		}
		e.clock.Advance(account.ReauthMaxAge + time.Second)
		s, _, err := ss.Authenticate(e.ctx, res.SessionToken)
		if err != nil {
			t.Fatalf("Authenticate = %v", err)
		}
		err = ss.RequireRecentAuth(s, account.ReauthMaxAge)
		wantCode(t, "RequireRecentAuth(6 minutes on)", err, digitalid.EFORBIDDEN)
		if !errors.Is(err, account.ErrReauthRequired) {
			t.Errorf("RequireRecentAuth error %v does not wrap ErrReauthRequired", err)
		}
		wantCode(t, "ChangePIN(without re-auth)", e.svc.ChangePIN(e.ctx, s, "58204", account.Client{}), digitalid.EFORBIDDEN)

		_, err = e.svc.ReauthenticateWithPIN(e.ctx, s, wrongPIN, account.Client{})
		wantKey(t, "ReauthenticateWithPIN(wrong)", err, "account.pin.wrong")
		s, err = e.svc.ReauthenticateWithPIN(e.ctx, s, goodPIN, account.Client{})
		if err != nil || !s.ReauthAt.Equal(e.clock.Now()) {
			t.Fatalf("ReauthenticateWithPIN = %+v, %v; want re-authenticated now", s, err)
		}
		if s2, _, _ := ss.Authenticate(e.ctx, res.SessionToken); !s2.ReauthAt.Equal(e.clock.Now()) {
			t.Errorf("stored re-auth time %v, want %v", s2.ReauthAt, e.clock.Now())
		}
		wantKey(t, "ChangePIN(trivial)", e.svc.ChangePIN(e.ctx, s, "2222", account.Client{}), "account.pin.same_digit")
		if err := e.svc.ChangePIN(e.ctx, s, "58204", account.Client{}); err != nil {
			t.Fatalf("ChangePIN = %v", err)
		}
		if _, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: "58204", DeviceToken: res.DeviceToken}); err != nil {
			t.Errorf("SignInWithPIN(new PIN) = %v", err)
		}
		id := res.Citizen.ID
		if !e.hasEvent(id, "account.reauth", audit.Failure) || !e.hasEvent(id, "account.reauth", audit.Success) ||
			!e.hasEvent(id, "account.pin.changed", audit.Success) {
			t.Errorf("re-auth and PIN change not all audited: %v", e.events(id))
		}
		if err := ss.SignOut(e.ctx, s, account.Client{}); err != nil {
			t.Fatalf("SignOut = %v", err)
		}
		_, err = ss.MarkReauthenticated(e.ctx, s)
		wantCode(t, "MarkReauthenticated(ended session)", err, digitalid.ENOTFOUND)
	})
}
