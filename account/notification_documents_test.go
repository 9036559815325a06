package account_test

import (
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestDocumentNotifications: the vault's notifier puts an issuer's added,
// changed and revoked documents in the citizen's inbox; only a revocation
// is texted, in the citizen's language, naming no document; other kinds
// are ignored.
func TestDocumentNotifications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		want := map[string]string{"ru": "отозвал", "kk": "кері қайтарып алды", "en": "revoked one of your documents"}
		for i, lang := range []string{"ru", "kk", "en"} {
			to := phone(40 + i)
			c, err := e.svc.Citizens.Create(e.ctx, to, lang)
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"document_added", "document_changed", "document_revoked", "something_else"} {
				if err := e.svc.Notifications.DocumentChanged(e.ctx, c.ID, "doc_1"+lang, kind); err != nil {
					t.Fatalf("DocumentChanged(%s) = %v", kind, err)
				}
			}
			list, err := e.svc.Notifications.List(e.ctx, c.ID, true, 0)
			if err != nil || len(list) != 3 {
				t.Fatalf("inbox = %+v, %v; want 3 notifications", list, err)
			}
			kinds := map[account.Kind]bool{}
			for _, n := range list {
				kinds[n.Kind] = true
				if n.Params["document"] != "doc_1"+lang {
					t.Errorf("%s params = %v, want document doc_1%s", n.Kind, n.Params, lang)
				}
			}
			if !kinds[account.KindDocumentAdded] || !kinds[account.KindDocumentChanged] || !kinds[account.KindDocumentRevoked] {
				t.Errorf("inbox kinds = %v, want added, changed and revoked", kinds)
			}
			if n := e.smsCount(to); n != 1 {
				t.Errorf("SMS to the %s citizen = %d, want 1 (the revocation)", lang, n)
			}
			m := e.lastSMS(to)
			if m.Purpose != "notice_document_revoked" || !strings.Contains(m.Body, want[lang]) || strings.Contains(m.Body, "doc_1") {
				t.Errorf("%s revocation SMS = %q (%s), want the %s text holding %q and no document id", lang, m.Body, m.Purpose, lang, want[lang])
			}
		}
	})
}
