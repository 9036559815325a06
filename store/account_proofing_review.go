package store

import (
	"context"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

var _ account.ProofingReviewStore = (*DB)(nil)

// DecideProofingReview implements account.ProofingReviewStore with one
// UPDATE … WHERE status = 'open' RETURNING; when no row changes it tells an
// unknown review (ENOTFOUND) from a decided one (ECONFLICT).
func (db *DB) DecideProofingReview(ctx context.Context, id, status string) (account.Review, error) {
	r, err := db.decideReview(ctx, id, status)
	if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return r, wrapf(err, "decide proofing review")
	}
	var n int
	if err := db.queryRow(ctx, db.sql, "SELECT COUNT(*) FROM account_proofing_reviews WHERE id = ?", id).Scan(&n); err != nil {
		return account.Review{}, wrapf(err, "decide proofing review")
	}
	if n == 0 {
		return account.Review{}, digitalid.Errorf(digitalid.ENOTFOUND, "proofing review %s not found", id)
	}
	return account.Review{}, digitalid.Errorf(digitalid.ECONFLICT, "proofing review %s is already decided", id)
}

func (db *DB) decideReview(ctx context.Context, id, status string) (account.Review, error) {
	if db.dialect == SQLite {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	r, err := scanReview(db.queryRow(ctx, db.sql, `UPDATE account_proofing_reviews SET status = ? WHERE id = ? AND status = ?
		RETURNING id, citizen_id, purpose, reason, score, status, created_at`, status, id, account.ReviewOpen))
	return r, translate(err)
}
