// Package storetest is the storage conformance suite: one exported function
// per domain exercises every store method of that domain, and store's tests
// run each on SQLite and on PostgreSQL (testdb.Each).
package storetest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/store"
)

// Keys exercises every keys method of the store: activating a first key and
// a rotation in one transaction, the one-active-key rule under concurrent
// writers, reads by id, by (purpose, alg) and by purpose, and wrapped secrets
// with their insert-if-absent race.
func Keys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(id string, purpose keys.Purpose, alg keys.Alg, at time.Time) keys.Record {
		r := keys.Record{Key: keys.Key{ID: id, Purpose: purpose, Alg: alg, Backend: "file", State: keys.StateActive, CreatedAt: at}}
		switch alg {
		case keys.ES256:
			r.Public = &ec.PublicKey
			r.Sealed = []byte("sealed-" + id)
		case keys.EdDSA:
			r.Public = edPub
			r.Backend, r.HSMLabel, r.HSMID = "pkcs11", "digitalid-"+id, []byte(id)
		default:
			r.Sealed = []byte{0, 1, 2, 0xff}
		}
		return r
	}

	es1 := rec("es-1", keys.PurposeSign, keys.ES256, t0)
	ed1 := rec("ed-1", keys.PurposeSign, keys.EdDSA, t0.Add(time.Second))
	wr1 := rec("wr-1", keys.PurposeWrap, keys.A256GCM, t0.Add(2*time.Second))
	for _, r := range []keys.Record{es1, ed1, wr1} {
		if err := db.ActivateKey(ctx, r, keys.Retirement{}); err != nil {
			t.Fatalf("ActivateKey(%s) = %v", r.ID, err)
		}
		wantKey(t, db, r)
		got, err := db.ActiveKeyRecord(ctx, r.Purpose, r.Alg)
		if err != nil || got.ID != r.ID {
			t.Fatalf("ActiveKeyRecord(%s, %s) = %s, %v; want %s", r.Purpose, r.Alg, got.ID, err, r.ID)
		}
	}

	t.Run("errors", func(t *testing.T) {
		retired := es1
		retired.ID, retired.State, retired.RetiredAt = "es-x", keys.StateRetired, t0
		tests := []struct {
			name string
			r    keys.Record
			prev keys.Retirement
			code string
		}{
			{"second active key", rec("es-2", keys.PurposeSign, keys.ES256, t0), keys.Retirement{}, digitalid.ECONFLICT},
			{"duplicate id", rec("es-1", keys.PurposeSign, keys.EdDSA, t0), keys.Retirement{}, digitalid.ECONFLICT},
			{"retire unknown key", rec("es-3", keys.PurposeSign, keys.ES256, t0), keys.Retirement{ID: "nope", At: t0}, digitalid.ECONFLICT},
			{"retire key of another alg", rec("es-4", keys.PurposeSign, keys.ES256, t0), keys.Retirement{ID: "ed-1", At: t0}, digitalid.ECONFLICT},
			{"no id", rec("", keys.PurposeSign, keys.ES256, t0), keys.Retirement{}, digitalid.EINVALID},
			{"not active", retired, keys.Retirement{}, digitalid.EINVALID},
			{"no creation time", rec("es-5", keys.PurposeSign, keys.ES256, time.Time{}), keys.Retirement{}, digitalid.EINVALID},
		}
		for _, tt := range tests {
			err := db.ActivateKey(ctx, tt.r, tt.prev)
			if got := digitalid.ErrorCode(err); got != tt.code {
				t.Errorf("%s: ActivateKey(%s) = %v, want code %s", tt.name, tt.r.ID, err, tt.code)
			}
		}
		for _, id := range []string{"es-2", "es-3", "es-4", "nope"} {
			if _, err := db.KeyRecord(ctx, id); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
				t.Errorf("KeyRecord(%s) after a failed ActivateKey = %v, want ENOTFOUND", id, err)
			}
		}
		// The failed attempt to retire ed-1 changed nothing.
		wantKey(t, db, ed1)
		if _, err := db.ActiveKeyRecord(ctx, keys.PurposeSign, "RS256"); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("ActiveKeyRecord(sign, RS256) = %v, want ENOTFOUND", err)
		}
	})

	t.Run("rotate", func(t *testing.T) {
		at, exp := t0.Add(time.Hour), t0.Add(31*24*time.Hour)
		es2 := rec("es-r2", keys.PurposeSign, keys.ES256, at)
		if err := db.ActivateKey(ctx, es2, keys.Retirement{ID: es1.ID, At: at, ExpiresAt: exp}); err != nil {
			t.Fatalf("ActivateKey(%s, retiring %s) = %v", es2.ID, es1.ID, err)
		}
		old := es1
		old.State, old.RetiredAt, old.ExpiresAt = keys.StateRetired, at, exp
		wantKey(t, db, old)
		wantKey(t, db, es2)
		// Retiring es-1 again (a stale instance) must fail and insert nothing.
		stale := rec("es-r3", keys.PurposeSign, keys.ES256, at)
		if err := db.ActivateKey(ctx, stale, keys.Retirement{ID: es1.ID, At: at}); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			t.Fatalf("ActivateKey(%s, retiring already retired %s) = %v, want ECONFLICT", stale.ID, es1.ID, err)
		}
		if _, err := db.KeyRecord(ctx, stale.ID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("KeyRecord(%s) after the conflict = %v, want ENOTFOUND", stale.ID, err)
		}
		// A wrapping key retires without an expiry.
		wr2 := rec("wr-r2", keys.PurposeWrap, keys.A256GCM, at)
		if err := db.ActivateKey(ctx, wr2, keys.Retirement{ID: wr1.ID, At: at}); err != nil {
			t.Fatalf("ActivateKey(%s, retiring %s) = %v", wr2.ID, wr1.ID, err)
		}
		oldWrap := wr1
		oldWrap.State, oldWrap.RetiredAt = keys.StateRetired, at
		wantKey(t, db, oldWrap)

		wantIDs(t, db, keys.PurposeSign, "es-r2", "ed-1", "es-1")
		wantIDs(t, db, keys.PurposeWrap, "wr-r2", "wr-1")
	})

	t.Run("race", func(t *testing.T) {
		const n = 8
		// n writers create the first key of a fresh (purpose, alg) at once,
		// then n writers rotate it away at once: one of each wins.
		wins, err := race(n, func(i int) error {
			return db.ActivateKey(ctx, rec(fmt.Sprintf("race-a%d", i), keys.PurposeSign, "RACE", t0), keys.Retirement{})
		})
		if wins != 1 || err != nil {
			t.Fatalf("%d concurrent first ActivateKey calls: %d won, error %v; want 1 and the rest ECONFLICT", n, wins, err)
		}
		first, err := db.ActiveKeyRecord(ctx, keys.PurposeSign, "RACE")
		if err != nil {
			t.Fatalf("ActiveKeyRecord(sign, RACE) = %v", err)
		}
		wins, err = race(n, func(i int) error {
			r := rec(fmt.Sprintf("race-b%d", i), keys.PurposeSign, "RACE", t0.Add(time.Minute))
			return db.ActivateKey(ctx, r, keys.Retirement{ID: first.ID, At: t0.Add(time.Minute)})
		})
		if wins != 1 || err != nil {
			t.Fatalf("%d concurrent rotations of %s: %d won, error %v; want 1 and the rest ECONFLICT", n, first.ID, wins, err)
		}
		active := 0
		rs, err := db.KeyRecords(ctx, keys.PurposeSign)
		if err != nil {
			t.Fatalf("KeyRecords(sign) = %v", err)
		}
		for _, r := range rs {
			if r.Alg == "RACE" && r.State == keys.StateActive {
				active++
			}
		}
		if active != 1 || len(rs) != 3+2 {
			t.Errorf("after the races: %d active RACE keys and %d signing keys, want 1 and 5", active, len(rs))
		}
	})

	t.Run("secrets", func(t *testing.T) {
		if _, err := db.Secret(ctx, "audit-mac"); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Fatalf("Secret(audit-mac) before creation = %v, want ENOTFOUND", err)
		}
		s := keys.Secret{Name: "audit-mac", Wrapped: keys.Wrapped{KeyID: "wr-1", Ciphertext: []byte{1, 0, 2, 0xfe}}, CreatedAt: t0}
		got, err := db.CreateSecret(ctx, s)
		if err != nil || !sameSecret(got, s) {
			t.Fatalf("CreateSecret(%s) = %+v, %v; want %+v", s.Name, got, err, s)
		}
		later := s
		later.Wrapped.Ciphertext, later.CreatedAt = []byte("another"), t0.Add(time.Hour)
		if got, err := db.CreateSecret(ctx, later); err != nil || !sameSecret(got, s) {
			t.Errorf("CreateSecret(%s) again = %+v, %v; want the first %+v", s.Name, got, err, s)
		}
		if got, err := db.Secret(ctx, s.Name); err != nil || !sameSecret(got, s) {
			t.Errorf("Secret(%s) = %+v, %v; want %+v", s.Name, got, err, s)
		}
		if _, err := db.CreateSecret(ctx, keys.Secret{Name: "x", Wrapped: keys.Wrapped{KeyID: "no-such-key", Ciphertext: []byte{1}}, CreatedAt: t0}); err == nil {
			t.Error("CreateSecret naming an unknown key = nil, want an error")
		}
		if _, err := db.CreateSecret(ctx, keys.Secret{Name: "y", Wrapped: keys.Wrapped{KeyID: "wr-1"}, CreatedAt: t0}); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("CreateSecret without ciphertext = %v, want EINVALID", err)
		}
		var mu sync.Mutex
		seen := map[string]bool{}
		_, _ = race(8, func(i int) error {
			got, err := db.CreateSecret(ctx, keys.Secret{Name: "sms-outbox", CreatedAt: t0,
				Wrapped: keys.Wrapped{KeyID: "wr-1", Ciphertext: []byte(fmt.Sprint("ct-", i))}})
			if err != nil {
				t.Errorf("concurrent CreateSecret(sms-outbox) = %v", err)
				return err
			}
			mu.Lock()
			seen[string(got.Wrapped.Ciphertext)] = true
			mu.Unlock()
			return nil
		})
		if len(seen) != 1 {
			t.Errorf("concurrent CreateSecret(sms-outbox) returned %d different secrets, want 1", len(seen))
		}
	})
}

