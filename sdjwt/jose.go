package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
)

// JOSE types (RFC 9901 section 4.3, draft-ietf-oauth-sd-jwt-vc section 3.2.1).
const (
	TypVC = "dc+sd-jwt" // an SD-JWT VC, as the platform issues
	TypKB = "kb+jwt"    // a Key Binding JWT
)

// asymmetricAlg reports whether alg is a signature algorithm RFC 9901
// allows: never "none" (sections 4.1, 4.3), and never an HMAC, which would
// let anyone holding the verification key mint tokens (RFC 8725 section 3.1).
func asymmetricAlg(alg jose.SignatureAlgorithm) bool {
	return alg != "" && alg != "none" && !strings.HasPrefix(string(alg), "HS")
}

// algFor names the JOSE algorithm of a public key, for callers that leave
// Alg empty.
func algFor(pub crypto.PublicKey) (jose.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return jose.ES256, nil
		case elliptic.P384():
			return jose.ES384, nil
		case elliptic.P521():
			return jose.ES512, nil
		}
	case ed25519.PublicKey:
		return jose.EdDSA, nil
	}
	return "", fmt.Errorf("%w: set Alg for a %T key", ErrOptions, pub)
}

// signCompact signs payload as a compact JWS whose protected header holds
// only alg, typ and (when set) kid: every extra byte ends up in a QR code.
// The key is any crypto.Signer, so keys.KeyStore and HSM keys work as they
// are; ECDSA signatures are converted to the JOSE r||s form by go-jose.
func signCompact(signer crypto.Signer, alg jose.SignatureAlgorithm, typ, kid string, payload []byte) (string, error) {
	if signer == nil {
		return "", fmt.Errorf("%w: no signer", ErrOptions)
	}
	if alg == "" {
		var err error
		if alg, err = algFor(signer.Public()); err != nil {
			return "", err
		}
	}
	if !asymmetricAlg(alg) {
		return "", fmt.Errorf("%w: algorithm %q is not an asymmetric signature", ErrOptions, alg)
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: cryptosigner.Opaque(signer)}, opts)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrOptions, err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sdjwt: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// checkHeader enforces what this package expects of a protected header: the
// exact typ, an allowed alg, and no extensions it would have to understand
// (crit, or b64 which changes what is signed).
func checkHeader(header map[string]any, typ string, typErr *Error, allowed []jose.SignatureAlgorithm) (jose.SignatureAlgorithm, error) {
	if t, _ := header["typ"].(string); t != typ {
		return "", fmt.Errorf("%w: want %q", typErr, typ)
	}
	for _, ext := range []string{"crit", "b64"} {
		if _, ok := header[ext]; ok {
			return "", fmt.Errorf("%w: unsupported header parameter %q", ErrMalformed, ext)
		}
	}
	a, _ := header["alg"].(string)
	alg := jose.SignatureAlgorithm(a)
	for _, ok := range allowed {
		if alg == ok {
			return alg, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrAlg, a)
}

// verifyCompact checks the signature of a compact JWS with key.
func verifyCompact(jwt string, alg jose.SignatureAlgorithm, key crypto.PublicKey) error {
	jws, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	_, err = jws.Verify(key)
	return err
}

// publicJWK returns the public half of a JSON Web Key holding an asymmetric
// key, without kid, alg or use (cnf.jwk needs none of them), or false.
func publicJWK(k *jose.JSONWebKey) (jose.JSONWebKey, bool) {
	if k == nil {
		return jose.JSONWebKey{}, false
	}
	pub := k.Public()
	if !pub.Valid() || !pub.IsPublic() {
		return jose.JSONWebKey{}, false
	}
	return jose.JSONWebKey{Key: pub.Key}, true
}

// sameKey reports whether two public keys have the same JWK thumbprint.
func sameKey(a, b crypto.PublicKey) bool {
	ta, errA := (&jose.JSONWebKey{Key: a}).Thumbprint(crypto.SHA256)
	tb, errB := (&jose.JSONWebKey{Key: b}).Thumbprint(crypto.SHA256)
	return errA == nil && errB == nil && subtle.ConstantTimeCompare(ta, tb) == 1
}

// equalHash compares two strings in constant time through their digests.
func equalHash(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
