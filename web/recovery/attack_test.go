package recovery_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
)

// TestRecoveryAttacks: ids of other people's requests, replayed codes and
// handles, wrong codes until the lock, approving one's own request, and a
// contact approving after removal are all refused and change nothing.
func TestRecoveryAttacks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob, mallory := e.person(1, 30, account.AssuranceStandard), e.person(2, 40, account.AssuranceStandard), e.person(3, 35, account.AssuranceStandard)
		rel := e.link(alice, bob)
		e.link(mallory, alice) // alice is mallory's contact, not her own
		st := e.startRecovery(alice)
		base := "/api/v1/me/recovery-approvals/" + st.ID

		// Someone else's request id: not found, for every action.
		e.refused(req{method: "GET", path: base, token: mallory.Token}, 404, "not_found")
		e.refused(req{method: "POST", path: base + "/code", token: mallory.Token}, 404, "not_found")
		e.refused(req{method: "POST", path: base + "/approve", token: mallory.Token, body: map[string]string{"code": "123456"}}, 404, "not_found")
		e.refused(req{method: "POST", path: base + "/reject", token: mallory.Token}, 404, "not_found")
		// Approving one's own request.
		e.refused(req{method: "POST", path: base + "/code", token: alice.Token}, 404, "not_found")
		e.refused(req{method: "POST", path: base + "/approve", token: alice.Token, body: map[string]string{"code": "123456"}}, 404, "not_found")
		// A handle of another request, or none, or a malformed one.
		other := e.startRecovery(mallory)
		e.refused(req{method: "GET", path: "/api/v1/recovery/requests/" + st.ID, token: other.Handle}, 404, "not_found")
		e.refused(req{method: "GET", path: "/api/v1/recovery/requests/" + st.ID}, 401, "unauthorized")
		e.refused(req{method: "GET", path: "/api/v1/recovery/requests/" + st.ID, token: "drh_x"}, 404, "not_found")
		e.refused(req{method: "DELETE", path: "/api/v1/recovery/requests/" + st.ID, token: other.Handle}, 404, "not_found")
		// A second request while one is open.
		e.json(req{method: "POST", path: "/api/v1/recovery/code", body: map[string]string{"phone": alice.Phone}}, 202, nil)
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests", body: map[string]string{"phone": alice.Phone, "code": e.code(alice.Phone), "reason": "pin"}}, 409, "conflict")
		// Replaying a used start code.
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests", body: map[string]string{"phone": alice.Phone, "code": e.code(alice.Phone), "reason": "pin"}}, 401, "unauthorized")
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests", body: map[string]string{"phone": alice.Phone, "code": "12345", "reason": "pin"}}, 400, "invalid")

		// Wrong codes: five counted, then even the right code is locked.
		e.json(req{method: "POST", path: base + "/code", token: bob.Token}, 202, nil)
		right := e.code(bob.Phone)
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			rec := e.do(req{method: "POST", path: base + "/approve", token: bob.Token, body: map[string]string{"code": wrong}})
			want := http.StatusUnauthorized
			if i == 5 {
				want = http.StatusLocked
			}
			if rec.Code != want {
				t.Fatalf("wrong code %d = %d %s, want %d", i, rec.Code, rec.Body, want)
			}
		}
		e.refused(req{method: "POST", path: base + "/approve", token: bob.Token, body: map[string]string{"code": right}}, 423, "locked")
		e.refused(req{method: "POST", path: base + "/approve", token: bob.Token, body: map[string]string{"code": "12a456"}}, 400, "invalid")
		if got := e.status(st); got != "open" {
			t.Fatalf("status after wrong codes = %q, want open", got)
		}
		// A new code works; after three codes no more are sent.
		e.json(req{method: "POST", path: base + "/code", token: bob.Token}, 202, nil)
		e.json(req{method: "POST", path: base + "/code", token: bob.Token}, 202, nil)
		e.refused(req{method: "POST", path: base + "/code", token: bob.Token}, 429, "rate_limited")
		code := e.code(bob.Phone)
		e.json(req{method: "POST", path: base + "/approve", token: bob.Token, body: map[string]string{"code": code}}, 204, nil)
		// Replaying the approval.
		e.refused(req{method: "POST", path: base + "/approve", token: bob.Token, body: map[string]string{"code": code}}, 404, "not_found")
		// The start proof cannot stand in for the second check.
		e.json(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/code", token: st.Handle}, 202, nil)
		own := e.code(alice.Phone)
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: other.Handle,
			body: map[string]string{"method": "otp", "code": own, "pin": newPIN}}, 404, "not_found")

		// A contact removed mid-way: the request is cancelled and the
		// contact cannot approve any more.
		e.json(req{method: "DELETE", path: "/api/v1/me/trusted-contacts/" + rel, token: alice.Token}, 204, nil)
		if got := e.status(st); got != "cancelled" {
			t.Fatalf("status after removal = %q, want cancelled", got)
		}
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: st.Handle,
			body: map[string]string{"method": "otp", "code": own, "pin": newPIN}}, 409, "conflict")
		if err := e.acc.PINs.Verify(e.ctx, alice.ID, goodPIN, account.Client{}); err != nil {
			t.Errorf("old PIN after refused recovery: %v", err)
		}
		e.link(alice, bob)
		st2 := e.startRecovery(alice)
		var trusts struct{ Trusts []struct{ ID string } }
		e.json(req{method: "GET", path: "/api/v1/me/trusted-by", token: bob.Token}, 200, &trusts)
		e.json(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st2.ID + "/code", token: bob.Token}, 202, nil)
		bobCode := e.code(bob.Phone)
		for _, tr := range trusts.Trusts {
			e.json(req{method: "DELETE", path: "/api/v1/me/trusted-by/" + tr.ID, token: bob.Token}, 204, nil)
		}
		e.refused(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st2.ID + "/approve", token: bob.Token,
			body: map[string]string{"code": bobCode}}, 404, "not_found")
		if got := e.status(st2); got != "cancelled" {
			t.Errorf("status after the contact left = %q, want cancelled", got)
		}
		if got := e.lastPurpose(alice.Phone); got != "notice_recovery_cancelled" {
			t.Errorf("last SMS to alice = %q, want the cancellation", got)
		}
	})
}

