package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
)

func decodeProblem(t *testing.T, body []byte) Problem {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	return p
}

func TestStatusOf(t *testing.T) {
	want := map[string]int{
		digitalid.EINVALID: 400, digitalid.EUNAUTHORIZED: 401, digitalid.EFORBIDDEN: 403,
		digitalid.ENOTFOUND: 404, codeMethodNotAllowed: 405, digitalid.ECONFLICT: 409,
		digitalid.ETOOLARGE: 413, digitalid.ELOCKED: 423, digitalid.ERATELIMITED: 429,
		digitalid.EUNAVAILABLE: 503, digitalid.EINTERNAL: 500, "no_such_code": 500,
	}
	for code, status := range want {
		if got := StatusOf(code); got != status {
			t.Errorf("StatusOf(%q) = %d, want %d", code, got, status)
		}
	}
	if n := len(ProblemCodes()); n != len(want)-1 {
		t.Errorf("len(ProblemCodes()) = %d, want %d", n, len(want)-1)
	}
}

// TestAPIErrors returns each kind of error from an API handler and checks
// the problem+json the client gets.
func TestAPIErrors(t *testing.T) {
	ts := newServer(t, nil)
	var next error
	ts.API("POST /api/v1/test/fail", func(w http.ResponseWriter, r *http.Request) error { return next })

	tests := []struct {
		name       string
		err        error
		lang       string
		wantStatus int
		wantCode   string
		wantDetail string
		wantFields int
	}{
		{"invalid", digitalid.Errorf(digitalid.EINVALID, "The phone number is malformed."), "en", 400, "invalid", "The phone number is malformed.", 0},
		{"wrapped not found", fmt.Errorf("load: %w", digitalid.Errorf(digitalid.ENOTFOUND, "No such document.")), "en", 404, "not_found", "No such document.", 0},
		{"translated by key", &digitalid.Error{Code: digitalid.EINVALID, Message: "The request body is empty.", Key: "error.json.empty"}, "ru", 400, "invalid", "Тело запроса пустое.", 0},
		{"unknown key keeps message", &digitalid.Error{Code: digitalid.ECONFLICT, Message: "Already there.", Key: "no.such.key"}, "kk", 409, "conflict", "Already there.", 0},
		{"field errors", &digitalid.Error{Code: digitalid.EINVALID, Message: "Bad fields.", Fields: []digitalid.FieldError{
			{Field: "pin", Code: "length", Message: "must be 4 digits"}, {Field: "x", Code: "unknown", Message: "?", Key: "error.field.unknown"}}}, "en", 400, "invalid", "Bad fields.", 2},
		{"locked", digitalid.Errorf(digitalid.ELOCKED, "Blocked for 15 minutes."), "en", 423, "locked", "Blocked for 15 minutes.", 0},
		{"rate limited", digitalid.Errorf(digitalid.ERATELIMITED, "Slow down."), "en", 429, "rate_limited", "Slow down.", 0},
		{"unauthorized", digitalid.Errorf(digitalid.EUNAUTHORIZED, "Sign in."), "en", 401, "unauthorized", "Sign in.", 0},
		{"forbidden", digitalid.Errorf(digitalid.EFORBIDDEN, "Not yours."), "en", 403, "forbidden", "Not yours.", 0},
		{"too large", digitalid.Errorf(digitalid.ETOOLARGE, "Too big."), "en", 413, "too_large", "Too big.", 0},
		{"unavailable", digitalid.Errorf(digitalid.EUNAVAILABLE, "Try later."), "en", 503, "unavailable", "Try later.", 0},
		{"internal hides message", digitalid.Errorf(digitalid.EINTERNAL, "db password is hunter2"), "en", 500, "internal", "An internal error occurred.", 0},
		{"plain error is internal", errors.New("pq: relation citizens does not exist"), "en", 500, "internal", "An internal error occurred.", 0},
		{"unknown code is internal", digitalid.Errorf("made_up", "Secret detail."), "en", 500, "internal", "An internal error occurred.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next = tt.err
			rec := ts.do(t, "POST", "/api/v1/test/fail", "", "Accept-Language: "+tt.lang)
			if rec.Code != tt.wantStatus {
				t.Fatalf("POST /api/v1/test/fail status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			p := decodeProblem(t, rec.Body.Bytes())
			if p.Status != tt.wantStatus || p.Code != tt.wantCode {
				t.Errorf("problem status/code = %d/%q, want %d/%q", p.Status, p.Code, tt.wantStatus, tt.wantCode)
			}
			if want := "https://id.example/problems/" + tt.wantCode; p.Type != want {
				t.Errorf("problem type = %q, want %q", p.Type, want)
			}
			if want := ts.bundle.T(tt.lang, "problem."+tt.wantCode+".title"); p.Title != want || p.Title == "" {
				t.Errorf("problem title = %q, want %q", p.Title, want)
			}
			if !strings.HasPrefix(p.Detail, tt.wantDetail) {
				t.Errorf("problem detail = %q, want prefix %q", p.Detail, tt.wantDetail)
			}
			if id := rec.Header().Get("X-Request-ID"); p.Instance != id || id == "" {
				t.Errorf("problem instance = %q, X-Request-ID = %q; want equal and set", p.Instance, id)
			}
			if len(p.Errors) != tt.wantFields {
				t.Errorf("problem errors = %+v, want %d", p.Errors, tt.wantFields)
			}
		})
	}
}

func TestFieldErrorTranslated(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("POST /api/v1/test/fields", func(w http.ResponseWriter, r *http.Request) error {
		return &digitalid.Error{Code: digitalid.EINVALID, Message: "Bad.", Fields: []digitalid.FieldError{
			{Field: "colour", Code: "unknown", Message: "unknown field", Key: "error.field.unknown"}}}
	})
	rec := ts.do(t, "POST", "/api/v1/test/fields", "", "Accept-Language: kk-KZ")
	p := decodeProblem(t, rec.Body.Bytes())
	if len(p.Errors) != 1 || p.Errors[0].Message != "белгісіз өріс" || p.Errors[0].Field != "colour" {
		t.Errorf("errors = %+v, want colour translated to Kazakh", p.Errors)
	}
	if strings.Contains(rec.Body.String(), "error.field.unknown") {
		t.Errorf("body %s leaks the translation key", rec.Body)
	}
}

func TestInternalErrorLoggedNotShown(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("GET /api/v1/test/boom", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("query citizens: %w", errors.New("connection reset by peer 10.0.0.7"))
	})
	rec := ts.get(t, "/api/v1/test/boom")
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "10.0.0.7") || strings.Contains(rec.Body.String(), "citizens") {
		t.Errorf("body %s shows the internal cause", rec.Body)
	}
	if logs := ts.logs.String(); !strings.Contains(logs, "connection reset by peer 10.0.0.7") {
		t.Errorf("logs do not hold the cause:\n%s", logs)
	}
}

