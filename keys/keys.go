// Package keys owns the platform's key material: signing keys (ES256, Ed25519)
// and key-wrapping keys for envelope encryption, behind the KeyStore
// interface. Two backends hold the private halves: "file" (software keys
// sealed under a master key, the sealed blobs kept in the database so that
// every instance shares them) and "pkcs11" (keys generated and used inside an
// HSM; SoftHSM2 in tests). Key metadata — id, algorithm, state, validity —
// lives in the database through the Store interface, so rotation is seen by
// all instances.
//
// Private key material never leaves the package: callers get a crypto.Signer
// or ask for Wrap/Unwrap.
package keys

import (
	"context"
	"crypto"
	"time"
)

// Purpose says what a key is for.
type Purpose string

const (
	PurposeSign Purpose = "sign" // signs credentials, tokens, status lists
	PurposeWrap Purpose = "wrap" // wraps citizens' data keys (envelope encryption)
)

// Alg is the JOSE algorithm name of a key.
type Alg string

const (
	ES256   Alg = "ES256"   // ECDSA P-256 with SHA-256 (signing)
	EdDSA   Alg = "EdDSA"   // Ed25519 (signing)
	A256GCM Alg = "A256GCM" // AES-256-GCM (wrapping)
)

// State is where a key is in its life.
type State string

const (
	StateActive  State = "active"  // used for new signatures / wraps
	StateRetired State = "retired" // verifies and unwraps; public key published until ExpiresAt
)

// Key describes one key. Public is nil for wrapping keys.
type Key struct {
	ID        string // also the JWK "kid"
	Purpose   Purpose
	Alg       Alg
	Backend   string // "file" or "pkcs11"
	State     State
	CreatedAt time.Time
	RetiredAt time.Time // zero while active
	ExpiresAt time.Time // after this, a retired signing key is no longer published
	Public    crypto.PublicKey
}

// Signer signs with one key and names it.
type Signer interface {
	crypto.Signer
	KeyID() string
	Alg() Alg
}

// Wrapped is a data key encrypted under a wrapping key, with the id of the
// wrapping key that can open it.
type Wrapped struct {
	KeyID      string
	Ciphertext []byte
}

// KeyStore is what the rest of the platform uses. Implementations are safe for
// concurrent use.
type KeyStore interface {
	// Signer returns the active signing key for alg. Returns ENOTFOUND if
	// none exists.
	Signer(ctx context.Context, alg Alg) (Signer, error)
	// Wrap encrypts a data key under the active wrapping key; aad binds the
	// result to its context (for example the citizen id) so it cannot be moved.
	Wrap(ctx context.Context, dataKey, aad []byte) (Wrapped, error)
	// Unwrap opens a Wrapped made by Wrap with the same aad, with whichever
	// wrapping key made it (active or retired). Returns EINVALID if the
	// ciphertext or aad does not authenticate, ENOTFOUND for an unknown key.
	Unwrap(ctx context.Context, w Wrapped, aad []byte) ([]byte, error)
	// PublicKeys returns the signing keys to publish: the active ones and
	// retired ones until their ExpiresAt.
	PublicKeys(ctx context.Context) ([]Key, error)
	// Rotate makes a new active key for purpose and alg and retires the
	// previous one, which stays usable for verification and unwrapping.
	Rotate(ctx context.Context, purpose Purpose, alg Alg) (Key, error)
}
