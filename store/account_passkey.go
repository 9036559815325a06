package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

const passkeyColumns = "id, citizen_id, device_id, credential_id, user_handle, credential, name_sealed, sign_count, created_at, last_used_at, removed_at"

// passkeyRow is one row of account_passkeys, with its device's block time
// when the query joins it.
type passkeyRow struct {
	id, citizenID, deviceID                    string
	credentialID, userHandle, credential, name []byte
	signCount                                  int64
	createdAt, lastUsedAt, removedAt, blocked  sql.NullString
}

func (r *passkeyRow) dest() []any {
	return []any{&r.id, &r.citizenID, &r.deviceID, &r.credentialID, &r.userHandle, &r.credential, &r.name,
		&r.signCount, &r.createdAt, &r.lastUsedAt, &r.removedAt}
}

func (r *passkeyRow) record() (account.PasskeyRecord, error) {
	if r.signCount < 0 || r.signCount > math.MaxUint32 {
		return account.PasskeyRecord{}, fmt.Errorf("account_passkeys %s: sign count out of range", r.id)
	}
	p := account.PasskeyRecord{
		ID: r.id, CitizenID: r.citizenID, DeviceID: r.deviceID, CredentialID: r.credentialID, UserHandle: r.userHandle,
		Credential: r.credential, NameSealed: r.name, SignCount: uint32(r.signCount),
	}
	err := parseTimes(storedTime{&p.CreatedAt, r.createdAt}, storedTime{&p.LastUsedAt, r.lastUsedAt},
		storedTime{&p.RemovedAt, r.removedAt}, storedTime{&p.DeviceBlockedAt, r.blocked})
	if err != nil {
		return account.PasskeyRecord{}, fmt.Errorf("account_passkeys %s: %w", r.id, err)
	}
	return p, nil
}

// listedPasskey is a passkeyRow read with its device's block time.
type listedPasskey struct{ passkeyRow }

func (r *listedPasskey) dest() []any { return append(r.passkeyRow.dest(), &r.blocked) }

const ceremonyColumns = "id, kind, session_id, citizen_id, data, created_at, expires_at"

// ceremonyRow is one row of account_passkey_ceremonies; every column may be
// NULL when the query left-joins it.
type ceremonyRow struct {
	id, kind, sessionID, citizenID sql.NullString
	data                           []byte
	createdAt, expiresAt           sql.NullString
}

func (r *ceremonyRow) dest() []any {
	return []any{&r.id, &r.kind, &r.sessionID, &r.citizenID, &r.data, &r.createdAt, &r.expiresAt}
}

// record converts the row; a NULL id is no ceremony.
func (r *ceremonyRow) record() (account.PasskeyCeremony, error) {
	if !r.id.Valid {
		return account.PasskeyCeremony{}, nil
	}
	c := account.PasskeyCeremony{ID: r.id.String, Kind: r.kind.String, SessionID: r.sessionID.String, CitizenID: r.citizenID.String, Data: r.data}
	if err := parseTimes(storedTime{&c.CreatedAt, r.createdAt}, storedTime{&c.ExpiresAt, r.expiresAt}); err != nil {
		return account.PasskeyCeremony{}, fmt.Errorf("account_passkey_ceremonies %s: %w", c.ID, err)
	}
	return c, nil
}

