package citizen

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/digitalid/digitalid/account"
)

func TestMaskPhone(t *testing.T) {
	tests := map[string]string{
		"+77011234567":  "+7 *** *** 45 67",
		"+74951234567":  "+7 *** *** 45 67",
		"+12025550143":  "+1 *** *** 01 43",
		"+4930123456":   "+49 *** * 34 56",
		"+998901234567": "+998 *** ** 45 67",
		"not a number":  "***",
	}
	for in, want := range tests {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeviceNameFrom(t *testing.T) {
	tests := map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36":                           "Chrome, Linux",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1": "Safari, iPhone",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0":                   "Edge, Windows",
		"Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0":                                                                    "Firefox, Android",
		"curl/8.5.0": "Browser",
		"":           "Browser",
	}
	for in, want := range tests {
		if got := deviceNameFrom(in); got != want {
			t.Errorf("deviceNameFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDeviceNameFrom: whatever the User-Agent, the suggestion is a device
// name the account service accepts.
func FuzzDeviceNameFrom(f *testing.F) {
	for _, s := range []string{"", "Chrome/1 Linux", "\x00Firefox/\xff", strings.Repeat("Edg/", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		got := deviceNameFrom(ua)
		if got == "" || !utf8.ValidString(got) || len(got) > account.MaxDeviceName {
			t.Fatalf("deviceNameFrom(%q) = %q", ua, got)
		}
	})
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, token string
		ok            bool
	}{
		{"Bearer dis_abc", "dis_abc", true},
		{"bearer dis_abc", "dis_abc", true},
		{"BEARER  dis_abc ", "dis_abc", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearer a b", "", false},
		{"Basic dis_abc", "", false},
		{"dis_abc", "", false},
	}
	for _, tt := range tests {
		if tok, ok := bearerToken(tt.header); tok != tt.token || ok != tt.ok {
			t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tt.header, tok, ok, tt.token, tt.ok)
		}
	}
}

// FuzzBearerToken: a token read from the header never holds white space and
// is never empty.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer dis_x", "bearer\tx", "Bearer  ", " Bearer x", "Bearer x\x00y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tok, ok := bearerToken(header)
		if ok && (tok == "" || strings.ContainsAny(tok, " \t")) {
			t.Fatalf("bearerToken(%q) = %q", header, tok)
		}
		if !ok && tok != "" {
			t.Fatalf("bearerToken(%q) refused but returned %q", header, tok)
		}
	})
}

func TestSecondsUntil(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    string
		want int
	}{{"0s", 1}, {"-5s", 1}, {"1ms", 1}, {"1s", 1}, {"1001ms", 2}, {"15m", 900}} {
		d, _ := time.ParseDuration(tc.d)
		if got := secondsUntil(now.Add(d), now); got != tc.want {
			t.Errorf("secondsUntil(now+%s) = %d, want %d", tc.d, got, tc.want)
		}
	}
}
