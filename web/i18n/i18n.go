// Package i18n holds digitalid's user-facing text in Russian, Kazakh and
// English. The text lives in message files (locales/{lang}.json, one flat map
// of key to text per language) so translators edit files, not Go code; this
// package loads them, looks keys up with a fallback language, and chooses a
// language from an Accept-Language header.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed locales/*.json
var locales embed.FS

// Bundle is the set of message files, read once at start and read-only after.
type Bundle struct {
	messages map[string]map[string]string // lang → key → text
	langs    []string                     // display order
	fallback string
}

// New loads the message files embedded in the binary. The languages are
// offered in the order ru, kk, en; a key missing in a language falls back to
// Russian, the service's default language.
func New() (*Bundle, error) {
	return Load(locales, "locales", []string{"ru", "kk", "en"})
}

// Load reads dir/{lang}.json and every dir/{lang}.FEATURE.json from fsys for
// each of langs (in display order) and merges them, so each capability can
// keep its texts in a file of its own. The first language is the fallback for
// missing keys. It fails when the main file is missing, a file is not a flat
// JSON object of strings, or two files of one language define the same key.
func Load(fsys fs.FS, dir string, langs []string) (*Bundle, error) {
	if len(langs) == 0 {
		return nil, fmt.Errorf("i18n: no languages")
	}
	b := &Bundle{messages: make(map[string]map[string]string), langs: slices.Clone(langs), fallback: langs[0]}
	for _, lang := range langs {
		features, err := fs.Glob(fsys, path.Join(dir, lang+".*.json"))
		if err != nil {
			return nil, fmt.Errorf("i18n: list %s messages: %w", lang, err)
		}
		m := make(map[string]string)
		for _, file := range append([]string{path.Join(dir, lang+".json")}, features...) {
			if err := loadFile(fsys, file, m); err != nil {
				return nil, fmt.Errorf("i18n: %s messages: %w", lang, err)
			}
		}
		b.messages[lang] = m
	}
	return b, nil
}

// loadFile adds the messages of one file to m, refusing a key m already has.
func loadFile(fsys fs.FS, file string, m map[string]string) error {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	var add map[string]string
	if err := json.Unmarshal(data, &add); err != nil {
		return fmt.Errorf("parse %s: %w", file, err)
	}
	for k, v := range add {
		if _, dup := m[k]; dup {
			return fmt.Errorf("%s: key %q is defined twice", file, k)
		}
		m[k] = v
	}
	return nil
}

// Languages returns the supported language codes in display order.
func (b *Bundle) Languages() []string { return slices.Clone(b.langs) }

// Supports reports whether lang is one of the supported language codes.
func (b *Bundle) Supports(lang string) bool {
	_, ok := b.messages[lang]
	return ok
}

// Lookup returns the text of key in lang, without fallback.
func (b *Bundle) Lookup(lang, key string) (string, bool) {
	s, ok := b.messages[lang][key]
	return s, ok
}

// T returns the text of key in lang, falling back to the fallback language
// and then to the key itself, so a missing translation shows up as its key
// rather than as an empty string. With args, the text is a fmt format
// (translators use %[1]s so that word order can differ between languages).
func (b *Bundle) T(lang, key string, args ...any) string {
	s, ok := b.Lookup(lang, key)
	if !ok {
		if s, ok = b.Lookup(b.fallback, key); !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Keys returns the sorted keys defined for lang.
func (b *Bundle) Keys(lang string) []string {
	keys := make([]string, 0, len(b.messages[lang]))
	for k := range b.messages[lang] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Verbs returns the fmt verbs of a text in order ("%[1]s", "%d"), so a test
// can check that every translation of a key takes the same arguments.
func Verbs(text string) []string {
	var verbs []string
	for i := 0; i < len(text); i++ {
		if text[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(text) && strings.IndexByte("[]0123456789.+-# ", text[j]) >= 0 {
			j++
		}
		if j < len(text) {
			if text[j] != '%' {
				verbs = append(verbs, text[i:j+1])
			}
			i = j
		}
	}
	slices.Sort(verbs)
	return verbs
}
