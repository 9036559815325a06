package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// Proofing raises a citizen from standard to high assurance with a
// biometric match, enforcing the platform's own rules whatever Biometric
// service is behind it:
//
//   - Each attempt spends a fresh server challenge (256 random bits, only its
//     SHA-256 stored) bound to the citizen and session, valid ChallengeTTL
//     and usable once: a replayed or late submission is refused (EFORBIDDEN).
//   - The photo is checked by CheckImage first. A photo that fails the check
//     is refused (EINVALID/ETOOLARGE) without spending the challenge or an
//     attempt and without calling the service: it is not a biometric
//     attempt, and the per-address rate limit bounds such requests.
//   - Attempts are counted in the database before the service is called, so
//     concurrent attempts on any number of instances are counted exactly.
//     The count is per citizen, across all their sessions (stricter than
//     per session: a new session buys no new attempts): MaxBiometricAttempts
//     attempts, then biometric checks are blocked for BiometricLock. A video
//     check at sign-up (PurposeVideo) blocks for VideoLock after each failure
//     and queues the failure for an operator (ReviewQueue). A lock of either
//     kind blocks both. A match clears the count. When the service itself
//     fails (EUNAVAILABLE) the attempt is given back.
//   - A check needs a citizen at standard; a match raises them to high.
//     The same attempt core re-checks the face of a citizen at high who
//     restores a deleted account (restore_check.go): its challenge is bound
//     to the restore proof instead of a session, and a match changes no
//     level.
//   - Every attempt is audited (purpose, outcome, score to one decimal; never
//     the image).
type Proofing struct {
	store    ProofingStore
	citizens *Citizens
	bio      Biometric
	audit    *audit.Log
	now      digitalid.Clock
	log      *slog.Logger
}

// The proofing rules.
const (
	ChallengeTTL         = 2 * time.Minute
	MaxBiometricAttempts = 10
	BiometricLock        = 10 * time.Minute
	VideoLock            = 15 * time.Minute
	tokenChallenge       = "dpc_"
	factorBiometric      = "biometric"
	factorVideo          = "biometric:video"
	reviewOpen           = "open"
)

// ProofingConfig wires Proofing. Store, Citizens and Audit are required. A
// nil Biometric leaves proofing "not configured": every call returns
// EUNAVAILABLE (key account.proofing.not_configured).
type ProofingConfig struct {
	Store     ProofingStore
	Citizens  *Citizens
	Audit     *audit.Log
	Biometric Biometric
	Clock     digitalid.Clock
	Logger    *slog.Logger
}

// NewProofing returns the proofing service.
func NewProofing(cfg ProofingConfig) (*Proofing, error) {
	if cfg.Store == nil || cfg.Citizens == nil || cfg.Audit == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: proofing needs a store, the citizens service and an audit log")
	}
	return &Proofing{store: cfg.Store, citizens: cfg.Citizens, bio: cfg.Biometric, audit: cfg.Audit,
		now: orSystemClock(cfg.Clock), log: orDiscard(cfg.Logger)}, nil
}

// Configured reports whether a Biometric service is set.
func (p *Proofing) Configured() bool { return p != nil && p.bio != nil }

// Challenge is a fresh single-use value to submit with one photo.
type Challenge struct {
	Value     string
	ExpiresAt time.Time
}

// NewChallenge issues a challenge for the session's citizen. Returns
// EUNAVAILABLE when not configured, EINVALID for an unknown purpose,
// EFORBIDDEN (account.proofing.needs_standard) below standard, ECONFLICT
// (account.proofing.already_high) at high, ELOCKED (with Limit) while blocked.
func (p *Proofing) NewChallenge(ctx context.Context, s Session, purpose ProofingPurpose) (Challenge, error) {
	if err := p.ready(purpose); err != nil {
		return Challenge{}, err
	}
	if err := p.eligible(ctx, s.CitizenID); err != nil {
		return Challenge{}, err
	}
	return p.issue(ctx, s.CitizenID, s.ID, purpose)
}

