package history_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/web/browsertest"
)

// browserEnv serves the routes on 127.0.0.1 for Chromium.
func browserEnv(t *testing.T) (*env, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	e := newEnv(t, testdb.SQLite(t), srv.URL)
	srv.Config.Handler = e.srv.Handler()
	return e, srv.URL
}

func wantText(t *testing.T, b *browsertest.Browser, sel, want string) {
	t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		t.Fatalf("%s says %q, want %q in it", sel, got, want)
	}
}

// TestBrowserHistory signs up on the pages, changes the PIN, and finds both
// in the access history in words, in English and Russian.
func TestBrowserHistory(t *testing.T) {
	e, base := browserEnv(t)
	b := browsertest.New(t)
	to := e.Phone()
	b.Go(base + "/")
	b.ClickNav("#home-signup")
	b.Fill("#phone", to)
	if status := b.ClickNav("#send-code"); status != 200 {
		t.Fatalf("send code: status %d", status)
	}
	b.Fill("#code", e.SMS.Code(to))
	if status := b.ClickNav("#check-code"); status != 200 {
		t.Fatalf("check code: status %d", status)
	}
	b.Fill("#pin", "193755")
	b.Fill("#pin2", "193755")
	if status := b.ClickNav("#finish"); status != 200 {
		t.Fatalf("finish sign-up: status %d", status)
	}
	wantText(t, b, "h1", "My account")
	// Something audited: a new PIN.
	b.ClickNav("#to-security")
	b.ClickNav("#to-change-pin")
	wantText(t, b, "h1", "Change PIN")
	b.Fill("#pin", "284915")
	b.Fill("#pin2", "284915")
	if status := b.ClickNav("#save-pin"); status != 200 {
		t.Fatalf("save PIN: status %d", status)
	}
	b.Go(base + "/account")
	if status := b.ClickNav("#to-history"); status != 200 {
		t.Fatalf("history page: status %d", status)
	}
	wantText(t, b, "h1", "Access history")
	wantText(t, b, "#history-list li:first-child .what", "PIN changed")
	wantText(t, b, "#history-list li:first-child .who", "You")
	wantText(t, b, "#history-list li:first-child .result", "done")
	wantText(t, b, "#history-list", "Account created")
	wantText(t, b, "#history-list", "Chrome, Linux") // the device signed up from
	if got := b.Attr("#history-list li:first-child", "data-action"); got != "account.pin.changed" {
		t.Errorf("newest event %q", got)
	}
	b.Screenshot("history")
	// Nobody else has reached this citizen's data.
	b.ClickNav("#filter-access")
	wantText(t, b, "#no-events", "Nothing here yet.")
	b.SetAcceptLanguage("ru")
	b.Go(base + "/account/history")
	wantText(t, b, "h1", "История доступа")
	wantText(t, b, "#history-list li:first-child .what", "PIN-код изменён")
}
