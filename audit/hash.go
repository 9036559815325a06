package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"time"
)

// timeLayout is how Time enters the MAC: RFC 3339, UTC, microseconds — the
// precision both databases keep, so a sealed time reads back identical.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Domain-separation labels: an event MAC can never be mistaken for a head MAC
// (or for a MAC of a later format version) even under the same key.
const (
	eventLabel = "digitalid/audit/event/v1"
	headLabel  = "digitalid/audit/head/v1"
)

// sealer computes the keyed MACs that chain events together.
type sealer struct{ key []byte }

// eventHash returns the hex HMAC-SHA256 of the canonical encoding of e (every
// field but Hash itself).
func (s sealer) eventHash(e *Event) string {
	m := hmac.New(sha256.New, s.key)
	m.Write(appendEvent(make([]byte, 0, 512), e))
	return hex.EncodeToString(m.Sum(nil))
}

// headMAC returns the hex HMAC-SHA256 over a chain head.
func (s sealer) headMAC(chain string, seq int64, last string) string {
	var b []byte
	b = appendString(b, headLabel)
	b = appendString(b, chain)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	b = appendString(b, last)
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// appendEvent appends the canonical encoding of e to b: a label, then each
// field in a fixed order, strings as a 4-byte big-endian length and the
// bytes, integers as 8 bytes big-endian, details as a count and their
// key/value pairs sorted by key. Every field is length-prefixed, so no two
// different events encode alike (FuzzCanonicalEncoding checks it).
func appendEvent(b []byte, e *Event) []byte {
	b = appendString(b, eventLabel)
	b = appendString(b, e.ID)
	b = appendString(b, e.Chain)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = appendString(b, e.Time.UTC().Format(timeLayout))
	b = appendString(b, string(e.Actor.Type))
	b = appendString(b, e.Actor.ID)
	b = appendString(b, e.Action)
	b = appendString(b, e.Object)
	b = appendString(b, string(e.Result))
	b = appendString(b, e.IP)
	b = appendString(b, e.RequestID)
	keys := sortedKeys(e.Details)
	b = binary.BigEndian.AppendUint64(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, e.Details[k])
	}
	return appendString(b, e.PrevHash)
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// equalMAC compares two hex MACs in constant time.
func equalMAC(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// truncTime brings t to the precision and zone that are sealed and stored.
func truncTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
