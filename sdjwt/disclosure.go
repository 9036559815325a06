package sdjwt

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// HashSHA256 is the only `_sd_alg` this package issues and accepts: RFC 9901
// requires it of every implementation, and one algorithm leaves nothing to
// downgrade.
const HashSHA256 = "sha-256"

// Reserved claim names (RFC 9901 section 4.1).
const (
	claimSD     = "_sd"
	claimSDAlg  = "_sd_alg"
	claimDigest = "..."
)

// b64 is base64url without padding (RFC 7515 section 2), strict so that one
// byte string has exactly one accepted encoding.
var b64 = base64.RawURLEncoding.Strict()

// Disclosure is one decoded Disclosure (RFC 9901 section 4.2): a salt, the
// claim name for an object property (empty for an array element), and the
// claim value. Encoded is the exact base64url text received or produced; the
// digest is computed over it, never over a re-encoding.
type Disclosure struct {
	Encoded      string
	Digest       string
	Salt         string
	Name         string
	ArrayElement bool
	Value        any
}

// digest returns the base64url SHA-256 of the US-ASCII bytes of s (RFC 9901
// sections 4.2.3 and 4.3.1).
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return b64.EncodeToString(sum[:])
}

// decodeDisclosure checks and decodes one Disclosure from a presentation.
func decodeDisclosure(encoded string, maxDepth int) (*Disclosure, error) {
	raw, err := b64.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrBadDisclosure)
	}
	v, err := decodeJSON(raw, maxDepth)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDisclosure, err)
	}
	arr, ok := v.([]any)
	if !ok || (len(arr) != 2 && len(arr) != 3) {
		return nil, fmt.Errorf("%w: not an array of two or three elements", ErrBadDisclosure)
	}
	salt, ok := arr[0].(string)
	if !ok {
		return nil, fmt.Errorf("%w: salt is not a string", ErrBadDisclosure)
	}
	d := &Disclosure{Encoded: encoded, Digest: digest(encoded), Salt: salt}
	if len(arr) == 2 {
		d.ArrayElement, d.Value = true, arr[1]
		return d, nil
	}
	name, ok := arr[1].(string)
	if !ok {
		return nil, fmt.Errorf("%w: claim name is not a string", ErrBadDisclosure)
	}
	if name == claimSD || name == claimDigest {
		return nil, fmt.Errorf("%w: %q", ErrReservedClaimName, name)
	}
	d.Name, d.Value = name, arr[2]
	return d, nil
}

// newDisclosure encodes a Disclosure for an object property (name != "") or
// an array element (arrayElement).
func newDisclosure(salt, name string, arrayElement bool, value any) (*Disclosure, error) {
	parts := []any{salt, name, value}
	if arrayElement {
		parts = []any{salt, value}
	}
	raw, err := encodeJSON(parts)
	if err != nil {
		return nil, fmt.Errorf("%w: claim %q cannot be encoded as JSON: %w", ErrOptions, name, err)
	}
	encoded := b64.EncodeToString(raw)
	return &Disclosure{
		Encoded: encoded, Digest: digest(encoded), Salt: salt,
		Name: name, ArrayElement: arrayElement, Value: value,
	}, nil
}
