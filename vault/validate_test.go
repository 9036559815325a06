package vault

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
)

func TestValidateDecoding(t *testing.T) {
	r := newRegistry(t)
	snils := string(mustJSON(t, example(t, "snils")))
	body := strings.TrimSuffix(snils, "}")
	tests := []struct {
		name     string
		typ      string
		version  int
		raw      string
		wantCode string
		wantKey  string
		want     []bad
	}{
		{"unknown member", "snils", 1, body + `,"colour":"red"}`, digitalid.EINVALID, "vault.error.document", []bad{{"colour", CodeUnknown}}},
		{"repeated member", "snils", 1, body + `,"surname":"Петрова"}`, digitalid.EINVALID, "vault.error.document", []bad{{"surname", CodeDuplicate}}},
		{"long unknown name clipped", "snils", 1, body + `,"` + strings.Repeat("x", 100) + `":1}`, digitalid.EINVALID, "vault.error.document", []bad{{strings.Repeat("x", 64) + "…", CodeUnknown}}},
		{"array", "snils", 1, `[` + snils + `]`, digitalid.EINVALID, "vault.error.not_object", nil},
		{"string", "snils", 1, `"11223344595"`, digitalid.EINVALID, "vault.error.not_object", nil},
		{"syntax error", "snils", 1, `{"number":`, digitalid.EINVALID, "vault.error.json", nil},
		{"trailing data", "snils", 1, snils + `{}`, digitalid.EINVALID, "vault.error.json", nil},
		{"invalid UTF-8", "snils", 1, body + ",\"birth_place\":\"\xff\"}", digitalid.EINVALID, "vault.error.json", nil},
		{"empty", "snils", 1, ``, digitalid.EINVALID, "vault.error.json", nil},
		{"too large", "other", 1, `{"title":"` + strings.Repeat("a", MaxDocumentSize) + `"}`, digitalid.ETOOLARGE, "vault.error.too_large", nil},
		{"unknown type", "passport_xx", 1, snils, digitalid.EINVALID, "vault.error.unknown_type", []bad{{"type", CodeUnknown}}},
		{"unknown version", "snils", 2, snils, digitalid.EINVALID, "vault.error.unknown_version", []bad{{"version", CodeUnknown}}},
		{"version 0", "snils", 0, snils, digitalid.EINVALID, "vault.error.unknown_version", []bad{{"version", CodeUnknown}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			call := fmt.Sprintf("Validate(%s, %d, %.40q)", tc.typ, tc.version, tc.raw)
			_, err := r.Validate(tc.typ, tc.version, []byte(tc.raw), testNow())
			var de *digitalid.Error
			if !errors.As(err, &de) || de.Code != tc.wantCode || de.Key != tc.wantKey || de.Message == "" {
				t.Fatalf("%s = %#v, want code %s key %s with a message", call, err, tc.wantCode, tc.wantKey)
			}
			var got []bad
			for _, fe := range de.Fields {
				got = append(got, bad{fe.Field, fe.Code})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s fields = %v, want %v", call, got, tc.want)
			}
		})
	}
}

func TestValidateNullIsAbsent(t *testing.T) {
	r := newRegistry(t)
	doc := apply(example(t, "snils"), []edit{{"birth_place", nil}, {"patronymic", "  "}})
	f, err := r.Validate("snils", 1, mustJSON(t, doc), testNow())
	if err != nil {
		t.Fatalf("Validate(snils, null birth_place) = %v", err)
	}
	if _, ok := f.Values["birth_place"]; ok {
		t.Errorf("Validate(snils, null birth_place) kept birth_place: %v", f.Values["birth_place"])
	}
	if _, ok := f.Values["patronymic"]; ok {
		t.Errorf("Validate(snils, blank patronymic) kept patronymic")
	}
}

