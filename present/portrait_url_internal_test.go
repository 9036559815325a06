package present

import (
	"strings"
	"testing"
)

// FuzzPortraitToken: whatever a client puts in the link, the token check
// never panics and accepts only the canonical form grantPortrait makes.
func FuzzPortraitToken(f *testing.F) {
	good := lowerBase32.EncodeToString(randomBytes(PortraitTokenBytes))
	for _, s := range []string{good, strings.ToUpper(good), good + "a", good[:31], "", "x", "../../etc/passwd", strings.Repeat("a", 32), strings.Repeat("7", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The minted form, stated independently of the decoder: 160 bits
		// are exactly 32 characters of the lower-case base32 alphabet.
		want := len(s) == 32 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") == ""
		if got := validPortraitToken(s); got != want {
			t.Fatalf("validPortraitToken(%q) = %v, want %v", s, got, want)
		}
	})
}

func TestPortraitTokenForm(t *testing.T) {
	for range 100 {
		if tok := lowerBase32.EncodeToString(randomBytes(PortraitTokenBytes)); !validPortraitToken(tok) || len(tok) != 32 {
			t.Fatalf("validPortraitToken(%q) = false for a minted token", tok)
		}
	}
	for _, bad := range []string{"", "a", strings.Repeat("A", 32), strings.Repeat("a", 31) + "1", strings.Repeat("a", 33)} {
		if validPortraitToken(bad) {
			t.Errorf("validPortraitToken(%q) = true", bad)
		}
	}
}
