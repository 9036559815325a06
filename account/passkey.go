package account

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Limits on passkeys.
const (
	// MaxPasskeys is how many passkeys a citizen may hold at once.
	MaxPasskeys = 20
	// MaxPasskeyName is the longest passkey name, in characters.
	MaxPasskeyName = MaxDeviceName
	// MaxPasskeyResponse is the largest browser response a ceremony accepts;
	// real ones are a few kilobytes.
	MaxPasskeyResponse = 64 << 10
)

// Passkey is a WebAuthn credential of a citizen: a key pair on an
// authenticator (the phone's secure enclave, a security key, a synced
// password manager) that signs in after the device has verified the person
// (Face ID, fingerprint, screen lock). It is bound to the device it was
// registered on: blocking that device disables it.
type Passkey struct {
	ID              string
	CitizenID       string
	DeviceID        string // the device it was registered on
	Name            string // chosen by the citizen; stored sealed
	Synced          bool   // the authenticator may copy it to the citizen's other devices
	CreatedAt       time.Time
	LastUsedAt      time.Time // zero until first used
	DeviceBlockedAt time.Time // zero unless its device is blocked
}

// Blocked reports whether the passkey's device was blocked, which makes the
// passkey unusable.
func (p Passkey) Blocked() bool { return !p.DeviceBlockedAt.IsZero() }

// LogValue keeps the citizen's chosen name out of logs.
func (p Passkey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", p.ID), slog.String("citizen", p.CitizenID), slog.String("device", p.DeviceID))
}

// PasskeyRecord is a passkey as stored. Credential is the public key and
// flags in this package's encoding (see encodeCredential); the name is
// sealed (AAD "passkey_name:"+ID).
type PasskeyRecord struct {
	ID           string
	CitizenID    string
	DeviceID     string
	CredentialID []byte // the authenticator's id for it; unique
	UserHandle   []byte // the WebAuthn user handle the authenticator keeps
	Credential   []byte
	NameSealed   []byte
	SignCount    uint32
	CreatedAt    time.Time
	LastUsedAt   time.Time
	RemovedAt    time.Time // zero unless removed
	// DeviceBlockedAt is read with the passkey from its device; it is not
	// a column of the passkey.
	DeviceBlockedAt time.Time
}

// PasskeyView is what an assertion is checked against, read in one query:
// the passkey, its device and its citizen.
type PasskeyView struct {
	Passkey PasskeyRecord
	Device  DeviceRecord
	Citizen CitizenRecord
}

// Kinds of passkey ceremony.
const (
	CeremonyRegister = "register" // adding a passkey to a signed-in session's citizen
	CeremonyLogin    = "login"    // signing in, usernameless or with a phone hint
	CeremonyReauth   = "reauth"   // confirming a signed-in session before a sensitive action
)

