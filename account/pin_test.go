package account_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/store"
)

const wrongPIN = "8203"

// TestPINLockout: 5 wrong PINs lock the PIN for 15 minutes, then 1 hour, 4
// hours, 24 hours (and 24 hours again); each lock is audited, put in the
// inbox and texted; a correct PIN resets the count.
func TestPINLockout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		res := e.signUp(phone(1))
		id, pins := res.Citizen.ID, e.svc.PINs
		c := account.Client{IP: "203.0.113.9", RequestID: "req-pin-test"}

		// A correct PIN resets the count: 4 wrong, right, 4 wrong is no lock.
		for round := range 2 {
			for i := 1; i <= 4; i++ {
				err := pins.Verify(e.ctx, id, wrongPIN, c)
				wantKey(t, fmt.Sprintf("round %d: Verify(wrong #%d)", round, i), err, "account.pin.wrong")
				if l, _ := account.LimitOf(err); l.AttemptsLeft != 5-i {
					t.Errorf("Verify(wrong #%d) attempts left = %d, want %d", i, l.AttemptsLeft, 5-i)
				}
			}
			if round == 0 {
				if err := pins.Verify(e.ctx, id, goodPIN, c); err != nil {
					t.Fatalf("Verify(right) = %v", err)
				}
			}
		}
		if err := pins.Verify(e.ctx, id, goodPIN, c); err != nil {
			t.Fatalf("Verify(right after 4 wrong) = %v", err)
		}
		for n, d := range []time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour, 24 * time.Hour} {
			for i := 1; i < 5; i++ {
				wantKey(t, "Verify(wrong)", pins.Verify(e.ctx, id, wrongPIN, c), "account.pin.wrong")
			}
			err := pins.Verify(e.ctx, id, wrongPIN, c)
			wantCode(t, fmt.Sprintf("lock %d: Verify(5th wrong)", n+1), err, digitalid.ELOCKED)
			if l, _ := account.LimitOf(err); !l.RetryAt.Equal(e.clock.Now().Add(d)) {
				t.Errorf("lock %d: retry at %v, want %v later", n+1, l.RetryAt, d)
			}
			if m := e.lastSMS(phone(1)); !strings.Contains(m.Body, fmt.Sprintf("locked for %d min", int(d.Minutes()))) {
				t.Errorf("lock %d: SMS %q, want the lock and its %v", n+1, m.Body, d)
			}
			e.clock.Advance(d - time.Second)
			wantCode(t, "Verify(right, during the lock)", pins.Verify(e.ctx, id, goodPIN, c), digitalid.ELOCKED)
			st, _ := pins.Status(e.ctx, id)
			if !st.Set || st.AttemptsLeft != 0 || st.LockedUntil.IsZero() {
				t.Errorf("Status during the lock = %+v", st)
			}
			e.clock.Advance(time.Second)
		}
		locks := 0
		for _, ev := range e.events(id) {
			if ev.Action == "account.pin.locked" {
				locks++
				if ev.IP != c.IP || ev.RequestID != c.RequestID || ev.Details["minutes"] == "" {
					t.Errorf("lock event = %+v, want the client and the minutes", ev)
				}
			}
		}
		list, _ := e.svc.Notifications.List(e.ctx, id, false, 0)
		kinds := 0
		for _, n := range list {
			if n.Kind == account.KindPINLocked {
				kinds++
			}
		}
		if locks != 5 || kinds != 5 {
			t.Errorf("after 5 locks: %d audit events, %d notifications; want 5 each", locks, kinds)
		}
		// The lock was served; the right PIN works and the counter is clear.
		if err := pins.Verify(e.ctx, id, goodPIN, c); err != nil {
			t.Errorf("Verify(right after the last lock) = %v", err)
		}
		if st, _ := pins.Status(e.ctx, id); st != (account.PINStatus{Set: true, AttemptsLeft: 5}) {
			t.Errorf("Status after a right PIN = %+v, want set, 5 left", st)
		}
	})
}

// TestPINLockIsolated: a locked PIN locks nothing else: sessions stay
// valid, codes can still be verified, the citizen is notified.
func TestPINLockIsolated(t *testing.T) { testdb.Each(t, testPINLockIsolated) }

func testPINLockIsolated(t *testing.T, db *store.DB) {
	e := newEnv(t, db, nil)
	res := e.signUp(phone(1))
	for range 5 {
		_ = e.svc.PINs.Verify(e.ctx, res.Citizen.ID, wrongPIN, account.Client{})
	}
	if _, _, err := e.svc.Sessions.Authenticate(e.ctx, res.SessionToken); err != nil {
		t.Errorf("Authenticate during a PIN lock = %v, want the session to stay valid", err)
	}
	if _, err := e.svc.OTPs.Verify(e.ctx, phone(1), account.PurposeRecovery, e.requestCode(phone(1), account.PurposeRecovery)); err != nil {
		t.Errorf("OTP Verify during a PIN lock = %v, want nil", err)
	}
	_, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: res.DeviceToken})
	wantCode(t, "SignInWithPIN(right PIN, locked)", err, digitalid.ELOCKED)
	if !e.hasEvent(res.Citizen.ID, "account.signin", audit.Denied) {
		t.Errorf("a sign-in refused by the lock is not audited as denied")
	}
}

