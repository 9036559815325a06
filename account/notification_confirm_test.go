package account_test

import (
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestConfirmationNotifications: a registry's decision on a confirmation
// request reaches the inbox (with the reason of a rejection) and is texted
// in the citizen's language, naming no request; other outcomes are ignored.
func TestConfirmationNotifications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		want := map[string][2]string{
			"ru": {"подтвердил ваш паспорт", "не подтвердил"},
			"kk": {"төлқұжатыңызды растады", "растамады"},
			"en": {"confirmed your passport", "did not confirm"},
		}
		for i, lang := range []string{"ru", "kk", "en"} {
			to := phone(50 + i)
			c, err := e.svc.Citizens.Create(e.ctx, to, lang)
			if err != nil {
				t.Fatal(err)
			}
			for j, outcome := range []string{"confirmed", "rejected", "cancelled"} {
				if err := e.svc.Notifications.ConfirmationDecided(e.ctx, c.ID, "cf_1", outcome, "mismatch"); err != nil {
					t.Fatalf("ConfirmationDecided(%s) = %v", outcome, err)
				}
				if j == 2 {
					break
				}
				m := e.lastSMS(to)
				if m.Purpose != "notice_confirmation_"+outcome || !strings.Contains(m.Body, want[lang][j]) || strings.Contains(m.Body, "cf_1") {
					t.Errorf("%s %s SMS = %q (%s), want the %s text holding %q", lang, outcome, m.Body, m.Purpose, lang, want[lang][j])
				}
			}
			if n := e.smsCount(to); n != 2 {
				t.Errorf("SMS to the %s citizen = %d, want 2", lang, n)
			}
			list, err := e.svc.Notifications.List(e.ctx, c.ID, true, 0)
			if err != nil || len(list) != 2 {
				t.Fatalf("inbox = %+v, %v; want 2 notifications", list, err)
			}
			for _, n := range list {
				switch n.Kind {
				case account.KindConfirmationConfirmed:
					if n.Params["confirmation"] != "cf_1" || n.Params["reason"] != "" {
						t.Errorf("confirmed params = %v", n.Params)
					}
				case account.KindConfirmationRejected:
					if n.Params["confirmation"] != "cf_1" || n.Params["reason"] != "mismatch" {
						t.Errorf("rejected params = %v", n.Params)
					}
				default:
					t.Errorf("unexpected kind %s", n.Kind)
				}
			}
		}
	})
}