// PasskeyCeremony is a WebAuthn ceremony in flight, kept in the database
// between begin and finish so any instance can finish it. Data is the
// library's session data (challenge, user handle, allowed credentials) in
// this package's encoding. A ceremony is used once.
type PasskeyCeremony struct {
	ID        string
	Kind      string
	SessionID string // register, reauth: the session it is bound to
	CitizenID string // register, reauth, phone-hinted login: whose passkeys it allows
	Data      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PasskeyUse is a verified assertion to record (PasskeyStore.UsePasskey).
// Exactly one of Session (sign-in) and ReauthSessionID (re-authentication)
// is set.
type PasskeyUse struct {
	CeremonyID string
	PasskeyID  string
	DeviceID   string // the passkey's device; it must not be blocked
	OldCount   uint32 // the counter as read; the write fails if it moved
	NewCount   uint32
	At         time.Time
	// Session is the session a sign-in starts, stored under SessionHash.
	Session     *Session
	SessionHash []byte
	// ReauthSessionID is the open session a re-authentication marks.
	ReauthSessionID string
}

// PasskeyStore keeps passkeys and their ceremonies. store.DB implements it.
type PasskeyStore interface {
	// CreatePasskeyCeremony stores a ceremony. Returns ECONFLICT if the id
	// is taken.
	CreatePasskeyCeremony(ctx context.Context, c PasskeyCeremony) error
	// PasskeyCeremony returns a ceremony. Returns ENOTFOUND if there is
	// none (never begun, used, or purged).
	PasskeyCeremony(ctx context.Context, id string) (PasskeyCeremony, error)
	// PasskeyAssertion reads, in one query, the passkey whose credential id
	// is credentialID (removed or not) with its device and citizen, and the
	// ceremony ceremonyID (zero when there is none). Returns ENOTFOUND if
	// there is no such passkey.
	PasskeyAssertion(ctx context.Context, ceremonyID string, credentialID []byte) (PasskeyCeremony, PasskeyView, error)
	// DeletePasskeyCeremony deletes a ceremony. Returns ENOTFOUND if there
	// is none.
	DeletePasskeyCeremony(ctx context.Context, id string) error
	// AddPasskey stores p and deletes the ceremony it was registered with,
	// in one transaction. Returns ENOTFOUND if the ceremony is gone or p's
	// device is unknown or blocked, and ECONFLICT if the credential id (or
	// the id) is taken; nothing changes then.
	AddPasskey(ctx context.Context, ceremonyID string, p PasskeyRecord) error
	// UsePasskey records a verified assertion in one step (one statement on
	// PostgreSQL): it deletes the ceremony and, if the passkey is not
	// removed, its device not blocked, its counter still u.OldCount (and,
	// for a re-authentication, the session still open), sets the counter to
	// u.NewCount and the last use to u.At, and starts u.Session (touching
	// its device) or marks u.ReauthSessionID re-authenticated at u.At.
	// Returns ENOTFOUND if the ceremony is gone (nothing changes), and
	// ECONFLICT if a condition failed (only the ceremony is deleted).
	UsePasskey(ctx context.Context, u PasskeyUse) error
	// ListPasskeys returns the citizen's passkeys that are not removed,
	// oldest first, each with its device's block time.
	ListPasskeys(ctx context.Context, citizenID string) ([]PasskeyRecord, error)
	// PasskeysByPhoneKey is ListPasskeys for the citizen with that phone
	// lookup key; none for an unknown key.
	PasskeysByPhoneKey(ctx context.Context, phoneKey []byte) ([]PasskeyRecord, error)
	// RenamePasskey replaces a passkey's sealed name; RemovePasskey marks
	// it removed at at. Each returns ENOTFOUND if the citizen has no such
	// passkey, or it is removed.
	RenamePasskey(ctx context.Context, citizenID, id string, nameSealed []byte) error
	RemovePasskey(ctx context.Context, citizenID, id string, at time.Time) error
	// PurgePasskeyCeremonies deletes ceremonies that expired before before
	// and returns how many.
	PurgePasskeyCeremonies(ctx context.Context, before time.Time) (int64, error)
}

// PasskeyConfig names the relying party passkeys belong to. A passkey works
// only on RPID and its subdomains, so RPID must stay the same for the life of
// the deployment. PasskeyConfigFromURL derives it from the public URL.
type PasskeyConfig struct {
	RPID    string   // the domain passkeys are scoped to, e.g. "id.gov.kz"
	RPName  string   // the name an authenticator shows (default "digitalid")
	Origins []string // origins of the pages that run ceremonies, e.g. "https://id.gov.kz"
	// CeremonyTTL is how long a begun ceremony can be finished (5 minutes).
	CeremonyTTL time.Duration
}

// PasskeyConfigFromURL returns the configuration for a service reached at
// publicURL ("https://id.gov.kz" or "http://localhost:8080"): its host is
// the RPID and its origin the one allowed origin.
func PasskeyConfigFromURL(publicURL string) (PasskeyConfig, error) {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return PasskeyConfig{}, digitalid.Errorf(digitalid.EINVALID, "account: passkeys need an http(s) public URL, not %q", publicURL)
	}
	return PasskeyConfig{RPID: u.Hostname(), Origins: []string{u.Scheme + "://" + u.Host}}, nil
}

func (c PasskeyConfig) withDefaults() PasskeyConfig {
	if c.RPName == "" {
		c.RPName = "digitalid"
	}
	if c.CeremonyTTL <= 0 {
		c.CeremonyTTL = 5 * time.Minute
	}
	return c
}

// Passkeys registers citizens' passkeys and signs in with them. Ceremony
// state lives in the database, so begin and finish may reach different
// instances. User verification is always required: a passkey stands for
// something the citizen has and is (or knows), never for a bare tap. Passkeys
// have no attempt counter of their own to lock: a wrong assertion proves
// nothing and costs the owner nothing, and a locked PIN does not touch them.
type Passkeys struct {
	store     PasskeyStore
	sessions  *Sessions
	citizens  *Citizens
	seal      sealer
	handleKey []byte // HMAC key for user handles and decoy credential ids
	wa        *webauthn.WebAuthn
	now       digitalid.Clock
	log       *slog.Logger
	cfg       PasskeyConfig
}

