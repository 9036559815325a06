package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

// BenchmarkVerifyOffline is one offline scan with warm caches and the
// issuer unreachable: payload parsing, every RFC 9901 check (two ES256
// verifications: Issuer JWT and KB-JWT), the purpose rules and the status
// lookup. Compare with BenchmarkRawES256 from the same run (-cpu 1 gives
// per-core figures).
func BenchmarkVerifyOffline(b *testing.B) {
	is := newIssuer(b)
	cfg := is.config()
	cfg.StatusLists = []string{is.status}
	v := is.verifier(cfg)
	if err := v.Prefetch(context.Background()); err != nil {
		b.Fatal(err)
	}
	is.down.Store(true)
	payload := is.ageOver18()
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if r := v.Verify(ctx, payload, "age_over_18"); !r.Valid() {
			b.Fatalf("Verify = %s %q (%v)", r.Outcome, r.Reason, r.Err)
		}
	}
	b.ReportMetric(float64(len(payload)), "payload-bytes")
}

// BenchmarkRawES256 is one bare ECDSA P-256 / SHA-256 verification of a
// message the size of an Issuer-signed JWT: the floor of an offline scan,
// which needs two of them.
func BenchmarkRawES256(b *testing.B) {
	key := newKey(b)
	msg := make([]byte, 700)
	h := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(msg)
		if !ecdsa.VerifyASN1(&key.PublicKey, h[:], sig) {
			b.Fatal("signature does not verify")
		}
	}
}
