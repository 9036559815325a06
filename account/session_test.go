package account_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestSessionTimeouts: idle timeout, absolute lifetime, both configurable;
// last-seen written at most once a minute.
func TestSessionTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name           string
		cfg            account.SessionConfig
		idle, lifetime time.Duration
	}{
		{"defaults", account.SessionConfig{}, 15 * time.Minute, 12 * time.Hour},
		{"configured", account.SessionConfig{IdleTimeout: 5 * time.Minute, Lifetime: time.Hour}, 5 * time.Minute, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, func(c *account.Config) { c.Session = tc.cfg })
				res := e.signUp(phone(1))
				ss := e.svc.Sessions
				auth := func(call string, wantOK bool) account.Session {
					t.Helper()
					s, _, err := ss.Authenticate(e.ctx, res.SessionToken)
					if wantOK && err != nil {
						t.Fatalf("%s: Authenticate = %v", call, err)
					}
					if !wantOK {
						wantKey(t, call+": Authenticate", err, "account.session.invalid")
					}
					return s
				}
				if !res.Session.ExpiresAt.Equal(res.Session.CreatedAt.Add(tc.lifetime)) {
					t.Errorf("ExpiresAt = %v, want sign-in + %v", res.Session.ExpiresAt, tc.lifetime)
				}
				// Used within a minute: last seen is not written.
				e.clock.Advance(30 * time.Second)
				if s := auth("30s", true); !s.LastSeenAt.Equal(res.Session.LastSeenAt) {
					t.Errorf("after 30s last seen = %v, want unchanged", s.LastSeenAt)
				}
				e.clock.Advance(31 * time.Second)
				if s := auth("61s", true); !s.LastSeenAt.Equal(e.clock.Now()) {
					t.Errorf("after 61s last seen = %v, want now", s.LastSeenAt)
				}
				if list, _ := ss.List(e.ctx, res.Citizen.ID); len(list) != 1 || !list[0].LastSeenAt.Equal(e.clock.Now()) {
					t.Errorf("List = %+v, want the session last seen now", list)
				}
				if d, _ := ss.Device(e.ctx, res.Device.ID); !d.LastSeenAt.Equal(e.clock.Now()) {
					t.Errorf("device last seen = %v, want now", d.LastSeenAt)
				}
				// Kept alive just inside the idle timeout, it lasts its lifetime.
				start := res.Session.CreatedAt
				for e.clock.Now().Add(tc.idle - time.Second).Before(start.Add(tc.lifetime)) {
					e.clock.Advance(tc.idle - time.Second)
					auth(fmt.Sprintf("at %v", e.clock.Now().Sub(start)), true)
				}
				e.clock.Advance(start.Add(tc.lifetime).Sub(e.clock.Now()))
				auth("at the lifetime", false)

				// Idle for the timeout: ended.
				again, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: res.DeviceToken})
				if err != nil {
					t.Fatalf("SignInWithPIN = %v", err)
				}
				e.clock.Advance(tc.idle)
				_, _, err = ss.Authenticate(e.ctx, again.SessionToken)
				wantKey(t, "Authenticate(idle)", err, "account.session.invalid")
				if list, _ := ss.List(e.ctx, res.Citizen.ID); len(list) != 0 {
					t.Errorf("List after idle and lifetime = %+v, want none", list)
				}
			})
		})
	}
}

func TestSessionsListAndEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		a := e.signUp(phone(1))
		e.clock.Advance(time.Second)
		b, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: a.DeviceToken})
		if err != nil {
			t.Fatalf("SignInWithPIN = %v", err)
		}
		other := e.signUp(phone(2))
		ss := e.svc.Sessions
		list, err := ss.List(e.ctx, a.Citizen.ID)
		if err != nil || len(list) != 2 || list[0].ID != b.Session.ID || list[1].ID != a.Session.ID {
			t.Fatalf("List = %+v, %v; want b then a", list, err)
		}
		c := account.Client{IP: "192.0.2.1"}
		wantCode(t, "End(another citizen's session)", ss.End(e.ctx, b.Session, other.Session.ID, c), digitalid.ENOTFOUND)
		wantCode(t, "End(unknown)", ss.End(e.ctx, b.Session, "s_nobody", c), digitalid.ENOTFOUND)
		if err := ss.End(e.ctx, b.Session, a.Session.ID, c); err != nil {
			t.Fatalf("End(a from b) = %v", err)
		}
		_, _, err = ss.Authenticate(e.ctx, a.SessionToken)
		wantKey(t, "Authenticate(ended session)", err, "account.session.invalid")
		wantCode(t, "End(again)", ss.End(e.ctx, b.Session, a.Session.ID, c), digitalid.ENOTFOUND)
		if err := ss.SignOut(e.ctx, b.Session, c); err != nil {
			t.Fatalf("SignOut = %v", err)
		}
		_, _, err = ss.Authenticate(e.ctx, b.SessionToken)
		wantKey(t, "Authenticate(signed out)", err, "account.session.invalid")
		if list, _ := ss.List(e.ctx, a.Citizen.ID); len(list) != 0 {
			t.Errorf("List after ending both = %+v", list)
		}
		if _, _, err := ss.Authenticate(e.ctx, other.SessionToken); err != nil {
			t.Errorf("another citizen's session after all this = %v", err)
		}
		reasons := map[string]bool{}
		for _, ev := range e.events(a.Citizen.ID) {
			if ev.Action == "account.session.ended" && ev.Result == audit.Success {
				reasons[ev.Object+" "+ev.Details["reason"]] = true
			}
		}
		if !reasons["session:"+a.Session.ID+" ended"] || !reasons["session:"+b.Session.ID+" signout"] {
			t.Errorf("session ends audited as %v", reasons)
		}
		// A week on, the ended sessions are purged; the other citizen's
		// session, expired but not yet a week, is kept.
		e.clock.Advance(7*24*time.Hour + time.Minute)
		if n, err := e.svc.Purge(e.ctx); err != nil || n < 2 {
			t.Errorf("Purge a week later = %d, %v; want at least the 2 ended sessions", n, err)
		}
		if n, err := e.svc.Purge(e.ctx); err != nil || n != 0 {
			t.Errorf("Purge again = %d, %v; want 0", n, err)
		}
		for _, bad := range []string{"", "dis_", a.DeviceToken, a.SessionToken + "x"} {
			_, _, err := ss.Authenticate(e.ctx, bad)
			wantKey(t, fmt.Sprintf("Authenticate(%.8q)", bad), err, "account.session.invalid")
		}
	})
}
