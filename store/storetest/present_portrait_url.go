package storetest

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/store"
)

// PresentPortraitURL exercises the portrait links of online checks on db:
// bound to one verifier, expiring, a bounded number of reads (exact under
// concurrency), and their purge.
func PresentPortraitURL(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "portrayed")
	hash := sha256.Sum256([]byte("token-1"))
	g := present.PortraitGrant{Hash: hash[:], HandleID: "h1", CitizenID: c.ID, VerifierID: "va", Purpose: "age_over_18",
		CreatedAt: presentT0, ExpiresAt: presentT0.Add(2 * time.Minute)}
	if err := db.CreatePortraitGrant(ctx, g); err != nil {
		t.Fatalf("CreatePortraitGrant = %v", err)
	}
	other := sha256.Sum256([]byte("token-2"))
	wantErrCode(t, "CreatePortraitGrant(unknown citizen)", db.CreatePortraitGrant(ctx,
		present.PortraitGrant{Hash: other[:], HandleID: "h2", CitizenID: "c_nobody", VerifierID: "va", Purpose: "age_over_18",
			CreatedAt: presentT0, ExpiresAt: presentT0.Add(time.Minute)}), digitalid.ENOTFOUND)

	at := presentT0.Add(time.Minute)
	_, err := db.ReadPortraitGrant(ctx, hash[:], "vb", at, 3)
	wantErrCode(t, "ReadPortraitGrant(another verifier)", err, digitalid.ENOTFOUND)
	_, err = db.ReadPortraitGrant(ctx, other[:], "va", at, 3)
	wantErrCode(t, "ReadPortraitGrant(unknown)", err, digitalid.ENOTFOUND)
	got, err := db.ReadPortraitGrant(ctx, hash[:], "va", at, 3)
	if err != nil || got.Reads != 1 || got.CitizenID != c.ID || got.HandleID != "h1" || got.Purpose != "age_over_18" ||
		!got.CreatedAt.Equal(presentT0) || !got.ExpiresAt.Equal(g.ExpiresAt) {
		t.Fatalf("ReadPortraitGrant = %+v, %v; want the first read of %+v", got, err, g)
	}
	_, err = db.ReadPortraitGrant(ctx, hash[:], "va", g.ExpiresAt, 3)
	wantErrCode(t, "ReadPortraitGrant(at expiry)", err, digitalid.ENOTFOUND)

	// Concurrent reads: exactly maxReads succeed in all.
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.ReadPortraitGrant(ctx, hash[:], "va", at, 3); err == nil {
				ok.Add(1)
			} else if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
				t.Errorf("ReadPortraitGrant(concurrent) = %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 2 {
		t.Errorf("%d concurrent reads succeeded after the first, want 2", ok.Load())
	}

	n, err := db.PurgePortraitGrants(ctx, g.ExpiresAt)
	if err != nil || n != 0 {
		t.Errorf("PurgePortraitGrants(at expiry) = %d, %v; want 0", n, err)
	}
	n, err = db.PurgePortraitGrants(ctx, g.ExpiresAt.Add(time.Microsecond))
	if err != nil || n != 1 {
		t.Errorf("PurgePortraitGrants(after) = %d, %v; want 1", n, err)
	}
}
