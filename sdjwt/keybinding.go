package sdjwt

import (
	"crypto"
	"fmt"
	"time"
)

// checkKeyBinding verifies the KB-JWT of sd against the holder key and this
// Verifier's policy (RFC 9901 section 7.3) and returns its iat. sdPart is the
// presentation up to and including its last "~", exactly as received.
func (o VerifyOptions) checkKeyBinding(sd *SDJWT, sdPart string, holder crypto.PublicKey, now time.Time) (time.Time, error) {
	claims := sd.kbPayload
	alg, err := checkHeader(sd.kbHeader, TypKB, ErrKBTyp, o.AllowedAlgs)
	if err != nil {
		return time.Time{}, fmt.Errorf("KB-JWT: %w", err)
	}
	if err := verifyCompact(sd.KeyBindingJWT, alg, holder); err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrKBSignature, err)
	}
	iat, ok, err := numericDate(claims, "iat")
	if err != nil || !ok {
		return time.Time{}, fmt.Errorf("%w: missing or not a NumericDate", ErrKBIat)
	}
	if iat.After(now.Add(o.ClockSkew)) {
		return time.Time{}, fmt.Errorf("%w: %s ahead", ErrKBFuture, iat.Sub(now))
	}
	if now.Sub(iat) > o.KBMaxAge+o.ClockSkew {
		return time.Time{}, fmt.Errorf("%w: %s old, limit %s", ErrKBStale, now.Sub(iat), o.KBMaxAge)
	}
	// aud must be a single string (RFC 9901 section 4.3), unlike a JWT aud.
	aud, ok := claims["aud"].(string)
	if !ok || o.Aud != "" && aud != o.Aud {
		return time.Time{}, ErrAud
	}
	nonce, ok := claims["nonce"].(string)
	if !ok || o.Nonce != "" && !equalHash(nonce, o.Nonce) {
		return time.Time{}, ErrNonce
	}
	sdHash, ok := claims["sd_hash"].(string)
	if !ok || !equalHash(sdHash, digest(sdPart)) {
		return time.Time{}, ErrSDHash
	}
	// Any further registered claims must hold too (RFC 7519, RFC 8725).
	if exp, ok, err := numericDate(claims, "exp"); err != nil || ok && !now.Before(exp.Add(o.ClockSkew)) {
		return time.Time{}, fmt.Errorf("%w: KB-JWT exp", ErrKBStale)
	}
	if nbf, ok, err := numericDate(claims, "nbf"); err != nil || ok && now.Add(o.ClockSkew).Before(nbf) {
		return time.Time{}, fmt.Errorf("%w: KB-JWT nbf", ErrKBFuture)
	}
	return iat, nil
}