// race runs fn(0..n-1) at once and counts the calls that returned nil; the
// others must fail with ECONFLICT, or race returns the first other error.
func race(n int, fn func(i int) error) (int, error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch digitalid.ErrorCode(err) {
		case "":
			wins++
		case digitalid.ECONFLICT:
		default:
			return wins, err
		}
	}
	return wins, nil
}

func wantKey(t *testing.T, db *store.DB, want keys.Record) {
	t.Helper()
	got, err := db.KeyRecord(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("KeyRecord(%s) = %v", want.ID, err)
	}
	samePublic := (got.Public == nil && want.Public == nil) ||
		(got.Public != nil && got.Public.(interface{ Equal(crypto.PublicKey) bool }).Equal(want.Public))
	same := samePublic && got.ID == want.ID && got.Purpose == want.Purpose && got.Alg == want.Alg &&
		got.Backend == want.Backend && got.State == want.State && got.HSMLabel == want.HSMLabel &&
		bytes.Equal(got.Sealed, want.Sealed) && bytes.Equal(got.HSMID, want.HSMID) &&
		got.CreatedAt.Equal(want.CreatedAt) && got.RetiredAt.Equal(want.RetiredAt) && got.ExpiresAt.Equal(want.ExpiresAt)
	if !same {
		t.Errorf("KeyRecord(%s) = %+v\nwant %+v", want.ID, got, want)
	}
}

func wantIDs(t *testing.T, db *store.DB, purpose keys.Purpose, want ...string) {
	t.Helper()
	rs, err := db.KeyRecords(context.Background(), purpose)
	if err != nil {
		t.Fatalf("KeyRecords(%s) = %v", purpose, err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("KeyRecords(%s) = %v, want %v (newest first)", purpose, got, want)
	}
}

func sameSecret(a, b keys.Secret) bool {
	return a.Name == b.Name && a.Wrapped.KeyID == b.Wrapped.KeyID &&
		bytes.Equal(a.Wrapped.Ciphertext, b.Wrapped.Ciphertext) && a.CreatedAt.Equal(b.CreatedAt)
}
