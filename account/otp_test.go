package account_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// wrongCode returns a 6-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestOTPFlow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		p := phone(1)
		sent, err := e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: p, Purpose: account.PurposeSignUp, Lang: "kk"})
		if err != nil || !sent.ExpiresAt.Equal(e.clock.Now().Add(10*time.Minute)) {
			t.Fatalf("RequestCode(signup) = %+v, %v; want expiry in 10 minutes", sent, err)
		}
		msg := e.lastSMS(p)
		code := codePattern.FindString(msg.Body)
		if code == "" || !strings.Contains(msg.Body, "растау коды") || msg.Purpose != "otp_signup" {
			t.Fatalf("SMS = %q (%s), want a Kazakh code message", msg.Body, msg.Purpose)
		}
		noPlaintext(t, db, code)
		noPlaintext(t, db, p)

		_, err = e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignIn, code)
		wantKey(t, "Verify(signup code as signin)", err, "account.otp.wrong")
		proof, err := e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, code)
		if err != nil || !strings.HasPrefix(proof.Token, "dip_") || !proof.ExpiresAt.Equal(e.clock.Now().Add(10*time.Minute)) {
			t.Fatalf("Verify(right code) = %+v, %v; want a proof valid 10 minutes", proof, err)
		}
		_, err = e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, code)
		wantKey(t, "Verify(used code)", err, "account.otp.wrong")

		_, err = e.svc.OTPs.UseProof(e.ctx, proof.Token, account.PurposeSignIn)
		wantKey(t, "UseProof(other purpose)", err, "account.otp.proof")
		got, err := e.svc.OTPs.UseProof(e.ctx, proof.Token, account.PurposeSignUp)
		if err != nil || got != p {
			t.Fatalf("UseProof = %q, %v; want %s", got, err, p)
		}
		_, err = e.svc.OTPs.UseProof(e.ctx, proof.Token, account.PurposeSignUp)
		wantKey(t, "UseProof(again)", err, "account.otp.proof")
		_, err = e.svc.OTPs.UseProof(e.ctx, "dip_garbage", account.PurposeSignUp)
		wantKey(t, "UseProof(malformed)", err, "account.otp.proof")

		// A proof expires after 10 minutes; a code too.
		late := e.proof(p, account.PurposeSignUp)
		code = e.requestCode(p, account.PurposeSignUp)
		e.clock.Advance(10 * time.Minute)
		_, err = e.svc.OTPs.UseProof(e.ctx, late, account.PurposeSignUp)
		wantKey(t, "UseProof(10 minutes later)", err, "account.otp.proof")
		_, err = e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, code)
		wantKey(t, "Verify(code 10 minutes later)", err, "account.otp.wrong")
	})
}

func TestOTPInvalid(t *testing.T) { testdb.Each(t, testOTPInvalid) }

func testOTPInvalid(t *testing.T, db *store.DB) {
	e := newEnv(t, db, nil)
	for name, req := range map[string]account.CodeRequest{
		"bad phone":   {Phone: "8701", Purpose: account.PurposeSignUp},
		"bad purpose": {Phone: phone(1), Purpose: "login"},
		"bad lang":    {Phone: phone(1), Purpose: account.PurposeSignUp, Lang: "fr"},
	} {
		_, err := e.svc.OTPs.RequestCode(e.ctx, req)
		wantCode(t, "RequestCode("+name+")", err, digitalid.EINVALID)
	}
	for name, code := range map[string]string{"short": "12345", "letters": "12345a", "long": "1234567"} {
		_, err := e.svc.OTPs.Verify(e.ctx, phone(1), account.PurposeSignUp, code)
		wantCode(t, "Verify("+name+")", err, digitalid.EINVALID)
	}
	_, err := e.svc.OTPs.Verify(e.ctx, phone(1), "login", "123456")
	wantCode(t, "Verify(bad purpose)", err, digitalid.EINVALID)
	if e.smsCount(phone(1)) != 0 {
		t.Errorf("invalid requests texted the number")
	}
}

