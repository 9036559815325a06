package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters of PIN hashes.
type Argon2Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
}

// DefaultArgon2 is OWASP's recommended argon2id configuration (Password
// Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. One hash takes about 25 ms
// of one core on the 2-core reference machine, which signs in about 60
// citizens a second with it (BenchmarkSignInPIN). A PIN has at most a
// million values, so whoever steals the database can still try them all
// (about 7 core-hours for six digits, 4 core-minutes for four): the hash
// only slows that down. What protects a PIN is that it never signs in alone
// (a registered device or an SMS code must come with it) and the attempt
// limit, both enforced online.
func DefaultArgon2() Argon2Params { return Argon2Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1} }

// Sizes of the salt and the hash.
const (
	saltLen = 16
	hashLen = 32
	// Bounds parsePINHash accepts, so a tampered row cannot make a
	// sign-in allocate gigabytes or spin for minutes.
	maxArgonMemoryKiB = 1 << 20 // 1 GiB
	maxArgonTime      = 16
)

// hashPIN returns the PHC string of pin under p with a fresh random salt:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func hashPIN(pin string, p Argon2Params) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (it panics instead)
	sum := argon2.IDKey([]byte(pin), salt, p.Time, p.MemoryKiB, p.Threads, hashLen)
	return encodePINHash(p, salt, sum)
}

func encodePINHash(p Argon2Params, salt, sum []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}

// pinHash is a parsed PHC string.
type pinHash struct {
	params Argon2Params
	salt   []byte
	sum    []byte
}

// parsePINHash parses what hashPIN wrote. It refuses other algorithms,
// versions, and parameters outside sane bounds.
func parsePINHash(s string) (pinHash, error) {
	bad := func(why string) (pinHash, error) { return pinHash{}, fmt.Errorf("PIN hash: %s", why) }
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	var h pinHash
	for i, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(val, 10, 32)
		if !ok || err != nil || i > 2 || name != [...]string{"m", "t", "p"}[i] || strconv.FormatUint(n, 10) != val {
			return bad("malformed parameters")
		}
		switch name {
		case "m":
			h.params.MemoryKiB = uint32(n)
		case "t":
			h.params.Time = uint32(n)
		case "p":
			if n > 255 {
				return bad("too many lanes")
			}
			h.params.Threads = uint8(n)
		}
	}
	p := h.params
	if p.Time < 1 || p.Time > maxArgonTime || p.Threads < 1 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxArgonMemoryKiB {
		return bad("parameters out of bounds")
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return bad("bad salt")
	}
	if h.sum, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(h.sum) < 16 || len(h.sum) > 64 {
		return bad("bad hash")
	}
	return h, nil
}

// matches reports in constant time whether pin hashes to h.
func (h pinHash) matches(pin string) bool {
	sum := argon2.IDKey([]byte(pin), h.salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, uint32(len(h.sum)))
	return subtle.ConstantTimeCompare(sum, h.sum) == 1
}
