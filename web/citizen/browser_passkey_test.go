package citizen_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// passkeyBrowserEnv serves the citizen pages at http://localhost:PORT:
// WebAuthn needs a secure context and a domain (not an IP address) as the
// relying party, and localhost is both.
func passkeyBrowserEnv(t *testing.T, db *store.DB) (*env, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	e := newEnv(t, db, options{publicURL: base})
	srv.Config.Handler = e.srv.Handler()
	return e, base
}

// virtualAuthenticator gives b's tab a platform authenticator that keeps
// discoverable credentials and always verifies the user, as a phone's Face
// ID would.
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

// passkeySignIn signs in from the sign-in page with the passkey button.
func passkeySignIn(t *testing.T, b *browsertest.Browser, base string) {
	t.Helper()
	b.Go(base + "/signin")
	b.Click("#passkey-signin")
	b.WaitVisible("#assurance")
	wantPage(t, b, "h1", "My account")
}

// TestBrowserPasskey: a citizen adds a passkey on the security page, signs
// out and back in with it, and still can while the PIN is locked.
func TestBrowserPasskey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := passkeyBrowserEnv(t, db)
		b := browsertest.New(t)
		virtualAuthenticator(t, b)
		to := phone(200)
		signUpInBrowser(t, e, b, base, to)

		b.ClickNav("#to-security")
		wantPage(t, b, "#no-passkeys", "no passkeys")
		b.Fill("#new-passkey-name", "Laptop passkey")
		b.Click("#add-passkey")
		b.WaitVisible("#msg")
		wantPage(t, b, "#msg", "The passkey has been added.")
		wantPage(t, b, "#passkeys", "Laptop passkey")
		b.Screenshot("security-passkey")

		b.Go(base + "/account")
		b.ClickNav("#signout")
		passkeySignIn(t, b, base)

		// Five wrong PINs through the API lock the PIN; the passkey still works.
		device, ok := b.Cookie("digitalid_device")
		if !ok {
			t.Fatal("no device cookie")
		}
		for range 5 {
			e.do(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": "0000", "device_token": device}})
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": goodPIN, "device_token": device}}, 423, "locked")
		b.Go(base + "/account")
		b.ClickNav("#signout")
		passkeySignIn(t, b, base)
	})
}
