package account

import "context"

// recheckBindingPrefix namespaces what a recovery face check is bound to,
// so that it can never be taken for a session id or a restore proof.
const recheckBindingPrefix = "recovery:"

// RecheckChallenge issues a challenge for a face re-check of citizenID on
// behalf of another package (a trusted-contact recovery): bound to binding
// (the caller's own handle, e.g. the recovery request's id) in place of a
// session, purpose PurposeRecoveryCheck, valid ChallengeTTL, single use.
// The cabinet's check and a restore refuse it, and Recheck refuses theirs.
//
// The caller decides who may be offered the re-check; it changes no level.
// Returns EUNAVAILABLE when not configured, ELOCKED (with Limit) while
// biometric checks are blocked.
func (p *Proofing) RecheckChallenge(ctx context.Context, citizenID, binding string) (Challenge, error) {
	if !p.Configured() {
		return Challenge{}, notConfigured()
	}
	return p.issue(ctx, citizenID, recheckBindingPrefix+binding, PurposeRecoveryCheck)
}

// Recheck submits one photo with a challenge from RecheckChallenge for the
// same citizen and binding. It runs the attempt core shared with the
// cabinet check (counted attempts, the 10-attempt lock, refund when the
// service fails, audit without the image) and, on a match, clears the
// counts. Errors as Check: EUNAVAILABLE, EINVALID/ETOOLARGE for a photo
// CheckImage refuses (not counted), EFORBIDDEN
// account.proofing.challenge_invalid / challenge_expired, EFORBIDDEN
// account.proofing.no_match (Limit with AttemptsLeft), ELOCKED.
func (p *Proofing) Recheck(ctx context.Context, citizenID, binding, challenge string, img []byte, c Client) error {
	if !p.Configured() {
		return notConfigured()
	}
	mediaType, err := CheckImage(img)
	if err != nil {
		return err
	}
	a := attemptOf{citizenID: citizenID, binding: recheckBindingPrefix + binding, recovery: true}
	purpose, score, err := p.attempt(ctx, a, challenge, img, mediaType, c)
	if err != nil {
		return err
	}
	p.matched(ctx, citizenID, purpose, score, c)
	return nil
}
