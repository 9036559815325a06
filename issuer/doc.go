// Package issuer owns the authorities that push documents into citizens'
// vaults: the registry of issuers an operator maintains (their ids, the
// document types each may issue, their public signing keys and whether they
// are active), how an issuer proves who it is on each call (a private_key_jwt
// client assertion, RFC 7523, whose jti is remembered in the database until it
// expires so that a replayed assertion is refused on every instance), and the
// issuing flow itself: verify the document's JWS with the issuer's keys, check
// the type is allowed, find the citizen by phone or by SNILS (a keyed-HMAC
// index this package keeps), store through vault.UpsertFromIssuer, and raise
// the citizen's assurance when a confirmed passport lands.
//
// It speaks no HTTP and imports no adapter: web/issuerapi and the
// `digitalid import` command drive Service, and store.DB implements Store.
package issuer
