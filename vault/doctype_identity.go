package vault

import (
	"slices"
	"time"
)

// passportRU is the internal passport of a citizen of the Russian Federation
// (the 1997 form): issued from age 14, and not before 1 October 1997.
func passportRU() *DocType {
	return &DocType{id: "passport_ru", version: 1,
		fields: fields(
			[]Field{number("series", FormatPassportRUSeries, true, 4), number("number", FormatPassportRUNumber, true, 6)},
			person(),
			[]Field{sex(true), birthDate(), birthPlace(true), date("issue_date", true),
				text("authority", true, 250), {Name: "division_code", Kind: KindString, Format: FormatDivisionCode, Required: true, MaxLen: 7}},
		),
		rules: []rule{
			minGap("issue_date", "birth_date", 14, 0, "vault.error.rule.passport_age_14"),
			since("issue_date", time.Date(1997, 10, 1, 0, 0, 0, 0, time.UTC), "vault.error.rule.passport_since_1997"),
		},
	}
}

// passportInternational is the Russian passport for travel abroad: series
// of 2 digits and number of 7, valid for at most 10 years, with an optional
// machine-readable zone that must agree with the other fields.
func passportInternational() *DocType {
	return &DocType{id: "passport_international", version: 1,
		fields: []Field{
			number("series", FormatPassportIntSeries, true, 2), number("number", FormatPassportIntNumber, true, 7),
			nameField("surname", true, 100), nameField("given_names", true, 100),
			{Name: "surname_latin", Kind: KindString, Format: FormatNameLatin, Personal: true, MaxLen: 100},
			{Name: "given_names_latin", Kind: KindString, Format: FormatNameLatin, Personal: true, MaxLen: 100},
			sex(true), birthDate(), birthPlace(true), date("issue_date", true), expiry("expiry_date", true, ""),
			text("authority", true, 100),
			{Name: "mrz", Kind: KindString, Format: FormatMRZ, Personal: true, Multiline: true, MaxLen: 89},
		},
		rules: []rule{
			issuedAfterBirth(),
			minGap("expiry_date", "issue_date", 0, 1, "vault.error.rule.expiry_before_issue"),
			maxGap("expiry_date", "issue_date", 10, "vault.error.rule.passport_int_10y"),
			mrzAgrees,
		},
	}
}

// mrzAgrees reports an MRZ that contradicts the fields printed above it.
func mrzAgrees(v values, add func(string, string, string)) {
	m, ok := v.text("mrz")
	if !ok {
		return
	}
	z := readMRZ(m)
	yymmdd := func(field string) (string, bool) {
		d, ok := v.date(field)
		return d.Format("060102"), ok
	}
	series, okS := v.text("series")
	num, okN := v.text("number")
	agree := z.state == "RUS" && (!okS || !okN || z.number == series+num)
	if b, ok := yymmdd("birth_date"); ok && b != z.birth {
		agree = false
	}
	if e, ok := yymmdd("expiry_date"); ok && e != z.expiry {
		agree = false
	}
	if s, ok := v.text("sex"); ok && s != z.sex {
		agree = false
	}
	if s, ok := v.text("surname_latin"); ok && !mrzNameAgrees(z.surname, s) {
		agree = false
	}
	if !agree {
		add("mrz", CodeInconsistent, "vault.error.rule.mrz_mismatch")
	}
}

// mrzNameAgrees compares a Latin surname with the MRZ's, where spaces and
// hyphens are fillers and apostrophes are left out. A long name the MRZ cut
// short agrees with its beginning.
func mrzNameAgrees(mrz, latin string) bool {
	want := make([]byte, 0, len(latin))
	for i := range len(latin) {
		switch c := latin[i]; c {
		case ' ', '-':
			want = append(want, '<')
		case '\'':
		default:
			want = append(want, c)
		}
	}
	return mrz == string(want) || (len(mrz) == 39 && len(want) > 39 && string(want[:39]) == mrz)
}