// qualify prefixes each column of a list with a table alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// CreatePasskeyCeremony implements account.PasskeyStore.
func (db *DB) CreatePasskeyCeremony(ctx context.Context, c account.PasskeyCeremony) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO account_passkey_ceremonies (`+ceremonyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Kind, c.SessionID, c.CitizenID, c.Data, formatTime(c.CreatedAt), formatTime(c.ExpiresAt))
	return translate(wrapf(err, "create passkey ceremony"))
}

// PasskeyCeremony implements account.PasskeyStore.
func (db *DB) PasskeyCeremony(ctx context.Context, id string) (account.PasskeyCeremony, error) {
	return scanRow(db.queryRow(ctx, db.sql, "SELECT "+ceremonyColumns+" FROM account_passkey_ceremonies WHERE id = ?", id), &ceremonyRow{})
}

// DeletePasskeyCeremony implements account.PasskeyStore.
func (db *DB) DeletePasskeyCeremony(ctx context.Context, id string) error {
	return db.updateOne(ctx, "delete passkey ceremony", "DELETE FROM account_passkey_ceremonies WHERE id = ?", id)
}

// PurgePasskeyCeremonies implements account.PasskeyStore.
func (db *DB) PurgePasskeyCeremonies(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.writeExec(ctx, db.sql, "DELETE FROM account_passkey_ceremonies WHERE expires_at < ?", formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("purge passkey ceremonies: %w", err)
	}
	return res.RowsAffected()
}

// PasskeyAssertion implements account.PasskeyStore in one query.
func (db *DB) PasskeyAssertion(ctx context.Context, ceremonyID string, credentialID []byte) (account.PasskeyCeremony, account.PasskeyView, error) {
	var p passkeyRow
	var d deviceRow
	var z citizenRow
	var c ceremonyRow
	dest := append(append(append(p.dest(), d.dest()...), z.dest()...), c.dest()...)
	err := db.queryRow(ctx, db.sql, `SELECT `+qualify("p", passkeyColumns)+`, `+qualify("d", deviceColumns)+`, `+
		qualify("z", citizenColumns)+`, `+qualify("c", ceremonyColumns)+`
		FROM account_passkeys p
		JOIN account_devices d ON d.id = p.device_id
		JOIN account_citizens z ON z.id = p.citizen_id
		LEFT JOIN account_passkey_ceremonies c ON c.id = ?
		WHERE p.credential_id = ?`, ceremonyID, credentialID).Scan(dest...)
	if err != nil {
		return account.PasskeyCeremony{}, account.PasskeyView{}, translate(err)
	}
	var v account.PasskeyView
	if v.Passkey, err = p.record(); err != nil {
		return account.PasskeyCeremony{}, account.PasskeyView{}, err
	}
	if v.Device, err = d.record(); err != nil {
		return account.PasskeyCeremony{}, account.PasskeyView{}, err
	}
	v.Passkey.DeviceBlockedAt = v.Device.BlockedAt
	if v.Citizen, err = z.record(); err != nil {
		return account.PasskeyCeremony{}, account.PasskeyView{}, err
	}
	cer, err := c.record()
	return cer, v, err
}

// ListPasskeys implements account.PasskeyStore.
func (db *DB) ListPasskeys(ctx context.Context, citizenID string) ([]account.PasskeyRecord, error) {
	return db.listPasskeys(ctx, `WHERE p.citizen_id = ?`, citizenID)
}

// PasskeysByPhoneKey implements account.PasskeyStore.
func (db *DB) PasskeysByPhoneKey(ctx context.Context, phoneKey []byte) ([]account.PasskeyRecord, error) {
	return db.listPasskeys(ctx, `JOIN account_citizens z ON z.id = p.citizen_id WHERE z.phone_key = ?`, phoneKey)
}

// listPasskeys lists the passkeys, not removed, that filter (a join and a
// WHERE with one argument) selects, oldest first, with their devices' block
// times.
func (db *DB) listPasskeys(ctx context.Context, filter string, arg any) ([]account.PasskeyRecord, error) {
	rows, err := db.query(ctx, db.sql, `SELECT `+qualify("p", passkeyColumns)+`, d.blocked_at
		FROM account_passkeys p JOIN account_devices d ON d.id = p.device_id `+filter+`
		AND p.removed_at IS NULL ORDER BY p.created_at, p.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	return collect(rows, func(s scanner) (account.PasskeyRecord, error) {
		return scanRow[account.PasskeyRecord](s, &listedPasskey{})
	})
}

// RenamePasskey implements account.PasskeyStore.
func (db *DB) RenamePasskey(ctx context.Context, citizenID, id string, nameSealed []byte) error {
	return db.updateOne(ctx, "rename passkey", `UPDATE account_passkeys SET name_sealed = ?
		WHERE id = ? AND citizen_id = ? AND removed_at IS NULL`, nameSealed, id, citizenID)
}

// RemovePasskey implements account.PasskeyStore.
func (db *DB) RemovePasskey(ctx context.Context, citizenID, id string, at time.Time) error {
	return db.updateOne(ctx, "remove passkey", `UPDATE account_passkeys SET removed_at = ?
		WHERE id = ? AND citizen_id = ? AND removed_at IS NULL`, formatTime(at), id, citizenID)
}

// AddPasskey implements account.PasskeyStore.
func (db *DB) AddPasskey(ctx context.Context, ceremonyID string, p account.PasskeyRecord) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, "DELETE FROM account_passkey_ceremonies WHERE id = ?", ceremonyID)
		if err != nil {
			return fmt.Errorf("add passkey: ceremony: %w", err)
		}
		if err := oneRow(res, "add passkey: ceremony"); err != nil {
			return err
		}
		var blocked sql.NullString
		err = db.queryRow(ctx, tx, "SELECT blocked_at FROM account_devices WHERE id = ? AND citizen_id = ?", p.DeviceID, p.CitizenID).Scan(&blocked)
		if err != nil {
			return translate(fmt.Errorf("add passkey: device: %w", err))
		}
		if blocked.Valid {
			return digitalid.Errorf(digitalid.ENOTFOUND, "add passkey: the device is blocked")
		}
		_, err = db.exec(ctx, tx, `INSERT INTO account_passkeys (`+passkeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.CitizenID, p.DeviceID, p.CredentialID, p.UserHandle, p.Credential, p.NameSealed, int64(p.SignCount),
			formatTime(p.CreatedAt), nullTime(p.LastUsedAt), nullTime(p.RemovedAt))
		return translateFK(wrapf(err, "add passkey"))
	})
}

