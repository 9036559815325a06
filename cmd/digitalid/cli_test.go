package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runInProcess(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	code := run(context.Background(), env{strings.NewReader(""), &out, &errb, getenv}, args)
	return code, out.String(), errb.String()
}

func TestHelpForEveryCommand(t *testing.T) {
	for name := range commands() {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runInProcess(t, nil, "help", name)
			if code != 0 || !strings.Contains(out, "Usage: digitalid "+name) {
				t.Fatalf("help %s = %d\n%s%s", name, code, out, errs)
			}
			if name == "serve" {
				for _, want := range []string{"--addr", "DIGITALID_ADDR", "DIGITALID_DATA_DIR", "DIGITALID_MASTER_KEY", "DIGITALID_LOG_FORMAT"} {
					if !strings.Contains(out, want) {
						t.Errorf("help serve lacks %s", want)
					}
				}
			}
		})
	}
	if code, out, _ := runInProcess(t, nil, "help"); code != 0 || !strings.Contains(out, "audit verify") {
		t.Errorf("help = %d\n%s", code, out)
	}
	if code, _, errs := runInProcess(t, nil, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command = %d %q, want 2", code, errs)
	}
}

func TestEnvironmentFillsFlagsAndFlagsWin(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"DIGITALID_ADDR": "127.0.0.1:9999", "DIGITALID_LOG_FORMAT": "json", "DIGITALID_SMS_AUTH_VALUE": "s3cret"}[k]
	}
	var c Config
	fs := newTestFlagSet()
	serveFlags(fs, &c)
	if err := parseFlags(fs, &c, []string{"--log-format", "text"}, getenv); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.LogFormat != "text" || c.SMSAuthValue != "s3cret" {
		t.Fatalf("config = addr %q log %q sms secret set %v; want env addr, flag log format, env secret", c.Addr, c.LogFormat, c.SMSAuthValue != "")
	}
}

func TestBadConfigurationIsAUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--log-format", "xml"},
		{"serve", "--keystore", "cloud"},
		{"serve", "--sms", "http"},
		{"serve", "--tls-cert", "c.pem"},
		{"serve", "--keystore", "pkcs11"},
		{"serve", "--no-such-flag"},
	} {
		code, _, errs := runInProcess(t, nil, args...)
		if code != 2 || errs == "" {
			t.Errorf("digitalid %s = %d (%q), want 2 with a message", strings.Join(args, " "), code, errs)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runInProcess(t, nil, "version")
	if code != 0 || !strings.Contains(out, "digitalid "+version) {
		t.Fatalf("version = %d %q", code, out)
	}
}

func TestPublicURLDefaultsToLocalhostOnLoopback(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080":  "http://localhost:8080",
		"[::1]:9000":      "http://localhost:9000",
		"0.0.0.0:8080":    "http://0.0.0.0:8080",
		"id.example:8443": "http://id.example:8443",
	} {
		c := Config{Addr: addr, LogFormat: "text", KeyStore: "file", MaxBody: 1, AuthRate: 30}
		if err := c.finish(); err != nil {
			t.Fatalf("finish(%s): %v", addr, err)
		}
		if c.PublicURL != want {
			t.Errorf("PublicURL for --addr %s = %q, want %q", addr, c.PublicURL, want)
		}
	}
}