// drivingLicence is the Russian national driving licence: 10 years from the
// day of issue, from age 16, with categories from the official list.
func drivingLicence() *DocType {
	return &DocType{id: "driving_licence", version: 1,
		fields: fields(
			[]Field{code("number", FormatDrivingLicence, 10)},
			person(),
			[]Field{birthDate(), birthPlace(true), date("issue_date", true), expiry("expiry_date", true, ""),
				text("authority", true, 100), text("residence_region", false, 100),
				{Name: "categories", Kind: KindEnumList, Required: true, MinItems: 1, MaxItems: 16,
					Enum: []string{"A", "A1", "B", "B1", "BE", "C", "C1", "CE", "C1E", "D", "D1", "DE", "D1E", "M", "Tm", "Tb"}}},
		),
		rules: []rule{
			minGap("issue_date", "birth_date", 16, 0, "vault.error.rule.licence_age_16"),
			licenceTerm,
			trailerCategories,
		},
	}
}

// licenceTerm reports an expiry other than 10 years after the issue.
func licenceTerm(v values, add func(string, string, string)) {
	issue, ok := v.date("issue_date")
	exp, oke := v.date("expiry_date")
	if ok && oke && !exp.Equal(addYears(issue, 10)) && !exp.Equal(issue.AddDate(10, 0, 0)) {
		add("expiry_date", CodeInconsistent, "vault.error.rule.licence_10y")
	}
}

// trailerCategories reports a trailer category (BE, CE, C1E, DE, D1E)
// without the category of its towing vehicle, which the law requires first.
func trailerCategories(v values, add func(string, string, string)) {
	cats, _ := v["categories"].([]string)
	for _, p := range [][2]string{{"BE", "B"}, {"CE", "C"}, {"C1E", "C1"}, {"DE", "D"}, {"D1E", "D1"}} {
		if slices.Contains(cats, p[0]) && !slices.Contains(cats, p[1]) {
			add("categories", CodeInconsistent, "vault.error.rule.trailer_category")
			return
		}
	}
}

// snils is the insurance certificate (now a notice) with the SNILS number.
func snils() *DocType {
	return &DocType{id: "snils", version: 1,
		fields: fields(
			[]Field{number("number", FormatSNILS, true, 11)},
			person(),
			[]Field{sex(true), birthDate(), birthPlace(false), date("issue_date", false)},
		),
		rules: []rule{issuedAfterBirth()},
	}
}

// inn is an individual's taxpayer identification number certificate.
func inn() *DocType {
	return &DocType{id: "inn", version: 1,
		fields: fields(
			[]Field{number("number", FormatINN, true, 12)},
			person(),
			[]Field{sex(false), birthDate(), birthPlace(false), date("issue_date", false), text("authority", false, 250)},
		),
		rules: []rule{issuedAfterBirth()},
	}
}

// omsPolicy is the compulsory medical insurance policy with its unified
// 16-digit number.
func omsPolicy() *DocType {
	return &DocType{id: "oms_policy", version: 1,
		fields: fields(
			[]Field{number("number", FormatOMS, true, 16)},
			person(),
			[]Field{sex(true), birthDate(), date("issue_date", false), text("insurer", false, 250)},
		),
		rules: []rule{issuedAfterBirth()},
	}
}

// militaryID is the military ID (военный билет): two Cyrillic letters and
// seven digits, issued from age 16.
func militaryID() *DocType {
	return &DocType{id: "military_id", version: 1,
		fields: fields(
			[]Field{code("series", FormatMilitarySeries, 2), number("number", FormatMilitaryNumber, true, 7)},
			person(),
			[]Field{birthDate(), birthPlace(false), date("issue_date", true), text("authority", true, 250)},
		),
		rules: []rule{minGap("issue_date", "birth_date", 16, 0, "vault.error.rule.military_age_16")},
	}
}
