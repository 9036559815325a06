package i18n

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Limits on what ParseAcceptLanguage reads of a header, so that a hostile
// header costs no more than a normal one.
const (
	maxAcceptLength = 1024
	maxAcceptRanges = 16
)

// Range is one language range of an Accept-Language header with its weight.
type Range struct {
	Tag string  // lower case, e.g. "kk-kz" or "*"
	Q   float64 // in (0, 1]
}

// ParseAcceptLanguage parses an Accept-Language header (RFC 9110 §12.5.4)
// into its ranges, highest weight first (ties keep header order). Malformed
// ranges, ranges with q=0 and anything beyond the first 1024 bytes or 16
// ranges are ignored: the header only expresses a preference, so a bad one
// must never fail a request.
func ParseAcceptLanguage(header string) []Range {
	if len(header) > maxAcceptLength {
		header = header[:maxAcceptLength]
	}
	var ranges []Range
	for part := range strings.SplitSeq(header, ",") {
		if len(ranges) == maxAcceptRanges {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if !validRange(tag) {
			continue
		}
		q, ok := parseQ(params)
		if !ok || q == 0 {
			continue
		}
		ranges = append(ranges, Range{Tag: tag, Q: q})
	}
	slices.SortStableFunc(ranges, func(a, b Range) int { return cmp.Compare(b.Q, a.Q) })
	return ranges
}

// Match returns the first of supported that the header prefers, matching a
// range by its primary subtag ("kk-KZ" selects "kk"), or "" when the header
// names none of them. A wildcard selects nothing: the caller's default
// applies.
func Match(header string, supported []string) string {
	for _, r := range ParseAcceptLanguage(header) {
		primary, _, _ := strings.Cut(r.Tag, "-")
		for _, s := range supported {
			if primary == s {
				return s
			}
		}
	}
	return ""
}

// validRange reports whether tag is "*" or alphanumeric subtags of 1–8
// characters separated by hyphens, the first one alphabetic.
func validRange(tag string) bool {
	if tag == "*" {
		return true
	}
	if tag == "" {
		return false
	}
	for i, sub := range strings.Split(tag, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for _, c := range []byte(sub) {
			alpha := c >= 'a' && c <= 'z'
			digit := c >= '0' && c <= '9'
			if !alpha && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}

// parseQ reads the weight from the parameters after a range; no "q"
// parameter means 1. Weights follow RFC 9110: 0 to 1 with up to three
// decimals.
func parseQ(params string) (float64, bool) {
	q := 1.0
	for p := range strings.SplitSeq(params, ";") {
		name, value, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || strings.ToLower(strings.TrimSpace(name)) != "q" {
			continue
		}
		value = strings.TrimSpace(value)
		if !validQ(value) {
			return 0, false
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || v < 0 || v > 1 {
			return 0, false
		}
		q = v
	}
	return q, true
}

// validQ checks the RFC 9110 qvalue grammar: "0" or "1" with an optional
// "." and up to three digits.
func validQ(s string) bool {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return false
	}
	if len(s) == 1 {
		return true
	}
	if s[1] != '.' || len(s) > 5 {
		return false
	}
	for _, c := range []byte(s[2:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
