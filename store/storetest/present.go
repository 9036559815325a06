package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/store"
)

// Present exercises every present store method on db: the verifier
// registry, staff sessions, and the single use of online handles (exact
// under concurrency) with their purge.
func Present(t *testing.T, db *store.DB) {
	t.Run("verifiers", func(t *testing.T) { presentVerifiers(t, db) })
	t.Run("sessions", func(t *testing.T) { presentSessions(t, db) })
	t.Run("handles", func(t *testing.T) { presentHandles(t, db) })
	t.Run("concurrent redeem", func(t *testing.T) { presentConcurrentRedeem(t, db) })
}

var presentT0 = time.Date(2026, 5, 1, 9, 0, 0, 250000, time.UTC)

func testVerifier(id string) present.Verifier {
	return present.Verifier{ID: id, Name: "Shop " + id, Purposes: []string{"age_over_18", "student"},
		Status: present.StatusActive, CreatedAt: presentT0}
}

func mustVerifier(t *testing.T, db *store.DB, id string) present.Verifier {
	t.Helper()
	v := testVerifier(id)
	if err := db.CreateVerifier(context.Background(), v, []byte("hash-"+id)); err != nil {
		t.Fatalf("CreateVerifier(%s) = %v", id, err)
	}
	return v
}

func presentVerifiers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	v := mustVerifier(t, db, "vb")
	mustVerifier(t, db, "va")
	wantErrCode(t, "CreateVerifier(duplicate)", db.CreateVerifier(ctx, v, []byte("x")), digitalid.ECONFLICT)
	got, hash, err := db.Verifier(ctx, "vb")
	if err != nil {
		t.Fatalf("Verifier(vb) = %v", err)
	}
	if got.Name != v.Name || !slices.Equal(got.Purposes, v.Purposes) || got.Status != present.StatusActive ||
		!got.CreatedAt.Equal(presentT0) || !got.DisabledAt.IsZero() || !got.RotatedAt.IsZero() || string(hash) != "hash-vb" {
		t.Errorf("Verifier(vb) = %+v %q, want %+v", got, hash, v)
	}
	_, _, err = db.Verifier(ctx, "nobody")
	wantErrCode(t, "Verifier(nobody)", err, digitalid.ENOTFOUND)
	all, err := db.Verifiers(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "va" || all[1].ID != "vb" {
		t.Fatalf("Verifiers() = %+v, %v; want va, vb", all, err)
	}

	at := presentT0.Add(time.Hour)
	if err := db.SetVerifierSecret(ctx, "vb", []byte("new"), at); err != nil {
		t.Fatalf("SetVerifierSecret(vb) = %v", err)
	}
	got, hash, _ = db.Verifier(ctx, "vb")
	if string(hash) != "new" || !got.RotatedAt.Equal(at) {
		t.Errorf("after SetVerifierSecret: hash %q rotated %v", hash, got.RotatedAt)
	}
	wantErrCode(t, "SetVerifierSecret(nobody)", db.SetVerifierSecret(ctx, "nobody", []byte("x"), at), digitalid.ENOTFOUND)
	for _, when := range []time.Time{at, at.Add(time.Hour)} { // the second keeps the first time
		if err := db.DisableVerifier(ctx, "vb", when); err != nil {
			t.Fatalf("DisableVerifier(vb) = %v", err)
		}
	}
	got, _, _ = db.Verifier(ctx, "vb")
	if got.Status != present.StatusDisabled || !got.DisabledAt.Equal(at) {
		t.Errorf("after DisableVerifier: %s at %v, want disabled at %v", got.Status, got.DisabledAt, at)
	}
	wantErrCode(t, "DisableVerifier(nobody)", db.DisableVerifier(ctx, "nobody", at), digitalid.ENOTFOUND)
}

func presentSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	mustVerifier(t, db, "vs")
	mustVerifier(t, db, "vs2")
	mk := func(token, verifier string) present.VerifierSession {
		h := sha256.Sum256([]byte(token))
		s := present.VerifierSession{TokenHash: h[:], VerifierID: verifier, CreatedAt: presentT0, ExpiresAt: presentT0.Add(time.Hour)}
		if err := db.CreateVerifierSession(ctx, s); err != nil {
			t.Fatalf("CreateVerifierSession(%s) = %v", token, err)
		}
		return s
	}
	s1, s2, s3 := mk("one", "vs"), mk("two", "vs"), mk("three", "vs2")
	h := sha256.Sum256([]byte("x"))
	wantErrCode(t, "CreateVerifierSession(unknown verifier)",
		db.CreateVerifierSession(ctx, present.VerifierSession{TokenHash: h[:], VerifierID: "nobody", CreatedAt: presentT0, ExpiresAt: presentT0}), digitalid.ENOTFOUND)
	got, err := db.VerifierSession(ctx, s1.TokenHash, presentT0.Add(time.Minute))
	if err != nil || got.VerifierID != "vs" || !got.ExpiresAt.Equal(s1.ExpiresAt) || !got.CreatedAt.Equal(presentT0) {
		t.Errorf("VerifierSession(one) = %+v, %v", got, err)
	}
	_, err = db.VerifierSession(ctx, s1.TokenHash, s1.ExpiresAt)
	wantErrCode(t, "VerifierSession(expired)", err, digitalid.ENOTFOUND)
	if err := db.DeleteVerifierSession(ctx, s1.TokenHash); err != nil {
		t.Fatalf("DeleteVerifierSession = %v", err)
	}
	_, err = db.VerifierSession(ctx, s1.TokenHash, presentT0)
	wantErrCode(t, "VerifierSession(deleted)", err, digitalid.ENOTFOUND)
	// Rotating the secret ends the verifier's sessions, not others'.
	if err := db.SetVerifierSecret(ctx, "vs", []byte("n"), presentT0); err != nil {
		t.Fatal(err)
	}
	_, err = db.VerifierSession(ctx, s2.TokenHash, presentT0)
	wantErrCode(t, "VerifierSession(after rotation)", err, digitalid.ENOTFOUND)
	if _, err := db.VerifierSession(ctx, s3.TokenHash, presentT0); err != nil {
		t.Errorf("VerifierSession(other verifier) = %v", err)
	}
	if err := db.DisableVerifier(ctx, "vs2", presentT0); err != nil {
		t.Fatal(err)
	}
	_, err = db.VerifierSession(ctx, s3.TokenHash, presentT0)
	wantErrCode(t, "VerifierSession(after disable)", err, digitalid.ENOTFOUND)
}

