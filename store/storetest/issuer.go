package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/store"
	"github.com/go-jose/go-jose/v4"
)

// Issuers exercises every issuer store method on db: the registry, the
// one-time use of assertion ids (exact under concurrency) and their purge,
// and the citizen identifier index.
func Issuers(t *testing.T, db *store.DB) {
	t.Run("registry", func(t *testing.T) { issuerRegistry(t, db) })
	t.Run("assertions", func(t *testing.T) { issuerAssertions(t, db) })
	t.Run("identifier index", func(t *testing.T) { issuerIndex(t, db) })
}

func testIssuer(t *testing.T, id string, at time.Time) issuer.Issuer {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return issuer.Issuer{ID: id, Name: "Issuer " + id, AllowedTypes: []string{"passport_ru", "snils"},
		PublicKeys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "k1", Algorithm: "EdDSA", Use: "sig"}}},
		Status:     issuer.StatusActive, CreatedAt: at}
}

func mustIssuer(t *testing.T, db *store.DB, id string, at time.Time) issuer.Issuer {
	t.Helper()
	i := testIssuer(t, id, at)
	if err := db.CreateIssuer(context.Background(), i); err != nil {
		t.Fatalf("CreateIssuer(%s) = %v", id, err)
	}
	return i
}

func issuerRegistry(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 123000, time.UTC)
	b := mustIssuer(t, db, "reg-b", at)
	mustIssuer(t, db, "reg-a", at)
	wantErrCode(t, "CreateIssuer(duplicate)", db.CreateIssuer(ctx, b), digitalid.ECONFLICT)
	got, err := db.Issuer(ctx, "reg-b")
	if err != nil {
		t.Fatalf("Issuer(reg-b) = %v", err)
	}
	if got.Name != b.Name || !slices.Equal(got.AllowedTypes, b.AllowedTypes) || got.Status != issuer.StatusActive ||
		!got.CreatedAt.Equal(at) || len(got.PublicKeys.Keys) != 1 || got.PublicKeys.Keys[0].KeyID != "k1" || !got.DisabledAt.IsZero() {
		t.Errorf("Issuer(reg-b) = %+v, want %+v", got, b)
	}
	_, err = db.Issuer(ctx, "nobody")
	wantErrCode(t, "Issuer(nobody)", err, digitalid.ENOTFOUND)
	all, err := db.Issuers(ctx)
	if err != nil || len(all) < 2 {
		t.Fatalf("Issuers() = %d, %v; want at least 2", len(all), err)
	}
	ids := make([]string, len(all))
	for n, i := range all {
		ids[n] = i.ID
	}
	if !slices.IsSorted(ids) {
		t.Errorf("Issuers() ids = %v, want sorted", ids)
	}
	off := at.Add(time.Hour)
	for _, when := range []time.Time{off, off.Add(time.Hour)} { // the second keeps the first time
		if err := db.DisableIssuer(ctx, "reg-b", when); err != nil {
			t.Fatalf("DisableIssuer(reg-b) = %v", err)
		}
	}
	if got, _ := db.Issuer(ctx, "reg-b"); got.Status != issuer.StatusDisabled || !got.DisabledAt.Equal(off) {
		t.Errorf("after DisableIssuer: status %s at %v, want disabled at %v", got.Status, got.DisabledAt, off)
	}
	wantErrCode(t, "DisableIssuer(nobody)", db.DisableIssuer(ctx, "nobody", off), digitalid.ENOTFOUND)
}

func issuerAssertions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	mustIssuer(t, db, "jti-a", at)
	mustIssuer(t, db, "jti-b", at)
	if err := db.UseAssertion(ctx, "jti-a", "j1", at.Add(time.Minute)); err != nil {
		t.Fatalf("UseAssertion(j1) = %v", err)
	}
	wantErrCode(t, "UseAssertion(j1 again)", db.UseAssertion(ctx, "jti-a", "j1", at.Add(time.Minute)), digitalid.ECONFLICT)
	if err := db.UseAssertion(ctx, "jti-b", "j1", at.Add(time.Minute)); err != nil {
		t.Errorf("UseAssertion(another issuer, j1) = %v, want nil", err)
	}
	wantErrCode(t, "UseAssertion(unknown issuer)", db.UseAssertion(ctx, "nobody", "j1", at), digitalid.ENOTFOUND)

	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if db.UseAssertion(ctx, "jti-a", "race", at.Add(time.Minute)) == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Errorf("8 concurrent UseAssertion(race): %d succeeded, want 1", ok.Load())
	}
	if err := db.UseAssertion(ctx, "jti-a", "late", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PurgeAssertions(ctx, at.Add(2*time.Minute)); err != nil {
		t.Fatalf("PurgeAssertions = %v", err)
	}
	if err := db.UseAssertion(ctx, "jti-a", "j1", at.Add(3*time.Minute)); err != nil {
		t.Errorf("UseAssertion(j1 after purge) = %v, want nil", err)
	}
	wantErrCode(t, "UseAssertion(late, not yet purged)", db.UseAssertion(ctx, "jti-a", "late", at.Add(time.Hour)), digitalid.ECONFLICT)
}

