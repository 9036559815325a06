package present_test

import (
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/store"
)

// TestPortraitLink: a valid online check carries a portrait token and a
// refusal none; the link answers ENOTFOUND to another verifier and when
// the citizen has no photo, and the purge drops it once expired.
func TestPortraitLink(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := presenttest.New(t, db, presenttest.Options{})
		c := e.Adult(t, birth18)
		shop, _ := e.Verifier(t, "Magnum Shop", present.AgeOver18)
		other, _ := e.Verifier(t, "Other Shop", present.AgeOver18)

		p := mint(t, e, c, present.AgeOver18)
		r := verifyAs(t, e, shop, p.Payload)
		if !r.Valid() || len(r.PortraitToken) != 32 {
			t.Fatalf("Verify = %+v, want valid with a portrait token", r)
		}
		if again := verifyAs(t, e, shop, p.Payload); again.Valid() || again.PortraitToken != "" {
			t.Errorf("Verify(replayed) = %+v, want invalid without a token", again)
		}
		_, _, err := e.Present.VerifierPortrait(ctx, other, r.PortraitToken, present.Client{})
		wantCode(t, "VerifierPortrait(another verifier)", err, digitalid.ENOTFOUND)
		// The demo adult has no photo from a confirmed passport.
		_, _, err = e.Present.VerifierPortrait(ctx, shop, r.PortraitToken, present.Client{})
		wantCode(t, "VerifierPortrait(no photo)", err, digitalid.ENOTFOUND)
		_, _, err = e.Present.VerifierPortrait(ctx, shop, "not a token", present.Client{})
		wantCode(t, "VerifierPortrait(malformed)", err, digitalid.ENOTFOUND)

		e.Clock.Advance(present.PortraitTTL + time.Second)
		n, err := e.Present.Purge(ctx)
		if err != nil || n < 1 {
			t.Errorf("Purge = %d, %v; want the expired link gone", n, err)
		}
	})
}
