package recovery

import (
	"context"
	"log/slog"
	"time"

	"github.com/digitalid/digitalid/account"
)

// Rules of trusted contacts and recovery.
const (
	MaxContacts      = 3
	MinCitizenAge    = account.MinAccountAge
	MinContactAge    = account.MinDigitalIDAge
	InvitationTTL    = 7 * 24 * time.Hour
	RequestTTL       = 24 * time.Hour
	CoolingOffPeriod = 24 * time.Hour
	CodeTTL          = 10 * time.Minute
	MaxCodeFailures  = 5
	MaxCodesSent     = 3
)

// ContactStatus is where a trusted-contact relationship is.
type ContactStatus string

// Statuses of a relationship as stored. StatusExpired is never stored: a
// pending invitation past its expiry shows as expired.
const (
	StatusPending  ContactStatus = "pending"
	StatusActive   ContactStatus = "active"
	StatusDeclined ContactStatus = "declined"
	StatusEnded    ContactStatus = "ended"
	StatusExpired  ContactStatus = "expired"
)

// Who ended a relationship.
const (
	EndedByCitizen = "citizen"
	EndedByContact = "contact"
)

// ContactRecord is a relationship as stored. ContactID is empty for an
// inert invitation (the number had no eligible account).
type ContactRecord struct {
	ID         string
	CitizenID  string
	ContactID  string
	PhoneKey   []byte // HMAC of the invited number (recovery-phone-index)
	NameSealed []byte // the name the citizen gave, sealed (AAD "contact_name:"+ID)
	Status     ContactStatus
	InvitedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time
	EndedAt    time.Time
	EndedBy    string
}

// RequestStatus is where a recovery request is.
type RequestStatus string

// Statuses of a request. Open and approved requests past their expiry show
// as expired.
const (
	RequestOpen      RequestStatus = "open"
	RequestApproved  RequestStatus = "approved"
	RequestRejected  RequestStatus = "rejected"
	RequestCancelled RequestStatus = "cancelled"
	RequestCompleted RequestStatus = "completed"
	RequestExpired   RequestStatus = "expired"
)

// Reasons a citizen recovers.
const (
	ReasonPIN     = "pin"     // forgotten PIN
	ReasonDevices = "devices" // lost every device
)

// RequestRecord is a recovery request as stored.
type RequestRecord struct {
	ID           string
	CitizenID    string
	HandleHash   []byte // SHA-256 of the handle the recovering browser holds
	Reason       string
	OriginSealed []byte // approximate origin (network, browser), sealed (AAD "origin:"+ID)
	Status       RequestStatus
	CreatedAt    time.Time
	ExpiresAt    time.Time
	DecidedBy    string // the relationship id of the contact who approved or rejected
	DecidedAt    time.Time
	CompletedAt  time.Time
	CheckMethod  string // the citizen's second check: otp or passkey
}

// CodeRecord is a contact's approval code as stored.
type CodeRecord struct {
	RequestID string
	ContactID string // the relationship id
	CodeHash  []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	Failures  int
	Sent      int
	UsedAt    time.Time
}

// PendingApproval is an open request one of whose active contacts is the
// reader, with the relationship through which they may decide it.
type PendingApproval struct {
	Request        RequestRecord
	RelationshipID string
}

