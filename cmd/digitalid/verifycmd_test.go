package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/credential/credentialtest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/presentweb"
)

func TestQRPayload(t *testing.T) {
	// This code fools the finder-pattern detector; it must still read.
	hard, _ := present.NewQR("DIDH:ILBCPCF4WT6MMSUTWIVMWI4MDU")
	hardPNG, _ := hard.PNG(5)
	if got, err := qrPayload(hardPNG); err != nil || got != "DIDH:ILBCPCF4WT6MMSUTWIVMWI4MDU" {
		t.Errorf("qrPayload(detector-fooling code) = %q, %v", got, err)
	}
	text := present.FormatHandle(bytes.Repeat([]byte{0x3c}, 16))
	q, err := present.NewQR(text)
	if err != nil {
		t.Fatal(err)
	}
	png, err := q.PNG(6)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"png": png, "text": []byte(" " + text + "\n")} {
		if got, err := qrPayload(in); err != nil || got != text {
			t.Errorf("qrPayload(%s) = %q, %v; want %q", name, got, err, text)
		}
	}
	for name, in := range map[string][]byte{"empty": nil, "binary": {0, 1, 2}, "broken png": png[:40], "jpeg magic": {0xff, 0xd8, 0xff, 0}} {
		if _, err := qrPayload(in); err == nil {
			t.Errorf("qrPayload(%s) = nil error", name)
		}
	}
}

// FuzzQRPayload: whatever the input, qrPayload answers a text or an error,
// never panics.
func FuzzQRPayload(f *testing.F) {
	q, _ := present.NewQR("DIDH:AAAAAAAAAAAAAAAAAAAAAAAAAA")
	png, _ := q.PNG(2)
	f.Add(png)
	f.Add([]byte("DID1:abc~"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := qrPayload(b)
		if err == nil && s == "" {
			t.Fatal("qrPayload accepted an empty payload")
		}
	})
}

// TestVerifyCommandOnline: `digitalid verify` reads a QR image and asks a
// real server; exit 0 only for the valid first scan.
func TestVerifyCommandOnline(t *testing.T) {
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
	c := e.Adult(t, "1990-01-02")
	_, cred := e.Verifier(t, "Kiosk", present.AgeOver18)
	p, err := e.Present.Mint(context.Background(), c.Session, present.AgeOver18)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := present.NewQR(p.Payload)
	png, _ := q.PNG(5)
	file := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		t.Fatal(err)
	}
	verifyCmd := func(getenv map[string]string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), env{stdin: strings.NewReader(p.Payload), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return getenv[k] }}, append([]string{"verify"}, args...))
		return code, out.String(), errb.String()
	}
	creds := map[string]string{"DIGITALID_VERIFIER_CREDENTIALS": cred}
	code, out, stderr := verifyCmd(creds, file, "--server", ts.URL, "--json")
	var ans verifyAnswer
	if code != 0 || json.Unmarshal([]byte(out), &ans) != nil || ans.Result != "valid" || ans.Claims["age_over_18"] != true || len(ans.Claims) != 1 {
		t.Fatalf("verify (first) = %d %s %s", code, out, stderr)
	}
	code, out, _ = verifyCmd(creds, "-", "--server", ts.URL) // the same code's text, from stdin
	if code != 1 || !strings.Contains(out, "INVALID") || !strings.Contains(out, "replayed") {
		t.Errorf("verify (again) = %d %s, want 1 and replayed", code, out)
	}
	if code, _, stderr := verifyCmd(nil, file, "--server", ts.URL); code != 2 || !strings.Contains(stderr, "DIGITALID_VERIFIER_CREDENTIALS") {
		t.Errorf("verify without credentials = %d %s, want 2", code, stderr)
	}
	if code, _, _ := verifyCmd(map[string]string{"DIGITALID_VERIFIER_CREDENTIALS": "x.y"}, file, "--server", ts.URL); code != 2 {
		t.Errorf("verify with wrong credentials = %d, want 2", code)
	}
	if code, _, _ := verifyCmd(creds, file, "--server", "http://127.0.0.1:1"); code != 3 {
		t.Errorf("verify with the server down = %d, want 3 (undetermined)", code)
	}
	if code, _, _ := verifyCmd(creds); code != 2 {
		t.Errorf("verify without a file = %d, want 2", code)
	}
	if code, _, stderr := verifyCmd(nil, file, "--offline"); code != 2 || !strings.Contains(stderr, "--jwks") {
		t.Errorf("verify --offline without keys = %d %s, want 2", code, stderr)
	}
}

