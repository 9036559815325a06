// Package seal encrypts the short personal values that domain services keep
// in their own rows (phone numbers, device and contact names) and makes the
// keyed hashes that index them. Documents have their own envelope
// encryption (package vault).
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the length of a Box key (AES-256).
const KeySize = 32

// ErrOpen is the cause when a sealed value does not open: a wrong key, a
// value moved to another row, or a row that was tampered with.
var ErrOpen = errors.New("sealed value does not open")

// Box seals with AES-256-GCM, the random nonce first, bound to a context
// string (the row's id) so that a ciphertext copied to another row does not
// open.
type Box struct{ aead cipher.AEAD }

// New returns a Box for a KeySize-byte key.
func New(key []byte) (Box, error) {
	if len(key) != KeySize {
		return Box{}, fmt.Errorf("seal: key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return Box{}, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Box{}, fmt.Errorf("seal: %w", err)
	}
	return Box{aead: aead}, nil
}

// Seal encrypts plain bound to aad.
func (b Box) Seal(plain, aad string) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (it panics instead)
	return b.aead.Seal(nonce, nonce, []byte(plain), []byte(aad))
}

// Open decrypts what Seal made with the same aad, or returns ErrOpen.
func (b Box) Open(sealed []byte, aad string) (string, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return "", ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// MAC returns HMAC-SHA256(key, domain || 0 || msg). The domain separates
// the uses of one key.
func MAC(key []byte, domain, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return m.Sum(nil)
}
