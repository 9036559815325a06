package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// FactorPIN names the PIN's attempt counter. Passkeys and one-time codes
// have counters of their own, so a locked PIN locks nothing else. It is
// exported for a store that sets a PIN inside a larger transaction (the
// recovery's completion) and clears the counter with it.
const FactorPIN = "pin"

// PINRecord is a citizen's PIN as stored: its argon2id PHC string.
type PINRecord struct {
	CitizenID string
	Hash      string
	UpdatedAt time.Time
}

// PINStore keeps PIN hashes and attempt counters. store.DB implements it.
type PINStore interface {
	CounterStore
	// SetPIN creates or replaces the citizen's PIN. Returns ENOTFOUND if
	// there is no such citizen.
	SetPIN(ctx context.Context, r PINRecord) error
	// PIN returns the citizen's PIN. Returns ENOTFOUND if none is set.
	PIN(ctx context.Context, citizenID string) (PINRecord, error)
}

// PINConfig tunes PINs; zero fields take the defaults.
type PINConfig struct {
	Argon2        Argon2Params  // default DefaultArgon2()
	MaxFailures   int           // wrong PINs before a lock (default 5)
	Lockouts      Lockouts      // lock lengths (default DefaultLockouts())
	LockoutMemory time.Duration // a lock level is forgotten after this long without a lock (default 24h)
	// Concurrency bounds how many hashes run at once (default GOMAXPROCS),
	// so a burst of sign-ins queues instead of taking 19 MiB each at once.
	Concurrency int
}

func (c PINConfig) withDefaults() PINConfig {
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = DefaultArgon2()
	}
	if c.MaxFailures <= 0 {
		c.MaxFailures = 5
	}
	if len(c.Lockouts) == 0 {
		c.Lockouts = DefaultLockouts()
	}
	if c.LockoutMemory <= 0 {
		c.LockoutMemory = 24 * time.Hour
	}
	if c.Concurrency <= 0 {
		c.Concurrency = runtime.GOMAXPROCS(0)
	}
	return c
}

// PINs sets and checks citizens' PINs. Every check is counted in the
// database before the PIN is hashed, so the limit is exact however many
// guesses arrive at once on however many instances.
type PINs struct {
	store  PINStore
	audit  *audit.Log
	notify *Notifications
	now    digitalid.Clock
	log    *slog.Logger
	cfg    PINConfig
	policy lockPolicy
	slots  chan struct{}
}

// NewPINs returns the PIN service. A nil clock is the system clock; a nil
// logger discards.
func NewPINs(st PINStore, log *audit.Log, notify *Notifications, clock digitalid.Clock, logger *slog.Logger, cfg PINConfig) (*PINs, error) {
	if st == nil || log == nil || notify == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: PINs need a store, an audit log and notifications")
	}
	cfg = cfg.withDefaults()
	return &PINs{
		store: st, audit: log, notify: notify, now: orSystemClock(clock), log: orDiscard(logger), cfg: cfg,
		policy: lockPolicy{max: cfg.MaxFailures, lockouts: cfg.Lockouts, memory: cfg.LockoutMemory},
		slots:  make(chan struct{}, cfg.Concurrency),
	}, nil
}

// Set gives the citizen a new PIN and clears its attempt counter. Callers
// check first that the citizen may change it (a recent re-authentication).
// Returns EINVALID naming the reason for a refused PIN (see CheckPIN) and
// ENOTFOUND for an unknown citizen.
func (p *PINs) Set(ctx context.Context, citizenID, pin string) error {
	rec, err := p.record(ctx, citizenID, pin)
	if err != nil {
		return err
	}
	if err := p.store.SetPIN(ctx, rec); err != nil {
		return wrapErr("set PIN", err)
	}
	return wrapErr("reset PIN attempts", p.store.DeleteCounter(ctx, citizenID, FactorPIN))
}

// Prepare checks pin and hashes it for citizenID without storing it, for a
// caller that must store it in the same transaction as another change (see
// recovery.Service.Complete). Storing it must also clear the FactorPIN
// counter, as Set does. Returns EINVALID for a refused PIN, or the context's
// error while waiting for a hashing slot.
func (p *PINs) Prepare(ctx context.Context, citizenID, pin string) (PINRecord, error) {
	return p.record(ctx, citizenID, pin)
}

// record checks pin and hashes it for citizenID.
func (p *PINs) record(ctx context.Context, citizenID, pin string) (PINRecord, error) {
	if err := CheckPIN(pin); err != nil {
		return PINRecord{}, err
	}
	var hash string
	err := p.withSlot(ctx, func() { hash = hashPIN(pin, p.cfg.Argon2) })
	return PINRecord{CitizenID: citizenID, Hash: hash, UpdatedAt: p.now()}, err
}

