package recovery

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/sms"
)

// The citizen's second checks.
const (
	CheckOTP     = "otp"     // a fresh code to the citizen's own phone
	CheckPasskey = "passkey" // a passkey that is still registered
	CheckFace    = "face"    // a live photo, for a citizen at high (face.go)
)

// EndRecovered is the Session.EndReason of the sessions a recovery ended.
const EndRecovered = "recovered"

// SendOwnCode texts a recovery code to the citizen's own phone, for the
// second check of an approved request (browser holding handle). Returns
// EFORBIDDEN (recovery.not_approved) before approval, ECONFLICT
// (recovery.closed) after it is closed, and the errors of
// OTPs.RequestCode.
func (s *Service) SendOwnCode(ctx context.Context, id, handle string) (time.Time, error) {
	rec, c, err := s.approved(ctx, id, handle)
	if err != nil {
		return time.Time{}, err
	}
	_ = rec
	sent, err := s.acc.OTPs.RequestCode(ctx, account.CodeRequest{Phone: c.Phone, Purpose: account.PurposeRecovery, Lang: c.Lang})
	return sent.ExpiresAt, err
}

// BeginPasskey starts the passkey check of an approved request: the
// WebAuthn options for the citizen's registered passkeys. Returns
// EUNAVAILABLE (recovery.passkeys_off) when passkeys are not configured.
func (s *Service) BeginPasskey(ctx context.Context, id, handle string) (json.RawMessage, string, error) {
	_, c, err := s.approved(ctx, id, handle)
	if err != nil {
		return nil, "", err
	}
	if s.acc.Passkeys == nil {
		return nil, "", userError(digitalid.EUNAVAILABLE, "recovery.passkeys_off", "Passkeys are not available here.")
	}
	return s.acc.Passkeys.BeginLoginForPhone(ctx, c.Phone)
}

// CompleteRequest finishes a recovery.
type CompleteRequest struct {
	ID, Handle string
	Method     string // CheckOTP or CheckPasskey
	Code       string // CheckOTP: the code SendOwnCode texted
	CeremonyID string // CheckPasskey: from BeginPasskey
	Response   []byte // CheckPasskey: the browser's assertion
	Challenge  string // CheckFace: from BeginFace
	Image      []byte // CheckFace: the photo
	PIN        string // the new PIN
	Client     account.Client
}

// Complete finishes an approved request: it checks the new PIN's rules,
// then the citizen's own second check, then — once, even under concurrent
// calls — marks the request completed, ends every session and starts the
// cooling-off period, and sets the new PIN. The citizen and the approving
// contact are told. Returns the end of the cooling-off period.
//
// Returns EFORBIDDEN (recovery.not_approved) before approval; ECONFLICT
// (recovery.closed) when closed; EINVALID for a refused PIN or unknown
// method; the errors of OTPs.Verify or Passkeys.FinishLogin for a failed
// check (EUNAUTHORIZED recovery.check_failed for someone else's passkey).
func (s *Service) Complete(ctx context.Context, req CompleteRequest) (time.Time, error) {
	rec, c, err := s.approved(ctx, req.ID, req.Handle)
	if err != nil {
		return time.Time{}, err
	}
	if err := account.CheckPIN(req.PIN); err != nil {
		return time.Time{}, err
	}
	if err := s.secondCheck(ctx, rec, c, req); err != nil {
		s.record(ctx, c.ID, c.ID, "recovery.check", "recovery:"+rec.ID, audit.Failure, req.Client, map[string]string{"method": safeMethod(req.Method)})
		return time.Time{}, err
	}
	// The PIN is hashed now and stored with the completion, in one
	// transaction: a client gone while argon2 runs leaves the request
	// approved (another check completes it), never completed with the
	// forgotten PIN still in place.
	pin, err := s.acc.PINs.Prepare(ctx, c.ID, req.PIN)
	if err != nil {
		return time.Time{}, err
	}
	now := s.now()
	until := now.Add(CoolingOffPeriod)
	if err := s.store.CompleteRecoveryRequest(ctx, rec.ID, req.Method, EndRecovered, now, until, pin); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return time.Time{}, closed()
		}
		return time.Time{}, wrapErr("complete", err)
	}
	s.record(ctx, c.ID, c.ID, "recovery.completed", "recovery:"+rec.ID, audit.Success, req.Client,
		map[string]string{"method": req.Method, "contact": rec.DecidedBy})
	s.notify(ctx, c.ID, KindRecoveryCompleted, textCompleted, nil)
	if rel, err := s.store.TrustedContact(ctx, rec.DecidedBy); err == nil && rel.ContactID != "" {
		s.notify(ctx, rel.ContactID, KindRecoveryCompleted, textCompletedContact, map[string]string{"phone": c.Phone})
	}
	return until, nil
}