// TestRecoveryRejectedAndExpired: a rejection cancels the request and
// alerts the citizen; a request expires after 24 hours and a new one may
// then start.
func TestRecoveryRejectedAndExpired(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob := e.person(1, 30, account.AssuranceStandard), e.person(2, 40, account.AssuranceStandard)
		e.link(alice, bob)
		st := e.startRecovery(alice)
		e.json(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/reject", token: bob.Token}, 204, nil)
		if got := e.status(st); got != "rejected" {
			t.Fatalf("status = %q, want rejected", got)
		}
		if got := e.lastPurpose(alice.Phone); got != "notice_recovery_rejected" {
			t.Errorf("last SMS to alice = %q, want the rejection alert", got)
		}
		e.refused(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/reject", token: bob.Token}, 404, "not_found")
		e.refused(req{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/code", token: st.Handle}, 409, "conflict")

		st = e.startRecovery(alice)
		e.clock.Advance(24 * time.Hour)
		if got := e.status(st); got != "expired" {
			t.Fatalf("status after 24 hours = %q, want expired", got)
		}
		bob.Token = e.signIn(bob.Phone, goodPIN)
		var approvals struct{ Approvals []any }
		e.json(req{method: "GET", path: "/api/v1/me/recovery-approvals", token: bob.Token}, 200, &approvals)
		if len(approvals.Approvals) != 0 {
			t.Errorf("approvals after expiry = %+v", approvals)
		}
		e.refused(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/code", token: bob.Token}, 404, "not_found")
		st2 := e.startRecovery(alice)
		if got := e.status(st2); got != "open" {
			t.Errorf("a new request after expiry = %q, want open", got)
		}
		e.json(req{method: "DELETE", path: "/api/v1/recovery/requests/" + st2.ID, token: st2.Handle}, 204, nil)
		if got := e.status(st2); got != "cancelled" {
			t.Errorf("status after cancel = %q", got)
		}
	})
}

// TestConcurrentApprovals: two contacts approve the same request at once,
// many times each; exactly one approval takes effect.
func TestConcurrentApprovals(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice := e.person(1, 30, account.AssuranceStandard)
		bob, carol := e.person(2, 40, account.AssuranceStandard), e.person(3, 50, account.AssuranceStandard)
		e.link(alice, bob)
		e.link(alice, carol)
		st := e.startRecovery(alice)
		codes := map[string]string{}
		for _, c := range []person{bob, carol} {
			e.json(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/code", token: c.Token}, 202, nil)
			codes[c.Token] = e.code(c.Phone)
		}
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		for i := 0; i < 12; i++ {
			wg.Add(1)
			c := []person{bob, carol}[i%2]
			go func() {
				defer wg.Done()
				rec := e.do(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/approve", token: c.Token,
					body: map[string]string{"code": codes[c.Token]}})
				mu.Lock()
				got[rec.Code]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if got[204] != 1 || got[204]+got[404]+got[423] != 12 {
			t.Fatalf("concurrent approvals answered %v; want exactly one 204, the rest 404 or 423", got)
		}
		if s := e.status(st); s != "approved" {
			t.Errorf("status = %q, want approved", s)
		}
	})
}

// TestCancelOwnRecovery: a citizen still signed in sees a recovery someone
// started on their account and cancels it; nobody else can.
func TestCancelOwnRecovery(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob := e.person(1, 30, account.AssuranceStandard), e.person(2, 40, account.AssuranceStandard)
		e.link(alice, bob)
		st := e.startRecovery(alice)
		var list struct {
			Recovery *struct{ ID, Status string }
		}
		e.json(req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200, &list)
		if list.Recovery == nil || list.Recovery.ID != st.ID || list.Recovery.Status != "open" {
			t.Fatalf("ongoing recovery = %+v", list.Recovery)
		}
		e.refused(req{method: "DELETE", path: "/api/v1/me/recovery-requests/" + st.ID, token: bob.Token}, 404, "not_found")
		e.json(req{method: "DELETE", path: "/api/v1/me/recovery-requests/" + st.ID, token: alice.Token}, 204, nil)
		e.refused(req{method: "DELETE", path: "/api/v1/me/recovery-requests/" + st.ID, token: alice.Token}, 409, "conflict")
		if got := e.status(st); got != "cancelled" {
			t.Errorf("status = %q, want cancelled", got)
		}
		list.Recovery = nil
		e.json(req{method: "GET", path: "/api/v1/me/trusted-contacts", token: alice.Token}, 200, &list)
		if list.Recovery != nil {
			t.Errorf("ongoing recovery after cancel = %+v", list.Recovery)
		}
	})
}
