// Package vault owns citizens' documents: what kinds of document exist, what
// fields each has and which of them are personal data, and the rules a
// document's fields must satisfy before anything is stored.
//
// Today it holds the document type system and validation: a Registry of
// versioned document types (passport, SNILS, INN, OMS policy, driving
// licence, certificates, student and large-family cards, "other"), each with
// ordered field metadata and labels in Russian, Kazakh and English (embedded
// message files under locales/), and Registry.Validate, which decodes a
// document's JSON strictly, normalises every field and reports every bad
// field at once as a *digitalid.Error with stable codes and message keys.
// Check-digit parsers (SNILS, INN, OMS policy, MRZ) are exported for callers
// that address citizens by these numbers.
//
// Service keeps documents encrypted: each citizen has a random data key
// wrapped by the KeyStore, and every document's fields and scans are sealed
// with AES-256-GCM under it, bound to the row (id, citizen, type, version,
// source, issuer) so ciphertexts cannot be swapped. Only metadata (type,
// status, source, times) is stored in clear, for operator counts. Scans are
// recognised by content and images re-encoded to drop their metadata.
// ShredCitizen destroys the data key (crypto-shredding). Issuers upsert and
// revoke idempotently and only their own documents; reads by anyone but the
// citizen are audit events on the citizen's chain.
//
// The package imports no adapter (no database, no HTTP): the Store interface
// is implemented by the store package, the HTTP API lives in web, and export
// rendering in vault/export.
package vault
