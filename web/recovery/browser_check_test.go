package recovery_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// browserEnvOn serves the pages over db for Chromium; localhost (not
// 127.0.0.1) as the host, since WebAuthn needs a domain.
func browserEnvOn(t *testing.T, db *store.DB) (*env, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	e := newEnv(t, db, base)
	srv.Config.Handler = e.srv.Handler()
	return e, base
}

// approveFirst approves, as bob over the API, the request of his that
// waits.
func (e *env) approveFirst(bob person) {
	e.t.Helper()
	list, err := e.rec.Approvals(e.ctx, bob.ID)
	if err != nil || len(list) != 1 {
		e.t.Fatalf("bob's approvals = %+v, %v", list, err)
	}
	e.approve(bob, started{ID: list[0].ID})
}

// TestBrowserRecoveryWithFace: Alice, confirmed at high, recovers in a
// new browser; once Bob approved, she picks "confirm with your face",
// uploads a photo from a plain file input (no script) — one that does not
// match is refused with the attempts left and a fresh form — and finishes
// with a matching one and a new PIN.
func TestBrowserRecoveryWithFace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnvOn(t, db)
		alice, bob := e.person(1, 30, account.AssuranceHigh), e.person(2, 45, account.AssuranceStandard)
		e.link(alice, bob)
		dir := t.TempDir()
		good, bad := filepath.Join(dir, "face.png"), filepath.Join(dir, "other.png")
		if err := os.WriteFile(good, facePNG(t, false), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bad, facePNG(t, true), 0o600); err != nil {
			t.Fatal(err)
		}
		b := browsertest.New(t)
		upload := func(file string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{file})); err != nil {
				t.Fatalf("set the photo: %v", err)
			}
		}
		recoverInBrowser(t, e, b, base, alice)
		e.approveFirst(bob)
		b.ClickNav("#refresh")
		wantPage(t, b, "#recover-status", "approved")
		if status := b.ClickNav("#use-face"); status != 200 {
			t.Fatalf("use face: status %d", status)
		}
		wantPage(t, b, "label[for=image]", "Photo of your face")
		if got := b.Attr("#image", "capture"); got != "user" {
			t.Errorf("photo input capture = %q, want user", got)
		}
		first := b.Attr(`input[name="challenge"]`, "value")
		upload(bad)
		b.Fill("#face-pin", newPIN)
		b.Fill("#face-pin2", newPIN)
		b.Allow(`status of 403 .*/recover/face/complete`)
		if status := b.ClickNav("#face-complete"); status != 403 {
			t.Fatalf("non-matching photo: status %d, want 403", status)
		}
		wantPage(t, b, "#form-error", "Attempts left: 9")
		if next := b.Attr(`input[name="challenge"]`, "value"); next == "" || next == first {
			t.Errorf("challenge after a refusal = %q, want a fresh one", next)
		}
		b.Screenshot("recovery-face")
		upload(good)
		b.Fill("#face-pin", newPIN)
		b.Fill("#face-pin2", newPIN)
		if status := b.ClickNav("#face-complete"); status != 200 {
			t.Fatalf("matching photo: status %d", status)
		}
		wantPage(t, b, "#recover-done", "Your account is recovered")
		if err := e.acc.PINs.Verify(e.ctx, alice.ID, newPIN, account.Client{}); err != nil {
			t.Errorf("new PIN: %v", err)
		}
	})
}

// TestBrowserRecoveryWithPasskey: Alice forgot her PIN but still has the
// passkey she added on the security page (Chromium's virtual
// authenticator); once Bob approved, she types a new PIN twice and
// confirms with the passkey (recovery_passkey.js).
func TestBrowserRecoveryWithPasskey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnvOn(t, db)
		b := browsertest.New(t)
		virtualAuthenticator(t, b)
		alice := browserPerson(t, e, b, base, 1, 30, account.AssuranceStandard)
		bob := e.person(2, 45, account.AssuranceStandard)
		b.Go(base + "/account/security")
		b.Fill("#new-passkey-name", "Phone passkey")
		b.Click("#add-passkey")
		b.WaitVisible("#msg")
		wantPage(t, b, "#msg", "The passkey has been added.")
		e.linkInService(alice, bob)

		recoverInBrowser(t, e, b, base, alice)
		e.approveFirst(bob)
		b.ClickNav("#refresh")
		wantPage(t, b, "#recover-status", "approved")
		b.WaitVisible("#use-passkey")
		// PINs that differ are refused after the prompt, with nothing used up.
		b.Fill("#passkey-pin", newPIN)
		b.Fill("#passkey-pin2", goodPIN)
		b.Allow(`status of 400 .*/recover/passkey`)
		b.Click("#use-passkey")
		b.WaitVisible("#passkey-pin2-error")
		wantPage(t, b, "#passkey-pin2-error", "differ")
		b.WaitVisible("#use-passkey")
		b.Fill("#passkey-pin", newPIN)
		b.Fill("#passkey-pin2", newPIN)
		b.Click("#use-passkey")
		b.WaitVisible("#recover-done")
		wantPage(t, b, "#recover-done", "Your account is recovered")
		if err := e.acc.PINs.Verify(e.ctx, alice.ID, newPIN, account.Client{}); err != nil {
			t.Errorf("new PIN: %v", err)
		}
	})
}

// virtualAuthenticator gives b's tab a platform authenticator that keeps
// discoverable credentials and always verifies the user.
func virtualAuthenticator(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	_, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
}
