package vault_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

func TestReadForParty(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		raw := example(t, "passport_ru", nil)
		d, _, err := e.svc.UpsertFromIssuer(ctx, "iss_mvd", alice, "passport_ru", raw, jws(raw), "ref", "")
		if err != nil {
			t.Fatalf("UpsertFromIssuer = %v", err)
		}
		before := len(e.events(t, alice))
		tests := []struct {
			name   string
			actor  audit.Actor
			code   string
			result audit.Result // "" when nothing is recorded
		}{
			{"citizen herself", audit.Actor{Type: audit.ActorCitizen, ID: alice}, "", ""},
			{"relying party", audit.Actor{Type: audit.ActorRelyingParty, ID: "rp_bank"}, "", audit.Success},
			{"verifier", audit.Actor{Type: audit.ActorVerifier, ID: "v_shop"}, "", audit.Success},
			{"the issuer", audit.Actor{Type: audit.ActorIssuer, ID: "iss_mvd"}, "", audit.Success},
			{"another issuer", audit.Actor{Type: audit.ActorIssuer, ID: "iss_fns"}, digitalid.ENOTFOUND, ""},
			{"operator", audit.Actor{Type: audit.ActorOperator, ID: "op_1"}, digitalid.EFORBIDDEN, audit.Denied},
			{"another citizen", audit.Actor{Type: audit.ActorCitizen, ID: "c_bob"}, "", audit.Success},
		}
		for _, tt := range tests {
			got, err := e.svc.ReadForParty(ctx, tt.actor, alice, d.ID, "kyc")
			if digitalid.ErrorCode(err) != tt.code {
				t.Errorf("ReadForParty(%s) = %v, want %q", tt.name, err, tt.code)
			}
			if tt.code == "" && got.Fields.Text("surname") != "Иванова" {
				t.Errorf("ReadForParty(%s) fields = %v, want the passport's", tt.name, got.Fields)
			}
			if tt.code != "" && got.Fields.Values != nil {
				t.Errorf("ReadForParty(%s) returned contents with an error", tt.name)
			}
			evs := e.events(t, alice)
			if tt.result == "" {
				if len(evs) != before {
					t.Errorf("ReadForParty(%s) recorded %q, want nothing", tt.name, actions(evs[before:]))
				}
				continue
			}
			if len(evs) != before+1 {
				t.Fatalf("ReadForParty(%s) recorded %d events, want 1", tt.name, len(evs)-before)
			}
			before++
			ev := evs[len(evs)-1]
			want := map[string]string{"purpose": "kyc", "type": "passport_ru", "source": "issuer"}
			if ev.Action != "document.read" || ev.Object != "document:"+d.ID || ev.Actor != tt.actor || ev.Result != tt.result ||
				!equalMaps(ev.Details, want) {
				t.Errorf("ReadForParty(%s) recorded %+v, want document.read of document:%s by %+v, %s, details %v", tt.name, ev, d.ID, tt.actor, tt.result, want)
			}
		}
		_, err = e.svc.ReadForParty(ctx, audit.Actor{Type: audit.ActorVerifier, ID: "v_shop"}, alice, d.ID, "free text purpose")
		wantCode(t, "ReadForParty(purpose with spaces)", err, digitalid.EINVALID)
		_, err = e.svc.ReadForParty(ctx, audit.Actor{Type: audit.ActorVerifier, ID: "v_shop"}, alice, "nope", "kyc")
		wantCode(t, "ReadForParty(unknown document)", err, digitalid.ENOTFOUND)
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestConfirmedIdentity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		check := func(step string, want string) {
			t.Helper()
			b, ok, err := e.svc.ConfirmedIdentity(ctx, alice)
			if err != nil || ok != (want != "") || (ok && b.Format(time.DateOnly) != want) {
				t.Errorf("ConfirmedIdentity(%s) = %v, %v, %v; want %q", step, b, ok, err, want)
			}
		}
		check("no documents", "")
		if _, err := e.svc.AddSelfDeclared(ctx, alice, "passport_ru", example(t, "passport_ru", nil), nil); err != nil {
			t.Fatalf("AddSelfDeclared = %v", err)
		}
		check("self-declared passport", "")
		intl := example(t, "passport_international", nil)
		if _, _, err := e.svc.UpsertFromIssuer(ctx, "iss_mvd", alice, "passport_international", intl, jws(intl), "intl", ""); err != nil {
			t.Fatalf("UpsertFromIssuer(international) = %v", err)
		}
		check("issued international passport", "1985-03-14")
		ru := example(t, "passport_ru", map[string]any{"birth_date": "1985-03-15", "issue_date": "2005-04-01"})
		if _, _, err := e.svc.UpsertFromIssuer(ctx, "iss_mvd", alice, "passport_ru", ru, jws(ru), "ru", ""); err != nil {
			t.Fatalf("UpsertFromIssuer(passport_ru) = %v", err)
		}
		check("issued internal passport preferred", "1985-03-15")
		if _, err := e.svc.RevokeFromIssuer(ctx, "iss_mvd", "ru"); err != nil {
			t.Fatalf("RevokeFromIssuer = %v", err)
		}
		check("internal passport revoked", "1985-03-14")
		if got := actions(e.events(t, alice)); slices.Index(got, "document.read") < 0 {
			t.Errorf("audit of alice = %q, want the platform's reads recorded", got)
		}
	})
}

