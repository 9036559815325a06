// Package verify is the Go library a verifier (a shop, a college, a
// third-party scanner app) imports to check the digital ID QR codes of the
// platform's citizens in offline mode, without calling the platform's API
// for each scan. It answers one question — does this QR code prove this
// purpose, now? — with a [Result] that is Valid, Invalid (with a stable
// reason) or Undetermined (the answer depends on data it could not get).
//
// # QR payload (version 1)
//
// An offline QR code holds, as text in byte mode:
//
//	DID1:<SD-JWT+KB>
//
// where <SD-JWT+KB> is the compact SD-JWT presentation of RFC 9901
// (Issuer-signed JWT "~" Disclosures "~" KB-JWT), unchanged. The "DID1:"
// prefix (any letter case) tells a scanner an offline presentation from an
// online handle and leaves room for a later format; a payload without it is
// read as a bare presentation too. Surrounding white space is ignored;
// anything but base64url characters, "." and "~" after the prefix is
// refused, as is a payload over [MaxPayloadLen] bytes. [ParsePayload] and
// [FormatPayload] read and write it.
//
// The holder's device builds the presentation from a single-use SD-JWT VC
// credential (typ dc+sd-jwt) with exactly the Disclosures of one purpose and
// a Key Binding JWT signed by the device key named in the credential's
// cnf.jwk, whose claims are: aud = the purpose name (e.g. "age_over_18":
// the wallet cannot know the scanner, but the holder's signature covers
// what they agreed to show), nonce = a fresh random value (at least 96 bits,
// base64url), iat = when the code is drawn, and sd_hash. The screen redraws
// the code every 30 seconds; a verifier accepts a KB-JWT at most 30 seconds
// old (plus 5 seconds of clock skew).
//
// # Checks
//
// [Verifier.Verify] performs every check of RFC 9901 sections 7.1 and 7.3
// (through the sdjwt package) against the issuer's keys, then:
//
//   - the credential's iss must be Config.Issuer;
//   - a Key Binding JWT is required, and its aud must be the purpose asked;
//   - every Disclosure must belong to a claim of the purpose, every claim of
//     the purpose must be present, and no other claim may be in the clear
//     beyond iss, vct, iat, nbf, exp, cnf and status ("purpose_mismatch");
//   - the credential's Token Status List entry must be VALID (see the
//     credential/statuslist package); INVALID is "revoked", SUSPENDED is
//     "suspended".
//
// Cryptographic failures and tampering are Invalid with the sdjwt code as
// reason ("signature", "kb_stale", "expired", ...). A network failure is
// never Invalid: when the issuer's JWKS or the status list cannot be fetched
// and no cached copy is recent enough, the result is Undetermined with
// "keys_unavailable" or "status_unavailable".
//
// # Caching and offline use
//
// The JWKS and Status List Tokens are fetched over HTTPS (plain HTTP only
// to a loopback host, for development), with a timeout and size limits,
// and kept in a [Cache] ([NewMemoryCache], or [NewDirCache] to survive
// restarts). A copy younger than its freshness — the status list's ttl
// claim, else the response's Cache-Control max-age — is used without any
// network. An older copy is refreshed, and if the refresh fails it is still
// used up to Config.MaxKeyAge (keys) or ttl + Config.MaxStatusAge (status
// lists), never past a status list's exp. A token signed by a key id the
// cache does not know makes the verifier refetch the JWKS once (at most
// once a minute), so an issuer key rotation needs no restart.
// [Verifier.Prefetch] fills the caches before going offline; [WithJWKS]
// pins keys loaded from a file ([LoadJWKS]) for fully offline use.
//
// Offline, nothing tells a code shown twice within its 30 seconds from one
// shown once: single use is enforced by online mode only.
//
// The package never logs a payload, a claim value or a key.
package verify