func TestPINSet(t *testing.T) { testdb.Each(t, testPINSet) }

func testPINSet(t *testing.T, db *store.DB) {
	e := newEnv(t, db, nil)
	c, _ := e.svc.Citizens.Create(e.ctx, phone(1), "ru")
	pins := e.svc.PINs
	if st, err := pins.Status(e.ctx, c.ID); err != nil || st.Set {
		t.Errorf("Status(no PIN) = %+v, %v; want not set", st, err)
	}
	wantKey(t, "Verify(no PIN set)", pins.Verify(e.ctx, c.ID, goodPIN, account.Client{}), "account.pin.wrong")
	wantKey(t, "Set(1234)", pins.Set(e.ctx, c.ID, "1234"), "account.pin.sequence")
	wantCode(t, "Set(unknown citizen)", pins.Set(e.ctx, "c_nobody", goodPIN), digitalid.ENOTFOUND)
	for _, p := range []string{goodPIN, "58204"} {
		if err := pins.Set(e.ctx, c.ID, p); err != nil {
			t.Fatalf("Set(%s) = %v", p, err)
		}
	}
	wantKey(t, "Verify(old PIN)", pins.Verify(e.ctx, c.ID, goodPIN, account.Client{}), "account.pin.wrong")
	if err := pins.Verify(e.ctx, c.ID, "58204", account.Client{}); err != nil {
		t.Errorf("Verify(new PIN) = %v", err)
	}
	noPlaintext(t, e.db, "58204")
	var hash string
	_ = e.db.SQL().QueryRow(raw(e.db, "SELECT hash FROM account_pins WHERE citizen_id = ?"), c.ID).Scan(&hash)
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("stored hash %q, want argon2id with the configured parameters", hash)
	}
	// Another instance configured with the defaults rehashes on a right PIN.
	strong := e.twin(e.db)
	strong.svc, _ = account.New(account.Config{Store: e.db, Keys: e.keys, SMS: e.outbox, Audit: e.audit, Clock: e.clock.Now})
	if err := strong.svc.PINs.Verify(e.ctx, c.ID, "58204", account.Client{}); err != nil {
		t.Fatalf("Verify with default parameters = %v", err)
	}
	_ = e.db.SQL().QueryRow(raw(e.db, "SELECT hash FROM account_pins WHERE citizen_id = ?"), c.ID).Scan(&hash)
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash after a sign-in with default parameters = %q, want rehashed with m=19456,t=2,p=1", hash)
	}
}

// TestPINConcurrentGuesses: 200 wrong PINs at once, through SignInWithPIN
// on a known device, are counted exactly: 4 are told wrong, the 5th locks,
// the other 195 are refused without being checked. On PostgreSQL also
// with two instances (two pools) on one database.
func TestPINConcurrentGuesses(t *testing.T) {
	run := func(t *testing.T, instances []*env) {
		e := instances[0]
		res := e.signUp(phone(1))
		const n = 200
		var mu sync.Mutex
		counts := map[string]int{}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				in := instances[i%len(instances)]
				_, err := in.svc.SignInWithPIN(in.ctx, account.SignInRequest{PIN: wrongPIN, DeviceToken: res.DeviceToken})
				mu.Lock()
				counts[digitalid.ErrorCode(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if counts[digitalid.EUNAUTHORIZED] != 4 || counts[digitalid.ELOCKED] != n-4 {
			t.Errorf("%d concurrent wrong PINs: %v; want 4 %s and %d %s", n, counts,
				digitalid.EUNAUTHORIZED, n-4, digitalid.ELOCKED)
		}
		locks, failures := 0, 0
		for _, ev := range e.events(res.Citizen.ID) {
			switch {
			case ev.Action == "account.pin.locked":
				locks++
			case ev.Action == "account.signin" && ev.Result != audit.Success:
				failures++
			}
		}
		if locks != 1 || failures != n {
			t.Errorf("audit: %d lock events and %d failed sign-ins, want 1 and %d", locks, failures, n)
		}
		if st, _ := e.svc.PINs.Status(e.ctx, res.Citizen.ID); st.LockedUntil.IsZero() {
			t.Errorf("Status after the burst = %+v, want locked", st)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, []*env{newEnv(t, testdb.SQLite(t), nil)}) })
	t.Run("postgres", func(t *testing.T) { run(t, []*env{newEnv(t, testdb.Postgres(t), nil)}) })
	t.Run("postgres two instances", func(t *testing.T) {
		dsn := testenv.PostgresDSN(t)
		a := newEnv(t, testdb.Open(t, dsn), nil)
		run(t, []*env{a, a.twin(testdb.Open(t, dsn))})
	})
}
