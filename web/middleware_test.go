package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	ts := newServer(t, nil)
	want := map[string]string{
		"Content-Security-Policy":    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "no-referrer",
		"Permissions-Policy":         "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	home := ts.get(t, "/").Body.String()
	css, err := ts.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(home, css) {
		t.Fatalf("home page does not link %s", css)
	}
	tests := []struct {
		path, cacheControl string
	}{
		{"/", "no-store"},
		{"/healthz", "no-store"},
		{"/api/v1/openapi.json", "no-store"},
		{"/api/v1/missing", "no-store"},
		{"/missing", "no-store"},
		{"/.well-known/jwks.json", "public, max-age=300"},
		{css, "public, max-age=31536000, immutable"},
		{"/static/app.css", "no-cache"},
	}
	for _, tt := range tests {
		rec := ts.get(t, tt.path)
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", tt.path, k, got, v)
			}
		}
		if got := rec.Header().Get("Cache-Control"); got != tt.cacheControl {
			t.Errorf("GET %s: Cache-Control = %q, want %q", tt.path, got, tt.cacheControl)
		}
		if got := rec.Header().Get("Strict-Transport-Security"); got != "" {
			t.Errorf("GET %s over plain HTTP: Strict-Transport-Security = %q, want none", tt.path, got)
		}
	}
}

func TestCrossOriginProtection(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("POST /api/v1/test/change", func(w http.ResponseWriter, r *http.Request) error {
		return WriteJSON(w, http.StatusOK, map[string]bool{"changed": true})
	})
	ts.API("POST /api/v1/test/open", func(w http.ResponseWriter, r *http.Request) error { return nil }, CrossOrigin())
	tests := []struct {
		name    string
		path    string
		headers []string
		want    int
	}{
		{"cross-site fetch", "/api/v1/test/change", []string{"Sec-Fetch-Site: cross-site"}, 403},
		{"cross-origin Origin", "/api/v1/test/change", []string{"Origin: https://evil.example"}, 403},
		{"same-origin fetch", "/api/v1/test/change", []string{"Sec-Fetch-Site: same-origin"}, 200},
		{"same-origin Origin", "/api/v1/test/change", []string{"Origin: http://example.com"}, 200},
		{"non-browser client", "/api/v1/test/change", nil, 200},
		{"cross-site language switch", "/lang", []string{"Sec-Fetch-Site: cross-site", "Content-Type: application/x-www-form-urlencoded"}, 403},
		{"exempt route", "/api/v1/test/open", []string{"Sec-Fetch-Site: cross-site"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(t, "POST", tt.path, "lang=en", tt.headers...)
			if rec.Code != tt.want {
				t.Fatalf("POST %s with %v = %d, want %d (%s)", tt.path, tt.headers, rec.Code, tt.want, rec.Body)
			}
			if tt.want == 403 && strings.HasPrefix(tt.path, "/api/") {
				if p := decodeProblem(t, rec.Body.Bytes()); p.Code != "forbidden" {
					t.Errorf("problem code = %q, want forbidden", p.Code)
				}
			}
		})
	}
	if rec := ts.get(t, "/", "Sec-Fetch-Site: cross-site"); rec.Code != 200 {
		t.Errorf("cross-site GET / = %d, want 200 (safe methods pass)", rec.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	ts := newServer(t, func(c *Config, _ *Deps) { c.MaxBodyBytes = 64 })
	type in struct {
		Note string `json:"note"`
	}
	decode := func(w http.ResponseWriter, r *http.Request) error {
		var v in
		if err := DecodeJSON(r, &v); err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, v)
	}
	ts.API("POST /api/v1/test/small", decode)
	ts.API("POST /api/v1/test/big", decode, MaxBody(1024))
	ts.API("POST /api/v1/test/raw", func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.ReadAll(r.Body)
		return err
	})
	long := `{"note":"` + strings.Repeat("x", 200) + `"}`
	tests := []struct {
		name, path, body string
		chunked          bool
		want             int
	}{
		{"within limit", "/api/v1/test/small", `{"note":"hi"}`, false, 200},
		{"declared length over limit", "/api/v1/test/small", long, false, 413},
		{"streamed body over limit", "/api/v1/test/small", long, true, 413},
		{"raw read over limit", "/api/v1/test/raw", long, true, 413},
		{"route with larger limit", "/api/v1/test/big", long, false, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			ts.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("POST %s (%d bytes) = %d, want %d: %s", tt.path, len(tt.body), rec.Code, tt.want, rec.Body)
			}
			if tt.want == 413 {
				if p := decodeProblem(t, rec.Body.Bytes()); p.Code != "too_large" {
					t.Errorf("problem code = %q, want too_large", p.Code)
				}
			}
		})
	}
}

