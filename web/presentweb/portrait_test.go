package presentweb_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web/browsertest"
)

// portraitPNG is a w×h PNG standing in for a passport photo.
func portraitPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(4 * x), G: uint8(3 * y), B: 160, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pushPortrait pushes the Adult's passport again, as its issuer would,
// with a portrait photo.
func (e *env) pushPortrait(t testing.TB, citizenID, birth string, photo []byte) {
	t.Helper()
	raw, err := json.Marshal(presenttest.PassportFields(birth))
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	sig := enc.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + enc.EncodeToString(raw) + "." + enc.EncodeToString(bytes.Repeat([]byte{0xab}, 64))
	if _, _, err := e.Vault.UpsertFromIssuerWith(context.Background(), presenttest.IssuerID, citizenID, "passport_ru", raw, sig,
		presenttest.PassportRef(citizenID), "", vault.IssuerOptions{Photo: photo}); err != nil {
		t.Fatalf("push passport with photo: %v", err)
	}
}

// wantImage waits until the <img> sel has loaded and checks its natural
// size.
func wantImage(t *testing.T, b *browsertest.Browser, sel string, w, h int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	size, err := chromedp.Run(ctx, chromedp.Poll[[]int](`(() => { const i = document.querySelector(`+jsString(sel)+`);
		return i && !i.hidden && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight] : null })()`))
	if err != nil {
		b.Screenshot("no-portrait")
		t.Fatalf("wait for the portrait %s: %v", sel, err)
	}
	if len(size) != 2 || size[0] != w || size[1] != h {
		t.Errorf("portrait %s is %v, want %dx%d", sel, size, w, h)
	}
}

// TestVerifyPortrait: an online presentation answers the inspector with
// a link to the photo of the passport the citizen's identity rests on
// (never the photo inline); the link serves the stored image, as the
// citizen's own portrait route does.
func TestVerifyPortrait(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "")
	c := e.Adult(t, birth)
	_, cred := e.Verifier(t, "Magnum Shop", present.AgeOver18)
	photo := portraitPNG(t, 48, 60)
	e.pushPortrait(t, c.Citizen.ID, birth, photo)

	rec := e.json(req{method: "POST", path: "/api/v1/verifier/verify", bearer: cred,
		body: map[string]string{"payload": e.mint(c.SessionToken, present.AgeOver18).Payload}}, 200, nil)
	if strings.Contains(rec.Body.String(), "base64") || strings.Contains(rec.Body.String(), `"portrait"`) || rec.Body.Len() > 2000 {
		t.Errorf("verify answer carries the photo inline (%d bytes): %.200s", rec.Body.Len(), rec.Body)
	}
	var v verified
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	const prefix = "http://id.example/api/v1/verifier/portraits/"
	if v.Result != "valid" || !strings.HasPrefix(v.PortraitURL, prefix) {
		t.Fatalf("verify = %s portrait_url %q, want valid with a link under %s", v.Result, v.PortraitURL, prefix)
	}
	w := e.do(req{method: "GET", path: strings.TrimPrefix(v.PortraitURL, "http://id.example"), bearer: cred})
	img := w.Body.Bytes()
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if w.Code != 200 || err != nil || cfg.Width != 48 || cfg.Height != 60 {
		t.Fatalf("GET portrait_url = %d, %dx%d, %v; want a 48x60 PNG", w.Code, cfg.Width, cfg.Height, err)
	}
	w = e.do(req{method: "GET", path: "/api/v1/id/portrait", bearer: c.SessionToken})
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" || !bytes.Equal(w.Body.Bytes(), img) {
		t.Errorf("GET /api/v1/id/portrait = %d %s, %d bytes; want the same PNG", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
}

// passportJPEG is a deterministic stand-in for a real passport photo:
// 413×531 (35×45 mm at 300 dpi), noisy enough that JPEG at quality 90
// gives a file of a real photo's order of size.
func passportJPEG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 413, 531))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range 531 {
		for x := range 413 {
			n := uint8(r.IntN(24))
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x/3) + n, G: uint8(y/3) + n, B: 150 + n, A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkOnlineVerifyHTTPPortrait is BenchmarkOnlineVerifyHTTP with a
// passport photo (passportJPEG) on file: every answer carries a portrait
// link (a row written per valid check), not the photo itself.
func BenchmarkOnlineVerifyHTTPPortrait(b *testing.B) {
	photo := passportJPEG(b)
	b.Logf("portrait: %d bytes", len(photo))
	b.Run("sqlite", func(b *testing.B) { benchVerifyHTTP(b, testdb.SQLite(b), photo) })
	b.Run("postgres", func(b *testing.B) { benchVerifyHTTP(b, testdb.Postgres(b), photo) })
}
