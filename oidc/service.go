package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
)

// Platform secrets (wrapped by the KeyStore) every instance must share.
const (
	// SecretPairwise keys the pairwise subject identifiers.
	SecretPairwise = "oidc-pairwise"
	// SecretTokens encrypts the opaque bearer access tokens.
	SecretTokens = "oidc-tokens"
)

// Defaults of Config.
const (
	DefaultRequestTTL = 10 * time.Minute // a pending authorization request, and its code
	DefaultPushedTTL  = 90 * time.Second // a pushed request (RFC 9126)
	DefaultAccessTTL  = 10 * time.Minute
	DefaultRefreshTTL = 30 * 24 * time.Hour // never beyond the consent
	DefaultIDTokenTTL = 10 * time.Minute
	// MaxAssertionLife is the longest a client assertion may be valid.
	MaxAssertionLife = 10 * time.Minute
)

// Citizens is what the provider needs of accounts: whether the citizen and
// the device they consented on are still in good standing.
// *account.Citizens and *account.Sessions implement the two halves.
type Citizens interface {
	Get(ctx context.Context, id string) (account.Citizen, error)
}

// Devices reports a device's standing; *account.Sessions implements it.
type Devices interface {
	Device(ctx context.Context, id string) (account.Device, error)
}

// Rate is at most Max requests per Window.
type Rate struct {
	Max    int
	Window time.Duration
}

// Config wires a Service. Store, Audit, Citizens, Devices, a 32-byte
// PairwiseKey and DocumentTypes are required.
type Config struct {
	Store         Store
	Audit         *audit.Log
	Citizens      Citizens
	Devices       Devices
	PairwiseKey   []byte
	DocumentTypes []string // vault type ids; each is a scope "document:<id>"
	// Attestations are the derived attestation names offered as scopes
	// (age_over_18, ...); empty leaves them out.
	Attestations []string
	Clock        digitalid.Clock
	Logger       *slog.Logger
	RequestTTL   time.Duration
	PushedTTL    time.Duration
	AccessTTL    time.Duration
	RefreshTTL   time.Duration
	TokenRate    Rate // per client at the token endpoint; default 600 a minute
}

// Service is the relying-party domain: registry, consents, tokens.
type Service struct {
	store    Store
	audit    *audit.Log
	citizens Citizens
	devices  Devices
	pairwise []byte
	scopes   []string // every scope a relying party may be registered for
	now      digitalid.Clock
	log      *slog.Logger
	cfg      Config
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Audit == nil || cfg.Citizens == nil || cfg.Devices == nil || len(cfg.PairwiseKey) < 32 || len(cfg.DocumentTypes) == 0 {
		return nil, digitalid.Errorf(digitalid.EINVALID, "oidc: a store, an audit log, citizens, devices, a 32-byte pairwise key and document types are required")
	}
	s := &Service{store: cfg.Store, audit: cfg.Audit, citizens: cfg.Citizens, devices: cfg.Devices, pairwise: cfg.PairwiseKey,
		now: cfg.Clock, log: cfg.Logger, cfg: cfg}
	if s.now == nil {
		s.now = digitalid.SystemClock
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.cfg.RequestTTL, DefaultRequestTTL)
	def(&s.cfg.PushedTTL, DefaultPushedTTL)
	def(&s.cfg.AccessTTL, DefaultAccessTTL)
	def(&s.cfg.RefreshTTL, DefaultRefreshTTL)
	if s.cfg.TokenRate.Max <= 0 || s.cfg.TokenRate.Window < time.Second {
		s.cfg.TokenRate = Rate{Max: 600, Window: time.Minute}
	}
	s.scopes = []string{ScopeOpenID, ScopeOfflineAccess}
	for _, t := range cfg.DocumentTypes {
		s.scopes = append(s.scopes, DocumentScopePrefix+t)
	}
	for _, a := range cfg.Attestations {
		s.scopes = append(s.scopes, a)
	}
	return s, nil
}

// Scopes.
const (
	ScopeOpenID         = "openid"
	ScopeOfflineAccess  = "offline_access"
	DocumentScopePrefix = "document:"
)

// Scopes returns every scope a relying party may be registered for.
func (s *Service) Scopes() []string { return slices.Clone(s.scopes) }

// DocumentType returns the vault type id of a document scope.
func DocumentType(scope string) (string, bool) {
	return strings.CutPrefix(scope, DocumentScopePrefix)
}

// Subject is the pairwise subject identifier of a citizen at a relying
// party: an HMAC keyed with the platform's pairwise secret over the client
// id (the sector) and the citizen id. Two relying parties get unrelated
// values; the citizen id cannot be read back.
func (s *Service) Subject(clientID, citizenID string) string {
	m := hmac.New(sha256.New, s.pairwise)
	m.Write([]byte("sub\x00" + clientID + "\x00" + citizenID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// hash is the stored form of a code or refresh token.
func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// record appends an audit event; failure is returned so that nothing is
// handed out unrecorded.
func (s *Service) record(ctx context.Context, e audit.Event) error {
	if _, err := s.audit.Append(ctx, e); err != nil {
		return fmt.Errorf("oidc: audit %s: %w", e.Action, err)
	}
	return nil
}

// live checks that a consent still grants at now: not revoked or expired,
// the citizen's account active and the device they approved on not
// blocked. It returns the consent; EFORBIDDEN otherwise.
func (s *Service) live(ctx context.Context, consentID string) (Consent, error) {
	now := s.now()
	c, err := s.store.Consent(ctx, consentID)
	if err != nil {
		return Consent{}, err
	}
	if !c.Active(now) {
		return c, digitalid.Errorf(digitalid.EFORBIDDEN, "the consent was revoked or has expired")
	}
	cit, err := s.citizens.Get(ctx, c.CitizenID)
	if err != nil {
		return c, err
	}
	if cit.Status != account.StatusActive {
		return c, digitalid.Errorf(digitalid.EFORBIDDEN, "the account was deleted")
	}
	if c.DeviceID != "" {
		d, err := s.devices.Device(ctx, c.DeviceID)
		if err != nil {
			return c, err
		}
		if d.Blocked() {
			return c, digitalid.Errorf(digitalid.EFORBIDDEN, "the device was blocked")
		}
	}
	return c, nil
}

// LiveToken returns the access token id if it is unrevoked, unexpired and
// its consent still grants; ENOTFOUND or EFORBIDDEN otherwise.
func (s *Service) LiveToken(ctx context.Context, id, subject string) (Token, Consent, error) {
	t, err := s.store.Token(ctx, id)
	if err != nil {
		return Token{}, Consent{}, err
	}
	now := s.now()
	if t.Kind != KindAccess || t.Subject != subject || !t.RevokedAt.IsZero() || !now.Before(t.ExpiresAt) {
		return Token{}, Consent{}, digitalid.Errorf(digitalid.ENOTFOUND, "the token is not valid")
	}
	c, err := s.live(ctx, t.ConsentID)
	if err != nil {
		return Token{}, Consent{}, err
	}
	return t, c, nil
}

// Purge deletes expired requests, tokens and assertion ids.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.store.PurgeOIDC(ctx, s.now())
}

// newID returns a random id with prefix.
func newID(prefix string) string { return account.NewID(prefix) }
