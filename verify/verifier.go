package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/sdjwt"
	"github.com/go-jose/go-jose/v4"
)

// Config is a verifier's trust and caching policy. Issuer is required;
// every other zero field takes the default named in its comment.
type Config struct {
	// Issuer is the platform's iss URL; credentials of any other issuer are
	// refused.
	Issuer string
	// JWKSURL is where the issuer's keys are published; default Issuer +
	// "/.well-known/jwks.json".
	JWKSURL string
	// HTTPClient fetches the JWKS and status lists; default a client with a
	// 30 s timeout that follows at most five redirects, never to plain http.
	HTTPClient *http.Client
	// FetchTimeout bounds one fetch; default 10 s.
	FetchTimeout time.Duration
	// Cache keeps what was fetched; default NewMemoryCache(). NewDirCache
	// keeps it across restarts.
	Cache Cache
	// MaxKeyAge is how old a cached JWKS may be and still be used when the
	// issuer cannot be reached; default 24 h.
	MaxKeyAge time.Duration
	// MaxStatusAge is how long past its ttl a cached status list may be
	// used when the issuer cannot be reached (never past its exp); default
	// 24 h.
	MaxStatusAge time.Duration
	// StatusLists are status list URIs Prefetch fetches besides those
	// already seen, so a scanner can go offline before its first scan.
	StatusLists []string
	// Now is the clock; default time.Now. digitalid.Clock fits.
	Now func() time.Time
	// Purposes maps each purpose to the claims it discloses; default
	// DefaultPurposes().
	Purposes map[string][]string
	// ClockSkew and KBMaxAge pass to sdjwt.VerifyOptions (defaults 5 s and
	// 30 s, the lifetime of an offline QR code).
	ClockSkew time.Duration
	KBMaxAge  time.Duration
	// Logger receives fetch failures (URLs and errors, never payloads or
	// claims); default discards.
	Logger *slog.Logger
}

// Verifier checks offline QR presentations. It is safe for concurrent use;
// one Verifier should serve a whole scanner so its caches are shared.
type Verifier struct {
	cfg      Config
	purposes map[string][]string
	pinned   *jose.JSONWebKeySet
	log      *slog.Logger

	keys     slot[*jose.JSONWebKeySet]
	statusMu sync.Mutex
	status   map[string]*slot[*statusValue] // by status list URI
}

// Option adjusts a Verifier at construction.
type Option func(*Verifier)

// WithJWKS pins the issuer's keys (e.g. from [LoadJWKS]): they are used
// as they are, never fetched and never too old, for fully offline use.
// Status lists signed by other keys are then refused.
func WithJWKS(set *jose.JSONWebKeySet) Option {
	return func(v *Verifier) { v.pinned = set }
}