// issue stores a fresh challenge of purpose for citizenID bound to binding
// (a session id, or restoreBinding of a restore proof). ELOCKED while
// blocked.
func (p *Proofing) issue(ctx context.Context, citizenID, binding string, purpose ProofingPurpose) (Challenge, error) {
	now := p.now()
	if err := p.notLocked(ctx, citizenID, now); err != nil {
		return Challenge{}, err
	}
	token, hash := newToken(tokenChallenge)
	rec := ChallengeRecord{Hash: hash, CitizenID: citizenID, SessionID: binding, Purpose: purpose,
		CreatedAt: now, ExpiresAt: now.Add(ChallengeTTL)}
	if err := p.store.CreateProofingChallenge(ctx, rec); err != nil {
		return Challenge{}, wrapErr("store challenge", err)
	}
	return Challenge{Value: token, ExpiresAt: rec.ExpiresAt}, nil
}

// Check submits one photo with its challenge. It returns AssuranceHigh on a
// match. Errors: EUNAVAILABLE (not configured, or the service failed);
// EINVALID/ETOOLARGE for a photo CheckImage refuses (not counted);
// EFORBIDDEN for a challenge that is unknown, used, expired
// (account.proofing.challenge_expired) or another session's, or below
// standard; ECONFLICT at high; EFORBIDDEN account.proofing.no_match (Limit
// with AttemptsLeft) for a non-match; ELOCKED (Limit with RetryAt) when
// blocked, including by this attempt.
func (p *Proofing) Check(ctx context.Context, s Session, challenge string, img []byte, c Client) (Assurance, error) {
	if !p.Configured() {
		return "", notConfigured()
	}
	mediaType, err := CheckImage(img)
	if err != nil {
		return "", err
	}
	if err := p.eligible(ctx, s.CitizenID); err != nil {
		return "", err
	}
	purpose, score, err := p.attempt(ctx, attemptOf{citizenID: s.CitizenID, binding: s.ID}, challenge, img, mediaType, c)
	if err != nil {
		return "", err
	}
	return p.raise(ctx, s.CitizenID, purpose, score, c)
}

// attemptOf says whose attempt it is: the citizen, what the challenge must
// be bound to (the session id, or restoreBinding), and whether it is a
// restore re-check (a PurposeRestoreCheck challenge) or a cabinet check.
type attemptOf struct {
	citizenID, binding string
	restore            bool
	recovery           bool // a PurposeRecoveryCheck challenge (recheck.go)
}

// attempt is the core of one biometric attempt, shared by Check and the
// restore re-check (restore_check.go): it spends the challenge, refuses
// while blocked, counts the attempt in the database, asks the service,
// gives the attempt back when the service fails, and audits the outcome
// (never the image). It returns the challenge's purpose and the rounded
// score of a match; the caller records the match (raise or matched). img
// has passed CheckImage (mediaType).
func (p *Proofing) attempt(ctx context.Context, a attemptOf, challenge string, img []byte, mediaType string, c Client) (ProofingPurpose, float64, error) {
	now := p.now()
	rec, err := p.useChallenge(ctx, a, challenge, now)
	if err != nil {
		p.record(ctx, a.citizenID, rec.Purpose, "challenge_refused", audit.Denied, nil, c)
		return "", 0, err
	}
	own, pol := policyOf(rec.Purpose)
	if err := p.notLocked(ctx, a.citizenID, now); err != nil {
		p.record(ctx, a.citizenID, rec.Purpose, "locked", audit.Denied, nil, c)
		return "", 0, err
	}
	var res reservation
	_, err = p.store.UpdateCounter(ctx, a.citizenID, own, func(ctr *Counter) error {
		var err error
		res, err = pol.reserve(ctr, now)
		return err
	})
	if le, ok := errors.AsType[lockedError](err); ok {
		p.record(ctx, a.citizenID, rec.Purpose, "locked", audit.Denied, nil, c)
		return "", 0, biometricLocked(le.until)
	}
	if err != nil {
		return "", 0, wrapErr("count biometric attempt", err)
	}
	out, err := p.bio.Match(ctx, MatchRequest{CitizenID: a.citizenID, Challenge: challenge, Image: img, MediaType: mediaType})
	if err != nil {
		p.refund(ctx, a.citizenID, own, res)
		p.record(ctx, a.citizenID, rec.Purpose, "unavailable", audit.Failure, nil, c)
		if digitalid.ErrorCode(err) != digitalid.EUNAVAILABLE {
			err = unavailable(err)
		}
		return "", 0, err
	}
	score := roundScore(out.Score)
	if out.Matched && out.Liveness {
		return rec.Purpose, score, nil
	}
	p.record(ctx, a.citizenID, rec.Purpose, "no_match", audit.Failure, &score, c)
	if rec.Purpose == PurposeVideo {
		p.queue(ctx, a.citizenID, rec.Purpose, out.Reason, score, now)
	}
	if res.locks {
		p.record(ctx, a.citizenID, rec.Purpose, "blocked", audit.Success, nil, c)
		if rec.Purpose == PurposeVideo {
			return "", 0, videoFailed(res.until)
		}
		return "", 0, biometricLocked(res.until)
	}
	return "", 0, limited(digitalid.EFORBIDDEN, "account.proofing.no_match",
		"The photo did not match; try again.", time.Time{}, res.left)
}

