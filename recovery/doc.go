// Package recovery owns trusted contacts and the account recovery they
// approve.
//
// A citizen aged 14 or more with a confirmed account (assurance standard or
// higher) appoints up to MaxContacts trusted contacts: adults (18 or more,
// confirmed, active account) invited by phone number. The contact accepts or
// declines in their own cabinet; invitations expire after InvitationTTL.
// Either side ends the relationship at any time and both are told. Inviting
// answers the same for every number: an invitation to a number without an
// eligible account is stored inert (no contact, never usable) and shows to
// the inviter exactly as an unanswered one does, until it expires.
//
// A citizen who has active contacts recovers a forgotten PIN or lost
// devices only with them:
//
//	start:     OTPs.Verify(phone, PurposeRecovery) → Start(proof) → request + handle
//	contact:   SendApprovalCode → Approve(code texted to the contact's phone) | Reject
//	citizen:   Complete(handle, second check, new PIN)
//
// Approval alone is not enough: Complete also needs a second check by the
// citizen (a fresh code to their own phone, or a passkey that is still
// registered), then sets the new PIN, ends every session and starts a
// CoolingOffPeriod during which the trusted contacts, the phone number and
// signing certificates cannot be changed or issued (CoolingOff). A request
// expires after RequestTTL; only one is open at a time; ending a
// relationship cancels the open request. Every step is audited on the
// citizen's chain and told to the citizen (inbox and SMS).
//
// Contact approval codes are 6 digits, single use, valid CodeTTL, kept only
// as keyed HMACs, MaxCodeFailures wrong entries per code and MaxCodesSent
// codes per request and contact; the approval itself is one conditional
// update, so concurrent approvals take effect exactly once.
package recovery
