package recovery

import (
	"context"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// Checks lists the second checks an approved request may pass, in the
// order a page offers them: CheckOTP always; CheckPasskey when passkeys
// are configured; CheckFace when the citizen is at high and a Biometric
// is configured. Returns the errors of an unapproved or closed request.
func (s *Service) Checks(ctx context.Context, id, handle string) ([]string, error) {
	_, c, err := s.approved(ctx, id, handle)
	if err != nil {
		return nil, err
	}
	out := []string{CheckOTP}
	if s.acc.Passkeys != nil {
		out = append(out, CheckPasskey)
	}
	if s.faceOffered(c) {
		out = append(out, CheckFace)
	}
	return out, nil
}

// BeginFace issues the challenge of a face check for an approved request:
// single use, valid account.ChallengeTTL, bound to this request. Returns
// EFORBIDDEN (recovery.face_unavailable) when the face check is not
// offered to this citizen, ELOCKED while biometric checks are blocked.
func (s *Service) BeginFace(ctx context.Context, id, handle string) (account.Challenge, error) {
	rec, c, err := s.approved(ctx, id, handle)
	if err != nil {
		return account.Challenge{}, err
	}
	if !s.faceOffered(c) {
		return account.Challenge{}, faceUnavailable()
	}
	return s.proof.RecheckChallenge(ctx, c.ID, rec.ID)
}

// faceOffered: a face match is a second check only for a citizen whose
// identity was confirmed at high (so a face is on record) when a
// Biometric is configured.
func (s *Service) faceOffered(c account.Citizen) bool {
	return c.Assurance == account.AssuranceHigh && s.proof.Configured()
}

func (s *Service) faceCheck(ctx context.Context, rec RequestRecord, c account.Citizen, req CompleteRequest) error {
	if !s.faceOffered(c) {
		return faceUnavailable()
	}
	return s.proof.Recheck(ctx, c.ID, rec.ID, req.Challenge, req.Image, req.Client)
}

func faceUnavailable() error {
	return userError(digitalid.EFORBIDDEN, "recovery.face_unavailable",
		"Confirming with your face is not available for this account; use a code to your phone.")
}
