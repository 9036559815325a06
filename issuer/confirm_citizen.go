package issuer

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/vault"
)

// confirmWindow is the window MaxConfirmPerDay counts in.
const confirmWindow = 24 * time.Hour

// confirmations returns the store of requests, or EINTERNAL when the
// Service was built without one.
func (s *Service) confirmations() (ConfirmStore, error) {
	if s.cfg.Confirmations == nil {
		return nil, digitalid.Errorf(digitalid.EINTERNAL, "issuer: no confirmation store configured")
	}
	return s.cfg.Confirmations, nil
}

// Request sends the citizen's self-declared document docID to the issuers
// for confirmation and returns the pending request. The document must be
// the citizen's own (else ENOTFOUND), self-declared (else ECONFLICT: an
// issuer's document is confirmed already), of a confirmable type and valid
// now, of someone at least account.MinAccountAge old (else EINVALID). A citizen has at most one pending request per type
// (ECONFLICT) and sends at most MaxConfirmPerDay requests in 24 hours,
// counted in the database (ERATELIMITED with an account.Limit). Nothing is
// stored when an error is returned.
func (s *Service) Request(ctx context.Context, citizenID, docID string) (Confirmation, error) {
	st, err := s.confirmations()
	if err != nil {
		return Confirmation{}, err
	}
	d, err := s.cfg.Vault.Get(ctx, citizenID, docID)
	if err != nil {
		return Confirmation{}, fmt.Errorf("issuer: confirmation request: %w", err)
	}
	if cz, err := s.cfg.Citizens.Get(ctx, citizenID); err != nil {
		return Confirmation{}, fmt.Errorf("issuer: confirmation request: %w", err)
	} else if cz.Assurance != account.AssuranceBasic {
		return Confirmation{}, &digitalid.Error{Code: digitalid.ECONFLICT, Key: "confirm.error.already_confirmed",
			Message: "Your identity is confirmed already; a registry's passport keeps it up to date."}
	}
	switch {
	case d.Source != vault.SourceSelf:
		return Confirmation{}, &digitalid.Error{Code: digitalid.ECONFLICT, Key: "confirm.error.not_self",
			Message: "This document comes from an issuing authority and is confirmed already."}
	case !Confirmable(d.TypeID):
		return Confirmation{}, &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.type",
			Message: "Only a passport (passport_ru, passport_international) can be sent for confirmation."}
	case d.Status != vault.StatusValid:
		return Confirmation{}, &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.expired",
			Message: "This document has expired; add the current one."}
	}
	now := s.cfg.Clock().UTC()
	if birth, err := time.Parse(time.DateOnly, d.Fields.Text("birth_date")); err == nil && account.AgeAt(birth, now) < account.MinAccountAge {
		return Confirmation{}, &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.too_young",
			Message: fmt.Sprintf("An account can be confirmed from the age of %d.", account.MinAccountAge)}
	}
	if c, err := st.DocumentConfirmation(ctx, citizenID, docID); err == nil && c.Status == ConfirmPending {
		return Confirmation{}, pendingConflict()
	}
	c := Confirmation{ID: account.NewID("cf_"), CitizenID: citizenID, DocumentID: docID, Type: d.TypeID,
		Status: ConfirmPending, CreatedAt: now}
	err = st.CreateConfirmation(ctx, c, MaxConfirmPerDay, now.Add(-confirmWindow))
	switch digitalid.ErrorCode(err) {
	case digitalid.ECONFLICT:
		return Confirmation{}, pendingConflict()
	case digitalid.ERATELIMITED:
		return Confirmation{}, &digitalid.Error{Code: digitalid.ERATELIMITED, Key: "confirm.error.rate_limited",
			Message: fmt.Sprintf("At most %d requests for confirmation can be sent in 24 hours; try again tomorrow.", MaxConfirmPerDay),
			Err:     &account.Limit{RetryAt: now.Add(confirmWindow), AttemptsLeft: 0}}
	}
	if err != nil {
		return Confirmation{}, fmt.Errorf("issuer: create confirmation request: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "confirmation requested", "confirmation", c)
	return c, s.confirmEvent(ctx, audit.Actor{Type: audit.ActorCitizen, ID: citizenID}, "document.confirmation_requested", c)
}

func pendingConflict() error {
	return &digitalid.Error{Code: digitalid.ECONFLICT, Key: "confirm.error.pending",
		Message: "A request to confirm a document of this type is already waiting for the registry."}
}

// Status returns the citizen's latest request about the document docID.
// Returns ENOTFOUND if there is none (another citizen's included).
func (s *Service) Status(ctx context.Context, citizenID, docID string) (Confirmation, error) {
	st, err := s.confirmations()
	if err != nil {
		return Confirmation{}, err
	}
	c, err := st.DocumentConfirmation(ctx, citizenID, docID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return Confirmation{}, &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "confirm.error.none",
			Message: "This document has not been sent for confirmation.", Err: err}
	}
	if err != nil {
		return Confirmation{}, fmt.Errorf("issuer: confirmation status: %w", err)
	}
	return c, nil
}

// Cancel withdraws the citizen's pending request about the document docID.
// Returns ENOTFOUND if there is no request and ECONFLICT if it is decided
// already (or was just decided by an issuer).
func (s *Service) Cancel(ctx context.Context, citizenID, docID string) (Confirmation, error) {
	c, err := s.Status(ctx, citizenID, docID)
	if err != nil {
		return Confirmation{}, err
	}
	if c.Status != ConfirmPending {
		return Confirmation{}, decided()
	}
	c.Status, c.DecidedAt = ConfirmCancelled, s.cfg.Clock().UTC()
	if err := s.cfg.Confirmations.UpdateConfirmation(ctx, c, ConfirmPending); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
			return Confirmation{}, decided()
		}
		return Confirmation{}, fmt.Errorf("issuer: cancel confirmation request: %w", err)
	}
	return c, s.confirmEvent(ctx, audit.Actor{Type: audit.ActorCitizen, ID: citizenID}, "document.confirmation_cancelled", c)
}

func decided() error {
	return &digitalid.Error{Code: digitalid.ECONFLICT, Key: "confirm.error.decided",
		Message: "This request is no longer pending: it was decided or withdrawn."}
}

// confirmEvent audits a step of a request on the citizen's chain.
func (s *Service) confirmEvent(ctx context.Context, actor audit.Actor, action string, c Confirmation) error {
	details := map[string]string{"type": c.Type, "confirmation": c.ID}
	if c.Reason != "" {
		details["reason"] = c.Reason
	}
	_, err := s.cfg.Audit.Append(ctx, audit.Event{Chain: c.CitizenID, Actor: actor, Action: action,
		Object: "document:" + c.DocumentID, Result: audit.Success, Details: details})
	if err != nil {
		return fmt.Errorf("issuer: audit %s: %w", action, err)
	}
	return nil
}
