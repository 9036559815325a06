// Package statuslist implements the Token Status List of
// draft-ietf-oauth-status-list: the compressed bit array that tells a
// Verifier whether a credential the platform issued is still valid,
// revoked or suspended, without the Verifier revealing which credential it
// is checking (herd privacy: one list holds the status of many credentials).
//
// It owns three things and nothing else:
//
//   - [List], the byte array itself: 1, 2, 4 or 8 bits per entry, entry 0
//     in the least significant bits of byte 0 (draft section 4.1);
//   - its JSON form {"bits": N, "lst": base64url(zlib(bytes))}, made by
//     [List.Encode] and read by [Decode], which refuses to inflate more than
//     [MaxBytes] so a small hostile input cannot exhaust memory (zip bomb);
//   - the Status List Token, a JWT of type "statuslist+jwt" signed with any
//     crypto.Signer ([SignToken]) and checked against a JSON Web Key Set
//     ([ParseToken]), and the "status" claim a credential carries to point
//     at one entry of it ([Reference]).
//
// It stores nothing and speaks no HTTP: the credential package allocates
// indices and publishes tokens, the verify package fetches and caches them.
// Every refusal wraps one of the exported Err values, tested with errors.Is;
// no error message carries key material.
package statuslist
