package oidc

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/digitalid/digitalid"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// AssertionType is the client_assertion_type of private_key_jwt.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgs are the signature algorithms accepted in client assertions.
var assertionAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.EdDSA, jose.RS256, jose.PS256}

// clientError is an OAuth client authentication failure (401 invalid_client).
type clientError struct{ desc string }

func (e *clientError) Error() string { return "invalid_client: " + e.desc }

// authenticate authenticates the client of a token, revocation or PAR
// request: private_key_jwt (the assertion verified against the client's
// keys, audience the issuer or the endpoint, short-lived, its jti recorded
// so a replay is refused on every instance) or, for development clients,
// client_secret_basic. It returns the client.
func (s *Service) authenticate(ctx context.Context, r *http.Request, issuer string) (RelyingParty, error) {
	form := r.PostForm
	if form.Get("client_assertion_type") != "" || form.Get("client_assertion") != "" {
		return s.verifyAssertion(ctx, form, issuer, issuer+r.URL.Path)
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		return RelyingParty{}, &clientError{"client authentication is required"}
	}
	if id, err := url.QueryUnescape(id); err == nil {
		c, err := s.store.Client(ctx, id)
		sec, _ := url.QueryUnescape(secret)
		if err == nil && c.Status == ClientActive && c.AuthMethod == AuthSecretBasic && subtle.ConstantTimeCompare(c.SecretHash, hash(sec)) == 1 {
			return c, nil
		}
	}
	return RelyingParty{}, &clientError{"invalid client credentials"}
}

func (s *Service) verifyAssertion(ctx context.Context, form url.Values, audiences ...string) (RelyingParty, error) {
	if form.Get("client_assertion_type") != AssertionType {
		return RelyingParty{}, &clientError{"unsupported client_assertion_type"}
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), assertionAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return RelyingParty{}, &clientError{"malformed client assertion"}
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return RelyingParty{}, &clientError{"malformed client assertion"}
	}
	c, err := s.store.Client(ctx, unverified.Issuer)
	if err != nil || c.Status != ClientActive || c.AuthMethod != AuthPrivateKeyJWT {
		return RelyingParty{}, &clientError{"unknown client"}
	}
	if id := form.Get("client_id"); id != "" && id != c.ID {
		return RelyingParty{}, &clientError{"client_id does not match the assertion"}
	}
	key, err := clientKey(c, tok.Headers[0].KeyID)
	if err != nil {
		return RelyingParty{}, &clientError{"unknown assertion key"}
	}
	var claims jwt.Claims
	if err := tok.Claims(key.Key, &claims); err != nil {
		return RelyingParty{}, &clientError{"the client assertion does not verify"}
	}
	now := s.now()
	if claims.Issuer != c.ID || claims.Subject != c.ID || claims.ID == "" || claims.Expiry == nil {
		return RelyingParty{}, &clientError{"the assertion needs iss and sub equal to the client id, jti and exp"}
	}
	if !slices.ContainsFunc(audiences, func(a string) bool { return claims.Audience.Contains(a) }) {
		return RelyingParty{}, &clientError{"the assertion's audience is not this provider"}
	}
	exp := claims.Expiry.Time()
	if !now.Before(exp.Add(5*time.Second)) || exp.Sub(now) > MaxAssertionLife {
		return RelyingParty{}, &clientError{"the assertion has expired or lives too long"}
	}
	if claims.NotBefore != nil && now.Add(5*time.Second).Before(claims.NotBefore.Time()) {
		return RelyingParty{}, &clientError{"the assertion is not valid yet"}
	}
	err = s.store.UseClientAssertion(ctx, c.ID, claims.ID, exp.Add(time.Minute))
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return RelyingParty{}, &clientError{"the client assertion was used before"}
	}
	if err != nil {
		return RelyingParty{}, err
	}
	return c, nil
}

// allowToken counts a token request of the client in the database; it
// returns false with the end of the window when the client is over its rate.
func (s *Service) allowToken(ctx context.Context, clientID string) (bool, time.Time, error) {
	r := s.cfg.TokenRate
	now := s.now()
	start := now.Truncate(r.Window)
	end := start.Add(r.Window)
	n, err := s.store.HitRateLimit(ctx, "oidc_token", hash("client:"+clientID), start, end)
	if err != nil {
		return false, end, err
	}
	return n <= r.Max, end, nil
}