// New returns a Verifier for cfg.
func New(cfg Config, opts ...Option) (*Verifier, error) {
	u, err := url.Parse(cfg.Issuer)
	if cfg.Issuer == "" || err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("verify: Config.Issuer %q is not an absolute URL", cfg.Issuer)
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/jwks.json"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultClient()
	}
	cfg.FetchTimeout = orDefault(cfg.FetchTimeout, 10*time.Second)
	cfg.MaxKeyAge = orDefault(cfg.MaxKeyAge, 24*time.Hour)
	cfg.MaxStatusAge = orDefault(cfg.MaxStatusAge, 24*time.Hour)
	if cfg.Cache == nil {
		cfg.Cache = NewMemoryCache()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Purposes == nil {
		cfg.Purposes = DefaultPurposes()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	v := &Verifier{cfg: cfg, log: cfg.Logger, purposes: map[string][]string{}, status: map[string]*slot[*statusValue]{}}
	for p, claims := range cfg.Purposes {
		if p == "" || len(claims) == 0 {
			return nil, fmt.Errorf("verify: purpose %q names no claims", p)
		}
		v.purposes[p] = append([]string(nil), claims...)
	}
	for _, opt := range opts {
		opt(v)
	}
	if v.pinned == nil {
		if err := checkURL(cfg.JWKSURL); err != nil {
			return nil, err
		}
	} else if len(v.pinned.Keys) == 0 {
		return nil, errors.New("verify: WithJWKS with no keys")
	}
	return v, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// errWrongIssuer makes sdjwt stop before any key lookup for a foreign iss.
var errWrongIssuer = errors.New("verify: credential of another issuer")

// Verify checks an offline QR payload for purpose want (see the package
// documentation for every check). It never returns Invalid because of a
// network failure.
func (v *Verifier) Verify(ctx context.Context, payload string, want Purpose) Result {
	now := v.cfg.Now()
	res := Result{Purpose: want, CheckedAt: now}
	allowed, ok := v.purposes[string(want)]
	if !ok {
		return res.refuse(Invalid, ReasonUnknownPurpose, fmt.Errorf("verify: purpose %q is not configured", want))
	}
	presentation, err := ParsePayload(payload)
	switch {
	case errors.Is(err, ErrPayloadSize):
		return res.refuse(Invalid, ReasonTooLarge, err)
	case errors.Is(err, ErrPayloadVersion):
		return res.refuse(Invalid, ReasonUnsupported, err)
	case err != nil:
		return res.refuse(Invalid, ReasonMalformed, err)
	}
	vd, err := v.verifyPresentation(ctx, presentation, want, now)
	if err != nil {
		return res.refuse(v.classify(err))
	}
	res.Type, res.PresentedAt = vd.VCT, vd.KBIssuedAt
	res.IssuedAt, _ = claimTime(vd.Claims, "iat")
	res.ExpiresAt, _ = claimTime(vd.Claims, "exp")
	claims, reason, err := purposeClaims(vd, allowed)
	if err != nil {
		return res.refuse(Invalid, reason, err)
	}
	ref, err := statuslist.ParseReference(vd.Claims)
	if err != nil {
		return res.refuse(Invalid, ReasonNoStatus, err)
	}
	outcome, reason, asOf, err := v.checkStatus(ctx, ref, now)
	res.StatusAsOf = asOf
	if outcome != Valid {
		if outcome == Undetermined {
			v.log.Warn("verify: status list unavailable", "uri", ref.URI, "err", err.Error())
		}
		return res.refuse(outcome, reason, err)
	}
	res.Outcome, res.Claims = Valid, claims
	return res
}

// verifyPresentation runs the RFC 9901 checks. A key id the cached JWKS
// lacks (or, for a token without kid, a signature no cached key verifies)
// makes it refetch the JWKS once and try again.
func (v *Verifier) verifyPresentation(ctx context.Context, presentation string, want Purpose, now time.Time) (*sdjwt.Verified, error) {
	opts := sdjwt.VerifyOptions{
		IssuerJWKS: func(iss string) (*jose.JSONWebKeySet, error) {
			if iss != v.cfg.Issuer {
				return nil, errWrongIssuer
			}
			return v.keySet(ctx, now)
		},
		Issuer:    v.cfg.Issuer,
		Aud:       string(want),
		Now:       func() time.Time { return now },
		ClockSkew: v.cfg.ClockSkew,
		KBMaxAge:  v.cfg.KBMaxAge,
	}
	vd, err := sdjwt.Verify(presentation, opts)
	if errors.Is(err, sdjwt.ErrUnknownKey) || errors.Is(err, sdjwt.ErrSignature) && headerKid(presentation) == "" {
		fresh, refreshed, rerr := v.refreshKeys(ctx, now)
		switch {
		case rerr != nil:
			return nil, errors.Join(err, rerr)
		case refreshed:
			opts.IssuerJWKS = func(iss string) (*jose.JSONWebKeySet, error) { return fresh, nil }
			vd, err = sdjwt.Verify(presentation, opts)
		}
	}
	if err != nil {
		return nil, err
	}
	if !vd.KeyBound {
		// Offline there is no nonce to ask for, so sdjwt is not told to
		// require Key Binding; without it the QR would be a copied
		// credential, which anyone who saw it once could show again.
		return nil, sdjwt.ErrNoKeyBinding
	}
	return vd, nil
}

// classify turns a verification error into an outcome and reason: a
// network failure is Undetermined, a refusal Invalid with its sdjwt code.
func (v *Verifier) classify(err error) (Outcome, string, error) {
	switch {
	case errors.Is(err, errFetch):
		v.log.Warn("verify: issuer keys unavailable", "url", v.cfg.JWKSURL, "err", err.Error())
		return Undetermined, ReasonKeysUnavailable, err
	case errors.Is(err, errWrongIssuer):
		return Invalid, ReasonIssuer, err
	case errors.Is(err, sdjwt.ErrOptions):
		return Undetermined, ReasonInternal, err
	}
	code := sdjwt.Code(err)
	if code == "internal" {
		return Undetermined, ReasonInternal, err
	}
	return Invalid, code, err
}

// Prefetch fills the caches for offline use: the JWKS (unless pinned) and
// every status list in Config.StatusLists or seen in an earlier scan. It
// fetches even a fresh copy, and reports every failure.
func (v *Verifier) Prefetch(ctx context.Context) error {
	now := v.cfg.Now()
	var errs []error
	if v.pinned == nil {
		if err := v.keys.fetchNow(ctx, now, keySource{v}); err != nil {
			errs = append(errs, fmt.Errorf("JWKS %s: %w", v.cfg.JWKSURL, err))
		}
	}
	for _, uri := range v.statusURIs() {
		if err := v.statusSlot(uri).fetchNow(ctx, now, statusSource{v: v, uri: uri}); err != nil {
			errs = append(errs, fmt.Errorf("status list %s: %w", uri, err))
		}
	}
	return errors.Join(errs...)
}

// statusURIs lists Config.StatusLists and every status list seen.
func (v *Verifier) statusURIs() []string {
	v.statusMu.Lock()
	defer v.statusMu.Unlock()
	uris := append([]string(nil), v.cfg.StatusLists...)
	for uri := range v.status {
		if !slices.Contains(uris, uri) {
			uris = append(uris, uri)
		}
	}
	return uris
}
