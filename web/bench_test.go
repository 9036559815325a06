package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
)

// BenchmarkStack measures the whole middleware stack (request ID, headers,
// CSRF check, routing, access log at info level, metrics) around small
// handlers.
func BenchmarkStack(b *testing.B) {
	ts := newServer(b, nil)
	ts.API("POST /api/v1/bench/echo", func(w http.ResponseWriter, r *http.Request) error {
		var v struct {
			Note string `json:"note"`
		}
		if err := DecodeJSON(r, &v); err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, v)
	})
	ts.API("GET /api/v1/bench/missing", func(w http.ResponseWriter, r *http.Request) error {
		return digitalid.Errorf(digitalid.ENOTFOUND, "No such thing.")
	})
	cases := []struct {
		name, method, path, body string
	}{
		{"healthz", "GET", "/healthz", ""},
		{"json echo", "POST", "/api/v1/bench/echo", `{"note":"hello"}`},
		{"problem", "GET", "/api/v1/bench/missing", ""},
		{"home page", "GET", "/", ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := ts.Handler()
			for b.Loop() {
				req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
