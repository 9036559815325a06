package verify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMaxAge(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string][]string
		want    time.Duration
		ok      bool
	}{
		{"none", nil, 0, false},
		{"max-age", map[string][]string{"Cache-Control": {"public, max-age=300"}}, 5 * time.Minute, true},
		{"upper case, quoted", map[string][]string{"Cache-Control": {`MAX-AGE="60"`}}, time.Minute, true},
		{"less Age", map[string][]string{"Cache-Control": {"max-age=300"}, "Age": {"100"}}, 200 * time.Second, true},
		{"Age beyond max-age", map[string][]string{"Cache-Control": {"max-age=30"}, "Age": {"100"}}, 0, true},
		{"no-cache", map[string][]string{"Cache-Control": {"max-age=300, no-cache"}}, 0, true},
		{"no-store", map[string][]string{"Cache-Control": {"no-store"}}, 0, true},
		{"bad number", map[string][]string{"Cache-Control": {"max-age=soon"}}, 0, false},
		{"negative", map[string][]string{"Cache-Control": {"max-age=-1"}}, 0, false},
		{"two fields", map[string][]string{"Cache-Control": {"public", "max-age=10"}}, 10 * time.Second, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, vs := range tt.headers {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		if got, ok := maxAge(h); got != tt.want || ok != tt.ok {
			t.Errorf("maxAge(%s) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://id.example.gov/.well-known/jwks.json": true,
		"http://127.0.0.1:8080/sl/1":                   true,
		"http://[::1]/sl/1":                            true,
		"http://localhost/sl/1":                        true,
		"http://id.example.gov/sl/1":                   false,
		"ftp://id.example.gov/sl/1":                    false,
		"file:///etc/passwd":                           false,
		"https:///no-host":                             false,
	} {
		if err := checkURL(url); (err == nil) != ok {
			t.Errorf("checkURL(%q) = %v, want ok %v", url, err, ok)
		}
	}
}

// TestFetchLimits: errors and oversized bodies are fetch failures, and a
// slow server is cut off by the fetch timeout.
func TestFetchLimits(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write([]byte(strings.Repeat("x", maxJWKSBody+1)))
		case "/missing":
			http.NotFound(w, r)
		case "/slow":
			<-release
		}
	}))
	defer srv.Close()
	defer close(release)
	v, err := New(Config{Issuer: srv.URL, HTTPClient: srv.Client(), FetchTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/big", "/missing", "/slow"} {
		if _, err := v.fetch(context.Background(), srv.URL+path, "application/json", maxJWKSBody); !errors.Is(err, errFetch) {
			t.Errorf("fetch(%s) = %v, want errFetch", path, err)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no issuer":          {},
		"relative issuer":    {Issuer: "/id"},
		"http JWKS":          {Issuer: "https://id.example", JWKSURL: "http://id.example/jwks"},
		"purpose, no claims": {Issuer: "https://id.example", Purposes: map[string][]string{"age_over_18": nil}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%s) = nil error", name)
		}
	}
	v, err := New(Config{Issuer: "https://id.example/"})
	if err != nil || v.cfg.JWKSURL != "https://id.example/.well-known/jwks.json" {
		t.Errorf("New(defaults) JWKSURL = %q, %v", v.cfg.JWKSURL, err)
	}
}
