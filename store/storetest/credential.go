package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/store"
)

// Credentials exercises every credential store method on db: status lists,
// index allocation (a taken index is reported, not stored, even under
// concurrency) and revocation by citizen, device, source document and
// validity, with each list's revision.
func Credentials(t *testing.T, db *store.DB) {
	t.Run("lists", func(t *testing.T) { credentialLists(t, db) })
	t.Run("entries", func(t *testing.T) { credentialEntries(t, db) })
	t.Run("concurrent allocation", func(t *testing.T) { credentialConcurrent(t, db) })
	t.Run("blocked devices", func(t *testing.T) { credentialBlocked(t, db) })
}

// credentialBlocked revokes the entries of blocked devices and of deleted
// or vanished accounts, and only those.
func credentialBlocked(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := db.CreateStatusList(ctx, credential.StatusList{ID: 30, Bits: 1, Size: 64, CreatedAt: credT0, UpdatedAt: credT0}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"c_blk_live", "c_blk_deleted"} {
		VaultCitizen(t, db, c)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE account_citizens SET status = 'deleted' WHERE id = 'c_blk_deleted'`)
	for i, d := range []struct{ id, citizen, blocked string }{
		{"d_ok", "c_blk_live", "NULL"}, {"d_lost", "c_blk_live", "'2026-11-23T11:00:00.000000Z'"}, {"d_del", "c_blk_deleted", "NULL"},
	} {
		exec(fmt.Sprintf(`INSERT INTO account_devices (id, citizen_id, token_hash, name_sealed, created_at, last_seen_at, blocked_at)
			VALUES ('%s', '%s', '%s', 'n', '2026-11-22T10:00:00.000000Z', '2026-11-22T10:00:00.000000Z', %s)`, d.id, d.citizen, fmt.Sprint("th", i), d.blocked))
	}
	if _, err := db.RevokeBlocked(ctx, credT0); err != nil { // the entries of earlier subtests have no accounts
		t.Fatal(err)
	}
	if _, err := db.InsertStatusEntries(ctx, []credential.StatusEntry{
		entry(30, 1, "c_blk_live", "d_ok", "doc", time.Time{}),
		entry(30, 2, "c_blk_live", "d_lost", "doc", time.Time{}),
		entry(30, 3, "c_blk_deleted", "d_del", "doc", time.Time{}),
		entry(30, 4, "c_blk_gone", "d_gone", "doc", time.Time{}),
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.RevokeBlocked(ctx, credT0); err != nil || n != 3 {
		t.Fatalf("RevokeBlocked = %d, %v; want 3", n, err)
	}
	if got, _ := db.RevokedIndexes(ctx, 30); !slices.Equal(got, []int{2, 3, 4}) {
		t.Errorf("RevokedIndexes after RevokeBlocked = %v, want [2 3 4]", got)
	}
	if n, err := db.RevokeBlocked(ctx, credT0); err != nil || n != 0 {
		t.Errorf("RevokeBlocked again = %d, %v; want 0", n, err)
	}
	if l, _ := db.StatusList(ctx, 30); l.Revision != 1 {
		t.Errorf("revision after RevokeBlocked = %d, want 1", l.Revision)
	}
}

var credT0 = time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)

func credentialLists(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.LatestStatusList(ctx); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Fatalf("LatestStatusList(empty) = %v, want ENOTFOUND", err)
	}
	for id := int64(1); id <= 2; id++ {
		l := credential.StatusList{ID: id, Bits: 1, Size: 1024, CreatedAt: credT0, UpdatedAt: credT0}
		if err := db.CreateStatusList(ctx, l); err != nil {
			t.Fatalf("CreateStatusList(%d): %v", id, err)
		}
	}
	if err := db.CreateStatusList(ctx, credential.StatusList{ID: 2, Bits: 1, Size: 8, CreatedAt: credT0, UpdatedAt: credT0}); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
		t.Errorf("CreateStatusList(taken id) = %v, want ECONFLICT", err)
	}
	want := credential.StatusList{ID: 2, Bits: 1, Size: 1024, CreatedAt: credT0, UpdatedAt: credT0}
	if got, err := db.LatestStatusList(ctx); err != nil || got != want {
		t.Errorf("LatestStatusList = %+v, %v; want %+v", got, err, want)
	}
	if got, err := db.StatusList(ctx, 2); err != nil || got != want {
		t.Errorf("StatusList(2) = %+v, %v; want %+v", got, err, want)
	}
	if _, err := db.StatusList(ctx, 99); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("StatusList(99) = %v, want ENOTFOUND", err)
	}
}

func entry(list int64, idx int, citizen, device, doc string, validUntil time.Time) credential.StatusEntry {
	return credential.StatusEntry{ListID: list, Idx: idx, CitizenID: citizen, DeviceID: device, SourceDocID: doc,
		Type: credential.AgeOver18, IssuedAt: credT0, ExpiresAt: credT0.Add(30 * 24 * time.Hour), ValidUntil: validUntil}
}

func credentialEntries(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := db.CreateStatusList(ctx, credential.StatusList{ID: 10, Bits: 1, Size: 64, CreatedAt: credT0, UpdatedAt: credT0}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateStatusList(ctx, credential.StatusList{ID: 11, Bits: 1, Size: 64, CreatedAt: credT0, UpdatedAt: credT0}); err != nil {
		t.Fatal(err)
	}
	soon := credT0.Add(time.Hour)
	taken, err := db.InsertStatusEntries(ctx, []credential.StatusEntry{
		entry(10, 1, "c_a", "d_a1", "doc_a", time.Time{}),
		entry(10, 2, "c_a", "d_a2", "doc_a", soon),
		entry(11, 1, "c_a", "d_a1", "doc_b", time.Time{}),
		entry(10, 3, "c_b", "d_b1", "doc_c", soon.Add(time.Hour)),
	})
	if err != nil || slices.Contains(taken, true) {
		t.Fatalf("InsertStatusEntries = %v, %v; want none taken", taken, err)
	}
	taken, err = db.InsertStatusEntries(ctx, []credential.StatusEntry{entry(10, 2, "c_x", "d_x", "doc_x", time.Time{}), entry(10, 4, "c_b", "d_b1", "doc_c", time.Time{})})
	if err != nil || !slices.Equal(taken, []bool{true, false}) {
		t.Fatalf("InsertStatusEntries(one taken) = %v, %v; want [true false]", taken, err)
	}
	if _, err := db.InsertStatusEntries(ctx, []credential.StatusEntry{entry(99, 1, "c_a", "d", "doc", time.Time{})}); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("InsertStatusEntries(unknown list) = %v, want ENOTFOUND", err)
	}
	for _, c := range []struct {
		device string
		at     time.Time
		want   int
	}{
		{"d_a1", credT0, 2}, {"d_b1", credT0, 2}, {"d_b1", credT0.Add(30 * 24 * time.Hour), 0}, {"d_none", credT0, 0},
	} {
		if n, err := db.CountLive(ctx, c.device, credential.AgeOver18, c.at); err != nil || n != c.want {
			t.Errorf("CountLive(%s, %v) = %d, %v; want %d", c.device, c.at, n, err, c.want)
		}
	}
	if n, _ := db.CountLive(ctx, "d_b1", credential.Student, credT0); n != 0 {
		t.Errorf("CountLive(student) = %d, want 0", n)
	}
	if l, _ := db.StatusList(ctx, 10); l.Allocated != 4 || l.Revision != 0 {
		t.Errorf("list 10 after inserts = %+v, want 4 allocated, revision 0", l)
	}
	if _, err := db.RevokeStatusEntries(ctx, credential.RevokeFilter{}, credT0); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("RevokeStatusEntries(empty filter) = %v, want EINVALID", err)
	}
	at := credT0.Add(time.Minute)
	steps := []struct {
		name    string
		f       credential.RevokeFilter
		n       int64
		revoked map[int64][]int
		rev     map[int64]int64
	}{
		{"device", credential.RevokeFilter{CitizenID: "c_a", DeviceID: "d_a2"}, 1, map[int64][]int{10: {2}, 11: nil}, map[int64]int64{10: 1, 11: 0}},
		{"device again", credential.RevokeFilter{CitizenID: "c_a", DeviceID: "d_a2"}, 0, map[int64][]int{10: {2}}, map[int64]int64{10: 1}},
		{"other citizen's device id", credential.RevokeFilter{CitizenID: "c_b", DeviceID: "d_a1"}, 0, map[int64][]int{10: {2}}, map[int64]int64{10: 1}},
		{"document", credential.RevokeFilter{CitizenID: "c_a", SourceDocID: "doc_b"}, 1, map[int64][]int{10: {2}, 11: {1}}, map[int64]int64{10: 1, 11: 1}},
		{"validity", credential.RevokeFilter{ValidBefore: soon.Add(time.Hour)}, 1, map[int64][]int{10: {2, 3}}, map[int64]int64{10: 2, 11: 1}},
		{"citizen", credential.RevokeFilter{CitizenID: "c_a"}, 1, map[int64][]int{10: {1, 2, 3}}, map[int64]int64{10: 3, 11: 1}},
	}
	for _, s := range steps {
		n, err := db.RevokeStatusEntries(ctx, s.f, at)
		if err != nil || n != s.n {
			t.Fatalf("%s: RevokeStatusEntries = %d, %v; want %d", s.name, n, err, s.n)
		}
		for list, want := range s.revoked {
			if got, err := db.RevokedIndexes(ctx, list); err != nil || !slices.Equal(got, want) {
				t.Errorf("%s: RevokedIndexes(%d) = %v, %v; want %v", s.name, list, got, err, want)
			}
		}
		for list, want := range s.rev {
			if l, err := db.StatusList(ctx, list); err != nil || l.Revision != want {
				t.Errorf("%s: list %d revision = %d, %v; want %d", s.name, list, l.Revision, err, want)
			} else if want > 0 && !l.UpdatedAt.Equal(at) {
				t.Errorf("%s: list %d UpdatedAt = %v, want %v", s.name, list, l.UpdatedAt, at)
			}
		}
	}
}

// credentialConcurrent allocates the same indexes from several goroutines:
// each index goes to exactly one of them.
func credentialConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := db.CreateStatusList(ctx, credential.StatusList{ID: 20, Bits: 1, Size: 64, CreatedAt: credT0, UpdatedAt: credT0}); err != nil {
		t.Fatal(err)
	}
	const workers, per = 4, 16
	var wg sync.WaitGroup
	won := make([][]int, workers)
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			es := make([]credential.StatusEntry, per)
			for i := range es {
				es[i] = entry(20, i, fmt.Sprintf("c_%d", w), "d", "doc", time.Time{})
			}
			taken, err := db.InsertStatusEntries(ctx, es)
			errs[w] = err
			for i, tk := range taken {
				if !tk {
					won[w] = append(won[w], i)
				}
			}
		}()
	}
	wg.Wait()
	var all []int
	for w := range workers {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		all = append(all, won[w]...)
	}
	slices.Sort(all)
	if len(all) != per || len(slices.Compact(all)) != per {
		t.Errorf("indexes won = %v, want each of 0..%d once", all, per-1)
	}
	if l, _ := db.StatusList(ctx, 20); l.Allocated != per {
		t.Errorf("Allocated = %d, want %d", l.Allocated, per)
	}
}
