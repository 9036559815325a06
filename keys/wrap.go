package keys

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"

	"github.com/digitalid/digitalid"
)

// MaxDataKey bounds what Wrap encrypts: data keys and secrets, not data.
const MaxDataKey = 1024

// Wrap implements KeyStore. The ciphertext is version || nonce || AES-GCM,
// authenticated together with the wrapping key's id and aad.
func (m *Manager) Wrap(ctx context.Context, dataKey, aad []byte) (Wrapped, error) {
	if len(dataKey) == 0 || len(dataKey) > MaxDataKey {
		return Wrapped{}, digitalid.Errorf(digitalid.EINVALID, "a data key has 1 to %d bytes", MaxDataKey)
	}
	l, err := m.activeKey(ctx, PurposeWrap, A256GCM)
	if err != nil {
		return Wrapped{}, fmt.Errorf("keys: wrap: %w", err)
	}
	nonce := make([]byte, NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return Wrapped{}, fmt.Errorf("keys: wrap: %w", err)
	}
	ct, err := sealWith(l.aead, nonce, dataKey, wrapAAD(l.key.ID, aad))
	if err != nil {
		return Wrapped{}, digitalid.Wrap(digitalid.EUNAVAILABLE, fmt.Errorf("key %s: wrap: %w", l.key.ID, err), "wrapping failed")
	}
	return Wrapped{KeyID: l.key.ID, Ciphertext: ct}, nil
}

// Unwrap implements KeyStore.
func (m *Manager) Unwrap(ctx context.Context, w Wrapped, aad []byte) ([]byte, error) {
	l, err := m.keyByID(ctx, w.KeyID, PurposeWrap)
	if err != nil {
		return nil, fmt.Errorf("keys: unwrap: %w", err)
	}
	plain, err := openWith(l.aead, w.Ciphertext, wrapAAD(l.key.ID, aad))
	if errors.Is(err, ErrOpen) {
		return nil, digitalid.Wrap(digitalid.EINVALID, err, "the wrapped key does not open: wrong context or tampered ciphertext")
	}
	if err != nil {
		return nil, digitalid.Wrap(digitalid.EUNAVAILABLE, fmt.Errorf("key %s: unwrap: %w", l.key.ID, err), "unwrapping failed")
	}
	return plain, nil
}

// wrapAAD binds a wrapped key to its wrapping key's id and the caller's aad.
// A key id never holds a zero byte, so the encoding is unambiguous.
func wrapAAD(keyID string, aad []byte) []byte {
	return bytes.Join([][]byte{[]byte("digitalid/keys/wrap/v1"), []byte(keyID), aad}, []byte{0})
}

// SecretSize is the length of the secrets LoadOrCreateSecret makes.
const SecretSize = 32

var secretNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// LoadOrCreateSecret returns the platform secret called name (for example
// the audit log's MAC key), making a random 32-byte one the first time. It
// is stored wrapped by the active wrapping key, with "secret:"+name as the
// additional data, so the row cannot be swapped for a citizen's data key.
// When several instances ask at once, all get the one stored first.
func (m *Manager) LoadOrCreateSecret(ctx context.Context, name string) ([]byte, error) {
	if !secretNamePattern.MatchString(name) {
		return nil, digitalid.Errorf(digitalid.EINVALID, "a secret name is 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit")
	}
	aad := []byte("secret:" + name)
	s, err := m.store.Secret(ctx, name)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		s, err = m.createSecret(ctx, name, aad)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: secret %s: %w", name, err)
	}
	v, err := m.Unwrap(ctx, s.Wrapped, aad)
	if err != nil {
		return nil, fmt.Errorf("keys: secret %s: %w", name, err)
	}
	return v, nil
}

func (m *Manager) createSecret(ctx context.Context, name string, aad []byte) (Secret, error) {
	v := make([]byte, SecretSize)
	defer clear(v)
	if _, err := rand.Read(v); err != nil {
		return Secret{}, err
	}
	w, err := m.Wrap(ctx, v, aad)
	if err != nil {
		return Secret{}, err
	}
	s, err := m.store.CreateSecret(ctx, Secret{Name: name, Wrapped: w, CreatedAt: m.now()})
	if err == nil && s.Wrapped.KeyID == w.KeyID && bytes.Equal(s.Wrapped.Ciphertext, w.Ciphertext) {
		m.log.InfoContext(ctx, "secret created", "secret", s)
	}
	return s, err
}
