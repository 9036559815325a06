package vault

import "time"

// builtinTypes returns every document type the vault knows, in display
// order. A new schema version of a type is appended after the old one (the
// old stays, so stored documents keep validating); a change to a version
// already in use is a new version.
func builtinTypes() []*DocType {
	return []*DocType{
		passportRU(), passportInternational(), drivingLicence(), snils(), inn(), omsPolicy(),
		birthCertificate(), marriageCertificate(), militaryID(), studentCard(),
		largeFamilyCertificate(), other(),
	}
}

// Field constructors shared by the types. Names, numbers and birth data are
// personal data; issuing authorities, dates of issue and the like are not.

func nameField(name string, required bool, maxLen int) Field {
	return Field{Name: name, Kind: KindString, Format: FormatName, Required: required, Personal: true, MaxLen: maxLen}
}

// person returns surname, given names and (optional) patronymic in Cyrillic.
func person() []Field {
	return []Field{nameField("surname", true, 100), nameField("given_names", true, 100), nameField("patronymic", false, 100)}
}

func birthDate() Field {
	return Field{Name: "birth_date", Kind: KindDate, Required: true, Personal: true, Claim: ClaimBirthDate}
}

func birthPlace(required bool) Field {
	return Field{Name: "birth_place", Kind: KindString, Required: required, Personal: true, MaxLen: 250}
}

func sex(required bool) Field {
	return Field{Name: "sex", Kind: KindEnum, Enum: []string{"M", "F"}, Required: required, Personal: true,
		aliases: map[string]string{"ж": "F", "жен": "F", "женский": "F", "муж": "M", "мужской": "M"}}
}

// number is a document's own number or series in the given format.
func number(name, format string, required bool, maxLen int) Field {
	return Field{Name: name, Kind: KindDigits, Format: format, Required: required, Personal: true, MaxLen: maxLen}
}

func code(name, format string, maxLen int) Field {
	return Field{Name: name, Kind: KindString, Format: format, Required: true, Personal: true, MaxLen: maxLen}
}

func date(name string, required bool) Field {
	return Field{Name: name, Kind: KindDate, Required: required}
}

// expiry is a date that may lie ahead.
func expiry(name string, required bool, claim string) Field {
	return Field{Name: name, Kind: KindDate, Required: required, Future: true, Claim: claim}
}

func text(name string, required bool, maxLen int) Field {
	return Field{Name: name, Kind: KindString, Required: required, MaxLen: maxLen}
}

func docNumber(required bool) Field {
	return Field{Name: "number", Kind: KindString, Format: FormatDocNumber, Required: required, Personal: true, MaxLen: 64}
}

func fields(groups ...[]Field) []Field {
	var out []Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// Cross-field rules. Each sees only fields that passed their own checks, so
// a bad date is reported once, by its own check.

// minGap reports field (CodeTooEarly, key) when its date is before base's
// date plus years and days: a passport issued before the 14th birthday, an
// expiry not after the issue.
func minGap(field, base string, years, days int, key string) rule {
	return func(v values, add func(string, string, string)) {
		d, ok := v.date(field)
		b, okb := v.date(base)
		if ok && okb && d.Before(addYears(b, years).AddDate(0, 0, days)) {
			add(field, CodeTooEarly, key)
		}
	}
}

// maxGap reports field (CodeTooLate, key) when its date is after base's date
// plus years: an international passport valid for more than 10 years. For a
// base of 29 February either reading of the anniversary (28 February or
// 1 March) is allowed.
func maxGap(field, base string, years int, key string) rule {
	return func(v values, add func(string, string, string)) {
		d, ok := v.date(field)
		b, okb := v.date(base)
		if ok && okb && d.After(b.AddDate(years, 0, 0)) {
			add(field, CodeTooLate, key)
		}
	}
}

// since reports field (CodeTooEarly, key) when its date is before day.
func since(field string, day time.Time, key string) rule {
	return func(v values, add func(string, string, string)) {
		if d, ok := v.date(field); ok && d.Before(day) {
			add(field, CodeTooEarly, key)
		}
	}
}

// issuedAfterBirth is the rule every personal document shares.
func issuedAfterBirth() rule {
	return minGap("issue_date", "birth_date", 0, 0, "vault.error.rule.issue_before_birth")
}
