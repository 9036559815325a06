package credential

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/vault"
)

// Defaults of Config.
const (
	// DefaultLifetime is how long a credential is valid at most: a wallet
	// fetches a new batch when its credentials run out or age. Every offline
	// code drawn (one each 30 seconds) spends one, so a week keeps the
	// credentials a device holds, used or not, within MaxLive.
	DefaultLifetime = 7 * 24 * time.Hour
	// DefaultStatusTTL is how long a verifier may cache a status list
	// (its ttl claim and Cache-Control max-age): the longest a revocation
	// takes to reach a verifier that is online.
	DefaultStatusTTL = 5 * time.Minute
	// DefaultStatusListSize is the number of entries of a new status list:
	// 131,072 one-bit entries, 16 KiB before compression.
	DefaultStatusListSize = 1 << 17
	// MaxBatch is the most credentials one request issues.
	MaxBatch = 20
	// MaxLive is the most unexpired, unrevoked credentials of one type
	// issued to a device (used or not: the platform cannot know): about two
	// and a half hours of offline codes a day over DefaultLifetime, and
	// nobody fills the status lists by asking again and again.
	MaxLive = 2000
)

// documents is what the service reads of the vault; *vault.Service has it.
type documents interface {
	List(ctx context.Context, citizenID string) ([]vault.Document, error)
	Get(ctx context.Context, citizenID, docID string) (vault.Document, error)
	File(ctx context.Context, citizenID, docID, fileID string) (vault.File, error)
}

// citizens reads accounts; *account.Citizens has it.
type citizens interface {
	Get(ctx context.Context, id string) (account.Citizen, error)
}

// devices reads devices; *account.Sessions has it.
type devices interface {
	Device(ctx context.Context, id string) (account.Device, error)
}

// Config wires the Service. Store, Vault, Accounts, Keys, Audit and
// PublicURL are required; zero tuning fields take their defaults.
type Config struct {
	Store    Store
	Vault    *vault.Service
	Registry *vault.Registry  // default vault.NewRegistry()
	Accounts *account.Service // citizens (assurance) and devices (blocked)
	Keys     keys.KeyStore
	Audit    *audit.Log
	Clock    digitalid.Clock // default digitalid.SystemClock
	Logger   *slog.Logger    // default: discard
	// PublicURL is the platform's URL as citizens and verifiers reach it:
	// the credentials' iss and the base of the status list URIs.
	PublicURL string
	// Lifetime bounds a credential's validity (default DefaultLifetime).
	Lifetime time.Duration
	// StatusTTL is the status lists' ttl (default DefaultStatusTTL).
	StatusTTL time.Duration
	// StatusListSize is the size of new status lists (default
	// DefaultStatusListSize); tests make it small.
	StatusListSize int
}

// Service derives attestations, issues credentials and keeps their status
// lists. It is safe for concurrent use, and instances sharing a database
// agree: everything but a cache of signed status lists is in the database.
type Service struct {
	store     Store
	vault     documents
	reg       *vault.Registry
	citizens  citizens
	devices   devices
	keys      keys.KeyStore
	audit     *audit.Log
	now       digitalid.Clock
	log       *slog.Logger
	issuer    string // PublicURL without a trailing slash
	lifetime  time.Duration
	ttl       time.Duration
	listSize  int
	published sync.Map // list id -> *publishedList
}

// NewService returns the credential service.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Vault == nil || cfg.Accounts == nil || cfg.Keys == nil || cfg.Audit == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "credential: store, vault, accounts, keys and audit log are required")
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, digitalid.Errorf(digitalid.EINVALID, "credential: the public URL must be an absolute http(s) URL")
	}
	reg := cfg.Registry
	if reg == nil {
		if reg, err = vault.NewRegistry(); err != nil {
			return nil, fmt.Errorf("credential: %w", err)
		}
	}
	s := &Service{
		store: cfg.Store, vault: cfg.Vault, reg: reg, citizens: cfg.Accounts.Citizens, devices: cfg.Accounts.Sessions,
		keys: cfg.Keys, audit: cfg.Audit, now: cfg.Clock, log: cfg.Logger, issuer: strings.TrimRight(cfg.PublicURL, "/"),
		lifetime: cfg.Lifetime, ttl: cfg.StatusTTL, listSize: cfg.StatusListSize,
	}
	if s.now == nil {
		s.now = digitalid.SystemClock
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.lifetime <= 0 {
		s.lifetime = DefaultLifetime
	}
	if s.ttl <= 0 {
		s.ttl = DefaultStatusTTL
	}
	s.ttl = s.ttl.Truncate(time.Second)
	if s.ttl < time.Second {
		s.ttl = time.Second
	}
	if s.listSize <= 0 {
		s.listSize = DefaultStatusListSize
	}
	if s.listSize%8 != 0 || s.listSize < 64 {
		return nil, digitalid.Errorf(digitalid.EINVALID, "credential: a status list holds a multiple of 8 entries, at least 64")
	}
	return s, nil
}

// Issuer is the iss of every credential: the public URL.
func (s *Service) Issuer() string { return s.issuer }

// record appends an audit event; a failure is returned so the caller knows
// the action went unrecorded.
func (s *Service) record(ctx context.Context, e audit.Event) error {
	if _, err := s.audit.Append(ctx, e); err != nil {
		return fmt.Errorf("credential: audit %s: %w", e.Action, err)
	}
	return nil
}
