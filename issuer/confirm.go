package issuer

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/digitalid/digitalid/vault"
)

// A citizen at the basic level may send a self-declared passport to the
// registries for confirmation; an issuer allowed the passport's type lists
// the pending requests, checks the data against its register, and either
// confirms it — sending its own signed document exactly like a Push, which
// then replaces the self-declared one and raises the citizen to standard —
// or rejects it with a reason.

// ConfirmStatus is the state of a confirmation request.
type ConfirmStatus string

// States of a confirmation request. Only a pending request may change, and
// only once.
const (
	ConfirmPending   ConfirmStatus = "pending"
	ConfirmConfirmed ConfirmStatus = "confirmed"
	ConfirmRejected  ConfirmStatus = "rejected"
	ConfirmCancelled ConfirmStatus = "cancelled"
)

// Reasons an issuer may give for a rejection.
const (
	ReasonNotFound        = "not_found"        // no such document in the register
	ReasonMismatch        = "mismatch"         // the register holds other data
	ReasonInvalidDocument = "invalid_document" // the document is void (lost, replaced, expired)
	ReasonOther           = "other"
)

// Reasons lists the rejection reasons, in a fixed order.
func Reasons() []string {
	return []string{ReasonNotFound, ReasonMismatch, ReasonInvalidDocument, ReasonOther}
}

// ConfirmableTypes are the document types whose confirmation proves
// identity, and the only ones a citizen may send for confirmation.
func ConfirmableTypes() []string { return []string{"passport_ru", "passport_international"} }

// Confirmable reports whether documents of typeID may be sent for
// confirmation.
func Confirmable(typeID string) bool { return slices.Contains(ConfirmableTypes(), typeID) }

// Limits on confirmation requests.
const (
	// MaxConfirmPerDay is how many requests a citizen may send in one day
	// (a fixed UTC day, counted in the database).
	MaxConfirmPerDay = 3
	// DefaultPendingLimit and MaxPendingLimit bound one Pending page.
	DefaultPendingLimit = 50
	MaxPendingLimit     = 200
)

// Confirmation is one request of a citizen to confirm a self-declared
// document.
type Confirmation struct {
	ID         string
	CitizenID  string
	DocumentID string // the self-declared document (deleted once confirmed)
	Type       string
	Status     ConfirmStatus
	Reason     string // a rejection's reason; "" otherwise
	DecidedBy  string // the issuer that confirmed or rejected; "" otherwise
	// IssuerDocumentID is the vault id of the issuer's document that
	// replaced the self-declared one once confirmed.
	IssuerDocumentID string
	CreatedAt        time.Time
	DecidedAt        time.Time // zero while pending
}

// ClaimTimeout is how long a confirmation claimed by an issuer may stay
// without its document before that issuer's retry may take it over: far
// longer than a decision takes, so a retry never races a live decision.
const ClaimTimeout = 5 * time.Minute

// unfinishedBy reports whether c is a confirmation issuer claimed and did
// not finish (no document recorded) before staleBefore, which a confirm
// decision by the same issuer may take over (ReclaimConfirmation).
func (c Confirmation) unfinishedBy(issuer, kind string, staleBefore time.Time) bool {
	return c.Status == ConfirmConfirmed && c.IssuerDocumentID == "" && c.DecidedBy == issuer && kind == DecisionConfirm &&
		c.DecidedAt.Before(staleBefore)
}

// LogValue logs ids and states only.
func (c Confirmation) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("citizen", c.CitizenID),
		slog.String("type", c.Type), slog.String("status", string(c.Status)))
}

// PendingConfirmation is a pending request as an issuer sees it: with the
// fields the citizen submitted, decrypted for it.
type PendingConfirmation struct {
	Confirmation
	Fields vault.Fields
}

// ConfirmStore keeps confirmation requests. store.DB implements it.
type ConfirmStore interface {
	// CreateConfirmation inserts a pending request unless the citizen has
	// made max requests created at or after since, counting and inserting
	// in one transaction that holds the citizen's row, so that concurrent
	// requests on any instance never exceed max. Returns ERATELIMITED when
	// they would, ECONFLICT if the citizen has a pending request of the same
	// type (a unique index) and ENOTFOUND if the citizen does not exist.
	CreateConfirmation(ctx context.Context, c Confirmation, max int, since time.Time) error
	// Confirmation returns the request with id. Returns ENOTFOUND if none.
	Confirmation(ctx context.Context, id string) (Confirmation, error)
	// DocumentConfirmation returns the citizen's pending request about the
	// document docID, else its confirmed one, else the latest. Returns
	// ENOTFOUND if there is none.
	DocumentConfirmation(ctx context.Context, citizenID, docID string) (Confirmation, error)
	// PendingConfirmations returns up to limit pending requests of the
	// types, of active citizens only, oldest first.
	PendingConfirmations(ctx context.Context, types []string, limit int) ([]Confirmation, error)
	// UpdateConfirmation stores c's status, reason, decider, decision time
	// and issuer document if the stored request's status is still from (a
	// conditional update: of two instances changing one request at once,
	// exactly one wins). Returns ECONFLICT if the status is no longer
	// from and ENOTFOUND if there is no such request.
	UpdateConfirmation(ctx context.Context, c Confirmation, from ConfirmStatus) error
	// ReclaimConfirmation takes over, for the issuer that claimed it, a
	// request it confirmed before staleBefore without recording a document
	// (its instance stopped halfway), setting the decision time to at.
	// Exactly one of concurrent callers wins; the others, and every call on
	// a request that is not such a stale claim of issuerID, get ECONFLICT.
	ReclaimConfirmation(ctx context.Context, id, issuerID string, staleBefore, at time.Time) error
	// SettleClaim stores c's status, reason, decider, decision time and
	// issuer document if the request is still exactly the unfinished claim
	// (confirmed by claim.DecidedBy at claim.DecidedAt, no document yet):
	// a claim another instance took over after ClaimTimeout, or finished,
	// is not overwritten by the stale one. Returns ECONFLICT otherwise.
	SettleClaim(ctx context.Context, c, claim Confirmation) error
}

// ConfirmNotifier tells a citizen how their request was decided;
// *account.Notifications implements it (an inbox note and an SMS). outcome
// is "confirmed" or "rejected".
type ConfirmNotifier interface {
	ConfirmationDecided(ctx context.Context, citizenID, confirmationID, outcome, reason string) error
}