// TestVerifyCommandOffline: an offline (SD-JWT) code goes to the server's
// offline verification when scanned online, and is checked locally with
// --offline: the signature and key binding pass against the JWKS file;
// the status list, on no network, leaves it undetermined (exit 3), never
// invalid; a forged signature is invalid (exit 1).
func TestVerifyCommandOffline(t *testing.T) {
	ctx := context.Background()
	e := presenttest.New(t, testdb.SQLite(t), presenttest.Options{})
	srv, err := web.New(web.Config{PublicURL: presenttest.PublicURL, Version: "test"},
		web.Deps{Logger: slog.New(slog.DiscardHandler), DB: e.DB, Keys: e.Keys, Clock: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := presentweb.Register(srv, presentweb.Deps{Present: e.Present, Accounts: e.Accounts}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	// The CLI verifies on the real clock: the server's injected clock is
	// set to it (forward only), so the credentials are fresh whenever this runs.
	if d := time.Since(e.Clock.Now()); d > 0 {
		e.Clock.Advance(d.Truncate(time.Microsecond))
	}
	c := e.Adult(t, "1990-01-02")
	_, cred := e.Verifier(t, "Kiosk", present.AgeOver18)
	priv, pub := credentialtest.HolderKeys(t, 2)
	batch, err := e.Credentials.Issue(ctx, c.Citizen.ID, c.Device.ID, present.AgeOver18, pub)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	verifyCmd := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
			getenv: func(k string) string {
				if k == "DIGITALID_VERIFIER_CREDENTIALS" {
					return cred
				}
				return ""
			}}, append([]string{"verify"}, args...))
		return code, out.String(), errb.String()
	}

	// Online: the server verifies the offline code (status from its database).
	online := credentialtest.Present(t, batch.Credentials[0], priv[0], present.AgeOver18, e.Clock.Now())
	code, out, stderr := verifyCmd(online, "-", "--server", ts.URL, "--json")
	var ans verifyAnswer
	if code != 0 || json.Unmarshal([]byte(out), &ans) != nil || ans.Mode != "offline" || ans.Claims["age_over_18"] != true || len(ans.Claims) != 1 {
		t.Fatalf("verify (offline code, online) = %d %s %s", code, out, stderr)
	}

	// Offline, with the platform's keys from a file and no network.
	set, err := e.Keys.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	b, _ := json.Marshal(set)
	if err := os.WriteFile(jwks, b, 0o600); err != nil {
		t.Fatal(err)
	}
	local := credentialtest.Present(t, batch.Credentials[1], priv[1], present.AgeOver18, time.Now()) // the CLI runs on the real clock
	code, out, _ = verifyCmd(local, "-", "--offline", "--jwks", jwks, "--issuer", presenttest.PublicURL, "--json")
	if json.Unmarshal([]byte(out), &ans) != nil || code != 3 || ans.Result != "undetermined" {
		t.Errorf("verify --offline without the status list = %d %s, want 3 undetermined", code, out)
	}
	forged := local[:len(local)-4] + "AAAA"
	code, out, _ = verifyCmd(forged, "-", "--offline", "--jwks", jwks, "--issuer", presenttest.PublicURL)
	if code != 1 || !strings.Contains(out, "INVALID") {
		t.Errorf("verify --offline of a forged code = %d %s, want 1 invalid", code, out)
	}
}
