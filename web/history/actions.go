package history

import "github.com/digitalid/digitalid/audit"

// party says whose name an action's text takes as its first argument
// (%[1]s): nobody, the actor (a verifier, relying party or issuer), or the
// relying party named in the "relying_party" detail (consents).
type party int

const (
	noParty     party = iota
	actorParty        // the event's actor
	detailParty       // Details["relying_party"], a relying-party id
)

// spec is how an action is told in words.
type spec struct {
	party party
	// access marks actions by which someone other than the citizen reaches
	// their data (the "Only access to my data" filter keeps those whose
	// actor is a verifier, relying party, issuer or operator).
	access bool
}

// Key is the translation key of an action's text.
func Key(action string) string { return "history.action." + action }

// actions are every action recorded on a citizen's chain (account, vault,
// issuer, credential, present, oidc and recovery packages). An action not
// here is shown with the generic text and its raw name.
var actions = map[string]spec{
	// account
	"account.signup":           {},
	"account.signin":           {},
	"account.reauth":           {},
	"account.pin.changed":      {},
	"account.pin.locked":       {},
	"account.passkey.added":    {},
	"account.passkey.renamed":  {},
	"account.passkey.removed":  {},
	"account.session.ended":    {},
	"account.device.blocked":   {},
	"account.phone.changed":    {},
	"account.deleted":          {},
	"account.restored":         {},
	"account.restore.locked":   {},
	"account.restore_held":     {},
	"account.purged":           {},
	"account.proofing.attempt": {},
	"account.proofing.review":  {access: true},
	// vault
	"document.created":   {party: actorParty, access: true},
	"document.updated":   {party: actorParty, access: true},
	"document.revoked":   {party: actorParty, access: true},
	"document.deleted":   {},
	"document.read":      {party: actorParty, access: true},
	"documents.shredded": {},
	// issuer
	"issuer.document_push": {party: actorParty, access: true},
	// issuer: passport confirmation by a registry
	"document.confirmation_requested": {},
	"document.confirmation_cancelled": {},
	"document.confirmation_confirmed": {party: actorParty, access: true},
	"document.confirmation_rejected":  {party: actorParty, access: true},
	// credential
	"credential.issued":  {},
	"credential.revoked": {},
	// present
	"presentation.checked":       {party: actorParty, access: true},
	"presentation.portrait_read": {party: actorParty, access: true},
	// oidc
	"consent.granted":   {party: detailParty},
	"consent.revoked":   {party: detailParty},
	"attestation.read":  {party: actorParty, access: true},
	"oidc.token.issued": {party: actorParty, access: true},
	// recovery
	"recovery.requested":           {},
	"recovery.cancelled":           {},
	"recovery.code.sent":           {},
	"recovery.approved":            {},
	"recovery.rejected":            {},
	"recovery.check":               {},
	"recovery.completed":           {},
	"recovery.contact.invited":     {},
	"recovery.contact.accepted":    {},
	"recovery.contact.ended":       {},
	"recovery.invitation.received": {},
	"recovery.invitation.accepted": {},
	"recovery.invitation.declined": {},
}

// accessActions are the actions the access filter asks the log for.
var accessActions = func() []string {
	var l []string
	for a, s := range actions {
		if s.access {
			l = append(l, a)
		}
	}
	return l
}()

// accessActor reports whether t is someone other than the citizen and the
// platform itself reaching the citizen's data.
func accessActor(t audit.ActorType) bool {
	switch t {
	case audit.ActorVerifier, audit.ActorRelyingParty, audit.ActorIssuer, audit.ActorOperator:
		return true
	}
	return false
}

// reasons are the reason and outcome tokens events carry that have a text
// of their own: "history.reason.<action>.<token>" when the token means
// something particular to the action, else "history.reason.<token>"; other
// tokens fall back to the Digital ID's reason texts, then to the token.
var reasons = []string{
	"signout", "ended", "device_blocked", "citizen", "cabinet", "contact_ended",
	"match", "no_match", "locked", "blocked", "unavailable", "challenge_refused",
	"account.signin.pin", "account.signin.account", "account.signin.proof",
	"account.signin.user_verification", "account.signin.counter", "account.signin.failed",
	"account.signin.ceremony", "account.signin.blocked",
	"account.restored.pin", "account.restored.birth_date", "account.restored.face",
	"document.confirmation_rejected.not_found", "document.confirmation_rejected.mismatch",
	"document.confirmation_rejected.invalid_document", "document.confirmation_rejected.other",
	"credential.revoked.document", "credential.revoked.citizen",
	"recovery.requested.pin", "recovery.requested.devices", "recovery.requested.open",
}
