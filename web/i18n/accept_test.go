package i18n

import (
	"slices"
	"strings"
	"testing"
)

func TestParseAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   []Range
	}{
		{"", nil},
		{"kk", []Range{{"kk", 1}}},
		{"kk-KZ,kk;q=0.9,ru;q=0.8,en;q=0.7", []Range{{"kk-kz", 1}, {"kk", 0.9}, {"ru", 0.8}, {"en", 0.7}}},
		{"en;q=0.5, ru", []Range{{"ru", 1}, {"en", 0.5}}},
		{"de;q=0, en", []Range{{"en", 1}}},
		{"*;q=0.1, zh-Hant-TW", []Range{{"zh-hant-tw", 1}, {"*", 0.1}}},
		{"en;q=1.5, ru;q=abc, kk;q=0.3333, fr;q=0.333", []Range{{"fr", 0.333}}},
		{"en ; Q=0.4 ; ext=1", []Range{{"en", 0.4}}},
		{"123, -en, en-, toolongsubtag, ru_RU, a-1", []Range{{"a-1", 1}}},
		{"ru,,en", []Range{{"ru", 1}, {"en", 1}}},
	}
	for _, tt := range tests {
		if got := ParseAcceptLanguage(tt.header); !slices.Equal(got, tt.want) {
			t.Errorf("ParseAcceptLanguage(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestParseAcceptLanguageLimits(t *testing.T) {
	many := strings.Repeat("en,", 100)
	if got := len(ParseAcceptLanguage(many)); got != maxAcceptRanges {
		t.Errorf("ranges from 100 entries = %d, want %d", got, maxAcceptRanges)
	}
	long := strings.Repeat(" ", 2000) + "kk"
	if got := ParseAcceptLanguage(long); got != nil {
		t.Errorf("ParseAcceptLanguage(range after 2000 bytes) = %v, want nil", got)
	}
}

func TestMatch(t *testing.T) {
	supported := []string{"ru", "kk", "en"}
	tests := map[string]string{
		"":                          "",
		"kk-KZ":                     "kk",
		"de, en-GB;q=0.8, ru;q=0.7": "en",
		"*":                         "",
		"fr, de":                    "",
		"EN":                        "en",
		"ru;q=0.1, kk;q=0.2":        "kk",
	}
	for header, want := range tests {
		if got := Match(header, supported); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
}

// FuzzParseAcceptLanguage: any header parses without panic into at most 16
// well-formed ranges, sorted by weight, and Match picks a supported
// language or none.
func FuzzParseAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "kk-KZ,kk;q=0.9,ru;q=0.8", "*;q=0", "en;q=1.000", ";;;,,,", "ru;q=0.5;q=0.7", "a-b-c-d-e"} {
		f.Add(s)
	}
	supported := []string{"ru", "kk", "en"}
	f.Fuzz(func(t *testing.T, header string) {
		ranges := ParseAcceptLanguage(header)
		if len(ranges) > maxAcceptRanges {
			t.Fatalf("ParseAcceptLanguage(%q) returned %d ranges", header, len(ranges))
		}
		for i, r := range ranges {
			if r.Q <= 0 || r.Q > 1 || !validRange(r.Tag) || r.Tag != strings.ToLower(r.Tag) {
				t.Fatalf("ParseAcceptLanguage(%q) range %+v is malformed", header, r)
			}
			if i > 0 && ranges[i-1].Q < r.Q {
				t.Fatalf("ParseAcceptLanguage(%q) = %v is not sorted by weight", header, ranges)
			}
		}
		if m := Match(header, supported); m != "" && !slices.Contains(supported, m) {
			t.Fatalf("Match(%q) = %q, not supported", header, m)
		}
	})
}
