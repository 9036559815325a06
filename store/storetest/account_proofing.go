package storetest

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/store"
)

// Proofing exercises the account.ProofingStore and ProofingReviewStore
// methods on db: single-use challenges (exactly one of concurrent uses
// wins), the review queue (order, status filter, limit) and its decisions
// (exactly one of concurrent decisions wins), and purging challenges.
func Proofing(t *testing.T, db *store.DB) {
	t.Run("challenges", func(t *testing.T) { proofingChallenges(t, db) })
	t.Run("reviews", func(t *testing.T) { proofingReviews(t, db) })
}

func proofingChallenges(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "proof-ch")
	ch := account.ChallengeRecord{Hash: []byte("hash-proof-1"), CitizenID: c.ID, SessionID: "s_proof", Purpose: account.PurposeVideo,
		CreatedAt: accountT0, ExpiresAt: accountT0.Add(account.ChallengeTTL)}
	if err := db.CreateProofingChallenge(ctx, ch); err != nil {
		t.Fatalf("CreateProofingChallenge = %v", err)
	}
	wantErrCode(t, "CreateProofingChallenge(same hash)", db.CreateProofingChallenge(ctx, ch), digitalid.ECONFLICT)
	orphan := ch
	orphan.Hash, orphan.CitizenID = []byte("hash-orphan"), "c_nobody"
	wantErrCode(t, "CreateProofingChallenge(unknown citizen)", db.CreateProofingChallenge(ctx, orphan), digitalid.ENOTFOUND)

	at := accountT0.Add(time.Minute)
	var wins atomic.Int64
	var got account.ChallengeRecord
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			r, err := db.UseProofingChallenge(ctx, ch.Hash, at)
			switch digitalid.ErrorCode(err) {
			case "":
				wins.Add(1)
				got = r
			case digitalid.ENOTFOUND:
			default:
				t.Errorf("UseProofingChallenge = %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("8 concurrent UseProofingChallenge: %d succeeded, want 1", wins.Load())
	}
	if got.CitizenID != c.ID || got.SessionID != "s_proof" || got.Purpose != account.PurposeVideo ||
		!got.CreatedAt.Equal(ch.CreatedAt) || !got.ExpiresAt.Equal(ch.ExpiresAt) || !got.UsedAt.Equal(at) || !bytes.Equal(got.Hash, ch.Hash) {
		t.Errorf("UseProofingChallenge = %+v, want %+v used at %v", got, ch, at)
	}
	_, err := db.UseProofingChallenge(ctx, []byte("hash-unknown"), at)
	wantErrCode(t, "UseProofingChallenge(unknown)", err, digitalid.ENOTFOUND)

	late := ch
	late.Hash, late.ExpiresAt = []byte("hash-proof-late"), accountT0.Add(3*time.Hour)
	if err := db.CreateProofingChallenge(ctx, late); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeProofingChallenges(ctx, accountT0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Errorf("PurgeProofingChallenges = %d, %v; want 1 (the expired one)", n, err)
	}
	if _, err := db.UseProofingChallenge(ctx, late.Hash, at); err != nil {
		t.Errorf("UseProofingChallenge(kept by the purge) = %v", err)
	}
}

func proofingReviews(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "proof-rv")
	for i, at := range []time.Duration{2 * time.Minute, 0, time.Minute} {
		r := account.Review{ID: "rv_" + string(rune('a'+i)), CitizenID: c.ID, Purpose: account.PurposeVideo, Reason: "no_liveness",
			Score: 0.3, Status: account.ReviewOpen, CreatedAt: accountT0.Add(at)}
		if err := db.AddProofingReview(ctx, r); err != nil {
			t.Fatalf("AddProofingReview(%s) = %v", r.ID, err)
		}
	}
	wantErrCode(t, "AddProofingReview(same id)", db.AddProofingReview(ctx, account.Review{ID: "rv_a", CitizenID: c.ID,
		Status: account.ReviewOpen, CreatedAt: accountT0}), digitalid.ECONFLICT)
	wantErrCode(t, "AddProofingReview(unknown citizen)", db.AddProofingReview(ctx, account.Review{ID: "rv_z", CitizenID: "c_nobody",
		Status: account.ReviewOpen, CreatedAt: accountT0}), digitalid.ENOTFOUND)
	list, err := db.ProofingReviews(ctx, account.ReviewOpen, 10)
	if err != nil || len(list) != 3 || list[0].ID != "rv_b" || list[1].ID != "rv_c" || list[2].ID != "rv_a" {
		t.Fatalf("ProofingReviews(open) = %+v, %v; want rv_b, rv_c, rv_a (oldest first)", list, err)
	}
	if r := list[0]; r.CitizenID != c.ID || r.Purpose != account.PurposeVideo || r.Reason != "no_liveness" || r.Score != 0.3 || !r.CreatedAt.Equal(accountT0) {
		t.Errorf("ProofingReviews(open)[0] = %+v, fields lost in the round trip", r)
	}
	if list, _ := db.ProofingReviews(ctx, account.ReviewOpen, 1); len(list) != 1 {
		t.Errorf("ProofingReviews(limit 1) = %d reviews", len(list))
	}

	// Eight decisions at once: exactly one wins, the others see ECONFLICT.
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			status := account.ReviewApproved
			if i%2 == 1 {
				status = account.ReviewRejected
			}
			r, err := db.DecideProofingReview(ctx, "rv_b", status)
			switch digitalid.ErrorCode(err) {
			case "":
				wins.Add(1)
				if r.ID != "rv_b" || r.Status != status || r.CitizenID != c.ID {
					t.Errorf("DecideProofingReview = %+v, want rv_b %s", r, status)
				}
			case digitalid.ECONFLICT:
			default:
				t.Errorf("DecideProofingReview = %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("8 concurrent DecideProofingReview: %d succeeded, want 1", wins.Load())
	}
	_, err = db.DecideProofingReview(ctx, "rv_nobody", account.ReviewApproved)
	wantErrCode(t, "DecideProofingReview(unknown)", err, digitalid.ENOTFOUND)
	if _, err := db.DecideProofingReview(ctx, "rv_c", account.ReviewRejected); err != nil {
		t.Fatal(err)
	}
	if list, _ := db.ProofingReviews(ctx, account.ReviewOpen, 10); len(list) != 1 || list[0].ID != "rv_a" {
		t.Errorf("ProofingReviews(open) after two decisions = %+v, want rv_a", list)
	}
	if list, _ := db.ProofingReviews(ctx, "", 10); len(list) != 3 {
		t.Errorf("ProofingReviews(all) = %d, want 3", len(list))
	}
	rejected, _ := db.ProofingReviews(ctx, account.ReviewRejected, 10)
	approved, _ := db.ProofingReviews(ctx, account.ReviewApproved, 10)
	if len(rejected)+len(approved) != 2 || rejected[len(rejected)-1].ID != "rv_c" {
		t.Errorf("ProofingReviews(rejected) = %+v, (approved) = %+v; want rv_c rejected and rv_b decided once", rejected, approved)
	}
}
