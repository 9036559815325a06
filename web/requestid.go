package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// maxRequestIDLength bounds an accepted incoming X-Request-ID.
const maxRequestIDLength = 64

// requestIDFor returns the request's incoming X-Request-ID when it is safe to
// log and echo (see validRequestID), or a new random one.
func requestIDFor(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); validRequestID(id) {
		return id
	}
	return newRequestID()
}

// newRequestID returns 128 random bits, hex-encoded.
func newRequestID() string {
	return hex.EncodeToString(randomBytes(16))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return b
}

// validRequestID accepts 8 to 64 characters of letters, digits and "-_.:",
// starting with a letter or digit: enough for UUIDs and proxies' IDs, and
// nothing that could forge a log line or a header.
func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || (c != '-' && c != '_' && c != '.' && c != ':')) {
			return false
		}
	}
	return true
}
