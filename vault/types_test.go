package vault

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestValidateExamples(t *testing.T) {
	r := newRegistry(t)
	for _, typ := range r.Types() {
		t.Run(typ.ID(), func(t *testing.T) {
			f, err := r.Validate(typ.ID(), typ.Version(), mustJSON(t, example(t, typ.ID())), testNow())
			if err != nil {
				t.Fatalf("Validate(%s example) = %v, want nil", typ.ID(), err)
			}
			if f.Type != typ.ID() || f.Version != typ.Version() {
				t.Errorf("Validate(%s example) = %s, want type and version echoed", typ.ID(), f)
			}
		})
	}
}

func child(name, birth string) map[string]any {
	return map[string]any{"name": name, "birth_date": birth}
}

// rejectCases are real-format documents with mistakes. Each names every
// field the mistake must be reported on.
func rejectCases() []struct {
	name  string
	typ   string
	edits []edit
	want  []bad
} {
	three := []any{child("Петров Иван", "2013-05-01"), child("Петрова Мария", "2016-02-29"), child("Петров Илья", "2020-11-30")}
	return []struct {
		name  string
		typ   string
		edits []edit
		want  []bad
	}{
		// passport_ru
		{"passport region 00", "passport_ru", []edit{{"series", "00 05"}}, []bad{{"series", CodeFormat}}},
		{"passport region not in OKATO", "passport_ru", []edit{{"series", "02 05"}}, []bad{{"series", CodeFormat}}},
		{"passport blank year 50", "passport_ru", []edit{{"series", "4550"}}, []bad{{"series", CodeFormat}}},
		{"passport series letter", "passport_ru", []edit{{"series", "45 0А"}}, []bad{{"series", CodeFormat}}},
		{"passport number 5 digits", "passport_ru", []edit{{"number", "12345"}}, []bad{{"number", CodeFormat}}},
		{"passport number zeros", "passport_ru", []edit{{"number", "000000"}}, []bad{{"number", CodeFormat}}},
		{"surname in Latin", "passport_ru", []edit{{"surname", "Ivanova"}}, []bad{{"surname", CodeFormat}}},
		{"surname mixed scripts", "passport_ru", []edit{{"surname", "Иванoва"}}, []bad{{"surname", CodeFormat}}},
		{"surname with digit", "passport_ru", []edit{{"surname", "Иван0ва"}}, []bad{{"surname", CodeFormat}}},
		{"surname double hyphen", "passport_ru", []edit{{"surname", "Римский--Корсаков"}}, []bad{{"surname", CodeFormat}}},
		{"surname ends with hyphen", "passport_ru", []edit{{"surname", "Римский-"}}, []bad{{"surname", CodeFormat}}},
		{"patronymic too long", "passport_ru", []edit{{"patronymic", strings.Repeat("Щ", 101)}}, []bad{{"patronymic", CodeTooLong}}},
		{"sex X", "passport_ru", []edit{{"sex", "X"}}, []bad{{"sex", CodeEnum}}},
		{"birth 30 February", "passport_ru", []edit{{"birth_date", "2023-02-30"}}, []bad{{"birth_date", CodeNotADate}}},
		{"birth month 13", "passport_ru", []edit{{"birth_date", "1985-13-01"}}, []bad{{"birth_date", CodeNotADate}}},
		{"birth dotted", "passport_ru", []edit{{"birth_date", "14.03.1985"}}, []bad{{"birth_date", CodeFormat}}},
		{"birth with time", "passport_ru", []edit{{"birth_date", "1985-03-14T00:00:00Z"}}, []bad{{"birth_date", CodeFormat}}},
		{"birth 1899", "passport_ru", []edit{{"birth_date", "1899-12-31"}}, []bad{{"birth_date", CodeTooOld}}},
		{"birth in the future", "passport_ru", []edit{{"birth_date", "2027-01-01"}}, []bad{{"birth_date", CodeFutureDate}}},
		{"issued before 14th birthday", "passport_ru", []edit{{"birth_date", "1995-06-01"}, {"issue_date", "2009-05-31"}}, []bad{{"issue_date", CodeTooEarly}}},
		{"issued before 1 October 1997", "passport_ru", []edit{{"birth_date", "1980-01-01"}, {"issue_date", "1997-09-30"}}, []bad{{"issue_date", CodeTooEarly}}},
		{"issued in the future", "passport_ru", []edit{{"issue_date", "2026-11-24"}}, []bad{{"issue_date", CodeFutureDate}}},
		{"division code short", "passport_ru", []edit{{"division_code", "77-001"}}, []bad{{"division_code", CodeFormat}}},
		{"division code region 00", "passport_ru", []edit{{"division_code", "000-123"}}, []bad{{"division_code", CodeFormat}}},
		{"missing and blank", "passport_ru", []edit{{"surname", del}, {"given_names", "   "}, {"authority", nil}},
			[]bad{{"surname", CodeRequired}, {"given_names", CodeRequired}, {"authority", CodeRequired}}},
		{"every field at once", "passport_ru", []edit{{"series", "1"}, {"number", "x"}, {"sex", "?"}, {"birth_date", "0"}, {"issue_date", "2023-02-29"}, {"division_code", "1"}, {"birth_place", 5}},
			[]bad{{"series", CodeFormat}, {"number", CodeFormat}, {"sex", CodeEnum}, {"birth_date", CodeFormat}, {"issue_date", CodeNotADate}, {"division_code", CodeFormat}, {"birth_place", CodeType}}},
		// passport_international
		{"int series 1 digit", "passport_international", []edit{{"series", "7"}, {"mrz", del}}, []bad{{"series", CodeFormat}}},
		{"int number 6 digits", "passport_international", []edit{{"number", "123456"}, {"mrz", del}}, []bad{{"number", CodeFormat}}},
		{"int expiry before issue", "passport_international", []edit{{"expiry_date", "2021-06-01"}, {"mrz", del}}, []bad{{"expiry_date", CodeTooEarly}}},
		{"int valid 11 years", "passport_international", []edit{{"expiry_date", "2032-06-01"}, {"mrz", del}}, []bad{{"expiry_date", CodeTooLate}}},
		{"int latin surname in Cyrillic", "passport_international", []edit{{"surname_latin", "Иванова"}}, []bad{{"surname_latin", CodeFormat}}},
		{"mrz check digit", "passport_international", []edit{{"mrz", "P<RUSIVANOVA<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<\n7512345673RUS8503149F3106017<<<<<<<<<<<<<<<6"}}, []bad{{"mrz", CodeChecksum}}},
		{"mrz one line short", "passport_international", []edit{{"mrz", "P<RUSIVANOVA<<ANNA\n7512345672RUS8503149F3106017<<<<<<<<<<<<<<<6"}}, []bad{{"mrz", CodeFormat}}},
		{"mrz other birth date", "passport_international", []edit{{"birth_date", "1985-03-15"}}, []bad{{"mrz", CodeInconsistent}}},
		{"mrz other number", "passport_international", []edit{{"number", "1234568"}}, []bad{{"mrz", CodeInconsistent}}},
		{"mrz other surname", "passport_international", []edit{{"surname_latin", "PETROVA"}}, []bad{{"mrz", CodeInconsistent}}},
		{"mrz not Russian", "passport_international", []edit{{"mrz", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}, {"surname_latin", del}},
			[]bad{{"mrz", CodeInconsistent}}},
		// driving_licence
		{"licence region 00", "driving_licence", []edit{{"number", "00 12 345678"}}, []bad{{"number", CodeFormat}}},
		{"licence digit and letter", "driving_licence", []edit{{"number", "77 1А 345678"}}, []bad{{"number", CodeFormat}}},
		{"licence letter not on plates", "driving_licence", []edit{{"number", "77 ЖЖ 345678"}}, []bad{{"number", CodeFormat}}},
		{"licence 9 characters", "driving_licence", []edit{{"number", "7712 34567"}}, []bad{{"number", CodeFormat}}},
		{"category Z", "driving_licence", []edit{{"categories", []any{"B", "Z"}}}, []bad{{"categories[1]", CodeEnum}}},
		{"category not a string", "driving_licence", []edit{{"categories", []any{"B", 1}}}, []bad{{"categories[1]", CodeType}}},
		{"categories not a list", "driving_licence", []edit{{"categories", "B"}}, []bad{{"categories", CodeType}}},
		{"categories empty", "driving_licence", []edit{{"categories", []any{}}}, []bad{{"categories", CodeRequired}}},
		{"trailer without car", "driving_licence", []edit{{"categories", []any{"BE", "M"}}}, []bad{{"categories", CodeInconsistent}}},
		{"licence valid 9 years", "driving_licence", []edit{{"expiry_date", "2029-09-15"}}, []bad{{"expiry_date", CodeInconsistent}}},
		{"licence at 15", "driving_licence", []edit{{"birth_date", "2005-09-16"}, {"issue_date", "2020-09-15"}}, []bad{{"issue_date", CodeTooEarly}}},
		// snils
		{"snils check number", "snils", []edit{{"number", "112-233-445 96"}}, []bad{{"number", CodeChecksum}}},
		{"snils 9 digits", "snils", []edit{{"number", "112-233-445"}}, []bad{{"number", CodeFormat}}},
		{"snils zeros", "snils", []edit{{"number", "000-000-000 00"}}, []bad{{"number", CodeFormat}}},
		{"snils as JSON number", "snils", []edit{{"number", 11223344595}}, []bad{{"number", CodeType}}},
		{"sex as object", "snils", []edit{{"sex", map[string]any{"v": "F"}}}, []bad{{"sex", CodeType}}},
		{"birth place as boolean", "snils", []edit{{"birth_place", true}}, []bad{{"birth_place", CodeType}}},
		{"snils letters", "snils", []edit{{"number", "112-233-445 9O"}}, []bad{{"number", CodeFormat}}},
		{"snils issued before birth", "snils", []edit{{"issue_date", "1985-03-13"}}, []bad{{"issue_date", CodeTooEarly}}},
		// inn
		{"inn second check digit", "inn", []edit{{"number", "500100732258"}}, []bad{{"number", CodeChecksum}}},
		{"inn first check digit", "inn", []edit{{"number", "500100732269"}}, []bad{{"number", CodeChecksum}}},
		{"inn of an organisation", "inn", []edit{{"number", "7707083893"}}, []bad{{"number", CodeFormat}}},
		{"inn 13 digits", "inn", []edit{{"number", "5001007322590"}}, []bad{{"number", CodeFormat}}},
		// oms_policy
		{"oms check digit", "oms_policy", []edit{{"number", "8451999122899991"}}, []bad{{"number", CodeChecksum}}},
		{"oms transposed digits", "oms_policy", []edit{{"number", "4851999122899990"}}, []bad{{"number", CodeChecksum}}},
		{"oms old form", "oms_policy", []edit{{"number", "ЕА 1234567890"}}, []bad{{"number", CodeFormat}}},
		{"oms temporary certificate", "oms_policy", []edit{{"number", "123456789"}}, []bad{{"number", CodeFormat}}},
		// birth_certificate
		{"cert numeral IIII", "birth_certificate", []edit{{"series", "IIII-МЮ"}}, []bad{{"series", CodeFormat}}},
		{"cert numeral VX", "birth_certificate", []edit{{"series", "VX-МЮ"}}, []bad{{"series", CodeFormat}}},
		{"cert numeral 400", "birth_certificate", []edit{{"series", "CD-МЮ"}}, []bad{{"series", CodeFormat}}},
		{"cert letter J", "birth_certificate", []edit{{"series", "IV-MJ"}}, []bad{{"series", CodeFormat}}},
		{"cert one letter", "birth_certificate", []edit{{"series", "IV-М"}}, []bad{{"series", CodeFormat}}},
		{"cert number 7 digits", "birth_certificate", []edit{{"number", "1234567"}}, []bad{{"number", CodeFormat}}},
		{"cert issued before birth", "birth_certificate", []edit{{"issue_date", "1985-03-13"}}, []bad{{"issue_date", CodeTooEarly}}},
		{"father in Latin", "birth_certificate", []edit{{"father_name", "Ivanov Sergei"}}, []bad{{"father_name", CodeFormat}}},
		// marriage_certificate
		{"issued before marriage", "marriage_certificate", []edit{{"issue_date", "2012-08-17"}}, []bad{{"issue_date", CodeTooEarly}}},
		{"marriage in the future", "marriage_certificate", []edit{{"marriage_date", "2030-01-01"}}, []bad{{"marriage_date", CodeFutureDate}}},
		{"no husband", "marriage_certificate", []edit{{"husband_name", del}}, []bad{{"husband_name", CodeRequired}}},
		// military_id
		{"military series digit", "military_id", []edit{{"series", "А1"}}, []bad{{"series", CodeFormat}}},
		{"military series 3 letters", "military_id", []edit{{"series", "АКБ"}}, []bad{{"series", CodeFormat}}},
		{"military number 6 digits", "military_id", []edit{{"number", "123456"}}, []bad{{"number", CodeFormat}}},
		{"military at 15", "military_id", []edit{{"issue_date", "2005-07-20"}}, []bad{{"issue_date", CodeTooEarly}}},
		// student_card
		{"study form unknown", "student_card", []edit{{"study_form", "sabbatical"}}, []bad{{"study_form", CodeEnum}}},
		{"valid until before issue", "student_card", []edit{{"valid_until", "2024-09-01"}}, []bad{{"valid_until", CodeTooEarly}}},
		{"valid until 2200", "student_card", []edit{{"valid_until", "2200-01-01"}}, []bad{{"valid_until", CodeTooFar}}},
		{"group too long", "student_card", []edit{{"group", strings.Repeat("Г", 51)}}, []bad{{"group", CodeTooLong}}},
		{"student missing claims", "student_card", []edit{{"institution", del}, {"speciality", ""}, {"group", nil}, {"valid_until", del}},
			[]bad{{"institution", CodeRequired}, {"speciality", CodeRequired}, {"group", CodeRequired}, {"valid_until", CodeRequired}}},
		// large_family_certificate
		{"two children", "large_family_certificate", []edit{{"children", three[:2]}}, []bad{{"children", CodeTooFew}}},
		{"child born in the future", "large_family_certificate",
			[]edit{{"children", []any{three[0], child("Петрова Мария", "2027-01-01"), three[2]}}}, []bad{{"children[1].birth_date", CodeFutureDate}}},
		{"child 30 February", "large_family_certificate",
			[]edit{{"children", []any{three[0], three[1], child("Петров Илья", "2020-02-30")}}}, []bad{{"children[2].birth_date", CodeNotADate}}},
		{"child without name", "large_family_certificate",
			[]edit{{"children", []any{map[string]any{"birth_date": "2013-05-01"}, three[1], three[2]}}}, []bad{{"children[0].name", CodeRequired}}},
		{"child unknown member", "large_family_certificate",
			[]edit{{"children", []any{three[0], three[1], map[string]any{"name": "Петров Илья", "birth_date": "2020-11-30", "age": 6}}}}, []bad{{"children[2].age", CodeUnknown}}},
		{"child not an object", "large_family_certificate", []edit{{"children", []any{"Петров Иван", three[1], three[2]}}}, []bad{{"children[0]", CodeType}}},
		{"children not a list", "large_family_certificate", []edit{{"children", "three"}}, []bad{{"children", CodeType}}},
		{"two children, one bad", "large_family_certificate", []edit{{"children", []any{three[0], child("Petrov", "2016-02-29")}}},
			[]bad{{"children", CodeTooFew}, {"children[1].name", CodeFormat}}},
		{"31 children", "large_family_certificate", []edit{{"children", slices.Repeat([]any{three[0]}, 31)}}, []bad{{"children", CodeTooMany}}},
		{"no children", "large_family_certificate", []edit{{"children", del}}, []bad{{"children", CodeRequired}}},
		// other
		{"other without title", "other", []edit{{"title", del}}, []bad{{"title", CodeRequired}}},
		{"other text too long", "other", []edit{{"text", strings.Repeat("я", 4001)}}, []bad{{"text", CodeTooLong}}},
		{"other control character", "other", []edit{{"text", "звонок\a"}}, []bad{{"text", CodeFormat}}},
		{"other number symbols", "other", []edit{{"number", "A#1"}}, []bad{{"number", CodeFormat}}},
		{"other valid until before issue", "other", []edit{{"valid_until", "2021-01-10"}}, []bad{{"valid_until", CodeTooEarly}}},
	}
}

func TestValidateRejects(t *testing.T) {
	r := newRegistry(t)
	for _, tc := range rejectCases() {
		t.Run(tc.name, func(t *testing.T) {
			doc := apply(example(t, tc.typ), tc.edits)
			call := fmt.Sprintf("Validate(%s, %v)", tc.typ, tc.edits)
			_, err := r.Validate(tc.typ, 1, mustJSON(t, doc), testNow())
			got := fieldErrors(t, r, call, err)
			if !slices.Equal(sortBad(got), sortBad(tc.want)) {
				t.Errorf("%s fields = %v, want %v", call, got, tc.want)
			}
		})
	}
}
