package sms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"github.com/digitalid/digitalid"
)

// KeySize is the length of the outbox key: 32 bytes (AES-256).
const KeySize = 32

// sealer encrypts outbox rows. From the one outbox key it derives (HKDF-SHA256)
// three independent keys: one seals bodies, one seals numbers, one computes
// the lookup MAC of numbers. Each ciphertext is bound to its message id as
// additional data, so a sealed body or number moved to another row, or a body
// swapped with a number, fails to open.
type sealer struct {
	body cipher.AEAD
	to   cipher.AEAD
	mac  []byte
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, digitalid.Errorf(digitalid.EINVALID, "sms outbox key must be %d bytes, got %d", KeySize, len(key))
	}
	body, err := deriveAEAD(key, "digitalid sms outbox v1 body")
	if err != nil {
		return nil, err
	}
	to, err := deriveAEAD(key, "digitalid sms outbox v1 to")
	if err != nil {
		return nil, err
	}
	mac, err := hkdf.Key(sha256.New, key, nil, "digitalid sms outbox v1 lookup", KeySize)
	if err != nil {
		return nil, fmt.Errorf("sms outbox: derive lookup key: %w", err)
	}
	return &sealer{body: body, to: to, mac: mac}, nil
}

func deriveAEAD(key []byte, info string) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, key, nil, info, KeySize)
	if err != nil {
		return nil, fmt.Errorf("sms outbox: derive key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("sms outbox: %w", err)
	}
	// A random 96-bit nonce is prepended to each ciphertext. The bound of
	// 2^32 messages per key is far beyond a development outbox.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("sms outbox: %w", err)
	}
	return aead, nil
}

// seal encrypts m's number and body under its id.
func (s *sealer) seal(m Message) (to, body []byte) {
	aad := []byte(m.ID)
	return s.to.Seal(nil, nil, []byte(m.To), aad), s.body.Seal(nil, nil, []byte(m.Body), aad)
}

// open decrypts a stored message's number and body. It fails, without
// panicking, on any bytes that were not sealed under this key and id.
func (s *sealer) open(id string, to, body []byte) (toPlain, bodyPlain string, err error) {
	aad := []byte(id)
	t, err := s.to.Open(nil, nil, to, aad)
	if err != nil {
		return "", "", fmt.Errorf("open number: %w", err)
	}
	b, err := s.body.Open(nil, nil, body, aad)
	if err != nil {
		return "", "", fmt.Errorf("open body: %w", err)
	}
	return string(t), string(b), nil
}

// lookup returns the keyed MAC of an E.164 number, the column that finds a
// recipient's messages without storing the number in clear.
func (s *sealer) lookup(to string) []byte {
	h := hmac.New(sha256.New, s.mac)
	h.Write([]byte(to))
	return h.Sum(nil)
}
