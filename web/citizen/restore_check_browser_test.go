package citizen_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// TestBrowserRestoreHighCitizen: in Chromium a citizen who was at high
// restores the deleted account through the pages: the number, the code,
// then the PIN, the birth date and a photo from a plain file input (no
// JavaScript needed). A photo that does not match shows the step again
// with the reason and a fresh challenge; a matching one restores the
// account at high.
func TestBrowserRestoreHighCitizen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnvWith(t, db, options{deps: withRestoreProofing})
		b := browsertest.New(t)
		to := phone(66)
		old := e.deletedAt(66, account.AssuranceHigh, birthDate)
		dir := t.TempDir()
		good, bad := filepath.Join(dir, "face.png"), filepath.Join(dir, "other.png")
		if err := os.WriteFile(good, facePNG(t, false), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bad, facePNG(t, true), 0o600); err != nil {
			t.Fatal(err)
		}
		upload := func(file string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{file})); err != nil {
				t.Fatalf("set the photo: %v", err)
			}
		}

		restoreToCheck(t, e, b, base, to)
		wantPage(t, b, "label[for=image]", "Photo of your face")
		if got := b.Attr("#image", "capture"); got != "user" {
			t.Errorf("photo input capture = %q, want user", got)
		}
		if got := b.Attr("#image", "accept"); got != "image/*" {
			t.Errorf("photo input accept = %q, want image/*", got)
		}
		first := b.Attr(`input[name="challenge"]`, "value")

		b.Fill("#pin", goodPIN)
		b.Fill("#birth_date", birthDate)
		upload(bad)
		b.Allow(`status of 403 .*/restore/confirm`)
		if status := b.ClickNav("#restore-confirm"); status != 403 {
			t.Fatalf("restore with a non-matching photo: status %d, want 403", status)
		}
		wantPage(t, b, "#form-error", "did not match")
		b.Screenshot("restore-check")
		if next := b.Attr(`input[name="challenge"]`, "value"); next == "" || next == first {
			t.Errorf("challenge after a refusal = %q, want a fresh one", next)
		}

		b.Fill("#pin", goodPIN)
		b.Fill("#birth_date", "17.05.1990")
		upload(good)
		if status := b.ClickNav("#restore-confirm"); status != 200 {
			t.Fatalf("restore: status %d", status)
		}
		wantPage(t, b, "#restore-done", "restored")
		b.ClickNav("#to-account")
		wantPage(t, b, "h1", "My account")
		c, err := e.svc.Citizens.Get(e.ctx, old.CitizenID)
		if err != nil || c.Status != account.StatusActive || c.Assurance != account.AssuranceHigh {
			t.Fatalf("after restore: %+v, %v; want active at high", c, err)
		}
	})
}

// restoreToCheck goes through the first two restore pages, the number and
// the code sent to it, to the identity re-check step.
func restoreToCheck(t *testing.T, e *env, b *browsertest.Browser, base, to string) {
	t.Helper()
	b.Go(base + "/restore")
	b.Fill("#phone", to)
	if status := b.ClickNav("#restore-send"); status != 200 {
		t.Fatalf("send restore code: status %d", status)
	}
	b.Fill("#code", e.code(to))
	if status := b.ClickNav("#restore-code"); status != 200 {
		t.Fatalf("restore code: status %d", status)
	}
}
