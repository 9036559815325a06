package statuslist

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
)

// JOSE and HTTP names of the Status List Token (draft sections 5.1, 8).
const (
	Typ       = "statuslist+jwt"
	MediaType = "application/statuslist+jwt"
)

// ClockSkew is tolerated on iat, nbf and exp: the publisher's and the
// Verifier's clocks differ a little.
const ClockSkew = 5 * time.Second

// MaxTokenLen bounds a Status List Token: MaxBytes of incompressible list,
// base64url-encoded in "lst" and again in the JWT payload, plus headroom for
// the header, other claims and the signature. Fetchers use it as their
// response size limit.
const MaxTokenLen = 2*maxCompressed + 16<<10

// MaxKeysWithoutKid bounds the signature checks a token without kid costs.
const MaxKeysWithoutKid = 4

// allowedAlgs are the asymmetric JWS algorithms accepted (never "none" or
// an HMAC, RFC 8725 section 3.1).
func allowedAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{
		jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
		jose.PS256, jose.PS384, jose.PS512, jose.RS256, jose.RS384, jose.RS512,
	}
}

// TokenInfo is what a verified Status List Token says about itself, for a
// Verifier's cache: how long the list may be used (TTL, Expires) and which
// key signed it.
type TokenInfo struct {
	URI      string        // sub: the URI the token is published at
	Issuer   string        // iss, if present
	IssuedAt time.Time     // iat
	Expires  time.Time     // exp; zero when absent
	TTL      time.Duration // ttl: cache at most this long before refetching; zero when absent
	KeyID    string        // header kid, if present
}

// tokenClaims is the JWT payload SignToken writes.
type tokenClaims struct {
	Sub        string `json:"sub"`
	Iat        int64  `json:"iat"`
	Exp        int64  `json:"exp,omitempty"`
	TTL        int64  `json:"ttl,omitempty"`
	StatusList *List  `json:"status_list"`
}

