package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/vault"
)

// Decisions an issuer may take on a request.
const (
	DecisionConfirm = "confirm"
	DecisionReject  = "reject"
)

// Decision is an issuer's answer to a request. To confirm: Ref (the
// issuer's own reference, as in a Push), Document (its compact JWS of the
// document's fields, as in a Push) and an optional Photo named by the
// payload's PhotoClaim. To reject: Reason, one of Reasons().
type Decision struct {
	Kind     string
	Ref      string
	Document string
	Photo    []byte
	Reason   string
}

// maxRefLen bounds an issuer's reference, as the vault does.
const maxRefLen = 200

// Pending returns up to limit (0: DefaultPendingLimit) pending requests of
// the types iss may issue, of active citizens, oldest first, each with the
// fields the citizen submitted. Each disclosure is recorded on the
// citizen's audit chain first ("document.read" by the issuer, purpose
// "confirmation"); nothing is returned if it cannot be. A request whose
// document the citizen has deleted meanwhile is withdrawn, not listed.
// Returns EINVALID for a limit above MaxPendingLimit.
func (s *Service) Pending(ctx context.Context, iss Issuer, limit int) ([]PendingConfirmation, error) {
	if iss.Status != StatusActive {
		return nil, unauthorized("assertion_invalid", "The issuer is not active.", nil)
	}
	st, err := s.confirmations()
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = DefaultPendingLimit
	}
	if limit < 0 || limit > MaxPendingLimit {
		return nil, &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.limit", Message: "The limit must be from 1 to 200.",
			Fields: []digitalid.FieldError{{Field: "limit", Code: "range", Message: "The limit must be from 1 to 200."}}}
	}
	types := slices.DeleteFunc(slices.Clone(iss.AllowedTypes), func(t string) bool { return !Confirmable(t) })
	out := []PendingConfirmation{}
	if len(types) == 0 {
		return out, nil
	}
	list, err := st.PendingConfirmations(ctx, types, limit)
	if err != nil {
		return nil, fmt.Errorf("issuer: pending confirmations: %w", err)
	}
	for _, c := range list {
		d, err := s.cfg.Vault.Get(ctx, c.CitizenID, c.DocumentID)
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			s.withdraw(ctx, c)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("issuer: read submitted document: %w", err)
		}
		_, err = s.cfg.Audit.Append(ctx, audit.Event{Chain: c.CitizenID, Actor: audit.Actor{Type: audit.ActorIssuer, ID: iss.ID},
			Action: "document.read", Object: "document:" + c.DocumentID, Result: audit.Success,
			Details: map[string]string{"purpose": "confirmation", "type": d.TypeID, "source": string(d.Source)}})
		if err != nil {
			return nil, fmt.Errorf("issuer: audit disclosure: %w", err)
		}
		out = append(out, PendingConfirmation{Confirmation: c, Fields: d.Fields})
	}
	return out, nil
}

// withdraw cancels a pending request whose document is gone.
func (s *Service) withdraw(ctx context.Context, c Confirmation) {
	c.Status, c.DecidedAt = ConfirmCancelled, s.cfg.Clock().UTC()
	if err := s.cfg.Confirmations.UpdateConfirmation(ctx, c, ConfirmPending); err != nil && digitalid.ErrorCode(err) != digitalid.ECONFLICT {
		s.cfg.Logger.WarnContext(ctx, "withdrawing a confirmation request failed", "confirmation", c, "err", err)
	}
}

// Decide records iss's decision on the pending request id and returns the
// request as decided.
//
// A confirmation is checked as a Push of the request's type (a JWS under
// the issuer's keys, an optional photo it names; the fields validated by
// the vault) whose series, number and birth date must equal those the
// citizen submitted (else EINVALID with code "mismatch" on "document": the
// issuer should reject instead). The document is then stored as the
// issuer's, through the same path as Push (so a passport_ru sets the birth
// date and raises basic to standard), the self-declared document is
// deleted and the citizen is told. A rejection needs a reason of Reasons()
// (else EINVALID) and the citizen is told.
//
// Of concurrent decisions on one request, on any instances, exactly one
// wins; the others, and any decision on a request no longer pending, get
// ECONFLICT. ENOTFOUND for no such request (or one of a citizen no longer
// active), EFORBIDDEN when iss may not issue the request's type. Nothing
// changes when an error is returned.
func (s *Service) Decide(ctx context.Context, iss Issuer, id string, dec Decision) (Confirmation, error) {
	if iss.Status != StatusActive {
		return Confirmation{}, unauthorized("assertion_invalid", "The issuer is not active.", nil)
	}
	st, err := s.confirmations()
	if err != nil {
		return Confirmation{}, err
	}
	if dec.Kind != DecisionConfirm && dec.Kind != DecisionReject {
		return Confirmation{}, invalid("decision", "enum", `The decision must be "confirm" or "reject".`)
	}
	c, err := st.Confirmation(ctx, id)
	if err == nil {
		err = s.activeCitizen(ctx, c.CitizenID)
	}
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return Confirmation{}, &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "confirm.error.unknown",
			Message: "There is no such confirmation request.", Err: err}
	}
	if err != nil {
		return Confirmation{}, fmt.Errorf("issuer: decide %s: %w", id, err)
	}
	if !iss.Allows(c.Type) {
		return Confirmation{}, &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: "issuer.error.type_not_allowed",
			Message: "This issuer may not issue documents of this type."}
	}
	if c.Status != ConfirmPending && !c.unfinishedBy(iss.ID, dec.Kind, s.cfg.Clock().Add(-ClaimTimeout)) {
		return Confirmation{}, decided()
	}
	if dec.Kind == DecisionReject {
		return s.reject(ctx, iss, c, dec.Reason)
	}
	return s.confirm(ctx, iss, c, dec)
}

