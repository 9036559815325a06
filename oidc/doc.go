// Package oidc owns the relying parties: the OAuth 2.0 / OpenID Connect
// provider through which an external online system (a bank, an insurer)
// asks for a citizen's documents, and the citizen's consents that grant
// them. The protocol is zitadel/oidc's certified op package; this package
// supplies its storage over our database (Storage), the relying-party
// registry (RelyingParty, Service.AddClient), consents with expiry and
// revocation, pairwise subject identifiers, pushed authorization requests
// (RFC 9126), private_key_jwt client assertions with replay refusal, and
// the audit events of every token issued.
//
// Everything lives in the database behind Store, so several instances over
// one PostgreSQL behave as one: codes are single-use by an atomic update,
// assertion ids by a unique insert, rate-limit windows by counters.
package oidc
