package account

import (
	"context"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// The limits on a number's codes (MaxCodes an hour, the failure window of
// each purpose) are the same for its owner and for a stranger who knows the
// number. For sign-in that is bearable: the owner still has passkeys and
// signed-in devices. For a deleted account the restore code is the only
// way back, and the RestoreWindow keeps running, so a stranger blocking it
// once a day could keep the owner out until the purge destroyed the
// account. When a restore is refused by such a limit, the deleted account
// of the number is held instead: it stays restorable, and out of the purge,
// until RestoreHold after the refusal, but never longer than MaxRestoreHold
// after the deletion (the citizen asked for their data to go).
const (
	RestoreHold    = 7 * 24 * time.Hour
	MaxRestoreHold = 90 * 24 * time.Hour
)

// textRestoreHeld is the SMS sent when a hold begins.
const textRestoreHeld = "restore_held"

// RequestRestoreCode texts a code to restore the deleted account of
// req.Phone (OTPs.RequestCode with PurposeRestore; req.Purpose is
// ignored). A refusal by the number's code limit holds that account's
// restore (see RestoreHold). The answer is the same whether or not the
// number has such an account. Returns the errors of OTPs.RequestCode.
func (s *Service) RequestRestoreCode(ctx context.Context, req CodeRequest) (CodeSent, error) {
	req.Purpose = PurposeRestore
	sent, err := s.OTPs.RequestCode(ctx, req)
	if digitalid.ErrorCode(err) == digitalid.ERATELIMITED {
		s.holdRestore(ctx, req.Phone)
	}
	return sent, err
}

// VerifyRestoreCode checks a restore code (OTPs.Verify with
// PurposeRestore). A refusal because the number's restore codes are locked
// holds the deleted account's restore (see RestoreHold). Returns the
// errors of OTPs.Verify.
func (s *Service) VerifyRestoreCode(ctx context.Context, phone, code string) (Proof, error) {
	p, err := s.OTPs.Verify(ctx, phone, PurposeRestore, code)
	if digitalid.ErrorCode(err) == digitalid.ELOCKED {
		s.holdRestore(ctx, phone)
	}
	return p, err
}

// holdRestore holds the restore of the deleted account of phone, if it has
// one that a hold would keep longer than its window; a new hold is audited
// and texted to the owner. Failures are logged: the caller's refusal
// stands either way.
func (s *Service) holdRestore(ctx context.Context, phone string) {
	c, err := s.Citizens.ByPhone(ctx, phone)
	if err != nil || c.Status != StatusDeleted {
		if err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			s.log.ErrorContext(ctx, "restore hold: find account", "err", err)
		}
		return
	}
	now := s.now()
	until := now.Add(RestoreHold)
	if limit := c.DeletedAt.Add(MaxRestoreHold); until.After(limit) {
		until = limit
	}
	if !until.After(c.DeletedAt.Add(RestoreWindow)) {
		return // the restore window lasts longer anyway
	}
	fresh, err := s.store.HoldRestore(ctx, c.ID, until, now)
	if err != nil {
		if digitalid.ErrorCode(err) != digitalid.ENOTFOUND { // ENOTFOUND: purged or restored meanwhile
			s.log.ErrorContext(ctx, "restore hold", "citizen", c.ID, "err", err)
		}
		return
	}
	if !fresh {
		return
	}
	_, err = s.audit.Append(ctx, audit.Event{Chain: c.ID, Actor: audit.Actor{Type: audit.ActorSystem, ID: "account"},
		Action: "account.restore_held", Object: "citizen:" + c.ID, Result: audit.Success,
		Details: map[string]string{"hours": strconv.Itoa(int(until.Sub(now).Hours()))}}) // a date reads as personal data to the audit log
	if err != nil {
		s.log.ErrorContext(ctx, "audit of restore hold failed", "citizen", c.ID, "err", err)
	}
	s.textPhone(ctx, phone, c.Lang, textRestoreHeld, map[string]string{"date": until.UTC().Format(time.DateOnly)})
}

// restorableUntil is the end of a deleted account's restore: its window,
// or its hold when that is later.
func restorableUntil(deletedAt, held time.Time) time.Time {
	if end := deletedAt.Add(RestoreWindow); end.After(held) {
		return end
	}
	return held
}
