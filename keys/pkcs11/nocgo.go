//go:build !cgo

package pkcs11

import (
	"context"
	"crypto"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
)

// Backend is the HSM backend; without cgo it cannot be opened.
type Backend struct{}

var _ keys.Backend = (*Backend)(nil)

func errNoCgo() error {
	return digitalid.Errorf(digitalid.EUNAVAILABLE,
		"pkcs11: digitalid was built without cgo; rebuild with CGO_ENABLED=1 to use an HSM")
}

// Open fails: the PKCS#11 backend needs cgo.
func Open(cfg Config) (*Backend, error) { return nil, errNoCgo() }

// Close does nothing.
func (b *Backend) Close() error { return nil }

// Name implements keys.Backend.
func (b *Backend) Name() string { return Name }

// Generate implements keys.Backend; it always fails.
func (b *Backend) Generate(ctx context.Context, id string, p keys.Purpose, a keys.Alg) (keys.Record, error) {
	return keys.Record{}, errNoCgo()
}

// Signer implements keys.Backend; it always fails.
func (b *Backend) Signer(ctx context.Context, r keys.Record) (crypto.Signer, error) {
	return nil, errNoCgo()
}

// AEAD implements keys.Backend; it always fails.
func (b *Backend) AEAD(ctx context.Context, r keys.Record) (keys.AEAD, error) { return nil, errNoCgo() }

// Discard implements keys.Backend; it always fails.
func (b *Backend) Discard(ctx context.Context, r keys.Record) error { return errNoCgo() }

// Holds always fails.
func (b *Backend) Holds(r keys.Record) (bool, error) { return false, errNoCgo() }
