package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/account"
)

const otpColumns = `id, phone_key, phone_sealed, purpose, code_hash, created_at, expires_at, failures,
	used_at, proof_hash, proof_expires_at, proof_used_at`

// otpRow is one row of account_otps.
type otpRow struct {
	id, purpose                                               string
	phoneKey, phoneSealed, code, proof                        []byte
	failures                                                  int
	createdAt, expiresAt, usedAt, proofExpiresAt, proofUsedAt sql.NullString
}

func (r *otpRow) dest() []any {
	return []any{&r.id, &r.phoneKey, &r.phoneSealed, &r.purpose, &r.code, &r.createdAt, &r.expiresAt, &r.failures,
		&r.usedAt, &r.proof, &r.proofExpiresAt, &r.proofUsedAt}
}

func (r *otpRow) record() (account.OTPRecord, error) {
	o := account.OTPRecord{
		ID: r.id, PhoneKey: r.phoneKey, PhoneSealed: r.phoneSealed, Purpose: account.Purpose(r.purpose),
		CodeHash: r.code, Failures: r.failures, ProofHash: r.proof,
	}
	err := parseTimes(storedTime{&o.CreatedAt, r.createdAt}, storedTime{&o.ExpiresAt, r.expiresAt}, storedTime{&o.UsedAt, r.usedAt},
		storedTime{&o.ProofExpiresAt, r.proofExpiresAt}, storedTime{&o.ProofUsedAt, r.proofUsedAt})
	if err != nil {
		return account.OTPRecord{}, fmt.Errorf("account_otps %s: %w", r.id, err)
	}
	return o, nil
}

// InsertOTP implements account.OTPStore. A per-number counter row is locked
// first (see UpdateCounter), so two instances cannot both count max-1 codes
// and both insert.
func (db *DB) InsertOTP(ctx context.Context, rec account.OTPRecord, max int, since time.Time) ([]time.Time, bool, error) {
	var recent []time.Time
	var inserted bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		recent, inserted = nil, false
		_, err := db.exec(ctx, tx, `INSERT INTO account_counters (subject, factor, updated_at) VALUES (?, 'otp_send', ?)
			ON CONFLICT (subject, factor) DO UPDATE SET updated_at = excluded.updated_at`,
			hex.EncodeToString(rec.PhoneKey), formatTime(rec.CreatedAt))
		if err != nil {
			return fmt.Errorf("lock number: %w", err)
		}
		rows, err := db.query(ctx, tx, "SELECT created_at FROM account_otps WHERE phone_key = ? AND created_at >= ? ORDER BY created_at",
			rec.PhoneKey, formatTime(since))
		if err != nil {
			return fmt.Errorf("count codes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return fmt.Errorf("count codes: %w", err)
			}
			t, err := parseTime(s)
			if err != nil {
				return err
			}
			recent = append(recent, t)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("count codes: %w", err)
		}
		if len(recent) >= max {
			return nil
		}
		_, err = db.exec(ctx, tx, `INSERT INTO account_otps (id, phone_key, phone_sealed, purpose, code_hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, rec.ID, rec.PhoneKey, rec.PhoneSealed, string(rec.Purpose), rec.CodeHash,
			formatTime(rec.CreatedAt), formatTime(rec.ExpiresAt))
		if err != nil {
			return translate(fmt.Errorf("insert code: %w", err))
		}
		inserted = true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return recent, inserted, nil
}

// ReserveOTPAttempt implements account.OTPStore with one conditional UPDATE:
// concurrent entries serialise on the row and each re-checks the failure
// bound, so no more than maxFailures are ever counted.
func (db *DB) ReserveOTPAttempt(ctx context.Context, phoneKey []byte, purpose account.Purpose, now time.Time, maxFailures int) (account.OTPRecord, error) {
	var r otpRow
	err := db.writeScan(ctx, r.dest(), `UPDATE account_otps SET failures = failures + 1
		WHERE id = (SELECT id FROM account_otps WHERE phone_key = ? AND purpose = ? ORDER BY seq DESC LIMIT 1)
		AND used_at IS NULL AND expires_at > ? AND failures < ?
		RETURNING `+otpColumns, phoneKey, string(purpose), formatTime(now), maxFailures)
	if err != nil {
		return account.OTPRecord{}, wrapf(err, "reserve code attempt")
	}
	return r.record()
}

// CompleteOTP implements account.OTPStore.
func (db *DB) CompleteOTP(ctx context.Context, id string, usedAt time.Time, proofHash []byte, proofExpiresAt time.Time) error {
	return db.updateOne(ctx, "complete code", `UPDATE account_otps SET used_at = ?, failures = failures - 1,
		proof_hash = ?, proof_expires_at = ? WHERE id = ? AND used_at IS NULL`,
		formatTime(usedAt), proofHash, formatTime(proofExpiresAt), id)
}

// OTPByProof implements account.OTPStore.
func (db *DB) OTPByProof(ctx context.Context, proofHash []byte) (account.OTPRecord, error) {
	return scanRow(db.queryRow(ctx, db.sql, "SELECT "+otpColumns+" FROM account_otps WHERE proof_hash = ?", proofHash), &otpRow{})
}

// UseOTPProof implements account.OTPStore.
func (db *DB) UseOTPProof(ctx context.Context, id string, at time.Time) error {
	return db.updateOne(ctx, "use proof", `UPDATE account_otps SET proof_used_at = ?
		WHERE id = ? AND proof_used_at IS NULL AND proof_expires_at > ?`, formatTime(at), id, formatTime(at))
}
