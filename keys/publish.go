package keys

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	jose "github.com/go-jose/go-jose/v4"
)

// published reports whether signing key k belongs in the JWKS at now: while
// active, and after retirement until its ExpiresAt.
func published(k Key, now time.Time) bool {
	if k.Purpose != PurposeSign {
		return false
	}
	return k.State == StateActive || k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt)
}

// PublicKeys implements KeyStore. It always reads the database, so a key
// another instance has just made is published at once.
func (m *Manager) PublicKeys(ctx context.Context) ([]Key, error) {
	rs, err := m.store.KeyRecords(ctx, PurposeSign)
	if err != nil {
		return nil, fmt.Errorf("keys: public keys: %w", err)
	}
	now := m.now()
	out := make([]Key, 0, len(rs))
	for _, r := range rs {
		if published(r.Key, now) {
			out = append(out, r.Key)
		}
	}
	return out, nil
}

// PublicKey returns the published signing key kid, for verifying what this
// platform signed. It remembers keys for CacheFor and asks the database about
// a kid it does not know, so a key made by another instance verifies at once.
// Returns ENOTFOUND for an unknown, unpublished or expired kid.
func (m *Manager) PublicKey(ctx context.Context, kid string) (Key, error) {
	now := m.now()
	m.mu.Lock()
	c, ok := m.meta[kid]
	m.mu.Unlock()
	if !ok || !m.fresh(c.readAt, now) {
		if CheckKeyID(kid) != nil {
			return Key{}, digitalid.Errorf(digitalid.ENOTFOUND, "unknown signing key")
		}
		r, err := m.store.KeyRecord(ctx, kid)
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return Key{}, digitalid.Wrap(digitalid.ENOTFOUND, err, "unknown signing key")
		}
		if err != nil {
			return Key{}, fmt.Errorf("keys: public key: %w", err)
		}
		c = cached{key: r.Key, readAt: now}
		m.mu.Lock()
		m.meta[kid] = c
		m.mu.Unlock()
	}
	if !published(c.key, now) {
		return Key{}, digitalid.Errorf(digitalid.ENOTFOUND, "unknown signing key")
	}
	return c.key, nil
}

// JWKS returns the published signing keys as a JSON Web Key Set, served at
// /.well-known/jwks.json.
func (m *Manager) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	ks, err := m.PublicKeys(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(ks))}
	for _, k := range ks {
		set.Keys = append(set.Keys, JWK(k))
	}
	return set, nil
}

// JWK returns the public JSON Web Key of signing key k (kid, alg, use "sig").
func JWK(k Key) jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.Public, KeyID: k.ID, Algorithm: string(k.Alg), Use: "sig"}
}
