// Package sdjwt implements Selective Disclosure for JSON Web Tokens (SD-JWT,
// RFC 9901) and the parts of SD-JWT VC (draft-ietf-oauth-sd-jwt-vc) the
// platform needs: the `dc+sd-jwt` type, `vct`, and the claims that must stay
// in the clear. It owns the wire format of every credential the platform
// issues and every offline presentation a citizen shows as a QR code, so it
// is written by us on go-jose rather than taken from a library that follows
// an older draft.
//
// Three roles use it:
//
//   - the Issuer calls [Issue] to turn a claim set into an SD-JWT whose
//     chosen claims (object properties or array elements, nested to any
//     depth) are replaced by salted digests;
//   - the Holder calls [Parse] and [Present] to keep only the Disclosures a
//     purpose needs and to bind them to a Verifier with a Key Binding JWT;
//   - the Verifier calls [Verify], which performs every check of RFC 9901
//     sections 7.1 and 7.3 and returns the processed payload.
//
// Every failure is one of the exported *Error values (ErrDuplicateDigest,
// ErrSDHash, ...), wrapped with context, so callers test them with errors.Is
// and show [Code] to a person without showing internal detail. No error
// message carries a claim value, salt or key.
//
// The package stores nothing and speaks no HTTP: keys come in as
// crypto.Signer values and JSON Web Key Sets, time as an injected clock.
package sdjwt
