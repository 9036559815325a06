package vault

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
)

// MaxDocumentSize is the largest document JSON Validate reads, in bytes.
// The longest legitimate document (a large family with many children, or
// "other" with long notes) is a few kilobytes.
const MaxDocumentSize = 64 << 10

// Field error codes: the stable FieldError.Code values clients may switch on.
// Each has a message "vault.error.<code>" in every language; some have more
// precise ones (see FieldError.Key).
const (
	CodeRequired     = "required"     // a required field is missing or empty
	CodeType         = "type"         // the JSON value has the wrong type (a number where a string belongs)
	CodeUnknown      = "unknown"      // the document has a field its type does not define
	CodeDuplicate    = "duplicate"    // the same field appears twice in the JSON object
	CodeFormat       = "format"       // the value is not written the way the field requires
	CodeChecksum     = "checksum"     // the check digits do not match: a typo
	CodeTooLong      = "too_long"     // longer than Field.MaxLen
	CodeNotADate     = "not_a_date"   // shaped like a date but no such day (2023-02-30)
	CodeFutureDate   = "future_date"  // a date that cannot be in the future is
	CodeTooOld       = "too_old"      // a date before 1900
	CodeTooFar       = "too_far"      // an expiry more than 100 years ahead
	CodeTooEarly     = "too_early"    // a date before what another field allows (issue before birth)
	CodeTooLate      = "too_late"     // a date after what another field allows (expiry too long after issue)
	CodeEnum         = "enum"         // not one of the allowed values
	CodeTooFew       = "too_few"      // a list with fewer than Field.MinItems items
	CodeTooMany      = "too_many"     // a list with more than Field.MaxItems items
	CodeInconsistent = "inconsistent" // contradicts another field
)

// errorCodes lists every field error code, for the message-file check.
func errorCodes() []string {
	return []string{CodeRequired, CodeType, CodeUnknown, CodeDuplicate, CodeFormat, CodeChecksum,
		CodeTooLong, CodeNotADate, CodeFutureDate, CodeTooOld, CodeTooFar, CodeTooEarly, CodeTooLate,
		CodeEnum, CodeTooFew, CodeTooMany, CodeInconsistent}
}

// Validate decodes raw, the JSON object of one document of the given type
// and schema version, checks every field and returns the fields in canonical
// form. now is the moment of the check (dates may not be after it).
//
// Errors (all *digitalid.Error): ETOOLARGE when raw is over MaxDocumentSize;
// EINVALID when the type or version is unknown, when raw is not a JSON
// object, or with Fields listing every bad field — each with a path such as
// "children[1].birth_date", a Code* code, and a message Key that
// FieldMessage turns into text in the citizen's language (Message holds the
// English text).
func (r *Registry) Validate(typeID string, version int, raw json.RawMessage, now time.Time) (Fields, error) {
	t, ok := r.Type(typeID, version)
	if !ok {
		field, key := "type", "vault.error.unknown_type"
		if _, known := r.Latest(typeID); known {
			field, key = "version", "vault.error.unknown_version"
		}
		return Fields{}, r.docError(digitalid.EINVALID, key, []digitalid.FieldError{r.fieldError(field, CodeUnknown, key)})
	}
	if len(raw) > MaxDocumentSize {
		return Fields{}, r.docError(digitalid.ETOOLARGE, "vault.error.too_large", nil)
	}
	if !utf8.Valid(raw) || !json.Valid(raw) {
		return Fields{}, r.docError(digitalid.EINVALID, "vault.error.json", nil)
	}
	c := &checker{reg: r, today: latestToday(now)}
	vals, ok := c.object(t.fields, "", raw)
	if !ok {
		return Fields{}, r.docError(digitalid.EINVALID, "vault.error.not_object", nil)
	}
	for _, rl := range t.rules {
		rl(vals, c.add)
	}
	if len(c.errs) > 0 {
		slices.SortStableFunc(c.errs, func(a, b digitalid.FieldError) int {
			return rootIndex(t, a.Field) - rootIndex(t, b.Field)
		})
		return Fields{}, r.docError(digitalid.EINVALID, "vault.error.document", c.errs)
	}
	return Fields{Type: t.id, Version: t.version, Values: vals}, nil
}

// rootIndex orders a field path by its top-level field's place in the type;
// unknown fields go last.
func rootIndex(t *DocType, path string) int {
	root := path
	if i := strings.IndexAny(path, "[."); i >= 0 {
		root = path[:i]
	}
	if i := t.index(root); i >= 0 {
		return i
	}
	return len(t.fields)
}

func (r *Registry) docError(code, key string, fields []digitalid.FieldError) *digitalid.Error {
	msg, _ := r.msgs.lookup("en", key)
	return &digitalid.Error{Code: code, Key: key, Message: msg, Fields: fields}
}

func (r *Registry) fieldError(path, code, key string) digitalid.FieldError {
	msg, _ := r.msgs.lookup("en", key)
	return digitalid.FieldError{Field: path, Code: code, Key: key, Message: msg}
}

// checker holds the state of one Validate call.
type checker struct {
	reg   *Registry
	today time.Time // the latest calendar date anywhere on Earth at now
	errs  []digitalid.FieldError
}

// add records a bad field. key names the most precise message; when the
// message files lack it, the generic "vault.error.<code>" is used.
func (c *checker) add(path, code, key string) {
	if _, ok := c.reg.msgs.lookup("en", key); !ok || key == "" {
		key = "vault.error." + code
	}
	c.errs = append(c.errs, c.reg.fieldError(path, code, key))
}

