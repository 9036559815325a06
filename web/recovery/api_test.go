package recovery_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	testdb.Each(t, func(t *testing.T, db *store.DB) { fn(t, newEnv(t, db, "http://id.example")) })
}

// TestRecoveryOverAPI: invite, accept, start, approve with the contact's
// code, complete with the citizen's own code and a new PIN; the old
// sessions end and the cooling-off blocks contact and phone changes for
// 24 hours.
func TestRecoveryOverAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob := e.person(1, 30, account.AssuranceStandard), e.person(2, 45, account.AssuranceHigh)
		var inv struct{ ID, Status, Name string }
		e.json(req{method: "POST", path: "/api/v1/me/trusted-contacts", token: alice.Token, body: map[string]string{"name": "Bob", "phone": bob.Phone}}, 202, &inv)
		if inv.Status != "pending" || inv.Name != "Bob" {
			t.Fatalf("invite = %+v", inv)
		}
		if got := e.lastPurpose(bob.Phone); got != "notice_trust_invited" {
			t.Errorf("last SMS to bob = %q, want the invitation", got)
		}
		var trusts struct {
			Trusts []struct{ ID, Phone, Status string }
		}
		e.json(req{method: "GET", path: "/api/v1/me/trusted-by", token: bob.Token}, 200, &trusts)
		if len(trusts.Trusts) != 1 || trusts.Trusts[0].Phone != alice.Phone || trusts.Trusts[0].Status != "pending" {
			t.Fatalf("bob's trusts = %+v", trusts)
		}
		e.json(req{method: "POST", path: "/api/v1/me/trusted-by/" + inv.ID + "/accept", token: bob.Token}, 204, nil)
		var list struct {
			Contacts []struct{ ID, Status string }
			Max      int
		}
		e.json(req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200, &list)
		if len(list.Contacts) != 1 || list.Contacts[0].Status != "active" || list.Max != 3 {
			t.Fatalf("alice's contacts = %+v", list)
		}

		st := e.startRecovery(alice)
		if got := e.status(st); got != "open" {
			t.Fatalf("status = %q, want open", got)
		}
		if got := e.lastPurpose(bob.Phone); got != "notice_recovery_approval_asked" {
			t.Errorf("last SMS to bob = %q, want the request", got)
		}
		var approvals struct {
			Approvals []struct{ ID, Phone, Reason, Network, Browser string }
		}
		e.json(req{method: "GET", path: "/api/v1/me/recovery-approvals", token: bob.Token}, 200, &approvals)
		if len(approvals.Approvals) != 1 {
			t.Fatalf("approvals = %+v", approvals)
		}
		a := approvals.Approvals[0]
		if a.ID != st.ID || a.Phone != alice.Phone || a.Reason != "pin" || a.Network != "192.0.2.x" || a.Browser != "Chrome, Linux" {
			t.Errorf("approval = %+v", a)
		}
		e.json(req{method: "GET", path: "/api/v1/me/recovery-approvals/" + st.ID, token: bob.Token}, 200, nil)
		// The citizen's check cannot come first.
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/code", token: st.Handle}, 403, "forbidden")
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: st.Handle,
			body: map[string]string{"method": "otp", "code": "123456", "pin": newPIN}}, 403, "forbidden")
		e.approve(bob, st)
		if got := e.status(st); got != "approved" {
			t.Fatalf("status after approval = %q", got)
		}
		e.json(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/code", token: st.Handle}, 202, nil)
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: st.Handle,
			body: map[string]string{"method": "otp", "code": e.code(alice.Phone), "pin": "1234"}}, 400, "invalid")
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: st.Handle,
			body: map[string]string{"method": "sms", "code": e.code(alice.Phone), "pin": newPIN}}, 400, "invalid")
		var done struct {
			CoolingOffUntil time.Time `json:"cooling_off_until"`
		}
		e.json(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: st.Handle,
			body: map[string]string{"method": "otp", "code": e.code(alice.Phone), "pin": newPIN}}, 200, &done)
		if want := e.clock.Now().Add(24 * time.Hour); !done.CoolingOffUntil.Equal(want) {
			t.Errorf("cooling_off_until = %v, want %v", done.CoolingOffUntil, want)
		}
		if got := e.status(st); got != "completed" {
			t.Errorf("status after completion = %q", got)
		}
		if got := e.lastPurpose(alice.Phone); got != "notice_recovery_completed" {
			t.Errorf("last SMS to alice = %q, want the completion notice", got)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: alice.Token}, 401, "unauthorized")
		if err := e.acc.PINs.Verify(e.ctx, alice.ID, newPIN, account.Client{}); err != nil {
			t.Errorf("new PIN: %v", err)
		}
		// Replaying the completion changes nothing.
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: st.Handle,
			body: map[string]string{"method": "otp", "code": "000000", "pin": "5937"}}, 409, "conflict")

		// Signed in again, the cooling-off blocks sensitive changes.
		alice.Token = e.signIn(alice.Phone, newPIN)
		e.refused(req{method: "POST", path: "/api/v1/me/trusted-contacts", token: alice.Token, body: map[string]string{"name": "X", "phone": phone(99)}}, 403, "forbidden")
		e.refused(req{method: "DELETE", path: "/api/v1/me/trusted-contacts/" + inv.ID, token: alice.Token}, 403, "forbidden")
		p := e.refused(req{method: "POST", path: "/api/v1/me/phone", token: alice.Token, body: map[string]string{"phone": phone(98)}}, 403, "forbidden")
		if !strings.Contains(p.Detail, "24") {
			t.Errorf("phone change refusal = %q", p.Detail)
		}
		var cl struct {
			CoolingOffUntil *time.Time `json:"cooling_off_until"`
		}
		e.json(req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200, &cl)
		if cl.CoolingOffUntil == nil {
			t.Error("cooling_off_until missing while cooling off")
		}
		if until, active, err := e.rec.CoolingOff(e.ctx, alice.ID); err != nil || !active || !until.Equal(done.CoolingOffUntil) {
			t.Errorf("CoolingOff = %v, %v, %v", until, active, err)
		}
		e.clock.Advance(24 * time.Hour)
		alice.Token = e.signIn(alice.Phone, newPIN)
		e.json(req{method: "DELETE", path: "/api/v1/me/trusted-contacts/" + inv.ID, token: alice.Token}, 204, nil)
		// Every step is on the citizen's audit chain, with no personal data.
		events, err := e.audit.List(e.ctx, alice.ID, audit.ListOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, ev := range events {
			seen[ev.Action] = true
			for k, v := range ev.Details {
				if strings.Contains(v, alice.Phone[1:]) || strings.Contains(v, bob.Phone[1:]) {
					t.Errorf("audit %s detail %s holds a phone number", ev.Action, k)
				}
			}
		}
		for _, a := range []string{"recovery.contact.invited", "recovery.contact.accepted", "recovery.requested", "recovery.approved", "recovery.completed", "recovery.contact.ended"} {
			if !seen[a] {
				t.Errorf("audit chain lacks %s (has %v)", a, seen)
			}
		}
		if got := e.lastPurpose(bob.Phone); got != "notice_trust_ended" {
			t.Errorf("last SMS to bob = %q, want the end notice", got)
		}
	})
}

