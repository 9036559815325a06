package present

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/verify"
)

// ActionChecked is the audit action of every answered online or offline
// presentation, in the citizen's chain: the verifier, the purpose and the
// result, never the claim values.
const ActionChecked = "presentation.checked"

// Client is who sent a verification, for the audit log.
type Client struct {
	IP        string
	RequestID string
}

// Verify checks a scanned payload for verifier v and answers Valid with the
// purpose's claims (and, online, a portrait link: PortraitToken) or
// Invalid with a reason.
// Offline payloads (verify.PayloadPrefix) go to Config.Offline. A refusal
// is a Result, not an error; an error means the question could not be
// answered (a database failure). Every answer about a known handle is
// audited in the citizen's chain.
func (s *Service) Verify(ctx context.Context, v Verifier, payload string, c Client) (Result, error) {
	now := s.cfg.Clock().UTC()
	if p := strings.TrimSpace(payload); len(p) >= len(verify.PayloadPrefix) && strings.EqualFold(p[:len(verify.PayloadPrefix)], verify.PayloadPrefix) {
		return s.verifyOffline(ctx, v, p, now)
	}
	raw, err := ParseHandle(payload)
	if err != nil {
		return refused(ReasonMalformed, "", ModeOnline, now), nil
	}
	h, redeemed, err := s.cfg.Store.RedeemHandle(ctx, sha(raw), v.ID, now)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return refused(ReasonUnknownHandle, "", ModeOnline, now), nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("present: redeem handle: %w", err)
	}
	res, err := s.check(ctx, v, h, redeemed, now)
	if err != nil {
		return Result{}, err
	}
	return res, s.audit(ctx, v, h, res, c)
}

// check runs the checks after the handle was looked up, in order: single
// use and expiry, the verifier's purposes, the account, device and session,
// the credential's source document (revoked or expired), and whether the
// citizen may still have a digital ID.
func (s *Service) check(ctx context.Context, v Verifier, h Handle, redeemed bool, now time.Time) (Result, error) {
	no := func(reason string) (Result, error) { return refused(reason, h.Purpose, ModeOnline, now), nil }
	switch {
	case !redeemed && !h.UsedAt.IsZero():
		return no(ReasonReplayed)
	case !redeemed:
		return no(ReasonExpired)
	case !v.Allows(h.Purpose):
		return no(ReasonPurposeNotAllowed)
	}
	cit, err := s.cfg.Accounts.Citizen(ctx, h.CitizenID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND || err == nil && cit.Status != account.StatusActive {
		return no(ReasonAccountGone)
	}
	if err != nil {
		return Result{}, fmt.Errorf("present: citizen: %w", err)
	}
	d, err := s.cfg.Accounts.Device(ctx, h.DeviceID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND || err == nil && d.Blocked() {
		return no(ReasonDeviceBlocked)
	}
	if err != nil {
		return Result{}, fmt.Errorf("present: device: %w", err)
	}
	sessions, err := s.cfg.Accounts.OpenSessions(ctx, h.CitizenID)
	if err != nil {
		return Result{}, fmt.Errorf("present: sessions: %w", err)
	}
	if !slices.ContainsFunc(sessions, func(x account.Session) bool { return x.ID == h.SessionID }) {
		return no(ReasonSessionEnded)
	}
	atts, err := s.cfg.Credentials.Attestations(ctx, h.CitizenID)
	if err != nil {
		return Result{}, fmt.Errorf("present: attestations: %w", err)
	}
	att, ok := live(atts, h.Purpose, now)
	if !ok {
		return no(ReasonCredentialRevoked)
	}
	el, err := s.cfg.Credentials.Eligibility(ctx, h.CitizenID)
	if err != nil {
		return Result{}, fmt.Errorf("present: eligibility: %w", err)
	}
	if !el.Eligible {
		return no(ReasonNotEligible)
	}
	p, _ := LookupPurpose(h.Purpose)
	res := Result{Outcome: Valid, Purpose: h.Purpose, Mode: ModeOnline, Claims: p.Only(att.Claims), CheckedAt: now}
	// The photo itself is looked up only when the verifier follows the
	// link (VerifierPortrait), under the same rule as before: the
	// issuer-confirmed passport's photo, or none (then the link gives 404).
	if res.PortraitToken, err = s.grantPortrait(ctx, v, h, now); err != nil {
		return Result{}, err
	}
	return res, nil
}

// verifyOffline hands an offline payload to Config.Offline, refusing a
// purpose the verifier is not registered for.
func (s *Service) verifyOffline(ctx context.Context, v Verifier, payload string, now time.Time) (Result, error) {
	if s.cfg.Offline == nil {
		return refused(ReasonOfflineUnavailable, "", ModeOffline, now), nil
	}
	res, err := s.cfg.Offline(ctx, payload, v.Purposes)
	if err != nil {
		return Result{}, fmt.Errorf("present: offline: %w", err)
	}
	res.Mode, res.CheckedAt, res.PortraitToken = ModeOffline, now, ""
	if res.Valid() && !v.Allows(res.Purpose) {
		return refused(ReasonPurposeNotAllowed, res.Purpose, ModeOffline, now), nil
	}
	if res.Valid() {
		p, _ := LookupPurpose(res.Purpose)
		res.Claims = p.Only(res.Claims)
	} else {
		res.Claims = nil
	}
	return res, nil
}

func refused(reason, purpose, mode string, now time.Time) Result {
	return Result{Outcome: Invalid, Reason: reason, Purpose: purpose, Mode: mode, CheckedAt: now}
}

// audit files the answer in the citizen's chain.
func (s *Service) audit(ctx context.Context, v Verifier, h Handle, res Result, c Client) error {
	result, details := audit.Success, map[string]string{"purpose": h.Purpose, "verifier": v.ID, "mode": res.Mode}
	if !res.Valid() {
		result, details["reason"] = audit.Denied, res.Reason
	}
	_, err := s.cfg.Audit.Append(ctx, audit.Event{Chain: h.CitizenID, Actor: audit.Actor{Type: audit.ActorVerifier, ID: v.ID},
		Action: ActionChecked, Object: "presentation:" + h.ID, Result: result, IP: c.IP, RequestID: c.RequestID, Details: details})
	if err != nil {
		return fmt.Errorf("present: audit: %w", err)
	}
	return nil
}
