package account

import (
	"net/netip"
	"testing"
)

func TestParseIP(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":                "203.0.113.7",
		"203.0.113.7:5555":           "203.0.113.7",
		"::ffff:203.0.113.7":         "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"fe80::1%eth0":               "fe80::/64",
	} {
		got, err := parseIP(in)
		if err != nil || got != want {
			t.Errorf("parseIP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "1.2.3", "1.2.3.4.5", "[::1]"} {
		if got, err := parseIP(bad); err == nil {
			t.Errorf("parseIP(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "[::1]:80", "::ffff:1.2.3.4", "fe80::1%eth0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseIP(s)
		if err != nil {
			return
		}
		if a, err := netip.ParseAddr(got); err == nil {
			if !a.Is4() {
				t.Fatalf("parseIP(%q) = %q: an IPv6 address must be cut to its /64", s, got)
			}
			return
		}
		if p, err := netip.ParsePrefix(got); err != nil || p.Bits() != 64 {
			t.Fatalf("parseIP(%q) = %q, want an IPv4 address or an IPv6 /64", s, got)
		}
	})
}