// signIn signs in on a new device with a code and the PIN.
func (e *env) signIn(to, pin string) string {
	e.t.Helper()
	if _, err := e.acc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: to, Purpose: account.PurposeSignIn}); err != nil {
		e.t.Fatal(err)
	}
	p, err := e.acc.OTPs.Verify(e.ctx, to, account.PurposeSignIn, e.code(to))
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.acc.SignInWithPIN(e.ctx, account.SignInRequest{Phone: to, OTPProof: p.Token, PIN: pin, DeviceName: "Again"})
	if err != nil {
		e.t.Fatalf("SignInWithPIN(%s) = %v", to, err)
	}
	return res.SessionToken
}

// TestInvitationIsNeutral: inviting a number without an account, a
// 16-year-old, an unconfirmed adult and an eligible adult answers the same;
// only the eligible adult is told and can accept; the others' invitations
// never become usable and show as expired after 7 days.
func TestInvitationIsNeutral(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice := e.person(1, 30, account.AssuranceStandard)
		teen := e.person(2, 16, account.AssuranceStandard)
		basic := e.person(3, 40, account.AssuranceBasic)
		unknownAge := e.person(4, 0, account.AssuranceStandard)
		nobody := phone(5)
		answers := map[string]string{}
		ids := map[string]string{}
		zed := e.person(6, 50, account.AssuranceStandard)
		for name, x := range map[string]struct {
			by person
			to string
		}{"teen": {alice, teen.Phone}, "basic": {alice, basic.Phone}, "no account": {alice, nobody}, "no birth date": {zed, unknownAge.Phone}} {
			rec := e.do(req{method: "POST", path: "/api/v1/me/trusted-contacts", token: x.by.Token, body: map[string]string{"name": "Same", "phone": x.to}})
			if rec.Code != http.StatusAccepted {
				t.Fatalf("invite %s = %d %s", name, rec.Code, rec.Body)
			}
			body := rec.Body.String()
			var v struct{ ID string }
			_ = jsonUnmarshal(body, &v)
			ids[name] = v.ID
			answers[name] = strings.ReplaceAll(body, v.ID, "ID")
		}
		for name, a := range answers {
			if a != answers["no account"] {
				t.Errorf("answer for %s = %s, differs from an unknown number's %s", name, a, answers["no account"])
			}
		}
		for _, p := range []person{teen, basic, unknownAge} {
			var trusts struct{ Trusts []any }
			e.json(req{method: "GET", path: "/api/v1/me/trusted-by", token: p.Token}, 200, &trusts)
			if len(trusts.Trusts) != 0 {
				t.Errorf("%s sees an invitation: %+v", p.Phone, trusts)
			}
			for _, id := range ids {
				e.refused(req{method: "POST", path: "/api/v1/me/trusted-by/" + id + "/accept", token: p.Token}, 403, "forbidden")
			}
			for _, pp := range e.purposes(p.Phone) {
				if pp == "notice_trust_invited" {
					t.Errorf("%s was texted an invitation", p.Phone)
				}
			}
		}
		// An adult who becomes eligible later still cannot use the inert invitation.
		e.confirm(basic.ID, 40, account.AssuranceStandard)
		e.refused(req{method: "POST", path: "/api/v1/me/trusted-by/" + ids["basic"] + "/accept", token: basic.Token}, 404, "not_found")
		var list struct{ Contacts []struct{ Status string } }
		e.json(req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200, &list)
		for _, c := range list.Contacts {
			if c.Status != "pending" {
				t.Errorf("contact status = %q, want pending", c.Status)
			}
		}
		// Starting a recovery needs an active contact.
		e.json(req{method: "POST", path: "/api/v1/recovery/code", body: map[string]string{"phone": alice.Phone}}, 202, nil)
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests", body: map[string]string{"phone": alice.Phone, "code": e.code(alice.Phone), "reason": "pin"}}, 403, "forbidden")
		e.clock.Advance(7 * 24 * time.Hour)
		alice.Token = e.signIn(alice.Phone, goodPIN)
		e.json(req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200, &list)
		for _, c := range list.Contacts {
			if c.Status != "expired" {
				t.Errorf("contact status after 7 days = %q, want expired", c.Status)
			}
		}
		// The code request answers the same for a number without an account.
		e.json(req{method: "POST", path: "/api/v1/recovery/code", body: map[string]string{"phone": nobody}}, 202, nil)
	})
}