// NewPasskeys returns the passkey service. It signs in through sessions (so
// sessions are made and audited as PIN sign-ins are) and uses keys.PhoneSeal
// (names) and keys.PhoneIndex (user handles). A nil clock is the system
// clock; a nil logger discards.
func NewPasskeys(st PasskeyStore, sessions *Sessions, citizens *Citizens, keys Keys, clock digitalid.Clock, logger *slog.Logger, cfg PasskeyConfig) (*Passkeys, error) {
	if st == nil || sessions == nil || citizens == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: passkeys need a store, sessions and citizens")
	}
	if cfg.RPID == "" || len(cfg.Origins) == 0 {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: passkeys need a relying party id and at least one origin")
	}
	seal, err := keys.sealer()
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	timeout := webauthn.TimeoutConfig{Timeout: cfg.CeremonyTTL, TimeoutUVD: cfg.CeremonyTTL}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: cfg.RPID, RPDisplayName: cfg.RPName, RPOrigins: cfg.Origins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationRequired,
		},
		// Expiry is checked against the injected clock, not here.
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, digitalid.Wrap(digitalid.EINVALID, err, "account: passkey relying party")
	}
	return &Passkeys{
		store: st, sessions: sessions, citizens: citizens, seal: seal, handleKey: keys.PhoneIndex,
		wa: wa, now: orSystemClock(clock), log: orDiscard(logger), cfg: cfg,
	}, nil
}

// userHandle is the citizen's WebAuthn user handle: a keyed hash of the
// citizen id, the same on every instance and for every passkey, which
// tells the authenticator (and anyone who reads it) nothing.
func (pk *Passkeys) userHandle(citizenID string) []byte {
	return mac(pk.handleKey, "passkey_user", citizenID)
}

// newCeremony stores a ceremony of kind for the library's session data and
// returns its id.
func (pk *Passkeys) newCeremony(ctx context.Context, kind string, by Session, citizenID string, sd *webauthn.SessionData) (string, error) {
	data, err := encodeCeremony(sd)
	if err != nil {
		return "", err
	}
	now := pk.now()
	c := PasskeyCeremony{
		ID: NewID("wc_"), Kind: kind, SessionID: by.ID, CitizenID: citizenID, Data: data,
		CreatedAt: now, ExpiresAt: now.Add(pk.cfg.CeremonyTTL),
	}
	if err := pk.store.CreatePasskeyCeremony(ctx, c); err != nil {
		return "", wrapErr("store passkey ceremony", err)
	}
	return c.ID, nil
}

// openCeremony checks that c is a live ceremony of kind bound to session
// (empty: to none) and returns its session data. A refusal has key
// account.passkey.ceremony.
func (pk *Passkeys) openCeremony(c PasskeyCeremony, kind, sessionID string) (webauthn.SessionData, error) {
	switch {
	case c.ID == "":
		return webauthn.SessionData{}, badCeremony("no such ceremony (used, expired or never begun)")
	case c.Kind != kind:
		return webauthn.SessionData{}, badCeremony("ceremony of kind " + c.Kind + ", not " + kind)
	case c.SessionID != sessionID:
		return webauthn.SessionData{}, badCeremony("ceremony bound to another session")
	case !pk.now().Before(c.ExpiresAt):
		return webauthn.SessionData{}, badCeremony("ceremony expired")
	}
	sd, err := decodeCeremony(c.Data)
	if err != nil {
		return webauthn.SessionData{}, fmt.Errorf("account: passkey ceremony %s: %w", c.ID, err)
	}
	// Whatever was stored, these ceremonies demand user verification.
	sd.UserVerification = protocol.VerificationRequired
	sd.Expires = time.Time{}
	return sd, nil
}

// burn deletes a ceremony after a failed finish, so it cannot be tried
// again; a ceremony already gone is fine.
func (pk *Passkeys) burn(ctx context.Context, id string) {
	if err := pk.store.DeletePasskeyCeremony(ctx, id); err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		pk.log.ErrorContext(ctx, "deleting a failed passkey ceremony failed", "ceremony", id, "err", err)
	}
}

// Purge deletes ceremonies that have expired. Run it with Service.Purge.
func (pk *Passkeys) Purge(ctx context.Context) (int64, error) {
	n, err := pk.store.PurgePasskeyCeremonies(ctx, pk.now())
	return n, wrapErr("purge passkey ceremonies", err)
}

// passkeyUser is a citizen as the WebAuthn library sees one.
type passkeyUser struct {
	handle []byte
	name   string
	creds  []webauthn.Credential
}

func (u passkeyUser) WebAuthnID() []byte                         { return u.handle }
func (u passkeyUser) WebAuthnName() string                       { return u.name }
func (u passkeyUser) WebAuthnDisplayName() string                { return u.name }
func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }
