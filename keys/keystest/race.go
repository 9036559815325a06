package keystest

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/keys"
)

// recordingBackend notes which keys a Manager generated and discarded.
type recordingBackend struct {
	keys.Backend
	mu                   sync.Mutex
	generated, discarded []keys.Record
}

func (b *recordingBackend) Generate(ctx context.Context, id string, p keys.Purpose, a keys.Alg) (keys.Record, error) {
	r, err := b.Backend.Generate(ctx, id, p, a)
	if err == nil {
		b.mu.Lock()
		b.generated = append(b.generated, r)
		b.mu.Unlock()
	}
	return r, err
}

func (b *recordingBackend) Discard(ctx context.Context, r keys.Record) error {
	b.mu.Lock()
	b.discarded = append(b.discarded, r)
	b.mu.Unlock()
	return b.Backend.Discard(ctx, r)
}

// staleStore answers ActiveKeyRecord once per alg with what the database held
// a moment ago (nil: no key), as an instance that read just before another
// instance wrote would see it.
type staleStore struct {
	keys.Store
	mu    sync.Mutex
	stale map[keys.Alg]*keys.Record
}

func (s *staleStore) ActiveKeyRecord(ctx context.Context, p keys.Purpose, a keys.Alg) (keys.Record, error) {
	s.mu.Lock()
	r, ok := s.stale[a]
	delete(s.stale, a)
	s.mu.Unlock()
	switch {
	case ok && r == nil:
		return keys.Record{}, digitalid.Errorf(digitalid.ENOTFOUND, "stale read: no key yet")
	case ok:
		return *r, nil
	}
	return s.Store.ActiveKeyRecord(ctx, p, a)
}

// testRace starts several instances at once on one database, each with its
// own connection pool.
func testRace(t *testing.T, o Options, dsn string) {
	ctx := context.Background()
	const n = 4
	clock := NewClock()
	rb := &recordingBackend{Backend: o.Backend}
	ms := make([]*keys.Manager, n)
	for i := range ms {
		ms[i] = NewManager(t, testdb.Open(t, dsn), rb, clock)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = m.EnsureKeys(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: EnsureKeys = %v", i, err)
		}
	}
	db := testdb.Open(t, dsn)
	persisted := map[string]bool{}
	for _, want := range []struct {
		purpose keys.Purpose
		n       int
	}{{keys.PurposeSign, 2}, {keys.PurposeWrap, 1}} {
		rs, err := db.KeyRecords(ctx, want.purpose)
		if err != nil || len(rs) != want.n {
			t.Fatalf("KeyRecords(%s) after %d racing EnsureKeys = %d keys, %v; want %d", want.purpose, n, len(rs), err, want.n)
		}
		for _, r := range rs {
			persisted[r.ID] = true
		}
	}
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		var kids []string
		for _, m := range ms {
			s, err := m.Signer(ctx, alg)
			if err != nil {
				t.Fatalf("Signer(%s) = %v", alg, err)
			}
			kids = append(kids, s.KeyID())
		}
		if strings.Count(strings.Join(kids, " "), kids[0]) != n {
			t.Errorf("racing instances sign %s with %v, want one key", alg, kids)
		}
	}
	t.Logf("%d instances generated %d keys and discarded %d", n, len(rb.generated), len(rb.discarded))
	checkDiscarded(t, o, rb, persisted)
}

// checkDiscarded checks that every generated key was either persisted or
// discarded, and that the backend no longer holds the discarded ones.
func checkDiscarded(t *testing.T, o Options, rb *recordingBackend, persisted map[string]bool) {
	t.Helper()
	discarded := map[string]bool{}
	for _, r := range rb.discarded {
		discarded[r.ID] = true
	}
	for _, r := range rb.generated {
		if persisted[r.ID] == discarded[r.ID] {
			t.Errorf("key %s: persisted=%v, discarded=%v; want exactly one", r.ID, persisted[r.ID], discarded[r.ID])
		}
		if o.HasKey == nil {
			continue
		}
		held, err := o.HasKey(r)
		if err != nil || held != persisted[r.ID] {
			t.Errorf("backend holds key %s: %v, %v; want %v", r.ID, held, err, persisted[r.ID])
		}
	}
}