// raise records a match: the level goes to high and the count is cleared.
func (p *Proofing) raise(ctx context.Context, citizenID string, purpose ProofingPurpose, score float64, c Client) (Assurance, error) {
	if err := p.citizens.SetAssurance(ctx, citizenID, AssuranceHigh); err != nil {
		return "", err
	}
	p.matched(ctx, citizenID, purpose, score, c)
	return AssuranceHigh, nil
}

// matched clears the counts after a match and audits it.
func (p *Proofing) matched(ctx context.Context, citizenID string, purpose ProofingPurpose, score float64, c Client) {
	for _, f := range []string{factorBiometric, factorVideo} {
		if err := p.store.DeleteCounter(ctx, citizenID, f); err != nil {
			p.log.ErrorContext(ctx, "clearing biometric counter failed", "citizen", citizenID, "err", err)
		}
	}
	p.record(ctx, citizenID, purpose, "match", audit.Success, &score, c)
}

// ReviewQueue lists the failed video checks still open, oldest first (at
// most limit, 1..500, default 100), for an operator.
func (p *Proofing) ReviewQueue(ctx context.Context, limit int) ([]Review, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	list, err := p.store.ProofingReviews(ctx, reviewOpen, limit)
	return list, wrapErr("list reviews", err)
}

// Purge deletes challenges that expired more than a day ago.
func (p *Proofing) Purge(ctx context.Context) (int64, error) {
	n, err := p.store.PurgeProofingChallenges(ctx, p.now().Add(-24*time.Hour))
	return n, wrapErr("purge challenges", err)
}

func (p *Proofing) ready(purpose ProofingPurpose) error {
	if !p.Configured() {
		return notConfigured()
	}
	if purpose != PurposeProofing && purpose != PurposeVideo {
		return fieldError("purpose", "account.proofing.purpose", "The purpose of the check is not known.")
	}
	return nil
}

// eligible refuses citizens below standard or already at high.
func (p *Proofing) eligible(ctx context.Context, citizenID string) error {
	cz, err := p.citizens.Get(ctx, citizenID)
	if err != nil {
		return err
	}
	switch {
	case cz.Assurance == AssuranceHigh:
		return userError(digitalid.ECONFLICT, "account.proofing.already_high", "Your identity is already confirmed at the high level.", nil)
	case !cz.Assurance.AtLeast(AssuranceStandard):
		return userError(digitalid.EFORBIDDEN, "account.proofing.needs_standard", "Confirm your identity document first.", nil)
	}
	return nil
}

// notLocked refuses while either biometric counter is locked.
func (p *Proofing) notLocked(ctx context.Context, citizenID string, now time.Time) error {
	for _, f := range []string{factorBiometric, factorVideo} {
		ctr, err := p.store.Counter(ctx, citizenID, f)
		if err != nil {
			return wrapErr("read biometric counter", err)
		}
		if now.Before(ctr.LockedUntil) {
			return biometricLocked(ctr.LockedUntil)
		}
	}
	return nil
}