// Verify checks the citizen's PIN. The attempt is counted before the PIN is
// hashed; a correct PIN clears the count, and the attempt that reaches
// MaxFailures locks the PIN for the next lock length, audits the lock and
// notifies the citizen (inbox and SMS). Only the PIN is locked.
//
// Returns nil when it matches; EUNAUTHORIZED (key account.pin.wrong, Limit
// with AttemptsLeft) when it does not or no PIN is set; ELOCKED (key
// account.pin.locked, Limit with RetryAt) when it is locked, including by
// this attempt.
func (p *PINs) Verify(ctx context.Context, citizenID, pin string, c Client) error {
	now := p.now()
	rec, err := p.store.PIN(ctx, citizenID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return wrongPIN(-1)
	}
	if err != nil {
		return wrapErr("read PIN", err)
	}
	h, err := parsePINHash(rec.Hash)
	if err != nil {
		return fmt.Errorf("account: citizen %s: %w", citizenID, err)
	}
	var res reservation
	_, err = p.store.UpdateCounter(ctx, citizenID, FactorPIN, func(c *Counter) error {
		var err error
		res, err = p.policy.reserve(c, now)
		return err
	})
	if le, ok := errors.AsType[lockedError](err); ok {
		return pinLocked(le.until)
	}
	if err != nil {
		return wrapErr("count PIN attempt", err)
	}
	match := false
	if len(pin) >= MinPINLen && len(pin) <= MaxPINLen && allDigits(pin) {
		if err := p.withSlot(ctx, func() { match = h.matches(pin) }); err != nil {
			return err
		}
	}
	if match {
		if err := p.store.DeleteCounter(ctx, citizenID, FactorPIN); err != nil {
			return wrapErr("reset PIN attempts", err)
		}
		p.rehash(ctx, citizenID, pin, h)
		return nil
	}
	if res.locks {
		p.locked(ctx, citizenID, res.until.Sub(now), c)
		return pinLocked(res.until)
	}
	return wrongPIN(res.left)
}

// locked records a new lock: audit event and notification (with SMS).
func (p *PINs) locked(ctx context.Context, citizenID string, d time.Duration, c Client) {
	minutes := strconv.Itoa(int(d.Round(time.Minute) / time.Minute))
	_, err := p.audit.Append(ctx, audit.Event{
		Chain: citizenID, Actor: audit.Actor{Type: audit.ActorSystem}, Action: "account.pin.locked",
		Object: "pin", Result: audit.Success, IP: c.IP, RequestID: c.RequestID,
		Details: map[string]string{"minutes": minutes},
	})
	if err != nil {
		p.log.ErrorContext(ctx, "audit of PIN lock failed", "citizen", citizenID, "err", err)
	}
	if _, err := p.notify.Add(ctx, citizenID, KindPINLocked, map[string]string{"minutes": minutes}); err != nil {
		p.log.ErrorContext(ctx, "notification of PIN lock failed", "citizen", citizenID, "err", err)
	}
}

// rehash stores a fresh hash when the stored one has other parameters than
// configured, so raising the cost takes effect as citizens sign in.
func (p *PINs) rehash(ctx context.Context, citizenID, pin string, h pinHash) {
	if h.params == p.cfg.Argon2 {
		return
	}
	var hash string
	if err := p.withSlot(ctx, func() { hash = hashPIN(pin, p.cfg.Argon2) }); err != nil {
		return
	}
	if err := p.store.SetPIN(ctx, PINRecord{CitizenID: citizenID, Hash: hash, UpdatedAt: p.now()}); err != nil {
		p.log.WarnContext(ctx, "PIN rehash not stored", "citizen", citizenID, "err", err)
	}
}

// PINStatus is what the cabinet shows about a PIN.
type PINStatus struct {
	Set          bool
	LockedUntil  time.Time // zero when not locked
	AttemptsLeft int
}

// Status reports whether the citizen has a PIN, whether it is locked and how
// many wrong entries remain.
func (p *PINs) Status(ctx context.Context, citizenID string) (PINStatus, error) {
	now := p.now()
	_, err := p.store.PIN(ctx, citizenID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return PINStatus{}, nil
	}
	if err != nil {
		return PINStatus{}, wrapErr("read PIN", err)
	}
	c, err := p.store.Counter(ctx, citizenID, FactorPIN)
	if err != nil {
		return PINStatus{}, wrapErr("read PIN attempts", err)
	}
	st := PINStatus{Set: true, AttemptsLeft: p.cfg.MaxFailures - c.Failures}
	if now.Before(c.LockedUntil) {
		st.LockedUntil, st.AttemptsLeft = c.LockedUntil, 0
	} else if c.Failures >= p.cfg.MaxFailures {
		st.AttemptsLeft = p.cfg.MaxFailures
	}
	return st, nil
}

// withSlot runs fn (a hash) once one of the Concurrency slots is free.
func (p *PINs) withSlot(ctx context.Context, fn func()) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.slots }()
	fn()
	return nil
}

func wrongPIN(left int) error {
	return limited(digitalid.EUNAUTHORIZED, "account.pin.wrong", "The PIN is wrong.", time.Time{}, left)
}

func pinLocked(until time.Time) error {
	return limited(digitalid.ELOCKED, "account.pin.locked",
		"Too many wrong PINs: the PIN is locked for a while. You can still sign in with a passkey.", until, 0)
}
