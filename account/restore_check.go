package account

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// RestoreCheck names one part of the identity re-check of a restore. What a
// restore asks for is graded by what the platform knows of the person:
// always the restore code's proof and the PIN; the birth date when a
// confirmed passport gave one; a live photo matched by the Biometric service
// when the citizen was at high and one is configured.
type RestoreCheck string

// The parts of the re-check.
const (
	RestoreCheckPIN       RestoreCheck = "pin"
	RestoreCheckBirthDate RestoreCheck = "birth_date"
	RestoreCheckFace      RestoreCheck = "face"
)

// factorRestoreIdentity counts wrong birth dates at restore, per citizen:
// MaxRestoreIdentityFailures, then a lock as long as the PIN's (15 minutes,
// growing with each lock).
const (
	factorRestoreIdentity      = "restore:identity"
	MaxRestoreIdentityFailures = 5
	restoreBindingPrefix       = "restore:"
)

// SetProofing gives restore its face re-check. Call it once while wiring,
// before serving; nil (or a Proofing without a Biometric) leaves citizens at
// high restoring with the PIN and birth date.
func (s *Service) SetProofing(p *Proofing) { s.proofing = p }

// RestoreChecks is what a restore of one account needs: the checks, and
// for RestoreCheckFace a fresh challenge to submit with the photo.
type RestoreChecks struct {
	Checks    []RestoreCheck
	Challenge Challenge // zero unless Checks holds RestoreCheckFace
}

// Needs reports whether c is one of the checks.
func (rc RestoreChecks) Needs(c RestoreCheck) bool {
	for _, x := range rc.Checks {
		if x == c {
			return true
		}
	}
	return false
}

// restoreTarget is a live restore proof with the account it may restore.
type restoreTarget struct {
	proof   OTPRecord
	citizen Citizen
	now     time.Time
	since   time.Time // deleted after since: within the window
	birth   bool      // a confirmed birth date is asked
	face    bool      // a face match is asked
}

// checks lists the target's checks.
func (t restoreTarget) checks() []RestoreCheck {
	c := []RestoreCheck{RestoreCheckPIN}
	if t.birth {
		c = append(c, RestoreCheckBirthDate)
	}
	if t.face {
		c = append(c, RestoreCheckFace)
	}
	return c
}

// audited is the "check" detail of the restore's audit event.
func (t restoreTarget) audited() string {
	parts := []string{"otp", "pin"}
	if t.birth {
		parts = append(parts, "birth")
	}
	if t.face {
		parts = append(parts, "face")
	}
	return strings.Join(parts, "_")
}

// restoreTarget checks a restore proof (without using it up) and finds the
// account it may restore. Returns the errors of checkProof, and ENOTFOUND
// (account.restore.unavailable) when the number has no account deleted
// within the window.
func (s *Service) restoreTarget(ctx context.Context, token string) (restoreTarget, error) {
	proof, phone, err := s.OTPs.checkProof(ctx, token, PurposeRestore)
	if err != nil {
		return restoreTarget{}, err
	}
	now := s.now()
	t := restoreTarget{proof: proof, now: now, since: now.Add(-RestoreWindow)}
	t.citizen, err = s.Citizens.ByPhone(ctx, phone)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return restoreTarget{}, restoreUnavailable(err)
	}
	if err != nil {
		return restoreTarget{}, err
	}
	if t.citizen.Status != StatusDeleted {
		return restoreTarget{}, restoreUnavailable(errors.New("not deleted"))
	}
	held, err := s.store.RestoreHeldUntil(ctx, t.citizen.ID)
	if err != nil {
		return restoreTarget{}, wrapErr("restore hold", err)
	}
	if !restorableUntil(t.citizen.DeletedAt, held).After(now) {
		return restoreTarget{}, restoreUnavailable(errors.New("not deleted within the window"))
	}
	t.birth = !t.citizen.BirthDate.IsZero()
	t.face = t.citizen.Assurance == AssuranceHigh && s.proofing.Configured()
	return t, nil
}

// RestoreChallenge tells the holder of a live restore proof what the
// restore will ask for, and issues the face challenge when one is needed
// (bound to this proof, valid ChallengeTTL, single use). The proof is not
// used up.
//
// Returns the errors of a bad proof (EUNAUTHORIZED account.otp.proof);
// ENOTFOUND (account.restore.unavailable) as RestoreAccount; ELOCKED
// (account.restore.locked, or account.proofing.locked when a face is asked)
// while the re-check is locked.
func (s *Service) RestoreChallenge(ctx context.Context, otpProof string) (RestoreChecks, error) {
	t, err := s.restoreTarget(ctx, otpProof)
	if err != nil {
		return RestoreChecks{}, err
	}
	if err := s.identityNotLocked(ctx, t.citizen.ID, t.now); err != nil {
		return RestoreChecks{}, err
	}
	rc := RestoreChecks{Checks: t.checks()}
	if t.face {
		if rc.Challenge, err = s.proofing.issue(ctx, t.citizen.ID, restoreBinding(t.proof.ID), PurposeRestoreCheck); err != nil {
			return RestoreChecks{}, err
		}
	}
	return rc, nil
}

// restoreInput is what RestoreAccount checks before anything else.
type restoreInput struct {
	birth     string // YYYY-MM-DD, "" when not given
	mediaType string // of the photo, "" when none
}

