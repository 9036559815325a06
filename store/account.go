package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/jackc/pgx/v5/pgconn"
)

var _ account.Store = (*DB)(nil)

// citizenColumns are read by scanCitizen, in its order.
const citizenColumns = "id, phone_key, phone_sealed, lang, assurance, birth_sealed, status, created_at, deleted_at"

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// citizenRow is one row of account_citizens.
type citizenRow struct {
	id, lang, assurance, status  string
	phoneKey, phoneSealed, birth []byte
	createdAt, deletedAt         sql.NullString
}

func (r *citizenRow) dest() []any {
	return []any{&r.id, &r.phoneKey, &r.phoneSealed, &r.lang, &r.assurance, &r.birth, &r.status, &r.createdAt, &r.deletedAt}
}

func (r *citizenRow) record() (account.CitizenRecord, error) {
	c := account.CitizenRecord{
		ID: r.id, PhoneKey: r.phoneKey, PhoneSealed: r.phoneSealed, Lang: r.lang,
		Assurance: account.Assurance(r.assurance), BirthSealed: r.birth, Status: account.Status(r.status),
	}
	if err := parseTimes(storedTime{&c.CreatedAt, r.createdAt}, storedTime{&c.DeletedAt, r.deletedAt}); err != nil {
		return account.CitizenRecord{}, fmt.Errorf("account_citizens %s: %w", r.id, err)
	}
	return c, nil
}

// row is a private row struct that scans itself and converts to T.
type row[T any] interface {
	dest() []any
	record() (T, error)
}

// scanRow scans one row into r and converts it; no row is ENOTFOUND.
func scanRow[T any](s scanner, r row[T]) (T, error) {
	if err := s.Scan(r.dest()...); err != nil {
		var zero T
		return zero, translate(err)
	}
	return r.record()
}

// storedTime is a time column on its way to a domain field.
type storedTime struct {
	dst *time.Time
	src sql.NullString
}

// parseTimes parses each stored time into its field; NULL gives zero.
func parseTimes(ts ...storedTime) error {
	for _, t := range ts {
		v, err := parseNullTime(t.src)
		if err != nil {
			return err
		}
		*t.dst = v
	}
	return nil
}

// CreateCitizen implements account.CitizenStore.
func (db *DB) CreateCitizen(ctx context.Context, c account.CitizenRecord) error {
	_, err := db.writeExec(ctx, db.sql, insertCitizen, citizenArgs(c)...)
	return translate(wrapf(err, "create citizen"))
}

const insertCitizen = `INSERT INTO account_citizens (` + citizenColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

func citizenArgs(c account.CitizenRecord) []any {
	return []any{c.ID, c.PhoneKey, c.PhoneSealed, c.Lang, string(c.Assurance), c.BirthSealed, string(c.Status),
		formatTime(c.CreatedAt), nullTime(c.DeletedAt)}
}

// CitizenByID implements account.CitizenStore.
func (db *DB) CitizenByID(ctx context.Context, id string) (account.CitizenRecord, error) {
	return scanRow(db.queryRow(ctx, db.sql, "SELECT "+citizenColumns+" FROM account_citizens WHERE id = ?", id), &citizenRow{})
}

// CitizenByPhoneKey implements account.CitizenStore.
func (db *DB) CitizenByPhoneKey(ctx context.Context, key []byte) (account.CitizenRecord, error) {
	return scanRow(db.queryRow(ctx, db.sql, "SELECT "+citizenColumns+" FROM account_citizens WHERE phone_key = ?", key), &citizenRow{})
}

// SetCitizenLang implements account.CitizenStore.
func (db *DB) SetCitizenLang(ctx context.Context, id, lang string) error {
	return db.updateOne(ctx, "set citizen language", "UPDATE account_citizens SET lang = ? WHERE id = ?", lang, id)
}

// SetCitizenAssurance implements account.CitizenStore.
func (db *DB) SetCitizenAssurance(ctx context.Context, id string, a account.Assurance) error {
	return db.updateOne(ctx, "set citizen assurance", "UPDATE account_citizens SET assurance = ? WHERE id = ?", string(a), id)
}

// SetCitizenBirth implements account.CitizenStore.
func (db *DB) SetCitizenBirth(ctx context.Context, id string, sealed []byte) error {
	return db.updateOne(ctx, "set citizen birth date", "UPDATE account_citizens SET birth_sealed = ? WHERE id = ?", sealed, id)
}

// CitizensWithBirthAt implements account.CitizenStore.
func (db *DB) CitizensWithBirthAt(ctx context.Context, a account.Assurance, afterID string, limit int) ([]account.CitizenRecord, error) {
	rows, err := db.query(ctx, db.sql, "SELECT "+citizenColumns+` FROM account_citizens
		WHERE assurance = ? AND status = ? AND birth_sealed IS NOT NULL AND id > ? ORDER BY id LIMIT ?`,
		string(a), string(account.StatusActive), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list citizens with a birth date: %w", err)
	}
	defer rows.Close()
	var out []account.CitizenRecord
	for rows.Next() {
		c, err := scanRow(rows, &citizenRow{})
		if err != nil {
			return nil, fmt.Errorf("list citizens with a birth date: %w", err)
		}
		out = append(out, c)
	}
	return out, wrapf(rows.Err(), "list citizens with a birth date")
}

