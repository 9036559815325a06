package presentweb_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/web/browsertest"
)

// browserEnv serves the routes on 127.0.0.1 for Chromium.
func browserEnv(t *testing.T) (*env, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	e := newEnv(t, testdb.SQLite(t), srv.URL)
	srv.Config.Handler = e.srv.Handler()
	return e, srv.URL
}

// signInBrowser gives the browser the citizen's session cookie, as signing
// in on the pages would (the citizen package tests those pages).
func signInBrowser(t *testing.T, b *browsertest.Browser, base, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	httpOnly := true
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "digitalid_session", Value: token,
		URL: base + "/", Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax}); err != nil {
		t.Fatalf("set the session cookie: %v", err)
	}
}

// qrImage takes the QR code shown on the citizen's page as a PNG file, as
// the inspector's camera would see it, and returns the file and the code's
// text (kept by the page, for naming steps).
func qrImage(t *testing.T, b *browsertest.Browser, name, previous string) (string, string) {
	t.Helper()
	return qrImageScaled(t, b, name, previous, 1)
}

// qrImageScaled is qrImage at scale device pixels per CSS pixel, as a
// phone's screen shows a dense code.
func qrImageScaled(t *testing.T, b *browsertest.Browser, name, previous string, scale float64) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	// Wait for a drawn code different from the previous one.
	payload, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const q = document.getElementById("qr");
		return q && q.complete && q.naturalWidth > 0 && q.dataset.payload && q.dataset.payload !== `+jsString(previous)+` ? q.dataset.payload : null })()`))
	if err != nil {
		t.Fatalf("wait for a new QR code: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS("#qr"), scale, chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("screenshot the QR code: %v", err)
	}
	path := filepath.Join(t.TempDir(), name+".png")
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, payload
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// scan uploads the image to the scanner page and waits for a new result.
func scan(t *testing.T, b *browsertest.Browser, file string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const r = document.getElementById("result"); r.hidden = true; delete r.dataset.result; return true })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#upload"), []string{file})); err != nil {
		t.Fatalf("upload %s: %v", file, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("result").dataset.result || null`)); err != nil {
		t.Fatalf("wait for the result: %v", err)
	}
}

func wantPage(t *testing.T, b *browsertest.Browser, sel, want string) {
	t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.Screenshot("unexpected")
		t.Fatalf("%s = %q, want it to hold %q", sel, got, want)
	}
}

// TestBrowserShowAndScan is the Done-means test: a demo citizen
// shows age_over_18; the verifier's scanner page reads the on-screen QR
// (an image taken from the page) and shows "18+: yes" and nothing else;
// after 30 seconds of the injected clock the old code is refused; after the
// device is blocked the current code is refused and the citizen's screen
// stops.
func TestBrowserShowAndScan(t *testing.T) {
	e, base := browserEnv(t)
	c := e.Adult(t, birth)
	e.pushPortrait(t, c.Citizen.ID, birth, portraitPNG(t, 48, 60)) // the passport comes with the holder's photo
	_, cred := e.Verifier(t, "Magnum Shop", present.AgeOver18)
	id, secret, _ := strings.Cut(cred, ".")

	phone := browsertest.New(t)
	signInBrowser(t, phone, base, c.SessionToken)
	if status := phone.Go(base + "/id"); status != 200 {
		t.Fatalf("GET /id = %d", status)
	}
	wantPage(t, phone, "h1", "Show ID")
	wantImage(t, phone, "#portrait", 48, 60)
	phone.Click("#purpose-age_over_18")
	phone.Click("#show-code")
	phone.WaitVisible("#card")
	wantPage(t, phone, "#purpose-shown", "Age 18 or over")
	wantPage(t, phone, "#countdown", "A new code in")
	first, firstPayload := qrImage(t, phone, "first", "")
	phone.Screenshot("show-id")

	inspector := browsertest.New(t)
	if status := inspector.Go(base + "/verifier/scan"); status != 200 {
		t.Fatalf("GET /verifier/scan = %d", status)
	}
	wantPage(t, inspector, "h1", "Scanner sign-in")
	inspector.Fill("#verifier_id", id)
	inspector.Fill("#secret", secret)
	if status := inspector.ClickNav("#staff-signin-button"); status != 200 {
		t.Fatalf("staff sign-in: status %d", status)
	}
	wantPage(t, inspector, "#verifier-name", "Magnum Shop")

	scan(t, inspector, first)
	wantPage(t, inspector, "#verdict", "Valid")
	wantPage(t, inspector, "#result-claims", "Age 18+: yes")
	wantImage(t, inspector, "#result-portrait", 48, 60) // the inspector compares faces
	if n := countNodes(t, inspector, "#result-claims .claim"); n != 1 {
		t.Errorf("%d claims shown, want 1", n)
	}
	page := inspector.Text("body")
	for _, secret := range []string{"Иванова", "Анна", "1996", "14.03", "03-14", "4505", "123456", "Москва"} {
		if strings.Contains(page, secret) {
			t.Errorf("the scanner page shows %q: %q", secret, page)
		}
	}
	inspector.Screenshot("valid")

	// A code 30 seconds old is refused.
	phone.Click("#show-code")
	old, oldPayload := qrImage(t, phone, "old", firstPayload)
	e.Clock.Advance(30 * time.Second)
	scan(t, inspector, old)
	wantPage(t, inspector, "#verdict", "Refused")
	wantPage(t, inspector, "#result-reason", "The code has expired")
	if got := inspector.Attr("#result", "data-reason"); got != present.ReasonExpired {
		t.Errorf("reason = %q, want expired", got)
	}
	inspector.Screenshot("expired")

	// The current code is refused once the device is blocked, and the
	// citizen's screen stops.
	phone.Click("#show-code")
	current, _ := qrImage(t, phone, "current", oldPayload)
	phone.Allow(`status of 401`) // the page's liveness check, answered 401 once the device is blocked
	if _, err := e.Accounts.Sessions.BlockDevice(t.Context(), c.Session, c.Device.ID, accountClient()); err != nil {
		t.Fatalf("BlockDevice: %v", err)
	}
	scan(t, inspector, current)
	wantPage(t, inspector, "#verdict", "Refused")
	if got := inspector.Attr("#result", "data-reason"); got != present.ReasonDeviceBlocked {
		t.Errorf("reason = %q, want device_blocked", got)
	}
	wantPage(t, inspector, "#result-reason", "device is blocked")
	phone.WaitVisible("#stopped")
	wantPage(t, phone, "#stopped", "The code has stopped")
	if phone.Attr("#qr", "src") != "" {
		t.Error("the stopped page still shows a QR code")
	}
	phone.Screenshot("stopped")
}

