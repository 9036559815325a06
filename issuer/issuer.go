package issuer

import (
	"context"
	"log/slog"
	"regexp"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Status says whether an issuer may call the API.
type Status string

// Statuses of an issuer.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// Issuer is an authority registered by an operator.
type Issuer struct {
	ID           string   // short slug, e.g. "mvd"
	Name         string   // for people
	AllowedTypes []string // vault type ids it may issue
	// PublicKeys are the issuer's signing keys: client assertions and
	// documents must verify under one of them.
	PublicKeys jose.JSONWebKeySet
	Status     Status
	CreatedAt  time.Time
	DisabledAt time.Time // zero while active
}

// Allows reports whether the issuer may issue documents of typeID.
func (i Issuer) Allows(typeID string) bool {
	for _, t := range i.AllowedTypes {
		if t == typeID {
			return true
		}
	}
	return false
}

// LogValue logs the id and status only.
func (i Issuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", i.ID), slog.String("status", string(i.Status)))
}

// Identifier kinds of the citizen index.
const (
	KindSNILS = "snils"
	// KindPassport indexes confirmed passports (passportKey), so that a
	// registry cannot confirm one passport for a second account.
	KindPassport = "passport"
)

// Store keeps issuers, used assertion ids and the citizen identifier index.
// store.DB implements it.
type Store interface {
	// CreateIssuer inserts an issuer. Returns ECONFLICT if the id exists.
	CreateIssuer(ctx context.Context, i Issuer) error
	// Issuer returns the issuer with id. Returns ENOTFOUND if there is none.
	Issuer(ctx context.Context, id string) (Issuer, error)
	// Issuers returns every issuer, by id.
	Issuers(ctx context.Context) ([]Issuer, error)
	// DisableIssuer marks the issuer disabled at at (a disabled one stays
	// disabled, keeping its first time). Returns ENOTFOUND if there is none.
	DisableIssuer(ctx context.Context, id string, at time.Time) error
	// UseAssertion records that the issuer's assertion jti was used, until
	// expiresAt. Returns ECONFLICT if it was recorded before (a replay), on
	// any instance: it is a unique insert.
	UseAssertion(ctx context.Context, issuerID, jti string, expiresAt time.Time) error
	// PurgeAssertions deletes assertion ids that expired before now.
	PurgeAssertions(ctx context.Context, now time.Time) (int64, error)
	// PutCitizenIdentifier maps the keyed MAC of an identifier of kind to
	// the citizen (the latest issuer push wins). Returns ENOTFOUND if the
	// citizen does not exist.
	PutCitizenIdentifier(ctx context.Context, kind string, mac []byte, citizenID string, at time.Time) error
	// CitizenByIdentifier returns the citizen id the MAC maps to. Returns
	// ENOTFOUND if none.
	CitizenByIdentifier(ctx context.Context, kind string, mac []byte) (string, error)
	// BindCitizenIdentifier maps the MAC to citizenID unless it maps to
	// another citizen: the insert is one statement on the identifier's
	// unique key, so of concurrent callers for different citizens exactly
	// one wins. It reports whether it made the mapping (false when it was
	// already citizenID's) and returns ECONFLICT, changing nothing, when
	// another citizen holds it. The mapping goes with its citizen's row.
	BindCitizenIdentifier(ctx context.Context, kind string, mac []byte, citizenID string, at time.Time) (bool, error)
	// UnbindCitizenIdentifier deletes the mapping if it maps to citizenID.
	UnbindCitizenIdentifier(ctx context.Context, kind string, mac []byte, citizenID string) error
}

// idPattern is an issuer id: a short lower-case slug.
var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,31}$`)

// ValidID reports whether id is a well-formed issuer id.
func ValidID(id string) bool { return idPattern.MatchString(id) }
