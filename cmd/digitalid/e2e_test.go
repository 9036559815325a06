package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/sms"
)

// testApp opens the platform in-process with the same configuration path as
// the binary (flags, then finish), for tests that seed or inspect data.
func testApp(t *testing.T, getenv func(string) string, args ...string) *app {
	t.Helper()
	var cfg Config
	fs := newTestFlagSet()
	storageFlags(fs, &cfg)
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if err := parseFlags(fs, &cfg, args, getenv); err != nil {
		t.Fatalf("parseFlags(%q): %v", args, err)
	}
	if err := cfg.finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
	a, err := openApp(context.Background(), cfg, discardLogger())
	if err != nil {
		t.Fatalf("openApp: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestServeOnFreshMachine runs `digitalid serve` with no configuration in an
// empty directory, as the README's run command does.
func TestServeOnFreshMachine(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, nil)

	for _, c := range []struct {
		path, want string
	}{
		{"/", "<html lang="},
		{"/healthz", "ok"},
		{"/readyz", ""},
		{"/metrics", "go_goroutines"},
		{"/.well-known/jwks.json", `"keys"`},
		{"/api/v1/openapi.json", `"openapi"`},
	} {
		status, body := s.get(t, c.path)
		if status != 200 || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d %.80q, want 200 containing %q", c.path, status, body, c.want)
		}
	}
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	_, body := s.get(t, "/.well-known/jwks.json")
	if err := json.Unmarshal([]byte(body), &jwks); err != nil || len(jwks.Keys) < 2 {
		t.Fatalf("JWKS = %s (%v), want the ES256 and EdDSA keys", body, err)
	}
	for _, k := range jwks.Keys {
		if _, ok := k["d"]; ok {
			t.Fatalf("JWKS publishes a private key: %v", k)
		}
	}
	s.stop(t)
	if !strings.Contains(s.logs.String(), "stopped cleanly") {
		t.Errorf("logs after SIGTERM lack a clean stop:\n%s", s.logs.String())
	}

	data := filepath.Join(dir, "data")
	checkMode(t, data, 0o700)
	for _, name := range []string{"digitalid.db", "master.key"} {
		checkMode(t, filepath.Join(data, name), 0o600)
	}
	filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			checkMode(t, p, 0o600)
		}
		return nil
	})
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %o, want %o", path, got, want)
	}
}

// TestNoSecretsAtRest seeds secrets through the real paths (an SMS with a
// one-time code, audit events, platform keys) and then greps every file of
// the data directory and the server's logs for them in every encoding.
func TestNoSecretsAtRest(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	s := startServer(t, dir, nil)
	s.get(t, "/")
	s.stop(t)

	a := testApp(t, nil, "--data-dir", data)
	const phone, otp = "+77011234567", "493817"
	ctx := context.Background()
	if err := a.sender.Send(ctx, sms.Message{To: phone, Body: "digitalid code " + otp, Purpose: "otp"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := a.audit.Append(ctx, audit.Event{Chain: "c_7q2k9x4m1n8p3r5t", Actor: audit.Actor{Type: audit.ActorCitizen, ID: "c_7q2k9x4m1n8p3r5t"}, Action: "session.created", Object: "session:s_9f8e7d6c5b4a", Result: audit.Success}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	macKey, err := a.keys.LoadOrCreateSecret(ctx, secretAuditMAC)
	if err != nil {
		t.Fatal(err)
	}
	outboxKey, err := a.keys.LoadOrCreateSecret(ctx, secretSMSOutbox)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	masterB64, err := os.ReadFile(filepath.Join(data, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	master, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(masterB64)))
	if err != nil {
		master, _ = base64.RawURLEncoding.DecodeString(strings.TrimSpace(string(masterB64)))
	}
	if len(master) != 32 {
		t.Fatalf("master.key does not hold a 32-byte key")
	}

	secrets := map[string][]byte{
		"one-time code":          []byte(otp),
		"phone number":           []byte(phone[1:]),
		"PEM private key":        []byte("PRIVATE KEY"),
		"PKCS#8 P-256 key":       {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04},
		"PKCS#8 Ed25519 key":     {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20},
		"master key (raw)":       master,
		"master key (base64)":    []byte(base64.StdEncoding.EncodeToString(master)),
		"master key (hex)":       []byte(hex.EncodeToString(master)),
		"audit MAC key (raw)":    macKey,
		"audit MAC key (hex)":    []byte(hex.EncodeToString(macKey)),
		"outbox key (raw)":       outboxKey,
		"outbox key (base64)":    []byte(base64.StdEncoding.EncodeToString(outboxKey)),
		"audit MAC key (base64)": []byte(base64.StdEncoding.EncodeToString(macKey)),
	}
	files := map[string][]byte{"server logs": []byte(s.logs.String())}
	filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "master.key" {
			return nil // the master key file holds the master key by definition
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		files[p] = b
		return nil
	})
	if len(files) < 2 {
		t.Fatalf("found no database files to grep in %s", data)
	}
	for file, content := range files {
		for what, secret := range secrets {
			if bytes.Contains(content, secret) {
				t.Errorf("%s contains the %s in plaintext", file, what)
			}
		}
	}
}

// TestAuditVerifyNamesTamperedRow edits one audit row directly in the
// database and expects `digitalid audit verify` to exit 1 naming it.
func TestAuditVerifyNamesTamperedRow(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--data-dir", filepath.Join(dir, "data")}
			var env []string
			getenv := func(string) string { return "" }
			if dialect == "postgres" {
				key := newMasterKey()
				args = append(args, "--db", testenv.PostgresDSN(t))
				env = []string{"DIGITALID_MASTER_KEY=" + key}
				getenv = func(k string) string {
					if k == "DIGITALID_MASTER_KEY" {
						return key
					}
					return ""
				}
			}
			a := testApp(t, getenv, args...)
			ctx := context.Background()
			const chain = "c_3v8w2x7y4z1a6b5c"
			for _, action := range []string{"session.created", "document.read", "session.ended"} {
				if _, err := a.audit.Append(ctx, audit.Event{Chain: chain, Actor: audit.Actor{Type: audit.ActorCitizen, ID: chain}, Action: action, Object: "thing:t_1a2b3c4d5e6f", Result: audit.Success}); err != nil {
					t.Fatalf("Append(%s): %v", action, err)
				}
			}
			code, out := runCLI(t, dir, env, append([]string{"audit", "verify"}, args...)...)
			if code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("audit verify on an untouched log = %d\n%s", code, out)
			}
			if _, err := a.db.SQL().ExecContext(ctx, "UPDATE audit_events SET action = 'document.deleted' WHERE chain = '"+chain+"' AND seq = 2"); err != nil {
				t.Fatal(err)
			}
			code, out = runCLI(t, dir, env, append([]string{"audit", "verify"}, args...)...)
			if code != 1 || !strings.Contains(out, chain) || !strings.Contains(out, "seq 2") {
				t.Fatalf("audit verify after editing seq 2 = %d, want 1 naming %s seq 2\n%s", code, chain, out)
			}
		})
	}
}

