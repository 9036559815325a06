package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/account"
)

var _ account.ProofingStore = (*DB)(nil)

// CreateProofingChallenge implements account.ProofingStore.
func (db *DB) CreateProofingChallenge(ctx context.Context, c account.ChallengeRecord) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO account_proofing_challenges
		(hash, citizen_id, session_id, purpose, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.Hash, c.CitizenID, c.SessionID, string(c.Purpose), formatTime(c.CreatedAt), formatTime(c.ExpiresAt), nullTime(c.UsedAt))
	return translateFK(wrapf(err, "create proofing challenge"))
}

// UseProofingChallenge implements account.ProofingStore with one UPDATE …
// WHERE used_at IS NULL RETURNING: the row lock (PostgreSQL) or the write
// lock (SQLite) lets exactly one concurrent use see the row unused.
func (db *DB) UseProofingChallenge(ctx context.Context, hash []byte, now time.Time) (account.ChallengeRecord, error) {
	c := account.ChallengeRecord{Hash: hash, UsedAt: now}
	var purpose string
	var created, expires sql.NullString
	err := db.writeScan(ctx, []any{&c.CitizenID, &c.SessionID, &purpose, &created, &expires},
		`UPDATE account_proofing_challenges SET used_at = ? WHERE hash = ? AND used_at IS NULL
		RETURNING citizen_id, session_id, purpose, created_at, expires_at`, formatTime(now), hash)
	if err != nil {
		return account.ChallengeRecord{}, wrapf(err, "use proofing challenge")
	}
	c.Purpose = account.ProofingPurpose(purpose)
	if err := parseTimes(storedTime{&c.CreatedAt, created}, storedTime{&c.ExpiresAt, expires}); err != nil {
		return account.ChallengeRecord{}, fmt.Errorf("account_proofing_challenges: %w", err)
	}
	return c, nil
}

// AddProofingReview implements account.ProofingStore.
func (db *DB) AddProofingReview(ctx context.Context, r account.Review) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO account_proofing_reviews
		(id, citizen_id, purpose, reason, score, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.CitizenID, string(r.Purpose), r.Reason, r.Score, r.Status, formatTime(r.CreatedAt))
	return translateFK(wrapf(err, "add proofing review"))
}

// ProofingReviews implements account.ProofingStore.
func (db *DB) ProofingReviews(ctx context.Context, status string, limit int) ([]account.Review, error) {
	rows, err := db.query(ctx, db.sql, `SELECT id, citizen_id, purpose, reason, score, status, created_at
		FROM account_proofing_reviews WHERE (? = '' OR status = ?) ORDER BY created_at, id LIMIT ?`, status, status, limit)
	if err != nil {
		return nil, fmt.Errorf("list proofing reviews: %w", err)
	}
	return collect(rows, scanReview)
}

func scanReview(s scanner) (account.Review, error) {
	var r account.Review
	var purpose, created string
	if err := s.Scan(&r.ID, &r.CitizenID, &purpose, &r.Reason, &r.Score, &r.Status, &created); err != nil {
		return account.Review{}, fmt.Errorf("list proofing reviews: %w", err)
	}
	r.Purpose = account.ProofingPurpose(purpose)
	var err error
	if r.CreatedAt, err = parseTime(created); err != nil {
		return account.Review{}, fmt.Errorf("account_proofing_reviews %s: %w", r.ID, err)
	}
	return r, nil
}

// PurgeProofingChallenges implements account.ProofingStore.
func (db *DB) PurgeProofingChallenges(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.writeExec(ctx, db.sql, "DELETE FROM account_proofing_challenges WHERE expires_at < ?", formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("purge proofing challenges: %w", err)
	}
	return res.RowsAffected()
}
