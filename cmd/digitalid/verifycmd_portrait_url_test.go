package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/presentweb"
)

// TestVerifyCommandPortrait: a valid online answer carries a portrait
// link, not the photo; `digitalid verify --portrait FILE` fetches it with
// the verifier's credentials from --server and saves it; without a photo
// on file it says so on stderr and the verdict stands.
func TestVerifyCommandPortrait(t *testing.T) {
	e := presenttest.New(t, testdb.SQLite(t), presenttest.Options{})
	srv, err := web.New(web.Config{PublicURL: "http://id.example", Version: "test"},
		web.Deps{Logger: slog.New(slog.DiscardHandler), DB: e.DB, Keys: e.Keys, Clock: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := presentweb.Register(srv, presentweb.Deps{Present: e.Present, Accounts: e.Accounts}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	const birth = "1990-01-02"
	c := e.Adult(t, birth)
	photo, err := demoPortrait("P-1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(presenttest.PassportFields(birth))
	enc := base64.RawURLEncoding
	sig := enc.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + enc.EncodeToString(raw) + "." + enc.EncodeToString(bytes.Repeat([]byte{0xab}, 64))
	if _, _, err := e.Vault.UpsertFromIssuerWith(context.Background(), presenttest.IssuerID, c.Citizen.ID, "passport_ru", raw, sig,
		presenttest.PassportRef(c.Citizen.ID), "", vault.IssuerOptions{Photo: photo}); err != nil {
		t.Fatalf("push passport with photo: %v", err)
	}
	noPhoto := e.Adult(t, birth)
	_, cred := e.Verifier(t, "Kiosk", present.AgeOver18)
	creds := map[string]string{"DIGITALID_VERIFIER_CREDENTIALS": cred}
	verifyCmd := func(who account.SignInResult, args ...string) (int, string, string) {
		t.Helper()
		p, err := e.Present.Mint(context.Background(), who.Session, present.AgeOver18)
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), env{stdin: strings.NewReader(p.Payload), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return creds[k] }}, append([]string{"verify", "-", "--server", ts.URL}, args...))
		return code, out.String(), errb.String()
	}

	code, out, stderr := verifyCmd(c, "--json")
	var ans verifyAnswer
	if code != 0 || json.Unmarshal([]byte(out), &ans) != nil || !strings.HasPrefix(ans.PortraitURL, "http://id.example/api/v1/verifier/portraits/") ||
		strings.Contains(out, "base64") {
		t.Fatalf("verify --json = %d %s %s, want valid with a portrait link", code, out, stderr)
	}
	code, out, _ = verifyCmd(c)
	if code != 0 || !strings.Contains(out, "portrait: available") {
		t.Errorf("verify = %d %s, want the portrait offered", code, out)
	}
	file := filepath.Join(t.TempDir(), "face.png")
	code, out, stderr = verifyCmd(c, "--portrait", file)
	saved, err := os.ReadFile(file)
	if code != 0 || !strings.Contains(out, "portrait: saved to "+file) || err != nil || !bytes.HasPrefix(saved, []byte("\x89PNG")) {
		t.Errorf("verify --portrait = %d %s %s, file %d bytes %v; want the PNG saved", code, out, stderr, len(saved), err)
	}
	code, _, stderr = verifyCmd(noPhoto, "--portrait", filepath.Join(t.TempDir(), "none.png"))
	if code != 0 || !strings.Contains(stderr, "none to show") {
		t.Errorf("verify --portrait without a photo = %d %s, want 0 and a note", code, stderr)
	}
}
