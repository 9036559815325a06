package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Envelope encryption. Every citizen has a random 256-bit data key, stored
// only wrapped by the KeyStore (associated data "citizen-data-key:"+id).
// Contents are sealed with AES-256-GCM under it: a version byte, a random
// 96-bit nonce, the ciphertext and tag. The associated data names what the
// blob is and binds it to its row (record ids, citizen, type, version,
// source, issuer), so a ciphertext copied into another row, or a row whose
// metadata was edited, does not open. A citizen seals a few dozen blobs in a
// lifetime, far below GCM's 2^32 random-nonce bound.

const (
	dataKeySize = 32 // AES-256
	sealV1      = 1  // the first byte of every sealed blob
	// IndexKeySize is the length of Options.IndexKey.
	IndexKeySize = 32
	// SecretIndex is the platform secret holding the index key; load it
	// with keys.Manager.LoadOrCreateSecret (see LoadIndexKey).
	SecretIndex = "vault-index"
)

// ErrTampered is the cause of the EINTERNAL error a read returns when a
// stored ciphertext does not open under its row: it was moved, edited or
// sealed under another key.
var ErrTampered = errors.New("vault: sealed data does not open: tampered, moved or under another key")

// dataKeyAAD is the associated data wrapping a citizen's data key.
func dataKeyAAD(citizenID string) []byte { return []byte("citizen-data-key:" + citizenID) }

// newAEAD makes the AES-256-GCM cipher of a data key and clears the key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	defer clear(key)
	if len(key) != dataKeySize {
		return nil, fmt.Errorf("vault: a data key has %d bytes, not %d", dataKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: data key: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("vault: data key: %w", err)
	}
	return aead, nil
}

// newDataKey returns a fresh random data key.
func newDataKey() ([]byte, error) {
	k := make([]byte, dataKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("vault: random data key: %w", err)
	}
	return k, nil
}

// seal encrypts plain under aead, bound to aad.
func seal(aead cipher.AEAD, plain, aad []byte) []byte {
	out := make([]byte, 1, 1+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = sealV1
	return aead.Seal(out, nil, plain, aad)
}

// open decrypts a blob made by seal with the same aad.
func open(aead cipher.AEAD, blob, aad []byte) ([]byte, error) {
	if len(blob) < 1 || blob[0] != sealV1 {
		return nil, ErrTampered
	}
	plain, err := aead.Open(nil, nil, blob[1:], aad)
	if err != nil {
		return nil, ErrTampered
	}
	return plain, nil
}

// joinAAD encodes a label and parts without ambiguity: every part is
// preceded by its length.
func joinAAD(label string, parts ...string) []byte {
	b := append([]byte("digitalid/vault/"), label...)
	for _, p := range parts {
		b = strconv.AppendInt(append(b, 0), int64(len(p)), 10)
		b = append(append(b, ':'), p...)
	}
	return b
}

// documentAAD binds a document's sealed content to its row.
func documentAAD(r DocumentRecord) []byte {
	return joinAAD("document/v1", r.ID, r.CitizenID, r.TypeID, strconv.Itoa(r.Version), string(r.Source), r.IssuerID)
}

// fileNameAAD and fileContentAAD bind a scan's sealed name and content to
// its row and document.
func fileNameAAD(f FileRecord) []byte {
	return joinAAD("file-name/v1", f.ID, f.DocumentID, f.CitizenID, f.MediaType)
}

func fileContentAAD(f FileRecord) []byte {
	return joinAAD("file/v1", f.ID, f.DocumentID, f.CitizenID, f.MediaType, strconv.FormatInt(f.Size, 10))
}

// indexer computes the keyed MACs that find rows by values we must not
// store: an issuer's reference for a document, an idempotency key, the
// fingerprint of a request.
type indexer struct{ key []byte }

func (x indexer) mac(label string, parts ...string) []byte {
	m := hmac.New(sha256.New, x.key)
	m.Write(joinAAD(label, parts...))
	return m.Sum(nil)
}

// keyCache keeps unwrapped data keys for a short while, so that a citizen
// opening several documents in a row costs one unwrap (an HSM round trip on
// the pkcs11 backend). An entry is used only while the wrapped key read from
// the database is byte-for-byte the one it was made from, so the cache never
// outlives a shredded or replaced key; it only saves the unwrap.
type keyCache struct {
	ttl time.Duration // 0: no caching
	max int

	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	keyID   string
	wrapped []byte
	aead    cipher.AEAD
	until   time.Time
}

func newKeyCache(ttl time.Duration, max int) *keyCache {
	return &keyCache{ttl: ttl, max: max, m: make(map[string]cachedKey)}
}

func (c *keyCache) get(citizenID, keyID string, wrapped []byte, now time.Time) (cipher.AEAD, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[citizenID]
	if !ok || !now.Before(e.until) || e.keyID != keyID || !bytes.Equal(e.wrapped, wrapped) {
		return nil, false
	}
	return e.aead, true
}

func (c *keyCache) put(citizenID, keyID string, wrapped []byte, aead cipher.AEAD, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for id, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, id)
			}
		}
		for id := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, id)
		}
	}
	c.m[citizenID] = cachedKey{keyID: keyID, wrapped: bytes.Clone(wrapped), aead: aead, until: now.Add(c.ttl)}
}

func (c *keyCache) drop(citizenID string) {
	c.mu.Lock()
	delete(c.m, citizenID)
	c.mu.Unlock()
}
