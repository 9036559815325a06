package sdjwt

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// saltBytes is the salt entropy: 128 bits, as RFC 9901 section 9.3 advises.
const saltBytes = 16

// IssueOptions say how [Issue] signs and shapes an SD-JWT.
type IssueOptions struct {
	// Signer is the Issuer's key. A keys.Signer (file or HSM) fits as it is.
	Signer crypto.Signer
	// Alg is the JWS algorithm; empty means ES256 for a P-256 key, EdDSA for
	// Ed25519 (see algFor). "none" and HMAC algorithms are refused.
	Alg jose.SignatureAlgorithm
	// KeyID is written as the header "kid" so Verifiers find the key in the
	// Issuer's JWKS; keep it short, it is part of every QR code.
	KeyID string
	// Typ is the header "typ"; empty means TypVC ("dc+sd-jwt"). With TypVC
	// the claims must hold a string "vct", and iss, nbf, exp, cnf, vct and
	// status may not be made disclosable (SD-JWT VC section 3.2.2).
	Typ string
	// HashAlg is the digest algorithm. Empty means sha-256 without writing
	// the `_sd_alg` claim, which RFC 9901 section 4.1.1 makes the default
	// (27 characters fewer); HashSHA256 writes it. Nothing else is accepted.
	HashAlg string
	// Decoys is the most decoy digests added to each `_sd` array; each array
	// gets a random number from 0 to Decoys so the count of real claims does
	// not show (RFC 9901 section 4.2.5).
	Decoys int
	// HolderKey, when set, is written as cnf.jwk (public part only) and binds
	// the credential to the holder's device key.
	HolderKey *jose.JSONWebKey
	// Rand supplies salts and decoys; nil means crypto/rand. Tests inject a
	// fixed source to get repeatable output.
	Rand io.Reader
}

// Issue makes an SD-JWT from claims (any value that encodes as a JSON
// object) in which the claims named by the disclosable patterns are replaced
// by digests. A pattern may name an object property or an array element
// ("*" for every element); patterns nested inside another disclosable claim
// produce recursive Disclosures (RFC 9901 section 4.2.6). Every pattern must
// match at least one claim: a misspelt path would otherwise leave a claim in
// the clear. Digests in each `_sd` array are sorted so their order tells
// nothing about the claims.
func Issue(claims any, disclosable []Path, opts IssueOptions) (*SDJWT, error) {
	if opts.HashAlg != "" && opts.HashAlg != HashSHA256 {
		return nil, fmt.Errorf("%w: HashAlg %q", ErrOptions, opts.HashAlg)
	}
	if opts.Typ == "" {
		opts.Typ = TypVC
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	raw, err := encodeJSON(claims)
	if err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrOptions, err)
	}
	normal, err := decodeObject(raw, DefaultMaxDepth)
	if err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrOptions, err)
	}
	is := &issuer{opts: opts, patterns: disclosable, matched: make([]bool, len(disclosable))}
	payload, err := is.object(normal, Path{})
	if err != nil {
		return nil, err
	}
	for i, ok := range is.matched {
		if !ok {
			return nil, fmt.Errorf("%w: disclosable path %q names no claim", ErrOptions, disclosable[i])
		}
	}
	if err := addBinding(payload, opts); err != nil {
		return nil, err
	}
	body, err := encodeJSON(payload)
	if err != nil {
		return nil, fmt.Errorf("sdjwt: encoding payload: %w", err)
	}
	jwt, err := signCompact(opts.Signer, opts.Alg, opts.Typ, opts.KeyID, body)
	if err != nil {
		return nil, err
	}
	sd := &SDJWT{IssuerJWT: jwt, Disclosures: is.discs}
	// Parse what was made: an Issuer never hands out what its Verifiers
	// would refuse (too large, too deep).
	return Parse(sd.String())
}

