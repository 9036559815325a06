package citizen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// outboxPurposes lists the purposes of the messages texted to to, oldest
// last (as the outbox lists them).
func (e *env) outboxPurposes(to string) []string {
	e.t.Helper()
	list, err := e.outbox.List(e.ctx, sms.ListOptions{To: to, Limit: sms.MaxListLimit})
	if err != nil {
		e.t.Fatalf("outbox.List: %v", err)
	}
	var out []string
	for _, m := range list {
		out = append(out, m.Purpose)
	}
	return out
}

// TestBrowserPhoneChange: in Chromium the citizen changes the number from
// the security page with the codes texted to both numbers.
func TestBrowserPhoneChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		old, next := phone(61), phone(62)
		signUpInBrowser(t, e, b, base, old)
		b.Go(base + "/account/security")
		b.ClickNav("#to-change-phone")
		if strings.Contains(b.Text("#change-phone"), "no longer have my old phone") {
			t.Error("the phone page offers the lost-phone way to a citizen without a passkey")
		}
		b.Fill("#phone", next)
		if status := b.ClickNav("#phone-send"); status != 200 {
			t.Fatalf("send the codes: status %d", status)
		}
		b.Fill("#new_code", e.code(next))
		b.Fill("#old_code", e.code(old))
		if status := b.ClickNav("#phone-confirm"); status != 200 {
			t.Fatalf("confirm: status %d", status)
		}
		wantPage(t, b, "#phone-done", "changed")
		e.citizenOf(t, old, next)
	})
}

// citizenOf returns the id of the account that had old and now has next.
func (e *env) citizenOf(t *testing.T, old, next string) string {
	t.Helper()
	c, err := e.svc.Citizens.ByPhone(e.ctx, next)
	if err != nil {
		t.Fatalf("Citizens.ByPhone(%s) = %v", next, err)
	}
	if _, err := e.svc.Citizens.ByPhone(e.ctx, old); err == nil {
		t.Errorf("Citizens.ByPhone(%s) still finds an account after the change", old)
	}
	return c.ID
}

// TestBrowserLostPhoneChange: a citizen who lost the old phone, signed in
// on another device with a passkey, changes the number in Chromium with the
// new number's code, the PIN and the passkey (the virtual authenticator);
// the old number gets no code, only the notice of the change. A wrong PIN
// is refused with the number unchanged.
func TestBrowserLostPhoneChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := passkeyBrowserEnv(t, db)
		b := browsertest.New(t)
		virtualAuthenticator(t, b)
		old, next := phone(63), phone(64)
		signUpInBrowser(t, e, b, base, old)
		b.ClickNav("#to-security")
		b.Click("#add-passkey")
		b.WaitVisible("#msg")
		wantPage(t, b, "#msg", "The passkey has been added.")
		before := len(e.outboxPurposes(old))

		start := func() {
			t.Helper()
			b.Go(base + "/account/phone")
			b.Fill("#phone", next)
			b.Click("#old_phone_lost")
			if status := b.ClickNav("#phone-send"); status != 200 {
				t.Fatalf("send the code: status %d", status)
			}
			wantPage(t, b, "#change-phone .lead", "passkey")
		}
		start()
		if got := e.outboxPurposes(old); len(got) != before {
			t.Fatalf("old number texted %v after a lost-phone start, want nothing new", got[:len(got)-before])
		}
		b.Fill("#new_code", e.code(next))
		b.Fill("#pin", "4826")
		b.Allow(`status of 401 .*/account/phone/confirm`) // the wrong PIN's page
		b.Click("#phone-passkey")
		b.WaitVisible("#form-error")
		wantPage(t, b, "#form-error", "PIN")
		if _, err := e.svc.Citizens.ByPhone(e.ctx, old); err != nil {
			t.Fatalf("after a wrong PIN the old number no longer finds the account: %v", err)
		}

		start()
		b.Fill("#new_code", e.code(next))
		b.Fill("#pin", goodPIN)
		b.Click("#phone-passkey")
		b.WaitVisible("#phone-done")
		wantPage(t, b, "#phone-done", "changed")
		e.citizenOf(t, old, next)
		got := e.outboxPurposes(old)
		if len(got)-before != 1 || !strings.HasPrefix(got[0], "notice_phone_changed") {
			t.Errorf("old number texted %v during the lost-phone change, want only the change notice", got)
		}
	})
}

// TestBrowserRestoreSteps: the restore page is three steps — the number,
// the code, then the PIN — and a wrong code keeps the citizen on the second
// step (the number carried along) with the reason, until the right one
// restores the account.
func TestBrowserRestoreSteps(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		to := phone(65)
		s := e.signUp(to)
		e.json(req{method: "DELETE", path: "/api/v1/me", token: s.SessionToken}, 200, nil)
		b.Go(base + "/restore")
		b.Fill("#phone", to)
		if status := b.ClickNav("#restore-send"); status != 200 {
			t.Fatalf("send restore code: status %d", status)
		}
		right := e.code(to)
		b.Fill("#code", fmt.Sprintf("%06d", (mustAtoi(t, right)+1)%1_000_000))
		b.Allow(`status of 401 .*/restore/code`)
		if status := b.ClickNav("#restore-code"); status != 401 {
			t.Fatalf("restore with a wrong code: status %d, want 401", status)
		}
		wantPage(t, b, "#form-error", "wrong")
		if got := b.Attr(`input[name="phone"]`, "value"); got != to {
			t.Errorf("second step after a refusal carries phone %q, want %s", got, to)
		}
		b.Fill("#code", right)
		if status := b.ClickNav("#restore-code"); status != 200 {
			t.Fatalf("restore code: status %d", status)
		}
		b.Fill("#pin", goodPIN)
		if status := b.ClickNav("#restore-confirm"); status != 200 {
			t.Fatalf("restore: status %d", status)
		}
		wantPage(t, b, "#restore-done", "restored")
	})
}
