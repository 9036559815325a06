package sdjwt

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

// BenchmarkVerifyPresentation verifies the offline age_over_18 presentation
// (ES256 Issuer signature, one Disclosure, ES256 KB-JWT): two ECDSA
// verifications plus parsing and every RFC 9901 check.
func BenchmarkVerifyPresentation(b *testing.B) {
	f := newFixture(b)
	p, opts := ageOver18(b, f)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(p, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawES256Verify is one bare ECDSA P-256 / SHA-256 verification
// of a message the size of an Issuer-signed JWT, the floor Verify is
// compared against.
func BenchmarkRawES256Verify(b *testing.B) {
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

// BenchmarkIssue and BenchmarkPresent measure the Issuer (batches of
// single-use credentials) and the Holder side of the same credential.
func BenchmarkIssue(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Issue(f.claims(), testPaths, f.issueOpts()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPresent(b *testing.B) {
	f := newFixture(b)
	sd := f.issue(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Present(sd, Select(Path{"age_over_18"}), f.kb()); err != nil {
			b.Fatal(err)
		}
	}
}