func (s *Service) secondCheck(ctx context.Context, rec RequestRecord, c account.Citizen, req CompleteRequest) error {
	switch req.Method {
	case CheckOTP:
		p, err := s.acc.OTPs.Verify(ctx, c.Phone, account.PurposeRecovery, req.Code)
		if err != nil {
			return err
		}
		_, err = s.acc.OTPs.UseProof(ctx, p.Token, account.PurposeRecovery)
		return err
	case CheckPasskey:
		if s.acc.Passkeys == nil {
			return userError(digitalid.EUNAVAILABLE, "recovery.passkeys_off", "Passkeys are not available here.")
		}
		res, err := s.acc.Passkeys.FinishLogin(ctx, req.CeremonyID, req.Response, req.Client)
		if err != nil {
			return err
		}
		if res.Citizen.ID != rec.CitizenID {
			_ = s.acc.Sessions.SignOut(ctx, res.Session, req.Client)
			return userError(digitalid.EUNAUTHORIZED, "recovery.check_failed", "The check did not confirm the owner of this account.")
		}
		return nil
	case CheckFace:
		return s.faceCheck(ctx, rec, c, req)
	}
	return fieldError("method", "recovery.method", "Choose how to confirm: a code to your phone, a passkey or your face.")
}

// approved finds the approved, unexpired request id of the browser holding
// handle, and its citizen.
func (s *Service) approved(ctx context.Context, id, handle string) (RequestRecord, account.Citizen, error) {
	rec, err := s.byHandle(ctx, id, handle)
	if err != nil {
		return RequestRecord{}, account.Citizen{}, err
	}
	switch effective(rec, s.now()) {
	case RequestApproved:
	case RequestOpen:
		return RequestRecord{}, account.Citizen{}, userError(digitalid.EFORBIDDEN, "recovery.not_approved",
			"Your trusted contact has not approved the request yet.")
	default:
		return RequestRecord{}, account.Citizen{}, closed()
	}
	c, err := s.acc.Citizens.Get(ctx, rec.CitizenID)
	if err != nil || c.Status != account.StatusActive {
		return RequestRecord{}, account.Citizen{}, closed()
	}
	return rec, c, nil
}

func safeMethod(m string) string {
	if m == CheckOTP || m == CheckPasskey || m == CheckFace {
		return m
	}
	return "other"
}

// sendCode texts an approval code to the contact.
func (s *Service) sendCode(ctx context.Context, contact account.Citizen, code, citizenPhone string) error {
	body := s.texts.format(contact.Lang, textApprovalCode, map[string]string{"code": code, "phone": citizenPhone})
	if err := s.sms.Send(ctx, sms.Message{To: contact.Phone, Body: body, Purpose: "otp_recovery_approval"}); err != nil {
		return fmt.Errorf("recovery: send approval code: %w", err)
	}
	return nil
}

func (s *Service) codeHash(requestID, relID, code string) []byte {
	return mac(s.code, "approval", requestID+":"+relID+":"+code)
}

func equal(a, b []byte) bool { return hmac.Equal(a, b) }

// newCode returns 6 uniformly random digits.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}
