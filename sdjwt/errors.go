package sdjwt

import "errors"

// Error is one reason an SD-JWT is refused. Each reason is a distinct value
// so callers can test it with errors.Is; Code is a stable, short identifier
// suitable for logs, JSON output and a scanner's "why" line.
type Error struct {
	Code   string
	text   string
	parent *Error // a broader reason this one refines, matched by errors.Is
}

// Error returns the reason in words; it never holds a claim value or key.
func (e *Error) Error() string { return "sdjwt: " + e.text }

// Unwrap returns the broader reason, so errors.Is(ErrKBStale, ErrKBIat) holds.
func (e *Error) Unwrap() error {
	if e.parent == nil {
		return nil
	}
	return e.parent
}

func newError(code, text string) *Error { return &Error{Code: code, text: text} }

func refine(parent *Error, code, text string) *Error {
	return &Error{Code: code, text: text, parent: parent}
}

// Structural reasons: the input is not a well-formed SD-JWT.
var (
	ErrMalformed            = newError("malformed", "malformed SD-JWT")
	ErrTooLarge             = newError("too_large", "SD-JWT larger than allowed")
	ErrTooManyDisclosures   = newError("too_many_disclosures", "more Disclosures than allowed")
	ErrTooDeep              = newError("too_deep", "JSON nested deeper than allowed")
	ErrBadDisclosure        = newError("bad_disclosure", "Disclosure is not a base64url JSON array of salt, [name,] value")
	ErrReservedClaimName    = newError("reserved_claim_name", "Disclosure names a reserved claim (_sd or ...)")
	ErrDuplicateDisclosure  = newError("duplicate_disclosure", "the same Disclosure is sent more than once")
	ErrBadSDAlg             = newError("bad_sd_alg", "unsupported _sd_alg")
	ErrUnexpectedKeyBinding = newError("unexpected_key_binding", "a Key Binding JWT where none is allowed")
)

// Reasons found while checking the Issuer-signed JWT (RFC 9901 section 7.1).
var (
	ErrAlg                    = newError("alg", "signing algorithm not allowed")
	ErrTyp                    = newError("typ", "unexpected typ of the Issuer-signed JWT")
	ErrUnknownKey             = newError("unknown_key", "no trusted Issuer key for this kid")
	ErrSignature              = newError("signature", "Issuer signature does not verify")
	ErrIssuer                 = newError("issuer", "unexpected iss")
	ErrExpired                = newError("expired", "SD-JWT has expired (exp)")
	ErrNotYetValid            = newError("not_yet_valid", "SD-JWT is not valid yet (nbf)")
	ErrIssuedInFuture         = newError("issued_in_future", "SD-JWT issued in the future (iat)")
	ErrMissingClaim           = newError("missing_claim", "a required claim is missing")
	ErrDuplicateDigest        = newError("duplicate_digest", "a digest appears more than once")
	ErrUnreferencedDisclosure = newError("unreferenced_disclosure", "a Disclosure is not referenced by any digest")
	ErrClaimOverwrite         = newError("claim_overwrite", "a Disclosure would overwrite an existing claim")
	ErrDisclosureMisplaced    = newError("disclosure_misplaced", "an array-element Disclosure in _sd or a property Disclosure in an array")
	ErrProtectedClaim         = newError("protected_claim", "a claim that SD-JWT VC keeps in the clear was selectively disclosed")
)

// Reasons found while checking the Key Binding JWT (RFC 9901 section 7.3).
var (
	ErrNoKeyBinding = newError("no_key_binding", "Key Binding is required but no KB-JWT was presented")
	ErrNoHolderKey  = newError("no_holder_key", "no usable cnf.jwk holder key")
	ErrKBTyp        = newError("kb_typ", "KB-JWT typ is not kb+jwt")
	ErrKBSignature  = newError("kb_signature", "KB-JWT signature does not verify with the holder key")
	ErrKBIat        = newError("kb_iat", "KB-JWT iat outside the accepted window")
	ErrKBStale      = refine(ErrKBIat, "kb_stale", "KB-JWT is too old (iat)")
	ErrKBFuture     = refine(ErrKBIat, "kb_future", "KB-JWT issued in the future (iat)")
	ErrAud          = newError("aud", "KB-JWT aud does not match this Verifier")
	ErrNonce        = newError("nonce", "KB-JWT nonce does not match")
	ErrSDHash       = newError("sd_hash", "KB-JWT sd_hash does not match the presented SD-JWT")
)

// ErrOptions reports a mistake of the caller (bad options or input to Issue,
// Present or Verify), never a property of a presented token.
var ErrOptions = newError("options", "invalid options")

// Code returns the Code of the most specific *Error in err's chain, "" for
// nil and "internal" for an error of another kind.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}
