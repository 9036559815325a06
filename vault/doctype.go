package vault

import (
	"fmt"
	"slices"
)

// Kind is the shape of a field's value, which decides how its JSON is read
// and how a form shows it.
type Kind string

// Field kinds. Every kind but KindEnumList and KindChildren is a JSON string.
const (
	KindString   Kind = "string"    // text; Format narrows it (names, series, codes)
	KindDigits   Kind = "digits"    // a number written with digits (SNILS, INN, OMS); separators are dropped
	KindDate     Kind = "date"      // a calendar date, YYYY-MM-DD
	KindEnum     Kind = "enum"      // one of Field.Enum
	KindEnumList Kind = "enum_list" // a JSON array of distinct values of Field.Enum
	KindChildren Kind = "children"  // a JSON array of objects with the fields of Field.Children
)

// Formats name the specific rule a string or digits field follows. Each has
// an error message "vault.error.format.<format>" telling the citizen what is
// expected, in every language.
const (
	FormatName              = "name"                // Cyrillic letters, hyphen, space, apostrophe
	FormatNameLatin         = "name_latin"          // Latin letters, hyphen, space, apostrophe; upper case
	FormatSNILS             = "snils"               // 11 digits with the Pension Fund check number
	FormatINN               = "inn"                 // 12-digit individual taxpayer number, two check digits
	FormatOMS               = "oms"                 // 16-digit unified OMS policy number, Mod10 check digit
	FormatPassportRUSeries  = "passport_ru_series"  // 4 digits: OKATO region code + blank year
	FormatPassportRUNumber  = "passport_ru_number"  // 6 digits
	FormatDivisionCode      = "division_code"       // issuing authority code NNN-NNN
	FormatPassportIntSeries = "passport_int_series" // 2 digits
	FormatPassportIntNumber = "passport_int_number" // 7 digits
	FormatMRZ               = "mrz"                 // ICAO 9303 TD3 machine-readable zone, 2×44 characters
	FormatDrivingLicence    = "driving_licence"     // 10 characters: 2 digits, 2 digits or letters, 6 digits
	FormatCertSeries        = "cert_series"         // civil registry series: Roman numeral, hyphen, 2 Cyrillic letters
	FormatCertNumber        = "cert_number"         // 6 digits
	FormatMilitarySeries    = "military_series"     // 2 Cyrillic letters
	FormatMilitaryNumber    = "military_number"     // 7 digits
	FormatDocNumber         = "doc_number"          // a free document number: letters, digits, space, - / . №
)

// Field describes one field of a document type. Fields are read-only values:
// the Registry hands out copies.
type Field struct {
	Name      string   // the JSON member name, stable across versions
	Kind      Kind     // the value's shape
	Format    string   // the specific rule (Format* constants), "" for plain text
	Required  bool     // the document is invalid without it
	Personal  bool     // personal data: encrypted, never logged, shown only to the citizen
	MaxLen    int      // the longest normalised value, in characters (typed input may add separators)
	Enum      []string // the allowed values of enum fields, in canonical spelling and display order
	Future    bool     // a date that may lie in the future (expiry, valid until)
	Multiline bool     // free text that may hold line breaks
	MinItems  int      // the fewest items of a list field
	MaxItems  int      // the most items of a list field
	Children  []Field  // the fields of each item of a KindChildren field
	// Claim names the claim a derived attestation reads from this field
	// (ClaimBirthDate for age_over_NN, ClaimStudy* for student, ClaimChildren
	// for large_family); "" when no attestation uses it.
	Claim string

	aliases map[string]string // other spellings of enum values (Cyrillic М/Ж for sex)
}

// Claims that derived attestations read. They name the fact, not the field,
// so that a type's field may be renamed in a new schema version.
const (
	ClaimBirthDate       = "birth_date"
	ClaimInstitution     = "institution"
	ClaimStudyForm       = "study_form"
	ClaimSpeciality      = "speciality"
	ClaimGroup           = "group"
	ClaimValidUntil      = "valid_until"
	ClaimChildren        = "children"
	ClaimChildBirthDates = "children.birth_date"
)

