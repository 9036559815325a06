package account

import (
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"strings"
	"time"
)

// Assurance is how sure the platform is of a citizen's identity.
type Assurance string

const (
	// AssuranceBasic: the phone number is confirmed, nothing else.
	AssuranceBasic Assurance = "basic"
	// AssuranceStandard: identity data confirmed by an issuer registry.
	AssuranceStandard Assurance = "standard"
	// AssuranceHigh: standard plus a successful biometric match.
	AssuranceHigh Assurance = "high"
)

// Rank orders assurance levels: basic < standard < high; unknown is 0.
func (a Assurance) Rank() int {
	switch a {
	case AssuranceBasic:
		return 1
	case AssuranceStandard:
		return 2
	case AssuranceHigh:
		return 3
	}
	return 0
}

// AtLeast reports whether a is at least min.
func (a Assurance) AtLeast(min Assurance) bool { return a.Rank() >= min.Rank() && a.Rank() > 0 }

// Status is where an account is in its life.
type Status string

const (
	StatusActive  Status = "active"  // in use
	StatusDeleted Status = "deleted" // restorable until the restore window ends, then shredded
)

// Age thresholds the platform's rules read.
const (
	MinAccountAge   = 14 // an account is allowed from 14
	MinDigitalIDAge = 18 // the digital ID and being a trusted contact from 18
	RestoreWindow   = 30 * 24 * time.Hour
	idPrefixCitizen = "c_"
	idRandomBytes   = 16
)

// Citizen is a person with an account. Phone is E.164. BirthDate is zero until
// a confirmed identity document provides it.
type Citizen struct {
	ID        string
	Phone     string
	Lang      string
	Assurance Assurance
	BirthDate time.Time
	Status    Status
	CreatedAt time.Time
	DeletedAt time.Time
}

// LogValue keeps personal data (phone, birth date) out of logs.
func (c Citizen) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", c.ID),
		slog.String("assurance", string(c.Assurance)),
		slog.String("status", string(c.Status)),
	)
}

// Age returns the citizen's age in whole years at now, and false when the
// birth date is not confirmed.
func (c Citizen) Age(now time.Time) (int, bool) {
	if c.BirthDate.IsZero() {
		return 0, false
	}
	return AgeAt(c.BirthDate, now), true
}

// AgeAt returns the age in whole years of someone born on birth, at now. A
// person born on 29 February turns a year older on 1 March in common years.
func AgeAt(birth, now time.Time) int {
	by, bm, bd := birth.Date()
	ny, nm, nd := now.In(birth.Location()).Date()
	age := ny - by
	if nm < bm || (nm == bm && nd < bd) {
		age--
	}
	return age
}

// NewID returns a random identifier with the given prefix, e.g. "c_" for
// citizens. Ids are random, never derived from personal data, so they can
// appear in audit events and logs.
//
// The audit log refuses values holding a run of six or more digits (they look
// like phone or document numbers) unless the whole segment is an opaque id,
// which a prefixed id is not; about one random id in 1,500 has such a run, so
// NewID draws again until it has none.
func NewID(prefix string) string {
	b := make([]byte, idRandomBytes)
	for {
		if _, err := rand.Read(b); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		id := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
		if longestDigitRun(id) <= maxIDDigitRun {
			return prefix + id
		}
	}
}

// maxIDDigitRun is the longest run of digits NewID lets through.
const maxIDDigitRun = 5

func longestDigitRun(s string) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// NewCitizenID returns a fresh citizen id.
func NewCitizenID() string { return NewID(idPrefixCitizen) }
