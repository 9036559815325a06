package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/vault"
)

var _ vault.Store = (*DB)(nil)

// citizenKeyRow is one row of vault_citizen_keys.
type citizenKeyRow struct {
	citizenID                  string
	keyID, createdAt, shredded sql.NullString
	wrapped                    []byte
}

func (r *citizenKeyRow) dest() []any {
	return []any{&r.citizenID, &r.keyID, &r.wrapped, &r.createdAt, &r.shredded}
}

func (r *citizenKeyRow) record() (vault.CitizenKey, error) {
	k := vault.CitizenKey{CitizenID: r.citizenID, Wrapped: keys.Wrapped{KeyID: r.keyID.String, Ciphertext: r.wrapped}}
	if err := parseTimes(storedTime{&k.CreatedAt, r.createdAt}, storedTime{&k.ShreddedAt, r.shredded}); err != nil {
		return vault.CitizenKey{}, fmt.Errorf("vault_citizen_keys %s: %w", r.citizenID, err)
	}
	return k, nil
}

// CitizenKey implements vault.Store.
func (db *DB) CitizenKey(ctx context.Context, citizenID string) (vault.CitizenKey, error) {
	k, err := scanRow(db.queryRow(ctx, db.sql, `SELECT citizen_id, key_id, wrapped, created_at, shredded_at
		FROM vault_citizen_keys WHERE citizen_id = ?`, citizenID), row[vault.CitizenKey](&citizenKeyRow{}))
	return k, wrapf(err, "read data key of "+citizenID)
}

// CreateCitizenKey implements vault.Store: insert-if-absent, then read back,
// so that of several instances making a citizen's first key all get one.
func (db *DB) CreateCitizenKey(ctx context.Context, k vault.CitizenKey) (vault.CitizenKey, error) {
	if k.CitizenID == "" || k.Wrapped.KeyID == "" || len(k.Wrapped.Ciphertext) == 0 || k.CreatedAt.IsZero() {
		return vault.CitizenKey{}, digitalid.Errorf(digitalid.EINVALID, "a data key needs a citizen, a wrapped key and a creation time")
	}
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO vault_citizen_keys (citizen_id, key_id, wrapped, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (citizen_id) DO NOTHING`,
		k.CitizenID, k.Wrapped.KeyID, k.Wrapped.Ciphertext, formatTime(k.CreatedAt))
	if err != nil {
		return vault.CitizenKey{}, translateFK(fmt.Errorf("insert data key of %s: %w", k.CitizenID, err))
	}
	return db.CitizenKey(ctx, k.CitizenID)
}

// ShredCitizenKey implements vault.Store. On SQLite the transaction turns on
// secure_delete, so the freed pages holding the wrapped key and the
// ciphertexts are zeroed, and then checkpoints and truncates the WAL so no
// old copy of those pages stays in it. (PostgreSQL keeps dead row versions
// until VACUUM; the wrapped key there is gone from the live table at once.)
func (db *DB) ShredCitizenKey(ctx context.Context, citizenID string, at time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == SQLite {
			if _, err := tx.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
				return fmt.Errorf("secure_delete: %w", err)
			}
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM vault_documents WHERE citizen_id = ?`, citizenID); err != nil {
			return fmt.Errorf("delete documents: %w", err)
		}
		_, err := db.exec(ctx, tx, `INSERT INTO vault_citizen_keys (citizen_id, key_id, wrapped, created_at, shredded_at)
			VALUES (?, NULL, NULL, ?, ?) ON CONFLICT (citizen_id) DO UPDATE SET key_id = NULL, wrapped = NULL,
			shredded_at = COALESCE(vault_citizen_keys.shredded_at, excluded.shredded_at)`,
			citizenID, formatTime(at), formatTime(at))
		return translateFK(wrapf(err, "shred data key"))
	})
	if err != nil {
		return fmt.Errorf("shred %s: %w", citizenID, err)
	}
	if db.dialect == SQLite {
		// Best effort: a reader holding an old snapshot makes it partial,
		// and the next checkpoint completes it.
		_, _ = db.sql.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return nil
}

// Idempotency implements vault.Store.
func (db *DB) Idempotency(ctx context.Context, issuerID string, keyMAC []byte) (vault.IdempotencyRecord, error) {
	var r vault.IdempotencyRecord
	var created, expires sql.NullString
	err := db.queryRow(ctx, db.sql, `SELECT issuer_id, key_mac, request_mac, document_id, created, created_at, expires_at
		FROM vault_idempotency WHERE issuer_id = ? AND key_mac = ?`, issuerID, keyMAC).
		Scan(&r.IssuerID, &r.KeyMAC, &r.RequestMAC, &r.DocumentID, &r.Created, &created, &expires)
	if err != nil {
		return vault.IdempotencyRecord{}, translate(fmt.Errorf("read idempotency key: %w", err))
	}
	if err := parseTimes(storedTime{&r.CreatedAt, created}, storedTime{&r.ExpiresAt, expires}); err != nil {
		return vault.IdempotencyRecord{}, fmt.Errorf("vault_idempotency: %w", err)
	}
	return r, nil
}

// putIdempotency stores r in tx, replacing an expired record of the same
// key; a live one is ECONFLICT.
func (db *DB) putIdempotency(ctx context.Context, tx *sql.Tx, r *vault.IdempotencyRecord) error {
	if r == nil {
		return nil
	}
	res, err := db.exec(ctx, tx, `INSERT INTO vault_idempotency
		(issuer_id, key_mac, request_mac, document_id, created, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (issuer_id, key_mac) DO UPDATE SET request_mac = excluded.request_mac,
		document_id = excluded.document_id, created = excluded.created, created_at = excluded.created_at,
		expires_at = excluded.expires_at WHERE vault_idempotency.expires_at <= excluded.created_at`,
		r.IssuerID, r.KeyMAC, r.RequestMAC, r.DocumentID, r.Created, formatTime(r.CreatedAt), formatTime(r.ExpiresAt))
	if err != nil {
		return translateFK(fmt.Errorf("store idempotency key: %w", err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return digitalid.Errorf(digitalid.ECONFLICT, "the idempotency key is in use")
	}
	return nil
}

// PurgeIdempotency implements vault.Store.
func (db *DB) PurgeIdempotency(ctx context.Context, at time.Time) (int64, error) {
	res, err := db.writeExec(ctx, db.sql, `DELETE FROM vault_idempotency WHERE expires_at < ?`, formatTime(at))
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

// CountDocuments implements vault.Store.
func (db *DB) CountDocuments(ctx context.Context, today string) ([]vault.Count, error) {
	rows, err := db.query(ctx, db.sql, `SELECT type_id, source, CASE
			WHEN revoked_at IS NOT NULL THEN 'revoked'
			WHEN expires_on IS NOT NULL AND expires_on < ? THEN 'expired'
			ELSE 'valid' END AS status, COUNT(*)
		FROM vault_documents GROUP BY type_id, source, status ORDER BY type_id, source, status`, today)
	if err != nil {
		return nil, fmt.Errorf("count documents: %w", err)
	}
	return collect(rows, func(s scanner) (vault.Count, error) {
		var c vault.Count
		err := s.Scan(&c.TypeID, &c.Source, &c.Status, &c.N)
		return c, wrapf(err, "count documents")
	})
}
