package verify

import "time"

// Outcome is the verdict of one verification. The zero value is none of
// the three, so a forgotten Result never reads as Valid.
type Outcome string

// Outcomes.
const (
	Valid        Outcome = "valid"        // every check passed
	Invalid      Outcome = "invalid"      // the presentation is refused; Reason says why
	Undetermined Outcome = "undetermined" // keys or status could not be obtained; retry online
)

// Purpose names what a verifier asks to see, e.g. "age_over_18".
type Purpose string

// Reasons of this package; the others are sdjwt codes (sdjwt.Code), such as
// "signature", "expired", "kb_stale", "aud" or "unknown_key".
const (
	ReasonMalformed         = "malformed"           // not a QR payload of this format
	ReasonTooLarge          = "too_large"           // payload over MaxPayloadLen
	ReasonUnsupported       = "unsupported_version" // a DIDn: prefix of another version
	ReasonUnknownPurpose    = "unknown_purpose"     // the verifier has no such purpose configured
	ReasonIssuer            = "issuer"              // iss is not Config.Issuer
	ReasonNoKeyBinding      = "no_key_binding"      // no KB-JWT: a copied credential, not a presentation
	ReasonPurposeMismatch   = "purpose_mismatch"    // claims beyond the purpose
	ReasonMissingClaim      = "missing_claim"       // a claim of the purpose is not shown
	ReasonNoStatus          = "no_status"           // no usable status.status_list claim
	ReasonStatusIndex       = "status_index"        // the status index is beyond the (fresh) list
	ReasonRevoked           = "revoked"             // status INVALID
	ReasonSuspended         = "suspended"           // status SUSPENDED
	ReasonStatusOther       = "status_other"        // an application-specific status: not valid
	ReasonKeysUnavailable   = "keys_unavailable"    // JWKS unreachable and no usable cache
	ReasonStatusUnavailable = "status_unavailable"  // status list unreachable or unusable, and no usable cache
	ReasonInternal          = "internal"            // a fault of the verifier's configuration
)

// Result is the answer for one scan. Claims holds the purpose's claims and
// nothing else (numbers as json.Number); it is empty unless Valid.
type Result struct {
	Outcome     Outcome        `json:"outcome"`
	Reason      string         `json:"reason,omitempty"`
	Purpose     Purpose        `json:"purpose"`
	Claims      map[string]any `json:"claims,omitempty"`
	Type        string         `json:"vct,omitempty"`         // the credential type (vct)
	IssuedAt    time.Time      `json:"issued_at,omitzero"`    // credential iat
	ExpiresAt   time.Time      `json:"expires_at,omitzero"`   // credential exp
	PresentedAt time.Time      `json:"presented_at,omitzero"` // KB-JWT iat: when the code was drawn
	StatusAsOf  time.Time      `json:"status_as_of,omitzero"` // when the status list used was fetched
	CheckedAt   time.Time      `json:"checked_at"`            // the verifier's clock
	// Err is the cause behind Reason, for the verifier's logs; it holds no
	// claim value or key, and is not meant for the person scanned.
	Err error `json:"-"`
}

// Valid reports whether the outcome is Valid.
func (r Result) Valid() bool { return r.Outcome == Valid }

func (r Result) refuse(outcome Outcome, reason string, err error) Result {
	r.Outcome, r.Reason, r.Err, r.Claims = outcome, reason, err, nil
	return r
}
