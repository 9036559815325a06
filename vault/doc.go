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
// Encryption of fields and files, storage, exports and the issuer API are
// built on top of this package later; it imports no adapter (no database, no
// HTTP) and keeps no package-level mutable state.
package vault