// TestStatus checks expiry against the injected clock, in Get, List,
// Counts and Confirmed: a document is expired once its last day is over
// everywhere on Earth — from 10:00 UTC that day, when it ends in UTC+14.
func TestStatus(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		raw := example(t, "student_card", nil) // valid until 2028-08-31
		d, _, err := e.svc.UpsertFromIssuer(ctx, "iss_msu", alice, "student_card", raw, jws(raw), "20-1234", "")
		if err != nil {
			t.Fatalf("UpsertFromIssuer = %v", err)
		}
		if want := time.Date(2028, 8, 31, 0, 0, 0, 0, time.UTC); !d.ExpiresOn.Equal(want) {
			t.Errorf("ExpiresOn = %v, want %v", d.ExpiresOn, want)
		}
		e.clock.Set(t0().Add(time.Second)) // List orders by creation
		if _, err := e.svc.AddSelfDeclared(ctx, alice, "snils", example(t, "snils", nil), nil); err != nil {
			t.Fatalf("AddSelfDeclared = %v", err)
		}
		for _, tt := range []struct {
			at   time.Time
			want vault.Status
		}{
			{t0(), vault.StatusValid},
			{time.Date(2028, 8, 31, 9, 59, 59, 0, time.UTC), vault.StatusValid},
			{time.Date(2028, 8, 31, 10, 0, 0, 0, time.UTC), vault.StatusExpired},
			{time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), vault.StatusExpired},
		} {
			e.clock.Set(tt.at)
			got, err := e.svc.Get(ctx, alice, d.ID)
			if err != nil || got.Status != tt.want || got.Confirmed() != (tt.want == vault.StatusValid) {
				t.Errorf("at %v Get = %s (confirmed %v), %v; want %s", tt.at, got.Status, got.Confirmed(), err, tt.want)
			}
			list, err := e.svc.List(ctx, alice)
			if err != nil || len(list) != 2 || list[0].Status != tt.want || list[1].Status != vault.StatusValid {
				t.Errorf("at %v List = %v, %v; want %s, then the SNILS valid", tt.at, list, err, tt.want)
			}
			counts, err := e.svc.Counts(ctx)
			want := []vault.Count{{TypeID: "snils", Source: vault.SourceSelf, Status: vault.StatusValid, N: 1},
				{TypeID: "student_card", Source: vault.SourceIssuer, Status: tt.want, N: 1}}
			if err != nil || !slices.Equal(counts, want) {
				t.Errorf("at %v Counts = %+v, %v; want %+v", tt.at, counts, err, want)
			}
		}
		if _, err := e.svc.RevokeFromIssuer(ctx, "iss_msu", "20-1234"); err != nil {
			t.Fatalf("RevokeFromIssuer = %v", err)
		}
		if got, err := e.svc.Get(ctx, alice, d.ID); err != nil || got.Status != vault.StatusRevoked {
			t.Errorf("Get(expired, then revoked) = %s, %v; want revoked", got.Status, err)
		}
	})
}

// TestKeyCache checks that unwrapped data keys are reused only within the
// TTL, not at all when caching is off, and never across a shredding.
func TestKeyCache(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name        string
		ttl         time.Duration
		wantUnwraps []int // after each of: Get, Get within the TTL, Get past it (the add unwrapped once)
	}{
		{"default", 0, []int{0, 0, 1}},
		{"off", -1, []int{1, 2, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, testdb.SQLite(t), vault.Options{KeyCacheTTL: tt.ttl})
			alice := e.citizen(t, "c_alice")
			d, err := e.svc.AddSelfDeclared(ctx, alice, "snils", example(t, "snils", nil), nil)
			if err != nil {
				t.Fatalf("AddSelfDeclared = %v", err)
			}
			base := e.keys.count()
			for i, at := range []time.Time{t0(), t0().Add(vault.DefaultKeyCacheTTL - time.Second), t0().Add(2 * vault.DefaultKeyCacheTTL)} {
				e.clock.Set(at)
				if _, err := e.svc.Get(ctx, alice, d.ID); err != nil {
					t.Fatalf("Get = %v", err)
				}
				if got := e.keys.count() - base; got != tt.wantUnwraps[i] {
					t.Errorf("after Get %d: %d unwraps, want %d", i+1, got, tt.wantUnwraps[i])
				}
			}
			if err := e.svc.ShredCitizen(ctx, alice); err != nil {
				t.Fatalf("ShredCitizen = %v", err)
			}
			if _, err := e.svc.Get(ctx, alice, d.ID); !strings.Contains(err.Error(), "erased") {
				t.Errorf("Get after ShredCitizen with a warm cache = %v, want the shredded error", err)
			}
		})
	}
}