func TestErrorAfterWriteOnlyLogged(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("GET /api/v1/test/late", func(w http.ResponseWriter, r *http.Request) error {
		WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
		return errors.New("late failure")
	})
	rec := ts.get(t, "/api/v1/test/late")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "problem") || strings.Count(rec.Body.String(), "{") != 1 {
		t.Errorf("GET late = %d %q, want the handler's own 200 body only", rec.Code, rec.Body)
	}
	if !strings.Contains(ts.logs.String(), "after writing its response") {
		t.Errorf("late error not logged")
	}
}

func TestUnmatched(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("GET /api/v1/things/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	tests := []struct {
		name, method, path string
		status             int
		contentType        string
		allow              string
	}{
		{"unknown api path", "GET", "/api/v1/nothing", 404, "application/problem+json", ""},
		{"api wrong method", "DELETE", "/api/v1/things/7", 405, "application/problem+json", "GET, HEAD"},
		{"well-known unknown", "GET", "/.well-known/nothing", 404, "application/problem+json", ""},
		{"unknown page", "GET", "/no/such/page", 404, "text/html; charset=utf-8", ""},
		{"page wrong method", "PUT", "/lang", 405, "text/html; charset=utf-8", "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(t, tt.method, tt.path, "")
			if rec.Code != tt.status || rec.Header().Get("Content-Type") != tt.contentType {
				t.Fatalf("%s %s = %d %q, want %d %q", tt.method, tt.path, rec.Code, rec.Header().Get("Content-Type"), tt.status, tt.contentType)
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.contentType == "application/problem+json" {
				p := decodeProblem(t, rec.Body.Bytes())
				if p.Status != tt.status {
					t.Errorf("problem status = %d, want %d", p.Status, tt.status)
				}
			} else if !strings.Contains(rec.Body.String(), "<html") {
				t.Errorf("body is not an HTML page: %q", rec.Body)
			}
		})
	}
}

func TestPanicRecovered(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("GET /api/v1/test/panic", func(w http.ResponseWriter, r *http.Request) error { panic("nil map write") })
	ts.Page("GET /test/panic", func(w http.ResponseWriter, r *http.Request) error { panic("page panic") })
	rec := ts.get(t, "/api/v1/test/panic")
	if p := decodeProblem(t, rec.Body.Bytes()); rec.Code != 500 || p.Code != "internal" {
		t.Errorf("GET panicking API = %d %+v, want 500 internal problem", rec.Code, p)
	}
	if strings.Contains(rec.Body.String(), "nil map") {
		t.Errorf("panic value shown to the client: %s", rec.Body)
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, "nil map write") || !strings.Contains(logs, "goroutine") {
		t.Errorf("panic not logged with its stack:\n%s", logs)
	}
	rec = ts.get(t, "/test/panic")
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("GET panicking page = %d, want 500 HTML page", rec.Code)
	}
}

func TestProblemPages(t *testing.T) {
	ts := newServer(t, nil)
	for _, code := range ProblemCodes() {
		for _, lang := range []string{"ru", "kk", "en"} {
			rec := ts.get(t, "/problems/"+code, "Cookie: lang="+lang)
			if rec.Code != 200 {
				t.Errorf("GET /problems/%s = %d, want 200", code, rec.Code)
				continue
			}
			for _, key := range []string{"problem." + code + ".title", "problem." + code + ".about"} {
				want := ts.bundle.T(lang, key)
				if !strings.Contains(rec.Body.String(), htmlEscape(want)) {
					t.Errorf("GET /problems/%s in %s lacks %s = %q", code, lang, key, want)
				}
			}
		}
	}
	if rec := ts.get(t, "/problems/nope"); rec.Code != 404 {
		t.Errorf("GET /problems/nope = %d, want 404", rec.Code)
	}
}

func TestRegisterRejectsBadPattern(t *testing.T) {
	ts := newServer(t, nil)
	for _, pattern := range []string{"/api/v1/x", "GET", "GET api/v1/x", "GET /healthz"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("API(%q) did not panic", pattern)
				}
			}()
			ts.API(pattern, func(w http.ResponseWriter, r *http.Request) error { return nil })
		}()
	}
}
