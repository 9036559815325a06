package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/digitalid/digitalid"
)

// FileBackend keeps software keys sealed with AES-256-GCM under a 32-byte
// master key. The sealed blobs live in the database (Record.Sealed), so every
// instance that shares the database and the master key shares the keys; a
// private key is in plaintext only in this process's memory.
type FileBackend struct {
	master cipher.AEAD
}

// FileBackendName is Key.Backend for keys made by FileBackend.
const FileBackendName = "file"

// sealVersion prefixes every sealed blob and wrapped data key, so the format
// can change later without guessing.
const sealVersion = 1

// MasterKeySize is the length of the file backend's master key.
const MasterKeySize = 32

// NewFileBackend returns a file backend sealing under masterKey (32 bytes,
// see LoadOrCreateMasterKey).
func NewFileBackend(masterKey []byte) (*FileBackend, error) {
	if len(masterKey) != MasterKeySize {
		return nil, digitalid.Errorf(digitalid.EINVALID, "master key must be %d bytes", MasterKeySize)
	}
	aead, err := newGCM(masterKey)
	if err != nil {
		return nil, err
	}
	return &FileBackend{master: aead}, nil
}

// Name implements Backend.
func (b *FileBackend) Name() string { return FileBackendName }

// Generate implements Backend: it makes the key in memory and returns it
// sealed; the plaintext is cleared before returning.
func (b *FileBackend) Generate(ctx context.Context, id string, purpose Purpose, alg Alg) (Record, error) {
	if err := CheckPurposeAlg(purpose, alg); err != nil {
		return Record{}, err
	}
	r := Record{Key: Key{ID: id, Purpose: purpose, Alg: alg, Backend: FileBackendName}}
	var plain []byte
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return Record{}, fmt.Errorf("generate ES256 key: %w", err)
		}
		r.Public = &k.PublicKey
		if plain, err = x509.MarshalPKCS8PrivateKey(k); err != nil {
			return Record{}, fmt.Errorf("encode ES256 key: %w", err)
		}
	case EdDSA:
		pub, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return Record{}, fmt.Errorf("generate Ed25519 key: %w", err)
		}
		r.Public = pub
		if plain, err = x509.MarshalPKCS8PrivateKey(k); err != nil {
			return Record{}, fmt.Errorf("encode Ed25519 key: %w", err)
		}
		clear(k)
	case A256GCM:
		plain = make([]byte, 32)
		if _, err := rand.Read(plain); err != nil {
			return Record{}, fmt.Errorf("generate wrapping key: %w", err)
		}
	}
	defer clear(plain)
	sealed, err := b.seal(r.Key, plain)
	if err != nil {
		return Record{}, err
	}
	r.Sealed = sealed
	return r, nil
}

// Signer implements Backend.
func (b *FileBackend) Signer(ctx context.Context, r Record) (crypto.Signer, error) {
	plain, err := b.open(r)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	k, err := x509.ParsePKCS8PrivateKey(plain)
	if err != nil {
		return nil, fmt.Errorf("key %s: sealed private key: %w", r.ID, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok || !matchesAlg(s.Public(), r.Alg) {
		return nil, fmt.Errorf("key %s: sealed private key is not an %s key", r.ID, r.Alg)
	}
	if pub, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && r.Public != nil && !pub.Equal(r.Public) {
		return nil, fmt.Errorf("key %s: sealed private key does not match its public key", r.ID)
	}
	return s, nil
}

// AEAD implements Backend.
func (b *FileBackend) AEAD(ctx context.Context, r Record) (AEAD, error) {
	if r.Alg != A256GCM {
		return nil, fmt.Errorf("key %s: not a wrapping key", r.ID)
	}
	plain, err := b.open(r)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	if len(plain) != 32 {
		return nil, fmt.Errorf("key %s: sealed wrapping key has %d bytes", r.ID, len(plain))
	}
	aead, err := newGCM(plain)
	if err != nil {
		return nil, err
	}
	return softAEAD{aead}, nil
}

// Discard implements Backend; an unsaved file key is only in memory.
func (b *FileBackend) Discard(ctx context.Context, r Record) error { return nil }

func (b *FileBackend) seal(k Key, plain []byte) ([]byte, error) {
	nonce := make([]byte, NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return sealWith(softAEAD{b.master}, nonce, plain, sealAAD(k))
}

func (b *FileBackend) open(r Record) ([]byte, error) {
	if r.Backend != FileBackendName {
		return nil, fmt.Errorf("key %s belongs to backend %q, not %q", r.ID, r.Backend, FileBackendName)
	}
	plain, err := openWith(softAEAD{b.master}, r.Sealed, sealAAD(r.Key))
	if errors.Is(err, ErrOpen) {
		return nil, fmt.Errorf("key %s: sealed key does not open under this master key (is DIGITALID_MASTER_KEY the one the key was made with?): %w", r.ID, err)
	}
	return plain, err
}

// sealAAD binds a sealed blob to its key's id, purpose and algorithm, so a
// blob copied onto another record in the database does not open.
func sealAAD(k Key) []byte {
	return bytes.Join([][]byte{[]byte("digitalid/keys/sealed/v1"), []byte(k.ID), []byte(k.Purpose), []byte(k.Alg)}, []byte{0})
}

// sealWith encrypts plain as version || nonce || ciphertext.
func sealWith(a AEAD, nonce, plain, aad []byte) ([]byte, error) {
	ct, err := a.Seal(nonce, plain, aad)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+len(nonce)+len(ct))
	out = append(out, sealVersion)
	out = append(out, nonce...)
	return append(out, ct...), nil
}

// openWith reverses sealWith. Malformed input wraps ErrOpen, like a failed
// authentication: to the caller both are "this ciphertext is not valid".
func openWith(a AEAD, blob, aad []byte) ([]byte, error) {
	if len(blob) < 1+NonceSize+16 {
		return nil, fmt.Errorf("ciphertext too short: %w", ErrOpen)
	}
	if blob[0] != sealVersion {
		return nil, fmt.Errorf("unknown ciphertext version %d: %w", blob[0], ErrOpen)
	}
	return a.Open(blob[1:1+NonceSize], blob[1+NonceSize:], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(block)
}

// softAEAD adapts a software cipher.AEAD to AEAD.
type softAEAD struct{ a cipher.AEAD }

func (s softAEAD) Seal(nonce, plain, aad []byte) ([]byte, error) {
	if len(nonce) != s.a.NonceSize() {
		return nil, fmt.Errorf("nonce must be %d bytes", s.a.NonceSize())
	}
	return s.a.Seal(nil, nonce, plain, aad), nil
}

func (s softAEAD) Open(nonce, ct, aad []byte) ([]byte, error) {
	if len(nonce) != s.a.NonceSize() {
		return nil, fmt.Errorf("nonce must be %d bytes: %w", s.a.NonceSize(), ErrOpen)
	}
	out, err := s.a.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// matchesAlg reports whether pub is a public key of the kind alg names.
func matchesAlg(pub crypto.PublicKey, alg Alg) bool {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		return alg == ES256 && p.Curve == elliptic.P256()
	case ed25519.PublicKey:
		return alg == EdDSA
	}
	return false
}
