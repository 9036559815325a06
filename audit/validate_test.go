package audit_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

func TestValidateDetails(t *testing.T) {
	long := strings.Repeat("a", audit.MaxTokenLen+1)
	rejected := []struct {
		name, key, value string
	}{
		{"phone E.164", "to", "+77015551234"},
		{"phone with dashes", "to", "+7-701-555-12-34"},
		{"phone with dots", "to", "8.701.555.12.34"},
		{"phone with brackets", "to", "8(701)5551234"},
		{"SNILS with space", "snils", "123-456-789 01"},
		{"SNILS with dashes", "snils", "123-456-789-01"},
		{"INN", "inn", "7707083893"},
		{"IIN", "iin", "900101300123"},
		{"passport", "doc", "4510123456"},
		{"passport with underscores", "doc", "45_10_123456"},
		{"passport behind a prefix", "doc", "passport:4510123456"},
		{"passport with series letters", "doc", "AB1234567"},
		{"OMS policy", "oms", "7700000012345678"},
		{"birth date", "born", "1990-05-01"},
		{"number inside a short token", "ref", "ab12345678"},
		{"number glued to a word", "ref", "document_4510123456"},
		{"e-mail", "contact", "ivan.petrov@mail.ru"},
		{"name in Cyrillic", "name", "Иван"},
		{"name with space", "name", "Ivan Petrov"},
		{"newline", "note", "a\nb"},
		{"too long", "note", long},
		{"key upper case", "Phone", "x"},
		{"key starts with digit", "7701", "x"},
		{"key with space", "a b", "x"},
		{"key too long", strings.Repeat("k", audit.MaxDetailKey+1), "x"},
		{"key empty", "", "x"},
	}
	for _, tc := range rejected {
		err := audit.ValidateDetails(map[string]string{"ok": "1", tc.key: tc.value})
		var de *digitalid.Error
		if !errors.As(err, &de) || de.Code != digitalid.EINVALID || len(de.Fields) != 1 {
			t.Errorf("%s: ValidateDetails(%q: %q) = %v, want %s with one field", tc.name, tc.key, tc.value, err, digitalid.EINVALID)
			continue
		}
		wantField := "details"
		if !strings.HasPrefix(tc.name, "key ") && tc.key != "" {
			wantField = "details." + tc.key
		}
		if de.Fields[0].Field != wantField {
			t.Errorf("%s: ValidateDetails error %q on field %q, want field %q", tc.name, de.Message, de.Fields[0].Field, wantField)
		}
		if wantField != "details" && !strings.Contains(de.Message, `"`+tc.key+`"`) {
			t.Errorf("%s: ValidateDetails error %q does not name key %q", tc.name, de.Message, tc.key)
		}
		if len(tc.value) > 1 && strings.Contains(err.Error(), tc.value) {
			t.Errorf("%s: ValidateDetails error %q repeats the value", tc.name, err)
		}
	}

	accepted := map[string]string{
		"purpose":      "age_over_18",
		"count":        "12345",
		"version":      "v1.2.3",
		"ulid":         "document:01HV3K5M2Q8X9Y7Z6W5V4T3S2R",
		"uuid":         "550e8400-e29b-41d4-a716-446655440000",
		"hex":          "3f9a1234567890bcdef0123456789abc",
		"hex_upper":    "3F9A1234567890BCDEF0123456789ABC",
		"pseudonym":    audit.Pseudonym(testKey, "+77015551234"),
		"key_ref":      "key@v2",
		"path":         "/api/v1/documents",
		"b64":          "dGVzdA==",
		"mixed.key_09": "a-b.c/d+e=f:g@h",
		"empty":        "",
	}
	if err := audit.ValidateDetails(accepted); err != nil {
		t.Errorf("ValidateDetails(safe values) = %v, want nil", err)
	}
	if err := audit.ValidateDetails(nil); err != nil {
		t.Errorf("ValidateDetails(nil) = %v, want nil", err)
	}
	many := map[string]string{}
	for i := range audit.MaxDetails + 1 {
		many[string(rune('a'+i%26))+strings.Repeat("x", i/26+1)] = "v"
	}
	if err := audit.ValidateDetails(many); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("ValidateDetails(%d entries) = %v, want %s", len(many), err, digitalid.EINVALID)
	}
}

func TestPseudonym(t *testing.T) {
	a := audit.Pseudonym(testKey, "+77015551234")
	if a != audit.Pseudonym(testKey, "+77015551234") {
		t.Errorf("Pseudonym is not stable: %q", a)
	}
	if a == audit.Pseudonym(testKey, "+77015551235") || a == audit.Pseudonym([]byte("other-key-other-key-other-key-00"), "+77015551234") {
		t.Errorf("Pseudonym(%q) collides across values or keys", a)
	}
	if strings.Contains(a, "7015551234") || !strings.HasPrefix(a, "ps:") {
		t.Errorf("Pseudonym = %q, want ps:… not holding the value", a)
	}
	// Every pseudonym must itself pass validation, whatever its bytes.
	for i := range 2000 {
		p := audit.Pseudonym(testKey, strings.Repeat("9", i))
		if err := audit.ValidateDetails(map[string]string{"who": p}); err != nil {
			t.Fatalf("ValidateDetails(Pseudonym #%d = %q) = %v", i, p, err)
		}
	}
}

// FuzzValidateDetails checks, for any key and value, that ValidateDetails
// does not panic, never repeats the value in its error, and accepts only
// printable ASCII tokens with no long bare digit runs.
func FuzzValidateDetails(f *testing.F) {
	for _, s := range [][2]string{
		{"to", "+77015551234"}, {"purpose", "age_over_18"}, {"doc", "document:01HV3K5M2Q8X9Y7Z6W5V4T3S2R"},
		{"x", "550e8400-e29b-41d4-a716-446655440000"}, {"Bad Key", "Иван"}, {"a", "ab12345678"}, {"e", "a@b.c"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		err := audit.ValidateDetails(map[string]string{key: value})
		if err != nil {
			if digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Fatalf("ValidateDetails(%q: %q) = %v, want %s", key, value, err, digitalid.EINVALID)
			}
			if len(value) >= 6 && !strings.Contains(key, value) && strings.Contains(err.Error(), value) {
				t.Fatalf("ValidateDetails(%q: %q) error %q repeats the value", key, value, err)
			}
			return
		}
		if len(value) > audit.MaxTokenLen || len(key) > audit.MaxDetailKey || key == "" {
			t.Fatalf("ValidateDetails(%q: %q) accepted an oversized or empty entry", key, value)
		}
		for _, r := range value {
			if r > unicode.MaxASCII || unicode.IsSpace(r) || !unicode.IsPrint(r) {
				t.Fatalf("ValidateDetails(%q: %q) accepted rune %q", key, value, r)
			}
		}
		for seg := range strings.SplitSeq(value, ":") {
			digits := strings.Map(func(r rune) rune {
				if strings.ContainsRune("-./+=_@", r) {
					return -1
				}
				return r
			}, seg)
			hasLetter := strings.ContainsFunc(seg, unicode.IsLetter)
			if strings.Contains(digitRuns(digits), "######") && (len(seg) < 16 || !hasLetter) {
				t.Fatalf("ValidateDetails(%q: %q) accepted a bare number", key, value)
			}
		}
	})
}

// digitRuns replaces every digit with '#'.
func digitRuns(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return '#'
		}
		return r
	}, s)
}
