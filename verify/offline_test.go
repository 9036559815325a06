package verify

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/sdjwt"
)

// TestServerDown covers the network rules: a fresh cache is used without
// any request; a stale one is refreshed, or used while still within its
// maximum age; beyond that, or with nothing cached, the answer is
// Undetermined, never Invalid.
func TestServerDown(t *testing.T) {
	tests := []struct {
		name     string
		prefetch bool          // fill the caches before the server goes down
		after    time.Duration // then move the clock
		outcome  Outcome
		reason   string
		requests bool // whether the down server sees requests
	}{
		{name: "fresh cache", prefetch: true, after: time.Minute, outcome: Valid},
		{name: "status past ttl, within MaxStatusAge", prefetch: true, after: 30 * time.Minute, outcome: Valid, requests: true},
		{name: "status past ttl + MaxStatusAge", prefetch: true, after: 2 * time.Hour, outcome: Undetermined, reason: ReasonStatusUnavailable, requests: true},
		{name: "keys past MaxKeyAge", prefetch: true, after: 25 * time.Hour, outcome: Undetermined, reason: ReasonKeysUnavailable, requests: true},
		{name: "no cache", outcome: Undetermined, reason: ReasonKeysUnavailable, requests: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			v := is.verifier(is.config())
			if tt.prefetch {
				if err := v.Prefetch(context.Background()); err != nil {
					t.Fatalf("Prefetch = %v", err)
				}
				verify(v, is.ageOver18()) // the first scan learns the status list
			}
			is.down.Store(true)
			is.advance(tt.after)
			before := is.jwksHits.Load() + is.statusHits.Load()
			r := verify(v, is.ageOver18())
			want(t, "Verify(server down, "+tt.name+")", r, tt.outcome, tt.reason)
			if got := is.jwksHits.Load()+is.statusHits.Load() > before; got != tt.requests {
				t.Errorf("requests to the down server: %v, want %v", got, tt.requests)
			}
		})
	}
}

// TestPrefetchThenOffline prefetches the JWKS and a configured status list
// before the first scan, then scans with the issuer unreachable.
func TestPrefetchThenOffline(t *testing.T) {
	is := newIssuer(t)
	cfg := is.config()
	cfg.StatusLists = []string{is.status}
	v := is.verifier(cfg)
	if err := v.Prefetch(context.Background()); err != nil {
		t.Fatalf("Prefetch = %v", err)
	}
	fetchedAt := is.clock()
	is.down.Store(true)
	is.advance(3 * time.Minute)
	r := verify(v, is.ageOver18())
	want(t, "Verify(after Prefetch, offline)", r, Valid, "")
	if !r.StatusAsOf.Equal(fetchedAt) {
		t.Errorf("StatusAsOf = %v, want %v", r.StatusAsOf, fetchedAt)
	}
	if err := v.Prefetch(context.Background()); err == nil {
		t.Error("Prefetch(server down) = nil, want an error")
	}
}

// TestStatusTTL: a revocation reaches a verifier once the cached list's
// ttl has passed, not before (the list is not refetched while fresh).
func TestStatusTTL(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(is.config())
	want(t, "Verify(before revocation)", verify(v, is.ageOver18()), Valid, "")
	is.setStatus(testIdx, statuslist.Invalid)
	is.advance(statusTTL - time.Second)
	want(t, "Verify(revoked, cached list fresh)", verify(v, is.ageOver18()), Valid, "")
	if n := is.statusHits.Load(); n != 1 {
		t.Errorf("status list fetched %d times within its ttl, want 1", n)
	}
	is.advance(2 * time.Second)
	want(t, "Verify(revoked, ttl passed)", verify(v, is.ageOver18()), Invalid, ReasonRevoked)
}

