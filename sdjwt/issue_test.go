package sdjwt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// counterReader is a repeatable byte stream for tests that pin issuance:
// byte n is byte n%32 of SHA-256(n/32).
type counterReader struct{ n uint64 }

func (r *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		var block [8]byte
		binary.BigEndian.PutUint64(block[:], r.n/32)
		sum := sha256.Sum256(block[:])
		p[i] = sum[r.n%32]
		r.n++
	}
	return len(p), nil
}

func TestIssueErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		claims map[string]any
		paths  []Path
		opts   func(*IssueOptions)
	}{
		{"path names no claim", f.claims(), []Path{{"age_ovr_18"}}, nil},
		{"reserved claim _sd", with(f.claims(), "_sd", []any{}), nil, nil},
		{"reserved claim ... nested", with(f.claims(), "address", map[string]any{"...": "x"}), nil, nil},
		{"exp disclosable in SD-JWT VC", f.claims(), []Path{{"exp"}}, nil},
		{"status disclosable in SD-JWT VC", with(f.claims(), "status", map[string]any{}), []Path{{"status"}}, nil},
		{"no vct", without(f.claims(), "vct"), nil, nil},
		{"cnf and HolderKey", with(f.claims(), "cnf", map[string]any{}), nil, nil},
		{"HashAlg sha-512", f.claims(), nil, func(o *IssueOptions) { o.HashAlg = "sha-512" }},
		{"alg HS256", f.claims(), nil, func(o *IssueOptions) { o.Alg = jose.HS256 }},
		{"no signer", f.claims(), nil, func(o *IssueOptions) { o.Signer = nil }},
		{"symmetric holder key", f.claims(), nil, func(o *IssueOptions) { o.HolderKey = &jose.JSONWebKey{Key: []byte("secret")} }},
		{"claims not an object", nil, nil, nil},
	}
	for _, tt := range tests {
		opts := f.issueOpts()
		if tt.opts != nil {
			tt.opts(&opts)
		}
		var claims any = tt.claims
		if tt.claims == nil {
			claims = []string{"x"}
		}
		_, err := Issue(claims, tt.paths, opts)
		wantErr(t, "Issue("+tt.name+")", err, ErrOptions)
	}
}

// TestIssueShape checks what an Issuer-signed payload reveals: digests in
// sorted order, salts of 128 bits, `_sd_alg` only when asked for, cnf.jwk
// without private or extra members, and decoys in varying number.
func TestIssueShape(t *testing.T) {
	f := newFixture(t)
	opts := f.issueOpts()
	opts.Decoys = 4
	counts := map[int]bool{}
	for range 20 {
		sd, err := Issue(f.claims(), testPaths, opts)
		if err != nil {
			t.Fatalf("Issue = %v", err)
		}
		sdList, _ := sd.payload[claimSD].([]any)
		var digests []string
		for _, d := range sdList {
			digests = append(digests, d.(string))
		}
		if !slices.IsSorted(digests) {
			t.Errorf("_sd = %v, not sorted", digests)
		}
		if len(digests) < 3 || len(digests) > 3+opts.Decoys {
			t.Errorf("len(_sd) = %d, want 3..%d", len(digests), 3+opts.Decoys)
		}
		counts[len(digests)] = true
		for _, d := range sd.Disclosures {
			if salt, err := b64.DecodeString(d.Salt); err != nil || len(salt) != saltBytes {
				t.Errorf("salt %q: %d bytes, %v", d.Salt, len(salt), err)
			}
		}
		if _, ok := sd.payload[claimSDAlg]; ok {
			t.Errorf("payload has _sd_alg without HashAlg")
		}
		jwk := sd.payload["cnf"].(map[string]any)["jwk"].(map[string]any)
		if len(jwk) != 4 {
			t.Errorf("cnf.jwk = %v, want kty, crv, x, y only", jwk)
		}
		if _, err := Verify(f.present(t, sd, Select(Path{})), f.verifyOpts()); err != nil {
			t.Fatalf("Verify(with decoys) = %v", err)
		}
	}
	if len(counts) < 2 {
		t.Errorf("decoy counts %v: the number of digests never varied", counts)
	}

	opts.HashAlg = HashSHA256
	sd, err := Issue(f.claims(), testPaths, opts)
	if err != nil || sd.payload[claimSDAlg] != HashSHA256 {
		t.Errorf("Issue(HashAlg sha-256) payload _sd_alg = %v, %v", sd.payload[claimSDAlg], err)
	}
}

// TestIssueRepeatable: with the same random source the same Disclosures and
// payload come out, so issuance can be pinned in tests.
func TestIssueRepeatable(t *testing.T) {
	f := newFixture(t)
	issue := func() *SDJWT {
		opts := f.issueOpts()
		opts.Rand, opts.Decoys = &counterReader{}, 3
		sd, err := Issue(f.claims(), testPaths, opts)
		if err != nil {
			t.Fatalf("Issue = %v", err)
		}
		return sd
	}
	a, b := issue(), issue()
	payload := func(sd *SDJWT) []byte { p, _ := encodeJSON(sd.payload); return p }
	if !bytes.Equal(payload(a), payload(b)) {
		t.Errorf("payloads differ with the same Rand:\n%s\n%s", payload(a), payload(b))
	}
	for i := range a.Disclosures {
		if a.Disclosures[i].Encoded != b.Disclosures[i].Encoded {
			t.Errorf("Disclosure %d differs with the same Rand", i)
		}
	}
}
