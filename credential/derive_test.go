package credential

import (
	"reflect"
	"testing"
	"time"

	"github.com/digitalid/digitalid/vault"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func registry(t *testing.T) *vault.Registry {
	t.Helper()
	reg, err := vault.NewRegistry()
	if err != nil {
		t.Fatalf("vault.NewRegistry: %v", err)
	}
	return reg
}

// doc is an opened document as the vault would return it.
func doc(id, typeID string, src vault.Source, status vault.Status, updated time.Time, fields map[string]any) vault.Document {
	d := vault.Document{ID: id, CitizenID: "c_1", TypeID: typeID, Version: 1, Source: src, Status: status,
		UpdatedAt: updated, Fields: vault.Fields{Type: typeID, Version: 1, Values: fields}}
	for _, name := range []string{"expiry_date", "valid_until"} {
		if s, ok := fields[name].(string); ok {
			d.ExpiresOn = day(s)
		}
	}
	return d
}

func passport(birth string) vault.Document {
	return doc("pass", "passport_ru", vault.SourceIssuer, vault.StatusValid, day("2020-01-01"), map[string]any{"birth_date": birth})
}

func byType(as []Attestation) map[string]Attestation {
	out := map[string]Attestation{}
	for _, a := range as {
		out[a.Type] = a
	}
	return out
}

func TestDeriveAgeBoundaries(t *testing.T) {
	reg := registry(t)
	tests := []struct {
		name, birth, now string
		want             map[string]bool
		until18          string // ValidUntil of age_over_18, "" for zero
	}{
		{"day before 18th birthday", "2008-11-23", "2026-11-22T23:59:59Z", map[string]bool{AgeOver14: true, AgeOver18: false, AgeOver21: false}, "2026-11-23"},
		{"18th birthday at midnight UTC", "2008-11-23", "2026-11-23T00:00:00Z", map[string]bool{AgeOver14: true, AgeOver18: true, AgeOver21: false}, ""},
		{"day before 14th birthday", "2012-11-23", "2026-11-22T12:00:00Z", map[string]bool{AgeOver14: false, AgeOver18: false, AgeOver21: false}, "2030-11-23"},
		{"14th birthday", "2012-11-23", "2026-11-23T12:00:00Z", map[string]bool{AgeOver14: true, AgeOver18: false, AgeOver21: false}, "2030-11-23"},
		{"21st birthday", "2005-11-23", "2026-11-23T00:00:01Z", map[string]bool{AgeOver14: true, AgeOver18: true, AgeOver21: true}, ""},
		{"leap day, 28 Feb of a common year", "2008-02-29", "2026-02-28T23:59:59Z", map[string]bool{AgeOver14: true, AgeOver18: false, AgeOver21: false}, "2026-03-01"},
		{"leap day, 1 Mar of a common year", "2008-02-29", "2026-03-01T00:00:00Z", map[string]bool{AgeOver14: true, AgeOver18: true, AgeOver21: false}, ""},
		{"leap day, 29 Feb of a leap year", "2010-02-29", "2028-02-29T00:00:00Z", nil, ""}, // 2010-02-29 does not exist: no attestation
		{"leap day born, leap 18th birthday", "2012-02-29", "2030-02-28T12:00:00Z", map[string]bool{AgeOver14: true, AgeOver18: false, AgeOver21: false}, "2030-03-01"},
	}
	for _, tt := range tests {
		now, err := time.Parse(time.RFC3339, tt.now)
		if err != nil {
			t.Fatal(err)
		}
		got := byType(derive(reg, []vault.Document{passport(tt.birth)}, now))
		if tt.want == nil {
			if len(got) != 0 {
				t.Errorf("%s: derive = %v, want none", tt.name, got)
			}
			continue
		}
		for typ, want := range tt.want {
			a, ok := got[typ]
			if !ok || a.Claims[typ] != want || len(a.Claims) != 1 || a.SourceDocID != "pass" {
				t.Errorf("%s: %s = %+v, want {%s: %v} from pass", tt.name, typ, a, typ, want)
			}
		}
		var wantUntil time.Time
		if tt.until18 != "" {
			wantUntil = day(tt.until18)
		}
		if u := got[AgeOver18].ValidUntil; !u.Equal(wantUntil) {
			t.Errorf("%s: age_over_18 ValidUntil = %v, want %v", tt.name, u, wantUntil)
		}
	}
}

func TestDeriveSourcesThatNeverCount(t *testing.T) {
	reg := registry(t)
	now := day("2026-11-23").Add(12 * time.Hour)
	card := map[string]any{"institution": "МГУ", "study_form": "full_time", "speciality": "Математика", "group": "М-101", "valid_until": "2028-08-31"}
	tests := []struct {
		name string
		docs []vault.Document
	}{
		{"self-declared passport", []vault.Document{doc("p", "passport_ru", vault.SourceSelf, vault.StatusValid, now, map[string]any{"birth_date": "1990-01-01"})}},
		{"revoked passport", []vault.Document{doc("p", "passport_ru", vault.SourceIssuer, vault.StatusRevoked, now, map[string]any{"birth_date": "1990-01-01"})}},
		{"expired international passport", []vault.Document{doc("p", "passport_international", vault.SourceIssuer, vault.StatusExpired, now, map[string]any{"birth_date": "1990-01-01", "expiry_date": "2025-01-01"})}},
		{"birth date on another document", []vault.Document{doc("s", "snils", vault.SourceIssuer, vault.StatusValid, now, map[string]any{"birth_date": "1990-01-01"})}},
		{"self-declared student card", []vault.Document{doc("s", "student_card", vault.SourceSelf, vault.StatusValid, now, card)}},
		{"expired student card", []vault.Document{doc("s", "student_card", vault.SourceIssuer, vault.StatusExpired, now, card)}},
		{"revoked student card", []vault.Document{doc("s", "student_card", vault.SourceIssuer, vault.StatusRevoked, now, card)}},
	}
	for _, tt := range tests {
		if got := derive(reg, tt.docs, now); len(got) != 0 {
			t.Errorf("%s: derive = %+v, want none", tt.name, got)
		}
	}
}

func TestDerivePicksPreferredSource(t *testing.T) {
	reg := registry(t)
	now := day("2026-11-23")
	intl := doc("intl", "passport_international", vault.SourceIssuer, vault.StatusValid, day("2026-01-01"),
		map[string]any{"birth_date": "2000-01-01", "expiry_date": "2031-06-01"})
	ru := doc("ru", "passport_ru", vault.SourceIssuer, vault.StatusValid, day("2020-01-01"), map[string]any{"birth_date": "2000-01-01"})
	got := byType(derive(reg, []vault.Document{intl, ru}, now))
	if a := got[AgeOver18]; a.SourceDocID != "ru" || !a.ValidUntil.IsZero() {
		t.Errorf("age_over_18 with both passports = %+v, want from ru, unbounded", a)
	}
	got = byType(derive(reg, []vault.Document{intl}, now))
	if a := got[AgeOver18]; a.SourceDocID != "intl" || !a.ValidUntil.Equal(day("2031-06-01").Add(10*time.Hour)) {
		t.Errorf("age_over_18 from international passport = %+v, want until 2031-06-01T10:00Z", a)
	}
	older := doc("old", "student_card", vault.SourceIssuer, vault.StatusValid, day("2024-01-01"),
		map[string]any{"institution": "A", "study_form": "full_time", "speciality": "S", "group": "G1", "valid_until": "2027-08-31"})
	newer := doc("new", "student_card", vault.SourceIssuer, vault.StatusValid, day("2025-01-01"),
		map[string]any{"institution": "B", "study_form": "extramural", "speciality": "T", "group": "G2", "valid_until": "2029-08-31"})
	got = byType(derive(reg, []vault.Document{newer, older}, now))
	want := Attestation{Type: Student, SourceDocID: "new", ValidUntil: day("2029-08-31").Add(10 * time.Hour),
		Claims: map[string]any{"institution": "B", "study_form": "extramural", "speciality": "T", "group": "G2", "valid_until": "2029-08-31"}}
	if !reflect.DeepEqual(got[Student], want) {
		t.Errorf("student = %+v, want %+v", got[Student], want)
	}
	if _, ok := got[AgeOver18]; ok {
		t.Errorf("age attestation without a passport: %+v", got[AgeOver18])
	}
}

func TestDeriveLargeFamily(t *testing.T) {
	reg := registry(t)
	children := []vault.Child{{Name: "А", BirthDate: "2013-05-01"}, {Name: "Б", BirthDate: "2016-02-29"}, {Name: "В", BirthDate: "2020-11-30"}}
	cert := doc("lf", "large_family_certificate", vault.SourceIssuer, vault.StatusValid, day("2021-03-01"),
		map[string]any{"children": children, "valid_until": "2031-05-01"})
	tests := []struct {
		now   string
		ages  []int
		until string
	}{
		{"2026-11-23", []int{13, 10, 5}, "2026-11-30"},
		{"2026-11-30", []int{13, 10, 6}, "2027-03-01"}, // 2016-02-29 turns 11 on 1 March 2027
		{"2028-02-28", []int{14, 11, 7}, "2028-02-29"},
		{"2028-02-29", []int{14, 12, 7}, "2028-05-01"},
	}
	for _, tt := range tests {
		got := byType(derive(reg, []vault.Document{cert}, day(tt.now)))[LargeFamily]
		want := Attestation{Type: LargeFamily, SourceDocID: "lf", ValidUntil: day(tt.until),
			Claims: map[string]any{ClaimChildrenCount: 3, ClaimChildrenAges: tt.ages}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("large_family at %s = %+v, want %+v", tt.now, got, want)
		}
	}
	// The certificate's own validity bounds it once no birthday comes first.
	cert.ExpiresOn = day("2027-01-10")
	got := byType(derive(reg, []vault.Document{cert}, day("2026-12-01")))[LargeFamily]
	if !got.ValidUntil.Equal(day("2027-01-10").Add(10 * time.Hour)) {
		t.Errorf("large_family ValidUntil near the certificate's end = %v, want 2027-01-10T10:00Z", got.ValidUntil)
	}
}

func TestClaimNamesMatchTypes(t *testing.T) {
	for _, typ := range Types() {
		if len(ClaimNames(typ)) == 0 || !KnownType(typ) {
			t.Errorf("ClaimNames(%q) = %v", typ, ClaimNames(typ))
		}
	}
	if KnownType("passport_ru") || ClaimNames("x") != nil {
		t.Error("KnownType accepts a document type")
	}
}
