// Package citizen is the HTTP adapter of the account domain for citizens:
// the JSON API under /api/v1 (auth, me, sessions, devices, notifications)
// and the server-rendered pages (sign-up, sign-in, the cabinet, security,
// notifications) that work without JavaScript. Register wires both onto a
// web.Server; package account holds every rule, this package only speaks
// HTTP: it reads requests, rate-limits authentication per client address,
// keeps the citizen's tokens in cookies or reads them from the
// Authorization header, and turns account errors into problems or form
// messages in the citizen's language.
//
// # Tokens on the wire
//
//   - Session: "Authorization: Bearer dis_..." for API clients; in browsers
//     the session cookie (__Host-digitalid_session over TLS,
//     digitalid_session over plain HTTP), HttpOnly, SameSite=Lax, Path=/,
//     living as long as the session's absolute lifetime.
//   - Device: the device token (did_...) returned once by sign-up and by a
//     sign-in on a new device; browsers keep it in the long-lived HttpOnly
//     device cookie, so the next sign-in there needs only phone and PIN.
//   - Proof of a verified SMS code (dip_...): returned by
//     /api/v1/auth/otp/verify; pages keep it between steps in a short-lived
//     HttpOnly cookie.
//
// State-changing requests are protected from cross-site forgery by the
// web.Server (http.CrossOriginProtection); bearer-authenticated calls carry
// no ambient credentials.
//
// # Adding authenticated endpoints (passkeys, documents, ...)
//
// Handlers of this package that need a signed-in citizen are wrapped by
// h.api (401 problem) or h.page (redirect to /signin?next=...), which run
// account.Sessions.Authenticate and pass an Auth. Sensitive actions call
// h.recent(a) first: it answers 403 account.reauth_required for the API
// (the client re-authenticates with POST /api/v1/auth/reauth, or a passkey,
// and retries) and, for pages, h.confirm redirects to /account/confirm,
// which asks for the PIN and returns to the page. Authentication endpoints
// call h.allow(r) (the per-address rate limit) first; h.startSession sets
// the cookies of a new session in a browser, and signInJSON is the API's
// answer to any sign-in.
//
// # Documents
//
// When Deps.Vault is set, documents*.go serve the citizen's vault: the API
// under /api/v1/documents (described in openapi-documents.json) and the
// pages under /documents. Reading contents, scans and exports needs a recent
// re-authentication; vault errors are localized with the registry before
// they are returned.
package citizen