// checkRestoreInput validates the request's own fields: the device name,
// the birth date's form, and the photo (CheckImage).
func checkRestoreInput(req RestoreRequest) (restoreInput, error) {
	var in restoreInput
	if _, err := checkDeviceName(req.DeviceName); err != nil {
		return in, err
	}
	if req.BirthDate != "" {
		d, err := time.Parse(time.DateOnly, req.BirthDate)
		if err != nil {
			return in, fieldError("birth_date", "account.restore.birth_date_format", "Enter the date of birth as YYYY-MM-DD.")
		}
		in.birth = d.Format(time.DateOnly)
	}
	if len(req.Image) > 0 {
		mt, err := CheckImage(req.Image)
		if err != nil {
			return in, err
		}
		in.mediaType = mt
	}
	return in, nil
}

// reCheck runs the identity re-check of a restore in its order — the
// fields the target needs are there, no lock holds, then the PIN, the
// birth date and the face — and audits a refusal. Only counters and the
// audit log change when it fails.
func (s *Service) reCheck(ctx context.Context, t restoreTarget, req RestoreRequest, in restoreInput) error {
	if t.birth && in.birth == "" {
		return fieldError("birth_date", "account.restore.birth_date_required", "Enter your date of birth.")
	}
	if t.face && (in.mediaType == "" || req.Challenge == "") {
		return fieldError("image", "account.restore.face_required", "Take or choose a photo of your face.")
	}
	id := t.citizen.ID
	fail := func(reason string, err error) error {
		s.Sessions.record(ctx, Session{CitizenID: id}, "account.restored", "citizen:"+id, audit.Failure, req.Client,
			map[string]string{"reason": reason, "check": t.audited()})
		return err
	}
	if err := s.identityNotLocked(ctx, id, t.now); err != nil {
		return fail("locked", err)
	}
	if t.face {
		if err := s.proofing.notLocked(ctx, id, s.proofing.now()); err != nil {
			return fail("locked", err)
		}
	}
	if err := s.PINs.Verify(ctx, id, req.PIN, req.Client); err != nil {
		return fail("pin", err)
	}
	if t.birth {
		if err := s.checkBirth(ctx, t, in.birth, req.Client); err != nil {
			return fail("birth_date", err)
		}
	}
	if t.face {
		a := attemptOf{citizenID: id, binding: restoreBinding(t.proof.ID), restore: true}
		purpose, score, err := s.proofing.attempt(ctx, a, req.Challenge, req.Image, in.mediaType, req.Client)
		if err != nil {
			return fail("face", err)
		}
		s.proofing.matched(ctx, id, purpose, score, req.Client)
	}
	return nil
}

// identityPolicy locks the birth-date re-check like the PIN: after
// MaxRestoreIdentityFailures wrong dates, for the PIN's lock lengths.
func (s *Service) identityPolicy() lockPolicy {
	return lockPolicy{max: MaxRestoreIdentityFailures, lockouts: s.PINs.cfg.Lockouts, memory: s.PINs.cfg.LockoutMemory}
}

// identityNotLocked refuses while the birth-date re-check is locked.
func (s *Service) identityNotLocked(ctx context.Context, citizenID string, now time.Time) error {
	ctr, err := s.store.Counter(ctx, citizenID, factorRestoreIdentity)
	if err != nil {
		return wrapErr("read restore counter", err)
	}
	if now.Before(ctr.LockedUntil) {
		return restoreLocked(ctr.LockedUntil)
	}
	return nil
}

// checkBirth compares the given birth date with the confirmed one, counting
// the attempt first; a right date clears the count.
func (s *Service) checkBirth(ctx context.Context, t restoreTarget, birth string, c Client) error {
	id, pol := t.citizen.ID, s.identityPolicy()
	var res reservation
	_, err := s.store.UpdateCounter(ctx, id, factorRestoreIdentity, func(ctr *Counter) error {
		var err error
		res, err = pol.reserve(ctr, t.now)
		return err
	})
	if le, ok := errors.AsType[lockedError](err); ok {
		return restoreLocked(le.until)
	}
	if err != nil {
		return wrapErr("count restore attempt", err)
	}
	if birth == t.citizen.BirthDate.Format(time.DateOnly) {
		return wrapErr("reset restore attempts", s.store.DeleteCounter(ctx, id, factorRestoreIdentity))
	}
	if res.locks {
		minutes := strconv.Itoa(int(res.until.Sub(t.now).Round(time.Minute) / time.Minute))
		s.Sessions.record(ctx, Session{CitizenID: id}, "account.restore.locked", "citizen:"+id, audit.Success, c,
			map[string]string{"minutes": minutes})
		return restoreLocked(res.until)
	}
	return limited(digitalid.EUNAUTHORIZED, "account.restore.identity_mismatch",
		"The details do not match the account.", time.Time{}, res.left)
}

// restoreBinding is what a restore challenge is bound to in place of a
// session: the restore code's record.
func restoreBinding(otpID string) string { return restoreBindingPrefix + otpID }

func restoreLocked(until time.Time) error {
	return limited(digitalid.ELOCKED, "account.restore.locked",
		"Too many wrong answers; restoring this account is blocked for a while.", until, 0)
}
