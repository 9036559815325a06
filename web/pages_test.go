package web

import (
	"errors"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
)

func TestLanguageChoice(t *testing.T) {
	ts := newServer(t, nil)
	tests := []struct {
		name    string
		headers []string
		want    string
	}{
		{"default", nil, "ru"},
		{"accept-language kk", []string{"Accept-Language: kk-KZ,kk;q=0.9,ru;q=0.8"}, "kk"},
		{"accept-language en by weight", []string{"Accept-Language: de;q=1, ru;q=0.5, en;q=0.8"}, "en"},
		{"unsupported only", []string{"Accept-Language: de-DE, fr"}, "ru"},
		{"cookie beats header", []string{"Cookie: lang=en", "Accept-Language: kk"}, "en"},
		{"bad cookie ignored", []string{"Cookie: lang=xx", "Accept-Language: kk"}, "kk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.get(t, "/", tt.headers...)
			body := rec.Body.String()
			if rec.Code != 200 || !strings.Contains(body, `<html lang="`+tt.want+`">`) {
				t.Fatalf("GET / with %v = %d, want <html lang=%q>", tt.headers, rec.Code, tt.want)
			}
			if got := rec.Header().Get("Content-Language"); got != tt.want {
				t.Errorf("Content-Language = %q, want %q", got, tt.want)
			}
			if title := htmlEscape(ts.bundle.T(tt.want, "home.title")); !strings.Contains(body, title) {
				t.Errorf("home page lacks the %s title %q", tt.want, title)
			}
		})
	}
}

func TestHomePage(t *testing.T) {
	ts := newServer(t, nil)
	body := ts.get(t, "/", "Cookie: lang=en").Body.String()
	for _, want := range []string{
		"For citizens", "For verifiers", "For organisations", "Version 1.2.3", "2026",
		`action="/lang"`, `value="kk"`, "Қазақша", "Русский", `aria-current="true">English`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "style=", "http://", "https://"} {
		if strings.Contains(body, banned) {
			t.Errorf("home page contains %q (inline code or an external resource)", banned)
		}
	}
}

func TestLangSwitch(t *testing.T) {
	ts := newServer(t, nil)
	form := "Content-Type: application/x-www-form-urlencoded"
	tests := []struct {
		name, body, location string
		status               int
		query, contentType   string // "" and form unless set
	}{
		{"back to page", "lang=kk&return=%2Fproblems%2Finvalid", "/problems/invalid", 303, "", ""},
		{"no return", "lang=en", "/", 303, "", ""},
		{"protocol-relative return", "lang=en&return=%2F%2Fevil.example", "/", 303, "", ""},
		{"absolute return", "lang=en&return=https%3A%2F%2Fevil.example%2F", "/", 303, "", ""},
		{"backslash return", "lang=en&return=%2F%5Cevil.example", "/", 303, "", ""},
		{"unknown language", "lang=de", "", 400, "", ""},
		{"a bad escape in the form", "lang=%zz", "", 400, "", ""}, // the client's mistake, not a 500
		{"a semicolon in the form", "lang=en;x=1", "", 400, "", ""},
		// The query and the Content-Type are the client's too: each mangled one
		// is a 400, whatever the body, never the handler's 500.
		{"a bad escape in the query", "lang=en", "", 400, "?x=%zz", ""},
		{"a semicolon in the query", "lang=en", "", 400, "?x=1;y=2", "Content-Type: text/plain"},
		{"a bad escape in the query of a multipart post", "", "", 400, "?x=%zz", "Content-Type: multipart/form-data; boundary=x"},
		{"a Content-Type that is not a media type", "lang=en", "", 400, "", "Content-Type: text/plain; ="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := form
			if tt.contentType != "" {
				ct = tt.contentType
			}
			rec := ts.do(t, "POST", "/lang"+tt.query, tt.body, ct)
			if rec.Code != tt.status {
				t.Fatalf("POST /lang %s = %d, want %d", tt.body, rec.Code, tt.status)
			}
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			if tt.status != 303 {
				if !strings.Contains(rec.Body.String(), "<html") || rec.Header().Get("Set-Cookie") != "" {
					t.Errorf("refused switch: want an HTML error page and no cookie")
				}
				return
			}
			lang, _ := url.ParseQuery(tt.body)
			c := rec.Result().Cookies()
			if len(c) != 1 || c[0].Name != "lang" || c[0].Value != lang.Get("lang") || !c[0].HttpOnly || c[0].Path != "/" || !c[0].Secure {
				t.Errorf("cookies = %+v, want lang=%s HttpOnly Secure Path=/", c, lang.Get("lang"))
			}
		})
	}
}