// SetPIN implements account.PINStore.
func (db *DB) SetPIN(ctx context.Context, r account.PINRecord) error {
	_, err := db.writeExec(ctx, db.sql, upsertPIN, r.CitizenID, r.Hash, formatTime(r.UpdatedAt))
	return translateFK(wrapf(err, "set PIN"))
}

const upsertPIN = `INSERT INTO account_pins (citizen_id, hash, updated_at) VALUES (?, ?, ?)
	ON CONFLICT (citizen_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`

// PIN implements account.PINStore.
func (db *DB) PIN(ctx context.Context, citizenID string) (account.PINRecord, error) {
	r := account.PINRecord{CitizenID: citizenID}
	var updated string
	err := db.queryRow(ctx, db.sql, "SELECT hash, updated_at FROM account_pins WHERE citizen_id = ?", citizenID).Scan(&r.Hash, &updated)
	if err != nil {
		return account.PINRecord{}, translate(err)
	}
	r.UpdatedAt, err = parseTime(updated)
	return r, err
}

// CreateAccount implements account.Store.
func (db *DB) CreateAccount(ctx context.Context, a account.NewAccount) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, insertCitizen, citizenArgs(a.Citizen)...); err != nil {
			return translate(fmt.Errorf("create account: citizen: %w", err))
		}
		if _, err := db.exec(ctx, tx, upsertPIN, a.PIN.CitizenID, a.PIN.Hash, formatTime(a.PIN.UpdatedAt)); err != nil {
			return translateFK(fmt.Errorf("create account: PIN: %w", err))
		}
		if _, err := db.exec(ctx, tx, insertDevice, deviceArgs(a.Device)...); err != nil {
			return translateFK(fmt.Errorf("create account: device: %w", err))
		}
		if _, err := db.exec(ctx, tx, insertSession, sessionArgs(a.Session, a.SessionHash)...); err != nil {
			return translateFK(fmt.Errorf("create account: session: %w", err))
		}
		return nil
	})
}

// PurgeAccounts implements account.Store.
func (db *DB) PurgeAccounts(ctx context.Context, now, before time.Time) (int64, error) {
	n, b := formatTime(now), formatTime(before)
	var total int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		total = 0
		for _, q := range []struct {
			query string
			args  []any
		}{
			{"DELETE FROM account_rate_limits WHERE expires_at < ?", []any{n}},
			{`DELETE FROM account_otps WHERE expires_at < ? AND (proof_expires_at IS NULL OR proof_expires_at < ?)`, []any{b, b}},
			{`DELETE FROM account_counters WHERE (updated_at IS NULL OR updated_at < ?) AND (locked_until IS NULL OR locked_until < ?)`, []any{b, b}},
			{`DELETE FROM account_sessions WHERE expires_at < ? OR ended_at < ?`, []any{b, b}},
		} {
			res, err := db.exec(ctx, tx, q.query, q.args...)
			if err != nil {
				return fmt.Errorf("purge accounts: %w", err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("purge accounts: %w", err)
			}
			total += k
		}
		return nil
	})
	return total, err
}

// updateOne runs an UPDATE that must change exactly one row; none is
// ENOTFOUND.
func (db *DB) updateOne(ctx context.Context, what, query string, args ...any) error {
	res, err := db.writeExec(ctx, db.sql, query, args...)
	if err != nil {
		return translate(fmt.Errorf("%s: %w", what, err))
	}
	return oneRow(res, what)
}

// oneRow turns "no row changed" into ENOTFOUND.
func oneRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return digitalid.Errorf(digitalid.ENOTFOUND, "%s: not found", what)
	}
	return nil
}

// writeExec runs one write statement. On SQLite it queues on writeMu, as a
// transaction does, rather than in SQLite's busy handler, which sleeps.
func (db *DB) writeExec(ctx context.Context, x querier, query string, args ...any) (sql.Result, error) {
	if db.dialect == SQLite && x == querier(db.sql) {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	return db.exec(ctx, x, query, args...)
}

// writeScan runs one write statement with RETURNING and scans its single
// row into dest, queueing on writeMu on SQLite. No row is ENOTFOUND.
func (db *DB) writeScan(ctx context.Context, dest []any, query string, args ...any) error {
	if db.dialect == SQLite {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	return translate(db.queryRow(ctx, db.sql, query, args...).Scan(dest...))
}

// translateFK maps a foreign-key violation (the citizen or device referred
// to does not exist) to ENOTFOUND, and the rest as translate does.
func translateFK(err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if (errors.As(err, &pg) && pg.Code == "23503") || strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return digitalid.Wrap(digitalid.ENOTFOUND, err, "not found")
	}
	return translate(err)
}

// wrapf adds context to a non-nil error.
func wrapf(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
