package oidc

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAddIss: iss is added to a client's authorization response (a code or
// an error on an absolute redirect_uri, its own query kept) and to nothing
// else: our relative redirects and the redirect after logout.
func TestAddIss(t *testing.T) {
	const iss = "https://id.example"
	for _, c := range []struct{ loc, want string }{
		{"https://rp.example/cb?code=abc&state=s1", "https://rp.example/cb?code=abc&iss=https%3A%2F%2Fid.example&state=s1"},
		{"https://rp.example/cb?tenant=7&error=access_denied", "https://rp.example/cb?error=access_denied&iss=https%3A%2F%2Fid.example&tenant=7"},
		{"https://rp.example/cb?code=abc&iss=https%3A%2F%2Fevil.example", "https://rp.example/cb?code=abc&iss=https%3A%2F%2Fid.example"},
		{"/oidc/consent?id=oar_1&code=x", ""},
		{"https://rp.example/bye?state=s1", ""},
		{"%zz", ""},
	} {
		got, ok := addIss(c.loc, iss)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("addIss(%q) = %q, %v; want %q", c.loc, got, ok, c.want)
		}
	}
}

// TestWithIss: the Location of a redirect written through the handler
// carries iss; a non-redirect answer is left alone.
func TestWithIss(t *testing.T) {
	h := withIss("https://id.example", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("ok") == "1" {
			http.Redirect(w, r, "https://rp.example/cb?code=abc", http.StatusFound)
			return
		}
		w.Header().Set("Location", "https://rp.example/cb?code=abc")
		w.WriteHeader(http.StatusOK)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/cb?ok=1", nil))
	if got := rec.Header().Get("Location"); rec.Code != 302 || got != "https://rp.example/cb?code=abc&iss=https%3A%2F%2Fid.example" {
		t.Errorf("redirect = %d %q, want 302 with iss", rec.Code, got)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/cb", nil))
	if got := rec.Header().Get("Location"); got != "https://rp.example/cb?code=abc" {
		t.Errorf("non-redirect Location = %q, want it unchanged", got)
	}
}
