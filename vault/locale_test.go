package vault

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestLocaleFilesHaveSameKeys reads the message files directly: every file
// has the same keys, each with a non-empty text, all under "vault.".
func TestLocaleFilesHaveSameKeys(t *testing.T) {
	files := make(map[string]map[string]string)
	for _, lang := range Languages() {
		data, err := fs.ReadFile(Locales(), "locales/"+lang+".json")
		if err != nil {
			t.Fatalf("read %s: %v", lang, err)
		}
		m := make(map[string]string)
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("parse %s: %v", lang, err)
		}
		files[lang] = m
	}
	en := slices.Sorted(maps.Keys(files["en"]))
	for lang, m := range files {
		if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, en) {
			t.Errorf("%s.json keys differ from en.json: only in one of them: %v", lang, symmetricDiff(got, en))
		}
		for k, v := range m {
			if !strings.HasPrefix(k, "vault.") || strings.TrimSpace(v) == "" {
				t.Errorf("%s.json: %q = %q, want a vault. key with text", lang, k, v)
			}
			if lang != "en" && !strings.HasPrefix(k, "vault.enum.categories.") && !hasCyrillic(v) {
				t.Errorf("%s.json: %q = %q is not translated", lang, k, v)
			}
		}
	}
}

func hasCyrillic(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0
}

func symmetricDiff(a, b []string) []string {
	var out []string
	for _, k := range a {
		if !slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	for _, k := range b {
		if !slices.Contains(a, k) {
			out = append(out, k)
		}
	}
	return out
}

// TestLabels checks that every type, field (children included) and enum
// value has a label in every language.
func TestLabels(t *testing.T) {
	r := newRegistry(t)
	for _, lang := range Languages() {
		for _, typ := range r.Types() {
			if l := r.TypeLabel(lang, typ.ID()); strings.HasPrefix(l, "vault.") {
				t.Errorf("TypeLabel(%s, %s) = %q", lang, typ.ID(), l)
			}
			for _, f := range typ.Fields() {
				paths := []string{f.Name}
				for _, c := range f.Children {
					paths = append(paths, f.Name+"."+c.Name)
				}
				for _, p := range paths {
					if l := r.FieldLabel(lang, typ.ID(), p); strings.HasPrefix(l, "vault.") {
						t.Errorf("FieldLabel(%s, %s, %s) = %q", lang, typ.ID(), p, l)
					}
				}
				for _, e := range f.Enum {
					if l := r.EnumLabel(lang, f.Name, e); strings.HasPrefix(l, "vault.") {
						t.Errorf("EnumLabel(%s, %s, %s) = %q", lang, f.Name, e, l)
					}
				}
			}
		}
	}
	if got := r.FieldLabel("ru", "snils", "number"); got != "Номер СНИЛС" {
		t.Errorf("FieldLabel(ru, snils, number) = %q, want the type's own wording", got)
	}
	if got := r.FieldLabel("en", "passport_ru", "number"); got != "Number" {
		t.Errorf("FieldLabel(en, passport_ru, number) = %q, want the shared label", got)
	}
}

// TestMessageKeysInSource checks that every message key written out in the
// package's code has a text: rule messages are only looked up when a rule
// fires, so a typo would otherwise show the generic text.
func TestMessageKeysInSource(t *testing.T) {
	r := newRegistry(t)
	lit := regexp.MustCompile(`"(vault\.[a-z_.0-9]+[a-z0-9_])"`)
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			n++
			for _, lang := range Languages() {
				if _, ok := r.msgs.lookup(lang, m[1]); !ok {
					t.Errorf("%s: key %s has no %s text", name, m[1], lang)
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("found only %d message keys in the source; is the pattern right?", n)
	}
}

func TestMissingTranslationStopsStart(t *testing.T) {
	r := newRegistry(t)
	kk := maps.Clone(r.msgs["kk"])
	delete(kk, "vault.field.surname")
	r.msgs = messages{"ru": r.msgs["ru"], "kk": kk, "en": r.msgs["en"]}
	if err := r.checkMessages(); err == nil || !strings.Contains(err.Error(), "vault.field.surname") {
		t.Errorf("checkMessages() without kk vault.field.surname = %v, want an error naming it", err)
	}
}
