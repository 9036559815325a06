package vault

import (
	"maps"
	"slices"
	"testing"
)

func TestRegistryTypes(t *testing.T) {
	r := newRegistry(t)
	var ids []string
	for _, typ := range r.Types() {
		ids = append(ids, typ.ID())
		if typ.Version() != 1 {
			t.Errorf("%s version = %d, want 1", typ.ID(), typ.Version())
		}
	}
	want := []string{"passport_ru", "passport_international", "driving_licence", "snils", "inn", "oms_policy",
		"birth_certificate", "marriage_certificate", "military_id", "student_card", "large_family_certificate", "other"}
	if !slices.Equal(ids, want) {
		t.Fatalf("Types() = %v, want %v", ids, want)
	}
	if _, ok := r.Type("snils", 2); ok {
		t.Errorf("Type(snils, 2) found, want not")
	}
	if l, ok := r.Latest("snils"); !ok || l.Version() != 1 {
		t.Errorf("Latest(snils) = %v, %v", l, ok)
	}
	if _, ok := r.Latest("nope"); ok {
		t.Errorf("Latest(nope) found, want not")
	}
}

func TestFieldMetadata(t *testing.T) {
	r := newRegistry(t)
	for _, typ := range r.Types() {
		for _, f := range typ.Fields() {
			switch f.Kind {
			case KindString, KindDigits, KindDate:
				if f.Kind != KindDate && f.MaxLen == 0 {
					t.Errorf("%s.%s has no MaxLen", typ.ID(), f.Name)
				}
			case KindEnum, KindEnumList:
				if len(f.Enum) == 0 {
					t.Errorf("%s.%s is an enum without values", typ.ID(), f.Name)
				}
			case KindChildren:
				if len(f.Children) == 0 || f.MaxItems == 0 {
					t.Errorf("%s.%s is a list without item fields or bound", typ.ID(), f.Name)
				}
			default:
				t.Errorf("%s.%s has kind %q", typ.ID(), f.Name, f.Kind)
			}
			if f.Name == "surname" || f.Name == "birth_date" || f.Name == "number" {
				if !f.Personal {
					t.Errorf("%s.%s is not marked personal data", typ.ID(), f.Name)
				}
			}
		}
	}
	// Field and Fields hand out copies: changing one leaves the registry alone.
	lic, _ := r.Latest("driving_licence")
	cats, _ := lic.Field("categories")
	cats.Enum[0] = "Z"
	lic.Fields()[0].Name = "changed"
	if again, _ := lic.Field("categories"); again.Enum[0] != "A" || lic.Fields()[0].Name != "number" {
		t.Errorf("changing a returned Field changed the registry")
	}
	if _, ok := lic.Field("colour"); ok {
		t.Errorf("Field(colour) found")
	}
}

func TestClaims(t *testing.T) {
	r := newRegistry(t)
	tests := map[string]map[string]string{
		"passport_ru": {ClaimBirthDate: "birth_date"},
		"student_card": {ClaimInstitution: "institution", ClaimStudyForm: "study_form", ClaimSpeciality: "speciality",
			ClaimGroup: "group", ClaimValidUntil: "valid_until"},
		"large_family_certificate": {ClaimChildren: "children", ClaimChildBirthDates: "children.birth_date", ClaimValidUntil: "valid_until"},
		"other":                    {},
	}
	for id, want := range tests {
		typ, _ := r.Latest(id)
		if got := typ.Claims(); !maps.Equal(got, want) {
			t.Errorf("Latest(%s).Claims() = %v, want %v", id, got, want)
		}
	}
	form, _ := mustLatest(t, r, "student_card").Field("study_form")
	if want := []string{"full_time", "part_time", "extramural", "distance"}; !slices.Equal(form.Enum, want) {
		t.Errorf("study_form.Enum = %v, want %v", form.Enum, want)
	}
}

func mustLatest(t *testing.T, r *Registry, id string) *DocType {
	t.Helper()
	typ, ok := r.Latest(id)
	if !ok {
		t.Fatalf("Latest(%s) not found", id)
	}
	return typ
}
