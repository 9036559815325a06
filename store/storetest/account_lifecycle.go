package storetest

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/store"
)

// Lifecycle exercises the account.LifecycleStore methods on db: deletion
// (sessions ended, devices blocked, in one step), restore within the
// window, purge claims (each citizen to exactly one of concurrent
// claimers, stale claims taken over), deleting a claimed citizen with its
// codes and counters, and phone changes.
func Lifecycle(t *testing.T, db *store.DB) {
	t.Run("delete", func(t *testing.T) { lifecycleDelete(t, db) })
	t.Run("restore", func(t *testing.T) { lifecycleRestore(t, db) })
	t.Run("claim and purge", func(t *testing.T) { lifecyclePurge(t, db) })
	t.Run("set phone", func(t *testing.T) { lifecyclePhone(t, db) })
}

// citizenWithSession stores a citizen with one device and one open session.
func citizenWithSession(t *testing.T, db *store.DB, name string) (account.CitizenRecord, account.DeviceRecord, account.Session) {
	t.Helper()
	a := newAccount(name)
	if err := db.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("CreateAccount(%s) = %v", name, err)
	}
	return a.Citizen, a.Device, a.Session
}

func lifecycleDelete(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, d, s := citizenWithSession(t, db, "lc-delete")
	at := accountT0.Add(time.Hour)
	if err := db.DeleteCitizen(ctx, c.ID, at); err != nil {
		t.Fatalf("DeleteCitizen = %v", err)
	}
	got, err := db.CitizenByID(ctx, c.ID)
	if err != nil || got.Status != account.StatusDeleted || !got.DeletedAt.Equal(at) {
		t.Errorf("CitizenByID after delete = %+v, %v; want deleted at %v", got, err, at)
	}
	v, err := db.SessionByTokenHash(ctx, []byte("hash-"+s.ID))
	if err != nil || !v.Session.EndedAt.Equal(at) || v.Session.EndReason != account.EndAccountDeleted {
		t.Errorf("session after delete = %+v, %v; want ended at %v, reason %s", v.Session, err, at, account.EndAccountDeleted)
	}
	if dev, err := db.DeviceByID(ctx, d.ID); err != nil || !dev.BlockedAt.Equal(at) {
		t.Errorf("device after delete = %+v, %v; want blocked at %v", dev, err, at)
	}
	wantErrCode(t, "DeleteCitizen(deleted)", db.DeleteCitizen(ctx, c.ID, at), digitalid.ENOTFOUND)
	wantErrCode(t, "DeleteCitizen(unknown)", db.DeleteCitizen(ctx, "c_nobody", at), digitalid.ENOTFOUND)
}

func lifecycleRestore(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, _, _ := citizenWithSession(t, db, "lc-restore")
	deletedAt := accountT0.Add(time.Hour)
	if err := db.DeleteCitizen(ctx, c.ID, deletedAt); err != nil {
		t.Fatalf("DeleteCitizen = %v", err)
	}
	d := deviceRecord(c.ID, "d_lc-restore-new")
	s := sessionFor(d, "s_lc-restore-new", deletedAt.Add(time.Hour))
	now := deletedAt.Add(2 * time.Hour)
	// The window is over (deleted before since) and nothing holds it: nothing changes.
	wantErrCode(t, "RestoreCitizen(after the window)", db.RestoreCitizen(ctx, c.ID, deletedAt.Add(time.Second), now, d, s, []byte("hash-"+s.ID)), digitalid.ENOTFOUND)
	if _, err := db.DeviceByID(ctx, d.ID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("device after a refused restore = %v, want ENOTFOUND (nothing stored)", err)
	}
	// A hold starts, is not shortened, is moved later.
	held := func(want time.Time) {
		t.Helper()
		if got, err := db.RestoreHeldUntil(ctx, c.ID); err != nil || !got.Equal(want) {
			t.Errorf("RestoreHeldUntil = %v, %v; want %v", got, err, want)
		}
	}
	held(time.Time{})
	for _, h := range []struct {
		until time.Time
		fresh bool
		want  time.Time
	}{
		{now.Add(time.Hour), true, now.Add(time.Hour)},
		{now.Add(30 * time.Minute), false, now.Add(time.Hour)},
		{now.Add(2 * time.Hour), false, now.Add(2 * time.Hour)},
	} {
		if fresh, err := db.HoldRestore(ctx, c.ID, h.until, now); err != nil || fresh != h.fresh {
			t.Errorf("HoldRestore(%v) = %v, %v; want %v", h.until, fresh, err, h.fresh)
		}
		held(h.want)
	}
	// Once the hold is over too, nothing changes; within it, the restore
	// goes through after the window and clears the hold.
	wantErrCode(t, "RestoreCitizen(after the hold)", db.RestoreCitizen(ctx, c.ID, deletedAt.Add(time.Second), now.Add(3*time.Hour), d, s, []byte("hash-"+s.ID)), digitalid.ENOTFOUND)
	if err := db.RestoreCitizen(ctx, c.ID, deletedAt.Add(time.Second), now, d, s, []byte("hash-"+s.ID)); err != nil {
		t.Fatalf("RestoreCitizen(held) = %v", err)
	}
	held(time.Time{})
	got, err := db.CitizenByID(ctx, c.ID)
	if err != nil || got.Status != account.StatusActive || !got.DeletedAt.IsZero() {
		t.Errorf("CitizenByID after restore = %+v, %v; want active, no deletion time", got, err)
	}
	if _, err := db.HoldRestore(ctx, c.ID, now.Add(time.Hour), now); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("HoldRestore(active) = %v; want ENOTFOUND", err)
	}
	if v, err := db.SessionByTokenHash(ctx, []byte("hash-"+s.ID)); err != nil || v.Session.DeviceID != d.ID || !v.Session.EndedAt.IsZero() {
		t.Errorf("new session after restore = %+v, %v; want open on %s", v.Session, err, d.ID)
	}
	wantErrCode(t, "RestoreCitizen(active)", db.RestoreCitizen(ctx, c.ID, deletedAt.Add(-time.Second), now,
		deviceRecord(c.ID, "d_lc-restore-2"), sessionFor(d, "s_lc-restore-2", deletedAt), []byte("hash-2")), digitalid.ENOTFOUND)
	wantErrCode(t, "RestoreCitizen(unknown)", db.RestoreCitizen(ctx, "c_nobody", deletedAt, now,
		deviceRecord("c_nobody", "d_nobody"), sessionFor(d, "s_nobody", deletedAt), []byte("hash-n")), digitalid.ENOTFOUND)
}

