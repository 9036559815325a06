package citizen_test

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/web/i18n"
)

// keysIn returns the matches of pattern's first group in the Go files (not
// tests) of dir, except those whose names start with one of skip.
func keysIn(t *testing.T, dir string, pattern *regexp.Regexp, skip ...string) []string {
	t.Helper()
	files, err := fs.Glob(os.DirFS(dir), "*.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || slices.ContainsFunc(skip, func(p string) bool { return strings.HasPrefix(f, p) }) {
			continue
		}
		src, err := fs.ReadFile(os.DirFS(dir), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	return keys
}

// TestKeysTranslated checks that every message key this package uses, and
// every error key of the account domain (shown as problem details and next
// to form fields), is translated into every language.
func TestKeysTranslated(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	own := keysIn(t, ".", regexp.MustCompile(`"((?:citizen|notification|account|error)\.[a-z_.]*[a-z])"`))
	domain := keysIn(t, "../../account", regexp.MustCompile(`(?:userError|limited|fieldError)\([^\n]*?"(account\.[a-z_.]*[a-z])"`))
	for _, reason := range keysIn(t, "../../account", regexp.MustCompile(`pinRefused\("([a-z_]+)"`)) {
		domain = append(domain, "account.pin."+reason)
	}
	// flash's case list: the messages a redirect may ask for.
	for _, m := range keysIn(t, ".", regexp.MustCompile(`case ("expired".*):`)) {
		for _, name := range regexp.MustCompile(`"([a-z_]+)"`).FindAllStringSubmatch(m, -1) {
			own = append(own, "citizen.msg."+name[1])
		}
	}
	if len(own) < 15 || len(domain) < 25 {
		t.Fatalf("found %d keys here and %d in account; the scan is broken", len(own), len(domain))
	}
	for _, k := range append(own, domain...) {
		for _, lang := range b.Languages() {
			if _, ok := b.Lookup(lang, k); !ok {
				t.Errorf("key %q is missing in %s", k, lang)
			}
		}
	}
}
