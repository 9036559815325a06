package issuer

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// Limits on what an issuer sends.
const (
	maxKeys     = 16
	maxJWSBytes = 64 << 10 // a document JWS; a client assertion is far smaller
	minRSABits  = 2048
)

// algorithms are the only signature algorithms accepted from issuers:
// never "none", never a shared-secret HMAC.
func algorithms() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256}
}

// errSignature is the cause of every signature failure.
var errSignature = errors.New("issuer: signature does not verify under the issuer's keys")

// checkKeys accepts a key set of 1 to 16 public signing keys of the
// accepted kinds (P-256, Ed25519, RSA of 2048 bits or more).
func checkKeys(set jose.JSONWebKeySet) error {
	if len(set.Keys) == 0 || len(set.Keys) > maxKeys {
		return fmt.Errorf("the key set must hold 1 to %d keys", maxKeys)
	}
	for n, k := range set.Keys {
		if !k.Valid() || !k.IsPublic() {
			return fmt.Errorf("key %d is not a valid public key", n)
		}
		if k.Use != "" && k.Use != "sig" {
			return fmt.Errorf("key %d is not a signing key (use %q)", n, k.Use)
		}
		if k.Algorithm != "" && !slices.Contains(algorithms(), jose.SignatureAlgorithm(k.Algorithm)) {
			return fmt.Errorf("key %d has algorithm %q; ES256, EdDSA and RS256 are accepted", n, k.Algorithm)
		}
		switch pk := k.Key.(type) {
		case *ecdsa.PublicKey:
			if pk.Curve != elliptic.P256() {
				return fmt.Errorf("key %d: only the P-256 curve is accepted", n)
			}
		case ed25519.PublicKey:
		case *rsa.PublicKey:
			if pk.N.BitLen() < minRSABits {
				return fmt.Errorf("key %d: RSA keys must have at least %d bits", n, minRSABits)
			}
		default:
			return fmt.Errorf("key %d is of an unsupported type", n)
		}
	}
	return nil
}

// verifyJWS checks a compact JWS with one signature against the key set
// (the key named by kid, or else each key in turn) and returns its payload.
// The error wraps errSignature for a signature that does not verify, and
// says what is wrong otherwise.
func verifyJWS(set jose.JSONWebKeySet, compact string) ([]byte, error) {
	if len(compact) > maxJWSBytes {
		return nil, errors.New("the JWS is too large")
	}
	jws, err := jose.ParseSignedCompact(compact, algorithms())
	if err != nil {
		return nil, fmt.Errorf("not a compact JWS with an accepted algorithm: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("the JWS must have exactly one signature")
	}
	h := jws.Signatures[0].Header
	candidates := set.Keys
	if h.KeyID != "" {
		candidates = set.Key(h.KeyID)
	}
	for _, k := range candidates {
		if k.Algorithm != "" && k.Algorithm != h.Algorithm {
			continue
		}
		if payload, err := jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	return nil, errSignature
}
