package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// Session is a signed-in browser or app on one of the citizen's devices. Its
// bearer token is handed out once and stored only as a SHA-256 hash.
type Session struct {
	ID         string
	CitizenID  string
	DeviceID   string
	CreatedAt  time.Time
	ExpiresAt  time.Time // absolute end: CreatedAt + Lifetime
	LastSeenAt time.Time // last use, updated at most every TouchEvery
	ReauthAt   time.Time // last PIN or passkey check (sign-in counts)
	EndedAt    time.Time // zero while not ended
	EndReason  string    // signout, ended, device_blocked
}

// Reasons a session ends, as recorded in Session.EndReason.
const (
	EndSignOut       = "signout"        // the citizen signed out of this session
	EndByCitizen     = "ended"          // the citizen ended it from another session
	EndDeviceBlocked = "device_blocked" // its device was blocked
)

// SessionView is a session with what Authenticate checks besides it, read
// in one query.
type SessionView struct {
	Session         Session
	DeviceBlockedAt time.Time
	Citizen         CitizenRecord
}

// SessionStore keeps devices and sessions. store.DB implements it.
type SessionStore interface {
	// CreateDevice stores a device. Returns ECONFLICT if its id or token
	// hash is taken, ENOTFOUND if the citizen does not exist.
	CreateDevice(ctx context.Context, d DeviceRecord) error
	// DeviceByID and DeviceByTokenHash return a device. Each returns
	// ENOTFOUND if there is none.
	DeviceByID(ctx context.Context, id string) (DeviceRecord, error)
	DeviceByTokenHash(ctx context.Context, hash []byte) (DeviceRecord, error)
	// ListDevices returns the citizen's devices, oldest first.
	ListDevices(ctx context.Context, citizenID string) ([]DeviceRecord, error)
	// RenameDevice replaces a device's sealed name. Returns ENOTFOUND if
	// the citizen has no such device.
	RenameDevice(ctx context.Context, citizenID, id string, nameSealed []byte) error
	// BlockDevice marks the citizen's device blocked at at and ends its
	// open sessions (reason EndDeviceBlocked) in one transaction, returning
	// their ids. Returns ENOTFOUND if the citizen has no such device and
	// ECONFLICT if it is blocked already.
	BlockDevice(ctx context.Context, citizenID, id string, at time.Time) ([]string, error)

	// CreateSession stores a session under the hash of its token. Returns
	// ECONFLICT if the id or hash is taken.
	CreateSession(ctx context.Context, s Session, tokenHash []byte) error
	// SessionByTokenHash returns the session with its device's block time
	// and its citizen. Returns ENOTFOUND if there is none.
	SessionByTokenHash(ctx context.Context, hash []byte) (SessionView, error)
	// ListSessions returns the citizen's open sessions — not ended,
	// expiring after now, last seen after idleSince — newest first.
	ListSessions(ctx context.Context, citizenID string, now, idleSince time.Time) ([]Session, error)
	// TouchSession sets the last-seen time of a session and of its device.
	TouchSession(ctx context.Context, id, deviceID string, at time.Time) error
	// SetSessionReauth records a PIN or passkey check on an open session.
	// Returns ENOTFOUND if there is no such session or it has ended.
	SetSessionReauth(ctx context.Context, id string, at time.Time) error
	// EndSession ends one of the citizen's sessions. Returns ENOTFOUND if
	// the citizen has no such session or it has ended already.
	EndSession(ctx context.Context, citizenID, id string, at time.Time, reason string) error
}

// SessionConfig tunes Sessions; zero fields take the defaults.
type SessionConfig struct {
	IdleTimeout time.Duration // ends a session unused this long (15 minutes)
	Lifetime    time.Duration // ends every session this long after sign-in (12 hours)
	// TouchEvery is how stale last-seen may get before Authenticate writes
	// it (1 minute): most requests only read. A session may therefore end
	// up to TouchEvery before IdleTimeout after its true last use.
	TouchEvery time.Duration
}

