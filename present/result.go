package present

import "time"

// Outcome is the verdict of one verification. The zero value is none of
// the three, so a forgotten Result never reads as Valid.
type Outcome string

// Outcomes.
const (
	Valid        Outcome = "valid"        // every check passed
	Invalid      Outcome = "invalid"      // refused; Reason says why
	Undetermined Outcome = "undetermined" // could not be decided now (offline keys or status unreachable)
)

// Refusal reasons of online verification: stable codes, each its own
// check. Offline refusals use the codes of package verify and sdjwt.
const (
	ReasonMalformed          = "malformed"           // not a QR payload of ours
	ReasonUnknownHandle      = "unknown_handle"      // no such handle (never minted, or purged)
	ReasonExpired            = "expired"             // the handle's 30 seconds are over
	ReasonReplayed           = "replayed"            // the handle was used already
	ReasonPurposeNotAllowed  = "purpose_not_allowed" // the verifier is not registered for the purpose
	ReasonAccountGone        = "account_gone"        // the citizen's account is deleted or gone
	ReasonDeviceBlocked      = "device_blocked"      // the device that showed the code is blocked
	ReasonSessionEnded       = "session_ended"       // the citizen signed out or the session ended
	ReasonNotEligible        = "not_eligible"        // the citizen may no longer have a digital ID
	ReasonCredentialRevoked  = "credential_revoked"  // the source document was revoked or expired
	ReasonOfflineUnavailable = "offline_unavailable" // offline verification is not configured
)

// Mode of a presentation.
const (
	ModeOnline  = "online"
	ModeOffline = "offline"
)

// Result is the answer to one scan. Claims hold the purpose's claims and
// nothing else, and only when Valid; PortraitToken (online mode, when
// Valid) is the token of a portrait link: the citizen's photo for the
// inspector to compare faces, read with VerifierPortrait by the same
// verifier within PortraitTTL, at most PortraitReads times.
type Result struct {
	Outcome       Outcome
	Reason        string
	Purpose       string
	Mode          string
	Claims        map[string]any
	PortraitToken string
	CheckedAt     time.Time
}

// Valid reports whether the outcome is Valid.
func (r Result) Valid() bool { return r.Outcome == Valid }