// Store keeps trusted contacts and recovery requests. store.DB implements
// it. Times are compared by the store only where a rule must hold across
// concurrent callers.
type Store interface {
	// InsertTrustedContact stores rec unless the citizen already has max
	// relationships that are active or pending and unexpired at now, or
	// one of them is for rec.PhoneKey. Counting and inserting are one
	// atomic step. Returns ECONFLICT for the same number and inserted
	// false when full.
	InsertTrustedContact(ctx context.Context, rec ContactRecord, max int, now time.Time) (inserted bool, err error)
	// TrustedContact returns a relationship. Returns ENOTFOUND if there is none.
	TrustedContact(ctx context.Context, id string) (ContactRecord, error)
	// TrustedContactsOf returns the relationships the citizen started, newest first.
	TrustedContactsOf(ctx context.Context, citizenID string) ([]ContactRecord, error)
	// TrustedContactsFor returns the relationships in which contactID is the
	// contact, newest first.
	TrustedContactsFor(ctx context.Context, contactID string) ([]ContactRecord, error)
	// AnswerTrustedContact turns the pending, unexpired (at at) invitation id whose
	// contact is contactID into to (active or declined). Returns ENOTFOUND
	// otherwise.
	AnswerTrustedContact(ctx context.Context, id, contactID string, to ContactStatus, at time.Time) error
	// EndTrustedContact ends a pending or active relationship at at, recording
	// by, and cancels the citizen's open or approved requests, in one
	// transaction. Returns the ids of the cancelled requests; ENOTFOUND if
	// the relationship is not pending or active.
	EndTrustedContact(ctx context.Context, id, by string, at time.Time) (cancelled []string, err error)

	// CreateRecoveryRequest marks the citizen's open or approved requests that
	// expired by now expired and stores rec. Returns ECONFLICT if the
	// citizen still has an open or approved request.
	CreateRecoveryRequest(ctx context.Context, rec RequestRecord, now time.Time) error
	// Request and RecoveryRequestByHandle return a request. Each returns ENOTFOUND
	// if there is none.
	RecoveryRequest(ctx context.Context, id string) (RequestRecord, error)
	RecoveryRequestByHandle(ctx context.Context, hash []byte) (RequestRecord, error)
	// OpenRecoveryRequest returns the citizen's open or approved request
	// that expires after now. Returns ENOTFOUND if there is none.
	OpenRecoveryRequest(ctx context.Context, citizenID string, now time.Time) (RequestRecord, error)
	// PendingRecoveryApprovals returns the open, unexpired (at now) requests of the
	// citizens of whom contactID is an active contact, newest first.
	PendingRecoveryApprovals(ctx context.Context, contactID string, now time.Time) ([]PendingApproval, error)
	// PutRecoveryCode stores a new approval code for (rec.RequestID, rec.ContactID),
	// replacing an earlier one and counting it, unless maxSent codes were
	// stored for the pair already. Returns false then.
	PutRecoveryCode(ctx context.Context, rec CodeRecord, maxSent int) (stored bool, err error)
	// ReserveRecoveryCodeAttempt counts one entry against the pair's code —
	// atomically, and only if it is unused, expires after now and has
	// fewer than maxFailures failures — and returns it with the count
	// included. Returns ENOTFOUND otherwise.
	ReserveRecoveryCodeAttempt(ctx context.Context, requestID, contactID string, now time.Time, maxFailures int) (CodeRecord, error)
	// ApproveRecoveryRequest, in one transaction: uses the pair's code, and turns
	// the request from open (expiring after at) to approved by contactID,
	// provided contactID is an active relationship of the request's
	// citizen. Returns ENOTFOUND, changing nothing, if any of it fails.
	ApproveRecoveryRequest(ctx context.Context, requestID, contactID string, at time.Time) error
	// RejectRecoveryRequest turns an open or approved, unexpired request rejected
	// by contactID (an active relationship of its citizen). Returns
	// ENOTFOUND otherwise.
	RejectRecoveryRequest(ctx context.Context, requestID, contactID string, at time.Time) error
	// CancelRecoveryRequest cancels an open or approved request. Returns ENOTFOUND
	// otherwise.
	CancelRecoveryRequest(ctx context.Context, id string, at time.Time) error
	// CompleteRecoveryRequest, in one transaction: turns an approved request that
	// expires after at completed (recording method), ends every open
	// session of its citizen (reason endReason), sets the citizen's
	// cooling-off end to until, stores pin (a PIN of the request's citizen,
	// from account.PINs.Prepare) and clears the citizen's
	// account.FactorPIN counter. Returns ENOTFOUND, changing nothing, if the
	// request is not approved or has expired, and EINVALID if pin is for
	// another citizen.
	CompleteRecoveryRequest(ctx context.Context, id, method, endReason string, at, until time.Time, pin account.PINRecord) error
	// CoolingOffUntil returns the end of the citizen's last cooling-off
	// period, zero if there was none.
	CoolingOffUntil(ctx context.Context, citizenID string) (time.Time, error)
	// PurgeRecovery deletes requests, codes and ended, declined or expired
	// relationships that ended or expired before before, and cooling-off
	// rows that ended before before. Returns how many rows it deleted.
	PurgeRecovery(ctx context.Context, before time.Time) (int64, error)
}

// Contact is a relationship as the citizen who appointed the contact sees
// it. Whether the number belongs to an account never shows: an invitation
// that is inert or was declined is Pending until it expires.
type Contact struct {
	ID         string
	Name       string
	Status     ContactStatus // pending, active, expired or ended
	InvitedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time
	EndedAt    time.Time
}

// LogValue keeps the name out of logs.
func (c Contact) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("status", string(c.Status)))
}

// Trust is a relationship as the contact sees it: an invitation to answer or
// a citizen whose recovery they approve.
type Trust struct {
	ID          string
	Phone       string // the citizen's number, E.164
	Status      ContactStatus
	InvitedAt   time.Time
	ExpiresAt   time.Time
	AcceptedAt  time.Time
	ByCitizenID string
}

// LogValue keeps the phone out of logs.
func (t Trust) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID), slog.String("status", string(t.Status)))
}

// Origin is where a recovery was started from, approximately.
type Origin struct {
	Network string `json:"network"` // e.g. 192.0.2.x
	Browser string `json:"browser"` // e.g. Chrome, Linux
}

// Approval is an open request as the contact who may decide it sees it.
type Approval struct {
	ID             string
	RelationshipID string
	Phone          string // the citizen's number
	Reason         string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	Origin         Origin
}

// LogValue keeps the phone and origin out of logs.
func (a Approval) LogValue() slog.Value { return slog.GroupValue(slog.String("id", a.ID)) }

// Request is a recovery request as the recovering citizen sees it.
type Request struct {
	ID        string
	Status    RequestStatus
	Reason    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Started is what Start hands the recovering browser: the request id and
// the handle that proves it started it (kept in a cookie, never logged).
type Started struct {
	ID        string
	Handle    string
	ExpiresAt time.Time
}
