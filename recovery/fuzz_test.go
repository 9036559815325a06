package recovery

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseHandle: a handle from the outside is either well-formed (and
// hashes to 32 bytes) or refused, never a panic.
func FuzzParseHandle(f *testing.F) {
	h, _ := newHandle()
	for _, s := range []string{h, "", "drh_", "drh_" + string(make([]byte, 43)), h[:len(h)-1] + "=", "dis_" + h[4:]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hash, ok := parseHandle(s)
		if ok && (len(hash) != 32 || len(s) != handleLen) {
			t.Fatalf("parseHandle(%q) = %x, true", s, hash)
		}
	})
}

// FuzzCheckName: a contact name is trimmed, valid UTF-8, 1 to 64 runes,
// without control characters — or refused.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"Bob", " Мама ", "", "\x00", "a\nb", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := checkName(s)
		if err != nil {
			return
		}
		if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen {
			t.Fatalf("checkName(%q) = %q accepted", s, name)
		}
	})
}

// FuzzOrigin: client addresses and user agents from the outside only ever
// become a short approximate origin.
func FuzzOrigin(f *testing.F) {
	f.Add("192.0.2.7", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0")
	f.Add("2001:db8::1", "")
	f.Add("garbage", "Firefox/1 Android")
	f.Fuzz(func(t *testing.T, ip, ua string) {
		if n := approxNetwork(ip); len(n) > 48 {
			t.Fatalf("approxNetwork(%q) = %q", ip, n)
		}
		if b := browserOf(ua); len(b) > 32 {
			t.Fatalf("browserOf(%q) = %q", ua, b)
		}
	})
}