// TestTwoInstancesOnePostgres runs two servers on one PostgreSQL database:
// they share keys (one JWKS), and a rotation by the CLI is seen by both.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	env := []string{"DIGITALID_MASTER_KEY=" + newMasterKey(), "DIGITALID_DB=" + dsn}
	s1 := startServer(t, t.TempDir(), env)
	s2 := startServer(t, t.TempDir(), env)
	kids := func(s *server) string {
		_, body := s.get(t, "/.well-known/jwks.json")
		var set struct {
			Keys []struct {
				Kid string `json:"kid"`
			} `json:"keys"`
		}
		if err := json.Unmarshal([]byte(body), &set); err != nil {
			t.Fatalf("JWKS: %v", err)
		}
		var ids []string
		for _, k := range set.Keys {
			ids = append(ids, k.Kid)
		}
		return strings.Join(sortStrings(ids), ",")
	}
	before := kids(s1)
	if got := kids(s2); got != before {
		t.Fatalf("instances publish different keys: %s vs %s", before, got)
	}
	if code, out := runCLI(t, t.TempDir(), env, "keys", "rotate", "--purpose", "sign", "--alg", "ES256"); code != 0 {
		t.Fatalf("keys rotate = %d\n%s", code, out)
	}
	after1, after2 := kids(s1), kids(s2)
	if after1 != after2 || after1 == before || len(strings.Split(after1, ",")) != len(strings.Split(before, ","))+1 {
		t.Fatalf("after rotation: instance 1 %s, instance 2 %s (before %s); want both to add one key", after1, after2, before)
	}
	for _, s := range []*server{s1, s2} {
		if status, _ := s.get(t, "/readyz"); status != 200 {
			t.Errorf("/readyz = %d", status)
		}
	}
}

// TestOpenAPIMatchesWiredRoutes checks the OpenAPI document against every
// API route of the fully wired server, not just the web package's own.
func TestOpenAPIMatchesWiredRoutes(t *testing.T) {
	a := testApp(t, nil, "--data-dir", filepath.Join(t.TempDir(), "data"))
	a.cfg.Addr, a.cfg.PublicURL = "127.0.0.1:0", "http://127.0.0.1:8080"
	a.cfg.MaxBody, a.cfg.ShutdownTimeout = 1<<20, time.Second
	srv, err := newServer(a)
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	if err := srv.CheckOpenAPI(); err != nil {
		t.Fatalf("OpenAPI document and routes differ: %v", err)
	}
}
