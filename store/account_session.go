package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

const deviceColumns = "id, citizen_id, token_hash, name_sealed, created_at, last_seen_at, blocked_at"

// deviceRow is one row of account_devices.
type deviceRow struct {
	id, citizenID                    string
	tokenHash, name                  []byte
	createdAt, lastSeenAt, blockedAt sql.NullString
}

func (r *deviceRow) dest() []any {
	return []any{&r.id, &r.citizenID, &r.tokenHash, &r.name, &r.createdAt, &r.lastSeenAt, &r.blockedAt}
}

func (r *deviceRow) record() (account.DeviceRecord, error) {
	d := account.DeviceRecord{ID: r.id, CitizenID: r.citizenID, TokenHash: r.tokenHash, NameSealed: r.name}
	err := parseTimes(storedTime{&d.CreatedAt, r.createdAt}, storedTime{&d.LastSeenAt, r.lastSeenAt}, storedTime{&d.BlockedAt, r.blockedAt})
	if err != nil {
		return account.DeviceRecord{}, fmt.Errorf("account_devices %s: %w", r.id, err)
	}
	return d, nil
}

func scanDevice(s scanner) (account.DeviceRecord, error) { return scanRow(s, &deviceRow{}) }

const insertDevice = `INSERT INTO account_devices (` + deviceColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)`

func deviceArgs(d account.DeviceRecord) []any {
	return []any{d.ID, d.CitizenID, d.TokenHash, d.NameSealed, formatTime(d.CreatedAt), formatTime(d.LastSeenAt), nullTime(d.BlockedAt)}
}

// CreateDevice implements account.SessionStore.
func (db *DB) CreateDevice(ctx context.Context, d account.DeviceRecord) error {
	_, err := db.writeExec(ctx, db.sql, insertDevice, deviceArgs(d)...)
	return translateFK(wrapf(err, "create device"))
}

// DeviceByID implements account.SessionStore.
func (db *DB) DeviceByID(ctx context.Context, id string) (account.DeviceRecord, error) {
	return scanDevice(db.queryRow(ctx, db.sql, "SELECT "+deviceColumns+" FROM account_devices WHERE id = ?", id))
}

// DeviceByTokenHash implements account.SessionStore.
func (db *DB) DeviceByTokenHash(ctx context.Context, hash []byte) (account.DeviceRecord, error) {
	return scanDevice(db.queryRow(ctx, db.sql, "SELECT "+deviceColumns+" FROM account_devices WHERE token_hash = ?", hash))
}

// ListDevices implements account.SessionStore.
func (db *DB) ListDevices(ctx context.Context, citizenID string) ([]account.DeviceRecord, error) {
	rows, err := db.query(ctx, db.sql, "SELECT "+deviceColumns+" FROM account_devices WHERE citizen_id = ? ORDER BY created_at, id", citizenID)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	return collect(rows, scanDevice)
}

// RenameDevice implements account.SessionStore.
func (db *DB) RenameDevice(ctx context.Context, citizenID, id string, nameSealed []byte) error {
	return db.updateOne(ctx, "rename device", "UPDATE account_devices SET name_sealed = ? WHERE id = ? AND citizen_id = ?",
		nameSealed, id, citizenID)
}

// BlockDevice implements account.SessionStore.
func (db *DB) BlockDevice(ctx context.Context, citizenID, id string, at time.Time) ([]string, error) {
	var ended []string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		ended = nil
		res, err := db.exec(ctx, tx, `UPDATE account_devices SET blocked_at = ? WHERE id = ? AND citizen_id = ? AND blocked_at IS NULL`,
			formatTime(at), id, citizenID)
		if err != nil {
			return fmt.Errorf("block device: %w", err)
		}
		if oneRow(res, "block device") != nil {
			var blocked sql.NullString
			err := db.queryRow(ctx, tx, "SELECT blocked_at FROM account_devices WHERE id = ? AND citizen_id = ?", id, citizenID).Scan(&blocked)
			if err != nil {
				return translate(fmt.Errorf("block device: %w", err))
			}
			return digitalid.Errorf(digitalid.ECONFLICT, "the device is blocked already")
		}
		rows, err := db.query(ctx, tx, `UPDATE account_sessions SET ended_at = ?, end_reason = ?
			WHERE device_id = ? AND ended_at IS NULL AND expires_at > ? RETURNING id`,
			formatTime(at), account.EndDeviceBlocked, id, formatTime(at))
		if err != nil {
			return fmt.Errorf("end device sessions: %w", err)
		}
		ended, err = collect(rows, func(s scanner) (string, error) {
			var id string
			return id, s.Scan(&id)
		})
		return err
	})
	return ended, err
}

const sessionColumns = "id, citizen_id, device_id, created_at, expires_at, last_seen_at, reauth_at, ended_at, end_reason"

// sessionRow is one row of account_sessions, without its token hash.
type sessionRow struct {
	id, citizenID, deviceID, reason                     string
	createdAt, expiresAt, lastSeenAt, reauthAt, endedAt sql.NullString
}

func (r *sessionRow) dest() []any {
	return []any{&r.id, &r.citizenID, &r.deviceID, &r.createdAt, &r.expiresAt, &r.lastSeenAt, &r.reauthAt, &r.endedAt, &r.reason}
}

func (r *sessionRow) record() (account.Session, error) {
	s := account.Session{ID: r.id, CitizenID: r.citizenID, DeviceID: r.deviceID, EndReason: r.reason}
	err := parseTimes(storedTime{&s.CreatedAt, r.createdAt}, storedTime{&s.ExpiresAt, r.expiresAt},
		storedTime{&s.LastSeenAt, r.lastSeenAt}, storedTime{&s.ReauthAt, r.reauthAt}, storedTime{&s.EndedAt, r.endedAt})
	if err != nil {
		return account.Session{}, fmt.Errorf("account_sessions %s: %w", r.id, err)
	}
	return s, nil
}

func scanSession(s scanner) (account.Session, error) { return scanRow(s, &sessionRow{}) }

const insertSession = `INSERT INTO account_sessions (` + sessionColumns + `, token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func sessionArgs(s account.Session, hash []byte) []any {
	return []any{s.ID, s.CitizenID, s.DeviceID, formatTime(s.CreatedAt), formatTime(s.ExpiresAt), formatTime(s.LastSeenAt),
		formatTime(s.ReauthAt), nullTime(s.EndedAt), s.EndReason, hash}
}

// CreateSession implements account.SessionStore; it also sets the device's
// last-seen time.
func (db *DB) CreateSession(ctx context.Context, s account.Session, tokenHash []byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, insertSession, sessionArgs(s, tokenHash)...); err != nil {
			return translateFK(fmt.Errorf("create session: %w", err))
		}
		_, err := db.exec(ctx, tx, "UPDATE account_devices SET last_seen_at = ? WHERE id = ?", formatTime(s.CreatedAt), s.DeviceID)
		return wrapf(err, "touch device")
	})
}

