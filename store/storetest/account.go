package storetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/store"
)

// t0 is the time the account tests start at (with microseconds, to check
// that times survive the round trip).
var accountT0 = time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)

// Accounts exercises every account store method on db: citizens, PINs,
// attempt counters (exact under concurrency), one-time codes, devices,
// sessions, rate limits, notifications, account creation and purging.
func Accounts(t *testing.T, db *store.DB) {
	t.Run("citizens", func(t *testing.T) { accountCitizens(t, db) })
	t.Run("citizens with a birth date", func(t *testing.T) { accountCitizensWithBirth(t, db) })
	t.Run("pins", func(t *testing.T) { accountPINs(t, db) })
	t.Run("counters", func(t *testing.T) { accountCounters(t, db) })
	t.Run("otps", func(t *testing.T) { accountOTPs(t, db) })
	t.Run("devices", func(t *testing.T) { accountDevices(t, db) })
	t.Run("sessions", func(t *testing.T) { accountSessions(t, db) })
	t.Run("rate limits", func(t *testing.T) { accountRateLimits(t, db) })
	t.Run("notifications", func(t *testing.T) { accountNotifications(t, db) })
	t.Run("create account", func(t *testing.T) { accountCreate(t, db) })
	t.Run("purge", func(t *testing.T) { accountPurge(t, db) })
}

// citizenRecord returns a stored-form citizen whose fields derive from name.
func citizenRecord(name string) account.CitizenRecord {
	return account.CitizenRecord{
		ID: "c_" + name, PhoneKey: []byte("key-" + name), PhoneSealed: []byte{0, 1, 0xff, byte(len(name))},
		Lang: "kk", Assurance: account.AssuranceBasic, Status: account.StatusActive, CreatedAt: accountT0,
	}
}

// mustCitizen stores a citizen or fails.
func mustCitizen(t *testing.T, db *store.DB, name string) account.CitizenRecord {
	t.Helper()
	c := citizenRecord(name)
	if err := db.CreateCitizen(context.Background(), c); err != nil {
		t.Fatalf("CreateCitizen(%s) = %v", c.ID, err)
	}
	return c
}

func wantErrCode(t *testing.T, call string, err error, code string) {
	t.Helper()
	if got := digitalid.ErrorCode(err); got != code {
		t.Errorf("%s = %v, want %s", call, err, code)
	}
}

func accountCitizens(t *testing.T, db *store.DB) {
	ctx := context.Background()
	alice := mustCitizen(t, db, "alice")
	for name, c := range map[string]account.CitizenRecord{
		"same phone key": func() account.CitizenRecord { c := citizenRecord("x"); c.PhoneKey = alice.PhoneKey; return c }(),
		"same id":        func() account.CitizenRecord { c := citizenRecord("y"); c.ID = alice.ID; return c }(),
	} {
		wantErrCode(t, "CreateCitizen("+name+")", db.CreateCitizen(ctx, c), digitalid.ECONFLICT)
	}
	got, err := db.CitizenByID(ctx, alice.ID)
	if err != nil || !equalCitizen(got, alice) {
		t.Errorf("CitizenByID(%s) = %+v, %v; want %+v", alice.ID, got, err, alice)
	}
	got, err = db.CitizenByPhoneKey(ctx, alice.PhoneKey)
	if err != nil || got.ID != alice.ID {
		t.Errorf("CitizenByPhoneKey(alice) = %+v, %v; want %s", got, err, alice.ID)
	}
	_, err = db.CitizenByID(ctx, "c_nobody")
	wantErrCode(t, "CitizenByID(c_nobody)", err, digitalid.ENOTFOUND)
	_, err = db.CitizenByPhoneKey(ctx, []byte("nobody"))
	wantErrCode(t, "CitizenByPhoneKey(nobody)", err, digitalid.ENOTFOUND)

	if err := db.SetCitizenLang(ctx, alice.ID, "en"); err != nil {
		t.Fatalf("SetCitizenLang = %v", err)
	}
	if err := db.SetCitizenAssurance(ctx, alice.ID, account.AssuranceHigh); err != nil {
		t.Fatalf("SetCitizenAssurance = %v", err)
	}
	if err := db.SetCitizenBirth(ctx, alice.ID, []byte("sealed-birth")); err != nil {
		t.Fatalf("SetCitizenBirth = %v", err)
	}
	got, _ = db.CitizenByID(ctx, alice.ID)
	if got.Lang != "en" || got.Assurance != account.AssuranceHigh || string(got.BirthSealed) != "sealed-birth" {
		t.Errorf("after the setters CitizenByID = %+v, want lang en, assurance high, birth sealed-birth", got)
	}
	wantErrCode(t, "SetCitizenLang(unknown)", db.SetCitizenLang(ctx, "c_nobody", "en"), digitalid.ENOTFOUND)
	wantErrCode(t, "SetCitizenAssurance(unknown)", db.SetCitizenAssurance(ctx, "c_nobody", account.AssuranceHigh), digitalid.ENOTFOUND)
	wantErrCode(t, "SetCitizenBirth(unknown)", db.SetCitizenBirth(ctx, "c_nobody", []byte("x")), digitalid.ENOTFOUND)
}

