package keystest

import (
	"context"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/keys"
	jose "github.com/go-jose/go-jose/v4"
)

// The KeyStore benchmarks, run by each backend's package as BenchmarkSign,
// BenchmarkWrap and BenchmarkUnwrap on a Manager over a fresh SQLite
// database (the database is not on these paths once the keys are cached).

// benchManager returns a benchmark's Manager with its keys made.
func benchManager(b *testing.B, backend keys.Backend) *keys.Manager {
	m := NewManager(b, testdb.Open(b, SQLiteDSN(b)), backend, NewClock())
	if err := m.EnsureKeys(context.Background()); err != nil {
		b.Fatalf("EnsureKeys: %v", err)
	}
	return m
}

// BenchSign measures Signer(alg) plus signing a 256-byte JWS signing input,
// as token issuing does, for ES256 and EdDSA.
func BenchSign(b *testing.B, backend keys.Backend) {
	m := benchManager(b, backend)
	ctx := context.Background()
	payload := make([]byte, 256)
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		b.Run(string(alg), func(b *testing.B) {
			for b.Loop() {
				s, err := m.Signer(ctx, alg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := keys.NewOpaqueSigner(s).SignPayload(payload, jose.SignatureAlgorithm(alg)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchWrap measures wrapping a 32-byte data key.
func BenchWrap(b *testing.B, backend keys.Backend) {
	m := benchManager(b, backend)
	ctx := context.Background()
	dk, aad := make([]byte, 32), []byte("citizen:0123456789")
	for b.Loop() {
		if _, err := m.Wrap(ctx, dk, aad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchUnwrap measures unwrapping a 32-byte data key.
func BenchUnwrap(b *testing.B, backend keys.Backend) {
	m := benchManager(b, backend)
	ctx := context.Background()
	dk, aad := make([]byte, 32), []byte("citizen:0123456789")
	w, err := m.Wrap(ctx, dk, aad)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := m.Unwrap(ctx, w, aad); err != nil {
			b.Fatal(err)
		}
	}
}
