package sdjwt

import (
	"crypto"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Defaults for zero VerifyOptions durations.
const (
	// DefaultClockSkew tolerates clocks of phone and scanner that differ.
	DefaultClockSkew = 5 * time.Second
	// DefaultKBMaxAge matches the 30-second lifetime of an offline QR code.
	DefaultKBMaxAge = 30 * time.Second
)

// VerifyOptions are a Verifier's policy. The zero value of each field is
// its safe default; RequireKeyBinding with Aud and Nonce is what the
// platform's offline QR verification uses.
type VerifyOptions struct {
	// IssuerKeys are the trusted Issuer keys. The header kid picks the key;
	// a token without kid (a few characters fewer in a QR code) is tried
	// against each key of a matching alg, at most MaxKeysWithoutKid of them.
	IssuerKeys *jose.JSONWebKeySet
	// IssuerJWKS, when set, is used instead of IssuerKeys, for a cache of
	// JWKS keyed by issuer. It gets the unverified iss; it returns nil for an
	// unknown issuer, and an error of its own (passed through, never turned
	// into a refusal reason) when it cannot answer, e.g. offline.
	IssuerJWKS func(iss string) (*jose.JSONWebKeySet, error)
	// Issuer, when set, must equal the iss claim.
	Issuer string
	// ExpectedTyp is the required header typ; empty means TypVC. With TypVC
	// the payload must hold a string vct, and claims SD-JWT VC keeps in the
	// clear may not arrive as Disclosures.
	ExpectedTyp string
	// AllowedAlgs lists the accepted signature algorithms of the
	// Issuer-signed JWT and KB-JWT; empty means ES256. "none" and HMAC
	// algorithms are refused as a configuration error.
	AllowedAlgs []jose.SignatureAlgorithm
	// RequireKeyBinding demands a KB-JWT; Aud and Nonce must then be set.
	// The decision is the Verifier's policy, never the presentation's
	// (RFC 9901 section 7.3). A KB-JWT present when not required is checked
	// all the same, its aud and nonce only against the values set here.
	RequireKeyBinding bool
	// Aud names this Verifier: it must equal the KB-JWT aud, and be among
	// the aud of an Issuer-signed JWT that has one (RFC 7519 section 4.1.3).
	Aud string
	// Nonce is the expected KB-JWT nonce, compared in constant time.
	Nonce string
	// Now is the clock; nil means time.Now. digitalid.Clock fits.
	Now func() time.Time
	// ClockSkew is tolerated on exp, nbf and iat; zero means DefaultClockSkew.
	ClockSkew time.Duration
	// KBMaxAge is how old a KB-JWT may be; zero means DefaultKBMaxAge.
	KBMaxAge time.Duration
	// Limits cap the work of parsing; zero fields take the defaults.
	Limits Limits
}

// Verified is a presentation that passed every check.
type Verified struct {
	// Claims is the Processed SD-JWT Payload (RFC 9901 section 7.1):
	// disclosed claims in place, `_sd`, `_sd_alg` and undisclosed array
	// elements removed. Numbers are json.Number, exactly as signed.
	Claims map[string]any
	// Disclosed lists where each received Disclosure was inserted, so a
	// Verifier can refuse a presentation that discloses more than its
	// purpose allows.
	Disclosed []Path
	KeyID     string // header kid of the Issuer-signed JWT
	Issuer    string // iss, if any
	VCT       string // vct, if any
	// HolderKey is cnf.jwk, and KeyBound reports whether a KB-JWT signed by
	// it was verified at KBIssuedAt.
	HolderKey  crypto.PublicKey
	KeyBound   bool
	KBIssuedAt time.Time
}

// Verify checks a presentation (SD-JWT or SD-JWT+KB, compact) as RFC 9901
// sections 7.1 and 7.3 require and returns its processed payload. Each
// refusal wraps one of the package's *Error reasons.
func Verify(presentation string, opts VerifyOptions) (*Verified, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	now := o.Now()
	sd, err := ParseLimits(presentation, o.Limits)
	if err != nil {
		return nil, err
	}
	alg, err := checkHeader(sd.header, o.ExpectedTyp, ErrTyp, o.AllowedAlgs)
	if err != nil {
		return nil, fmt.Errorf("Issuer-signed JWT: %w", err)
	}
	iss, _ := sd.payload["iss"].(string)
	kid, _ := sd.header["kid"].(string)
	keys, err := o.issuerKeys(iss, kid, alg)
	if err != nil {
		return nil, err
	}
	if err := verifyIssuer(sd.IssuerJWT, alg, keys); err != nil {
		return nil, err
	}
	if o.Issuer != "" && iss != o.Issuer {
		return nil, fmt.Errorf("%w: want %q", ErrIssuer, o.Issuer)
	}
	vc := o.ExpectedTyp == TypVC
	pr, err := process(sd.payload, sd.Disclosures, o.Limits.orDefault().MaxDepth, vc)
	if err != nil {
		return nil, err
	}
	if err := o.checkValidity(pr.claims, now); err != nil {
		return nil, err
	}
	v := &Verified{Claims: pr.claims, Disclosed: pr.paths, KeyID: kid, Issuer: iss}
	v.VCT, _ = pr.claims["vct"].(string)
	if vc && v.VCT == "" {
		return nil, fmt.Errorf("%w: vct", ErrMissingClaim)
	}
	holder, holderErr := holderKey(pr.claims)
	v.HolderKey = holder
	if sd.KeyBindingJWT == "" {
		if o.RequireKeyBinding {
			return nil, ErrNoKeyBinding
		}
		return v, nil
	}
	if holderErr != nil {
		return nil, holderErr
	}
	sdPart := presentation[:strings.LastIndexByte(presentation, '~')+1]
	if v.KBIssuedAt, err = o.checkKeyBinding(sd, sdPart, v.HolderKey, now); err != nil {
		return nil, err
	}
	v.KeyBound = true
	return v, nil
}

func (o VerifyOptions) withDefaults() (VerifyOptions, error) {
	if o.IssuerKeys == nil && o.IssuerJWKS == nil {
		return o, fmt.Errorf("%w: no Issuer keys", ErrOptions)
	}
	if o.ExpectedTyp == "" {
		o.ExpectedTyp = TypVC
	}
	if len(o.AllowedAlgs) == 0 {
		o.AllowedAlgs = []jose.SignatureAlgorithm{jose.ES256}
	}
	for _, alg := range o.AllowedAlgs {
		if !asymmetricAlg(alg) {
			return o, fmt.Errorf("%w: algorithm %q may not be allowed", ErrOptions, alg)
		}
	}
	if o.RequireKeyBinding && (o.Aud == "" || o.Nonce == "") {
		return o, fmt.Errorf("%w: Key Binding needs Aud and Nonce", ErrOptions)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ClockSkew <= 0 {
		o.ClockSkew = DefaultClockSkew
	}
	if o.KBMaxAge <= 0 {
		o.KBMaxAge = DefaultKBMaxAge
	}
	return o, nil
}

// MaxKeysWithoutKid bounds the signature checks a token without kid costs.
const MaxKeysWithoutKid = 4

// issuerKeys lists the public keys that may have signed the Issuer JWT:
// the one named by kid, or without kid every key of the right algorithm.
func (o VerifyOptions) issuerKeys(iss, kid string, alg jose.SignatureAlgorithm) ([]crypto.PublicKey, error) {
	set := o.IssuerKeys
	if o.IssuerJWKS != nil {
		var err error
		if set, err = o.IssuerJWKS(iss); err != nil {
			return nil, fmt.Errorf("sdjwt: resolving Issuer keys: %w", err)
		}
	}
	var keys []crypto.PublicKey
	if set != nil {
		for _, k := range set.Keys {
			if kid != "" && k.KeyID != kid || k.Algorithm != "" && k.Algorithm != string(alg) || k.Use != "" && k.Use != "sig" {
				continue
			}
			if pub, ok := publicJWK(&k); ok {
				keys = append(keys, pub.Key)
			}
		}
	}
	if len(keys) == 0 || kid == "" && len(keys) > MaxKeysWithoutKid {
		return nil, fmt.Errorf("%w: kid %q, alg %s", ErrUnknownKey, kid, alg)
	}
	return keys, nil
}

// verifyIssuer checks the Issuer signature with the first key that fits.
func verifyIssuer(jwt string, alg jose.SignatureAlgorithm, keys []crypto.PublicKey) error {
	var err error
	for _, key := range keys {
		if err = verifyCompact(jwt, alg, key); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: %w", ErrSignature, err)
}

// checkValidity applies exp, nbf, iat and aud of the processed payload
// (RFC 9901 section 7.1, step 5).
func (o VerifyOptions) checkValidity(claims map[string]any, now time.Time) error {
	exp, hasExp, err := numericDate(claims, "exp")
	if err != nil {
		return err
	}
	if hasExp && !now.Before(exp.Add(o.ClockSkew)) {
		return ErrExpired
	}
	nbf, hasNbf, err := numericDate(claims, "nbf")
	if err != nil {
		return err
	}
	if hasNbf && now.Add(o.ClockSkew).Before(nbf) {
		return ErrNotYetValid
	}
	iat, hasIat, err := numericDate(claims, "iat")
	if err != nil {
		return err
	}
	if hasIat && now.Add(o.ClockSkew).Before(iat) {
		return ErrIssuedInFuture
	}
	if aud, ok := claims["aud"]; ok && !audienceHas(aud, o.Aud) {
		return fmt.Errorf("%w: the Issuer-signed JWT is for another audience", ErrAud)
	}
	return nil
}

// audienceHas reports whether aud (a string or array of strings, RFC 7519
// section 4.1.3) names want; an empty want matches nothing.
func audienceHas(aud any, want string) bool {
	if want == "" {
		return false
	}
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, x := range a {
			if s, _ := x.(string); s == want {
				return true
			}
		}
	}
	return false
}

// numericDate reads a JWT NumericDate claim (seconds since the epoch,
// possibly fractional).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, isNum := v.(json.Number)
	f, err := n.Float64()
	if !isNum || err != nil || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a NumericDate", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}
