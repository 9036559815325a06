package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Bearer secrets handed to clients. Each is a kind prefix and 256 random bits
// in unpadded base64url; the database keeps only its SHA-256, so a copy of
// the database cannot be replayed. The prefix keeps one kind from being
// accepted as another and lets secret scanners recognise a leaked token.
const (
	tokenSession = "dis_" // session token: cookie or Authorization: Bearer
	tokenDevice  = "did_" // device token: long-lived, proves a registered device
	tokenProof   = "dip_" // OTP proof: a verified one-time code, for the next step

	tokenRandomBytes = 32
	tokenLen         = 4 + 43 // prefix + base64url of 32 bytes
)

// newToken returns a fresh token of the given kind and its hash.
func newToken(prefix string) (token string, hash []byte) {
	b := make([]byte, tokenRandomBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics instead)
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

// hashToken is what the database stores for a token.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// parseToken checks that s is shaped like a token of the given kind and
// returns its hash; ok is false for anything else, which callers treat like
// an unknown token without asking the database.
func parseToken(prefix, s string) (hash []byte, ok bool) {
	if len(s) != tokenLen || !strings.HasPrefix(s, prefix) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s[len(prefix):])
	if err != nil || len(b) != tokenRandomBytes {
		return nil, false
	}
	return hashToken(s), true
}
