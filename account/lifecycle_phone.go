package account

import (
	"context"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// PhoneChangeStart begins a change of the signed-in citizen's number.
type PhoneChangeStart struct {
	NewPhone string // E.164
	// OldPhoneLost skips the code to the current number: the change is then
	// confirmed with the new number's code, the PIN and a passkey.
	OldPhoneLost bool
}

// BeginPhoneChange texts a PurposePhoneChange code to the new number and,
// unless OldPhoneLost, one to the current number. It answers the same
// whether or not the new number belongs to another account (as sign-up
// does); such a change fails at ConfirmPhoneChange with the generic
// account.phone.change_failed. Returns EINVALID for a malformed number or
// the current one, and the errors of OTPs.RequestCode.
func (s *Service) BeginPhoneChange(ctx context.Context, by Session, req PhoneChangeStart) (CodeSent, error) {
	if err := checkPhone(req.NewPhone); err != nil {
		return CodeSent{}, err
	}
	c, err := s.Citizens.Get(ctx, by.CitizenID)
	if err != nil {
		return CodeSent{}, err
	}
	if c.Phone == req.NewPhone {
		return CodeSent{}, fieldError("phone", "account.phone.same", "This is already your number.")
	}
	// A phone change is refused for 24 hours after a recovery (cooling_off.go).
	if err := s.notCoolingOff(ctx, c.ID); err != nil {
		return CodeSent{}, err
	}
	sent, err := s.OTPs.RequestCode(ctx, CodeRequest{Phone: req.NewPhone, Purpose: PurposePhoneChange, Lang: c.Lang})
	if err != nil || req.OldPhoneLost {
		return sent, err
	}
	return s.OTPs.RequestCode(ctx, CodeRequest{Phone: c.Phone, Purpose: PurposePhoneChange, Lang: c.Lang})
}

// PhoneChangeRequest confirms a phone change in one of two ways: the codes
// texted to both numbers (NewCode and OldCode), or, when the old phone is
// lost, the new number's code with the PIN and a passkey re-authentication
// (the response to Passkeys.BeginReauthentication for this session).
type PhoneChangeRequest struct {
	NewPhone          string
	NewCode           string
	OldCode           string
	PIN               string
	PasskeyCeremonyID string
	PasskeyResponse   []byte
	Client            Client
}

// ConfirmPhoneChange checks the factors and replaces the citizen's phone
// lookup key and ciphertext in one statement. Both numbers are texted,
// the change is added to the inbox and audited.
//
// Returns EINVALID when neither way is complete (or passkeys are not
// configured) and (key account.phone.change_failed) when the new number
// cannot be taken — it belongs to another account; the errors of
// OTPs.Verify, PINs.Verify and Passkeys.Reauthenticate.
func (s *Service) ConfirmPhoneChange(ctx context.Context, by Session, req PhoneChangeRequest) (Citizen, error) {
	if err := checkPhone(req.NewPhone); err != nil {
		return Citizen{}, err
	}
	c, err := s.Citizens.Get(ctx, by.CitizenID)
	if err != nil {
		return Citizen{}, err
	}
	// A phone change is refused for 24 hours after a recovery (cooling_off.go).
	if err := s.notCoolingOff(ctx, c.ID); err != nil {
		return Citizen{}, err
	}
	method := "otp_both"
	proofs := make([]string, 0, 2)
	switch {
	case req.OldCode != "":
		p, err := s.OTPs.Verify(ctx, c.Phone, PurposePhoneChange, req.OldCode)
		if err != nil {
			return Citizen{}, s.phoneChangeFailed(ctx, by, req.Client, "old_code", err)
		}
		proofs = append(proofs, p.Token)
	case req.PIN != "" && req.PasskeyCeremonyID != "" && s.Passkeys != nil:
		method = "otp_pin_passkey"
		if _, err := s.Passkeys.Reauthenticate(ctx, by, req.PasskeyCeremonyID, req.PasskeyResponse, req.Client); err != nil {
			return Citizen{}, s.phoneChangeFailed(ctx, by, req.Client, "passkey", err)
		}
		if err := s.PINs.Verify(ctx, by.CitizenID, req.PIN, req.Client); err != nil {
			return Citizen{}, s.phoneChangeFailed(ctx, by, req.Client, "pin", err)
		}
	default:
		return Citizen{}, fieldError("old_code", "account.phone.factors",
			"Enter the code sent to your current number, or your PIN and a passkey if you lost that phone.")
	}
	p, err := s.OTPs.Verify(ctx, req.NewPhone, PurposePhoneChange, req.NewCode)
	if err != nil {
		return Citizen{}, s.phoneChangeFailed(ctx, by, req.Client, "new_code", err)
	}
	for _, token := range append(proofs, p.Token) {
		if _, err := s.OTPs.UseProof(ctx, token, PurposePhoneChange); err != nil {
			return Citizen{}, err
		}
	}
	err = s.store.SetCitizenPhone(ctx, c.ID, s.Citizens.phoneKey(req.NewPhone), s.Citizens.seal.seal(req.NewPhone, c.ID))
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return Citizen{}, s.phoneChangeFailed(ctx, by, req.Client, "taken", userError(digitalid.EINVALID,
			"account.phone.change_failed", "The phone number could not be changed; try another number.", err))
	}
	if err != nil {
		return Citizen{}, wrapErr("change phone", err)
	}
	s.Sessions.record(ctx, by, "account.phone.changed", "citizen:"+c.ID, audit.Success, req.Client,
		map[string]string{"method": method})
	s.inbox(ctx, c.ID, KindPhoneChanged, nil)
	s.textPhone(ctx, c.Phone, c.Lang, textPhoneChangedOld, nil)
	s.textPhone(ctx, req.NewPhone, c.Lang, textPhoneChangedNew, nil)
	c.Phone = req.NewPhone
	return c, nil
}

// phoneChangeFailed audits a refused phone change and returns err.
func (s *Service) phoneChangeFailed(ctx context.Context, by Session, c Client, reason string, err error) error {
	r := audit.Failure
	if digitalid.ErrorCode(err) == digitalid.ELOCKED {
		r = audit.Denied
	}
	s.Sessions.record(ctx, by, "account.phone.changed", "citizen:"+by.CitizenID, r, c, map[string]string{"reason": reason})
	return err
}