func testHandle(citizenID, id string, at time.Time) present.Handle {
	h := sha256.Sum256([]byte(id))
	return present.Handle{Hash: h[:], ID: id, CitizenID: citizenID, SessionID: "s_" + id, DeviceID: "d_" + id,
		Purpose: "age_over_18", CreatedAt: at, ExpiresAt: at.Add(30 * time.Second)}
}

func presentHandles(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "presenter")
	mustVerifier(t, db, "vh")
	h := testHandle(c.ID, "h1", presentT0)
	if err := db.CreateHandle(ctx, h); err != nil {
		t.Fatalf("CreateHandle = %v", err)
	}
	wantErrCode(t, "CreateHandle(duplicate)", db.CreateHandle(ctx, h), digitalid.ECONFLICT)
	wantErrCode(t, "CreateHandle(unknown citizen)", db.CreateHandle(ctx, testHandle("c_nobody", "h9", presentT0)), digitalid.ENOTFOUND)
	_, _, err := db.RedeemHandle(ctx, []byte("unknown"), "vh", presentT0)
	wantErrCode(t, "RedeemHandle(unknown)", err, digitalid.ENOTFOUND)

	at := presentT0.Add(10 * time.Second)
	got, ok, err := db.RedeemHandle(ctx, h.Hash, "vh", at)
	if err != nil || !ok || got.ID != "h1" || got.CitizenID != c.ID || got.SessionID != "s_h1" || got.DeviceID != "d_h1" ||
		got.Purpose != "age_over_18" || !got.CreatedAt.Equal(presentT0) || !got.ExpiresAt.Equal(h.ExpiresAt) || !bytes.Equal(got.Hash, h.Hash) {
		t.Fatalf("RedeemHandle = %+v, %v, %v; want h1 redeemed", got, ok, err)
	}
	got, ok, err = db.RedeemHandle(ctx, h.Hash, "vh", at.Add(time.Second))
	if err != nil || ok || !got.UsedAt.Equal(at) || got.UsedBy != "vh" {
		t.Errorf("RedeemHandle(again) = %+v, %v, %v; want used at %v by vh", got, ok, err, at)
	}
	// Expiry: not redeemed at or after ExpiresAt, and left unused.
	h2 := testHandle(c.ID, "h2", presentT0)
	if err := db.CreateHandle(ctx, h2); err != nil {
		t.Fatal(err)
	}
	got, ok, err = db.RedeemHandle(ctx, h2.Hash, "vh", h2.ExpiresAt)
	if err != nil || ok || !got.UsedAt.IsZero() {
		t.Errorf("RedeemHandle(expired) = %+v, %v, %v; want not redeemed and unused", got, ok, err)
	}
	// Purge keeps handles until before.
	n, err := db.PurgePresent(ctx, presentT0, presentT0)
	if err != nil || n != 0 {
		t.Errorf("PurgePresent(early) = %d, %v; want 0", n, err)
	}
	n, err = db.PurgePresent(ctx, presentT0, presentT0.Add(time.Hour))
	if err != nil || n != 2 {
		t.Errorf("PurgePresent = %d, %v; want 2", n, err)
	}
	_, _, err = db.RedeemHandle(ctx, h2.Hash, "vh", presentT0)
	wantErrCode(t, "RedeemHandle(purged)", err, digitalid.ENOTFOUND)
}

// presentConcurrentRedeem: 50 redeems of one handle at once, over the
// pool: exactly one wins.
func presentConcurrentRedeem(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "racer")
	mustVerifier(t, db, "vr")
	h := testHandle(c.ID, "race", presentT0)
	if err := db.CreateHandle(ctx, h); err != nil {
		t.Fatal(err)
	}
	var wins, losses atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, ok, err := db.RedeemHandle(ctx, h.Hash, "vr", presentT0.Add(time.Second))
			switch {
			case err != nil:
				errs <- err
			case ok:
				wins.Add(1)
			default:
				losses.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("RedeemHandle = %v", err)
	}
	if wins.Load() != 1 || losses.Load() != 49 {
		t.Errorf("50 concurrent RedeemHandle: %d redeemed, %d refused; want 1 and 49", wins.Load(), losses.Load())
	}
}
