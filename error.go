package digitalid

import (
	"errors"
	"fmt"
)

// Error codes. They are transport-free: the web package maps each to an HTTP
// status and a stable problem+json type, so domain code never speaks HTTP.
const (
	ECONFLICT     = "conflict"     // the action conflicts with current state
	EINTERNAL     = "internal"     // a fault of ours; details are logged, never shown
	EINVALID      = "invalid"      // the caller sent something wrong
	ENOTFOUND     = "not_found"    // the thing does not exist (or is not visible to the caller)
	EUNAUTHORIZED = "unauthorized" // the caller is not authenticated
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	ERATELIMITED  = "rate_limited" // too many attempts; try later
	ETOOLARGE     = "too_large"    // the request body or upload is over its limit
	EUNAVAILABLE  = "unavailable"  // a dependency (database, HSM) is not reachable now
	ELOCKED       = "locked"       // a factor or account is blocked for a while
)

// Error is an error meant to be shown to a user. Message is safe to show (it
// holds no internal detail); Key, when set, names a translation of it in the
// web package's message files so it can be shown in the citizen's language.
// Err is the underlying cause, logged but never shown.
type Error struct {
	Code    string
	Message string
	Key     string
	Fields  []FieldError
	Err     error
}

// FieldError names one bad field of an input, for problem+json "errors".
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Key     string `json:"-"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and message whose cause is err.
func Wrap(code string, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of the first *Error in err's
// chain; for any other error it returns a generic text, never err's own text.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
