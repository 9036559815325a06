package recovery

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/seal"
	"github.com/digitalid/digitalid/sms"
)

// Names of the platform secrets recovery uses.
const (
	SecretSeal       = "recovery-seal"        // AES-256-GCM: contact names, request origins
	SecretCode       = "recovery-code"        // HMAC: approval codes
	SecretPhoneIndex = "recovery-phone-index" // HMAC: invited numbers
)

// Keys are the recovery secrets, loaded once with LoadKeys.
type Keys struct {
	Seal, Code, PhoneIndex []byte
}

// LoadKeys loads (or, the first time, creates) the recovery secrets.
func LoadKeys(ctx context.Context, s account.Secrets) (Keys, error) {
	var k Keys
	for name, dst := range map[string]*[]byte{SecretSeal: &k.Seal, SecretCode: &k.Code, SecretPhoneIndex: &k.PhoneIndex} {
		v, err := s.LoadOrCreateSecret(ctx, name)
		if err != nil {
			return Keys{}, fmt.Errorf("recovery: load secret %s: %w", name, err)
		}
		*dst = v
	}
	return k, nil
}

// Config wires the recovery service. Store, Accounts, Keys, SMS and Audit
// are required.
type Config struct {
	Store    Store
	Accounts *account.Service
	Keys     Keys
	SMS      sms.Sender
	Audit    *audit.Log
	Clock    digitalid.Clock // default digitalid.SystemClock
	Logger   *slog.Logger    // default: discard
	// Proofing, when it has a Biometric, offers citizens at high a face
	// match as their second check (face.go). Optional.
	Proofing *account.Proofing
	// Background runs work that must not delay an answer: telling an
	// invited contact, which only happens when the number belongs to an
	// eligible account, so its time would tell. Default: a new goroutine.
	// Tests pass a function that runs it at once.
	Background func(func())
}

// Service is trusted contacts and recovery.
type Service struct {
	store Store
	acc   *account.Service
	sms   sms.Sender
	audit *audit.Log
	now   digitalid.Clock
	log   *slog.Logger
	box   seal.Box
	code  []byte
	index []byte
	texts texts
	bg    func(func())
	proof *account.Proofing
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Accounts == nil || cfg.SMS == nil || cfg.Audit == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "recovery: a store, the account service, an SMS sender and an audit log are required")
	}
	for name, k := range map[string][]byte{SecretSeal: cfg.Keys.Seal, SecretCode: cfg.Keys.Code, SecretPhoneIndex: cfg.Keys.PhoneIndex} {
		if len(k) != 32 {
			return nil, digitalid.Errorf(digitalid.EINVALID, "recovery: secret %s must be 32 bytes", name)
		}
	}
	box, err := seal.New(cfg.Keys.Seal)
	if err != nil {
		return nil, fmt.Errorf("recovery: seal key: %w", err)
	}
	t, err := loadTexts()
	if err != nil {
		return nil, err
	}
	s := &Service{store: cfg.Store, acc: cfg.Accounts, sms: cfg.SMS, audit: cfg.Audit, now: cfg.Clock, log: cfg.Logger,
		box: box, code: cfg.Keys.Code, index: cfg.Keys.PhoneIndex, texts: t, proof: cfg.Proofing}
	if s.now == nil {
		s.now = digitalid.SystemClock
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.bg = cfg.Background; s.bg == nil {
		s.bg = func(f func()) { go f() }
	}
	return s, nil
}

// CoolingOff reports whether the citizen is in the cooling-off period that
// follows a recovery, and until when. Sensitive actions (changing the
// trusted contacts or the phone number, issuing a signing certificate) are
// refused while it is active.
func (s *Service) CoolingOff(ctx context.Context, citizenID string) (until time.Time, active bool, err error) {
	until, err = s.store.CoolingOffUntil(ctx, citizenID)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("recovery: cooling-off of %s: %w", citizenID, err)
	}
	return until, s.now().Before(until), nil
}

// Purge deletes requests and relationships that ended (or expired) more
// than a request's lifetime ago... kept a week for the cabinet's history.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	n, err := s.store.PurgeRecovery(ctx, s.now().Add(-7*24*time.Hour))
	if err != nil {
		return n, fmt.Errorf("recovery: purge: %w", err)
	}
	return n, nil
}

// notCooling returns EFORBIDDEN (key recovery.cooling_off) while the
// citizen is cooling off.
func (s *Service) notCooling(ctx context.Context, citizenID string) error {
	until, active, err := s.CoolingOff(ctx, citizenID)
	if err != nil {
		return err
	}
	if active {
		return &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: "recovery.cooling_off",
			Message: "Your account was recovered recently; this is possible again after " + until.UTC().Format(time.RFC3339) + "."}
	}
	return nil
}

func (s *Service) seal(plain, aad string) []byte { return s.box.Seal(plain, aad) }

func (s *Service) open(sealed []byte, aad string) (string, error) { return s.box.Open(sealed, aad) }

func mac(key []byte, domain, msg string) []byte { return seal.MAC(key, domain, msg) }

func (s *Service) phoneKey(phone string) []byte { return mac(s.index, "phone", phone) }

// record appends an audit event on chain, acted by actor (a citizen); a
// failure to audit is logged (the action is done by then).
func (s *Service) record(ctx context.Context, chain, actor, action, object string, r audit.Result, c account.Client, details map[string]string) {
	e := audit.Event{Chain: chain, Actor: audit.Actor{Type: audit.ActorCitizen, ID: actor}, Action: action, Object: object,
		Result: r, IP: c.IP, RequestID: c.RequestID, Details: details}
	if actor == "" {
		e.Actor = audit.Actor{Type: audit.ActorSystem}
	}
	if _, err := s.audit.Append(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit failed", "action", action, "chain", chain, "err", err)
	}
}

// notify adds kind to the citizen's inbox and texts them text name (if not
// empty); failures are logged.
func (s *Service) notify(ctx context.Context, citizenID string, kind account.Kind, text string, params map[string]string) {
	if _, err := s.acc.Notifications.Add(ctx, citizenID, kind, nil); err != nil {
		s.log.WarnContext(ctx, "recovery notification not stored", "citizen", citizenID, "kind", kind, "err", err)
	}
	if text == "" {
		return
	}
	c, err := s.acc.Citizens.Get(ctx, citizenID)
	if err == nil {
		err = s.sms.Send(ctx, sms.Message{To: c.Phone, Body: s.texts.format(c.Lang, text, params), Purpose: "notice_" + text})
	}
	if err != nil {
		s.log.WarnContext(ctx, "recovery SMS not sent", "citizen", citizenID, "text", text, "err", err)
	}
}

func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("recovery: %s: %w", what, err)
}

func userError(code, key, msg string) *digitalid.Error {
	return &digitalid.Error{Code: code, Key: key, Message: msg}
}

func fieldError(field, key, msg string) *digitalid.Error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: key, Message: msg,
		Fields: []digitalid.FieldError{{Field: field, Code: digitalid.EINVALID, Message: msg, Key: key}}}
}