func equalCitizen(a, b account.CitizenRecord) bool {
	return a.ID == b.ID && bytes.Equal(a.PhoneKey, b.PhoneKey) && bytes.Equal(a.PhoneSealed, b.PhoneSealed) &&
		a.Lang == b.Lang && a.Assurance == b.Assurance && bytes.Equal(a.BirthSealed, b.BirthSealed) &&
		a.Status == b.Status && a.CreatedAt.Equal(b.CreatedAt) && a.DeletedAt.Equal(b.DeletedAt)
}

func accountPINs(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "pin")
	_, err := db.PIN(ctx, c.ID)
	wantErrCode(t, "PIN(no PIN yet)", err, digitalid.ENOTFOUND)
	for _, hash := range []string{"$argon2id$first", "$argon2id$second"} {
		r := account.PINRecord{CitizenID: c.ID, Hash: hash, UpdatedAt: accountT0}
		if err := db.SetPIN(ctx, r); err != nil {
			t.Fatalf("SetPIN(%s) = %v", hash, err)
		}
		got, err := db.PIN(ctx, c.ID)
		if err != nil || got != r {
			t.Errorf("PIN after SetPIN(%s) = %+v, %v; want %+v", hash, got, err, r)
		}
	}
	wantErrCode(t, "SetPIN(unknown citizen)", db.SetPIN(ctx, account.PINRecord{CitizenID: "c_nobody", Hash: "h", UpdatedAt: accountT0}), digitalid.ENOTFOUND)
}

func accountCounters(t *testing.T, db *store.DB) {
	ctx := context.Background()
	got, err := db.Counter(ctx, "s1", "pin")
	if err != nil || got != (account.Counter{Subject: "s1", Factor: "pin"}) {
		t.Fatalf("Counter(missing) = %+v, %v; want a zero counter", got, err)
	}
	want := account.Counter{Subject: "s1", Factor: "pin", Failures: 3, WindowStart: accountT0,
		LockedUntil: accountT0.Add(time.Minute), Lockouts: 2, UpdatedAt: accountT0.Add(time.Second)}
	out, err := db.UpdateCounter(ctx, "s1", "pin", func(c *account.Counter) error {
		if c.Failures != 0 || c.Subject != "s1" || c.Factor != "pin" {
			t.Errorf("UpdateCounter(new) passed %+v, want a zero counter with its names", c)
		}
		*c = want
		return nil
	})
	if err != nil || out != want {
		t.Fatalf("UpdateCounter = %+v, %v; want %+v", out, err, want)
	}
	if got, _ := db.Counter(ctx, "s1", "pin"); got != want {
		t.Errorf("Counter after update = %+v, want %+v", got, want)
	}
	if got, _ := db.Counter(ctx, "s1", "otp:signin"); got.Failures != 0 {
		t.Errorf("Counter(other factor) = %+v, want zero: factors are separate", got)
	}
	refuse := errors.New("refused")
	_, err = db.UpdateCounter(ctx, "s1", "pin", func(c *account.Counter) error { c.Failures = 99; return refuse })
	if !errors.Is(err, refuse) {
		t.Errorf("UpdateCounter(fn fails) = %v, want fn's error unchanged", err)
	}
	if got, _ := db.Counter(ctx, "s1", "pin"); got != want {
		t.Errorf("Counter after a refused update = %+v, want unchanged %+v", got, want)
	}
	if err := db.DeleteCounter(ctx, "s1", "pin"); err != nil {
		t.Fatalf("DeleteCounter = %v", err)
	}
	if got, _ := db.Counter(ctx, "s1", "pin"); got.Failures != 0 || got.Lockouts != 0 {
		t.Errorf("Counter after delete = %+v, want zero", got)
	}

	// 100 concurrent increments, half of them refused by fn past 50: the
	// count must be exactly 50 and exactly 50 calls must succeed.
	const n, limit = 100, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range n {
		wg.Go(func() {
			_, err := db.UpdateCounter(ctx, "race", "pin", func(c *account.Counter) error {
				if c.Failures >= limit {
					return refuse
				}
				c.Failures++
				return nil
			})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, refuse) {
				t.Errorf("concurrent UpdateCounter = %v", err)
			}
		})
	}
	wg.Wait()
	if got, _ := db.Counter(ctx, "race", "pin"); got.Failures != limit || ok != limit {
		t.Errorf("after %d concurrent increments capped at %d: count %d, successes %d", n, limit, got.Failures, ok)
	}
}

func accountCreate(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAccount("new")
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatalf("CreateAccount = %v", err)
	}
	if _, err := db.PIN(ctx, a.Citizen.ID); err != nil {
		t.Errorf("PIN of the new account = %v", err)
	}
	if v, err := db.SessionByTokenHash(ctx, a.SessionHash); err != nil || v.Session.DeviceID != a.Device.ID {
		t.Errorf("SessionByTokenHash(new account) = %+v, %v", v, err)
	}
	// Same phone key: nothing of the second account may be stored.
	b := newAccount("second")
	b.Citizen.PhoneKey = a.Citizen.PhoneKey
	wantErrCode(t, "CreateAccount(taken phone)", db.CreateAccount(ctx, b), digitalid.ECONFLICT)
	if _, err := db.CitizenByID(ctx, b.Citizen.ID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("CitizenByID after a refused CreateAccount = %v, want ENOTFOUND", err)
	}
	if _, err := db.DeviceByID(ctx, b.Device.ID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("DeviceByID after a refused CreateAccount = %v, want ENOTFOUND", err)
	}
}

// newAccount is a complete account in stored form, derived from name.
func newAccount(name string) account.NewAccount {
	c := citizenRecord(name)
	d := deviceRecord(c.ID, "d_"+name)
	s := sessionFor(d, "s_"+name, accountT0)
	return account.NewAccount{
		Citizen: c, PIN: account.PINRecord{CitizenID: c.ID, Hash: "h", UpdatedAt: accountT0},
		Device: d, Session: s, SessionHash: []byte("hash-" + s.ID),
	}
}

