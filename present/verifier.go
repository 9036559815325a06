package present

import (
	"log/slog"
	"slices"
	"time"
)

// Status says whether a verifier may call the API.
type Status string

// Statuses of a verifier.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// Verifier is an organisation an operator registered (a shop, a college),
// with the purposes it may ask for.
type Verifier struct {
	ID         string   // random, lower-case base32
	Name       string   // for people: shown to the citizen in "who checked"
	Purposes   []string // purpose names
	Status     Status
	CreatedAt  time.Time
	DisabledAt time.Time // zero while active
	RotatedAt  time.Time // last secret rotation; zero if never
}

// Allows reports whether the verifier may ask for purpose.
func (v Verifier) Allows(purpose string) bool { return slices.Contains(v.Purposes, purpose) }

// Active reports whether the verifier may call the API.
func (v Verifier) Active() bool { return v.Status == StatusActive }

// LogValue logs the id and status only.
func (v Verifier) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", v.ID), slog.String("status", string(v.Status)))
}
