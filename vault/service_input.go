package vault

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// Limits on what an issuer sends besides the document.
const (
	MaxIssuerDocIDLen    = 200       // bytes of an issuer's reference
	MaxIdempotencyKeyLen = 200       // bytes of an idempotency key
	MaxSignatureSize     = 256 << 10 // bytes of the issuer's JWS
)

// checkIssuerCall checks the shape of everything UpsertFromIssuer gets
// besides the document, reporting every bad part.
func checkIssuerCall(issuerID, citizenID, issuerDocID, signature, idempotencyKey string) error {
	fes := checkIssuerRef(issuerID, issuerDocID)
	if citizenID == "" || len(citizenID) > audit.MaxTokenLen || !utf8.ValidString(citizenID) {
		fes = append(fes, inputError("citizen_id", "A citizen id is required."))
	}
	if !compactJWS(signature) {
		fes = append(fes, inputError("signature", "The signature must be a compact JWS."))
	}
	if len(idempotencyKey) > MaxIdempotencyKeyLen || strings.IndexFunc(idempotencyKey, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		fes = append(fes, inputError("idempotency_key", "An idempotency key is up to 200 printable ASCII characters."))
	}
	if len(fes) > 0 {
		return invalidCall(fes)
	}
	return nil
}

// checkIssuerRef checks an issuer id (an opaque id the audit log accepts)
// and the issuer's reference for a document (1 to MaxIssuerDocIDLen bytes
// of text without control characters; it is stored only sealed and as a
// keyed MAC, so it may be a document number).
func checkIssuerRef(issuerID, issuerDocID string) []digitalid.FieldError {
	var fes []digitalid.FieldError
	if issuerID == "" || audit.ValidateDetails(map[string]string{"issuer": issuerID}) != nil {
		fes = append(fes, inputError("issuer_id", "An issuer id is required."))
	}
	if issuerDocID == "" || len(issuerDocID) > MaxIssuerDocIDLen || !utf8.ValidString(issuerDocID) ||
		strings.IndexFunc(issuerDocID, unicode.IsControl) >= 0 {
		fes = append(fes, inputError("issuer_doc_id", "The document reference is 1 to 200 characters of text."))
	}
	return fes
}

// compactJWS reports whether s has the shape of a compact JWS: three
// base64url parts, of which the payload may be empty (detached).
func compactJWS(s string) bool {
	if len(s) > MaxSignatureSize || strings.Count(s, ".") != 2 {
		return false
	}
	parts := strings.Split(s, ".")
	if parts[0] == "" || parts[2] == "" {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'))
	}) < 0
}

func inputError(field, msg string) digitalid.FieldError {
	return digitalid.FieldError{Field: field, Code: CodeFormat, Key: "vault.error.issuer." + field, Message: msg}
}

func invalidCall(fes []digitalid.FieldError) error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: "vault.error.issuer_call", Message: "The request is invalid.", Fields: fes}
}
