package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/present"
)

const portraitColumns = "hash, handle_id, citizen_id, verifier_id, purpose, created_at, expires_at, reads"

// portraitRow is one row of present_portraits.
type portraitRow struct {
	hash                                     []byte
	handleID, citizenID, verifierID, purpose string
	createdAt, expiresAt                     sql.NullString
	reads                                    int
}

func (r *portraitRow) dest() []any {
	return []any{&r.hash, &r.handleID, &r.citizenID, &r.verifierID, &r.purpose, &r.createdAt, &r.expiresAt, &r.reads}
}

func (r *portraitRow) record() (present.PortraitGrant, error) {
	g := present.PortraitGrant{Hash: r.hash, HandleID: r.handleID, CitizenID: r.citizenID, VerifierID: r.verifierID,
		Purpose: r.purpose, Reads: r.reads}
	if err := parseTimes(storedTime{&g.CreatedAt, r.createdAt}, storedTime{&g.ExpiresAt, r.expiresAt}); err != nil {
		return present.PortraitGrant{}, fmt.Errorf("present_portraits %s: %w", r.handleID, err)
	}
	return g, nil
}

// CreatePortraitGrant implements present.Store.
func (db *DB) CreatePortraitGrant(ctx context.Context, g present.PortraitGrant) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO present_portraits (`+portraitColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		g.Hash, g.HandleID, g.CitizenID, g.VerifierID, g.Purpose, formatTime(g.CreatedAt), formatTime(g.ExpiresAt), g.Reads)
	return wrapf(translateFK(err), "create portrait link")
}

// ReadPortraitGrant implements present.Store: one conditional UPDATE, so
// the database counts concurrent reads exactly.
func (db *DB) ReadPortraitGrant(ctx context.Context, hash []byte, verifierID string, now time.Time, maxReads int) (present.PortraitGrant, error) {
	r := &portraitRow{}
	err := db.writeScan(ctx, r.dest(), `UPDATE present_portraits SET reads = reads + 1
		WHERE hash = ? AND verifier_id = ? AND expires_at > ? AND reads < ? RETURNING `+portraitColumns,
		hash, verifierID, formatTime(now), maxReads)
	if err != nil {
		return present.PortraitGrant{}, wrapf(err, "read portrait link")
	}
	return r.record()
}

// PurgePortraitGrants implements present.Store.
func (db *DB) PurgePortraitGrants(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.writeExec(ctx, db.sql, `DELETE FROM present_portraits WHERE expires_at < ?`, formatTime(before))
	if err != nil {
		return 0, wrapf(err, "purge portrait links")
	}
	n, err := res.RowsAffected()
	return n, wrapf(err, "purge portrait links")
}
