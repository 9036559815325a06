package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/account"
)

// DeleteCitizen implements account.LifecycleStore.
func (db *DB) DeleteCitizen(ctx context.Context, id string, at time.Time) error {
	t := formatTime(at)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE account_citizens SET status = ?, deleted_at = ?
			WHERE id = ? AND status = ?`, string(account.StatusDeleted), t, id, string(account.StatusActive))
		if err != nil {
			return translate(fmt.Errorf("delete citizen: %w", err))
		}
		if err := oneRow(res, "delete citizen"); err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `UPDATE account_sessions SET ended_at = ?, end_reason = ?
			WHERE citizen_id = ? AND ended_at IS NULL`, t, account.EndAccountDeleted, id); err != nil {
			return fmt.Errorf("delete citizen: end sessions: %w", err)
		}
		if _, err := db.exec(ctx, tx, `UPDATE account_devices SET blocked_at = ?
			WHERE citizen_id = ? AND blocked_at IS NULL`, t, id); err != nil {
			return fmt.Errorf("delete citizen: block devices: %w", err)
		}
		return nil
	})
}

// RestoreCitizen implements account.LifecycleStore.
func (db *DB) RestoreCitizen(ctx context.Context, id string, since, at time.Time, d account.DeviceRecord, s account.Session, tokenHash []byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE account_citizens SET status = ?, deleted_at = NULL, restore_hold_until = NULL
			WHERE id = ? AND status = ? AND (deleted_at > ? OR restore_hold_until > ?) AND purge_claim IS NULL`,
			string(account.StatusActive), id, string(account.StatusDeleted), formatTime(since), formatTime(at))
		if err != nil {
			return translate(fmt.Errorf("restore citizen: %w", err))
		}
		if err := oneRow(res, "restore citizen"); err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, insertDevice, deviceArgs(d)...); err != nil {
			return translateFK(fmt.Errorf("restore citizen: device: %w", err))
		}
		if _, err := db.exec(ctx, tx, insertSession, sessionArgs(s, tokenHash)...); err != nil {
			return translateFK(fmt.Errorf("restore citizen: session: %w", err))
		}
		return nil
	})
}

// HoldRestore implements account.LifecycleStore: one conditional UPDATE
// that only moves the hold later, with the hold before it read in the same
// transaction to tell a new hold from an extended one.
func (db *DB) HoldRestore(ctx context.Context, id string, until, at time.Time) (bool, error) {
	var fresh bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var prev sql.NullString
		if err := db.queryRow(ctx, tx, `SELECT restore_hold_until FROM account_citizens WHERE id = ? AND status = ? AND purge_claim IS NULL`,
			id, string(account.StatusDeleted)).Scan(&prev); err != nil {
			return translate(fmt.Errorf("hold restore: %w", err))
		}
		u := formatTime(until)
		if prev.Valid && prev.String >= u {
			return nil
		}
		fresh = !prev.Valid || prev.String < formatTime(at)
		_, err := db.exec(ctx, tx, `UPDATE account_citizens SET restore_hold_until = ?
			WHERE id = ? AND status = ? AND purge_claim IS NULL AND (restore_hold_until IS NULL OR restore_hold_until < ?)`,
			u, id, string(account.StatusDeleted), u)
		return wrapf(err, "hold restore")
	})
	return fresh, err
}

// RestoreHeldUntil implements account.LifecycleStore.
func (db *DB) RestoreHeldUntil(ctx context.Context, id string) (time.Time, error) {
	var s sql.NullString
	err := db.queryRow(ctx, db.sql, `SELECT restore_hold_until FROM account_citizens WHERE id = ?`, id).Scan(&s)
	if err != nil {
		return time.Time{}, translate(fmt.Errorf("restore hold: %w", err))
	}
	return parseNullTime(s)
}

// ClaimDeletedCitizens implements account.LifecycleStore. Candidates are
// read first; each is then claimed by a conditional UPDATE that only one
// concurrent caller can win (PostgreSQL re-checks the condition on the
// locked row; SQLite serialises writers).
func (db *DB) ClaimDeletedCitizens(ctx context.Context, claim string, before, staleBefore, at time.Time, limit int) ([]string, error) {
	const free = `status = ? AND deleted_at < ? AND (purge_claimed_at IS NULL OR purge_claimed_at < ?)
		AND (restore_hold_until IS NULL OR restore_hold_until < ?)`
	deleted, b, stale, now := string(account.StatusDeleted), formatTime(before), formatTime(staleBefore), formatTime(at)
	rows, err := db.query(ctx, db.sql, `SELECT id FROM account_citizens WHERE `+free+` ORDER BY deleted_at LIMIT ?`,
		deleted, b, stale, now, limit)
	if err != nil {
		return nil, fmt.Errorf("find deleted citizens: %w", err)
	}
	var candidates []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find deleted citizens: %w", err)
		}
		candidates = append(candidates, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find deleted citizens: %w", err)
	}
	var claimed []string
	for _, id := range candidates {
		var n int64
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			res, err := db.exec(ctx, tx, `UPDATE account_citizens SET purge_claim = ?, purge_claimed_at = ?
				WHERE id = ? AND `+free, claim, now, id, deleted, b, stale, now)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return claimed, fmt.Errorf("claim deleted citizen %s: %w", id, err)
		}
		if n == 1 {
			claimed = append(claimed, id)
		}
	}
	return claimed, nil
}

// DeleteClaimedCitizen implements account.LifecycleStore. Rows referring
// to the citizen go by ON DELETE CASCADE; codes and counters, which refer
// to the number's lookup key or the citizen id without a foreign key, are
// deleted here.
func (db *DB) DeleteClaimedCitizen(ctx context.Context, id, claim string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var key []byte
		err := db.queryRow(ctx, tx, `SELECT phone_key FROM account_citizens WHERE id = ? AND status = ? AND purge_claim = ?`,
			id, string(account.StatusDeleted), claim).Scan(&key)
		if err != nil {
			return translate(fmt.Errorf("delete claimed citizen: %w", err))
		}
		for _, q := range []struct {
			query string
			arg   any
		}{
			{`DELETE FROM account_otps WHERE phone_key = ?`, key},
			{`DELETE FROM account_counters WHERE subject = ?`, id},
			{`DELETE FROM account_counters WHERE subject = ?`, hex.EncodeToString(key)},
			{`DELETE FROM account_citizens WHERE id = ?`, id},
		} {
			if _, err := db.exec(ctx, tx, q.query, q.arg); err != nil {
				return fmt.Errorf("delete claimed citizen: %w", err)
			}
		}
		return nil
	})
}

// SetCitizenPhone implements account.LifecycleStore.
func (db *DB) SetCitizenPhone(ctx context.Context, id string, key, sealed []byte) error {
	return db.updateOne(ctx, "set citizen phone", `UPDATE account_citizens SET phone_key = ?, phone_sealed = ?
		WHERE id = ? AND status = ?`, key, sealed, id, string(account.StatusActive))
}
