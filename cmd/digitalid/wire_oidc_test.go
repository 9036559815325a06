package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestAdminRP registers, lists and disables a relying party through
// `digitalid admin rp`; a bad registration is refused naming the field.
func TestAdminRP(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "bank-1", Algorithm: "ES256", Use: "sig"}}})
	jwksFile := filepath.Join(dir, "bank.jwks")
	if err := os.WriteFile(jwksFile, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runAdmin(ctx, env{strings.NewReader(""), &out, &errb, func(string) string { return "" }}, append(args, "--data-dir", dir))
		return code, out.String(), errb.String()
	}
	code, out, errs := run("rp", "add", "--name", "Example Bank", "--redirect-uri", "https://bank.example/cb",
		"--scopes", "openid,document:passport_ru,age_over_18", "--required-scopes", "document:passport_ru", "--jwks", jwksFile, "--consent-days", "30")
	id := regexp.MustCompile(`client_id: (rp_\w+)`).FindStringSubmatch(out)
	if code != 0 || id == nil {
		t.Fatalf("admin rp add = %d %q %q", code, out, errs)
	}
	if code, _, errs := run("rp", "add", "--name", "Bad", "--redirect-uri", "https://bad.example/cb", "--scopes", "document:nope", "--jwks", jwksFile); code != 1 || !strings.Contains(errs, "scopes") {
		t.Errorf("admin rp add with an unknown scope = %d %q", code, errs)
	}
	code, out, _ = run("rp", "add", "--name", "Dev", "--redirect-uri", "http://127.0.0.1:9000/cb", "--secret")
	if code != 0 || !strings.Contains(out, "client_secret: ") {
		t.Errorf("admin rp add --secret = %d %q", code, out)
	}
	code, out, _ = run("rp", "list")
	if code != 0 || !regexp.MustCompile(id[1]+` +active +private_key_jwt +30 `).MatchString(out) || !strings.Contains(out, "client_secret_basic") {
		t.Errorf("admin rp list = %d\n%s", code, out)
	}
	if code, out, errs := run("rp", "disable", "--id", id[1]); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("admin rp disable = %d %q %q", code, out, errs)
	}
	if _, out, _ := run("rp", "list"); !regexp.MustCompile(id[1] + ` +disabled`).MatchString(out) {
		t.Errorf("after disable: %s", out)
	}
}
