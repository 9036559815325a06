package history

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/web/i18n"
)

// TestActionsTranslated walks the action map: every action has a text in
// every language, taking the party's name exactly when the map says so;
// the reasons, results, actors and page keys too.
func TestActionsTranslated(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Languages()) < 3 {
		t.Fatalf("languages %v", b.Languages())
	}
	check := func(key string, verbs int) {
		t.Helper()
		for _, lang := range b.Languages() {
			s, ok := b.Lookup(lang, key)
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: %q is missing", lang, key)
				continue
			}
			if got := len(i18n.Verbs(s)); got != verbs {
				t.Errorf("%s: %q takes %d arguments, want %d: %q", lang, key, got, verbs, s)
			}
		}
	}
	if len(actions) < 40 {
		t.Fatalf("only %d actions mapped", len(actions))
	}
	for a, sp := range actions {
		n := 0
		if sp.party != noParty {
			n = 1
		}
		check(Key(a), n)
	}
	for _, r := range reasons {
		check("history.reason."+r, 0)
	}
	for _, r := range []audit.Result{audit.Success, audit.Failure, audit.Denied} {
		check("history.result."+string(r), 0)
	}
	for _, k := range []string{"self", "contact", "operator", "system", "unknown", "unknown_verifier", "unknown_relying_party", "unknown_issuer"} {
		check("history.actor."+k, 0)
	}
	check("history.action.unknown", 1)
	for _, k := range []string{"title", "intro", "filter.label", "filter.all", "filter.access", "none", "older", "link",
		"error.query", "error.limit", "error.before", "error.filter", "device.unknown"} {
		check("history."+k, 0)
	}
	// The access filter asks the log for at most audit.MaxDetails actions.
	if len(accessActions) == 0 || len(accessActions) > audit.MaxDetails {
		t.Errorf("%d access actions", len(accessActions))
	}
}

// TestEveryRecordedActionMapped scans the domain packages for the action
// names they record on citizens' chains and checks each is in the map, so a
// new action gets its words (or is noticed).
func TestEveryRecordedActionMapped(t *testing.T) {
	lit := regexp.MustCompile(`(?:Action: |record\(ctx, [^"\n]*?|docEvent\([^"\n]*?|callEvent\([^"\n]*?|confirmEvent\([^"\n]*?|action, kind := |action, kind = )"([a-z_]+(?:\.[a-z_]+)+)"`)
	// Actions recorded only on the system chain (operator registry work).
	system := []string{"oidc.client.added", "oidc.client.disabled"}
	var found []string
	for _, dir := range []string{"account", "vault", "issuer", "credential", "present", "oidc", "recovery"} {
		files, err := os.ReadDir("../../" + dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
				continue
			}
			src, err := os.ReadFile("../../" + dir + "/" + f.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
				found = append(found, m[1])
			}
		}
	}
	if len(found) < 30 {
		t.Fatalf("found %d recorded actions; the scan is broken", len(found))
	}
	for _, a := range found {
		if _, ok := actions[a]; !ok && !slices.Contains(system, a) {
			t.Errorf("action %q is recorded but has no words in the history", a)
		}
	}
}
