package vault_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

func TestIssuer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice, bob := e.citizen(t, "c_alice"), e.citizen(t, "c_bob")
		raw := example(t, "passport_ru", nil)
		sig := jws(raw)
		upsert := func(issuer, citizen string, raw []byte, ref, key string) (vault.Document, bool, error) {
			return e.svc.UpsertFromIssuer(ctx, issuer, citizen, "passport_ru", raw, jws(raw), ref, key)
		}

		d, created, err := upsert("iss_mvd", alice, raw, "4505 123456", "key-1")
		if err != nil || !created || !d.Confirmed() || d.IssuerID != "iss_mvd" || d.IssuerDocID != "4505 123456" || d.IssuerSignature != sig {
			t.Fatalf("UpsertFromIssuer(new) = %+v, %v, %v; want a created, confirmed document", d, created, err)
		}
		got, err := e.svc.Get(ctx, alice, d.ID)
		if err != nil || got.IssuerSignature != sig || got.IssuerDocID != "4505 123456" || got.Fields.Text("surname") != "Иванова" || !got.Confirmed() {
			t.Fatalf("Get(issued) = %+v, %v; want the signature and reference kept", got, err)
		}

		// The same call again is answered from the idempotency record.
		again, created, err := upsert("iss_mvd", alice, raw, "4505 123456", "key-1")
		if err != nil || !created || again.ID != d.ID {
			t.Errorf("UpsertFromIssuer(replay) = %s, %v, %v; want %s, created", again.ID, created, err, d.ID)
		}
		changed := example(t, "passport_ru", map[string]any{"authority": "ГУ МВД России по г. Москве"})
		_, _, err = upsert("iss_mvd", alice, changed, "4505 123456", "key-1")
		wantCode(t, "UpsertFromIssuer(same key, other body)", err, digitalid.ECONFLICT)

		// A new call with new content updates the document.
		upd, created, err := upsert("iss_mvd", alice, changed, "4505 123456", "key-2")
		if err != nil || created || upd.ID != d.ID || upd.Fields.Text("authority") != "ГУ МВД России по г. Москве" {
			t.Errorf("UpsertFromIssuer(update) = %+v, %v, %v; want the same document updated", upd, created, err)
		}
		// Unchanged content: no event, no notification.
		if _, created, err := upsert("iss_mvd", alice, changed, "4505 123456", ""); err != nil || created {
			t.Errorf("UpsertFromIssuer(unchanged) = %v, %v; want no error, not created", created, err)
		}

		// References are the issuer's own: another citizen or type under the
		// same reference is a conflict, another issuer's reference is another
		// document.
		_, _, err = upsert("iss_mvd", bob, raw, "4505 123456", "")
		wantCode(t, "UpsertFromIssuer(same reference, other citizen)", err, digitalid.ECONFLICT)
		snils := example(t, "snils", nil)
		_, _, err = e.svc.UpsertFromIssuer(ctx, "iss_mvd", alice, "snils", snils, jws(snils), "4505 123456", "")
		wantCode(t, "UpsertFromIssuer(same reference, other type)", err, digitalid.ECONFLICT)
		other, created, err := upsert("iss_other", alice, raw, "4505 123456", "key-1")
		if err != nil || !created || other.ID == d.ID {
			t.Errorf("UpsertFromIssuer(other issuer, same reference and key) = %s, %v, %v; want a new document", other.ID, created, err)
		}

		// Only the issuer that issued a document revokes or reads it.
		_, err = e.svc.RevokeFromIssuer(ctx, "iss_fns", "4505 123456")
		wantCode(t, "RevokeFromIssuer(other issuer)", err, digitalid.ENOTFOUND)
		_, err = e.svc.ReadForParty(ctx, audit.Actor{Type: audit.ActorIssuer, ID: "iss_other"}, alice, d.ID, "check")
		wantCode(t, "ReadForParty(other issuer)", err, digitalid.ENOTFOUND)
		wantCode(t, "Delete(issuer's document)", e.svc.Delete(ctx, alice, d.ID), digitalid.EFORBIDDEN)

		rev, err := e.svc.RevokeFromIssuer(ctx, "iss_mvd", "4505 123456")
		if err != nil || rev.Status != vault.StatusRevoked || rev.Confirmed() || !rev.RevokedAt.Equal(t0()) {
			t.Errorf("RevokeFromIssuer = %+v, %v; want revoked", rev, err)
		}
		if rev, err := e.svc.RevokeFromIssuer(ctx, "iss_mvd", "4505 123456"); err != nil || rev.Status != vault.StatusRevoked {
			t.Errorf("RevokeFromIssuer(again) = %+v, %v; want revoked, no error", rev, err)
		}
		if got, err := e.svc.Get(ctx, alice, d.ID); err != nil || got.Status != vault.StatusRevoked {
			t.Errorf("Get(revoked) = %+v, %v; want status revoked", got, err)
		}
		_, _, err = upsert("iss_mvd", alice, raw, "4505 123456", "key-3")
		wantCode(t, "UpsertFromIssuer(revoked)", err, digitalid.ECONFLICT)
		_, err = e.svc.RevokeFromIssuer(ctx, "iss_mvd", "no such reference")
		wantCode(t, "RevokeFromIssuer(unknown)", err, digitalid.ENOTFOUND)

		wantEvents := []string{"document.created", "document.updated", "document.created", "document.revoked"}
		if got := actions(e.events(t, alice)); !slices.Equal(got, wantEvents) {
			t.Errorf("audit of alice = %q, want %q", got, wantEvents)
		}
		for _, ev := range e.events(t, alice) {
			if ev.Actor.Type != audit.ActorIssuer || ev.Object != "document:"+d.ID && ev.Object != "document:"+other.ID {
				t.Errorf("audit event %s by %+v on %s, want an issuer acting on a document", ev.Action, ev.Actor, ev.Object)
			}
		}
		wantNotes := []string{alice + " " + d.ID + " document_added", alice + " " + d.ID + " document_changed",
			alice + " " + other.ID + " document_added", alice + " " + d.ID + " document_revoked"}
		if got := e.notes.list(); !slices.Equal(got, wantNotes) {
			t.Errorf("notifications = %q, want %q", got, wantNotes)
		}
	})
}