// TestValidateNormalises checks the canonical form of each field format.
func TestValidateNormalises(t *testing.T) {
	r := newRegistry(t)
	tests := []struct {
		typ   string
		edits []edit
		field string
		want  any
	}{
		{"snils", []edit{{"number", " 112 233 445 95 "}}, "number", "11223344595"},
		{"snils", []edit{{"number", "001-001-998 00"}}, "number", "00100199800"}, // before the check rule
		{"inn", []edit{{"number", "5001-0073-2259"}}, "number", "500100732259"},
		{"oms_policy", []edit{{"number", "7700 0000 0000 0016"}}, "number", "7700000000000016"},
		{"passport_ru", []edit{{"series", "4505"}}, "series", "4505"},
		{"passport_ru", []edit{{"series", "39 14"}}, "series", "3914"},
		{"passport_ru", []edit{{"division_code", "772 001"}}, "division_code", "772-001"},
		{"passport_ru", []edit{{"surname", "  Римский  -  Корсакова "}}, "surname", "Римский-Корсакова"},
		{"passport_ru", []edit{{"surname", "Д’Артаньян"}}, "surname", "Д'Артаньян"},
		{"passport_ru", []edit{{"given_names", "Пе\u0308тр"}}, "given_names", "Пётр"},
		{"passport_ru", []edit{{"given_names", "Андре\u200bй"}}, "given_names", "Андрей"},
		{"passport_ru", []edit{{"sex", "ж"}}, "sex", "F"},
		{"passport_ru", []edit{{"sex", "М"}}, "sex", "M"},
		{"passport_ru", []edit{{"authority", "ОВД\u00a0района\n Хамовники"}}, "authority", "ОВД района Хамовники"},
		{"passport_international", []edit{{"surname_latin", "ivanova"}, {"mrz", del}}, "surname_latin", "IVANOVA"},
		{"passport_international", []edit{{"mrz", "p<rusivanova<<anna<<<<<<<<<<<<<<<<<<<<<<<<<<7512345672rus8503149f3106017<<<<<<<<<<<<<<<6"}}, "mrz",
			"P<RUSIVANOVA<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<\n7512345672RUS8503149F3106017<<<<<<<<<<<<<<<6"},
		{"driving_licence", []edit{{"number", "77 ab 123456"}}, "number", "77АВ123456"},
		{"driving_licence", []edit{{"categories", []any{"tm", "В", "С1", "B"}}}, "categories", []string{"B", "C1", "Tm"}},
		{"birth_certificate", []edit{{"series", "iv мю"}}, "series", "IV-МЮ"},
		{"birth_certificate", []edit{{"series", "ХІІ-MO"}}, "series", "XII-МО"},
		{"birth_certificate", []edit{{"series", "CCCLXXXVIII-АБ"}}, "series", "CCCLXXXVIII-АБ"},
		{"military_id", []edit{{"series", "ak"}}, "series", "АК"},
		{"student_card", []edit{{"study_form", "Заочная"}}, "study_form", "extramural"},
		{"student_card", []edit{{"study_form", "PART_TIME"}}, "study_form", "part_time"},
		{"other", []edit{{"text", " Строка  один \r\n\r\n\r\n  Строка два\t "}}, "text", "Строка один\n\nСтрока два"},
		{"large_family_certificate", []edit{{"children", []any{child(" Петров  Иван ", "2013-05-01"), child("Петрова Мария", "2016-02-29"), child("Петров Илья", "2020-11-30")}}},
			"children", []Child{{"Петров Иван", "2013-05-01"}, {"Петрова Мария", "2016-02-29"}, {"Петров Илья", "2020-11-30"}}},
	}
	for _, tc := range tests {
		doc := apply(example(t, tc.typ), tc.edits)
		f, err := r.Validate(tc.typ, 1, mustJSON(t, doc), testNow())
		if err != nil {
			t.Errorf("Validate(%s, %v) = %v", tc.typ, tc.edits, err)
			continue
		}
		if got := f.Values[tc.field]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Validate(%s, %v)[%s] = %q, want %q", tc.typ, tc.edits, tc.field, got, tc.want)
		}
	}
}

// TestValidateIdempotent checks that canonical fields validate to themselves,
// so stored documents can be checked again when read.
func TestValidateIdempotent(t *testing.T) {
	r := newRegistry(t)
	for _, typ := range r.Types() {
		first, err := r.Validate(typ.ID(), 1, mustJSON(t, example(t, typ.ID())), testNow())
		if err != nil {
			t.Fatalf("Validate(%s) = %v", typ.ID(), err)
		}
		again, err := r.Validate(typ.ID(), 1, mustJSON(t, first.Values), testNow())
		if err != nil || !reflect.DeepEqual(again, first) {
			t.Errorf("Validate(%s, canonical) = %v, %v; want the same fields", typ.ID(), again.Values, err)
		}
	}
}

