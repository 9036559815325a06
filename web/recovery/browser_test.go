package recovery_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/web/browsertest"
)

// browserEnv serves the citizen and recovery pages on 127.0.0.1 for
// Chromium, over SQLite.
func browserEnv(t *testing.T) (*env, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	e := newEnv(t, testdb.SQLite(t), srv.URL)
	srv.Config.Handler = e.srv.Handler()
	return e, srv.URL
}

func wantPage(t *testing.T, b *browsertest.Browser, sel, want string) {
	t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.Screenshot("unexpected")
		t.Fatalf("%s = %q, want it to hold %q", sel, got, want)
	}
}

func wantNot(t *testing.T, b *browsertest.Browser, unwanted string) {
	t.Helper()
	if got := b.Text("main"); strings.Contains(got, unwanted) {
		b.Screenshot("unexpected")
		t.Fatalf("page holds %q: %q", unwanted, got)
	}
}

// browserPerson signs up in the browser b and confirms the identity.
func browserPerson(t *testing.T, e *env, b *browsertest.Browser, base string, n, age int, level account.Assurance) person {
	t.Helper()
	to := phone(n)
	b.Go(base + "/signup")
	b.Fill("#phone", to)
	b.ClickNav("#send-code")
	b.Fill("#code", e.code(to))
	b.ClickNav("#check-code")
	b.Fill("#pin", goodPIN)
	b.Fill("#pin2", goodPIN)
	if status := b.ClickNav("#finish"); status != 200 {
		t.Fatalf("sign up %s: status %d", to, status)
	}
	wantPage(t, b, "h1", "My account")
	c, err := e.acc.Citizens.ByPhone(e.ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	e.confirm(c.ID, age, level)
	return person{ID: c.ID, Phone: to, Session: account.Session{CitizenID: c.ID}}
}

// recoverInBrowser starts a recovery from the sign-in page.
func recoverInBrowser(t *testing.T, e *env, b *browsertest.Browser, base string, p person) {
	t.Helper()
	b.Go(base + "/signin")
	if !strings.Contains(b.Text("main"), "Forgot your PIN") { // signed in on this browser: go straight there
		b.Go(base + "/recover")
	} else {
		b.ClickNav("#to-recover")
	}
	b.Fill("#phone", p.Phone)
	b.Click("#reason-devices")
	if status := b.ClickNav("#recover-send"); status != 200 {
		t.Fatalf("send recovery code: status %d", status)
	}
	b.Fill("#code", e.code(p.Phone))
	if status := b.ClickNav("#recover-start"); status != 200 {
		t.Fatalf("start recovery: status %d", status)
	}
	wantPage(t, b, "#recover-status", "Waiting for your trusted contact")
}

// linkInService makes contact the active trusted contact of c directly.
func (e *env) linkInService(c, contact person) string {
	e.t.Helper()
	inv, err := e.rec.Invite(e.ctx, c.Session, recoveryInvitation(contact.Phone), account.Client{})
	if err != nil {
		e.t.Fatalf("Invite = %v", err)
	}
	if err := e.rec.Accept(e.ctx, contact.Session, inv.ID, account.Client{}); err != nil {
		e.t.Fatalf("Accept = %v", err)
	}
	return inv.ID
}

// TestBrowserTrustedContactRecovery: in two browsers, Alice invites Bob
// from Profile → Security → Trusted contacts, Bob accepts, Alice (who
// cannot sign in) starts a recovery from the sign-in page, Bob approves it
// with the code texted to his phone after reading the warning, and Alice
// finishes with a code to her own phone and a new PIN. Her old session has
// ended; signed in again, the cabinet shows the cooling-off period and
// refuses contact changes.
func TestBrowserTrustedContactRecovery(t *testing.T) {
	e, base := browserEnv(t)
	ba, bb := browsertest.New(t), browsertest.New(t)
	alice := browserPerson(t, e, ba, base, 1, 30, account.AssuranceStandard)
	bob := browserPerson(t, e, bb, base, 2, 45, account.AssuranceStandard)

	ba.Go(base + "/account/security")
	if status := ba.ClickNav("#to-trusted-contacts"); status != 200 {
		t.Fatalf("open trusted contacts: status %d", status)
	}
	wantPage(t, ba, "#no-recovery-without", "cannot be recovered without them")
	ba.Fill("#name", "Bob")
	ba.Fill("#phone", bob.Phone)
	ba.ClickNav("#invite")
	wantPage(t, ba, "#msg", "Invitation sent")
	wantPage(t, ba, "#contacts", "waiting")

	bb.Go(base + "/account/trusted-contacts")
	wantPage(t, bb, "#trusts", alice.Phone)
	list, _ := e.rec.Trusts(e.ctx, bob.ID)
	if len(list) != 1 {
		t.Fatalf("bob's invitations = %+v", list)
	}
	bb.ClickNav("#accept-" + list[0].ID)
	wantPage(t, bb, "#msg", "You are now their trusted contact")
	ba.Go(base + "/account/trusted-contacts")
	wantPage(t, ba, "#contacts", "active")

	// Alice has lost her devices: she recovers from a new browser.
	bn := browsertest.New(t)
	recoverInBrowser(t, e, bn, base, alice)
	// Her old browser, still signed in, shows the recovery under way.
	ba.Go(base + "/account/trusted-contacts")
	wantPage(t, ba, "#ongoing-recovery", "If it was not you, cancel it")
	bb.Go(base + "/account/trusted-contacts")
	wantPage(t, bb, "#approvals", alice.Phone)
	approvals, _ := e.rec.Approvals(e.ctx, bob.ID)
	bb.ClickNav("#open-approval-" + approvals[0].ID)
	wantPage(t, bb, "#warning", "Approve only if you have checked")
	wantPage(t, bb, "#approval-what", "lost every device")
	wantPage(t, bb, "#approval-where", "127.0.0.x")
	bb.ClickNav("#send-approval-code")
	wantPage(t, bb, "#code-sent", "We sent a code")
	bb.Fill("#code", e.code(bob.Phone))
	bb.ClickNav("#approve")
	wantPage(t, bb, "#msg", "You approved the recovery")

	bn.ClickNav("#refresh")
	wantPage(t, bn, "#recover-status", "approved")
	bn.ClickNav("#send-own-code")
	wantPage(t, bn, "#own-code-sent", "We sent a code")
	bn.Fill("#code", e.code(alice.Phone))
	bn.Fill("#pin", newPIN)
	bn.Fill("#pin2", newPIN)
	if status := bn.ClickNav("#complete"); status != 200 {
		t.Fatalf("complete: status %d", status)
	}
	wantPage(t, bn, "#recover-done", "Your account is recovered")
	wantPage(t, bn, "#cooling-off", "until")

	// Her old browser's session has ended; the known device and the new
	// PIN sign her in again.
	ba.Go(base + "/account")
	wantPage(t, ba, "h1", "Sign in")
	ba.Fill("#phone", alice.Phone)
	ba.Fill("#pin", newPIN)
	if status := ba.ClickNav("#finish"); status != 200 {
		t.Fatalf("sign in with the new PIN: status %d", status)
	}
	wantPage(t, ba, "h1", "My account")
	// The cabinet home warns of the cooling-off period too.
	wantPage(t, ba, "#cooling-off", "cannot change your trusted contacts or phone number")
	ba.Go(base + "/account/trusted-contacts")
	wantPage(t, ba, "#cooling-off", "recovered recently")
	wantNot(t, ba, "Send the invitation")
	contacts, _ := e.rec.Contacts(e.ctx, alice.ID)
	ba.Allow(`status of 403`)
	ba.ClickNav("#remove-" + contacts[0].ID)
	wantPage(t, ba, "#form-error", "less than 24 hours ago")
	wantPage(t, ba, "#contacts", "active")
}

// TestBrowserRecoveryOutcomes: a recovery Bob rejects (Alice sees it
// closed and is texted an alert), one that expires after 24 hours (the
// clock is moved), and one cancelled because Bob stopped being her
// trusted contact mid-way.
func TestBrowserRecoveryOutcomes(t *testing.T) {
	e, base := browserEnv(t)
	ba, bb := browsertest.New(t), browsertest.New(t)
	alice := browserPerson(t, e, ba, base, 1, 30, account.AssuranceStandard)
	bob := browserPerson(t, e, bb, base, 2, 45, account.AssuranceStandard)
	e.linkInService(alice, bob)

	// Rejected.
	recoverInBrowser(t, e, ba, base, alice)
	approvals, _ := e.rec.Approvals(e.ctx, bob.ID)
	bb.Go(base + "/account/recovery-approvals/" + approvals[0].ID)
	bb.ClickNav("#reject")
	wantPage(t, bb, "#msg", "You rejected the recovery")
	ba.ClickNav("#refresh")
	wantPage(t, ba, "#recover-status", "rejected")
	if got := e.lastPurpose(alice.Phone); got != "notice_recovery_rejected" {
		t.Errorf("last SMS to alice = %q, want the rejection alert", got)
	}
	ba.ClickNav("#recover-cancel")

	// Removed mid-way: Bob stops being her contact.
	recoverInBrowser(t, e, ba, base, alice)
	trusts, _ := e.rec.Trusts(e.ctx, bob.ID)
	bb.Go(base + "/account/trusted-contacts")
	wantPage(t, bb, "#approvals", alice.Phone)
	bb.ClickNav("#leave-" + trusts[0].ID)
	wantPage(t, bb, "#msg", "no longer their trusted contact")
	wantNot(t, bb, "Recovery requests waiting for you")
	ba.Go(base + "/recover/status")
	wantPage(t, ba, "#recover-status", "cancelled")
	ba.ClickNav("#recover-cancel")

	// Expired.
	e.linkInService(alice, bob)
	recoverInBrowser(t, e, ba, base, alice)
	e.clock.Advance(24*time.Hour + time.Minute)
	ba.Go(base + "/recover/status")
	wantPage(t, ba, "#recover-status", "expired")
	if list, _ := e.rec.Approvals(e.ctx, bob.ID); len(list) != 0 {
		t.Errorf("bob's approvals after expiry = %+v", list)
	}
}

// TestBrowserInvitationRefused: inviting a 16-year-old and an adult whose
// account is not confirmed looks to the inviter exactly like any
// invitation; neither invitee sees it, and after 7 days the inviter sees
// "not accepted". Recovery is then refused for lack of a contact.
func TestBrowserInvitationRefused(t *testing.T) {
	e, base := browserEnv(t)
	ba, bb := browsertest.New(t), browsertest.New(t)
	alice := browserPerson(t, e, ba, base, 1, 30, account.AssuranceStandard)
	teen := browserPerson(t, e, bb, base, 2, 16, account.AssuranceStandard)
	adult := e.person(3, 40, account.AssuranceBasic)
	for _, to := range []string{teen.Phone, adult.Phone} {
		ba.Go(base + "/account/trusted-contacts")
		ba.Fill("#name", "Someone")
		ba.Fill("#phone", to)
		ba.ClickNav("#invite")
		wantPage(t, ba, "#msg", "Invitation sent. If the number belongs to someone who can be a trusted contact")
	}
	wantPage(t, ba, "#contacts", "waiting")
	bb.Go(base + "/account/trusted-contacts")
	wantPage(t, bb, "#no-trusts", "Nobody has named you")
	for _, to := range []string{teen.Phone, adult.Phone} {
		for _, p := range e.purposes(to) {
			if p == "notice_trust_invited" {
				t.Errorf("%s was texted an invitation", to)
			}
		}
	}
	e.clock.Advance(7*24*time.Hour + time.Minute)
	ba.Allow(`status of 403`)
	recoverInBrowserRefused(t, e, ba, base, alice)
}

// recoverInBrowserRefused starts a recovery that is refused: no contact.
func recoverInBrowserRefused(t *testing.T, e *env, b *browsertest.Browser, base string, p person) {
	t.Helper()
	b.Go(base + "/recover")
	b.Fill("#phone", p.Phone)
	b.ClickNav("#recover-send")
	b.Fill("#code", e.code(p.Phone))
	b.ClickNav("#recover-start")
	wantPage(t, b, "#form-error", "no active trusted contact")
	contacts, _ := e.rec.Contacts(e.ctx, p.ID)
	for _, c := range contacts {
		if c.Status != "expired" {
			t.Errorf("contact %s status = %s after 7 days, want expired", c.ID, c.Status)
		}
	}
}
