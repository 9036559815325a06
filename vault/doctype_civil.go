package vault

// birthCertificate is a civil registry birth certificate of the holder.
func birthCertificate() *DocType {
	return &DocType{id: "birth_certificate", version: 1,
		fields: fields(
			[]Field{code("series", FormatCertSeries, 14), number("number", FormatCertNumber, true, 6)},
			person(),
			[]Field{birthDate(), birthPlace(true),
				nameField("father_name", false, 250), nameField("mother_name", false, 250),
				recordNumber(), date("issue_date", true), text("authority", true, 250)},
		),
		rules: []rule{issuedAfterBirth()},
	}
}

// marriageCertificate is a civil registry marriage certificate.
func marriageCertificate() *DocType {
	marriage := date("marriage_date", true)
	marriage.Personal = true
	return &DocType{id: "marriage_certificate", version: 1,
		fields: []Field{
			code("series", FormatCertSeries, 14), number("number", FormatCertNumber, true, 6),
			nameField("husband_name", true, 250), nameField("wife_name", true, 250),
			marriage, recordNumber(), date("issue_date", true), text("authority", true, 250),
		},
		rules: []rule{minGap("issue_date", "marriage_date", 0, 0, "vault.error.rule.issue_before_marriage")},
	}
}

// recordNumber is the number of the civil registry act record.
func recordNumber() Field {
	return Field{Name: "record_number", Kind: KindString, Format: FormatDocNumber, MaxLen: 32}
}

// studentCard is a student's card (студенческий билет). Institution, study
// form, speciality, group and validity feed the "student" attestation a
// verifier sees instead of the card.
func studentCard() *DocType {
	claim := func(f Field, c string) Field { f.Claim = c; return f }
	return &DocType{id: "student_card", version: 1,
		fields: fields(
			[]Field{docNumber(false)},
			person(),
			[]Field{
				claim(text("institution", true, 250), ClaimInstitution),
				{Name: "study_form", Kind: KindEnum, Required: true, Claim: ClaimStudyForm,
					Enum: []string{"full_time", "part_time", "extramural", "distance"},
					aliases: map[string]string{"очная": "full_time", "очно-заочная": "part_time",
						"вечерняя": "part_time", "заочная": "extramural", "дистанционная": "distance"}},
				claim(text("speciality", true, 250), ClaimSpeciality),
				claim(text("group", true, 50), ClaimGroup),
				date("issue_date", false),
				expiry("valid_until", true, ClaimValidUntil),
			},
		),
		rules: []rule{minGap("valid_until", "issue_date", 0, 1, "vault.error.rule.valid_before_issue")},
	}
}

// largeFamilyCertificate is the certificate of a large family: by the
// federal rule (Presidential Decree No. 63 of 23 January 2024) a family with
// three or more children. It lists each child with a date of birth, from
// which the "large_family" attestation derives the number and ages of the
// children.
func largeFamilyCertificate() *DocType {
	childBirth := birthDate()
	childBirth.Claim = ClaimChildBirthDates
	return &DocType{id: "large_family_certificate", version: 1,
		fields: fields(
			[]Field{docNumber(true)},
			person(),
			[]Field{
				{Name: "children", Kind: KindChildren, Required: true, Personal: true, MinItems: 3, MaxItems: 30,
					Claim: ClaimChildren, Children: []Field{nameField("name", true, 250), childBirth}},
				date("issue_date", true), expiry("valid_until", false, ClaimValidUntil),
				text("authority", true, 250),
			},
		),
		rules: []rule{minGap("valid_until", "issue_date", 0, 1, "vault.error.rule.valid_before_issue")},
	}
}

// other is any document without a type of its own: a title and bounded
// free text. It never feeds an attestation.
func other() *DocType {
	return &DocType{id: "other", version: 1,
		fields: []Field{
			text("title", true, 200), docNumber(false), nameField("holder_name", false, 250),
			text("issuer", false, 250), date("issue_date", false), expiry("valid_until", false, ""),
			{Name: "text", Kind: KindString, Personal: true, Multiline: true, MaxLen: 4000},
		},
		rules: []rule{minGap("valid_until", "issue_date", 0, 1, "vault.error.rule.valid_before_issue")},
	}
}
