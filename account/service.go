package account

import (
	"context"
	"log/slog"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/sms"
)

// Store is everything the account services keep. store.DB implements it.
type Store interface {
	CitizenStore
	PINStore
	OTPStore
	LimitStore
	SessionStore
	NotificationStore
	PasskeyStore
	LifecycleStore
	// CreateAccount stores a new account — citizen, PIN, first device and
	// first session — in one transaction. Returns ECONFLICT if the phone
	// lookup key (or any id) is taken; nothing is stored then.
	CreateAccount(ctx context.Context, a NewAccount) error
	// PurgeAccounts deletes what no rule reads any more: rate-limit windows
	// that ended before now, and codes, counters and sessions whose last
	// use or expiry is before before. Returns how many rows it deleted.
	PurgeAccounts(ctx context.Context, now, before time.Time) (int64, error)
}

// NewAccount is what sign-up stores at once.
type NewAccount struct {
	Citizen     CitizenRecord
	PIN         PINRecord
	Device      DeviceRecord
	Session     Session
	SessionHash []byte
}

// Config wires the account services. Store, Keys, SMS and Audit are
// required; zero tuning fields take their defaults.
type Config struct {
	Store   Store
	Keys    Keys // LoadKeys(ctx, keyManager)
	SMS     sms.Sender
	Audit   *audit.Log
	Clock   digitalid.Clock // default digitalid.SystemClock
	Logger  *slog.Logger    // default: discard
	OTP     OTPConfig
	PIN     PINConfig
	Session SessionConfig
	Rates   map[string]Rate // default DefaultRates()
	Passkey PasskeyConfig   // relying party (PasskeyConfigFromURL); Service.Passkeys is nil while RPID is empty
}

// Service is the account domain as the HTTP layer sees it: the small
// services, and the flows that combine them (sign-up, sign-in,
// re-authentication, PIN change).
type Service struct {
	Citizens      *Citizens
	OTPs          *OTPs
	PINs          *PINs
	Limits        *Limits
	Sessions      *Sessions
	Notifications *Notifications
	Passkeys      *Passkeys // nil unless Config.Passkey is set

	store      Store
	audit      *audit.Log
	now        digitalid.Clock
	log        *slog.Logger
	coolingOff CoolingOff // see cooling_off.go (trusted-contact recovery)
	proofing   *Proofing  // the face re-check of a restore (restore_check.go); nil: none
	// onDeleted are told of every account deletion (OnAccountDeleted).
	onDeleted []func(ctx context.Context, citizenID string)
}

// New builds every account service over one store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.SMS == nil || cfg.Audit == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: a store, an SMS sender and an audit log are required")
	}
	clock, logger := orSystemClock(cfg.Clock), orDiscard(cfg.Logger)
	s := &Service{store: cfg.Store, audit: cfg.Audit, now: clock, log: logger}
	var err error
	if s.Citizens, err = NewCitizens(cfg.Store, cfg.Keys, clock); err != nil {
		return nil, err
	}
	if s.Notifications, err = NewNotifications(cfg.Store, s.Citizens, cfg.SMS, clock, logger); err != nil {
		return nil, err
	}
	if s.OTPs, err = NewOTPs(cfg.Store, s.Citizens, cfg.Keys, cfg.SMS, clock, logger, cfg.OTP); err != nil {
		return nil, err
	}
	if s.PINs, err = NewPINs(cfg.Store, cfg.Audit, s.Notifications, clock, logger, cfg.PIN); err != nil {
		return nil, err
	}
	if s.Limits, err = NewLimits(cfg.Store, cfg.Keys, clock, cfg.Rates); err != nil {
		return nil, err
	}
	if s.Sessions, err = NewSessions(cfg.Store, s.Citizens, cfg.Keys, s.Notifications, cfg.Audit, clock, logger, cfg.Session); err != nil {
		return nil, err
	}
	if cfg.Passkey.RPID != "" {
		if s.Passkeys, err = NewPasskeys(cfg.Store, s.Sessions, s.Citizens, cfg.Keys, clock, logger, cfg.Passkey); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// purgeAfter is how long spent codes, counters and ended sessions are kept:
// longer than any window or lock memory that reads them.
const purgeAfter = 7 * 24 * time.Hour

// Purge deletes expired codes, counters, rate-limit windows, sessions and
// passkey ceremonies.
// Run it now and then (hourly) from one or every instance: it is idempotent.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	now := s.now()
	n, err := s.store.PurgeAccounts(ctx, now, now.Add(-purgeAfter))
	if err != nil || s.Passkeys == nil {
		return n, wrapErr("purge", err)
	}
	k, err := s.Passkeys.Purge(ctx)
	return n + k, err
}
