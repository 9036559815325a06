package credentialapi_test

import (
	"encoding/json"
	"image"
	"image/color"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/credential/credentialtest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/verify"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/browsertest"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/credentialapi"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/skip2/go-qrcode"
)

// decodeQR reads a module matrix (rows of "0"/"1") with gozxing.
func decodeQR(rows []string) (string, error) {
	const scale = 4
	n := len(rows)
	img := image.NewGray(image.Rect(0, 0, (n+8)*scale, (n+8)*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y, r := range rows {
		for x, c := range r {
			if c == '1' {
				for d := range scale * scale {
					img.SetGray((x+4)*scale+d%scale, (y+4)*scale+d/scale, color.Gray{})
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	// The image is the exact matrix, so read it as a pure code: the finder
	// search is for photos, and on some payloads it takes finder-like runs
	// in the data for the corners (a flaky "dimension" error, though the
	// matrix is right). The scanner's own decoding of the drawn code is
	// web/presentweb's browser test.
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// eval runs an expression in the page, awaiting a promise, into out.
func eval[T any](t *testing.T, b *browsertest.Browser, expr string, out *T) {
	t.Helper()
	v, err := chromedp.Run(b.Context(), chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	*out = v
}

// TestBrowserWallet runs wallet.js in Chromium: it makes non-extractable
// device keys, fetches a batch over the API with the session cookie, and
// builds an offline presentation that the Go verifier accepts, once.
func TestBrowserWallet(t *testing.T) {
	b := browsertest.New(t)
	db := testdb.SQLite(t)
	e := credentialtest.NewEnv(t, db)
	// The browser signs its KB-JWT with its own clock: the platform's
	// clock is set to it here, and moves only when the test says.
	e.Clock.Set(time.Now().UTC().Truncate(time.Second))
	logger := slog.New(slog.DiscardHandler)
	hs := httptest.NewUnstartedServer(nil)
	hs.Start()
	t.Cleanup(hs.Close)
	srv, err := web.New(web.Config{PublicURL: hs.URL, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: e.Keys, Clock: e.Clock.Now})
	credentialtest.Must(t, "web.New", err)
	credentialtest.Must(t, "citizen.Register", citizen.Register(srv, citizen.Deps{Accounts: e.Accounts, Logger: logger, Clock: e.Clock.Now}))
	credentialtest.Must(t, "credentialapi.Register", credentialapi.Register(srv, credentialapi.Deps{Credentials: e.Svc, Accounts: e.Accounts, Logger: logger}))
	hs.Config.Handler = srv.Handler()
	c := e.Adult(t, "1990-05-05")

	b.Go(hs.URL + "/signin")
	_, err = chromedp.Call(b.Context(), network.SetCookie, network.SetCookieParams{Name: citizen.SessionCookie, Value: c.SessionToken, URL: hs.URL})
	credentialtest.Must(t, "set cookie", err)
	var ok bool
	eval(t, b, `new Promise((res, rej) => { const s = document.createElement("script"); s.src = "/static/wallet.js";
		s.onload = () => res(true); s.onerror = rej; document.head.appendChild(s); })`, &ok)

	var n int
	eval(t, b, `digitalidWallet.prepare("age_over_18")`, &n)
	if n != 20 {
		t.Fatalf("prepare(age_over_18) = %d credentials, want 20", n)
	}
	var extractable bool
	eval(t, b, `new Promise((res, rej) => { const r = indexedDB.open("digitalid-wallet"); r.onerror = rej;
		r.onsuccess = () => { const g = r.result.transaction("credentials").objectStore("credentials").getAll();
		g.onsuccess = () => res(g.result.some(c => c.key.extractable || c.key.type !== "private")); g.onerror = rej; }; })`, &extractable)
	if extractable {
		t.Error("a stored device key is extractable or not a private key")
	}
	var payload string
	eval(t, b, `digitalidWallet.present("age_over_18")`, &payload)
	eval(t, b, `digitalidWallet.count("age_over_18")`, &n)
	if n != 19 {
		t.Errorf("credentials left after one presentation = %d, want 19 (single use)", n)
	}
	if !strings.HasPrefix(payload, verify.PayloadPrefix) || len(payload) >= 1000 {
		t.Errorf("payload = %d characters %q, want DID1: and under 1000", len(payload), payload)
	}
	r := e.Svc.VerifyOffline(b.Context(), payload, credential.AgeOver18, nil)
	if !r.Valid() || len(r.Claims) != 1 || r.Claims["age_over_18"] != true {
		t.Fatalf("VerifyOffline(wallet presentation) = %s %s %v (%v)", r.Outcome, r.Reason, r.Claims, r.Err)
	}
	for _, level := range []qrcode.RecoveryLevel{qrcode.Low, qrcode.Medium} {
		q, err := qrcode.New(payload, level)
		credentialtest.Must(t, "qrcode.New", err)
		t.Logf("age_over_18 offline payload: %d characters, QR version %d at recovery level %d", len(payload), q.VersionNumber, level)
	}
	// The wallet draws the code itself (no network offline): it must read
	// back as the payload, at the version the Go encoder picks.
	arg, _ := json.Marshal(payload)
	var rows []string
	eval(t, b, `digitalidWallet.qrMatrix(`+string(arg)+`, "L").map(r => r.map(d => d ? "1" : "0").join(""))`, &rows)
	if got, err := decodeQR(rows); err != nil || got != payload {
		t.Errorf("decode the wallet's QR code = %q, %v; want the payload", got, err)
	}
	if q, _ := qrcode.New(payload, qrcode.Low); (len(rows)-17)/4 != q.VersionNumber {
		t.Errorf("wallet QR version = %d, go-qrcode's = %d", (len(rows)-17)/4, q.VersionNumber)
	}
	var svg string
	eval(t, b, `digitalidWallet.qrSVG(`+string(arg)+`)`, &svg)
	if !strings.HasPrefix(svg, "<svg xmlns=") {
		t.Errorf("qrSVG = %.60q…", svg)
	}
	// Another presentation uses another credential: nothing in common
	// with the first but the issuer and the type.
	var second string
	eval(t, b, `digitalidWallet.present("age_over_18")`, &second)
	if strings.Split(second, ".")[0] == strings.Split(payload, ".")[0] && strings.Split(second, "~")[0] == strings.Split(payload, "~")[0] {
		t.Error("two presentations share their credential")
	}
	if r := e.Svc.VerifyOffline(b.Context(), second, credential.AgeOver18, nil); !r.Valid() {
		t.Errorf("VerifyOffline(second presentation) = %s %s", r.Outcome, r.Reason)
	}
	e.Clock.Add(40 * time.Second)
	if r := e.Svc.VerifyOffline(b.Context(), payload, credential.AgeOver18, nil); r.Outcome != verify.Invalid {
		t.Errorf("VerifyOffline(40 s later) = %s %s, want invalid", r.Outcome, r.Reason)
	}

	// Re-issue: the platform revokes what the wallet holds (as when the
	// source document changes); the wallet's next prepare reads the status
	// list, drops all 18 it has left and fetches a fresh batch, so the next
	// code it shows verifies.
	e.Clock.Set(time.Now().UTC().Truncate(time.Second))
	n0, err := e.Svc.RevokeForCitizen(b.Context(), c.Session.CitizenID)
	credentialtest.Must(t, "RevokeForCitizen", err)
	if n0 < 18 {
		t.Fatalf("RevokeForCitizen revoked %d credentials, want the 18 the wallet holds at least", n0)
	}
	eval(t, b, `digitalidWallet.prepare("age_over_18")`, &n)
	if n != 20 {
		t.Errorf("prepare after revocation = %d credentials, want a fresh batch of 20 (the 18 revoked dropped)", n)
	}
	var fresh string
	eval(t, b, `digitalidWallet.present("age_over_18")`, &fresh)
	if r := e.Svc.VerifyOffline(b.Context(), fresh, credential.AgeOver18, nil); !r.Valid() {
		t.Errorf("VerifyOffline(code after re-issue) = %s %s (%v), want valid", r.Outcome, r.Reason, r.Err)
	}
}
