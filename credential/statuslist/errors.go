package statuslist

import "errors"

// Reasons a Status List, Status List Token or status reference is refused.
// They are distinct values so callers can tell a caller mistake (ErrBits,
// ErrIndex, ErrValue) from a bad token (the rest) with errors.Is.
var (
	ErrBits         = errors.New("statuslist: bits must be 1, 2, 4 or 8")
	ErrIndex        = errors.New("statuslist: index outside the list")
	ErrValue        = errors.New("statuslist: status value does not fit the list's bits")
	ErrMalformed    = errors.New("statuslist: malformed status list")
	ErrTooLarge     = errors.New("statuslist: status list larger than allowed")
	ErrTyp          = errors.New("statuslist: token typ is not statuslist+jwt")
	ErrAlg          = errors.New("statuslist: signing algorithm not allowed")
	ErrUnknownKey   = errors.New("statuslist: no trusted key for the token")
	ErrSignature    = errors.New("statuslist: token signature does not verify")
	ErrSubject      = errors.New("statuslist: token sub is not the expected status list URI")
	ErrExpired      = errors.New("statuslist: token has expired")
	ErrNotYetValid  = errors.New("statuslist: token is not valid yet (iat or nbf in the future)")
	ErrMissingClaim = errors.New("statuslist: a required claim is missing or has the wrong type")
	ErrOptions      = errors.New("statuslist: invalid arguments")
)
