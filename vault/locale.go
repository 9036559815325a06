package vault

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/digitalid/digitalid"
)

// The vault's user-facing text — type and field labels, enum values, error
// messages — lives in locales/{lang}.json, one flat map of key to text per
// language, so translators edit files rather than Go code. Every key starts
// with "vault." so the files can be merged into the web package's bundle.
//
//go:embed locales/*.json
var localeFiles embed.FS

// Languages returns the languages of the message files, the first being the
// fallback: Russian, Kazakh, English.
func Languages() []string { return []string{"ru", "kk", "en"} }

// Locales returns the embedded message files (locales/{lang}.json), for the
// web package to merge into its bundle.
func Locales() fs.FS { return localeFiles }

type messages map[string]map[string]string // lang → key → text

func loadMessages() (messages, error) {
	m := make(messages)
	for _, lang := range Languages() {
		data, err := localeFiles.ReadFile("locales/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("vault: read %s messages: %w", lang, err)
		}
		texts := make(map[string]string)
		if err := json.Unmarshal(data, &texts); err != nil {
			return nil, fmt.Errorf("vault: parse %s messages: %w", lang, err)
		}
		m[lang] = texts
	}
	return m, nil
}

func (m messages) lookup(lang, key string) (string, bool) {
	s, ok := m[lang][key]
	return s, ok
}

// text returns key's text in lang, else in the fallback language.
func (m messages) text(lang, key string) (string, bool) {
	if s, ok := m.lookup(lang, key); ok {
		return s, true
	}
	return m.lookup(Languages()[0], key)
}

// first returns the text of the first of keys that has one.
func (m messages) first(lang string, keys ...string) string {
	for _, k := range keys {
		if s, ok := m.text(lang, k); ok {
			return s
		}
	}
	return keys[len(keys)-1]
}

// FieldMessage returns the text of a field error in lang ("ru", "kk", "en";
// others fall back to Russian): the text of its Key, else of its code's
// generic message, else its Message.
func (r *Registry) FieldMessage(lang string, fe digitalid.FieldError) string {
	for _, k := range []string{fe.Key, "vault.error." + fe.Code} {
		if s, ok := r.msgs.text(lang, k); ok && k != "" {
			return s
		}
	}
	return fe.Message
}

// Localize returns err with the messages of a vault *digitalid.Error (its
// own and its fields') in lang, for the HTTP layer to show a citizen. Other
// errors are returned unchanged; err itself is not modified.
func (r *Registry) Localize(lang string, err error) error {
	var de *digitalid.Error
	if !errors.As(err, &de) {
		return err
	}
	out := *de
	if s, ok := r.msgs.text(lang, de.Key); ok {
		out.Message = s
	}
	out.Fields = slices.Clone(de.Fields)
	for i, fe := range out.Fields {
		out.Fields[i].Message = r.FieldMessage(lang, fe)
	}
	return &out
}

// TypeLabel returns the name of a document type in lang.
func (r *Registry) TypeLabel(lang, typeID string) string {
	return r.msgs.first(lang, "vault.type."+typeID)
}

// FieldLabel returns the label of a field of a type in lang; a child field
// is named by its path, "children.birth_date". A type may word a shared
// field its own way ("vault.field.snils.number" before "vault.field.number").
func (r *Registry) FieldLabel(lang, typeID, field string) string {
	return r.msgs.first(lang, "vault.field."+typeID+"."+field, "vault.field."+field)
}

// EnumLabel returns the label of one value of an enum field in lang.
func (r *Registry) EnumLabel(lang, field, value string) string {
	return r.msgs.first(lang, "vault.enum."+field+"."+value)
}

// requiredKeys lists every message key the types and Validate use, for the
// start-up check; a field's label may come from either of two keys.
func (r *Registry) requiredKeys() [][]string {
	keys := [][]string{
		{"vault.error.document"}, {"vault.error.too_large"}, {"vault.error.json"},
		{"vault.error.not_object"}, {"vault.error.unknown_type"}, {"vault.error.unknown_version"},
		{"vault.error.format.date"}, {"vault.error.format.control"}, {"vault.error.type.string"},
		{"vault.error.type.array"}, {"vault.error.type.object"},
	}
	for _, c := range errorCodes() {
		keys = append(keys, []string{"vault.error." + c})
	}
	for _, vs := range r.types {
		for _, t := range vs {
			keys = append(keys, []string{"vault.type." + t.id})
			for _, f := range t.fields {
				keys = append(keys, fieldKeys(t.id, "", f)...)
				for _, c := range f.Children {
					keys = append(keys, fieldKeys(t.id, f.Name+".", c)...)
				}
			}
		}
	}
	return keys
}

func fieldKeys(typeID, prefix string, f Field) [][]string {
	keys := [][]string{{"vault.field." + typeID + "." + prefix + f.Name, "vault.field." + prefix + f.Name}}
	if f.Format != "" {
		keys = append(keys, []string{"vault.error.format." + f.Format})
	}
	for _, e := range f.Enum {
		keys = append(keys, []string{"vault.enum." + f.Name + "." + e})
	}
	return keys
}

// checkMessages fails when a required key has no text in some language, or
// when the languages' files do not hold the same keys.
func (r *Registry) checkMessages() error {
	langs := Languages()
	for _, lang := range langs {
		for _, alts := range r.requiredKeys() {
			if !slices.ContainsFunc(alts, func(k string) bool { _, ok := r.msgs.lookup(lang, k); return ok }) {
				return fmt.Errorf("vault: %s messages lack %s", lang, alts[len(alts)-1])
			}
		}
		for k := range r.msgs[lang] {
			for _, other := range langs {
				if _, ok := r.msgs.lookup(other, k); !ok {
					return fmt.Errorf("vault: %s messages have %s, %s messages do not", lang, k, other)
				}
			}
		}
	}
	return nil
}
