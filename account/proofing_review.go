package account

import (
	"context"
	"strconv"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// The states of a review: open until an operator approves or rejects it.
const (
	ReviewOpen     = reviewOpen
	ReviewApproved = "approved"
	ReviewRejected = "rejected"
)

// ProofingReviewStore closes reviews. store.DB implements it.
type ProofingReviewStore interface {
	// DecideProofingReview sets the status of the open review id to status
	// and returns the review as it is now, in one atomic step, so that of
	// concurrent decisions on any instance exactly one wins. Returns
	// ENOTFOUND when there is no such review and ECONFLICT when it is
	// already decided.
	DecideProofingReview(ctx context.Context, id, status string) (Review, error)
}

// ReviewDecision is what an operator decided about a failed video check.
type ReviewDecision struct {
	Review   Review
	Raised   bool // the citizen was raised to high assurance
	Unlocked bool // the citizen's biometric block was lifted
}

// DecideReview closes an open review of a failed video check. An operator
// who approves has confirmed by hand that the person in the video is the
// citizen: the biometric block is lifted and a citizen at standard is
// raised to high. A rejection changes nothing but the review (a block in
// force stays). Either way an audit event on the citizen's chain names the
// operator. Returns ENOTFOUND for an unknown review, ECONFLICT for a
// decided one.
func (p *Proofing) DecideReview(ctx context.Context, operator, id string, approve bool) (ReviewDecision, error) {
	st, ok := p.store.(ProofingReviewStore)
	if !ok {
		return ReviewDecision{}, digitalid.Errorf(digitalid.EINTERNAL, "account: the proofing store cannot decide reviews")
	}
	if operator == "" {
		operator = "cli"
	}
	status := ReviewRejected
	if approve {
		status = ReviewApproved
	}
	r, err := st.DecideProofingReview(ctx, id, status)
	if err != nil {
		return ReviewDecision{}, wrapErr("decide review", err)
	}
	d := ReviewDecision{Review: r}
	if approve {
		for _, f := range []string{factorBiometric, factorVideo} {
			if err := p.store.DeleteCounter(ctx, r.CitizenID, f); err != nil {
				return d, wrapErr("lift biometric block", err)
			}
		}
		d.Unlocked = true
		cz, err := p.citizens.Get(ctx, r.CitizenID)
		if err != nil {
			return d, err
		}
		if cz.Assurance == AssuranceStandard {
			if err := p.citizens.SetAssurance(ctx, r.CitizenID, AssuranceHigh); err != nil {
				return d, err
			}
			d.Raised = true
		}
	}
	_, err = p.audit.Append(ctx, audit.Event{Chain: r.CitizenID, Actor: audit.Actor{Type: audit.ActorOperator, ID: operator},
		Action: "account.proofing.review", Object: "review:" + r.ID, Result: audit.Success,
		Details: map[string]string{"decision": status, "raised": strconv.FormatBool(d.Raised)}})
	if err != nil {
		return d, wrapErr("audit review", err)
	}
	return d, nil
}