func TestValidateOrdersErrorsBySchema(t *testing.T) {
	r := newRegistry(t)
	doc := apply(example(t, "passport_ru"), []edit{{"zzz", 1}, {"division_code", "x"}, {"series", "x"}, {"surname", "x"}})
	_, err := r.Validate("passport_ru", 1, mustJSON(t, doc), testNow())
	got := fieldErrors(t, r, "Validate(passport_ru)", err)
	want := []bad{{"series", CodeFormat}, {"surname", CodeFormat}, {"division_code", CodeFormat}, {"zzz", CodeUnknown}}
	if !slices.Equal(got, want) {
		t.Errorf("Validate(passport_ru) fields = %v, want %v", got, want)
	}
}

// TestValidateToday checks "not in the future" against the latest date on
// Earth: a passport issued today in Kamchatka (UTC+12) is valid while it is
// still yesterday in UTC.
func TestValidateToday(t *testing.T) {
	r := newRegistry(t)
	for _, tc := range []struct {
		issue string
		ok    bool
	}{{"2026-11-22", true}, {"2026-11-23", true}, {"2026-11-24", false}} {
		doc := apply(example(t, "snils"), []edit{{"issue_date", tc.issue}})
		_, err := r.Validate("snils", 1, mustJSON(t, doc), testNow())
		if (err == nil) != tc.ok {
			t.Errorf("Validate(snils, issue %s) at %s = %v, want ok=%v", tc.issue, testNow(), err, tc.ok)
		}
	}
}

func TestPassportAgeOnLeapDay(t *testing.T) {
	r := newRegistry(t)
	for _, tc := range []struct {
		issue string
		ok    bool
	}{{"2022-02-27", false}, {"2022-02-28", true}} {
		doc := apply(example(t, "passport_ru"), []edit{{"birth_date", "2008-02-29"}, {"issue_date", tc.issue}})
		_, err := r.Validate("passport_ru", 1, mustJSON(t, doc), testNow())
		if (err == nil) != tc.ok {
			t.Errorf("Validate(passport_ru, born 2008-02-29, issued %s) = %v, want ok=%v", tc.issue, err, tc.ok)
		}
	}
}

func TestFieldsDoNotLeak(t *testing.T) {
	r := newRegistry(t)
	f, err := r.Validate("large_family_certificate", 1, mustJSON(t, example(t, "large_family_certificate")), testNow())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("stored", "doc", f, "child", f.Children("children")[0])
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s %v", f, f, f, f, f.Children("children"))
	for _, secret := range []string{"Петров", "2013-05-01", "77-123456", "Анна"} {
		if strings.Contains(out, secret) {
			t.Errorf("log and fmt output %q contains %q", out, secret)
		}
	}
	if !strings.Contains(buf.String(), `"type":"large_family_certificate"`) || !strings.Contains(buf.String(), `"version":1`) {
		t.Errorf("log %q lacks type and version", buf.String())
	}
}

func TestLocalize(t *testing.T) {
	r := newRegistry(t)
	doc := apply(example(t, "snils"), []edit{{"number", "112-233-445 96"}, {"surname", del}})
	_, err := r.Validate("snils", 1, mustJSON(t, doc), testNow())
	ru := r.Localize("ru", err)
	var de, orig *digitalid.Error
	if !errors.As(ru, &de) || !errors.As(err, &orig) {
		t.Fatalf("Localize(ru, %v) = %v, want a *digitalid.Error", err, ru)
	}
	if de.Message != "В документе есть ошибки." || de.Fields[0].Message != "Контрольное число не сходится — проверьте, нет ли опечатки." ||
		de.Fields[1].Message != "Заполните это поле." {
		t.Errorf("Localize(ru) = %q %+v", de.Message, de.Fields)
	}
	if orig.Fields[0].Message != "The check digits do not match: please look for a typo." {
		t.Errorf("Localize changed the original error: %+v", orig.Fields)
	}
	kk := r.Localize("kk", err).(*digitalid.Error)
	if kk.Fields[1].Message != "Бұл өрісті толтырыңыз." {
		t.Errorf("Localize(kk) field = %q", kk.Fields[1].Message)
	}
	if fr := r.Localize("fr", err).(*digitalid.Error); fr.Message != de.Message {
		t.Errorf("Localize(fr) = %q, want the Russian fallback %q", fr.Message, de.Message)
	}
	plain := errors.New("boom")
	if got := r.Localize("ru", plain); got != plain {
		t.Errorf("Localize(ru, plain error) = %v, want it unchanged", got)
	}
}