func TestRequestIDHeader(t *testing.T) {
	ts := newServer(t, nil)
	tests := []struct {
		name, incoming string
		keep           bool
	}{
		{"none", "", false},
		{"uuid accepted", "0b9c5a2e-6f1d-4c3b-9a8e-2d7f6e5c4b3a", true},
		{"proxy id accepted", "req_01HZX3:edge.7", true},
		{"too short", "abc", false},
		{"log injection", "abcdefgh\nlevel=ERROR", false},
		{"html", "<script>alert(1)</script>", false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/healthz", nil)
			if tt.incoming != "" {
				req.Header["X-Request-Id"] = []string{tt.incoming}
			}
			rec := httptest.NewRecorder()
			ts.Handler().ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-ID")
			if tt.keep && got != tt.incoming {
				t.Errorf("X-Request-ID = %q, want the incoming %q", got, tt.incoming)
			}
			if !tt.keep && (got == tt.incoming || len(got) != 32 || seen[got]) {
				t.Errorf("X-Request-ID = %q, want a fresh 32-hex ID instead of %q", got, tt.incoming)
			}
			seen[got] = true
		})
	}
}

// TestAccessLog checks the access log line holds what operators need and
// none of what it must never hold.
func TestAccessLog(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("POST /api/v1/citizens/{id}/pin", func(w http.ResponseWriter, r *http.Request) error {
		io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	secrets := []string{"770412345678", "otp=493817", "493817", "s3ss10nc00k1e", "Bearer eyJhbGciOi", "PIN-7391", "Ivanov"}
	rec := ts.do(t, "POST", "/api/v1/citizens/770412345678/pin?otp=493817&name=Ivanov", `{"pin":"PIN-7391"}`,
		"Cookie: session=s3ss10nc00k1e", "Authorization: Bearer eyJhbGciOi", "X-Request-ID: trace-0001-abcd")
	if rec.Code != 204 {
		t.Fatalf("POST = %d, want 204", rec.Code)
	}
	logs := ts.logs.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q:\n%s", s, logs)
		}
	}
	var line map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "http request" {
			line = m
		}
	}
	want := map[string]any{
		"method": "POST", "route": "POST /api/v1/citizens/{id}/pin", "status": float64(204),
		"request_id": "trace-0001-abcd", "client_ip": "192.0.2.1", "bytes": float64(0),
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("access log %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Errorf("access log has no duration: %v", line)
	}
}

func TestMetrics(t *testing.T) {
	ts := newServer(t, nil)
	ts.API("GET /api/v1/things/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	ts.get(t, "/api/v1/things/770412345678")
	ts.get(t, "/api/v1/things/5")
	ts.get(t, "/api/v1/zzz/secret-path")
	ts.do(t, "BREW", "/", "")
	body := ts.get(t, "/metrics").Body.String()
	for _, want := range []string{
		`digitalid_http_requests_total{code="2xx",method="GET",route="/api/v1/things/{id}"} 2`,
		`digitalid_http_requests_total{code="4xx",method="GET",route="unmatched"} 1`,
		`digitalid_http_requests_total{code="4xx",method="OTHER",route="unmatched"} 1`,
		`digitalid_http_request_duration_seconds_count{method="GET",route="/api/v1/things/{id}"} 2`,
		`digitalid_build_info{version="1.2.3"} 1`,
		`go_goroutines`,
		`process_cpu_seconds_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, leak := range []string{"770412345678", "secret-path", "BREW"} {
		if strings.Contains(body, leak) {
			t.Errorf("/metrics contains raw request data %q", leak)
		}
	}
}
