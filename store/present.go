package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/present"
)

var _ present.Store = (*DB)(nil)

const verifierColumns = "id, name, purposes, secret_hash, status, created_at, disabled_at, rotated_at"

// verifierRow is one row of present_verifiers.
type verifierRow struct {
	id, name, purposes, status       string
	hash                             []byte
	createdAt, disabledAt, rotatedAt sql.NullString
}

func (r *verifierRow) dest() []any {
	return []any{&r.id, &r.name, &r.purposes, &r.hash, &r.status, &r.createdAt, &r.disabledAt, &r.rotatedAt}
}

// verifierWithHash is a verifier with its secret hash, as scanned.
type verifierWithHash struct {
	v    present.Verifier
	hash []byte
}

func (r *verifierRow) record() (verifierWithHash, error) {
	v := present.Verifier{ID: r.id, Name: r.name, Status: present.Status(r.status)}
	if err := json.Unmarshal([]byte(r.purposes), &v.Purposes); err != nil {
		return verifierWithHash{}, fmt.Errorf("present_verifiers %s: purposes: %w", r.id, err)
	}
	err := parseTimes(storedTime{&v.CreatedAt, r.createdAt}, storedTime{&v.DisabledAt, r.disabledAt}, storedTime{&v.RotatedAt, r.rotatedAt})
	if err != nil {
		return verifierWithHash{}, fmt.Errorf("present_verifiers %s: %w", r.id, err)
	}
	return verifierWithHash{v, r.hash}, nil
}

// CreateVerifier implements present.Store.
func (db *DB) CreateVerifier(ctx context.Context, v present.Verifier, secretHash []byte) error {
	ps, err := json.Marshal(v.Purposes)
	if err != nil {
		return fmt.Errorf("verifier %s: %w", v.ID, err)
	}
	_, err = db.writeExec(ctx, db.sql, `INSERT INTO present_verifiers (`+verifierColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.Name, string(ps), secretHash, string(v.Status), formatTime(v.CreatedAt), nullTime(v.DisabledAt), nullTime(v.RotatedAt))
	return wrapf(translate(err), "insert verifier "+v.ID)
}

// Verifier implements present.Store.
func (db *DB) Verifier(ctx context.Context, id string) (present.Verifier, []byte, error) {
	r, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+verifierColumns+` FROM present_verifiers WHERE id = ?`, id), row[verifierWithHash](&verifierRow{}))
	return r.v, r.hash, wrapf(err, "read verifier "+id)
}

// Verifiers implements present.Store.
func (db *DB) Verifiers(ctx context.Context) ([]present.Verifier, error) {
	rows, err := db.query(ctx, db.sql, `SELECT `+verifierColumns+` FROM present_verifiers ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list verifiers: %w", err)
	}
	l, err := collect(rows, func(s scanner) (verifierWithHash, error) { return scanRow(s, row[verifierWithHash](&verifierRow{})) })
	if err != nil {
		return nil, fmt.Errorf("list verifiers: %w", err)
	}
	out := make([]present.Verifier, len(l))
	for i, r := range l {
		out[i] = r.v
	}
	return out, nil
}

// DisableVerifier implements present.Store.
func (db *DB) DisableVerifier(ctx context.Context, id string, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE present_verifiers SET status = ?, disabled_at = COALESCE(disabled_at, ?) WHERE id = ?`,
			string(present.StatusDisabled), formatTime(at), id)
		if err != nil {
			return fmt.Errorf("disable verifier %s: %w", id, err)
		}
		if err := oneRow(res, "disable verifier "+id); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `DELETE FROM present_verifier_sessions WHERE verifier_id = ?`, id)
		return wrapf(err, "end sessions of verifier "+id)
	})
}