func (f Field) clone() Field {
	f.Enum = slices.Clone(f.Enum)
	if f.Children != nil {
		cs := make([]Field, len(f.Children))
		for i, c := range f.Children {
			cs[i] = c.clone()
		}
		f.Children = cs
	}
	return f
}

// rule is a check across fields of one document. It sees only the fields
// that passed their own checks (absent otherwise) and reports through add.
type rule func(v values, add func(field, code, key string))

// DocType is one version of one document type's schema.
type DocType struct {
	id      string
	version int
	fields  []Field
	rules   []rule
}

// ID is the stable type identifier, such as "passport_ru".
func (t *DocType) ID() string { return t.id }

// Version is the schema version, from 1.
func (t *DocType) Version() int { return t.version }

// Fields returns copies of the type's fields in display order.
func (t *DocType) Fields() []Field {
	out := make([]Field, len(t.fields))
	for i, f := range t.fields {
		out[i] = f.clone()
	}
	return out
}

// Field returns a copy of the named field.
func (t *DocType) Field(name string) (Field, bool) {
	i := t.index(name)
	if i < 0 {
		return Field{}, false
	}
	return t.fields[i].clone(), true
}

// Claims maps each claim the type provides to the name of its field, for the
// credential package's derived attestations.
func (t *DocType) Claims() map[string]string {
	out := make(map[string]string)
	for _, f := range t.fields {
		if f.Claim != "" {
			out[f.Claim] = f.Name
		}
		for _, c := range f.Children {
			if c.Claim != "" {
				out[c.Claim] = f.Name + "." + c.Name
			}
		}
	}
	return out
}

func (t *DocType) index(name string) int {
	return slices.IndexFunc(t.fields, func(f Field) bool { return f.Name == name })
}

// Registry is the set of document types and their messages in every
// supported language. It is built once at start and read-only after, so it
// is safe for concurrent use.
type Registry struct {
	types map[string][]*DocType // by id, ascending versions
	order []string              // ids in display order
	msgs  messages
}

// NewRegistry builds the registry of every document type and loads the
// embedded message files. It fails if a type, field, enum value or error
// message lacks a text in any language, so a missing translation stops the
// service at start rather than showing a key to a citizen.
func NewRegistry() (*Registry, error) {
	msgs, err := loadMessages()
	if err != nil {
		return nil, err
	}
	r := &Registry{types: make(map[string][]*DocType), msgs: msgs}
	for _, t := range builtinTypes() {
		if err := r.add(t); err != nil {
			return nil, err
		}
	}
	if err := r.checkMessages(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Registry) add(t *DocType) error {
	vs := r.types[t.id]
	if len(vs) > 0 && vs[len(vs)-1].version >= t.version {
		return fmt.Errorf("vault: type %s version %d added out of order", t.id, t.version)
	}
	seen := make(map[string]bool)
	for _, f := range t.fields {
		if seen[f.Name] {
			return fmt.Errorf("vault: type %s v%d: field %s twice", t.id, t.version, f.Name)
		}
		seen[f.Name] = true
	}
	if len(vs) == 0 {
		r.order = append(r.order, t.id)
	}
	r.types[t.id] = append(vs, t)
	return nil
}

// Types returns the latest version of every type, in display order.
func (r *Registry) Types() []*DocType {
	out := make([]*DocType, 0, len(r.order))
	for _, id := range r.order {
		vs := r.types[id]
		out = append(out, vs[len(vs)-1])
	}
	return out
}

// Type returns the given version of a type.
func (r *Registry) Type(id string, version int) (*DocType, bool) {
	for _, t := range r.types[id] {
		if t.version == version {
			return t, true
		}
	}
	return nil, false
}

// Latest returns the newest version of a type: the one new documents use.
func (r *Registry) Latest(id string) (*DocType, bool) {
	vs := r.types[id]
	if len(vs) == 0 {
		return nil, false
	}
	return vs[len(vs)-1], true
}
