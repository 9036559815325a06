package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/jackc/pgx/v5/pgconn"
)

// inTx runs fn in a transaction and commits it when fn returns nil. On SQLite
// the transaction takes the write lock at BEGIN (see sqliteDSN), so two writers
// queue instead of deadlocking. On PostgreSQL a serialization failure or
// deadlock is retried a few times, since fn has not been acknowledged yet.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	const attempts = 5
	var err error
	for i := 0; i < attempts; i++ {
		err = db.tryTx(ctx, fn)
		if err == nil || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (db *DB) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if db.dialect == SQLite {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

func isRetryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01"
	}
	return false
}

// translate maps driver errors to the shared vocabulary: no rows become
// ENOTFOUND, unique violations ECONFLICT, and text PostgreSQL cannot hold
// (invalid UTF-8 or NUL, which the web layer refuses at the edge) EINVALID.
// Other errors pass through wrapped.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return digitalid.Wrap(digitalid.ENOTFOUND, err, "not found")
	}
	if isUniqueViolation(err) {
		return digitalid.Wrap(digitalid.ECONFLICT, err, "already exists")
	}
	if isBadText(err) {
		return digitalid.Wrap(digitalid.EINVALID, err, "a value is not text (invalid UTF-8 or NUL)")
	}
	return err
}

// isBadText reports PostgreSQL's refusal of a text value: 22021
// (character_not_in_repertoire: invalid UTF-8, NUL) or 22P05
// (untranslatable_character).
func isBadText(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "22021" || pg.Code == "22P05")
}

func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	// modernc reports "constraint failed: UNIQUE constraint failed: ..." (code 2067)
	// and PRIMARY KEY violations (code 1555).
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "PRIMARY KEY constraint failed")
}
