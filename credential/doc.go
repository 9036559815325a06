// Package credential owns the platform's digital ID credentials: the small
// derived attestations (age_over_14, age_over_18, age_over_21, student,
// large_family) computed from a citizen's issuer-confirmed documents, who may
// hold them (Eligibility), their issuance as batches of single-use SD-JWT VC
// credentials bound to device keys, and their revocation through Token Status
// Lists the platform publishes at /status/{list}.
//
// Derivation reads the vault; nothing derived is stored. Issuance records,
// for each status list index, whose credential it is (citizen, device, source
// document, type), never the credential itself, so revocation can find the
// indexes of a revoked document or a blocked device.
//
// The statuslist subpackage is the wire format of the lists; the sdjwt
// package the wire format of the credentials; the verify package the offline
// verifier that VerifyOffline runs against the platform's own keys and lists.
package credential
