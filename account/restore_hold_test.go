package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
)

// lockRestoreCodes types wrong restore codes for phone, as a stranger who
// knows only the number can, until the number's restore codes are locked.
func (e *env) lockRestoreCodes(to string) {
	e.t.Helper()
	for range 20 {
		_, err := e.svc.VerifyRestoreCode(e.ctx, to, "000000")
		if digitalid.ErrorCode(err) == digitalid.ELOCKED {
			return
		}
		if digitalid.ErrorCode(err) != digitalid.EUNAUTHORIZED {
			e.t.Fatalf("VerifyRestoreCode(wrong) = %v; want EUNAUTHORIZED until ELOCKED", err)
		}
	}
	e.t.Fatalf("20 wrong restore codes did not lock %s", to)
}

// spendRestoreCodes asks for restore codes for phone, as a stranger can,
// until the number's code limit refuses.
func (e *env) spendRestoreCodes(to string) {
	e.t.Helper()
	for range 20 {
		_, err := e.svc.RequestRestoreCode(e.ctx, account.CodeRequest{Phone: to, Lang: "en"})
		if digitalid.ErrorCode(err) == digitalid.ERATELIMITED {
			return
		}
		if err != nil {
			e.t.Fatalf("RequestRestoreCode = %v", err)
		}
	}
	e.t.Fatalf("20 restore codes were all sent to %s", to)
}

// heldTexts counts the "stays restorable" texts to phone.
func (e *env) heldTexts(to string) int {
	e.t.Helper()
	list, err := e.outbox.List(e.ctx, sms.ListOptions{To: to, Limit: sms.MaxListLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, m := range list {
		if m.Purpose == "notice_restore_held" {
			n++
		}
	}
	return n
}

// TestRestoreHeldAgainstStranger: a stranger who locks a deleted account's
// restore codes on day 29 does not run out its window: the account stays
// restorable, and out of the purge, for a week after; the owner is texted
// once; once the lock ends the owner restores it on day 31.
func TestRestoreHeldAgainstStranger(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		v := e.newVault()
		old := e.deleted(1)
		e.clock.Advance(29 * 24 * time.Hour)
		e.lockRestoreCodes(phone(1))
		until := e.clock.Now().Add(account.RestoreHold).UTC().Format(time.DateOnly)
		if e.heldTexts(phone(1)) != 1 || !strings.Contains(e.lastSMS(phone(1)).Body, until) {
			t.Fatalf("hold SMS = %q (%d sent); want one naming %s", e.lastSMS(phone(1)).Body, e.heldTexts(phone(1)), until)
		}
		if !e.hasEvent(old.Citizen.ID, "account.restore_held", audit.Success) {
			t.Error("no account.restore_held audit event")
		}
		e.lockRestoreCodes(phone(1)) // still locked: the hold is not texted again
		if n := e.heldTexts(phone(1)); n != 1 {
			t.Errorf("%d hold texts after a second refusal, want 1", n)
		}

		e.clock.Advance(2 * 24 * time.Hour) // day 31: past the window, the code lock over
		if n, err := e.svc.PurgeDeleted(e.ctx, v.ShredCitizen); n != 0 || err != nil {
			t.Fatalf("PurgeDeleted(held) = %d, %v; want 0, nil", n, err)
		}
		got, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{
			OTPProof: e.proof(phone(1), account.PurposeRestore), PIN: goodPIN, DeviceName: "New phone",
		})
		if err != nil || got.Citizen.ID != old.Citizen.ID {
			t.Fatalf("RestoreAccount(day 31, held) = %+v, %v", got.Citizen, err)
		}
	})
}

// TestRestoreHoldEndsAtMax: a stranger spending the number's codes every
// few days keeps the account restorable, but never past MaxRestoreHold
// after the deletion: then the purge goes ahead.
func TestRestoreHoldEndsAtMax(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		v := e.newVault()
		old := e.deleted(2)
		deleted := e.clock.Now()
		at := func(d time.Duration) { e.clock.Advance(deleted.Add(d).Sub(e.clock.Now())) }
		for day := 25; day <= 88; day += 6 {
			at(time.Duration(day) * 24 * time.Hour)
			e.spendRestoreCodes(phone(2))
			if n, err := e.svc.PurgeDeleted(e.ctx, v.ShredCitizen); n != 0 || err != nil {
				t.Fatalf("PurgeDeleted(day %d, held) = %d, %v; want 0, nil", day, n, err)
			}
		}
		if n := e.heldTexts(phone(2)); n != 1 {
			t.Errorf("%d hold texts, want 1 (the hold never lapsed)", n)
		}
		at(account.MaxRestoreHold - time.Hour)
		if n, err := e.svc.PurgeDeleted(e.ctx, v.ShredCitizen); n != 0 || err != nil {
			t.Fatalf("PurgeDeleted(just before the cap) = %d, %v; want 0, nil", n, err)
		}
		at(account.MaxRestoreHold + time.Hour)
		e.spendRestoreCodes(phone(2)) // too late to hold
		if n, err := e.svc.PurgeDeleted(e.ctx, v.ShredCitizen); n != 1 || err != nil {
			t.Fatalf("PurgeDeleted(after the cap) = %d, %v; want 1, nil", n, err)
		}
		_, err := e.svc.Citizens.Get(e.ctx, old.Citizen.ID)
		wantCode(t, "Citizens.Get(purged)", err, digitalid.ENOTFOUND)
	})
}