// TestInviteRules: who may appoint, how many, and bad input.
func TestInviteRules(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice := e.person(1, 30, account.AssuranceStandard)
		child := e.person(2, 13, account.AssuranceStandard)
		basic := e.person(3, 30, account.AssuranceBasic)
		teen := e.person(4, 14, account.AssuranceStandard)
		invite := func(p person, name, to string) req {
			return req{method: "POST", path: "/api/v1/me/trusted-contacts", token: p.Token, body: map[string]string{"name": name, "phone": to}}
		}
		e.refused(invite(child, "A", phone(50)), 403, "forbidden")
		e.refused(invite(basic, "A", phone(50)), 403, "forbidden")
		e.json(invite(teen, "A", phone(50)), 202, nil)
		e.refused(invite(alice, "Me", alice.Phone), 400, "invalid")
		e.refused(invite(alice, "", phone(51)), 400, "invalid")
		e.refused(invite(alice, strings.Repeat("я", 65), phone(51)), 400, "invalid")
		e.refused(invite(alice, "Bad\x00name", phone(51)), 400, "invalid")
		e.refused(invite(alice, "A", "not a phone"), 400, "invalid")
		e.refused(req{method: "POST", path: "/api/v1/me/trusted-contacts", token: alice.Token, body: `{"name":`}, 400, "invalid")
		e.refused(req{method: "POST", path: "/api/v1/me/trusted-contacts", body: map[string]string{"name": "A", "phone": phone(51)}}, 401, "unauthorized")
		for i := 51; i <= 53; i++ {
			e.json(invite(alice, "A", phone(i)), 202, nil)
		}
		e.refused(invite(alice, "A", phone(51)), 400, "invalid")
		e.refused(invite(alice, "A", phone(54)), 409, "conflict")
		// Other people's ids are not found.
		var list struct{ Contacts []struct{ ID string } }
		e.json(req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200, &list)
		e.refused(req{method: "DELETE", path: "/api/v1/me/trusted-contacts/" + list.Contacts[0].ID, token: teen.Token}, 404, "not_found")
		e.refused(req{method: "DELETE", path: "/api/v1/me/trusted-by/" + list.Contacts[0].ID, token: teen.Token}, 404, "not_found")
		e.refused(req{method: "POST", path: "/api/v1/me/trusted-by/" + list.Contacts[0].ID + "/decline", token: teen.Token}, 404, "not_found")
		// Withdrawing an invitation frees a place.
		e.json(req{method: "DELETE", path: "/api/v1/me/trusted-contacts/" + list.Contacts[0].ID, token: alice.Token}, 204, nil)
		e.json(invite(alice, "A", phone(54)), 202, nil)
	})
}
