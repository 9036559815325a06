package web

import (
	"net/http/httptest"
	"testing"

	"github.com/digitalid/digitalid/web/browsertest"
)

// browserServer serves ts on 127.0.0.1 with its public URL set to match.
func browserServer(t *testing.T) (*testServer, *httptest.Server) {
	t.Helper()
	var ts *testServer
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	ts = newServer(t, func(c *Config, _ *Deps) { c.PublicURL = srv.URL })
	srv.Config.Handler = ts.Handler()
	return ts, srv
}

func TestBrowserHomeAndLanguages(t *testing.T) {
	ts, srv := browserServer(t)
	b := browsertest.New(t)
	b.SetAcceptLanguage("de-DE,de;q=0.9") // unsupported: the default language applies

	if status := b.Go(srv.URL + "/"); status != 200 {
		t.Fatalf("GET / = %d, want 200", status)
	}
	if got := b.Attr("html", "lang"); got != "ru" {
		t.Errorf("<html lang> = %q, want ru by default", got)
	}
	if got, want := b.Text("h1"), ts.bundle.T("ru", "home.title"); got != want {
		t.Errorf("h1 = %q, want %q", got, want)
	}
	if got := b.Text("#citizens h3"); got != "Гражданам" {
		t.Errorf("citizens heading = %q, want Гражданам", got)
	}
	b.Screenshot("home-ru")

	for _, lang := range []string{"kk", "en", "ru"} {
		if status := b.ClickNav("#lang-" + lang); status != 200 {
			t.Fatalf("switch to %s: status %d, want 200 after the redirect", lang, status)
		}
		if got := b.Attr("html", "lang"); got != lang {
			t.Errorf("after switching to %s, <html lang> = %q", lang, got)
		}
		if got, want := b.Text("h1"), ts.bundle.T(lang, "home.title"); got != want {
			t.Errorf("after switching to %s, h1 = %q, want %q", lang, got, want)
		}
		if got, want := b.Text("#organisations h3"), ts.bundle.T(lang, "home.organisations.title"); got != want {
			t.Errorf("after switching to %s, organisations heading = %q, want %q", lang, got, want)
		}
		if got := b.Attr("#lang-"+lang, "aria-current"); got != "true" {
			t.Errorf("after switching to %s, its button aria-current = %q, want true", lang, got)
		}
		if v, ok := b.Cookie("lang"); !ok || v != lang {
			t.Errorf("after switching to %s, lang cookie = %q, %v", lang, v, ok)
		}
		b.Screenshot("home-" + lang)
	}
	if got := b.Text("footer .version"); got != "digitalid · Версия 1.2.3 · 2026" {
		t.Errorf("footer = %q", got)
	}
}

func TestBrowserLanguageSwitchKeepsPage(t *testing.T) {
	ts, srv := browserServer(t)
	b := browsertest.New(t)
	b.Go(srv.URL + "/problems/locked")
	if status := b.ClickNav("#lang-en"); status != 200 {
		t.Fatalf("switch to en on a problem page: %d", status)
	}
	if got, want := b.Text("h1"), ts.bundle.T("en", "problem.locked.title"); got != want {
		t.Errorf("after switching on /problems/locked, h1 = %q, want %q (same page, new language)", got, want)
	}
}

func TestBrowserNotFound(t *testing.T) {
	_, srv := browserServer(t)
	b := browsertest.New(t)
	b.SetAcceptLanguage("ru-RU,ru;q=0.9,en;q=0.5")
	b.Allow(`status of 404 \(Not Found\) \(` + srv.URL + `/no/such/page\)`)
	if status := b.Go(srv.URL + "/no/such/page"); status != 404 {
		t.Fatalf("GET /no/such/page = %d, want 404", status)
	}
	if got := b.Text("h1"); got != "Страница не найдена" {
		t.Errorf("404 h1 = %q, want Страница не найдена", got)
	}
	b.ClickNav("#lang-kk")
	if got := b.Text("h1"); got != "Бет табылмады" {
		t.Errorf("404 h1 after switching to kk = %q, want Бет табылмады", got)
	}
	if status := b.ClickNav("main a.button"); status != 200 || b.Text("h1") != "Өзіңіз басқаратын цифрлық жеке куәлік" {
		t.Errorf("home link from the 404 page: status %d, h1 %q", status, b.Text("h1"))
	}
}