// SetVerifierSecret implements present.Store.
func (db *DB) SetVerifierSecret(ctx context.Context, id string, secretHash []byte, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE present_verifiers SET secret_hash = ?, rotated_at = ? WHERE id = ?`, secretHash, formatTime(at), id)
		if err != nil {
			return fmt.Errorf("rotate secret of verifier %s: %w", id, err)
		}
		if err := oneRow(res, "rotate secret of verifier "+id); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `DELETE FROM present_verifier_sessions WHERE verifier_id = ?`, id)
		return wrapf(err, "end sessions of verifier "+id)
	})
}

// CreateVerifierSession implements present.Store.
func (db *DB) CreateVerifierSession(ctx context.Context, s present.VerifierSession) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO present_verifier_sessions (token_hash, verifier_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		s.TokenHash, s.VerifierID, formatTime(s.CreatedAt), formatTime(s.ExpiresAt))
	return wrapf(translateFK(err), "create verifier session")
}

// VerifierSession implements present.Store.
func (db *DB) VerifierSession(ctx context.Context, hash []byte, now time.Time) (present.VerifierSession, error) {
	s := present.VerifierSession{TokenHash: hash}
	var created, expires string
	err := db.queryRow(ctx, db.sql, `SELECT verifier_id, created_at, expires_at FROM present_verifier_sessions WHERE token_hash = ? AND expires_at > ?`,
		hash, formatTime(now)).Scan(&s.VerifierID, &created, &expires)
	if err != nil {
		return present.VerifierSession{}, translate(err)
	}
	if s.CreatedAt, err = parseTime(created); err != nil {
		return present.VerifierSession{}, err
	}
	s.ExpiresAt, err = parseTime(expires)
	return s, err
}

// DeleteVerifierSession implements present.Store.
func (db *DB) DeleteVerifierSession(ctx context.Context, hash []byte) error {
	_, err := db.writeExec(ctx, db.sql, `DELETE FROM present_verifier_sessions WHERE token_hash = ?`, hash)
	return wrapf(err, "delete verifier session")
}

const handleColumns = "hash, id, citizen_id, session_id, device_id, purpose, created_at, expires_at, used_at, used_by"

// handleRow is one row of present_handles.
type handleRow struct {
	hash                                        []byte
	id, citizenID, sessionID, deviceID, purpose string
	createdAt, expiresAt, usedAt, usedBy        sql.NullString
}

func (r *handleRow) dest() []any {
	return []any{&r.hash, &r.id, &r.citizenID, &r.sessionID, &r.deviceID, &r.purpose, &r.createdAt, &r.expiresAt, &r.usedAt, &r.usedBy}
}

func (r *handleRow) record() (present.Handle, error) {
	h := present.Handle{Hash: r.hash, ID: r.id, CitizenID: r.citizenID, SessionID: r.sessionID, DeviceID: r.deviceID,
		Purpose: r.purpose, UsedBy: r.usedBy.String}
	err := parseTimes(storedTime{&h.CreatedAt, r.createdAt}, storedTime{&h.ExpiresAt, r.expiresAt}, storedTime{&h.UsedAt, r.usedAt})
	if err != nil {
		return present.Handle{}, fmt.Errorf("present_handles %s: %w", r.id, err)
	}
	return h, nil
}

// CreateHandle implements present.Store.
func (db *DB) CreateHandle(ctx context.Context, h present.Handle) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO present_handles (`+handleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.Hash, h.ID, h.CitizenID, h.SessionID, h.DeviceID, h.Purpose, formatTime(h.CreatedAt), formatTime(h.ExpiresAt),
		nullTime(h.UsedAt), sql.NullString{String: h.UsedBy, Valid: h.UsedBy != ""})
	return wrapf(translateFK(err), "create presentation handle")
}

// RedeemHandle implements present.Store: one conditional UPDATE, so the
// database lets exactly one of concurrent redeems through.
func (db *DB) RedeemHandle(ctx context.Context, hash []byte, verifierID string, now time.Time) (present.Handle, bool, error) {
	r := &handleRow{}
	err := db.writeScan(ctx, r.dest(), `UPDATE present_handles SET used_at = ?, used_by = ?
		WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING `+handleColumns,
		formatTime(now), verifierID, hash, formatTime(now))
	if err == nil {
		h, err := r.record()
		return h, err == nil, err
	}
	if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return present.Handle{}, false, fmt.Errorf("redeem handle: %w", err)
	}
	h, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+handleColumns+` FROM present_handles WHERE hash = ?`, hash), row[present.Handle](&handleRow{}))
	return h, false, wrapf(err, "read handle")
}

// PurgePresent implements present.Store.
func (db *DB) PurgePresent(ctx context.Context, now, before time.Time) (int64, error) {
	var total int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		total = 0
		for _, q := range []struct {
			query string
			at    time.Time
		}{
			{`DELETE FROM present_handles WHERE expires_at < ?`, before},
			{`DELETE FROM present_verifier_sessions WHERE expires_at < ?`, now},
		} {
			res, err := db.exec(ctx, tx, q.query, formatTime(q.at))
			if err != nil {
				return fmt.Errorf("purge presentations: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("purge presentations: %w", err)
			}
			total += n
		}
		return nil
	})
	return total, err
}
