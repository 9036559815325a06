package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// counterRow is one row of account_counters.
type counterRow struct {
	failures, lockouts                  int
	windowStart, lockedUntil, updatedAt sql.NullString
}

func (r *counterRow) dest() []any {
	return []any{&r.failures, &r.windowStart, &r.lockedUntil, &r.lockouts, &r.updatedAt}
}

func (r *counterRow) counter(subject, factor string) (account.Counter, error) {
	c := account.Counter{Subject: subject, Factor: factor, Failures: r.failures, Lockouts: r.lockouts}
	err := parseTimes(storedTime{&c.WindowStart, r.windowStart}, storedTime{&c.LockedUntil, r.lockedUntil}, storedTime{&c.UpdatedAt, r.updatedAt})
	if err != nil {
		return account.Counter{}, fmt.Errorf("account_counters %s/%s: %w", subject, factor, err)
	}
	return c, nil
}

const counterColumns = "failures, window_start, locked_until, lockouts, updated_at"

// UpdateCounter implements account.CounterStore. The row is created if
// missing and locked by one upsert (PostgreSQL keeps the row lock of ON
// CONFLICT DO UPDATE to the end of the transaction; SQLite's transaction
// holds the database's write lock), so the read, fn and the write are one
// atomic step for every instance.
func (db *DB) UpdateCounter(ctx context.Context, subject, factor string, fn func(*account.Counter) error) (account.Counter, error) {
	var out account.Counter
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var r counterRow
		err := db.queryRow(ctx, tx, `INSERT INTO account_counters (subject, factor) VALUES (?, ?)
			ON CONFLICT (subject, factor) DO UPDATE SET subject = excluded.subject
			RETURNING `+counterColumns, subject, factor).Scan(r.dest()...)
		if err != nil {
			return fmt.Errorf("lock counter: %w", err)
		}
		c, err := r.counter(subject, factor)
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `UPDATE account_counters SET failures = ?, window_start = ?, locked_until = ?,
			lockouts = ?, updated_at = ? WHERE subject = ? AND factor = ?`,
			c.Failures, nullTime(c.WindowStart), nullTime(c.LockedUntil), c.Lockouts, nullTime(c.UpdatedAt), subject, factor)
		if err != nil {
			return fmt.Errorf("update counter: %w", err)
		}
		c.Subject, c.Factor = subject, factor
		out = c
		return nil
	})
	return out, err
}

// Counter implements account.CounterStore.
func (db *DB) Counter(ctx context.Context, subject, factor string) (account.Counter, error) {
	var r counterRow
	err := db.queryRow(ctx, db.sql, "SELECT "+counterColumns+" FROM account_counters WHERE subject = ? AND factor = ?",
		subject, factor).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Counter{Subject: subject, Factor: factor}, nil
	}
	if err != nil {
		return account.Counter{}, fmt.Errorf("read counter: %w", err)
	}
	return r.counter(subject, factor)
}

// DeleteCounter implements account.CounterStore.
func (db *DB) DeleteCounter(ctx context.Context, subject, factor string) error {
	_, err := db.writeExec(ctx, db.sql, "DELETE FROM account_counters WHERE subject = ? AND factor = ?", subject, factor)
	return wrapf(err, "delete counter")
}

// HitRateLimit implements account.LimitStore with one atomic upsert.
func (db *DB) HitRateLimit(ctx context.Context, bucket string, key []byte, windowStart, expiresAt time.Time) (int, error) {
	if bucket == "" || len(key) == 0 {
		return 0, digitalid.Errorf(digitalid.EINVALID, "rate limit needs a bucket and a key")
	}
	var hits int
	err := db.writeScan(ctx, []any{&hits}, `INSERT INTO account_rate_limits (bucket, ip_key, window_start, hits, expires_at)
		VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (bucket, ip_key, window_start) DO UPDATE SET hits = account_rate_limits.hits + 1
		RETURNING hits`, bucket, key, formatTime(windowStart), formatTime(expiresAt))
	return hits, wrapf(err, "count request")
}
