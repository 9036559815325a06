package account

import (
	"errors"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
)

// Limit is attached as the cause of the errors an attempt limit produces, so
// the HTTP layer can set Retry-After and tell the citizen how many tries are
// left. Read it with LimitOf.
type Limit struct {
	// RetryAt is when the caller may try again (zero: now).
	RetryAt time.Time
	// AttemptsLeft is how many wrong entries remain before a lock; -1 when
	// unknown or not to be told.
	AttemptsLeft int
}

// Error describes the limit for logs; Limit is only ever a cause.
func (l *Limit) Error() string {
	return fmt.Sprintf("limit: retry at %s, %d attempts left", l.RetryAt.Format(time.RFC3339), l.AttemptsLeft)
}

// LimitOf returns the Limit attached to err, if any.
func LimitOf(err error) (Limit, bool) {
	var l *Limit
	if errors.As(err, &l) {
		return *l, true
	}
	return Limit{}, false
}

// ErrReauthRequired is the cause of the EFORBIDDEN error RequireRecentAuth
// returns: the session is valid but its last PIN or passkey check is too old
// for a sensitive action. The HTTP layer asks for the PIN (or a passkey) and
// retries; it must not send the citizen to the sign-in page.
var ErrReauthRequired = errors.New("re-authentication required")

// userError builds a *digitalid.Error with a translation key.
func userError(code, key, msg string, cause error) *digitalid.Error {
	return &digitalid.Error{Code: code, Key: key, Message: msg, Err: cause}
}

// fieldError is an EINVALID error naming one bad input field.
func fieldError(field, key, msg string) *digitalid.Error {
	return &digitalid.Error{
		Code: digitalid.EINVALID, Key: key, Message: msg,
		Fields: []digitalid.FieldError{{Field: field, Code: digitalid.EINVALID, Message: msg, Key: key}},
	}
}

// limited is an error with a Limit cause.
func limited(code, key, msg string, retryAt time.Time, left int) *digitalid.Error {
	return userError(code, key, msg, &Limit{RetryAt: retryAt, AttemptsLeft: left})
}
