package account

import (
	"context"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// EndAccountDeleted is the Session.EndReason of the sessions that ended
// because the citizen deleted the account.
const EndAccountDeleted = "account_deleted"

// Notifications of the account's life. Each is also texted by the flow
// that adds it (DeleteAccount, RestoreAccount, ChangePhone).
const (
	KindAccountDeleted  Kind = "account_deleted"  // params: days (the restore window)
	KindAccountRestored Kind = "account_restored" // params: device
	KindPhoneChanged    Kind = "phone_changed"    // no params
)

// LifecycleStore keeps the deletion, restore, purge and phone change of
// accounts. store.DB implements it.
type LifecycleStore interface {
	// DeleteCitizen marks an active citizen deleted at at, ends every open
	// session (reason EndAccountDeleted) and blocks every unblocked device,
	// in one transaction. Returns ENOTFOUND if there is no active citizen
	// with that id.
	DeleteCitizen(ctx context.Context, id string, at time.Time) error
	// RestoreCitizen makes a citizen deleted after since, or whose restore
	// is held (HoldRestore) past at, and not claimed by a purger, active
	// again (clearing the hold), and stores its new device and session, in
	// one transaction. Returns ENOTFOUND (nothing stored) otherwise.
	RestoreCitizen(ctx context.Context, id string, since, at time.Time, d DeviceRecord, s Session, tokenHash []byte) error
	// ClaimDeletedCitizens claims, for claim, up to limit citizens deleted
	// before before, whose restore is not held past at, that no purger
	// holds (or whose claim is older than staleBefore), marking them
	// claimed at at. Each row goes to exactly one of concurrent callers.
	// Returns the ids this call claimed.
	ClaimDeletedCitizens(ctx context.Context, claim string, before, staleBefore, at time.Time, limit int) ([]string, error)
	// HoldRestore keeps a deleted, unclaimed citizen restorable (and out
	// of the purge) until until, unless it is held longer already. It
	// reports whether this starts a hold (none before, or one that ended
	// before at). Returns ENOTFOUND if the citizen is not deleted or is
	// being purged.
	HoldRestore(ctx context.Context, id string, until, at time.Time) (bool, error)
	// RestoreHeldUntil returns the end of the citizen's restore hold, zero
	// if none. Returns ENOTFOUND for an unknown citizen.
	RestoreHeldUntil(ctx context.Context, id string) (time.Time, error)
	// DeleteClaimedCitizen deletes the citizen claimed for claim with all
	// its account rows (and the codes of its number). Returns ENOTFOUND if
	// the citizen is not deleted or not held under claim.
	DeleteClaimedCitizen(ctx context.Context, id, claim string) error
	// SetCitizenPhone replaces an active citizen's phone lookup key and
	// ciphertext in one statement. Returns ECONFLICT if the key belongs to
	// another citizen and ENOTFOUND if there is no active citizen with id.
	SetCitizenPhone(ctx context.Context, id string, key, sealed []byte) error
}

// OnAccountDeleted adds fn to what DeleteAccount calls once a deletion is
// committed, so that what the account could present elsewhere (the digital
// ID's credentials) is revoked at that instant rather than by a later
// sweep. fn's failures are its own to log; the deletion stands either way.
// Call it while wiring, before the service is used.
func (s *Service) OnAccountDeleted(fn func(ctx context.Context, citizenID string)) {
	s.onDeleted = append(s.onDeleted, fn)
}

// DeleteAccount deletes the session citizen's account: from this instant
// every session has ended, every device is blocked (so its passkeys and
// anything it could present are refused: Sessions.Authenticate and passkey
// sign-in refuse a citizen who is not active, and later presentations check
// Device.Blocked) and sign-in is refused. The citizen may restore the
// account within RestoreWindow (RestoreAccount); after that PurgeDeleted
// destroys its data key and rows. It needs a re-authentication within
// ReauthMaxAge. Audited, added to the inbox and texted.
//
// Returns EFORBIDDEN (ErrReauthRequired) without a recent re-authentication
// and ENOTFOUND if the account is not active.
func (s *Service) DeleteAccount(ctx context.Context, by Session, c Client) error {
	if err := s.Sessions.RequireRecentAuth(by, ReauthMaxAge); err != nil {
		return err
	}
	now := s.now()
	if err := s.store.DeleteCitizen(ctx, by.CitizenID, now); err != nil {
		return wrapErr("delete account", err)
	}
	for _, fn := range s.onDeleted {
		fn(ctx, by.CitizenID)
	}
	days := strconv.Itoa(int(RestoreWindow / (24 * time.Hour)))
	s.Sessions.record(ctx, by, "account.deleted", "citizen:"+by.CitizenID, audit.Success, c,
		map[string]string{"restore_days": days})
	s.inbox(ctx, by.CitizenID, KindAccountDeleted, map[string]string{"days": days})
	s.textCitizen(ctx, by.CitizenID, textAccountDeleted, map[string]string{"date": now.Add(RestoreWindow).Format(time.DateOnly)})
	return nil
}

// RestoreRequest restores a deleted account on a new device: the proof of
// a verified restore code (OTPs.Verify(phone, PurposeRestore, code)) and the
// identity re-check (restore_check.go): always the account's PIN; the birth
// date (YYYY-MM-DD) when a confirmed passport gave one; for a citizen at
// high, when a Biometric is configured, a photo with a challenge from
// RestoreChallenge.
type RestoreRequest struct {
	OTPProof   string
	PIN        string
	BirthDate  string
	Challenge  string
	Image      []byte
	DeviceName string
	Client     Client
}

// RestoreAccount makes a deleted account active again within RestoreWindow
// of its deletion, or while its restore is held (RequestRestoreCode), and
// signs the citizen in on a new device (the old
// devices stay blocked). Its order: the input, the proof, the account,
// the locks, the PIN, the birth date, the face; only then is the proof
// used up and the account restored. A refusal changes nothing but the
// attempt counters and the audit log. Audited (the checks done in the
// "check" detail), added to the inbox and texted.
//
// Returns EINVALID for a bad device name, birth date or photo, or a
// missing birth date or photo the account needs; EUNAUTHORIZED
// (account.otp.proof) for a bad proof; ENOTFOUND (account.restore.unavailable)
// when the number has no account deleted within the window — the same
// whether it never had one, is active, or the window has passed; the errors
// of PINs.Verify; EUNAUTHORIZED (account.restore.identity_mismatch, Limit)
// for a wrong birth date and ELOCKED (account.restore.locked, Limit) after
// MaxRestoreIdentityFailures of them; the errors of Proofing.Check for the
// face (except those of the level).
func (s *Service) RestoreAccount(ctx context.Context, req RestoreRequest) (SignInResult, error) {
	in, err := checkRestoreInput(req)
	if err != nil {
		return SignInResult{}, err
	}
	t, err := s.restoreTarget(ctx, req.OTPProof)
	if err != nil {
		return SignInResult{}, err
	}
	if err := s.reCheck(ctx, t, req, in); err != nil {
		return SignInResult{}, err
	}
	citizen, now := t.citizen, s.now()
	if err := s.OTPs.useProof(ctx, t.proof); err != nil {
		return SignInResult{}, err
	}
	device, deviceToken, err := s.Sessions.newDevice(citizen.ID, req.DeviceName, now)
	if err != nil {
		return SignInResult{}, err
	}
	session, token, hash := s.Sessions.newSession(citizen.ID, device.ID, now)
	err = s.store.RestoreCitizen(ctx, citizen.ID, t.since, now, device, session, hash)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return SignInResult{}, restoreUnavailable(err)
	}
	if err != nil {
		return SignInResult{}, wrapErr("restore account", err)
	}
	by := Session{ID: session.ID, CitizenID: citizen.ID}
	s.Sessions.record(ctx, by, "account.restored", "citizen:"+citizen.ID, audit.Success, req.Client,
		map[string]string{"device": device.ID, "check": t.audited()})
	s.inbox(ctx, citizen.ID, KindAccountRestored, map[string]string{"device": device.ID})
	s.textCitizen(ctx, citizen.ID, textAccountRestored, nil)
	citizen.Status, citizen.DeletedAt = StatusActive, time.Time{}
	d, err := s.Sessions.openDevice(device)
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Citizen: citizen, Session: session, SessionToken: token, Device: d, DeviceToken: deviceToken}, nil
}

// inbox adds a notification, logging a failure (the action is done).
func (s *Service) inbox(ctx context.Context, citizenID string, kind Kind, params map[string]string) {
	if _, err := s.Notifications.Add(ctx, citizenID, kind, params); err != nil {
		s.log.ErrorContext(ctx, "notification failed", "citizen", citizenID, "kind", kind, "err", err)
	}
}

func restoreUnavailable(cause error) error {
	return userError(digitalid.ENOTFOUND, "account.restore.unavailable",
		"There is no account to restore for this number.", cause)
}