func lifecyclePurge(t *testing.T, db *store.DB) {
	ctx := context.Background()
	// Deleted long ago: due for purging; deleted recently: still in its window.
	longAgo, before := accountT0.Add(-40*24*time.Hour), accountT0.Add(-30*24*time.Hour)
	var due []string
	for _, name := range []string{"lc-purge-1", "lc-purge-2", "lc-purge-3"} {
		c, _, _ := citizenWithSession(t, db, name)
		if err := db.DeleteCitizen(ctx, c.ID, longAgo); err != nil {
			t.Fatalf("DeleteCitizen(%s) = %v", c.ID, err)
		}
		due = append(due, c.ID)
	}
	recent, _, _ := citizenWithSession(t, db, "lc-purge-recent")
	if err := db.DeleteCitizen(ctx, recent.ID, accountT0); err != nil {
		t.Fatal(err)
	}
	// Deleted long ago too, but its restore is held for another day.
	heldC, _, _ := citizenWithSession(t, db, "lc-purge-held")
	if err := db.DeleteCitizen(ctx, heldC.ID, longAgo); err != nil {
		t.Fatal(err)
	}
	if _, err := db.HoldRestore(ctx, heldC.ID, accountT0.Add(24*time.Hour), accountT0); err != nil {
		t.Fatal(err)
	}

	// Eight claimers at once: each due citizen goes to exactly one.
	var mu sync.Mutex
	owner := map[string]string{}
	var wg sync.WaitGroup
	for i := range 8 {
		claim := "p_" + string(rune('a'+i))
		wg.Go(func() {
			ids, err := db.ClaimDeletedCitizens(ctx, claim, before, accountT0.Add(-time.Hour), accountT0, 10)
			if err != nil {
				t.Errorf("ClaimDeletedCitizens(%s) = %v", claim, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if prev, ok := owner[id]; ok {
					t.Errorf("citizen %s claimed by both %s and %s", id, prev, claim)
				}
				owner[id] = claim
			}
		})
	}
	wg.Wait()
	got := slices.Sorted(maps.Keys(owner))
	if !slices.Equal(got, due) {
		t.Fatalf("claimed %v, want exactly the citizens deleted before the window: %v", got, due)
	}
	// A claimed citizen cannot be restored any more.
	d := deviceRecord(due[0], "d_lc-purge-late")
	wantErrCode(t, "RestoreCitizen(claimed)", db.RestoreCitizen(ctx, due[0], longAgo.Add(-time.Second), accountT0, d,
		sessionFor(d, "s_lc-purge-late", accountT0), []byte("hash-late")), digitalid.ENOTFOUND)
	// Nothing is left to claim until a claim goes stale.
	if ids, err := db.ClaimDeletedCitizens(ctx, "p_next", before, accountT0.Add(-time.Hour), accountT0, 10); err != nil || len(ids) != 0 {
		t.Errorf("ClaimDeletedCitizens(all held) = %v, %v; want none", ids, err)
	}
	later := accountT0.Add(2 * time.Hour)
	stale, err := db.ClaimDeletedCitizens(ctx, "p_takeover", before, later.Add(-time.Hour), later, 1)
	if err != nil || len(stale) != 1 {
		t.Fatalf("ClaimDeletedCitizens(stale claims, limit 1) = %v, %v; want one", stale, err)
	}
	owner[stale[0]] = "p_takeover"

	// Deleting needs the current claim; it takes the number's codes and counters along.
	victim := stale[0]
	rec, err := db.CitizenByID(ctx, victim)
	if err != nil {
		t.Fatal(err)
	}
	otp := account.OTPRecord{ID: "o_" + victim, PhoneKey: rec.PhoneKey, PhoneSealed: []byte{1}, Purpose: account.PurposeRestore,
		CodeHash: []byte("code"), CreatedAt: accountT0, ExpiresAt: accountT0.Add(10 * time.Minute)}
	if _, _, err := db.InsertOTP(ctx, otp, 5, accountT0.Add(-time.Hour)); err != nil {
		t.Fatalf("InsertOTP = %v", err)
	}
	if _, err := db.UpdateCounter(ctx, victim, "pin", func(c *account.Counter) error { c.Failures = 2; return nil }); err != nil {
		t.Fatalf("UpdateCounter = %v", err)
	}
	for _, old := range []string{"p_a", "p_b", "p_c", "p_d", "p_e", "p_f", "p_g", "p_h", "p_nobody"} {
		wantErrCode(t, "DeleteClaimedCitizen(taken-over claim "+old+")", db.DeleteClaimedCitizen(ctx, victim, old), digitalid.ENOTFOUND)
	}
	if err := db.DeleteClaimedCitizen(ctx, victim, "p_takeover"); err != nil {
		t.Fatalf("DeleteClaimedCitizen = %v", err)
	}
	if _, err := db.CitizenByID(ctx, victim); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("CitizenByID after DeleteClaimedCitizen = %v, want ENOTFOUND", err)
	}
	if _, err := db.DeviceByID(ctx, "d_"+victim[len("c_"):]); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("device after DeleteClaimedCitizen = %v, want ENOTFOUND", err)
	}
	if _, err := db.ReserveOTPAttempt(ctx, rec.PhoneKey, account.PurposeRestore, accountT0, 5); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("the number's code after DeleteClaimedCitizen = %v, want ENOTFOUND", err)
	}
	if c, _ := db.Counter(ctx, victim, "pin"); c.Failures != 0 {
		t.Errorf("counter after DeleteClaimedCitizen = %+v, want gone", c)
	}
	wantErrCode(t, "DeleteClaimedCitizen(again)", db.DeleteClaimedCitizen(ctx, victim, "p_takeover"), digitalid.ENOTFOUND)
	wantErrCode(t, "DeleteClaimedCitizen(not deleted)", db.DeleteClaimedCitizen(ctx, recent.ID, "p_a"), digitalid.ENOTFOUND)
	// The held citizen is claimed once its hold is over.
	afterHold := accountT0.Add(25 * time.Hour)
	if ids, err := db.ClaimDeletedCitizens(ctx, "p_after_hold", before, afterHold.Add(-time.Hour), afterHold, 10); err != nil || !slices.Contains(ids, heldC.ID) {
		t.Errorf("ClaimDeletedCitizens(after the hold) = %v, %v; want %s among them", ids, err, heldC.ID)
	}
}

func lifecyclePhone(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, _, _ := citizenWithSession(t, db, "lc-phone")
	other, _, _ := citizenWithSession(t, db, "lc-phone-other")
	newKey, newSealed := []byte("key-lc-phone-new"), []byte{9, 9, 9}
	if err := db.SetCitizenPhone(ctx, c.ID, newKey, newSealed); err != nil {
		t.Fatalf("SetCitizenPhone = %v", err)
	}
	got, err := db.CitizenByPhoneKey(ctx, newKey)
	if err != nil || got.ID != c.ID || !bytes.Equal(got.PhoneSealed, newSealed) {
		t.Errorf("CitizenByPhoneKey(new) = %+v, %v; want %s with the new ciphertext", got, err, c.ID)
	}
	if _, err := db.CitizenByPhoneKey(ctx, c.PhoneKey); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("CitizenByPhoneKey(old) = %v, want ENOTFOUND", err)
	}
	wantErrCode(t, "SetCitizenPhone(another citizen's key)", db.SetCitizenPhone(ctx, c.ID, other.PhoneKey, []byte{1}), digitalid.ECONFLICT)
	if got, _ := db.CitizenByID(ctx, c.ID); !bytes.Equal(got.PhoneKey, newKey) {
		t.Errorf("phone key after a refused change = %q, want unchanged %q", got.PhoneKey, newKey)
	}
	wantErrCode(t, "SetCitizenPhone(unknown)", db.SetCitizenPhone(ctx, "c_nobody", []byte("k"), []byte{1}), digitalid.ENOTFOUND)
	if err := db.DeleteCitizen(ctx, other.ID, accountT0); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, "SetCitizenPhone(deleted)", db.SetCitizenPhone(ctx, other.ID, []byte("key-x"), []byte{1}), digitalid.ENOTFOUND)
}
