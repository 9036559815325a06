package present

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"log/slog"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
)

// SecretVerifierKey is the platform secret (wrapped by the KeyStore) that
// keys the hashes of verifier API secrets; every instance loads the same.
const SecretVerifierKey = "present-verifier-secret"

// KeySize is the size of Config.SecretKey.
const KeySize = 32

// TTL is how long an online handle is valid.
const TTL = 30 * time.Second

// Attestation is a derived attestation the credential service holds for a
// citizen: its type (a purpose name), its claims, the document it comes
// from and when it stops being valid (zero: no end).
type Attestation struct {
	Type        string
	Claims      map[string]any
	SourceDocID string
	ValidUntil  time.Time
}

// Reason is why a citizen may not have a digital ID: a translation key and
// a fallback text.
type Reason struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

// Eligibility says whether the citizen may have a digital ID (18 or more,
// assurance high) and if not, why.
type Eligibility struct {
	Eligible bool
	Reasons  []Reason
}

// Credentials is what presentations need of the credential service, which
// derives the attestations (the adapter in present/credentials wraps
// *credential.Service).
type Credentials interface {
	// Attestations returns the citizen's attestations from issuer-confirmed,
	// live documents only.
	Attestations(ctx context.Context, citizenID string) ([]Attestation, error)
	// Eligibility says whether the citizen may have a digital ID.
	Eligibility(ctx context.Context, citizenID string) (Eligibility, error)
	// Portrait returns the photo of the citizen's confirmed passport.
	// Returns ENOTFOUND if there is none.
	Portrait(ctx context.Context, citizenID string) ([]byte, string, error)
}

// Accounts is what presentations need of accounts; AccountsOf adapts
// *account.Service.
type Accounts interface {
	// Citizen returns a citizen. Returns ENOTFOUND if there is none.
	Citizen(ctx context.Context, id string) (account.Citizen, error)
	// Device returns a device. Returns ENOTFOUND if there is none.
	Device(ctx context.Context, id string) (account.Device, error)
	// OpenSessions returns the citizen's sessions that are still open.
	OpenSessions(ctx context.Context, citizenID string) ([]account.Session, error)
}

type accountsOf struct{ acc *account.Service }

// AccountsOf adapts the account service.
func AccountsOf(acc *account.Service) Accounts { return accountsOf{acc} }

func (a accountsOf) Citizen(ctx context.Context, id string) (account.Citizen, error) {
	return a.acc.Citizens.Get(ctx, id)
}
func (a accountsOf) Device(ctx context.Context, id string) (account.Device, error) {
	return a.acc.Sessions.Device(ctx, id)
}
func (a accountsOf) OpenSessions(ctx context.Context, citizenID string) ([]account.Session, error) {
	return a.acc.Sessions.List(ctx, citizenID)
}

// Config holds the Service's dependencies. Store, Accounts, Credentials,
// Audit and a KeySize SecretKey are required; a nil Clock is the system
// clock, a nil Logger discards, zero TTL is TTL and zero StaffSession is 12
// hours.
type Config struct {
	Store        Store
	Accounts     Accounts
	Credentials  Credentials
	Audit        *audit.Log
	SecretKey    []byte
	Clock        digitalid.Clock
	Logger       *slog.Logger
	TTL          time.Duration
	StaffSession time.Duration
	// Offline, when set, verifies offline (SD-JWT) payloads; without it they
	// are refused with ReasonOfflineUnavailable.
	Offline OfflineVerifier
}

// OfflineVerifier verifies an offline QR payload (verify.PayloadPrefix)
// for a verifier registered for purposes; the credential service's
// VerifyOffline, adapted, serves. Result.Purpose must name the purpose the
// presentation proves; Verify refuses it if the verifier is not allowed it.
type OfflineVerifier func(ctx context.Context, payload string, purposes []string) (Result, error)

// Service registers verifiers, mints online handles and verifies them. It
// is safe for concurrent use, and instances sharing a database agree.
type Service struct {
	cfg Config
}

// New returns the Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Accounts == nil || cfg.Credentials == nil || cfg.Audit == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "present: store, accounts, credentials and audit log are required")
	}
	if len(cfg.SecretKey) != KeySize {
		return nil, digitalid.Errorf(digitalid.EINVALID, "present: the secret key must be %d bytes", KeySize)
	}
	cfg.SecretKey = append([]byte(nil), cfg.SecretKey...)
	if cfg.Clock == nil {
		cfg.Clock = digitalid.SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = TTL
	}
	if cfg.StaffSession <= 0 {
		cfg.StaffSession = 12 * time.Hour
	}
	return &Service{cfg: cfg}, nil
}

// StaffSession is how long a scanner-staff sign-in lasts.
func (s *Service) StaffSession() time.Duration { return s.cfg.StaffSession }

// TTL is how long a handle minted now stays valid.
func (s *Service) TTL() time.Duration { return s.cfg.TTL }

// Purge deletes handles that expired a day ago or more and ended staff
// sessions; a periodic job calls it. Safe on several instances.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	now := s.cfg.Clock()
	n, err := s.cfg.Store.PurgePresent(ctx, now, now.Add(-24*time.Hour))
	if err != nil {
		return n, fmt.Errorf("present: purge: %w", err)
	}
	m, err := s.cfg.Store.PurgePortraitGrants(ctx, now)
	if err != nil {
		return n + m, fmt.Errorf("present: purge portrait links: %w", err)
	}
	return n + m, nil
}

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomID returns n random bytes in lower-case base32: an opaque id.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return lowerBase32.EncodeToString(b)
}

func sha(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

// secretHash is the keyed hash a verifier secret is stored as.
func (s *Service) secretHash(secret string) []byte {
	m := hmac.New(sha256.New, s.cfg.SecretKey)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
