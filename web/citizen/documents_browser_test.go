package citizen_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// browserDocEnv serves the citizen pages with the vault on 127.0.0.1.
func browserDocEnv(t *testing.T, db *store.DB) (*docEnv, string) {
	t.Helper()
	de := &docEnv{}
	e, base := browserEnvWith(t, db, options{deps: withVault(t, &de.vault)})
	de.env = e
	return de, base
}

// setValue sets an input's value directly, as a date picker or a select
// would (typing into a date input depends on the browser's locale).
func setValue(t *testing.T, b *browsertest.Browser, sel, v string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), v)); err != nil {
		t.Fatalf("set %s: %v", sel, err)
	}
}

// fetchWithSession GETs base+href with the browser's session cookie, as
// following a download link does, and returns the Content-Type and body.
func fetchWithSession(t *testing.T, b *browsertest.Browser, base, href string) (string, []byte) {
	t.Helper()
	session, ok := b.Cookie("digitalid_session")
	if !ok {
		t.Fatal("the browser has no session cookie")
	}
	r, err := http.NewRequest("GET", base+href, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.AddCookie(&http.Cookie{Name: "digitalid_session", Value: session})
	r.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("GET %s: %v", href, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d (%v) %.200s", href, resp.StatusCode, err, body)
	}
	return resp.Header.Get("Content-Type"), body
}

// TestBrowserDocuments: a citizen adds a SNILS card with a scan, sees it in
// the list, opens it through the PIN confirmation, downloads the scan and
// every export, and deletes it.
func TestBrowserDocuments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserDocEnv(t, db)
		b := browsertest.New(t)
		signUpInBrowser(t, e.env, b, base, phone(330))
		b.ClickNav("#to-documents")
		wantPage(t, b, "#no-documents", "You have no documents yet.")
		b.ClickNav("#add-document")
		b.Click("#type-snils")
		b.ClickNav("#choose-type")
		wantPage(t, b, "#type-label", "SNILS")

		// A bad SNILS number comes back next to its input, with the values kept.
		fields := snilsFields()
		for _, name := range []string{"number", "surname", "given_names", "patronymic", "birth_place"} {
			b.Fill("#"+name, fields[name])
		}
		for _, name := range []string{"sex", "birth_date", "issue_date"} {
			setValue(t, b, "#"+name, fields[name])
		}
		b.Fill("#number", "112-233-445 96")
		b.Allow(`status of 400`)
		if status := b.ClickNav("#save-document"); status != 400 {
			t.Fatalf("save with a bad number: status %d, want 400", status)
		}
		wantPage(t, b, "#number-error", "SNILS")
		if got := b.Attr("#surname", "value"); got != "Иванова" {
			t.Errorf("surname after a refusal = %q, want it kept", got)
		}
		b.Fill("#number", fields["number"])
		scan := filepath.Join(t.TempDir(), "scan.png")
		if err := os.WriteFile(scan, scanPNG(t), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{scan})); err != nil {
			t.Fatalf("set the scan: %v", err)
		}
		if status := b.ClickNav("#save-document"); status != 200 {
			t.Fatalf("save the document: status %d", status)
		}
		wantPage(t, b, "#msg", "The document has been added.")
		wantPage(t, b, "#document-list", "SNILS")
		wantPage(t, b, "#document-list", "Entered by you")
		b.Screenshot("documents")

		// Opening it asks for the PIN once the sign-in is five minutes old.
		e.clock.Advance(6 * time.Minute)
		b.ClickNav("#document-list a.name")
		wantPage(t, b, "h1", "Confirm it is you")
		b.Fill("#pin", goodPIN)
		b.ClickNav("#confirm-pin")
		wantPage(t, b, "h1", "SNILS")
		wantPage(t, b, "#fields", "Иванова")
		wantPage(t, b, "#fields", "112-233-445 95")
		b.Screenshot("document")

		ctype, body := fetchWithSession(t, b, base, b.Attr("#files a", "href"))
		exportCase{"scan", "image/png", "\x89PNG\r\n\x1a\n"}.check(t, ctype, body, "")
		for _, x := range exportCases() {
			ctype, body := fetchWithSession(t, b, base, b.Attr("#export-"+x.format, "href"))
			x.check(t, ctype, body, "")
		}

		b.ClickNav("#delete-document")
		b.ClickNav("#confirm-delete")
		wantPage(t, b, "#msg", "The document has been deleted.")
		wantPage(t, b, "#no-documents", "You have no documents yet.")
	})
}