// object checks a JSON object against fields. It returns false only when raw
// is not an object; bad members are recorded and left out of the values.
func (c *checker) object(fields []Field, prefix string, raw []byte) (values, bool) {
	members, ok := decodeObject(raw)
	if !ok {
		return nil, false
	}
	byName := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		if _, dup := byName[m.name]; dup {
			c.add(prefix+clip(m.name), CodeDuplicate, "")
			continue
		}
		byName[m.name] = m.value
		if !slices.ContainsFunc(fields, func(f Field) bool { return f.Name == m.name }) {
			c.add(prefix+clip(m.name), CodeUnknown, "")
		}
	}
	out := make(values, len(fields))
	for i := range fields {
		f := &fields[i]
		path := prefix + f.Name
		v, st := c.value(f, path, byName[f.Name])
		switch {
		case st == present:
			out[f.Name] = v
		case st == absent && f.Required:
			c.add(path, CodeRequired, "")
		}
	}
	return out, true
}

// clip shortens an unknown member name before it is echoed in an error.
func clip(name string) string {
	if utf8.RuneCountInString(name) <= 64 {
		return name
	}
	return string([]rune(name)[:64]) + "…"
}

type state int

const (
	absent  state = iota // missing, null or empty
	invalid              // present but bad (recorded)
	present              // present and good
)

// value checks one member. A missing member has raw == nil.
func (c *checker) value(f *Field, path string, raw json.RawMessage) (any, state) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, absent
	}
	switch f.Kind {
	case KindEnumList:
		return c.enumList(f, path, raw)
	case KindChildren:
		return c.children(f, path, raw)
	}
	s, st := c.str(f, path, raw)
	if st != present {
		return nil, st
	}
	var code, key string
	switch f.Kind {
	case KindDate:
		s, code, key = c.date(f, s)
	case KindEnum:
		s, code = matchEnum(f, s)
		key = "vault.error.enum." + f.Name
	default:
		s, code = c.format(f.Format, s)
		if code == CodeFormat {
			key = "vault.error.format." + f.Format
		}
	}
	if code == "" && f.MaxLen > 0 && utf8.RuneCountInString(s) > f.MaxLen {
		code = CodeTooLong
	}
	if code != "" {
		c.add(path, code, key)
		return nil, invalid
	}
	return s, present
}

// str decodes a JSON string and cleans it (see clean).
func (c *checker) str(f *Field, path string, raw json.RawMessage) (string, state) {
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		c.add(path, CodeType, "vault.error.type.string")
		return "", invalid
	}
	s, ok := clean(s, f.Multiline)
	if !ok {
		c.add(path, CodeFormat, "vault.error.format.control")
		return "", invalid
	}
	if s == "" {
		return "", absent
	}
	return s, present
}

// list checks a JSON array's length and then each item with each, which
// records the item's problems and reports whether it was good.
func (c *checker) list(f *Field, path string, raw json.RawMessage, each func(p string, item json.RawMessage) bool) state {
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		c.add(path, CodeType, "vault.error.type.array")
		return invalid
	}
	if len(items) == 0 {
		return absent
	}
	if f.MaxItems > 0 && len(items) > f.MaxItems {
		c.add(path, CodeTooMany, "vault.error.too_many."+f.Name)
		return invalid
	}
	ok := len(items) >= f.MinItems
	if !ok {
		c.add(path, CodeTooFew, "vault.error.too_few."+f.Name)
		// Still check the items, so every bad child is reported too.
	}
	for i, it := range items {
		if !each(path+"["+strconv.Itoa(i)+"]", it) {
			ok = false
		}
	}
	if !ok {
		return invalid
	}
	return present
}

// enumList checks a list of distinct enum values and returns them in the
// order of Field.Enum; repeats are dropped.
func (c *checker) enumList(f *Field, path string, raw json.RawMessage) (any, state) {
	seen := make(map[string]bool)
	st := c.list(f, path, raw, func(p string, it json.RawMessage) bool {
		s, st := c.str(f, p, it)
		if st == absent {
			c.add(p, CodeRequired, "")
		}
		if st != present {
			return false
		}
		v, code := matchEnum(f, s)
		if code != "" {
			c.add(p, code, "vault.error.enum."+f.Name)
			return false
		}
		seen[v] = true
		return true
	})
	if st != present {
		return nil, st
	}
	var out []string
	for _, e := range f.Enum {
		if seen[e] {
			out = append(out, e)
		}
	}
	return out, present
}

// children checks a list of objects with the fields of f.Children.
func (c *checker) children(f *Field, path string, raw json.RawMessage) (any, state) {
	var out []Child
	st := c.list(f, path, raw, func(p string, it json.RawMessage) bool {
		before := len(c.errs)
		v, isObj := c.object(f.Children, p+".", it)
		if !isObj {
			c.add(p, CodeType, "vault.error.type.object")
		}
		if !isObj || len(c.errs) > before {
			return false
		}
		name, _ := v.text("name")
		birth, _ := v.text("birth_date")
		out = append(out, Child{Name: name, BirthDate: birth})
		return true
	})
	if st != present {
		return nil, st
	}
	return out, present
}

// member is one name/value pair of a JSON object, in document order.
type member struct {
	name  string
	value json.RawMessage
}

// decodeObject splits a JSON object into its members, keeping repeated
// names (encoding/json would silently keep the last). It reports false when
// raw is not a well-formed object.
func decodeObject(raw []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		name, isStr := tok.(string)
		if err != nil || !isStr {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, member{name: name, value: v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err == nil {
		return nil, false // trailing data
	}
	return out, true
}