func issuerIndex(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	a, b := mustCitizen(t, db, "idx-a"), mustCitizen(t, db, "idx-b")
	mac := []byte(fmt.Sprintf("mac-%d", at.UnixNano()))
	_, err := db.CitizenByIdentifier(ctx, issuer.KindSNILS, mac)
	wantErrCode(t, "CitizenByIdentifier(absent)", err, digitalid.ENOTFOUND)
	for _, c := range []string{a.ID, a.ID, b.ID} { // repeat is a no-op, a new citizen replaces
		if err := db.PutCitizenIdentifier(ctx, issuer.KindSNILS, mac, c, at); err != nil {
			t.Fatalf("PutCitizenIdentifier(%s) = %v", c, err)
		}
		if got, err := db.CitizenByIdentifier(ctx, issuer.KindSNILS, mac); err != nil || got != c {
			t.Errorf("CitizenByIdentifier = %q, %v; want %q", got, err, c)
		}
	}
	wantErrCode(t, "PutCitizenIdentifier(unknown citizen)",
		db.PutCitizenIdentifier(ctx, issuer.KindSNILS, []byte("other"), "c_nobody", at), digitalid.ENOTFOUND)

	// Binding: of concurrent callers for different citizens exactly one
	// makes the mapping; its holder binds again as a no-op, the others are
	// refused; unbinding is the holder's only.
	pass := []byte(fmt.Sprintf("pass-%d", at.UnixNano()))
	const n = 8
	cs := make([]string, n)
	for i := range cs {
		cs[i] = mustCitizen(t, db, fmt.Sprintf("bind-%d", i)).ID
	}
	var wg sync.WaitGroup
	made := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			made[i], errs[i] = db.BindCitizenIdentifier(ctx, issuer.KindPassport, pass, cs[i], at)
		}()
	}
	wg.Wait()
	holder := ""
	for i := range n {
		switch {
		case errs[i] == nil && made[i] && holder == "":
			holder = cs[i]
		case digitalid.ErrorCode(errs[i]) != digitalid.ECONFLICT || made[i]:
			t.Errorf("BindCitizenIdentifier(%d) = %v, %v; want one winner, the others ECONFLICT", i, made[i], errs[i])
		}
	}
	if got, err := db.CitizenByIdentifier(ctx, issuer.KindPassport, pass); err != nil || got != holder || holder == "" {
		t.Fatalf("after concurrent binds: held by %q, %v; want the one winner %q", got, err, holder)
	}
	if m, err := db.BindCitizenIdentifier(ctx, issuer.KindPassport, pass, holder, at); err != nil || m {
		t.Errorf("BindCitizenIdentifier(holder again) = %v, %v; want false, nil", m, err)
	}
	other := cs[0]
	if other == holder {
		other = cs[1]
	}
	if err := db.UnbindCitizenIdentifier(ctx, issuer.KindPassport, pass, other); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.CitizenByIdentifier(ctx, issuer.KindPassport, pass); got != holder {
		t.Errorf("another citizen's unbind moved the mapping to %q", got)
	}
	if err := db.UnbindCitizenIdentifier(ctx, issuer.KindPassport, pass, holder); err != nil {
		t.Fatal(err)
	}
	if m, err := db.BindCitizenIdentifier(ctx, issuer.KindPassport, pass, other, at); err != nil || !m {
		t.Errorf("BindCitizenIdentifier(after unbind) = %v, %v; want true, nil", m, err)
	}
	if _, err := db.BindCitizenIdentifier(ctx, issuer.KindPassport, []byte("x"), "c_nobody", at); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("BindCitizenIdentifier(unknown citizen) = %v; want ENOTFOUND", err)
	}
}