// useChallenge spends the challenge and checks it is the attempt's (same
// citizen and binding, a restore challenge only for a restore) and in time.
func (p *Proofing) useChallenge(ctx context.Context, a attemptOf, token string, now time.Time) (ChallengeRecord, error) {
	bad := userError(digitalid.EFORBIDDEN, "account.proofing.challenge_invalid", "The check has expired; start again.", nil)
	unknown := ChallengeRecord{Purpose: PurposeProofing}
	if a.restore {
		unknown.Purpose = PurposeRestoreCheck
	}
	if a.recovery {
		unknown.Purpose = PurposeRecoveryCheck
	}
	hash, ok := parseToken(tokenChallenge, token)
	if !ok {
		return unknown, bad
	}
	rec, err := p.store.UseProofingChallenge(ctx, hash, now)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return unknown, bad
	}
	if err != nil {
		return unknown, wrapErr("use challenge", err)
	}
	if rec.CitizenID != a.citizenID || rec.SessionID != a.binding || (rec.Purpose == PurposeRestoreCheck) != a.restore ||
		(rec.Purpose == PurposeRecoveryCheck) != a.recovery {
		return rec, bad
	}
	if !now.Before(rec.ExpiresAt) {
		return rec, userError(digitalid.EFORBIDDEN, "account.proofing.challenge_expired", "The check took longer than 2 minutes; start again.", nil)
	}
	return rec, nil
}

// refund gives back an attempt the service failed to judge.
func (p *Proofing) refund(ctx context.Context, citizenID, factor string, res reservation) {
	_, err := p.store.UpdateCounter(ctx, citizenID, factor, func(c *Counter) error {
		if c.Failures > 0 {
			c.Failures--
		}
		if res.locks && c.LockedUntil.Equal(res.until) {
			c.LockedUntil, c.Lockouts = time.Time{}, max(0, c.Lockouts-1)
		}
		return nil
	})
	if err != nil {
		p.log.ErrorContext(ctx, "refunding biometric attempt failed", "citizen", citizenID, "err", err)
	}
}

func (p *Proofing) queue(ctx context.Context, citizenID string, purpose ProofingPurpose, reason string, score float64, now time.Time) {
	r := Review{ID: NewID("rv_"), CitizenID: citizenID, Purpose: purpose, Reason: safeReason(reason),
		Score: score, Status: reviewOpen, CreatedAt: now}
	if err := p.store.AddProofingReview(ctx, r); err != nil {
		p.log.ErrorContext(ctx, "queueing video check for review failed", "citizen", citizenID, "err", err)
	}
}

// record audits one attempt; a failure to audit is logged, not returned.
func (p *Proofing) record(ctx context.Context, citizenID string, purpose ProofingPurpose, outcome string, r audit.Result, score *float64, c Client) {
	d := map[string]string{"purpose": string(purpose), "outcome": outcome}
	if score != nil {
		d["score"] = strconv.FormatFloat(*score, 'f', 1, 64)
	}
	_, err := p.audit.Append(ctx, audit.Event{Chain: citizenID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: citizenID},
		Action: "account.proofing.attempt", Object: "biometric", Result: r, IP: c.IP, RequestID: c.RequestID, Details: d})
	if err != nil {
		p.log.ErrorContext(ctx, "audit of biometric attempt failed", "citizen", citizenID, "err", err)
	}
}

func policyOf(purpose ProofingPurpose) (string, lockPolicy) {
	if purpose == PurposeVideo {
		return factorVideo, lockPolicy{max: 1, lockouts: Lockouts{VideoLock}, memory: VideoLock}
	}
	return factorBiometric, lockPolicy{max: MaxBiometricAttempts, lockouts: Lockouts{BiometricLock}, memory: BiometricLock}
}

// safeReason keeps a short [a-z0-9_] reason code from the service.
func safeReason(s string) string {
	out := make([]byte, 0, 32)
	for i := 0; i < len(s) && len(out) < 32; i++ {
		switch b := s[i]; {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '_':
			out = append(out, b)
		case b >= 'A' && b <= 'Z':
			out = append(out, b+'a'-'A')
		}
	}
	return string(out)
}

func biometricLocked(until time.Time) error {
	return limited(digitalid.ELOCKED, "account.proofing.locked",
		fmt.Sprintf("Too many attempts; biometric checks are blocked until %s.", until.UTC().Format(time.RFC3339)), until, 0)
}

// videoFailed is the answer to the failed video check itself, apart from
// biometricLocked (a block already in force) so that a client can say the
// check went to an operator rather than "too many attempts".
func videoFailed(until time.Time) error {
	return limited(digitalid.ELOCKED, "account.proofing.video_failed",
		fmt.Sprintf("The video check did not match; it was sent to an operator for review, and biometric checks are blocked until %s.", until.UTC().Format(time.RFC3339)), until, 0)
}

func notConfigured() error {
	return userError(digitalid.EUNAVAILABLE, "account.proofing.not_configured", "Biometric identity checks are not configured on this server.", nil)
}
