package account_test

import (
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func TestCitizens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		cs := e.svc.Citizens
		c, err := cs.Create(e.ctx, phone(1), "kk")
		if err != nil {
			t.Fatalf("Create = %v", err)
		}
		if c.Phone != phone(1) || c.Lang != "kk" || c.Assurance != account.AssuranceBasic || c.Status != account.StatusActive ||
			!c.CreatedAt.Equal(e.clock.Now()) || !c.BirthDate.IsZero() {
			t.Errorf("Create = %+v, want phone, kk, basic, active, created now, no birth date", c)
		}
		_, err = cs.Create(e.ctx, phone(1), "en")
		wantCode(t, "Create(registered phone)", err, digitalid.ECONFLICT)
		for name, tc := range map[string]struct{ phone, lang string }{
			"not E.164":    {"87011234567", "ru"},
			"spaces":       {"+7 701 123 45 67", "ru"},
			"invalid":      {"+7000", "ru"},
			"unknown lang": {phone(2), "de"},
		} {
			_, err := cs.Create(e.ctx, tc.phone, tc.lang)
			wantCode(t, "Create("+name+")", err, digitalid.EINVALID)
		}
		if d, err := cs.Create(e.ctx, phone(3), ""); err != nil || d.Lang != account.DefaultLang {
			t.Errorf("Create(no lang) = %+v, %v; want lang %s", d, err, account.DefaultLang)
		}

		got, err := cs.ByPhone(e.ctx, phone(1))
		if err != nil || got.ID != c.ID {
			t.Errorf("ByPhone = %+v, %v; want %s", got, err, c.ID)
		}
		_, err = cs.ByPhone(e.ctx, phone(9))
		wantCode(t, "ByPhone(unregistered)", err, digitalid.ENOTFOUND)
		_, err = cs.Get(e.ctx, "c_nobody")
		wantCode(t, "Get(unknown)", err, digitalid.ENOTFOUND)

		birth := time.Date(2008, 2, 29, 0, 0, 0, 0, time.UTC)
		if err := cs.SetBirthDate(e.ctx, c.ID, birth); err != nil {
			t.Fatalf("SetBirthDate = %v", err)
		}
		if err := cs.SetAssurance(e.ctx, c.ID, account.AssuranceStandard); err != nil {
			t.Fatalf("SetAssurance = %v", err)
		}
		if err := cs.SetLang(e.ctx, c.ID, "en"); err != nil {
			t.Fatalf("SetLang = %v", err)
		}
		got, err = cs.Get(e.ctx, c.ID)
		if err != nil || !got.BirthDate.Equal(birth) || got.Assurance != account.AssuranceStandard || got.Lang != "en" {
			t.Errorf("Get after setters = %+v, %v; want birth %v, standard, en", got, err, birth)
		}
		if age, ok := got.Age(e.clock.Now()); !ok || age != 18 {
			t.Errorf("Age = %d, %v; want 18", age, ok)
		}
		wantCode(t, "SetBirthDate(future)", cs.SetBirthDate(e.ctx, c.ID, e.clock.Now().Add(time.Hour)), digitalid.EINVALID)
		wantCode(t, "SetAssurance(bogus)", cs.SetAssurance(e.ctx, c.ID, "bogus"), digitalid.EINVALID)
		wantCode(t, "SetLang(de)", cs.SetLang(e.ctx, c.ID, "de"), digitalid.EINVALID)
		wantCode(t, "SetLang(unknown citizen)", cs.SetLang(e.ctx, "c_nobody", "ru"), digitalid.ENOTFOUND)

		noPlaintext(t, db, phone(1))
		noPlaintext(t, db, "2008-02-29")
	})
}

// TestCitizensSealing checks that a sealed phone moved to another row does
// not open, and that another instance with the same keys reads it.
func TestCitizensSealing(t *testing.T) {
	testdb.Each(t, testCitizensSealing)
}

func testCitizensSealing(t *testing.T, db *store.DB) {
	e := newEnv(t, db, nil)
	a, _ := e.svc.Citizens.Create(e.ctx, phone(1), "ru")
	b, _ := e.svc.Citizens.Create(e.ctx, phone(2), "ru")
	same, err := account.NewCitizens(db, e.keys, nil)
	if err != nil {
		t.Fatalf("NewCitizens = %v", err)
	}
	if got, err := same.Get(e.ctx, a.ID); err != nil || got.Phone != phone(1) {
		t.Errorf("Get by a second instance = %+v, %v; want phone %s", got, err, phone(1))
	}
	if _, err := db.SQL().Exec(raw(db, "UPDATE account_citizens SET phone_sealed = (SELECT phone_sealed FROM account_citizens WHERE id = ?) WHERE id = ?"), a.ID, b.ID); err != nil {
		t.Fatalf("swap: %v", err)
	}
	if got, err := e.svc.Citizens.Get(e.ctx, b.ID); err == nil {
		t.Errorf("Get(row with another row's sealed phone) = %+v, want an error", got)
	}
	other := testKeys()
	stranger, _ := account.NewCitizens(db, other, nil)
	if _, err := stranger.ByPhone(e.ctx, phone(1)); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("ByPhone with another index key = %v, want ENOTFOUND", err)
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 20000 {
		id := account.NewCitizenID()
		if seen[id] {
			t.Fatalf("NewCitizenID repeated %s", id)
		}
		seen[id] = true
		run := 0
		for _, r := range id {
			if r >= '0' && r <= '9' {
				run++
				if run > 5 {
					t.Fatalf("NewCitizenID() = %s has a run of six digits; the audit log would refuse it", id)
				}
			} else {
				run = 0
			}
		}
	}
}
