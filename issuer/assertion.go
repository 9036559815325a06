package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/go-jose/go-jose/v4"
)

// Rules of a client assertion (RFC 7523 section 3).
const (
	// MaxAssertionLifetime is how far ahead of now an assertion may expire.
	MaxAssertionLifetime = 5 * time.Minute
	// ClockSkew is the leeway on iat, nbf and exp for issuers' clocks.
	ClockSkew = 30 * time.Second
	maxJTILen = 128
)

// assertionClaims are the claims of a client assertion.
type assertionClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp *json.Number    `json:"exp"`
	Iat *json.Number    `json:"iat"`
	Nbf *json.Number    `json:"nbf"`
	JTI string          `json:"jti"`
}

// unauthorized is the error of every refused assertion: the reason goes to
// the caller (and the log), and says nothing of which issuers exist.
func unauthorized(key, msg string, cause error) error {
	return &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "issuer.error." + key, Message: msg, Err: cause}
}

// Authenticate checks a private_key_jwt client assertion (RFC 7523): a
// compact JWS signed with ES256, EdDSA or RS256 by one of an active
// issuer's keys, with iss = sub = the issuer id, aud (or one of them) =
// audience, exp at most MaxAssertionLifetime ahead, iat, and a jti never
// seen before (remembered until exp, on every instance). Returns the
// issuer, or EUNAUTHORIZED saying why.
func (s *Service) Authenticate(ctx context.Context, assertion, audience string) (Issuer, error) {
	bad := func(err error) (Issuer, error) { return Issuer{}, err }
	jws, err := jose.ParseSignedCompact(assertion, algorithms())
	if err != nil || len(assertion) > maxJWSBytes || len(jws.Signatures) != 1 {
		return bad(unauthorized("assertion_malformed", "The client assertion is not a compact JWS signed with ES256, EdDSA or RS256.", err))
	}
	var c assertionClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c); err != nil {
		return bad(unauthorized("assertion_malformed", "The client assertion's claims are not a JSON object.", err))
	}
	invalid := unauthorized("assertion_invalid", "The client assertion is not signed by an active registered issuer.", nil)
	if !ValidID(c.Iss) || c.Sub != c.Iss {
		return bad(invalid)
	}
	iss, err := s.cfg.Store.Issuer(ctx, c.Iss)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		s.cfg.Logger.WarnContext(ctx, "issuer assertion refused", "issuer", c.Iss, "reason", "unknown issuer")
		return bad(invalid)
	}
	if err != nil {
		return bad(fmt.Errorf("issuer: authenticate: %w", err))
	}
	if iss.Status != StatusActive {
		s.cfg.Logger.WarnContext(ctx, "issuer assertion refused", "issuer", iss.ID, "reason", "disabled")
		return bad(invalid)
	}
	if _, err := verifyJWS(iss.PublicKeys, assertion); err != nil {
		s.cfg.Logger.WarnContext(ctx, "issuer assertion refused", "issuer", iss.ID, "reason", "signature")
		return bad(invalid)
	}
	exp, err := c.check(audience, s.cfg.Clock())
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "issuer assertion refused", "issuer", iss.ID, "reason", err)
		return bad(err)
	}
	err = s.cfg.Store.UseAssertion(ctx, iss.ID, c.JTI, exp.Add(ClockSkew))
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		s.cfg.Logger.WarnContext(ctx, "issuer assertion refused", "issuer", iss.ID, "reason", "replayed jti")
		return bad(unauthorized("assertion_replayed", "This client assertion was already used; sign a new one with a new jti.", err))
	}
	if err != nil {
		return bad(fmt.Errorf("issuer: record assertion: %w", err))
	}
	// Counted after the jti is spent, so that only fresh assertions signed
	// by the issuer count: someone replaying a captured one cannot use up
	// the issuer's budget.
	if err := s.allow(ctx, iss.ID); err != nil {
		s.cfg.Logger.WarnContext(ctx, "issuer call refused", "issuer", iss.ID, "reason", "rate limited")
		return bad(err)
	}
	return iss, nil
}

// check verifies the claims other than iss and sub at now and returns exp.
func (c assertionClaims) check(audience string, now time.Time) (time.Time, error) {
	var auds []string
	if err := json.Unmarshal(c.Aud, &auds); err != nil {
		var one string
		if json.Unmarshal(c.Aud, &one) != nil {
			return time.Time{}, unauthorized("assertion_audience", "The client assertion's aud must be "+audience+".", nil)
		}
		auds = []string{one}
	}
	if !slices.Contains(auds, audience) {
		return time.Time{}, unauthorized("assertion_audience", "The client assertion's aud must be "+audience+".", nil)
	}
	exp, okExp := numericDate(c.Exp)
	iat, okIat := numericDate(c.Iat)
	if !okExp || !okIat || c.JTI == "" || len(c.JTI) > maxJTILen {
		return time.Time{}, unauthorized("assertion_claims", "The client assertion needs exp, iat and a jti of 1 to 128 characters.", nil)
	}
	nbf, okNbf := numericDate(c.Nbf)
	switch {
	case !now.Before(exp.Add(ClockSkew)):
		return time.Time{}, unauthorized("assertion_expired", "The client assertion has expired.", nil)
	case exp.After(now.Add(MaxAssertionLifetime + ClockSkew)):
		return time.Time{}, unauthorized("assertion_lifetime", "The client assertion must expire within 5 minutes.", nil)
	case iat.After(now.Add(ClockSkew)), okNbf && nbf.After(now.Add(ClockSkew)):
		return time.Time{}, unauthorized("assertion_early", "The client assertion is not valid yet.", nil)
	}
	return exp, nil
}

// numericDate reads a JWT NumericDate (seconds, possibly fractional).
func numericDate(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0).UTC(), true
}
