package keys

import (
	"context"
	"crypto"
	"errors"
	"regexp"

	"github.com/digitalid/digitalid"
)

// Backend holds private key material: it makes keys and gives access to
// their private halves without ever handing them out. FileBackend keeps
// software keys sealed under a master key; keys/pkcs11 keeps them in an HSM.
// Implementations are safe for concurrent use.
type Backend interface {
	// Name is the value of Key.Backend for the keys this backend makes
	// ("file", "pkcs11").
	Name() string
	// Generate makes a new key with the given id, purpose and alg, and
	// returns its Record with Public (signing keys) and the backend's own
	// fields (Sealed, or HSMLabel and HSMID) filled in. The Manager sets the
	// rest and persists it.
	Generate(ctx context.Context, id string, purpose Purpose, alg Alg) (Record, error)
	// Signer returns the private half of a signing key this backend made.
	// For ES256 it signs a SHA-256 digest and returns an ASN.1 signature;
	// for EdDSA it signs the whole message (opts.HashFunc() == 0).
	Signer(ctx context.Context, r Record) (crypto.Signer, error)
	// AEAD returns the wrapping key of a record this backend made.
	AEAD(ctx context.Context, r Record) (AEAD, error)
	// Discard destroys the private half of a key that was generated but
	// never persisted because another instance won the race to create it
	// (the pkcs11 backend deletes the HSM objects; the file backend has
	// nothing to do).
	Discard(ctx context.Context, r Record) error
}

// AEAD is an AES-256-GCM key that may live in an HSM. It is cipher.AEAD with
// a 12-byte nonce, except that device failures are returned instead of
// panicking. Open returns an error wrapping ErrOpen when the ciphertext or
// additional data does not authenticate, and another error when the device
// itself failed, so that a broken HSM is never reported as tampered data.
type AEAD interface {
	Seal(nonce, plaintext, aad []byte) ([]byte, error)
	Open(nonce, ciphertext, aad []byte) ([]byte, error)
}

// ErrOpen is wrapped by AEAD.Open when the message does not authenticate.
var ErrOpen = errors.New("keys: ciphertext does not authenticate")

// NonceSize is the GCM nonce length every AEAD takes.
const NonceSize = 12

// CheckPurposeAlg returns EINVALID unless alg is one this package offers for
// purpose: ES256 or EdDSA for signing, A256GCM for wrapping. Backends call it
// first in Generate.
func CheckPurposeAlg(purpose Purpose, alg Alg) error {
	switch {
	case purpose == PurposeSign && (alg == ES256 || alg == EdDSA):
	case purpose == PurposeWrap && alg == A256GCM:
	default:
		return digitalid.Errorf(digitalid.EINVALID, "no %s key with algorithm %q", purpose, alg)
	}
	return nil
}

// keyIDPattern is what NewKeyID makes: URL-safe, so a key id can appear in a
// JWS header, an HSM label and a log line without escaping.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckKeyID returns EINVALID unless id looks like a key id.
func CheckKeyID(id string) error {
	if !keyIDPattern.MatchString(id) {
		return digitalid.Errorf(digitalid.EINVALID, "malformed key id")
	}
	return nil
}
