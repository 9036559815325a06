package citizen_test

import (
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// TestBrowserDeleteAndRestore: in Chromium the citizen deletes the account
// from the security page (confirming on a page that explains the 30-day
// window and shredding), is signed out, and restores it with the phone, a
// code and then the PIN.
func TestBrowserDeleteAndRestore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		to := phone(41)
		signUpInBrowser(t, e, b, base, to)
		b.Go(base + "/account/security")
		if status := b.ClickNav("#to-delete-account"); status != 200 {
			t.Fatalf("open deletion page: status %d", status)
		}
		wantPage(t, b, "#delete-account", "30 days")
		b.Click("#understood")
		if status := b.ClickNav("#delete-confirm"); status != 200 {
			t.Fatalf("delete: status %d", status)
		}
		wantPage(t, b, "#delete-done", "restore it until")
		b.Go(base + "/account")
		wantPage(t, b, "h1", "Sign in")
		restoreToCheck(t, e, b, base, to)
		b.Fill("#pin", goodPIN)
		if status := b.ClickNav("#restore-confirm"); status != 200 {
			t.Fatalf("restore: status %d", status)
		}
		wantPage(t, b, "#restore-done", "restored")
		b.ClickNav("#to-account")
		wantPage(t, b, "h1", "My account")
	})
}
