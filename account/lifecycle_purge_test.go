package account_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// newVault is a vault service over the env's database and clock.
func (e *env) newVault() *vault.Service {
	e.t.Helper()
	backend, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		e.t.Fatalf("keys.NewFileBackend: %v", err)
	}
	m, err := keys.NewManager(keys.Config{Store: e.db, Backend: backend, Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("keys.NewManager: %v", err)
	}
	if err := m.EnsureKeys(e.ctx); err != nil {
		e.t.Fatalf("EnsureKeys: %v", err)
	}
	reg, err := vault.NewRegistry()
	if err != nil {
		e.t.Fatalf("vault.NewRegistry: %v", err)
	}
	idx, err := vault.LoadIndexKey(e.ctx, m)
	if err != nil {
		e.t.Fatalf("LoadIndexKey: %v", err)
	}
	v, err := vault.NewService(e.db, m, reg, e.audit, e.clock.Now, nil, vault.Options{IndexKey: idx})
	if err != nil {
		e.t.Fatalf("vault.NewService: %v", err)
	}
	return v
}

var snils = json.RawMessage(`{"number": "112-233-445 95", "surname": "Иванова", "given_names": "Анна",
	"patronymic": "Сергеевна", "sex": "F", "birth_date": "1985-03-14", "birth_place": "г. Москва", "issue_date": "2001-02-03"}`)

// citizenRows counts the rows that name the citizen in the account tables.
func citizenRows(t *testing.T, db *store.DB, id string) int {
	t.Helper()
	total := 0
	for _, q := range []string{
		"SELECT COUNT(*) FROM account_citizens WHERE id = ?",
		"SELECT COUNT(*) FROM account_pins WHERE citizen_id = ?",
		"SELECT COUNT(*) FROM account_devices WHERE citizen_id = ?",
		"SELECT COUNT(*) FROM account_sessions WHERE citizen_id = ?",
		"SELECT COUNT(*) FROM account_notifications WHERE citizen_id = ?",
		"SELECT COUNT(*) FROM account_counters WHERE subject = ?",
		"SELECT COUNT(*) FROM vault_documents WHERE citizen_id = ?",
	} {
		var n int
		if err := db.SQL().QueryRow(raw(db, q), id).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		total += n
	}
	return total
}

// TestPurgeDeleted: within the window nothing is purged; after it the
// citizen's data key is shredded (its document can no longer be read) and
// its rows are gone.
func TestPurgeDeleted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		v := e.newVault()
		res := e.signUp(phone(1))
		id := res.Citizen.ID
		doc, err := v.AddSelfDeclared(e.ctx, id, "snils", snils, nil)
		if err != nil {
			t.Fatalf("AddSelfDeclared = %v", err)
		}
		if err := e.svc.DeleteAccount(e.ctx, res.Session, account.Client{}); err != nil {
			t.Fatalf("DeleteAccount = %v", err)
		}
		e.clock.Advance(account.RestoreWindow - time.Hour)
		if n, err := e.svc.PurgeDeleted(e.ctx, v.ShredCitizen); n != 0 || err != nil {
			t.Fatalf("PurgeDeleted(within window) = %d, %v; want 0, nil", n, err)
		}
		if _, err := v.Get(e.ctx, id, doc.ID); err != nil {
			t.Fatalf("vault Get(within window) = %v", err)
		}
		e.clock.Advance(2 * time.Hour)
		if n, err := e.svc.PurgeDeleted(e.ctx, v.ShredCitizen); n != 1 || err != nil {
			t.Fatalf("PurgeDeleted(after window) = %d, %v; want 1, nil", n, err)
		}
		if _, err := v.Get(e.ctx, id, doc.ID); err == nil {
			t.Fatalf("vault Get(after purge) read the document")
		}
		_, err = e.svc.Citizens.Get(e.ctx, id)
		wantCode(t, "Citizens.Get(purged)", err, digitalid.ENOTFOUND)
		if n := citizenRows(t, db, id); n != 0 {
			t.Errorf("%d rows of the purged citizen remain", n)
		}
		noPlaintext(t, db, phone(1))
		if n, err := e.svc.PurgeDeleted(e.ctx, v.ShredCitizen); n != 0 || err != nil {
			t.Fatalf("PurgeDeleted(again) = %d, %v; want 0, nil", n, err)
		}
		// The number is free again.
		e.signUp(phone(1))
	})
}

// TestPurgeDeletedConcurrent: two purgers (two services over one
// database, each on several connections) at once shred and delete each
// citizen exactly once.
func TestPurgeDeletedConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		const citizens = 12
		e := newEnv(t, db, nil)
		ids := map[string]bool{}
		for i := range citizens {
			ids[e.deleted(i).Citizen.ID] = true
		}
		e.clock.Advance(account.RestoreWindow + time.Hour)
		var mu sync.Mutex
		shredded := map[string]int{}
		shred := func(_ context.Context, id string) error {
			mu.Lock()
			shredded[id]++
			mu.Unlock()
			return nil
		}
		purgers := []*env{e, e.twin(db)}
		counts := make([]int, len(purgers))
		var wg sync.WaitGroup
		for i, p := range purgers {
			wg.Go(func() {
				n, err := p.svc.PurgeDeleted(e.ctx, shred)
				if err != nil {
					t.Errorf("PurgeDeleted #%d = %v", i, err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		if counts[0]+counts[1] != citizens {
			t.Errorf("PurgeDeleted counts = %v, want %d in all", counts, citizens)
		}
		for id := range ids {
			if shredded[id] != 1 {
				t.Errorf("citizen %s shredded %d times, want 1", id, shredded[id])
			}
			if n := citizenRows(t, db, id); n != 0 {
				t.Errorf("%d rows of purged citizen %s remain", n, id)
			}
		}
	})
}
