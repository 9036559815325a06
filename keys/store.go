package keys

import (
	"context"
	"log/slog"
	"time"
)

// Record is a key as persisted: its public description plus what its backend
// needs to find the private half again. A Record never holds a private key in
// plaintext: the file backend keeps it sealed under the master key, the
// pkcs11 backend keeps only the HSM object's label and id.
type Record struct {
	Key
	// Sealed is the file backend's private key (PKCS#8) or wrapping key,
	// encrypted with AES-256-GCM under the master key.
	Sealed []byte
	// HSMLabel and HSMID name the pkcs11 backend's objects (CKA_LABEL, CKA_ID).
	HSMLabel string
	HSMID    []byte
}

// LogValue logs the key's description only, never its sealed blob.
func (r Record) LogValue() slog.Value { return r.Key.LogValue() }

// LogValue logs the key's identity and life cycle: enough to follow a
// rotation in the logs, nothing that is key material.
func (k Key) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", k.ID),
		slog.String("purpose", string(k.Purpose)),
		slog.String("alg", string(k.Alg)),
		slog.String("backend", k.Backend),
		slog.String("state", string(k.State)),
	}
	if !k.RetiredAt.IsZero() {
		attrs = append(attrs, slog.Time("retired_at", k.RetiredAt))
	}
	if !k.ExpiresAt.IsZero() {
		attrs = append(attrs, slog.Time("expires_at", k.ExpiresAt))
	}
	return slog.GroupValue(attrs...)
}

// Retirement names the key that a new active key replaces, and when the
// replaced key stops being published (zero: never expires, as for wrapping
// keys, which must open old data forever).
type Retirement struct {
	ID        string
	At        time.Time
	ExpiresAt time.Time
}

// Secret is a named platform secret (the audit MAC key, the SMS outbox key)
// as stored: wrapped by a wrapping key, never in plaintext.
type Secret struct {
	Name      string
	Wrapped   Wrapped
	CreatedAt time.Time
}

// LogValue logs which secret and which key wraps it, never the ciphertext.
func (s Secret) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", s.Name), slog.String("key_id", s.Wrapped.KeyID))
}

// Store persists key records and wrapped secrets. The database, not the
// caller, guarantees that at most one key is active per (purpose, alg), so
// that instances starting together on one PostgreSQL database cannot both
// create one. *store.DB implements it.
type Store interface {
	// ActivateKey inserts r (whose State is active) as the active key for
	// (r.Purpose, r.Alg) and, in the same transaction, retires prev.ID when
	// it is not empty. Returns ECONFLICT when another key is already active
	// for (purpose, alg), when prev.ID is no longer the active key, or when
	// r.ID exists: another instance won the race, and the caller re-reads
	// ActiveKeyRecord.
	ActivateKey(ctx context.Context, r Record, prev Retirement) error
	// KeyRecord returns the key with the given id. Returns ENOTFOUND if
	// there is none.
	KeyRecord(ctx context.Context, id string) (Record, error)
	// ActiveKeyRecord returns the active key for purpose and alg. Returns
	// ENOTFOUND if there is none.
	ActiveKeyRecord(ctx context.Context, purpose Purpose, alg Alg) (Record, error)
	// KeyRecords returns every key for purpose, active and retired, newest
	// first.
	KeyRecords(ctx context.Context, purpose Purpose) ([]Record, error)
	// CreateSecret stores s unless a secret with its name exists, and
	// returns the stored secret: s, or the one another instance stored first.
	CreateSecret(ctx context.Context, s Secret) (Secret, error)
	// Secret returns the secret with the given name. Returns ENOTFOUND if
	// there is none.
	Secret(ctx context.Context, name string) (Secret, error)
}
