package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestAdminVerifier: add prints the id and the one-time credentials; list,
// rotate-secret and disable act on it; bad input is refused with status 1
// or 2.
func TestAdminVerifier(t *testing.T) {
	dir := t.TempDir()
	admin := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }},
			append(append([]string{"admin", "verifier"}, args...), "--data-dir", dir, "--log-level", "error"))
		return code, out.String(), errb.String()
	}
	code, out, stderr := admin("add", "--name", "Magnum Shop", "--purposes", "age_over_18,student")
	m := regexp.MustCompile(`verifier ([a-z2-7]+) added: Magnum Shop \(age_over_18,student\)[\s\S]*\n([a-z2-7]+)\.([A-Za-z0-9_-]{43})\n`).FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != m[2] {
		t.Fatalf("admin verifier add = %d %q %q", code, out, stderr)
	}
	id, secret := m[1], m[3]
	if code, out, _ := admin("list"); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "active") || strings.Contains(out, secret) {
		t.Errorf("admin verifier list = %d %q", code, out)
	}
	code, out, _ = admin("rotate-secret", id)
	if code != 0 || !strings.Contains(out, id+".") || strings.Contains(out, secret) {
		t.Errorf("admin verifier rotate-secret = %d %q", code, out)
	}
	if code, out, _ := admin("disable", id); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("admin verifier disable = %d %q", code, out)
	}
	if code, out, _ := admin("list"); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("admin verifier list after disable = %d %q", code, out)
	}
	if code, _, stderr := admin("add", "--name", "X", "--purposes", "age_over_99"); code != 1 || !strings.Contains(stderr, "age_over_99") {
		t.Errorf("add with an unknown purpose = %d %q, want 1", code, stderr)
	}
	if code, _, _ := admin("disable", "nobody"); code != 1 {
		t.Errorf("disable unknown = %d, want 1", code)
	}
	if code, _, _ := admin("frobnicate"); code != 2 {
		t.Errorf("unknown action = %d, want 2", code)
	}
}
