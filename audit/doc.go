// Package audit owns the platform's append-only audit log: who did what to
// whose data, when, from where and with what result.
//
// Events are hash-chained per citizen. Every event names its Chain (the
// citizen whose data it concerns, or SystemChain), carries a sequence number
// 1, 2, 3, ... in that chain and the Hash of the event before it, and is
// sealed with HMAC-SHA256 under a key the database never holds. A heads table
// records, for each chain, its last sequence number and hash under the same
// key, so removing the tail of a chain is detected; the first event of every
// new chain also appends a "chain.opened" event to the system chain, so
// removing a whole chain is detected. Log.Verify walks everything and names
// the first broken link; `digitalid audit verify` prints it.
//
// Nothing is ever updated or deleted through this package.
//
// Event details must not hold plaintext personal data (names, phone numbers,
// document numbers, SNILS, INN, birth dates). Append enforces a conservative
// shape on every free-form value (see ValidateDetails): refer to personal data
// by its id ("document:01HV…"), or, when a value must be matched later without
// being stored, pseudonymise it with Pseudonym.
//
// The package defines the Store it needs; the store package implements it on
// SQLite and PostgreSQL. This package never imports store.
package audit
