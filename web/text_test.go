package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestNotTextRefusedAtTheEdge: a path that is not text (invalid UTF-8 or
// NUL) names nothing and is a 404 problem before the handler runs; a query
// or form value that is not text is a 400. PostgreSQL refuses such bytes
// with an error that was a 500, while SQLite just found nothing.
func TestNotTextRefusedAtTheEdge(t *testing.T) {
	ts := newServer(t, nil)
	var reached []string
	ts.API("GET /api/v1/test/items/{id}", func(w http.ResponseWriter, r *http.Request) error {
		reached = append(reached, r.PathValue("id"))
		return WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	ts.API("POST /api/v1/test/items", func(w http.ResponseWriter, r *http.Request) error {
		reached = append(reached, r.PostFormValue("name"))
		return WriteJSON(w, http.StatusOK, map[string]string{})
	})
	form := "Content-Type: application/x-www-form-urlencoded"
	for _, c := range []struct {
		method, target, body string
		status               int
	}{
		{"GET", "/api/v1/test/items/%ff", "", 404},
		{"GET", "/api/v1/test/items/%00", "", 404},
		{"GET", "/api/v1/test/items/%c3%28", "", 404},
		{"GET", "/api/v1/test/items/a%00b/..", "", 404},
		{"GET", "/api/v1/test/items/x?q=%ff", "", 400},
		{"GET", "/api/v1/test/items/x?%00=1", "", 400},
		{"POST", "/api/v1/test/items", "name=a%00b", 400},
		{"POST", "/api/v1/test/items", "name=%ff", 400},
		{"GET", "/api/v1/test/items/%D0%B0", "", 200}, // Cyrillic "а": text
		{"POST", "/api/v1/test/items", "name=%D0%B0", 200},
	} {
		reached = nil
		rec := ts.do(t, c.method, c.target, c.body, form, "Accept: application/json")
		if rec.Code != c.status {
			t.Errorf("%s %s %q = %d %s, want %d", c.method, c.target, c.body, rec.Code, rec.Body, c.status)
			continue
		}
		if c.status == 200 {
			if len(reached) != 1 || reached[0] != "а" {
				t.Errorf("%s %s: handler saw %q, want \"а\"", c.method, c.target, reached)
			}
			continue
		}
		if len(reached) != 0 {
			t.Errorf("%s %s %q: the handler ran with %q", c.method, c.target, c.body, reached)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(rec.Body.String(), `"status":`) {
			t.Errorf("%s %s = %s %s, want a problem", c.method, c.target, ct, rec.Body)
		}
	}
}