func TestSafeReturn(t *testing.T) {
	tests := map[string]string{
		"/":                 "/",
		"/documents/7":      "/documents/7",
		"/a b":              "/a%20b",
		"/x?y=1":            "/x",
		"":                  "/",
		"documents":         "/",
		"//evil.example":    "/",
		"/\\evil.example":   "/",
		"https://evil.ex/":  "/",
		"/\t/evil.example":  "/",
		"javascript:alert1": "/",
		"/%2F ":             "/",
		"/%2Fevil.example":  "/%2Fevil.example",
	}
	for in, want := range tests {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeReturn: whatever the form says, the redirect stays on this site.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "/%2F%2Fx", "https://x", "/a/../b", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeReturn(in)
		u, err := url.Parse(got)
		if err != nil || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\") || u.Host != "" || u.Scheme != "" {
			t.Fatalf("safeReturn(%q) = %q, which may leave the site", in, got)
		}
	})
}

// TestTemplateKeys checks every key templates use exists in every language
// (the i18n tests check the languages have the same keys).
func TestTemplateKeys(t *testing.T) {
	ts := newServer(t, nil)
	used := regexp.MustCompile(`\.T "([^"]+)"`)
	var n int
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			n++
			for _, lang := range ts.bundle.Languages() {
				if _, ok := ts.bundle.Lookup(lang, m[1]); !ok {
					t.Errorf("%s uses %q, missing in %s", path, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("found %d translation calls in templates; the pattern is broken", n)
	}
}

// TestCodeKeys checks the keys the Go code uses exist in every language.
func TestCodeKeys(t *testing.T) {
	ts := newServer(t, nil)
	keys := []string{"problem.internal.detail", "lang.name"}
	for _, code := range ProblemCodes() {
		keys = append(keys, "problem."+code+".title", "problem."+code+".about")
	}
	keyLit := regexp.MustCompile(`Key:\s*"([^"]+)"`)
	files, _ := fs.Glob(osDir("."), "*.go")
	for _, f := range files {
		src, err := fs.ReadFile(osDir("."), f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		for _, m := range keyLit.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d keys; the scan is broken", len(keys))
	}
	for _, k := range keys {
		for _, lang := range ts.bundle.Languages() {
			if _, ok := ts.bundle.Lookup(lang, k); !ok {
				t.Errorf("key %q is missing in %s", k, lang)
			}
		}
	}
}

func TestErrorPageShowsRequestID(t *testing.T) {
	ts := newServer(t, nil)
	rec := ts.get(t, "/nowhere", "Cookie: lang=kk", "X-Request-ID: support-ticket-42")
	body := rec.Body.String()
	if rec.Code != 404 || !strings.Contains(body, `<html lang="kk">`) || !strings.Contains(body, "Бет табылмады") {
		t.Errorf("GET /nowhere = %d, want the Kazakh 404 page", rec.Code)
	}
	rec = ts.do(t, "POST", "/lang", "lang=zz", "Content-Type: application/x-www-form-urlencoded", "X-Request-ID: support-ticket-42", "Cookie: lang=en")
	if body := rec.Body.String(); !strings.Contains(body, "Request ID: support-ticket-42") || !strings.Contains(body, "Unknown language.") {
		t.Errorf("error page = %s, want the request ID and the message", body)
	}
}

// TestAdapterHelpers covers what web exports for adapters (web/citizen):
// the public URL, the client address, translations and problems for the
// request's language.
func TestAdapterHelpers(t *testing.T) {
	ts := newServer(t, nil)
	if got := ts.PublicURL(); got != "https://id.example" {
		t.Errorf("PublicURL() = %q", got)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8::7]:443"
	r.Header.Set("Accept-Language", "kk")
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := ClientIP(r); got != "2001:db8::7" {
		t.Errorf("ClientIP = %q, want the peer, not X-Forwarded-For", got)
	}
	if got, want := ts.T(r, "home.title"), ts.bundle.T("kk", "home.title"); got != want {
		t.Errorf("T(kk request, home.title) = %q, want %q", got, want)
	}
	err := &digitalid.Error{Code: digitalid.EINVALID, Key: "error.lang", Message: "Unknown language.",
		Fields: []digitalid.FieldError{{Field: "lang", Code: "unsupported", Message: "unknown language", Key: "error.lang"}}}
	p := ts.Problem(r, err)
	if p.Status != 400 || p.Detail != ts.bundle.T("kk", "error.lang") || len(p.Errors) != 1 || p.Errors[0].Message != ts.bundle.T("kk", "error.lang") {
		t.Errorf("Problem(kk request, EINVALID) = %+v, want it in Kazakh", p)
	}
	if p := ts.Problem(r, errors.New("secret cause")); p.Status != 500 || strings.Contains(p.Detail, "secret") {
		t.Errorf("Problem(internal) = %+v, want a generic 500", p)
	}
	if got := SafeReturn("//evil.example/x"); got != "/" {
		t.Errorf("SafeReturn(//evil.example/x) = %q", got)
	}
}
