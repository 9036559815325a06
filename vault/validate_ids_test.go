package vault

import (
	"errors"
	"testing"

	"github.com/digitalid/digitalid"
)

func TestParseIDs(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) (string, error)
		in    string
		want  string // "" when refused
		code  string
	}{
		// SNILS: the Pension Fund's example and numbers computed apart (by hand and in Python).
		{"snils example", ParseSNILS, "112-233-445 95", "11223344595", ""},
		{"snils compact", ParseSNILS, "12345678964", "12345678964", ""},
		{"snils sum over 101", ParseSNILS, "987-654-321 83", "98765432183", ""},
		{"snils first checked", ParseSNILS, "001-001-999 65", "00100199965", ""},
		{"snils unchecked range", ParseSNILS, "001-001-998 42", "00100199842", ""},
		{"snils wrong check", ParseSNILS, "112-233-445 59", "", CodeChecksum},
		{"snils swapped digits", ParseSNILS, "121-233-445 95", "", CodeChecksum},
		{"snils 10 digits", ParseSNILS, "112-233-445 9", "", CodeFormat},
		{"snils dots", ParseSNILS, "112.233.445 95", "", CodeFormat},
		{"snils Arabic-Indic digits", ParseSNILS, "١١٢٢٣٣٤٤٥٩٥", "", CodeFormat},
		// INN: a widely published valid number and ones computed apart.
		{"inn published", ParseINN, "500100732259", "500100732259", ""},
		{"inn computed", ParseINN, "770708389324", "770708389324", ""},
		{"inn computed 2", ParseINN, "366406939705", "366406939705", ""},
		{"inn first check", ParseINN, "500100732159", "", CodeChecksum},
		{"inn second check", ParseINN, "770708389325", "", CodeChecksum},
		{"inn of organisation refused", ParseINN, "7707083893", "", CodeFormat},
		{"legal inn", ParseLegalINN, "7707083893", "7707083893", ""},
		{"legal inn computed", ParseLegalINN, "5001007329", "5001007329", ""},
		{"legal inn check", ParseLegalINN, "7707083894", "", CodeChecksum},
		{"legal inn of individual refused", ParseLegalINN, "500100732259", "", CodeFormat},
		// OMS: the worked example of appendix Г.2 and numbers computed apart.
		{"oms appendix example", ParseOMS, "8451999122899990", "8451999122899990", ""},
		{"oms computed", ParseOMS, "7700 0000 0000 0016", "7700000000000016", ""},
		{"oms computed 2", ParseOMS, "5001234567890127", "5001234567890127", ""},
		{"oms check", ParseOMS, "5001234567890128", "", CodeChecksum},
		{"oms zeros", ParseOMS, "0000000000000000", "", CodeFormat},
		{"oms 15 digits", ParseOMS, "845199912289999", "", CodeFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.parse(tc.in)
			if tc.code == "" {
				if err != nil || got != tc.want {
					t.Fatalf("parse(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			var de *digitalid.Error
			if !errors.As(err, &de) || de.Code != digitalid.EINVALID || len(de.Fields) != 1 || de.Fields[0].Code != tc.code {
				t.Fatalf("parse(%q) = %q, %v; want EINVALID with field code %s", tc.in, got, err, tc.code)
			}
		})
	}
}

// TestGeneratedIDs checks the package's checks against the independent
// reference implementations: every generated number passes, and every change
// of a check digit is caught (for OMS, every change of any one digit: the
// Luhn check catches all of them).
func TestGeneratedIDs(t *testing.T) {
	rng := testRand()
	kinds := []struct {
		name   string
		gen    func() string
		parse  func(string) (string, string)
		checks int // trailing check digits
		all    bool
	}{
		{"snils", func() string { return genSNILS(rng) }, parseSNILS, 2, false},
		{"inn", func() string { return genINN(rng) }, parseINN, 2, false},
		{"legal inn", func() string { return genLegalINN(rng) }, parseLegalINN, 1, false},
		{"oms", func() string { return genOMS(rng) }, parseOMS, 1, true},
	}
	for _, k := range kinds {
		for range 500 {
			n := k.gen()
			if got, code := k.parse(n); got != n || code != "" {
				t.Fatalf("%s parse(%q) = %q, %q; want it accepted", k.name, n, got, code)
			}
			from := len(n) - k.checks
			if k.all {
				from = 0
			}
			for i := from; i < len(n); i++ {
				for d := byte('0'); d <= '9'; d++ {
					if d == n[i] {
						continue
					}
					m := n[:i] + string(d) + n[i+1:]
					if _, code := k.parse(m); code != CodeChecksum {
						t.Fatalf("%s parse(%q) (from %q) = code %q, want %s", k.name, m, n, code, CodeChecksum)
					}
				}
			}
		}
	}
}

func TestDisplaySNILS(t *testing.T) {
	if got := DisplaySNILS("11223344595"); got != "112-233-445 95" {
		t.Errorf("DisplaySNILS(11223344595) = %q", got)
	}
	if got := DisplaySNILS("123"); got != "123" {
		t.Errorf("DisplaySNILS(123) = %q, want it unchanged", got)
	}
}

func TestParseMRZ(t *testing.T) {
	// The specimen of ICAO Doc 9303 part 4, and one built with the test's own check digits.
	specimen := "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
	built := "P<RUSIVANOVA<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<\n" + mrzLine2("751234567", "850314", "F", "310601")
	tests := []struct {
		name, in, code string
	}{
		{"specimen", specimen, ""},
		{"built", built, ""},
		{"specimen number check", specimen[:54] + "7" + specimen[55:], CodeChecksum},
		{"specimen composite", specimen[:88] + "1", CodeChecksum},
		{"specimen optional data check", specimen[:87] + "2" + specimen[88:], CodeChecksum},
		{"bad character", specimen[:10] + "!" + specimen[11:], CodeFormat},
		{"not a passport", "I" + specimen[1:], CodeFormat},
		{"one line", specimen[:44], CodeFormat},
	}
	for _, tc := range tests {
		got, code := parseMRZ(tc.in)
		if code != tc.code || (code == "" && got != tc.in) {
			t.Errorf("parseMRZ(%s) = %q, %q; want code %q", tc.name, got, code, tc.code)
		}
	}
}