func accountPurge(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "purge")
	d := deviceRecord(c.ID, "d_purge")
	if err := db.CreateDevice(ctx, d); err != nil {
		t.Fatalf("CreateDevice = %v", err)
	}
	old, fresh := sessionFor(d, "s_old", accountT0.Add(-48*time.Hour)), sessionFor(d, "s_fresh", accountT0)
	for _, s := range []account.Session{old, fresh} {
		if err := db.CreateSession(ctx, s, []byte("hash-"+s.ID)); err != nil {
			t.Fatalf("CreateSession(%s) = %v", s.ID, err)
		}
	}
	if _, err := db.HitRateLimit(ctx, "auth", []byte("ip"), accountT0.Add(-2*time.Minute), accountT0.Add(-time.Minute)); err != nil {
		t.Fatalf("HitRateLimit = %v", err)
	}
	if _, err := db.UpdateCounter(ctx, "old", "pin", func(c *account.Counter) error {
		c.Failures, c.UpdatedAt = 1, accountT0.Add(-48*time.Hour)
		return nil
	}); err != nil {
		t.Fatalf("UpdateCounter = %v", err)
	}
	// Other subtests share the database, so count at least these three.
	n, err := db.PurgeAccounts(ctx, accountT0, accountT0.Add(-24*time.Hour))
	if err != nil || n < 3 {
		t.Fatalf("PurgeAccounts = %d, %v; want at least 3 rows (old session, rate window, old counter)", n, err)
	}
	if _, err := db.SessionByTokenHash(ctx, []byte("hash-s_old")); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("old session after purge = %v, want ENOTFOUND", err)
	}
	if _, err := db.SessionByTokenHash(ctx, []byte("hash-s_fresh")); err != nil {
		t.Errorf("fresh session after purge = %v", err)
	}
	if c, _ := db.Counter(ctx, "old", "pin"); c.Failures != 0 {
		t.Errorf("old counter after purge = %+v, want gone", c)
	}
	if n, _ := db.HitRateLimit(ctx, "auth", []byte("ip"), accountT0.Add(-2*time.Minute), accountT0.Add(-time.Minute)); n != 1 {
		t.Errorf("ended rate window after purge counts %d, want a fresh 1", n)
	}
	if _, err := db.PurgeAccounts(ctx, accountT0, accountT0.Add(-24*time.Hour)); err != nil {
		t.Fatalf("PurgeAccounts = %v", err)
	}
	if n, err := db.PurgeAccounts(ctx, accountT0, accountT0.Add(-24*time.Hour)); err != nil || n != 0 {
		t.Errorf("PurgeAccounts with nothing left to purge = %d, %v; want 0", n, err)
	}
}

// accountCitizensWithBirth: only active citizens at the asked level with a
// birth date are listed, by id, in pages.
func accountCitizensWithBirth(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var want []string
	for i, name := range []string{"wb-a", "wb-b", "wb-c", "wb-d", "wb-e", "wb-f"} {
		c := citizenRecord(name)
		c.PhoneKey = []byte("wb-key-" + name)
		switch i {
		case 0, 2, 5: // basic with a birth date: listed
			c.BirthSealed = []byte{1, 2, byte(i)}
			want = append(want, c.ID)
		case 1: // no birth date
		case 3: // at standard
			c.BirthSealed, c.Assurance = []byte{3}, account.AssuranceStandard
		case 4: // deleted
			c.BirthSealed, c.Status, c.DeletedAt = []byte{4}, account.StatusDeleted, accountT0
		}
		if err := db.CreateCitizen(ctx, c); err != nil {
			t.Fatalf("CreateCitizen(%s) = %v", c.ID, err)
		}
	}
	var got []string
	for after := "c_wb"; ; {
		page, err := db.CitizensWithBirthAt(ctx, account.AssuranceBasic, after, 2)
		if err != nil {
			t.Fatalf("CitizensWithBirthAt = %v", err)
		}
		for _, c := range page {
			if !strings.HasPrefix(c.ID, "c_wb-") {
				continue // another subtest's citizen
			}
			if len(c.BirthSealed) == 0 {
				t.Errorf("%s listed without its birth date", c.ID)
			}
			got = append(got, c.ID)
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Errorf("CitizensWithBirthAt = %v, want %v", got, want)
	}
}
