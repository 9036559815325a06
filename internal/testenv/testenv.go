// Package testenv finds the outside services the test suites need —
// PostgreSQL, SoftHSM2, Chromium — and skips a test that cannot have them with
// a clear message, or fails it when DIGITALID_REQUIRE_ALL=1 (as CI sets), so a
// suite that silently did not run can never pass CI.
//
// `make test` (scripts/test.sh) provisions all three and sets:
//
//	DIGITALID_TEST_POSTGRES        admin DSN of a throwaway PostgreSQL server
//	DIGITALID_TEST_SOFTHSM_MODULE  path of libsofthsm2.so
//	DIGITALID_TEST_CHROMIUM        path of the Chromium binary
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// RequireAll reports whether missing suites must fail instead of skip.
func RequireAll() bool { return os.Getenv("DIGITALID_REQUIRE_ALL") == "1" }

// Unavailable skips the test because a required outside service is missing,
// or fails it when DIGITALID_REQUIRE_ALL=1.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (run `make test` to provision it)"
	if RequireAll() {
		t.Fatalf("DIGITALID_REQUIRE_ALL=1 but %s", msg)
	}
	t.Skip(msg)
}

// PostgresDSN creates a fresh, empty database on the test PostgreSQL server
// and returns its DSN; the database is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("DIGITALID_TEST_POSTGRES")
	if admin == "" {
		Unavailable(t, "PostgreSQL suite skipped: DIGITALID_TEST_POSTGRES is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open admin postgres: %v", err)
	}
	defer db.Close()
	name := "t_" + RandomHex(8)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse DIGITALID_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// SoftHSM describes a SoftHSM2 token initialised for a test.
type SoftHSM struct {
	Module string // path of libsofthsm2.so
	Config string // SOFTHSM2_CONF file
	Token  string // token label
	PIN    string // user PIN
}

// SoftHSMModule returns the SoftHSM2 module path, or skips/fails the test.
func SoftHSMModule(t testing.TB) string {
	t.Helper()
	mod := os.Getenv("DIGITALID_TEST_SOFTHSM_MODULE")
	if mod == "" {
		mod = "/usr/lib/softhsm/libsofthsm2.so"
	}
	if _, err := os.Stat(mod); err != nil {
		Unavailable(t, "HSM suite skipped: SoftHSM2 module %s not found", mod)
	}
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		Unavailable(t, "HSM suite skipped: softhsm2-util not on PATH")
	}
	return mod
}

// NewSoftHSM writes a SoftHSM2 configuration with its own token directory
// under dir and initialises one token in it. The caller points SOFTHSM2_CONF
// at s.Config before the PKCS#11 module is first loaded in the process:
// SoftHSM2 reads its configuration only once, at C_Initialize.
func NewSoftHSM(t testing.TB, dir string) SoftHSM {
	t.Helper()
	s := SoftHSM{Module: SoftHSMModule(t), Token: "digitalid-test", PIN: "1234-test"}
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	s.Config = filepath.Join(dir, "softhsm2.conf")
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokens)
	if err := os.WriteFile(s.Config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("softhsm2-util", "--init-token", "--free", "--label", s.Token, "--pin", s.PIN, "--so-pin", "so-"+s.PIN)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+s.Config)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return s
}

// Chromium returns the path of a Chromium binary, or skips/fails the test.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("DIGITALID_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Unavailable(t, "browser suite skipped: no Chromium found (set DIGITALID_TEST_CHROMIUM)")
	return ""
}

// RandomHex returns n random bytes, hex-encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Redacted returns dsn with any password removed, for test log lines.
func Redacted(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return strings.Replace(dsn, u.User.String()+"@", u.User.Username()+":***@", 1)
}