func (c SessionConfig) withDefaults() SessionConfig {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 15 * time.Minute
	}
	if c.Lifetime <= 0 {
		c.Lifetime = 12 * time.Hour
	}
	if c.TouchEvery <= 0 {
		c.TouchEvery = time.Minute
	}
	return c
}

// Sessions signs citizens in on devices and keeps track of both: sessions
// with idle and absolute timeouts and a re-authentication time, devices
// that can be renamed and blocked when lost.
type Sessions struct {
	store    SessionStore
	citizens *Citizens
	seal     sealer
	notify   *Notifications
	audit    *audit.Log
	now      digitalid.Clock
	log      *slog.Logger
	cfg      SessionConfig
	// onBlocked are told of every device block (OnDeviceBlocked).
	onBlocked []func(ctx context.Context, citizenID, deviceID string)
}

// OnDeviceBlocked adds fn to what BlockDevice calls once a block is
// committed, so that what a device could present elsewhere (the digital
// ID's credentials) is revoked at that instant rather than by a later
// sweep. fn's failures are its own to log; the block stands either way.
// Call it while wiring, before the service is used.
func (ss *Sessions) OnDeviceBlocked(fn func(ctx context.Context, citizenID, deviceID string)) {
	ss.onBlocked = append(ss.onBlocked, fn)
}

// NewSessions returns the sessions and devices service. It uses
// keys.PhoneSeal (device names). A nil clock is the system clock; a nil
// logger discards.
func NewSessions(st SessionStore, citizens *Citizens, keys Keys, notify *Notifications, log *audit.Log, clock digitalid.Clock, logger *slog.Logger, cfg SessionConfig) (*Sessions, error) {
	if st == nil || citizens == nil || notify == nil || log == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: sessions need a store, citizens, notifications and an audit log")
	}
	s, err := keys.sealer()
	if err != nil {
		return nil, err
	}
	return &Sessions{
		store: st, citizens: citizens, seal: s, notify: notify, audit: log,
		now: orSystemClock(clock), log: orDiscard(logger), cfg: cfg.withDefaults(),
	}, nil
}

// newSession builds a session on a device and its token, unsaved.
func (ss *Sessions) newSession(citizenID, deviceID string, now time.Time) (Session, string, []byte) {
	token, hash := newToken(tokenSession)
	return Session{
		ID: NewID("s_"), CitizenID: citizenID, DeviceID: deviceID,
		CreatedAt: now, ExpiresAt: now.Add(ss.cfg.Lifetime), LastSeenAt: now, ReauthAt: now,
	}, token, hash
}

// start creates and stores a session.
func (ss *Sessions) start(ctx context.Context, citizenID, deviceID string, now time.Time) (Session, string, error) {
	s, token, hash := ss.newSession(citizenID, deviceID, now)
	if err := ss.store.CreateSession(ctx, s, hash); err != nil {
		return Session{}, "", wrapErr("create session", err)
	}
	return s, token, nil
}

// Authenticate returns the session of a bearer token and its citizen. The
// session must not have ended, passed its lifetime or been idle for
// IdleTimeout; its device must not be blocked nor its citizen deleted. It
// records the use (at most every TouchEvery). Any failure is EUNAUTHORIZED
// with key account.session.invalid: the client signs in again.
func (ss *Sessions) Authenticate(ctx context.Context, token string) (Session, Citizen, error) {
	hash, ok := parseToken(tokenSession, token)
	if !ok {
		return Session{}, Citizen{}, badSession(errors.New("malformed token"))
	}
	v, err := ss.store.SessionByTokenHash(ctx, hash)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return Session{}, Citizen{}, badSession(err)
	}
	if err != nil {
		return Session{}, Citizen{}, wrapErr("read session", err)
	}
	now := ss.now()
	s := v.Session
	switch {
	case !s.EndedAt.IsZero():
		return Session{}, Citizen{}, badSession(errors.New("session ended: " + s.EndReason))
	case !now.Before(s.ExpiresAt):
		return Session{}, Citizen{}, badSession(errors.New("session expired"))
	case now.Sub(s.LastSeenAt) >= ss.cfg.IdleTimeout:
		return Session{}, Citizen{}, badSession(errors.New("session idle"))
	case !v.DeviceBlockedAt.IsZero():
		return Session{}, Citizen{}, badSession(errors.New("device blocked"))
	case v.Citizen.Status != StatusActive:
		return Session{}, Citizen{}, badSession(errors.New("account not active"))
	}
	c, err := ss.citizens.open(v.Citizen)
	if err != nil {
		return Session{}, Citizen{}, err
	}
	if now.Sub(s.LastSeenAt) >= ss.cfg.TouchEvery {
		if err := ss.store.TouchSession(ctx, s.ID, s.DeviceID, now); err != nil {
			return Session{}, Citizen{}, wrapErr("touch session", err)
		}
		s.LastSeenAt = now
	}
	return s, c, nil
}

