package account_test

import (
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestProofingReviewDecisions: an operator's approval of a failed video
// check lifts the block and raises the citizen to high; a rejection leaves
// the block; a decided or unknown review is refused; both are audited on
// the citizen's chain with the operator as actor.
func TestProofingReviewDecisions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		failVideo := func(n int) account.Session {
			s := pe.citizenAt(n, account.AssuranceStandard)
			_, err := pe.p.Check(pe.ctx, s, pe.challenge(s, account.PurposeVideo), photo(t, 240, 240, true), account.Client{})
			wantCode(t, "Check(failed video check)", err, digitalid.ELOCKED)
			return s
		}
		approved, rejected := failVideo(1), failVideo(2)
		q, err := pe.p.ReviewQueue(pe.ctx, 0)
		if err != nil || len(q) != 2 {
			t.Fatalf("ReviewQueue = %+v, %v, want 2 open reviews", q, err)
		}
		byCitizen := map[string]string{q[0].CitizenID: q[0].ID, q[1].CitizenID: q[1].ID}

		d, err := pe.p.DecideReview(pe.ctx, "alice", byCitizen[approved.CitizenID], true)
		if err != nil || d.Review.Status != account.ReviewApproved || !d.Raised || !d.Unlocked {
			t.Fatalf("DecideReview(approve) = %+v, %v, want approved, raised, unlocked", d, err)
		}
		if cz, _ := pe.svc.Citizens.Get(pe.ctx, approved.CitizenID); cz.Assurance != account.AssuranceHigh {
			t.Errorf("assurance after approval = %s, want high", cz.Assurance)
		}
		d, err = pe.p.DecideReview(pe.ctx, "alice", byCitizen[rejected.CitizenID], false)
		if err != nil || d.Review.Status != account.ReviewRejected || d.Raised || d.Unlocked {
			t.Fatalf("DecideReview(reject) = %+v, %v, want rejected, nothing else", d, err)
		}
		_, err = pe.p.NewChallenge(pe.ctx, rejected, account.PurposeProofing)
		wantCode(t, "NewChallenge(after rejection, still within the block)", err, digitalid.ELOCKED)
		if cz, _ := pe.svc.Citizens.Get(pe.ctx, rejected.CitizenID); cz.Assurance != account.AssuranceStandard {
			t.Errorf("assurance after rejection = %s, want standard", cz.Assurance)
		}

		_, err = pe.p.DecideReview(pe.ctx, "bob", byCitizen[approved.CitizenID], false)
		wantCode(t, "DecideReview(decided)", err, digitalid.ECONFLICT)
		_, err = pe.p.DecideReview(pe.ctx, "bob", "rv_unknown", true)
		wantCode(t, "DecideReview(unknown)", err, digitalid.ENOTFOUND)
		if q, _ := pe.p.ReviewQueue(pe.ctx, 0); len(q) != 0 {
			t.Errorf("ReviewQueue after both decisions = %+v, want empty", q)
		}
		for citizen, want := range map[string]string{approved.CitizenID: "approved", rejected.CitizenID: "rejected"} {
			found := false
			for _, ev := range pe.events(citizen) {
				if ev.Action == "account.proofing.review" && ev.Actor.Type == audit.ActorOperator && ev.Actor.ID == "alice" && ev.Details["decision"] == want {
					found = true
				}
			}
			if !found {
				t.Errorf("no account.proofing.review event by alice deciding %s on %s's chain", want, citizen)
			}
		}
	})
}