func countNodes(t *testing.T, b *browsertest.Browser, sel string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// staffSignIn signs the inspector's browser in to the scanner.
func staffSignIn(t *testing.T, b *browsertest.Browser, base, cred string) {
	t.Helper()
	id, secret, _ := strings.Cut(cred, ".")
	if status := b.Go(base + "/verifier/signin"); status != 200 {
		t.Fatalf("GET /verifier/signin = %d", status)
	}
	b.Fill("#verifier_id", id)
	b.Fill("#secret", secret)
	if status := b.ClickNav("#staff-signin-button"); status != 200 {
		t.Fatalf("staff sign-in: status %d", status)
	}
}

// TestBrowserOfflineMode: with the wallet loaded the Show ID page offers
// offline mode; the code is an SD-JWT presentation built and drawn on the
// device, and the scanner page verifies it (no portrait offline).
func TestBrowserOfflineMode(t *testing.T) {
	e, base := browserEnv(t)
	// The key-binding JWT carries the browser's time: the server's injected
	// clock is set to it (it only moves forward), now and before the scan.
	catchUp := func() {
		if d := time.Since(e.Clock.Now()); d > 0 {
			e.Clock.Advance(d.Truncate(time.Microsecond))
		}
	}
	catchUp()
	c := e.Adult(t, birth)
	_, cred := e.Verifier(t, "Magnum Shop", present.AgeOver18)
	phone := browsertest.New(t)
	signInBrowser(t, phone, base, c.SessionToken)
	phone.Go(base + "/id")
	phone.WaitVisible("#offline-choice")
	phone.Click("#offline")
	phone.Click("#show-code")
	file, payload := qrImageScaled(t, phone, "offline", "", 2)
	if !strings.HasPrefix(payload, "DID1:") {
		t.Fatalf("offline payload = %.20q…, want DID1:", payload)
	}
	t.Logf("offline age_over_18 payload: %d characters", len(payload))
	phone.Screenshot("offline")

	inspector := browsertest.New(t)
	staffSignIn(t, inspector, base, cred)
	catchUp()
	scan(t, inspector, file)
	if got := inspector.Attr("#result", "data-reason"); got != "" {
		t.Errorf("offline code refused: %s", got)
	}
	wantPage(t, inspector, "#verdict", "Valid")
	wantPage(t, inspector, "#result-claims", "Age 18+: yes")
	if n := countNodes(t, inspector, "#result-claims .claim"); n != 1 {
		t.Errorf("%d claims shown, want 1", n)
	}
	inspector.Screenshot("offline-valid")
}