// activeCitizen returns ENOTFOUND unless the citizen exists and is active.
func (s *Service) activeCitizen(ctx context.Context, id string) error {
	cz, err := s.cfg.Citizens.Get(ctx, id)
	if err == nil && cz.Status != account.StatusActive {
		err = digitalid.Errorf(digitalid.ENOTFOUND, "citizen not active")
	}
	return err
}

func (s *Service) reject(ctx context.Context, iss Issuer, c Confirmation, reason string) (Confirmation, error) {
	if !slices.Contains(Reasons(), reason) {
		return Confirmation{}, invalid("reason", "enum", "The reason must be one of "+strings.Join(Reasons(), ", ")+".")
	}
	c.Status, c.Reason, c.DecidedBy, c.DecidedAt = ConfirmRejected, reason, iss.ID, s.cfg.Clock().UTC()
	if err := s.cfg.Confirmations.UpdateConfirmation(ctx, c, ConfirmPending); err != nil {
		return Confirmation{}, decideErr(err)
	}
	s.cfg.Logger.InfoContext(ctx, "confirmation rejected", "confirmation", c, "issuer", iss.ID)
	s.tell(ctx, c)
	return c, s.confirmEvent(ctx, audit.Actor{Type: audit.ActorIssuer, ID: iss.ID}, "document.confirmation_rejected", c)
}

func (s *Service) confirm(ctx context.Context, iss Issuer, c Confirmation, dec Decision) (Confirmation, error) {
	if dec.Ref == "" || len(dec.Ref) > maxRefLen || !utf8.ValidString(dec.Ref) || strings.IndexFunc(dec.Ref, unicode.IsControl) >= 0 {
		return Confirmation{}, invalid("ref", "required", "The issuer's reference for the document is 1 to 200 characters of text.")
	}
	sum := sha256.Sum256([]byte(dec.Document))
	p := Push{Ref: dec.Ref, Type: c.Type, Document: dec.Document, Photo: dec.Photo,
		// One key per request and document: a retry after a failure
		// replays, a corrected document is a new request.
		IdempotencyKey: "confirmation:" + c.ID + ":" + hex.EncodeToString(sum[:12])}
	payload, err := s.checkPush(iss, p)
	if err != nil {
		return Confirmation{}, err
	}
	submitted, err := s.cfg.Vault.Get(ctx, c.CitizenID, c.DocumentID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		s.withdraw(ctx, c)
		return Confirmation{}, decided()
	}
	if err != nil {
		return Confirmation{}, fmt.Errorf("issuer: read submitted document: %w", err)
	}
	if err := sameIdentity(submitted.Fields, payload); err != nil {
		return Confirmation{}, err
	}
	bound, err := s.bindPassport(ctx, c, submitted.Fields)
	if err != nil {
		return Confirmation{}, err
	}
	// unbind gives back a binding this call made, when nothing was stored.
	unbind := func() {
		if bound {
			if err := s.cfg.Store.UnbindCitizenIdentifier(ctx, KindPassport, s.passportKey(c.Type, submitted.Fields), c.CitizenID); err != nil {
				s.cfg.Logger.ErrorContext(ctx, "unbinding a passport failed", "confirmation", c, "err", err)
			}
		}
	}
	// Claim the request: of concurrent decisions exactly one gets here. A
	// confirmation this issuer claimed more than ClaimTimeout ago without
	// storing the document (its instance stopped halfway) is taken over
	// the same way, by one of concurrent retries; the store step replays
	// under the idempotency key.
	claimed := c
	claimed.Status, claimed.DecidedBy, claimed.DecidedAt = ConfirmConfirmed, iss.ID, s.cfg.Clock().UTC()
	if c.Status == ConfirmPending {
		err = s.cfg.Confirmations.UpdateConfirmation(ctx, claimed, ConfirmPending)
	} else {
		err = s.cfg.Confirmations.ReclaimConfirmation(ctx, c.ID, iss.ID, claimed.DecidedAt.Add(-ClaimTimeout), claimed.DecidedAt)
	}
	if err != nil {
		// Another decision won: a confirmation of the same request needs
		// the binding (its call may have found it made by this one), a
		// rejection leaves it to be given back.
		if cur, cerr := s.cfg.Confirmations.Confirmation(ctx, c.ID); cerr != nil || cur.Status != ConfirmConfirmed {
			unbind()
		}
		return Confirmation{}, decideErr(err)
	}
	res, err := s.storeFor(ctx, iss, c.CitizenID, p, payload)
	if err != nil {
		// A document the vault refused leaves nothing stored: a claim made
		// here is given back, if it is still this call's (not taken over
		// after ClaimTimeout), and the request is pending again for any
		// registry. A stored document whose effects failed keeps the claim,
		// which this registry's retry completes after ClaimTimeout.
		if c.Status == ConfirmPending && res.Document.ID == "" {
			if rerr := s.cfg.Confirmations.SettleClaim(ctx, c, claimed); rerr == nil {
				unbind()
			} else {
				s.cfg.Logger.ErrorContext(ctx, "reopening a confirmation request failed", "confirmation", c, "err", rerr)
			}
		}
		return Confirmation{}, err
	}
	done := claimed
	done.IssuerDocumentID = res.Document.ID
	if err := s.cfg.Confirmations.SettleClaim(ctx, done, claimed); err != nil {
		// Another instance took the claim over and records its own document.
		return Confirmation{}, fmt.Errorf("issuer: record confirmed document: %w", decideErr(err))
	}
	claimed = done
	if err := s.cfg.Vault.Delete(ctx, c.CitizenID, c.DocumentID); err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		s.cfg.Logger.ErrorContext(ctx, "deleting a confirmed self-declared document failed", "confirmation", claimed, "err", err)
	}
	s.cfg.Logger.InfoContext(ctx, "confirmation confirmed", "confirmation", claimed, "issuer", iss.ID, "document", res.Document)
	s.tell(ctx, claimed)
	return claimed, s.confirmEvent(ctx, audit.Actor{Type: audit.ActorIssuer, ID: iss.ID}, "document.confirmation_confirmed", claimed)
}

