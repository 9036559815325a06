package vault

import (
	"strconv"
	"strings"
	"unicode"
)

// format checks s against a named format and returns its canonical form, or
// an error code.
func (c *checker) format(format, s string) (string, string) {
	fixed := func(n int) (string, string) {
		if d, ok := digits(s, n); ok {
			return d, ""
		}
		return "", CodeFormat
	}
	switch format {
	case "":
		return s, ""
	case FormatName:
		return checkName(s)
	case FormatNameLatin:
		return checkNameLatin(s)
	case FormatSNILS:
		return parseSNILS(s)
	case FormatINN:
		return parseINN(s)
	case FormatOMS:
		return parseOMS(s)
	case FormatPassportRUSeries:
		return c.passportSeries(s)
	case FormatPassportRUNumber, FormatCertNumber:
		return fixed(6)
	case FormatPassportIntSeries:
		return fixed(2)
	case FormatPassportIntNumber, FormatMilitaryNumber:
		return fixed(7)
	case FormatDivisionCode:
		return divisionCode(s)
	case FormatDrivingLicence:
		return licenceNumber(s)
	case FormatCertSeries:
		return certSeries(s)
	case FormatMilitarySeries:
		return cyrillicPair(strings.ReplaceAll(s, " ", ""))
	case FormatMRZ:
		return parseMRZ(s)
	case FormatDocNumber:
		return checkDocNumber(s)
	}
	return "", CodeFormat // a type names a format this switch lacks: refuse rather than pass
}

// passportSeries checks the series of a Russian internal passport: four
// digits ("45 08" or "4508"). The first two are the code of the region that
// ordered the blank, taken from the OKATO classifier's top level; the last
// two are the year the blank was printed (97 for 1997, the first year of the
// current passport, through this year).
func (c *checker) passportSeries(s string) (string, string) {
	d, ok := digits(s, 4)
	if !ok {
		return "", CodeFormat
	}
	region, _ := strconv.Atoi(d[:2])
	year, _ := strconv.Atoi(d[2:])
	this := c.today.Year() % 100
	if !passportRegion(region) || (year > this+1 && year < 97) { // +1: blanks for next year are printed ahead
		return "", CodeFormat
	}
	return d, ""
}

// passportRegion reports whether code is a region code used in passport
// series: the two-digit codes of the OKATO top level (01 Altai Krai … 99
// Jewish Autonomous Oblast, 35 Crimea, 67 Sevastopol), plus 39 used on
// blanks issued in Crimea in 2014-2015 and 74 used for the Yamalo-Nenets
// Autonomous Okrug (whose OKATO code, 71140, sits under Tyumen).
func passportRegion(code int) bool {
	switch code {
	case 1, 3, 4, 5, 7, 8, 10, 11, 12, 14, 15, 17, 18, 19, 20, 22, 24, 25, 26, 27, 28, 29,
		30, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 44, 45, 46, 47, 49, 50, 52, 53, 54, 56,
		57, 58, 60, 61, 63, 64, 65, 66, 67, 68, 69, 70, 71, 73, 74, 75, 76, 77, 78, 79, 80, 81,
		82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99:
		return true
	}
	return false
}

// divisionCode checks the code of the unit that issued a passport, printed as
// NNN-NNN (accepted also as six digits or with a space); the first two digits
// are a region code and are never 00.
func divisionCode(s string) (string, string) {
	d, ok := digits(s, 6)
	if !ok || d[:2] == "00" {
		return "", CodeFormat
	}
	return d[:3] + "-" + d[3:], ""
}

// licenceNumber checks a Russian driving licence number: 10 characters, the
// first two digits (the region, never 00), then two digits (plastic cards
// since 2011) or two Cyrillic letters (older cards; the letters that look
// Latin — А В Е К М Н О Р С Т У Х — accepted typed in Latin), then six
// digits. The canonical form has no spaces and Cyrillic capitals:
// "77АВ123456", "9912345678".
func licenceNumber(s string) (string, string) {
	r := []rune(strings.ToUpper(strings.ReplaceAll(s, " ", "")))
	if len(r) != 10 || !asciiDigits(r[:2]) || string(r[:2]) == "00" || !asciiDigits(r[4:]) {
		return "", CodeFormat
	}
	if !asciiDigits(r[2:4]) {
		pair, code := cyrillicPair(string(r[2:4]))
		if code != "" || strings.Trim(pair, "АВЕКМНОРСТУХ") != "" {
			return "", CodeFormat
		}
		copy(r[2:4], []rune(pair))
	}
	return string(r), ""
}

func asciiDigits(r []rune) bool {
	for _, c := range r {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cyrillicPair checks two Cyrillic capital letters (series of military IDs
// and civil registry certificates), mapping Latin look-alikes and lower case.
func cyrillicPair(s string) (string, string) {
	r := []rune(s)
	if len(r) != 2 {
		return "", CodeFormat
	}
	for i, c := range r {
		c = cyrillicLookalike(unicode.ToUpper(c))
		if (c < 'А' || c > 'Я') && c != 'Ё' {
			return "", CodeFormat
		}
		r[i] = c
	}
	return string(r), ""
}

// certSeries checks the series of a civil registry certificate (birth,
// marriage): a Roman numeral, a hyphen and two Cyrillic capitals, "IV-МЮ".
// The numeral may be typed with Cyrillic look-alikes (Х, І, С) and the
// letters with Latin ones; separators may be a hyphen, a dash, a space or
// nothing. The numeral must be written canonically (IV, not IIII), 1 to 399.
func certSeries(s string) (string, string) {
	r := []rune(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '–' || r == '—' {
			return -1
		}
		return r
	}, s))
	if len(r) < 3 {
		return "", CodeFormat
	}
	numeral := strings.Map(func(r rune) rune { return latinLookalike(unicode.ToUpper(r)) }, string(r[:len(r)-2]))
	n := romanValue(numeral)
	if n < 1 || n > 399 || roman(n) != numeral {
		return "", CodeFormat
	}
	letters, code := cyrillicPair(string(r[len(r)-2:]))
	if code != "" {
		return "", code
	}
	return numeral + "-" + letters, ""
}

// romanValue reads a numeral of I, V, X, L, C (subtractive pairs allowed);
// it returns 0 for any other character. Callers compare roman(n) to reject
// non-canonical spellings.
func romanValue(s string) int {
	val := func(c byte) int {
		switch c {
		case 'I':
			return 1
		case 'V':
			return 5
		case 'X':
			return 10
		case 'L':
			return 50
		case 'C':
			return 100
		}
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		v := val(s[i])
		if v == 0 {
			return 0
		}
		if i+1 < len(s) && val(s[i+1]) > v {
			n -= v
		} else {
			n += v
		}
	}
	return n
}

// roman writes 1 ≤ n < 400 as a canonical Roman numeral.
func roman(n int) string {
	var b strings.Builder
	for _, p := range []struct {
		v int
		s string
	}{{100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}} {
		for n >= p.v {
			b.WriteString(p.s)
			n -= p.v
		}
	}
	return b.String()
}
