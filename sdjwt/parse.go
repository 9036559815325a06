package sdjwt

import (
	"fmt"
	"strings"
)

// Limits bound the work one untrusted input can cause. A presentation comes
// from a QR code or an HTTP body, so every dimension is capped before any
// allocation that grows with it.
type Limits struct {
	MaxSize        int // bytes of the whole compact serialization
	MaxDisclosures int // Disclosures in one SD-JWT
	MaxDepth       int // JSON nesting, in the payload and in processed claims
}

// Defaults for a zero Limits field. They fit every credential the platform
// issues with wide margin (an age_over_18 presentation is under 1 KB).
const (
	DefaultMaxSize        = 64 << 10
	DefaultMaxDisclosures = 256
	DefaultMaxDepth       = 32
)

func (l Limits) orDefault() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxDisclosures <= 0 {
		l.MaxDisclosures = DefaultMaxDisclosures
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// SDJWT is a parsed SD-JWT or SD-JWT+KB in compact serialization. Parsing
// checks its shape only; nothing in it is trusted until [Verify] succeeds.
type SDJWT struct {
	IssuerJWT     string        // the Issuer-signed JWT, compact
	Disclosures   []*Disclosure // in the order received
	KeyBindingJWT string        // the KB-JWT, compact; "" for a plain SD-JWT

	header, payload     map[string]any // of the Issuer-signed JWT, unverified
	kbHeader, kbPayload map[string]any // of the KB-JWT, unverified
	limits              Limits
}

// String returns the compact serialization: the Issuer-signed JWT, each
// Disclosure followed by "~", then the KB-JWT if there is one.
func (s *SDJWT) String() string { return s.sdPart() + s.KeyBindingJWT }

// sdPart is the SD-JWT without the KB-JWT, ending in "~": the input of
// sd_hash (RFC 9901 section 4.3.1).
func (s *SDJWT) sdPart() string {
	var b strings.Builder
	b.WriteString(s.IssuerJWT)
	b.WriteByte('~')
	for _, d := range s.Disclosures {
		b.WriteString(d.Encoded)
		b.WriteByte('~')
	}
	return b.String()
}

// Parse splits and decodes an SD-JWT (`<JWT>~<D1>~...~<Dn>~`) or SD-JWT+KB
// (`<JWT>~<D1>~...~<Dn>~<KB-JWT>`) under the default limits.
func Parse(s string) (*SDJWT, error) { return ParseLimits(s, Limits{}) }

// ParseLimits is Parse under the given limits (zero fields take the default).
func ParseLimits(s string, limits Limits) (*SDJWT, error) {
	limits = limits.orDefault()
	if len(s) > limits.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(s), limits.MaxSize)
	}
	if n := strings.Count(s, "~") - 1; n > limits.MaxDisclosures {
		return nil, fmt.Errorf("%w: %d, limit %d", ErrTooManyDisclosures, n, limits.MaxDisclosures)
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%w: no \"~\" after the Issuer-signed JWT", ErrMalformed)
	}
	sd := &SDJWT{IssuerJWT: parts[0], KeyBindingJWT: parts[len(parts)-1], limits: limits}
	var err error
	if sd.header, sd.payload, err = decodeJWT(sd.IssuerJWT, limits.MaxDepth); err != nil {
		return nil, fmt.Errorf("Issuer-signed JWT: %w", err)
	}
	if err := checkSDAlg(sd.payload); err != nil {
		return nil, err
	}
	if sd.KeyBindingJWT != "" {
		if sd.kbHeader, sd.kbPayload, err = decodeJWT(sd.KeyBindingJWT, limits.MaxDepth); err != nil {
			return nil, fmt.Errorf("KB-JWT: %w", err)
		}
	}
	seen := make(map[string]bool, len(parts)-2)
	for i, enc := range parts[1 : len(parts)-1] {
		d, err := decodeDisclosure(enc, limits.MaxDepth)
		if err != nil {
			return nil, fmt.Errorf("Disclosure %d: %w", i+1, err)
		}
		if seen[d.Digest] {
			return nil, fmt.Errorf("%w: Disclosure %d", ErrDuplicateDisclosure, i+1)
		}
		seen[d.Digest] = true
		sd.Disclosures = append(sd.Disclosures, d)
	}
	return sd, nil
}

// checkSDAlg accepts a payload without `_sd_alg` (the default, sha-256) or
// with `_sd_alg` "sha-256" (RFC 9901 section 4.1.1).
func checkSDAlg(payload map[string]any) error {
	alg, ok := payload[claimSDAlg]
	if !ok {
		return nil
	}
	if s, _ := alg.(string); s != HashSHA256 {
		return fmt.Errorf("%w: only %s is accepted", ErrBadSDAlg, HashSHA256)
	}
	return nil
}

// decodeJWT decodes the header and payload of a compact JWS (three
// base64url parts, both JSON objects) without verifying it.
func decodeJWT(jwt string, maxDepth int) (header, payload map[string]any, err error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 { // an empty signature is let through to be refused by alg
		return nil, nil, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	if _, err := b64.DecodeString(parts[2]); err != nil {
		return nil, nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	if header, err = decodeSegment(parts[0], maxDepth); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if payload, err = decodeSegment(parts[1], maxDepth); err != nil {
		return nil, nil, fmt.Errorf("payload: %w", err)
	}
	return header, payload, nil
}

func decodeSegment(seg string, maxDepth int) (map[string]any, error) {
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrMalformed)
	}
	return decodeObject(raw, maxDepth)
}
