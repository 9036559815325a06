package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientIPFlags: --trusted-proxies, --client-ip-header and
// --auth-rate-limit (or their variables) are checked at start-up; a bad
// network, header or a limit below 1 is a usage error.
func TestClientIPFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(c Config) bool
	}{
		{name: "defaults", check: func(c Config) bool {
			return c.AuthRate == 30 && len(c.Proxies) == 0 && c.ClientIPHeader == "X-Forwarded-For"
		}},
		{name: "flags", args: []string{"--trusted-proxies", "10.0.0.0/8, 2001:db8::/32,192.0.2.7", "--auth-rate-limit", "5", "--client-ip-header", "forwarded"},
			check: func(c Config) bool {
				return c.AuthRate == 5 && len(c.Proxies) == 3 && c.Proxies[2].String() == "192.0.2.7/32" && c.ClientIPHeader == "Forwarded"
			}},
		{name: "environment", env: map[string]string{"DIGITALID_TRUSTED_PROXIES": "172.16.0.0/12", "DIGITALID_AUTH_RATE_LIMIT": "100", "DIGITALID_CLIENT_IP_HEADER": "X-Forwarded-For"},
			check: func(c Config) bool {
				return c.AuthRate == 100 && len(c.Proxies) == 1 && c.Proxies[0].String() == "172.16.0.0/12"
			}},
		{name: "bad network", args: []string{"--trusted-proxies", "10.0.0.0/33"}, wantErr: "--trusted-proxies"},
		{name: "host bits", args: []string{"--trusted-proxies", "10.1.2.3/8"}, wantErr: "host bits"},
		{name: "host name", env: map[string]string{"DIGITALID_TRUSTED_PROXIES": "lb.example"}, wantErr: "--trusted-proxies"},
		{name: "zero limit", args: []string{"--auth-rate-limit", "0"}, wantErr: "--auth-rate-limit"},
		{name: "negative limit", args: []string{"--auth-rate-limit", "-3"}, wantErr: "--auth-rate-limit"},
		{name: "other header", args: []string{"--client-ip-header", "X-Real-IP"}, wantErr: "--client-ip-header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			fs := newTestFlagSet()
			serveFlags(fs, &c)
			if err := parseFlags(fs, &c, tc.args, func(k string) string { return tc.env[k] }); err != nil {
				t.Fatalf("parseFlags(%q) = %v", tc.args, err)
			}
			err := c.finish()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("finish(%q, %v) = %v, want an error naming %s", tc.args, tc.env, err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Fatalf("finish(%q, %v) = %v; config auth %d proxies %v header %q", tc.args, tc.env, err, c.AuthRate, c.Proxies, c.ClientIPHeader)
			}
		})
	}
	for _, args := range [][]string{{"serve", "--trusted-proxies", "nonsense"}, {"serve", "--auth-rate-limit", "0"}} {
		if code, _, errs := runInProcess(t, nil, args...); code != 2 || !strings.Contains(errs, args[1]) {
			t.Errorf("digitalid %s = %d (%q), want 2 naming %s", strings.Join(args, " "), code, errs, args[1])
		}
	}
}

// TestClientIPFlagsReachServer: through the fully wired server, the
// --auth-rate-limit budget is per client behind a --trusted-proxies proxy,
// and a direct client's X-Forwarded-For is ignored.
func TestClientIPFlagsReachServer(t *testing.T) {
	var cfg Config
	fs := newTestFlagSet()
	serveFlags(fs, &cfg)
	env := map[string]string{"DIGITALID_TRUSTED_PROXIES": "10.0.0.0/8"}
	if err := parseFlags(fs, &cfg, []string{"--data-dir", t.TempDir(), "--auth-rate-limit", "2"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := cfg.finish(); err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, discardLogger())
	if err != nil {
		t.Fatalf("openApp: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	srv, err := newServer(a)
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	// An empty body: the rate limit is counted first, then the body is refused (400).
	send := func(peer, xff string) int {
		r := httptest.NewRequest("POST", "/api/v1/auth/otp", strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		return rec.Code
	}
	for i := range 2 {
		if code := send("10.0.0.1:5000", "198.51.100.1"); code != http.StatusBadRequest {
			t.Fatalf("client A request %d via the proxy = %d, want 400 (counted, then the body refused)", i+1, code)
		}
	}
	if code := send("10.0.0.1:5000", "198.51.100.1"); code != http.StatusTooManyRequests {
		t.Fatalf("client A's third request = %d, want 429 (--auth-rate-limit 2)", code)
	}
	if code := send("10.0.0.1:5000", "198.51.100.2"); code != http.StatusBadRequest {
		t.Errorf("client B via the same proxy = %d, want 400 (its own budget)", code)
	}
	for i := range 2 {
		if code := send("203.0.113.7:5000", "198.51.100.3"); code != http.StatusBadRequest {
			t.Fatalf("direct client request %d = %d, want 400", i+1, code)
		}
	}
	if code := send("203.0.113.7:5000", "198.51.100.4"); code != http.StatusTooManyRequests {
		t.Errorf("direct client's third request with a new X-Forwarded-For = %d, want 429", code)
	}
}