// addBinding writes `_sd_alg`, cnf.jwk and checks the SD-JWT VC rules.
func addBinding(payload map[string]any, opts IssueOptions) error {
	if opts.HashAlg != "" {
		payload[claimSDAlg] = opts.HashAlg
	}
	if opts.Typ == TypVC {
		if vct, _ := payload["vct"].(string); vct == "" {
			return fmt.Errorf("%w: an SD-JWT VC needs a string vct claim", ErrOptions)
		}
	}
	if opts.HolderKey == nil {
		return nil
	}
	if _, taken := payload["cnf"]; taken {
		return fmt.Errorf("%w: both a cnf claim and HolderKey", ErrOptions)
	}
	jwk, ok := publicJWK(opts.HolderKey)
	if !ok {
		return fmt.Errorf("%w: HolderKey is not an asymmetric key", ErrOptions)
	}
	payload["cnf"] = map[string]any{"jwk": jwk}
	return nil
}

type issuer struct {
	opts     IssueOptions
	patterns []Path
	matched  []bool
	discs    []*Disclosure
}

// disclosable reports whether some pattern names p, and marks it used.
func (is *issuer) disclosable(p Path) bool {
	hit := false
	for i, pattern := range is.patterns {
		if pattern.matches(p) {
			is.matched[i], hit = true, true
		}
	}
	return hit
}

func (is *issuer) value(v any, path Path) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		return is.object(v, path)
	case []any:
		return is.array(v, path)
	}
	return v, nil
}

func (is *issuer) object(m map[string]any, path Path) (map[string]any, error) {
	out := make(map[string]any, len(m))
	var digests []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a fixed Rand then gives a fixed result
	for _, k := range keys {
		if k == claimSD || k == claimDigest || k == claimSDAlg {
			return nil, fmt.Errorf("%w: claim name %q is reserved", ErrOptions, k)
		}
		at := path.child(k)
		v, err := is.value(m[k], at)
		if err != nil {
			return nil, err
		}
		if !is.disclosable(at) {
			out[k] = v
			continue
		}
		if is.opts.Typ == TypVC && len(path) == 0 && vcClearClaim(k) {
			return nil, fmt.Errorf("%w: SD-JWT VC keeps %q in the clear", ErrOptions, k)
		}
		d, err := is.disclose(k, false, v)
		if err != nil {
			return nil, err
		}
		digests = append(digests, d.Digest)
	}
	if len(digests) == 0 {
		return out, nil
	}
	digests, err := is.addDecoys(digests)
	if err != nil {
		return nil, err
	}
	slices.Sort(digests)
	out[claimSD] = digests
	return out, nil
}

func (is *issuer) array(a []any, path Path) ([]any, error) {
	out := make([]any, len(a))
	for i, elem := range a {
		at := path.index(i)
		v, err := is.value(elem, at)
		if err != nil {
			return nil, err
		}
		if !is.disclosable(at) {
			out[i] = v
			continue
		}
		d, err := is.disclose("", true, v)
		if err != nil {
			return nil, err
		}
		out[i] = map[string]any{claimDigest: d.Digest}
	}
	return out, nil
}

func (is *issuer) disclose(name string, arrayElement bool, value any) (*Disclosure, error) {
	salt, err := is.random(saltBytes)
	if err != nil {
		return nil, err
	}
	d, err := newDisclosure(b64.EncodeToString(salt), name, arrayElement, value)
	if err != nil {
		return nil, err
	}
	is.discs = append(is.discs, d)
	return d, nil
}

// addDecoys appends 0..Decoys digests of random bytes.
func (is *issuer) addDecoys(digests []string) ([]string, error) {
	if is.opts.Decoys <= 0 {
		return digests, nil
	}
	n, err := rand.Int(is.opts.Rand, big.NewInt(int64(is.opts.Decoys)+1))
	if err != nil {
		return nil, fmt.Errorf("sdjwt: random: %w", err)
	}
	for range n.Int64() {
		seed, err := is.random(saltBytes)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(seed)
		digests = append(digests, b64.EncodeToString(sum[:]))
	}
	return digests, nil
}

func (is *issuer) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(is.opts.Rand, b); err != nil {
		return nil, fmt.Errorf("sdjwt: random: %w", err)
	}
	return b, nil
}