// MarkReauthenticated records that the citizen has just proved themselves
// again on this session (a PIN via Service.ReauthenticateWithPIN, or a
// passkey). Returns ENOTFOUND if the session has ended.
func (ss *Sessions) MarkReauthenticated(ctx context.Context, s Session) (Session, error) {
	now := ss.now()
	if err := ss.store.SetSessionReauth(ctx, s.ID, now); err != nil {
		return Session{}, wrapErr("mark re-authentication", err)
	}
	s.ReauthAt = now
	return s, nil
}

// RequireRecentAuth returns nil if the session's last PIN or passkey check
// is at most maxAge old (5 minutes for showing documents, approving a
// consent, changing the PIN, deleting the account), and otherwise EFORBIDDEN
// with key account.reauth_required and cause ErrReauthRequired.
func (ss *Sessions) RequireRecentAuth(s Session, maxAge time.Duration) error {
	if ss.now().Sub(s.ReauthAt) <= maxAge {
		return nil
	}
	return userError(digitalid.EFORBIDDEN, "account.reauth_required",
		"Confirm it is you: enter your PIN or use a passkey.", ErrReauthRequired)
}

// List returns the citizen's open sessions, newest first.
func (ss *Sessions) List(ctx context.Context, citizenID string) ([]Session, error) {
	now := ss.now()
	list, err := ss.store.ListSessions(ctx, citizenID, now, now.Add(-ss.cfg.IdleTimeout))
	return list, wrapErr("list sessions", err)
}

// SignOut ends the session s.
func (ss *Sessions) SignOut(ctx context.Context, s Session, c Client) error {
	return ss.end(ctx, s, s.ID, EndSignOut, c)
}

// End ends one of the signed-in citizen's sessions (any of them, this one
// included). Returns ENOTFOUND if the citizen has no such open session.
func (ss *Sessions) End(ctx context.Context, by Session, sessionID string, c Client) error {
	return ss.end(ctx, by, sessionID, EndByCitizen, c)
}

func (ss *Sessions) end(ctx context.Context, by Session, sessionID, reason string, c Client) error {
	if err := ss.store.EndSession(ctx, by.CitizenID, sessionID, ss.now(), reason); err != nil {
		return wrapErr("end session", err)
	}
	ss.record(ctx, by, "account.session.ended", "session:"+sessionID, audit.Success, c, map[string]string{"reason": reason})
	return nil
}

// record appends an audit event on the citizen's chain, acted by the
// citizen; a failure to audit is logged (the action is done by then).
func (ss *Sessions) record(ctx context.Context, by Session, action, object string, r audit.Result, c Client, details map[string]string) {
	if by.ID != "" {
		if details == nil {
			details = map[string]string{}
		}
		details["session"] = by.ID
	}
	_, err := ss.audit.Append(ctx, audit.Event{
		Chain: by.CitizenID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: by.CitizenID},
		Action: action, Object: object, Result: r, IP: c.IP, RequestID: c.RequestID, Details: details,
	})
	if err != nil {
		ss.log.ErrorContext(ctx, "audit failed", "action", action, "citizen", by.CitizenID, "err", err)
	}
}

func badSession(cause error) error {
	return userError(digitalid.EUNAUTHORIZED, "account.session.invalid", "Your session has ended; sign in again.",
		fmt.Errorf("session: %w", cause))
}
