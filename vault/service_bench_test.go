package vault_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// benchDBs are the databases every vault benchmark runs on.
func benchDBs() []struct {
	name string
	open func(testing.TB) *store.DB
} {
	return []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}}
}

// BenchmarkGet reads and decrypts one issued passport among 1,000
// documents of 100 citizens: the document and scan queries, the data key
// read and unwrap (or the cache), AES-GCM and the typed decode. "nocache"
// unwraps the data key every time, as the first read of a citizen does.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	for _, db := range benchDBs() {
		for _, cache := range []struct {
			name string
			ttl  time.Duration
		}{{"cache", 0}, {"nocache", -1}} {
			b.Run(db.name+"/"+cache.name, func(b *testing.B) {
				e := newEnv(b, db.open(b), vault.Options{KeyCacheTTL: cache.ttl})
				raw := example(b, "passport_ru", nil)
				sig := jws(raw)
				var last vault.Document
				for c := range 100 {
					citizen := e.citizen(b, fmt.Sprintf("c_bench%d", c))
					for i := range 10 {
						d, _, err := e.svc.UpsertFromIssuer(ctx, "iss_mvd", citizen, "passport_ru", raw, sig, fmt.Sprintf("ref-%d-%d", c, i), "")
						if err != nil {
							b.Fatalf("UpsertFromIssuer = %v", err)
						}
						last = d
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := e.svc.Get(ctx, last.CitizenID, last.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUpsertFromIssuer stores a new issued passport per call, with an
// idempotency key, for 100 citizens in turn: validation, the idempotency
// and reference look-ups, sealing, one transaction, and an audit event.
func BenchmarkUpsertFromIssuer(b *testing.B) {
	ctx := context.Background()
	for _, db := range benchDBs() {
		b.Run(db.name, func(b *testing.B) {
			e := newEnv(b, db.open(b), vault.Options{})
			raw := example(b, "passport_ru", nil)
			sig := jws(raw)
			citizens := make([]string, 100)
			for i := range citizens {
				citizens[i] = e.citizen(b, fmt.Sprintf("c_bench%d", i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for b.Loop() {
				n++
				ref := fmt.Sprintf("ref-%d", n)
				if _, _, err := e.svc.UpsertFromIssuer(ctx, "iss_mvd", citizens[n%len(citizens)], "passport_ru", raw, sig, ref, "key-"+ref); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
