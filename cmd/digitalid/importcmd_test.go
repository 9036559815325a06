package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/issuer/issuertest"
)

// TestAdminAndImport registers an issuer with `admin issuer add`, imports a
// file of good and bad lines, lists and disables the issuer, all through
// the command functions over one data directory.
func TestAdminAndImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testApp(t, nil, "--data-dir", dir)
	if _, err := a.accounts.Citizens.Create(ctx, "+79161234567", "ru"); err != nil {
		t.Fatal(err)
	}
	key := issuertest.NewKey(t, "mvd-1")
	jwks, _ := json.Marshal(key.JWKS())
	jwksFile := filepath.Join(dir, "mvd.jwks")
	if err := os.WriteFile(jwksFile, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(f func(context.Context, env, []string) int, stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := f(ctx, env{strings.NewReader(stdin), &out, &errb, func(string) string { return "" }}, args)
		return code, out.String(), errb.String()
	}
	if code, out, errs := run(runAdmin, "", "issuer", "add", "--data-dir", dir, "--id", "mvd", "--name", "MVD",
		"--types", "passport_ru,passport_international", "--jwks", jwksFile); code != 0 || !strings.Contains(out, "issuer mvd added") {
		t.Fatalf("admin issuer add = %d %q %q", code, out, errs)
	}
	if code, _, errs := run(runAdmin, "", "issuer", "add", "--data-dir", dir, "--id", "bad", "--name", "X", "--types", "nope", "--jwks", jwksFile); code != 1 || !strings.Contains(errs, "types") {
		t.Errorf("admin issuer add with an unknown type = %d %q, want 1 naming types", code, errs)
	}

	passport, err := os.ReadFile("../../vault/testdata/valid/passport_ru.json")
	if err != nil {
		t.Fatal(err)
	}
	line := func(ref, phone string, k issuertest.Key, fields []byte) string {
		b, _ := json.Marshal(map[string]any{"ref": ref, "citizen": map[string]string{"phone": phone}, "type": "passport_ru",
			"document": k.Sign(t, fields), "idempotency_key": "idem-" + ref})
		return string(b)
	}
	badFields := bytes.Replace(passport, []byte(`"1985-03-14"`), []byte(`"1985-02-30"`), 1)
	lines := []string{
		line("P-1", "+79161234567", key, passport),
		line("P-2", "+79161234567", issuertest.NewKey(t, "mvd-1"), passport),
		line("P-3", "+79161234567", key, badFields),
		line("P-4", "+79990000000", key, passport),
		"{not json",
		line("P-5", "+79161234567", key, bytes.Replace(passport, []byte("Анна"), []byte("Мария"), 1)),
	}
	file := filepath.Join(dir, "docs.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(runImport, "", file, "--data-dir", dir, "--issuer", "mvd")
	for _, want := range []string{"6 lines: 2 accepted, 4 rejected", "invalid:document:signature", "invalid:birth_date:not_a_date",
		"citizen_unknown", "malformed_json", "line 2:", "line 3:", "line 4:", "line 5:"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s\nstderr: %s", want, out, errs)
		}
	}
	if code != 1 {
		t.Errorf("import with rejected lines = %d, want 1", code)
	}
	// The same file again from stdin: idempotent, nothing new.
	code, out, _ = run(runImport, strings.Join(lines[:1], "\n"), "-", "--data-dir", dir, "--issuer", "mvd")
	if code != 0 || !strings.Contains(out, "1 lines: 1 accepted") {
		t.Errorf("import - (repeat) = %d %q", code, out)
	}
	var n int
	if err := a.db.SQL().QueryRow(`SELECT COUNT(*) FROM vault_documents`).Scan(&n); err != nil || n != 2 {
		t.Errorf("documents after import = %d, %v; want 2", n, err)
	}

	if code, out, _ := run(runAdmin, "", "issuer", "list", "--data-dir", dir); code != 0 || !strings.Contains(out, "mvd") || !strings.Contains(out, "active") {
		t.Errorf("admin issuer list = %d %q", code, out)
	}
	if code, _, errs := run(runAdmin, "", "issuer", "disable", "--data-dir", dir, "--id", "mvd"); code != 0 {
		t.Fatalf("admin issuer disable = %d %q", code, errs)
	}
	if code, out, _ := run(runAdmin, "", "issuer", "list", "--data-dir", dir); !strings.Contains(out, "disabled") {
		t.Errorf("admin issuer list after disable = %d %q", code, out)
	}
	if code, _, errs := run(runImport, "", file, "--data-dir", dir, "--issuer", "mvd"); code != 1 || !strings.Contains(errs, "disabled") {
		t.Errorf("import for a disabled issuer = %d %q", code, errs)
	}
	events := 0
	rows, _ := a.db.SQL().Query(`SELECT action FROM audit_events WHERE chain = 'system'`)
	for rows != nil && rows.Next() {
		var act string
		_ = rows.Scan(&act)
		if strings.HasPrefix(act, "issuer.") {
			events++
		}
	}
	if events != 2 {
		t.Errorf("issuer audit events on the system chain = %d, want 2 (added, disabled)", events)
	}
}
