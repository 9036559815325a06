package store

import (
	"context"
	"crypto/x509"
	"database/sql"
	"fmt"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
)

var _ keys.Store = (*DB)(nil)

// keyRow is one row of keys.
type keyRow struct {
	id, purpose, alg, backend, state, createdAt string
	retiredAt, expiresAt, hsmLabel              sql.NullString
	public, sealed, hsmID                       []byte
}

const keyColumns = `id, purpose, alg, backend, state, created_at, retired_at, expires_at, public_key, sealed, hsm_label, hsm_id`

func (r *keyRow) dest() []any {
	return []any{&r.id, &r.purpose, &r.alg, &r.backend, &r.state, &r.createdAt,
		&r.retiredAt, &r.expiresAt, &r.public, &r.sealed, &r.hsmLabel, &r.hsmID}
}

func (r keyRow) record() (keys.Record, error) {
	rec := keys.Record{
		Key: keys.Key{ID: r.id, Purpose: keys.Purpose(r.purpose), Alg: keys.Alg(r.alg),
			Backend: r.backend, State: keys.State(r.state)},
		Sealed: r.sealed, HSMLabel: r.hsmLabel.String, HSMID: r.hsmID,
	}
	var err error
	if rec.CreatedAt, err = parseTime(r.createdAt); err != nil {
		return keys.Record{}, fmt.Errorf("key %s: %w", r.id, err)
	}
	if rec.RetiredAt, err = parseNullTime(r.retiredAt); err != nil {
		return keys.Record{}, fmt.Errorf("key %s: %w", r.id, err)
	}
	if rec.ExpiresAt, err = parseNullTime(r.expiresAt); err != nil {
		return keys.Record{}, fmt.Errorf("key %s: %w", r.id, err)
	}
	if len(r.public) > 0 {
		if rec.Public, err = x509.ParsePKIXPublicKey(r.public); err != nil {
			return keys.Record{}, fmt.Errorf("key %s: public key: %w", r.id, err)
		}
	}
	return rec, nil
}

// ActivateKey implements keys.Store. The partial unique index keys_one_active
// is what makes it safe across instances: of two transactions inserting an
// active key for one (purpose, alg), the second fails with a unique
// violation (ECONFLICT) once the first commits.
func (db *DB) ActivateKey(ctx context.Context, r keys.Record, prev keys.Retirement) error {
	if r.ID == "" || r.State != keys.StateActive || r.CreatedAt.IsZero() || !r.RetiredAt.IsZero() {
		return digitalid.Errorf(digitalid.EINVALID, "a new key needs an id, the active state and a creation time")
	}
	var public []byte
	if r.Public != nil {
		var err error
		if public, err = x509.MarshalPKIXPublicKey(r.Public); err != nil {
			return digitalid.Wrap(digitalid.EINVALID, err, "unsupported public key")
		}
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if prev.ID != "" {
			res, err := db.exec(ctx, tx, `UPDATE keys SET state = 'retired', retired_at = ?, expires_at = ?
				WHERE id = ? AND purpose = ? AND alg = ? AND state = 'active'`,
				formatTime(prev.At), nullTime(prev.ExpiresAt), prev.ID, string(r.Purpose), string(r.Alg))
			if err != nil {
				return translate(fmt.Errorf("retire key %s: %w", prev.ID, err))
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return digitalid.Errorf(digitalid.ECONFLICT, "key %s is no longer the active %s %s key", prev.ID, r.Alg, r.Purpose)
			}
		}
		_, err := db.exec(ctx, tx, `INSERT INTO keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, string(r.Purpose), string(r.Alg), r.Backend, string(r.State), formatTime(r.CreatedAt),
			nullTime(r.RetiredAt), nullTime(r.ExpiresAt), public, r.Sealed,
			sql.NullString{String: r.HSMLabel, Valid: r.HSMLabel != ""}, r.HSMID)
		if err != nil {
			return translate(fmt.Errorf("insert key %s: %w", r.ID, err))
		}
		return nil
	})
}

// KeyRecord implements keys.Store.
func (db *DB) KeyRecord(ctx context.Context, id string) (keys.Record, error) {
	return db.oneKey(ctx, `SELECT `+keyColumns+` FROM keys WHERE id = ?`, id)
}

// ActiveKeyRecord implements keys.Store.
func (db *DB) ActiveKeyRecord(ctx context.Context, purpose keys.Purpose, alg keys.Alg) (keys.Record, error) {
	return db.oneKey(ctx, `SELECT `+keyColumns+` FROM keys WHERE purpose = ? AND alg = ? AND state = 'active'`,
		string(purpose), string(alg))
}

func (db *DB) oneKey(ctx context.Context, query string, args ...any) (keys.Record, error) {
	var r keyRow
	if err := db.queryRow(ctx, db.sql, query, args...).Scan(r.dest()...); err != nil {
		return keys.Record{}, translate(fmt.Errorf("read key: %w", err))
	}
	return r.record()
}

// KeyRecords implements keys.Store.
func (db *DB) KeyRecords(ctx context.Context, purpose keys.Purpose) ([]keys.Record, error) {
	rows, err := db.query(ctx, db.sql, `SELECT `+keyColumns+` FROM keys WHERE purpose = ? ORDER BY created_at DESC, id`, string(purpose))
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	var out []keys.Record
	for rows.Next() {
		var r keyRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		rec, err := r.record()
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return out, nil
}

// CreateSecret implements keys.Store: insert-if-absent, then read back, so
// that of several instances creating one secret at once all get the first.
func (db *DB) CreateSecret(ctx context.Context, s keys.Secret) (keys.Secret, error) {
	if s.Name == "" || s.Wrapped.KeyID == "" || len(s.Wrapped.Ciphertext) == 0 || s.CreatedAt.IsZero() {
		return keys.Secret{}, digitalid.Errorf(digitalid.EINVALID, "a secret needs a name, a wrapped value and a creation time")
	}
	_, err := db.exec(ctx, db.sql, `INSERT INTO secrets (name, key_id, ciphertext, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, s.Name, s.Wrapped.KeyID, s.Wrapped.Ciphertext, formatTime(s.CreatedAt))
	if err != nil {
		return keys.Secret{}, translate(fmt.Errorf("insert secret %s: %w", s.Name, err))
	}
	return db.Secret(ctx, s.Name)
}

// Secret implements keys.Store.
func (db *DB) Secret(ctx context.Context, name string) (keys.Secret, error) {
	var s keys.Secret
	var created string
	err := db.queryRow(ctx, db.sql, `SELECT name, key_id, ciphertext, created_at FROM secrets WHERE name = ?`, name).
		Scan(&s.Name, &s.Wrapped.KeyID, &s.Wrapped.Ciphertext, &created)
	if err != nil {
		return keys.Secret{}, translate(fmt.Errorf("read secret %s: %w", name, err))
	}
	if s.CreatedAt, err = parseTime(created); err != nil {
		return keys.Secret{}, fmt.Errorf("secret %s: %w", name, err)
	}
	return s, nil
}
