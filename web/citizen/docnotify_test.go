package citizen_test

import (
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
)

// TestDocumentNotificationTexts: an issuer's changes to a document show in
// the inbox in the citizen's language.
func TestDocumentNotificationTexts(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	s := e.signUp(phone(70))
	for _, kind := range []string{"document_added", "document_changed", "document_revoked"} {
		if err := e.svc.Notifications.DocumentChanged(e.ctx, s.CitizenID, "doc_1", kind); err != nil {
			t.Fatal(err)
		}
	}
	for lang, want := range map[string][3]string{
		"en": {"revoked one of your documents", "updated one of your documents", "added a document"},
		"ru": {"отозвал", "обновил", "добавил документ"},
		"kk": {"кері қайтарып алды", "жаңартты", "құжат қосты"},
	} {
		var out struct {
			Notifications []struct{ Kind, Text string }
		}
		e.json(req{method: "GET", path: "/api/v1/notifications", token: s.SessionToken, headers: []string{"Accept-Language: " + lang}}, 200, &out)
		var texts []string
		for _, n := range out.Notifications {
			if strings.HasPrefix(n.Kind, "document_") {
				texts = append(texts, n.Text)
			}
		}
		if len(texts) != 3 {
			t.Fatalf("%s inbox document notes = %v, want 3", lang, out.Notifications)
		}
		for i, w := range want {
			if !strings.Contains(texts[i], w) {
				t.Errorf("%s note %d = %q, want it to hold %q", lang, i, texts[i], w)
			}
		}
	}
}