// bindPassport binds the passport to the request's citizen before the
// claim, and refuses (ECONFLICT confirm.error.bound_elsewhere) one already
// confirmed for another account: a citizen could type in a relative's real
// passport, whose data the registry would find correct. The registry should
// reject the request then. The binding is one conditional insert, so two
// accounts sending one passport, decided at once, cannot both win. It holds
// while the other account can still be restored (30 days after deletion)
// and goes when that account is purged. It reports whether it made the
// binding, for the caller to give back if nothing is stored.
func (s *Service) bindPassport(ctx context.Context, c Confirmation, f vault.Fields) (bool, error) {
	made, err := s.cfg.Store.BindCitizenIdentifier(ctx, KindPassport, s.passportKey(c.Type, f), c.CitizenID, s.cfg.Clock().UTC())
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return false, &digitalid.Error{Code: digitalid.ECONFLICT, Key: "confirm.error.bound_elsewhere",
			Message: "This passport is confirmed for another account; reject the request (reason mismatch)."}
	}
	if err != nil {
		return false, fmt.Errorf("issuer: bind passport: %w", err)
	}
	return made, nil
}

// decideErr maps a lost conditional update to the decided conflict.
func decideErr(err error) error {
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return decided()
	}
	return fmt.Errorf("issuer: decide: %w", err)
}

// tell notifies the citizen of a decision, logging a failure.
func (s *Service) tell(ctx context.Context, c Confirmation) {
	if s.cfg.Notifier == nil {
		return
	}
	if err := s.cfg.Notifier.ConfirmationDecided(ctx, c.CitizenID, c.ID, string(c.Status), c.Reason); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "confirmation notification failed", "confirmation", c, "err", err)
	}
}

// identityFields are the fields a confirmation must agree on.
var identityFields = []string{"series", "number", "birth_date"}

// sameIdentity checks that the issuer's payload names the document the
// citizen submitted: the same series, number (digits compared, as the vault
// keeps them) and birth date. A payload that is not a JSON object is
// EINVALID "malformed".
func sameIdentity(submitted vault.Fields, payload []byte) error {
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil {
		return invalid("document", "malformed", "The document's payload must be a JSON object of the document's fields.")
	}
	for _, f := range identityFields {
		v, _ := got[f].(string)
		want := submitted.Text(f)
		if f == "birth_date" {
			v = strings.TrimSpace(v)
		} else {
			v, want = digitsOf(v), digitsOf(want)
		}
		if v == "" || v != want {
			return &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.mismatch",
				Message: "The confirmed document's series, number and birth date must equal those the citizen submitted; reject the request instead.",
				Fields:  []digitalid.FieldError{{Field: "document", Code: "mismatch", Message: "The " + f + " differs from the submitted one."}}}
		}
	}
	return nil
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
