package vault

import (
	"fmt"
	"log/slog"
	"time"
)

// Fields is a validated document's content in canonical form: the output of
// Registry.Validate and what the vault encrypts and stores. Values maps each
// present field's name to its normalised value:
//
//   - string for KindString, KindDigits (digits only), KindDate (YYYY-MM-DD)
//     and KindEnum fields;
//   - []string for KindEnumList fields, in the order of Field.Enum;
//   - []Child for KindChildren fields.
//
// Absent optional fields have no entry. The values are personal data: Fields
// logs and prints only its type and version.
type Fields struct {
	Type    string         `json:"type"`
	Version int            `json:"version"`
	Values  map[string]any `json:"fields"`
}

// Child is one child on a large-family certificate.
type Child struct {
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"`
}

// LogValue logs the document's type and version, never its values.
func (f Fields) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", f.Type), slog.Int("version", f.Version))
}

// String names the type and version only, so that printing Fields with %v
// cannot leak a value.
func (f Fields) String() string { return fmt.Sprintf("vault.Fields{%s v%d}", f.Type, f.Version) }

// GoString is String for %#v.
func (f Fields) GoString() string { return f.String() }

// Text returns a string-valued field, or "" when it is absent.
func (f Fields) Text(name string) string {
	s, _ := f.Values[name].(string)
	return s
}

// List returns a KindEnumList field's values, or nil.
func (f Fields) List(name string) []string {
	l, _ := f.Values[name].([]string)
	return l
}

// Children returns a KindChildren field's items, or nil.
func (f Fields) Children(name string) []Child {
	c, _ := f.Values[name].([]Child)
	return c
}

// LogValue hides a child's name and birth date.
func (c Child) LogValue() slog.Value { return slog.StringValue("[child]") }

// String hides a child's name and birth date from %v.
func (c Child) String() string { return "[child]" }

// GoString is String for %#v.
func (c Child) GoString() string { return c.String() }

// values is the map of fields that passed their own checks, as cross-field
// rules see it.
type values map[string]any

func (v values) text(name string) (string, bool) {
	s, ok := v[name].(string)
	return s, ok
}

// date returns a field holding a valid date.
func (v values) date(name string) (time.Time, bool) {
	s, ok := v.text(name)
	if !ok {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}
