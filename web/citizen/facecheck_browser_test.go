package citizen_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// videoCheckInBrowser signs a citizen at standard in on a new browser, opens
// /account/identity and takes the video check with Chromium's fake camera.
func videoCheckInBrowser(t *testing.T, e *env, base string, n int) (*browsertest.Browser, signedIn) {
	t.Helper()
	s := e.standardCitizen(n)
	b := browsertest.New(t)
	b.Go(base + "/account/identity")
	signInWithCode(t, e, b, phone(n), "Laptop")
	wantPage(t, b, "h1", "Identity level")
	wantPage(t, b, "#assurance", "Standard")
	wantPage(t, b, "#facecheck-about", "one try per 15 minutes")
	wantPage(t, b, "#upload-photo", "Upload a photo")
	b.Click("#facecheck-start")
	b.WaitVisible("#facecheck-camera")
	b.WaitVisible("#facecheck-take")
	b.Screenshot("camera")
	b.Click("#facecheck-take")
	return b, s
}

func TestBrowserVideoCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnvWith(t, db, options{deps: withProofing})
		b, _ := videoCheckInBrowser(t, e, base, 770)
		b.WaitVisible(`#facecheck-result[data-result="done"]`)
		wantPage(t, b, "#facecheck-result", "identity is now confirmed at the high level")
		wantPage(t, b, "#assurance", "High")
		b.Screenshot("matched")
		b.Go(base + "/account")
		if got := b.Attr("#next-step", "data-level"); got != "high" {
			t.Errorf("cabinet next step level = %q, want high", got)
		}
		wantPage(t, b, "#next-step", "nothing more to do")
	})
}

func TestBrowserVideoCheckFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		var p *account.Proofing
		e, base := browserEnvWith(t, db, options{deps: withProofingOf(refusingBiometric{}, &p)})
		b, s := videoCheckInBrowser(t, e, base, 771)
		b.Allow(`status of 423`) // the failed check's answer
		b.WaitVisible(`#facecheck-result[data-result="locked"]`)
		wantPage(t, b, "#facecheck-result", "sent to an operator")
		b.Screenshot("refused")

		b.Go(base + "/account/identity")
		wantPage(t, b, "#locked", "blocked until 22.11.2026 10:15 UTC")
		wantPage(t, b, "#assurance", "Standard")

		reviews, err := p.ReviewQueue(e.ctx, 0)
		if err != nil || len(reviews) != 1 || reviews[0].CitizenID != s.CitizenID {
			t.Fatalf("ReviewQueue = %+v, %v; want the failed video check", reviews, err)
		}
		if _, err := p.DecideReview(e.ctx, "op1", reviews[0].ID, true); err != nil {
			t.Fatalf("DecideReview(approve) = %v", err)
		}
		b.Go(base + "/account/identity")
		wantPage(t, b, "#assurance", "High")
		b.Go(base + "/account")
		wantPage(t, b, "#next-step", "nothing more to do")
	})
}

// TestBrowserVideoCheckNoCamera: a browser without camera access gets a
// clear message pointing to the upload form.
func TestBrowserVideoCheckNoCamera(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnvWith(t, db, options{deps: withProofing})
		e.standardCitizen(772)
		b := browsertest.New(t)
		b.SetAcceptLanguage("ru")
		b.Go(base + "/account/identity")
		signInWithCode(t, e, b, phone(772), "Laptop")
		wantPage(t, b, "#facecheck h2", "Видеопроверка с камерой")
		refuse := `Object.defineProperty(navigator.mediaDevices, "getUserMedia", {value: () => Promise.reject(new DOMException("denied", "NotAllowedError"))}); 0`
		if _, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](refuse)); err != nil {
			t.Fatalf("refuse the camera: %v", err)
		}
		b.Click("#facecheck-start")
		b.WaitVisible("#facecheck-nocamera")
		wantPage(t, b, "#facecheck-nocamera", "загрузите фото ниже")
		b.Go(base + "/account")
		b.ClickNav("#next-step-link")
		wantPage(t, b, "h1", "Уровень идентификации")
	})
}