// SessionByTokenHash implements account.SessionStore in one query.
func (db *DB) SessionByTokenHash(ctx context.Context, hash []byte) (account.SessionView, error) {
	var s sessionRow
	var c citizenRow
	var blocked sql.NullString
	err := db.queryRow(ctx, db.sql, `SELECT s.id, s.citizen_id, s.device_id, s.created_at, s.expires_at, s.last_seen_at,
		s.reauth_at, s.ended_at, s.end_reason, d.blocked_at, c.id, c.phone_key, c.phone_sealed, c.lang, c.assurance,
		c.birth_sealed, c.status, c.created_at, c.deleted_at
		FROM account_sessions s
		JOIN account_devices d ON d.id = s.device_id
		JOIN account_citizens c ON c.id = s.citizen_id
		WHERE s.token_hash = ?`, hash).Scan(append(append(s.dest(), &blocked), c.dest()...)...)
	if err != nil {
		return account.SessionView{}, translate(err)
	}
	v := account.SessionView{}
	if v.Session, err = s.record(); err != nil {
		return account.SessionView{}, err
	}
	if v.DeviceBlockedAt, err = parseNullTime(blocked); err != nil {
		return account.SessionView{}, fmt.Errorf("account_devices %s: %w", s.deviceID, err)
	}
	if v.Citizen, err = c.record(); err != nil {
		return account.SessionView{}, err
	}
	return v, nil
}

// ListSessions implements account.SessionStore.
func (db *DB) ListSessions(ctx context.Context, citizenID string, now, idleSince time.Time) ([]account.Session, error) {
	rows, err := db.query(ctx, db.sql, `SELECT `+sessionColumns+` FROM account_sessions
		WHERE citizen_id = ? AND ended_at IS NULL AND expires_at > ? AND last_seen_at > ?
		ORDER BY created_at DESC, id DESC`, citizenID, formatTime(now), formatTime(idleSince))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return collect(rows, scanSession)
}

// TouchSession implements account.SessionStore.
func (db *DB) TouchSession(ctx context.Context, id, deviceID string, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		t := formatTime(at)
		if _, err := db.exec(ctx, tx, "UPDATE account_sessions SET last_seen_at = ? WHERE id = ?", t, id); err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		_, err := db.exec(ctx, tx, "UPDATE account_devices SET last_seen_at = ? WHERE id = ?", t, deviceID)
		return wrapf(err, "touch device")
	})
}

// SetSessionReauth implements account.SessionStore.
func (db *DB) SetSessionReauth(ctx context.Context, id string, at time.Time) error {
	return db.updateOne(ctx, "mark re-authentication", "UPDATE account_sessions SET reauth_at = ? WHERE id = ? AND ended_at IS NULL",
		formatTime(at), id)
}

// EndSession implements account.SessionStore.
func (db *DB) EndSession(ctx context.Context, citizenID, id string, at time.Time, reason string) error {
	return db.updateOne(ctx, "end session", `UPDATE account_sessions SET ended_at = ?, end_reason = ?
		WHERE id = ? AND citizen_id = ? AND ended_at IS NULL`, formatTime(at), reason, id, citizenID)
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}