// usePasskeyWhere selects the passkey a use may update: not removed, on an
// unblocked device, its counter as read. Arguments: id, old count, device
// id (twice).
const usePasskeyWhere = `id = ? AND sign_count = ? AND removed_at IS NULL AND device_id = ?
	AND EXISTS (SELECT 1 FROM account_devices WHERE id = ? AND blocked_at IS NULL)`

// reauthSessionOpen additionally requires the session to re-authenticate to
// be open. Argument: session id.
const reauthSessionOpen = ` AND EXISTS (SELECT 1 FROM account_sessions WHERE id = ? AND ended_at IS NULL)`

// UsePasskey implements account.PasskeyStore. On PostgreSQL it is one
// statement, one round trip, atomic by itself; SQLite, which has no
// data-modifying WITH, runs the same steps in one transaction in process.
func (db *DB) UsePasskey(ctx context.Context, u account.PasskeyUse) error {
	if (u.Session == nil) == (u.ReauthSessionID == "") {
		return digitalid.Errorf(digitalid.EINVALID, "use passkey: exactly one of a session and a session to re-authenticate")
	}
	at := formatTime(u.At)
	where := usePasskeyWhere
	whereArgs := []any{u.PasskeyID, int64(u.OldCount), u.DeviceID, u.DeviceID}
	if u.Session == nil {
		where += reauthSessionOpen
		whereArgs = append(whereArgs, u.ReauthSessionID)
	}
	setArgs := append([]any{int64(u.NewCount), at}, whereArgs...)
	if db.dialect == Postgres {
		return db.usePasskeyPostgres(ctx, u, where, setArgs)
	}
	conflict := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		conflict = false
		res, err := db.exec(ctx, tx, "DELETE FROM account_passkey_ceremonies WHERE id = ?", u.CeremonyID)
		if err != nil {
			return fmt.Errorf("use passkey: ceremony: %w", err)
		}
		if err := oneRow(res, "use passkey: ceremony"); err != nil {
			return err
		}
		res, err = db.exec(ctx, tx, "UPDATE account_passkeys SET sign_count = ?, last_used_at = ? WHERE "+where, setArgs...)
		if err != nil {
			return fmt.Errorf("use passkey: %w", err)
		}
		if oneRow(res, "use passkey") != nil {
			conflict = true // commit the used ceremony, change nothing else
			return nil
		}
		if u.Session == nil {
			_, err = db.exec(ctx, tx, "UPDATE account_sessions SET reauth_at = ? WHERE id = ?", at, u.ReauthSessionID)
			return wrapf(err, "use passkey: re-authenticate")
		}
		if _, err := db.exec(ctx, tx, "UPDATE account_devices SET last_seen_at = ? WHERE id = ?", at, u.DeviceID); err != nil {
			return fmt.Errorf("use passkey: touch device: %w", err)
		}
		_, err = db.exec(ctx, tx, insertSession, sessionArgs(*u.Session, u.SessionHash)...)
		return translateFK(wrapf(err, "use passkey: session"))
	})
	if err == nil && conflict {
		return digitalid.Errorf(digitalid.ECONFLICT, "use passkey: removed, device blocked, counter moved or session ended")
	}
	return err
}

// usePasskeyPostgres is UsePasskey as one statement: every part hangs on
// the ceremony's deletion (c) and the passkey's update (p), and the counts
// tell which failed.
func (db *DB) usePasskeyPostgres(ctx context.Context, u account.PasskeyUse, where string, setArgs []any) error {
	args := append([]any{u.CeremonyID}, setArgs...)
	var last string
	if u.Session == nil {
		last = `s AS (UPDATE account_sessions SET reauth_at = ? WHERE id = ? AND EXISTS (SELECT 1 FROM p) RETURNING id)`
		args = append(args, formatTime(u.At), u.ReauthSessionID)
	} else {
		sargs := sessionArgs(*u.Session, u.SessionHash)
		last = `d AS (UPDATE account_devices SET last_seen_at = ? WHERE id IN (SELECT device_id FROM p)),
			s AS (INSERT INTO account_sessions (` + sessionColumns + `, token_hash)
				SELECT ` + strings.TrimSuffix(strings.Repeat("?, ", len(sargs)), ", ") + ` FROM p RETURNING id)`
		args = append(append(args, formatTime(u.At)), sargs...)
	}
	var deleted, done int64
	err := db.queryRow(ctx, db.sql, `WITH c AS (DELETE FROM account_passkey_ceremonies WHERE id = ? RETURNING id),
		p AS (UPDATE account_passkeys SET sign_count = ?, last_used_at = ? WHERE `+where+` AND EXISTS (SELECT 1 FROM c) RETURNING device_id),
		`+last+`
		SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM s)`, args...).Scan(&deleted, &done)
	switch {
	case err != nil:
		return translateFK(fmt.Errorf("use passkey: %w", err))
	case deleted == 0:
		return digitalid.Errorf(digitalid.ENOTFOUND, "use passkey: no such ceremony")
	case done == 0:
		return digitalid.Errorf(digitalid.ECONFLICT, "use passkey: removed, device blocked, counter moved or session ended")
	}
	return nil
}