// TestIssuerIdempotencyExpires checks that a key is forgotten after
// IdempotencyTTL and can then be used for another request.
func TestIssuerIdempotencyExpires(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testdb.SQLite(t), vault.Options{IdempotencyTTL: time.Hour})
	alice := e.citizen(t, "c_alice")
	a, b := example(t, "snils", nil), example(t, "snils", map[string]any{"birth_place": "г. Тверь"})
	if _, _, err := e.svc.UpsertFromIssuer(ctx, "iss_pfr", alice, "snils", a, jws(a), "r1", "k"); err != nil {
		t.Fatalf("UpsertFromIssuer = %v", err)
	}
	e.clock.Set(t0().Add(time.Hour - time.Microsecond))
	_, _, err := e.svc.UpsertFromIssuer(ctx, "iss_pfr", alice, "snils", b, jws(b), "r2", "k")
	wantCode(t, "UpsertFromIssuer(live key, other body)", err, digitalid.ECONFLICT)
	e.clock.Set(t0().Add(time.Hour))
	if n, err := e.svc.PurgeIdempotencyKeys(ctx); err != nil || n != 0 {
		t.Errorf("PurgeIdempotencyKeys(at expiry) = %d, %v; want 0", n, err)
	}
	if d, created, err := e.svc.UpsertFromIssuer(ctx, "iss_pfr", alice, "snils", b, jws(b), "r2", "k"); err != nil || !created {
		t.Errorf("UpsertFromIssuer(expired key) = %v, %v, %v; want a new document", d, created, err)
	}
	e.clock.Set(t0().Add(3 * time.Hour))
	if n, err := e.svc.PurgeIdempotencyKeys(ctx); err != nil || n != 1 {
		t.Errorf("PurgeIdempotencyKeys(after expiry) = %d, %v; want 1", n, err)
	}
}

// TestIssuerConcurrent pushes one document from many goroutines at once:
// exactly one call creates it, and with one idempotency key every call gets
// the same document.
func TestIssuerConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		raw := example(t, "inn", nil)
		for _, sameKey := range []bool{false, true} {
			ref := fmt.Sprintf("inn-%v", sameKey)
			var wg sync.WaitGroup
			var mu sync.Mutex
			ids, creations := map[string]bool{}, 0
			for i := range 8 {
				key := fmt.Sprintf("k-%d", i)
				if sameKey {
					key = "shared"
				}
				wg.Go(func() {
					d, created, err := e.svc.UpsertFromIssuer(ctx, "iss_fns", alice, "inn", raw, jws(raw), ref, key)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("concurrent UpsertFromIssuer(same key %v) = %v", sameKey, err)
						return
					}
					ids[d.ID] = true
					if created {
						creations++
					}
				})
			}
			wg.Wait()
			wantCreations := 1
			if sameKey {
				wantCreations = 8 // every replay reports the first call's result
			}
			if len(ids) != 1 || creations != wantCreations {
				t.Errorf("concurrent UpsertFromIssuer(same key %v): %d documents, %d created; want 1, %d", sameKey, len(ids), creations, wantCreations)
			}
		}
	})
}
