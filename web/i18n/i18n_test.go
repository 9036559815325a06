package i18n

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// TestLocalesComplete checks every key exists in all three languages, no
// text is empty, and every translation takes the same format arguments.
func TestLocalesComplete(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	langs := b.Languages()
	if !slices.Equal(langs, []string{"ru", "kk", "en"}) {
		t.Fatalf("Languages() = %v, want [ru kk en]", langs)
	}
	all := map[string]bool{}
	for _, l := range langs {
		for _, k := range b.Keys(l) {
			all[k] = true
		}
	}
	if len(all) < 50 {
		t.Fatalf("only %d keys in all", len(all))
	}
	for k := range all {
		var verbs []string
		for i, l := range langs {
			text, ok := b.Lookup(l, k)
			if !ok {
				t.Errorf("key %q is missing in %s.json", k, l)
				continue
			}
			if strings.TrimSpace(text) == "" {
				t.Errorf("key %q is empty in %s.json", k, l)
			}
			v := Verbs(text)
			if i == 0 {
				verbs = v
			} else if !slices.Equal(v, verbs) {
				t.Errorf("key %q: %s.json has arguments %v, %s.json %v", k, l, v, langs[0], verbs)
			}
		}
	}
}

// TestTranslationsDiffer guards against a language file that is a copy of
// another: most texts must differ, and Russian and Kazakh must be Cyrillic.
func TestTranslationsDiffer(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	keys := b.Keys("en")
	for _, k := range keys {
		en, _ := b.Lookup("en", k)
		ru, _ := b.Lookup("ru", k)
		kk, _ := b.Lookup("kk", k)
		if en == ru || en == kk || ru == kk {
			same++
		}
	}
	if same > 3 { // app.name is the same everywhere
		t.Errorf("%d of %d keys have identical texts in two languages", same, len(keys))
	}
	cyrillic := func(s string) bool {
		for _, r := range s {
			if unicode.Is(unicode.Cyrillic, r) {
				return true
			}
		}
		return false
	}
	for _, l := range []string{"ru", "kk"} {
		if text, _ := b.Lookup(l, "home.title"); !cyrillic(text) {
			t.Errorf("%s home.title = %q, want Cyrillic text", l, text)
		}
	}
	if text, _ := b.Lookup("kk", "home.title"); !strings.ContainsAny(text, "әғқңөұүһі") {
		t.Errorf("kk home.title = %q, want Kazakh letters", text)
	}
}

func TestT(t *testing.T) {
	fsys := fstest.MapFS{
		"l/ru.json": {Data: []byte(`{"a":"А","greet":"Привет, %[1]s"}`)},
		"l/en.json": {Data: []byte(`{"greet":"Hello, %[1]s"}`)},
	}
	b, err := Load(fsys, "l", []string{"ru", "en"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "greet", []any{"Ada"}, "Hello, Ada"},
		{"ru", "greet", []any{"Ада"}, "Привет, Ада"},
		{"en", "a", nil, "А"},             // falls back to ru
		{"en", "missing", nil, "missing"}, // the key itself
		{"xx", "greet", []any{"x"}, "Привет, x"},
	}
	for _, tt := range tests {
		if got := b.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := map[string]fstest.MapFS{
		"missing file":  {"l/ru.json": {Data: []byte(`{}`)}},
		"not an object": {"l/ru.json": {Data: []byte(`{}`)}, "l/en.json": {Data: []byte(`["x"]`)}},
		"nested":        {"l/ru.json": {Data: []byte(`{}`)}, "l/en.json": {Data: []byte(`{"a":{"b":"c"}}`)}},
	}
	for name, fsys := range tests {
		if _, err := Load(fsys, "l", []string{"ru", "en"}); err == nil {
			t.Errorf("Load(%s) succeeded, want an error", name)
		}
	}
	if _, err := Load(fstest.MapFS{}, "l", nil); err == nil {
		t.Error("Load with no languages succeeded")
	}
}

func TestVerbs(t *testing.T) {
	tests := map[string][]string{
		"no verbs":          nil,
		"%[1]s and %d":      {"%[1]s", "%d"},
		"100%% sure":        nil,
		"%[2]s then %[1]s":  {"%[1]s", "%[2]s"},
		"trailing %":        nil,
		"width %5.2f value": {"%5.2f"},
	}
	for in, want := range tests {
		if got := Verbs(in); !slices.Equal(got, want) {
			t.Errorf("Verbs(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLoadMergesFeatureFilesAndRefusesDuplicates(t *testing.T) {
	fsys := fstest.MapFS{
		"l/ru.json":      {Data: []byte(`{"a": "А"}`)},
		"l/ru.docs.json": {Data: []byte(`{"b": "Б"}`)},
		"l/en.json":      {Data: []byte(`{"a": "A", "b": "B"}`)},
	}
	b, err := Load(fsys, "l", []string{"ru", "en"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := b.T("ru", "b"); got != "Б" {
		t.Errorf(`T("ru", "b") = %q, want the feature file's "Б"`, got)
	}
	fsys["l/en.docs.json"] = &fstest.MapFile{Data: []byte(`{"b": "again"}`)}
	if _, err := Load(fsys, "l", []string{"ru", "en"}); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("Load with a key in two English files = %v, want a duplicate-key error", err)
	}
}
