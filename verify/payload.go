package verify

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// PayloadPrefix starts an offline QR payload of version 1.
const PayloadPrefix = "DID1:"

// MaxPayloadLen bounds a QR payload: a version 40 QR code holds at most
// 2,953 bytes, so anything longer did not come from a QR code.
const MaxPayloadLen = 4096

// Payload refusals, tested with errors.Is.
var (
	ErrPayload        = errors.New("verify: not an offline QR payload")
	ErrPayloadSize    = errors.New("verify: QR payload too large")
	ErrPayloadVersion = errors.New("verify: unsupported QR payload version")
)

// FormatPayload returns the QR text for a compact SD-JWT+KB presentation.
func FormatPayload(presentation string) string { return PayloadPrefix + presentation }

// ParsePayload returns the compact SD-JWT presentation a QR payload holds:
// white space around it and the DID1: prefix (any case) are removed; a
// prefix of another version, a character outside base64url, "." and "~",
// or more than MaxPayloadLen bytes is refused. It checks the shape only;
// [Verifier.Verify] checks the rest.
func ParsePayload(payload string) (string, error) {
	if len(payload) > MaxPayloadLen {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrPayloadSize, len(payload), MaxPayloadLen)
	}
	p := strings.TrimSpace(payload)
	if len(p) >= len(PayloadPrefix) && strings.EqualFold(p[:len(PayloadPrefix)], PayloadPrefix) {
		p = p[len(PayloadPrefix):]
	} else if versioned(p) {
		return "", ErrPayloadVersion
	}
	if p == "" || !strings.Contains(p, "~") {
		return "", fmt.Errorf("%w: no SD-JWT", ErrPayload)
	}
	for i := range len(p) {
		if !presentationByte(p[i]) {
			return "", fmt.Errorf("%w: byte 0x%02x at %d", ErrPayload, p[i], i)
		}
	}
	return p, nil
}

// versioned reports whether p starts with "DID<digits>:", the prefix of
// some version of this format.
func versioned(p string) bool {
	if len(p) < 5 || !strings.EqualFold(p[:3], "DID") {
		return false
	}
	i := 3
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	return i > 3 && i < len(p) && p[i] == ':'
}

// presentationByte reports whether b may appear in a compact SD-JWT+KB.
func presentationByte(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' ||
		b == '-' || b == '_' || b == '.' || b == '~'
}

// headerKid returns the kid of the Issuer-signed JWT of a presentation, ""
// when it has none or cannot be read (sdjwt reports the latter).
func headerKid(presentation string) string {
	seg, _, _ := strings.Cut(presentation, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	var h struct {
		Kid string `json:"kid"`
	}
	_ = json.Unmarshal(raw, &h)
	return h.Kid
}