// testLostRace makes an instance lose both races deterministically: creating
// the first keys, and rotating a key another instance has just rotated.
func testLostRace(t *testing.T, o Options, dsn string) {
	ctx := context.Background()
	winner, clock := started(t, o, testdb.Open(t, dsn))
	db := testdb.Open(t, dsn)
	rb := &recordingBackend{Backend: o.Backend}
	st := &staleStore{Store: db, stale: map[keys.Alg]*keys.Record{keys.ES256: nil, keys.EdDSA: nil, keys.A256GCM: nil}}
	loser := NewManager(t, st, rb, clock)
	if err := loser.EnsureKeys(ctx); err != nil {
		t.Fatalf("EnsureKeys after a stale read = %v, want the winner's keys", err)
	}
	if len(rb.generated) != 3 || len(rb.discarded) != 3 {
		t.Errorf("losing EnsureKeys generated %d and discarded %d keys, want 3 and 3", len(rb.generated), len(rb.discarded))
	}
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		_, want := SignJWS(t, winner, alg, "w")
		if _, got := SignJWS(t, loser, alg, "l"); got != want {
			t.Errorf("loser signs %s with %s, want the winner's %s", alg, got, want)
		}
	}
	w, err := loser.Wrap(ctx, []byte("data key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := winner.Unwrap(ctx, w, nil); err != nil || !bytes.Equal(got, []byte("data key")) {
		t.Errorf("winner.Unwrap(loser.Wrap) = %q, %v", got, err)
	}

	// The loser read the active key just before the winner rotated it.
	before, err := db.ActiveKeyRecord(ctx, keys.PurposeSign, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	won, err := winner.Rotate(ctx, keys.PurposeSign, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.stale[keys.ES256] = &before
	st.mu.Unlock()
	lost, err := loser.Rotate(ctx, keys.PurposeSign, keys.ES256)
	if err != nil || lost.ID != won.ID {
		t.Errorf("losing Rotate = %s, %v; want the winner's %s", lost.ID, err, won.ID)
	}
	persisted := map[string]bool{}
	for _, p := range []keys.Purpose{keys.PurposeSign, keys.PurposeWrap} {
		rs, err := db.KeyRecords(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			persisted[r.ID] = true
		}
	}
	if len(persisted) != 4 || len(rb.discarded) != 4 {
		t.Errorf("after the lost rotation: %d keys stored, %d discarded; want 4 and 4", len(persisted), len(rb.discarded))
	}
	checkDiscarded(t, o, rb, persisted)
}

func testSecrets(t *testing.T, o Options, dsn string) {
	ctx := context.Background()
	db := testdb.Open(t, dsn)
	m1, clock := started(t, o, db)
	m2 := NewManager(t, testdb.Open(t, dsn), o.Backend, clock)
	a, err := m1.LoadOrCreateSecret(ctx, "audit-mac")
	if err != nil || len(a) != keys.SecretSize {
		t.Fatalf("LoadOrCreateSecret(audit-mac) = %d bytes, %v; want %d", len(a), err, keys.SecretSize)
	}
	if b, err := m2.LoadOrCreateSecret(ctx, "audit-mac"); err != nil || !bytes.Equal(a, b) {
		t.Errorf("another instance's LoadOrCreateSecret(audit-mac) = %x, %v; want %x", b, err, a)
	}
	if c, err := m1.LoadOrCreateSecret(ctx, "sms-outbox"); err != nil || bytes.Equal(a, c) {
		t.Errorf("LoadOrCreateSecret(sms-outbox) = %x, %v; want another secret", c, err)
	}
	stored, err := db.Secret(ctx, "audit-mac")
	if err != nil || bytes.Contains(stored.Wrapped.Ciphertext, a) {
		t.Errorf("stored secret holds the plaintext (or %v)", err)
	}
	if _, err := m1.Rotate(ctx, keys.PurposeWrap, keys.A256GCM); err != nil {
		t.Fatal(err)
	}
	m3 := NewManager(t, db, o.Backend, clock)
	if b, err := m3.LoadOrCreateSecret(ctx, "audit-mac"); err != nil || !bytes.Equal(a, b) {
		t.Errorf("LoadOrCreateSecret(audit-mac) after rotating the wrapping key = %x, %v; want %x", b, err, a)
	}

	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := []*keys.Manager{m1, m2}[i%2].LoadOrCreateSecret(ctx, "race")
			if err != nil {
				t.Errorf("concurrent LoadOrCreateSecret(race) = %v", err)
			}
			mu.Lock()
			seen[string(v)] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(seen) != 1 {
		t.Errorf("concurrent LoadOrCreateSecret(race) gave %d different secrets, want 1", len(seen))
	}

	for _, name := range []string{"", "Audit", "a/b", "-x", strings.Repeat("a", 65)} {
		if _, err := m1.LoadOrCreateSecret(ctx, name); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("LoadOrCreateSecret(%q) = %v, want EINVALID", name, err)
		}
	}
	// A row copied onto another name does not open: the name is authenticated.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE secrets SET
		key_id = (SELECT key_id FROM secrets WHERE name = 'audit-mac'),
		ciphertext = (SELECT ciphertext FROM secrets WHERE name = 'audit-mac')
		WHERE name = 'sms-outbox'`); err != nil {
		t.Fatal(err)
	}
	if _, err := m1.LoadOrCreateSecret(ctx, "sms-outbox"); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("LoadOrCreateSecret(sms-outbox) holding audit-mac's row = %v, want EINVALID", err)
	}
}