// SignToken makes a Status List Token for list published at uri, issued at
// iat, expiring at exp (zero: no exp) and cacheable for ttl (zero: no ttl,
// else at least one second). The signer is any crypto.Signer, so a
// keys.Signer (file or HSM) works as it is; alg may be empty for ES256 with
// a P-256 key or EdDSA with Ed25519; kid names the key in the issuer's JWKS.
func SignToken(list *List, uri string, iat, exp time.Time, ttl time.Duration, signer crypto.Signer, alg jose.SignatureAlgorithm, kid string) (string, error) {
	switch {
	case list == nil || signer == nil:
		return "", fmt.Errorf("%w: a list and a signer are required", ErrOptions)
	case !absoluteURI(uri):
		return "", fmt.Errorf("%w: uri %q is not an absolute URI", ErrOptions, uri)
	case iat.IsZero():
		return "", fmt.Errorf("%w: iat is required", ErrOptions)
	case !exp.IsZero() && !exp.After(iat):
		return "", fmt.Errorf("%w: exp must be after iat", ErrOptions)
	case ttl < 0 || ttl > 0 && ttl < time.Second:
		return "", fmt.Errorf("%w: ttl %s (zero or at least 1s)", ErrOptions, ttl)
	}
	if alg == "" {
		var err error
		if alg, err = algFor(signer.Public()); err != nil {
			return "", err
		}
	}
	if !allowed(alg) {
		return "", fmt.Errorf("%w: %q", ErrAlg, alg)
	}
	c := tokenClaims{Sub: uri, Iat: iat.Unix(), TTL: int64(ttl / time.Second), StatusList: list}
	if !exp.IsZero() {
		c.Exp = exp.Unix()
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("statuslist: encoding token: %w", err)
	}
	opts := (&jose.SignerOptions{}).WithType(Typ)
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: cryptosigner.Opaque(signer)}, opts)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrOptions, err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("statuslist: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// ParseToken verifies a Status List Token as draft section 8.3 requires:
// typ statuslist+jwt, an asymmetric signature by a key of keys (picked by
// kid), sub equal to expectedURI (the uri of the credential's status
// claim), iat present and not in the future, exp (if any) not passed, ttl
// (if any) a positive number, and a well-formed status_list. now is the
// Verifier's clock.
func ParseToken(token string, keys *jose.JSONWebKeySet, now time.Time, expectedURI string) (*List, TokenInfo, error) {
	var info TokenInfo
	if len(token) > MaxTokenLen {
		return nil, info, fmt.Errorf("%w: token of %d bytes", ErrTooLarge, len(token))
	}
	jws, err := jose.ParseSignedCompact(token, allowedAlgs())
	if err != nil {
		return nil, info, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	h := jws.Signatures[0].Protected
	if err := checkHeader(h); err != nil {
		return nil, info, err
	}
	info.KeyID = h.KeyID
	payload, err := verifySignature(jws, keys, h)
	if err != nil {
		return nil, info, err
	}
	var c struct {
		Sub        *string         `json:"sub"`
		Iss        string          `json:"iss"`
		Iat        json.RawMessage `json:"iat"`
		Exp        json.RawMessage `json:"exp"`
		Nbf        json.RawMessage `json:"nbf"`
		TTL        json.RawMessage `json:"ttl"`
		StatusList *List           `json:"status_list"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&c); err != nil {
		return nil, info, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	if c.Sub == nil || c.StatusList == nil {
		return nil, info, fmt.Errorf("%w: sub and status_list are required", ErrMissingClaim)
	}
	if *c.Sub != expectedURI {
		return nil, info, fmt.Errorf("%w: want %q", ErrSubject, expectedURI)
	}
	info.URI, info.Issuer = *c.Sub, c.Iss
	if err := checkTimes(&info, c.Iat, c.Exp, c.Nbf, c.TTL, now); err != nil {
		return nil, info, err
	}
	return c.StatusList, info, nil
}

// checkHeader requires the statuslist+jwt typ (with or without the
// "application/" prefix RFC 7515 section 4.1.9 lets senders drop) and no
// extension the package would have to understand.
func checkHeader(h jose.Header) error {
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if !strings.EqualFold(strings.TrimPrefix(strings.ToLower(typ), "application/"), Typ) {
		return fmt.Errorf("%w: %q", ErrTyp, typ)
	}
	for _, ext := range []jose.HeaderKey{"crit", "b64"} {
		if _, ok := h.ExtraHeaders[ext]; ok {
			return fmt.Errorf("%w: unsupported header parameter %q", ErrMalformed, ext)
		}
	}
	return nil
}

// verifySignature checks the signature with the key named by kid, or
// without kid with each key of the header's algorithm (at most
// MaxKeysWithoutKid), and returns the payload.
func verifySignature(jws *jose.JSONWebSignature, keys *jose.JSONWebKeySet, h jose.Header) ([]byte, error) {
	var candidates []crypto.PublicKey
	if keys != nil {
		for _, k := range keys.Keys {
			if h.KeyID != "" && k.KeyID != h.KeyID || k.Algorithm != "" && k.Algorithm != h.Algorithm || k.Use != "" && k.Use != "sig" {
				continue
			}
			if pub := k.Public(); pub.Valid() && pub.IsPublic() {
				candidates = append(candidates, pub.Key)
			}
		}
	}
	if len(candidates) == 0 || h.KeyID == "" && len(candidates) > MaxKeysWithoutKid {
		return nil, fmt.Errorf("%w: kid %q, alg %s", ErrUnknownKey, h.KeyID, h.Algorithm)
	}
	var err error
	for _, key := range candidates {
		var payload []byte
		if payload, err = jws.Verify(key); err == nil {
			return payload, nil
		}
	}
	return nil, fmt.Errorf("%w: %w", ErrSignature, err)
}

// checkTimes applies iat (required), nbf, exp and ttl (RFC 7519 section
// 4.1, draft section 5.1) and records them in info.
func checkTimes(info *TokenInfo, iat, exp, nbf, ttl json.RawMessage, now time.Time) error {
	t, ok, err := numericDate("iat", iat)
	if err != nil || !ok {
		return fmt.Errorf("%w: iat", ErrMissingClaim)
	}
	if t.After(now.Add(ClockSkew)) {
		return fmt.Errorf("%w: iat %s ahead", ErrNotYetValid, t.Sub(now))
	}
	info.IssuedAt = t
	if t, ok, err = numericDate("nbf", nbf); err != nil {
		return err
	} else if ok && t.After(now.Add(ClockSkew)) {
		return fmt.Errorf("%w: nbf", ErrNotYetValid)
	}
	if t, ok, err = numericDate("exp", exp); err != nil {
		return err
	} else if ok {
		if !now.Before(t.Add(ClockSkew)) {
			return fmt.Errorf("%w: %s ago", ErrExpired, now.Sub(t))
		}
		info.Expires = t
	}
	if d, ok, err := numericDate("ttl", ttl); err != nil {
		return err
	} else if ok {
		secs := d.Unix()
		if secs <= 0 {
			return fmt.Errorf("%w: ttl must be positive", ErrMalformed)
		}
		info.TTL = time.Duration(secs) * time.Second
	}
	return nil
}

// numericDate reads a JSON number of seconds (absent: ok false). A string
// or other type is refused, not coerced.
func numericDate(name string, raw json.RawMessage) (time.Time, bool, error) {
	if len(raw) == 0 {
		return time.Time{}, false, nil
	}
	var n json.Number
	if raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e12 {
		return time.Time{}, false, fmt.Errorf("%w: %s out of range", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

func allowed(alg jose.SignatureAlgorithm) bool { return slices.Contains(allowedAlgs(), alg) }

// algFor names the JWS algorithm of a P-256 or Ed25519 key, for callers
// that leave alg empty.
func algFor(pub crypto.PublicKey) (jose.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return jose.ES256, nil
		}
	case ed25519.PublicKey:
		return jose.EdDSA, nil
	}
	return "", fmt.Errorf("%w: set alg for a %T key", ErrOptions, pub)
}

// absoluteURI reports whether s is an absolute URI (RFC 3986 section 4.3).
func absoluteURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}
