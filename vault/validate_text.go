package vault

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean normalises text as typed or pasted: every kind of space becomes one
// ASCII space, runs of spaces collapse, lines are trimmed, invisible format
// characters (zero-width spaces, bidirectional overrides, soft hyphens) are
// dropped, and a letter followed by a combining diaeresis or breve is
// composed (е + ◌̈ → ё, и + ◌̆ → й) so names typed on any keyboard compare
// equal. Single-line text turns line breaks into spaces; multiline text keeps
// at most one blank line between paragraphs. It reports false when s holds a
// control character, which no document field contains.
func clean(s string, multiline bool) (string, bool) {
	out := make([]rune, 0, len(s))
	space, newlines := false, 0
	flush := func() {
		if len(out) == 0 {
			space, newlines = false, 0 // nothing before: leading space and breaks go
			return
		}
		switch {
		case newlines > 0:
			out = append(out, '\n')
			if newlines > 1 {
				out = append(out, '\n')
			}
		case space:
			out = append(out, ' ')
		}
		space, newlines = false, 0
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if !multiline {
				space = true
			} else if r != '\r' {
				newlines++
			}
		case r == '\t' || unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			space = true
		case unicode.IsControl(r):
			return "", false
		case unicode.Is(unicode.Cf, r):
			// invisible: dropped
		case (r == '\u0308' || r == '\u0306') && len(out) > 0 && !space && newlines == 0 && compose(out[len(out)-1], r) != 0:
			out[len(out)-1] = compose(out[len(out)-1], r)
		default:
			flush()
			out = append(out, r)
		}
	}
	return string(out), true
}

// compose returns the precomposed Cyrillic letter for base + mark, or 0.
func compose(base, mark rune) rune {
	switch {
	case mark == '\u0308' && base == 'е':
		return 'ё'
	case mark == '\u0308' && base == 'Е':
		return 'Ё'
	case mark == '\u0306' && base == 'и':
		return 'й'
	case mark == '\u0306' && base == 'И':
		return 'Й'
	}
	return 0
}

// checkName checks a person's name (or a full name) written in Cyrillic:
// letters, with single hyphens, spaces and apostrophes between them. Other
// apostrophes and dashes become ASCII ones and spaces around a hyphen go.
func checkName(s string) (string, string) {
	return checkLetters(s, func(r rune) (rune, bool) {
		return r, unicode.Is(unicode.Cyrillic, r) && unicode.IsLetter(r)
	})
}

// checkNameLatin checks a Latin transliteration of a name, as printed in an
// international passport, and returns it in upper case.
func checkNameLatin(s string) (string, string) {
	return checkLetters(s, func(r rune) (rune, bool) {
		r = unicode.ToUpper(r)
		return r, r >= 'A' && r <= 'Z'
	})
}

// checkLetters is checkName with the letter test (and case mapping) given.
func checkLetters(s string, letter func(rune) (rune, bool)) (string, string) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u2019', '\u02bc', '`', '\u2018', '\u00b4':
			return '\''
		case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
			return '-'
		}
		return r
	}, s)
	s = strings.ReplaceAll(strings.ReplaceAll(s, " -", "-"), "- ", "-") // "Анна - Мария" → "Анна-Мария"
	var b strings.Builder
	prevSep := true // the value may not start with a separator
	for _, r := range s {
		if r == ' ' || r == '-' || r == '\'' {
			if prevSep {
				return "", CodeFormat
			}
			prevSep = true
			b.WriteRune(r)
			continue
		}
		l, ok := letter(r)
		if !ok {
			return "", CodeFormat
		}
		prevSep = false
		b.WriteRune(l)
	}
	if prevSep {
		return "", CodeFormat // empty, or ends with a separator
	}
	return b.String(), ""
}

// digits returns s without spaces and hyphens when what is left is exactly
// n ASCII digits, not all zero.
func digits(s string, n int) (string, bool) {
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(d) != n || strings.Trim(d, "0") == "" {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return "", false
		}
	}
	return d, true
}

// checkDocNumber accepts a free-form document number: letters, digits,
// spaces and the usual - / . № separators, with at least one digit or letter.
func checkDocNumber(s string) (string, string) {
	alnum := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			alnum = true
		case strings.ContainsRune(" -/.№", r):
		default:
			return "", CodeFormat
		}
	}
	if !alnum {
		return "", CodeFormat
	}
	return s, ""
}

// latinLookalike maps a Cyrillic letter to the Latin letter that looks the
// same (С → C), for codes printed in Latin that citizens type in Cyrillic.
func latinLookalike(r rune) rune { return swap(r, "АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI") }

// cyrillicLookalike maps a Latin letter to the Cyrillic letter that looks the
// same (C → С), for series printed in Cyrillic that citizens type in Latin.
func cyrillicLookalike(r rune) rune { return swap(r, "ABEKMHOPCTYX", "АВЕКМНОРСТУХ") }

// swap returns the rune of to at the position of r in from, or r.
func swap(r rune, from, to string) rune {
	for _, f := range from {
		t, n := utf8.DecodeRuneInString(to)
		if f == r {
			return t
		}
		to = to[n:]
	}
	return r
}

// matchEnum returns the canonical spelling of an enum value: the same value
// in any case, with Cyrillic look-alike letters, or a declared alias.
func matchEnum(f *Field, s string) (string, string) {
	latin := strings.Map(func(r rune) rune { return latinLookalike(unicode.ToUpper(r)) }, s)
	for _, e := range f.Enum {
		if strings.EqualFold(e, s) || strings.EqualFold(e, latin) {
			return e, ""
		}
	}
	if v, ok := f.aliases[strings.ToLower(s)]; ok {
		return v, ""
	}
	return "", CodeEnum
}