// TestStatusListGrew: an index beyond the cached list makes the verifier
// refetch the list, which may have grown since.
func TestStatusListGrew(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(is.config())
	want(t, "Verify", verify(v, is.ageOver18()), Valid, "")
	grown, _ := statuslist.New(2, 100_000)
	is.mu.Lock()
	is.list = grown
	is.mu.Unlock()
	is.advance(2 * time.Minute)
	sd := is.credential(func(c map[string]any) { c["status"] = statuslist.Reference{Idx: 90_000, URI: is.status}.Claim() })
	want(t, "Verify(index in the grown list)", verify(v, is.present(sd, "age_over_18", 0, "age_over_18")), Valid, "")
}

// TestKeyRotation: a credential signed by a key the cached JWKS lacks
// makes the verifier refetch the JWKS once; an unknown key id right after
// is refused without another request.
func TestKeyRotation(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(is.config())
	want(t, "Verify(k1)", verify(v, is.ageOver18()), Valid, "")
	is.rotate("k2")
	is.advance(2 * time.Minute) // the cached JWKS is still fresh (max-age 300)
	want(t, "Verify(k2 after rotation)", verify(v, is.ageOver18()), Valid, "")
	if n := is.jwksHits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (once more after the rotation)", n)
	}
	is.mu.Lock()
	is.keys["k3"] = newKey(t) // signs, but is never published
	is.active = "k3"
	is.mu.Unlock()
	forged := is.credential(nil)
	is.mu.Lock()
	delete(is.keys, "k3")
	is.active = "k2"
	is.mu.Unlock()
	want(t, "Verify(unknown k3)", verify(v, is.present(forged, "age_over_18", 0, "age_over_18")), Invalid, sdjwt.ErrUnknownKey.Code)
	if n := is.jwksHits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want still 2 (refetched less than a minute ago)", n)
	}
}

// TestKeyRotationOffline: an unknown key id while the issuer is down is
// Undetermined: the key may be new.
func TestKeyRotationOffline(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(is.config())
	want(t, "Verify(k1)", verify(v, is.ageOver18()), Valid, "")
	is.rotate("k2")
	is.down.Store(true)
	is.advance(2 * time.Minute)
	want(t, "Verify(k2, issuer down)", verify(v, is.ageOver18()), Undetermined, ReasonKeysUnavailable)
}

// TestDirCacheAcrossRestart: a new Verifier over the same cache directory
// verifies offline with what the first one fetched.
func TestDirCacheAcrossRestart(t *testing.T) {
	is := newIssuer(t)
	dir := t.TempDir()
	cache, err := NewDirCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := is.config()
	cfg.Cache, cfg.StatusLists = cache, []string{is.status}
	if err := is.verifier(cfg).Prefetch(context.Background()); err != nil {
		t.Fatalf("Prefetch = %v", err)
	}
	is.down.Store(true)
	is.advance(time.Minute)
	again, _ := NewDirCache(dir)
	cfg.Cache = again
	want(t, "Verify(restarted, offline)", verify(is.verifier(cfg), is.ageOver18()), Valid, "")
}

// TestWithJWKS: pinned keys from a file are used without fetching a JWKS.
func TestWithJWKS(t *testing.T) {
	is := newIssuer(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	b, _ := is.jwks().Keys[0].MarshalJSON()
	if err := os.WriteFile(path, []byte(`{"keys":[`+string(b)+`,{"kty":"oct","k":"c2VjcmV0"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := LoadJWKS(path)
	if err != nil {
		t.Fatalf("LoadJWKS = %v", err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("LoadJWKS kept %d keys, want 1 (the symmetric one skipped)", len(set.Keys))
	}
	v := is.verifier(is.config(), WithJWKS(set))
	want(t, "Verify(pinned keys)", verify(v, is.ageOver18()), Valid, "")
	is.advance(48 * time.Hour)
	want(t, "Verify(pinned keys, 2 days on)", verify(v, is.ageOver18()), Valid, "")
	if n := is.jwksHits.Load(); n != 0 {
		t.Errorf("JWKS fetched %d times with pinned keys, want 0", n)
	}
	is.down.Store(true)
	is.advance(48 * time.Hour)
	want(t, "Verify(pinned keys, no status list)", verify(v, is.ageOver18()), Undetermined, ReasonStatusUnavailable)
}
