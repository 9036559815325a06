package account

import (
	"context"
	"time"
)

// ProofingPurpose says which check a challenge is for: the cabinet's
// "raise my level" check, or the video check at sign-up, whose failures
// block longer and go to an operator's review queue.
type ProofingPurpose string

// The purposes of a biometric check.
const (
	PurposeProofing ProofingPurpose = "proofing"
	PurposeVideo    ProofingPurpose = "video"
	// PurposeRestoreCheck is the face re-check of a restore (restore_check.go):
	// the challenge is bound to the restore proof, not a session, and a
	// match changes no level.
	PurposeRestoreCheck ProofingPurpose = "restore"
	// PurposeRecoveryCheck is the face check of a trusted-contact recovery
	// (recheck.go): bound to the recovery request, a match changes no level.
	PurposeRecoveryCheck ProofingPurpose = "recovery"
)

// ChallengeRecord is a proofing challenge as stored: only the SHA-256 of the
// random value, bound to one citizen and session.
type ChallengeRecord struct {
	Hash      []byte
	CitizenID string
	SessionID string
	Purpose   ProofingPurpose
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// Review is a failed video check waiting for an operator. It holds no image
// and no exact score.
type Review struct {
	ID        string
	CitizenID string
	Purpose   ProofingPurpose
	Reason    string  // the service's short reason code
	Score     float64 // rounded to one decimal
	Status    string  // "open" until an operator decides
	CreatedAt time.Time
}

// ProofingStore keeps challenges, the review queue and the attempt counters.
// store.DB implements it.
type ProofingStore interface {
	CounterStore
	// CreateProofingChallenge stores a new challenge. Returns ECONFLICT if
	// the hash is taken.
	CreateProofingChallenge(ctx context.Context, c ChallengeRecord) error
	// UseProofingChallenge marks the unused challenge with hash as used at
	// now and returns it, in one atomic step, so that of any number of
	// concurrent uses on any instance exactly one succeeds. Returns
	// ENOTFOUND when there is no such challenge or it was used before.
	UseProofingChallenge(ctx context.Context, hash []byte, now time.Time) (ChallengeRecord, error)
	// AddProofingReview queues a review. Returns ECONFLICT if the id is taken.
	AddProofingReview(ctx context.Context, r Review) error
	// ProofingReviews lists reviews with status (all when empty), oldest
	// first, at most limit.
	ProofingReviews(ctx context.Context, status string, limit int) ([]Review, error)
	// PurgeProofingChallenges deletes challenges that expired before
	// before. Returns how many.
	PurgeProofingChallenges(ctx context.Context, before time.Time) (int64, error)
}
