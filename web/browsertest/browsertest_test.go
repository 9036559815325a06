package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// fixture serves small pages that exercise the harness.
func fixture(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src data:")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><link rel="icon" href="data:,"><title>fixture</title></head><body>
<h1 id="greeting">Hello</h1>
<form method="post" action="/echo"><input id="name" name="name" value="old"><button id="send" type="submit">Send</button></form>
<a id="away" href="/missing">away</a></body></html>`)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "yes", Path: "/"})
		fmt.Fprintf(w, `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><p id="echo">%s</p></body></html>`, r.FormValue("name"))
	})
	mux.HandleFunc("GET /inline", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src data:")
		fmt.Fprint(w, `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><p id="p">x</p><script>document.title='ran'</script></body></html>`)
	})
	mux.HandleFunc("GET /noisy", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><p id="p">x</p><script>console.error('boom from page'); undefinedFunction();</script></body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHelpers(t *testing.T) {
	srv := fixture(t)
	b := New(t)
	if status := b.Go(srv.URL); status != 200 {
		t.Fatalf("Go(%s) = %d, want 200", srv.URL, status)
	}
	if got := b.Text("#greeting"); got != "Hello" {
		t.Errorf("Text(#greeting) = %q, want Hello", got)
	}
	if got := b.Attr("html", "lang"); got != "en" {
		t.Errorf("Attr(html, lang) = %q, want en", got)
	}
	b.Fill("#name", "Ada")
	if status := b.ClickNav("#send"); status != 200 {
		t.Fatalf("ClickNav(#send) = %d, want 200", status)
	}
	b.WaitVisible("#echo")
	if got := b.Text("#echo"); got != "Ada" {
		t.Errorf("Text(#echo) after Fill and submit = %q, want Ada", got)
	}
	if v, ok := b.Cookie("seen"); !ok || v != "yes" {
		t.Errorf("Cookie(seen) = %q, %v; want yes", v, ok)
	}
	b.Go(srv.URL)
	if status := b.Submit("#name"); status != 200 {
		t.Errorf("Submit(#name) = %d, want 200", status)
	}
	path := b.Screenshot("echo")
	if st, err := os.Stat(path); err != nil || st.Size() < 100 {
		t.Errorf("Screenshot wrote %s: %v", path, err)
	}
	b.Go(srv.URL)
	b.Allow(`status of 404`)
	if status := b.ClickNav("#away"); status != 404 {
		t.Errorf("ClickNav(#away) = %d, want 404", status)
	}
}

// TestCollectsProblems checks the harness sees what it must fail tests on.
func TestCollectsProblems(t *testing.T) {
	srv := fixture(t)
	b := New(t)
	tests := []struct {
		path string
		want [][]string // each: substrings one collected problem must all hold
	}{
		{"/inline", [][]string{{"CSP violation", "script-src"}}},
		{"/noisy", [][]string{{"console.error", "boom from page"}, {"uncaught exception", "undefinedFunction"}}},
		{"/", nil},
	}
	for _, tt := range tests {
		b.Go(srv.URL + tt.path)
		problems := b.TakeProblems()
		for _, subs := range tt.want {
			if !containsAll(problems, subs...) {
				t.Errorf("problems on %s = %q, want one with %q", tt.path, problems, subs)
			}
		}
		if tt.want == nil && len(problems) != 0 {
			t.Errorf("problems on the clean page %s = %q, want none", tt.path, problems)
		}
	}
}

func containsAll(problems []string, subs ...string) bool {
	for _, p := range problems {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(p, s)
		}
		if ok {
			return true
		}
	}
	return false
}