// TestOTPLimits: 5 wrong entries kill a code; a new code does not reset the
// count, and 10 in the window lock the number for that purpose only; 5
// codes an hour per number.
func TestOTPLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		p := phone(1)
		code := e.requestCode(p, account.PurposeSignUp)
		for i := 1; i <= 5; i++ {
			_, err := e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, wrongCode(code))
			wantKey(t, fmt.Sprintf("Verify(wrong #%d)", i), err, "account.otp.wrong")
			if l, _ := account.LimitOf(err); l.AttemptsLeft != 5-i {
				t.Errorf("Verify(wrong #%d) attempts left = %d, want %d", i, l.AttemptsLeft, 5-i)
			}
		}
		_, err := e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, code)
		wantKey(t, "Verify(right code after 5 wrong)", err, "account.otp.wrong")

		code = e.requestCode(p, account.PurposeSignUp)
		for i := 1; i <= 3; i++ {
			_, err := e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, wrongCode(code))
			wantKey(t, fmt.Sprintf("Verify(new code, wrong #%d)", i), err, "account.otp.wrong")
		}
		_, err = e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, wrongCode(code))
		wantCode(t, "Verify(10th wrong entry in the window)", err, digitalid.ELOCKED)
		l, _ := account.LimitOf(err)
		if want := e.clock.Now().Add(24 * time.Hour); !l.RetryAt.Equal(want) {
			t.Errorf("lock retry at %v, want %v", l.RetryAt, want)
		}
		code = e.requestCode(p, account.PurposeSignUp)
		_, err = e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, code)
		wantKey(t, "Verify(right code while locked)", err, "account.otp.locked")
		// Another purpose has its own counter.
		if _, err := e.svc.OTPs.Verify(e.ctx, p, account.PurposePhoneChange, e.requestCode(p, account.PurposePhoneChange)); err != nil {
			t.Errorf("Verify(phone_change) while signup is locked = %v, want nil", err)
		}
		// Five codes an hour: four so far.
		e.requestCode(p, account.PurposeSignUp)
		_, err = e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: p, Purpose: account.PurposeSignUp})
		wantCode(t, "RequestCode(6th in an hour)", err, digitalid.ERATELIMITED)
		if l, _ := account.LimitOf(err); !l.RetryAt.Equal(e.clock.Now().Add(time.Hour)) {
			t.Errorf("RequestCode retry at %v, want an hour after the first code", l.RetryAt)
		}
		e.clock.Advance(24 * time.Hour)
		if _, err := e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, e.requestCode(p, account.PurposeSignUp)); err != nil {
			t.Errorf("Verify a day later = %v, want nil", err)
		}
	})
}

// TestOTPUnknownNumber: for sign-in, a number without an account gets the
// same answers as one with an account, step by step, but no SMS.
func TestOTPUnknownNumber(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		known, unknown := phone(1), phone(2)
		e.signUp(known)
		e.clock.Advance(2 * time.Hour) // the sign-up code no longer counts
		before := e.smsCount(known)
		trace := func(p string) []string {
			var out []string
			for i := range 12 {
				r, err := e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: p, Purpose: account.PurposeSignIn})
				l, _ := account.LimitOf(err)
				out = append(out, fmt.Sprintf("request: %v %s %v", r.ExpiresAt, digitalid.ErrorCode(err), l.RetryAt))
				_, err = e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignIn, fmt.Sprintf("%06d", 999990+i))
				l, _ = account.LimitOf(err)
				out = append(out, fmt.Sprintf("verify: %s %v %d", digitalid.ErrorMessage(err), l.RetryAt, l.AttemptsLeft))
			}
			return out
		}
		a, b := trace(known), trace(unknown)
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("step %d: registered number %q, unregistered %q", i, a[i], b[i])
			}
		}
		if n := e.smsCount(known) - before; n != 5 {
			t.Errorf("registered number got %d codes, want 5 (then rate-limited)", n)
		}
		if n := e.smsCount(unknown); n != 0 {
			t.Errorf("unregistered number got %d SMS for sign-in, want none", n)
		}
		// Sign-up to a registered number: a notice, no code.
		e.clock.Advance(2 * time.Hour)
		if _, err := e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: known, Purpose: account.PurposeSignUp, Lang: "ru"}); err != nil {
			t.Fatalf("RequestCode(signup, registered) = %v", err)
		}
		if m := e.lastSMS(known); codePattern.MatchString(m.Body) || m.Purpose != "notice_signup_exists" || !strings.Contains(m.Body, "already has an account") {
			t.Errorf("signup SMS to a registered number = %q (%s), want the English notice (the citizen's language) without a code", m.Body, m.Purpose)
		}
	})
}

// TestOTPConcurrentGuesses: wrong entries from many goroutines are counted
// exactly: 10 are checked, the rest refused as locked.
func TestOTPConcurrentGuesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(c *account.Config) { c.OTP.MaxCodeFailures = 200 })
		p := phone(1)
		code := e.requestCode(p, account.PurposeSignUp)
		var mu sync.Mutex
		counts := map[string]int{}
		var wg sync.WaitGroup
		for range 200 {
			wg.Go(func() {
				_, err := e.svc.OTPs.Verify(e.ctx, p, account.PurposeSignUp, wrongCode(code))
				mu.Lock()
				counts[digitalid.ErrorCode(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if counts[digitalid.EUNAUTHORIZED]+counts[digitalid.ELOCKED] != 200 || counts[digitalid.EUNAUTHORIZED] != 9 {
			t.Errorf("200 concurrent wrong codes: %v; want 9 wrong, the 10th and the rest locked", counts)
		}
	})
}
