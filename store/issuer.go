package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
)

var _ issuer.Store = (*DB)(nil)

const issuerColumns = "id, name, allowed_types, jwks, status, created_at, disabled_at"

// issuerRow is one row of issuers.
type issuerRow struct {
	id, name, types, jwks, status string
	createdAt, disabledAt         sql.NullString
}

func (r *issuerRow) dest() []any {
	return []any{&r.id, &r.name, &r.types, &r.jwks, &r.status, &r.createdAt, &r.disabledAt}
}

func (r *issuerRow) record() (issuer.Issuer, error) {
	i := issuer.Issuer{ID: r.id, Name: r.name, Status: issuer.Status(r.status)}
	if err := json.Unmarshal([]byte(r.types), &i.AllowedTypes); err != nil {
		return issuer.Issuer{}, fmt.Errorf("issuers %s: allowed_types: %w", r.id, err)
	}
	if err := json.Unmarshal([]byte(r.jwks), &i.PublicKeys); err != nil {
		return issuer.Issuer{}, fmt.Errorf("issuers %s: jwks: %w", r.id, err)
	}
	if err := parseTimes(storedTime{&i.CreatedAt, r.createdAt}, storedTime{&i.DisabledAt, r.disabledAt}); err != nil {
		return issuer.Issuer{}, fmt.Errorf("issuers %s: %w", r.id, err)
	}
	return i, nil
}

// CreateIssuer implements issuer.Store.
func (db *DB) CreateIssuer(ctx context.Context, i issuer.Issuer) error {
	types, err := json.Marshal(i.AllowedTypes)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", i.ID, err)
	}
	jwks, err := json.Marshal(i.PublicKeys)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", i.ID, err)
	}
	_, err = db.writeExec(ctx, db.sql, `INSERT INTO issuers (`+issuerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		i.ID, i.Name, string(types), string(jwks), string(i.Status), formatTime(i.CreatedAt), nullTime(i.DisabledAt))
	return wrapf(translate(err), "insert issuer "+i.ID)
}

// Issuer implements issuer.Store.
func (db *DB) Issuer(ctx context.Context, id string) (issuer.Issuer, error) {
	i, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+issuerColumns+` FROM issuers WHERE id = ?`, id), row[issuer.Issuer](&issuerRow{}))
	return i, wrapf(err, "read issuer "+id)
}

// Issuers implements issuer.Store.
func (db *DB) Issuers(ctx context.Context) ([]issuer.Issuer, error) {
	rows, err := db.query(ctx, db.sql, `SELECT `+issuerColumns+` FROM issuers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list issuers: %w", err)
	}
	defer rows.Close()
	var out []issuer.Issuer
	for rows.Next() {
		i, err := scanRow(rows, row[issuer.Issuer](&issuerRow{}))
		if err != nil {
			return nil, fmt.Errorf("list issuers: %w", err)
		}
		out = append(out, i)
	}
	return out, wrapf(rows.Err(), "list issuers")
}

// DisableIssuer implements issuer.Store.
func (db *DB) DisableIssuer(ctx context.Context, id string, at time.Time) error {
	return db.updateOne(ctx, "disable issuer "+id, `UPDATE issuers SET status = ?, disabled_at = COALESCE(disabled_at, ?) WHERE id = ?`,
		string(issuer.StatusDisabled), formatTime(at), id)
}

// UseAssertion implements issuer.Store: a unique insert, so two instances
// given the same assertion at once let exactly one through.
func (db *DB) UseAssertion(ctx context.Context, issuerID, jti string, expiresAt time.Time) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO issuer_assertions (issuer_id, jti, expires_at) VALUES (?, ?, ?)`,
		issuerID, jti, formatTime(expiresAt))
	return wrapf(translateFK(err), "record assertion of "+issuerID)
}

// PurgeAssertions implements issuer.Store.
func (db *DB) PurgeAssertions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.writeExec(ctx, db.sql, `DELETE FROM issuer_assertions WHERE expires_at < ?`, formatTime(now))
	if err != nil {
		return 0, fmt.Errorf("purge issuer assertions: %w", err)
	}
	return res.RowsAffected()
}

// PutCitizenIdentifier implements issuer.Store.
func (db *DB) PutCitizenIdentifier(ctx context.Context, kind string, mac []byte, citizenID string, at time.Time) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO issuer_citizen_index (kind, mac, citizen_id, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind, mac) DO UPDATE SET citizen_id = excluded.citizen_id, updated_at = excluded.updated_at`,
		kind, mac, citizenID, formatTime(at))
	return wrapf(translateFK(err), "index citizen identifier")
}

// BindCitizenIdentifier implements issuer.Store: an insert that does
// nothing on the unique key, then, when it did nothing, a read of who holds
// the key (again if the holder's row went away in between).
func (db *DB) BindCitizenIdentifier(ctx context.Context, kind string, mac []byte, citizenID string, at time.Time) (bool, error) {
	for range 3 {
		res, err := db.writeExec(ctx, db.sql, `INSERT INTO issuer_citizen_index (kind, mac, citizen_id, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (kind, mac) DO NOTHING`, kind, mac, citizenID, formatTime(at))
		if err != nil {
			return false, wrapf(translateFK(err), "bind citizen identifier")
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("bind citizen identifier: %w", err)
		} else if n == 1 {
			return true, nil
		}
		holder, err := db.CitizenByIdentifier(ctx, kind, mac)
		switch {
		case digitalid.ErrorCode(err) == digitalid.ENOTFOUND:
			continue // the holder was purged in between: try the insert again
		case err != nil:
			return false, err
		case holder != citizenID:
			return false, digitalid.Errorf(digitalid.ECONFLICT, "bind citizen identifier: held by another citizen")
		}
		return false, nil
	}
	return false, fmt.Errorf("bind citizen identifier: the key kept changing hands")
}

// UnbindCitizenIdentifier implements issuer.Store.
func (db *DB) UnbindCitizenIdentifier(ctx context.Context, kind string, mac []byte, citizenID string) error {
	_, err := db.writeExec(ctx, db.sql, `DELETE FROM issuer_citizen_index WHERE kind = ? AND mac = ? AND citizen_id = ?`, kind, mac, citizenID)
	return wrapf(err, "unbind citizen identifier")
}

// CitizenByIdentifier implements issuer.Store.
func (db *DB) CitizenByIdentifier(ctx context.Context, kind string, mac []byte) (string, error) {
	var id string
	err := translate(db.queryRow(ctx, db.sql, `SELECT citizen_id FROM issuer_citizen_index WHERE kind = ? AND mac = ?`, kind, mac).Scan(&id))
	if err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return "", fmt.Errorf("find citizen identifier: %w", err)
	}
	return id, err
}
