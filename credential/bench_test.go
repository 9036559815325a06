package credential_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/credential/credentialtest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func eachDB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, testdb.Postgres(b)) })
}

// BenchmarkIssueBatch10 issues batches of 10 age_over_18 credentials to one
// device: eligibility and derivation (vault reads), 10 index allocations in
// one transaction, 10 ES256 signatures, the audit event.
func BenchmarkIssueBatch10(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(b, db)
		c := e.Adult(b, "1990-05-05")
		_, pub := credentialtest.HolderKeys(b, 10)
		b.ResetTimer()
		for b.Loop() {
			if _, err := e.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.AgeOver18, pub); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "credentials/s")
	})
}

// BenchmarkStatusListRegenerate re-signs a status list of 131,072 entries
// of which 100,000 are allocated and 10,000 revoked: reading the revoked
// indexes, setting the bits, compressing and signing.
func BenchmarkStatusListRegenerate(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(b, db)
		now := e.Clock.Now()
		credentialtest.Must(b, "CreateStatusList", db.CreateStatusList(ctx, credential.StatusList{ID: 1, Bits: 1, Size: credential.DefaultStatusListSize, CreatedAt: now, UpdatedAt: now}))
		const total, chunk = 100_000, 5_000
		perm := rand.New(rand.NewPCG(1, 2)).Perm(credential.DefaultStatusListSize)
		for start := 0; start < total; start += chunk {
			es := make([]credential.StatusEntry, chunk)
			for i := range es {
				idx := start + i
				es[i] = credential.StatusEntry{ListID: 1, Idx: perm[idx], CitizenID: fmt.Sprintf("c_%d", idx%10),
					DeviceID: "d", SourceDocID: "doc", Type: credential.AgeOver18, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
			}
			if _, err := db.InsertStatusEntries(ctx, es); err != nil {
				b.Fatal(err)
			}
		}
		if n, err := db.RevokeStatusEntries(ctx, credential.RevokeFilter{CitizenID: "c_3"}, now); err != nil || n != total/10 {
			b.Fatalf("RevokeStatusEntries = %d, %v", n, err)
		}
		var size int
		b.ResetTimer()
		for b.Loop() {
			e.Clock.Add(credential.DefaultStatusTTL) // the cached token is stale: sign again
			tok, err := e.Svc.StatusToken(ctx, 1)
			if err != nil {
				b.Fatal(err)
			}
			size = len(tok.Token)
		}
		b.ReportMetric(float64(size), "token-bytes")
	})
}

// BenchmarkVerifyOffline checks one age_over_18 presentation against the
// platform's own keys and status list (read from the database each call).
func BenchmarkVerifyOffline(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(b, db)
		c := e.Adult(b, "1990-05-05")
		priv, pub := credentialtest.HolderKeys(b, 1)
		batch, err := e.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.AgeOver18, pub)
		credentialtest.Must(b, "Issue", err)
		payload := credentialtest.Present(b, batch.Credentials[0], priv[0], credential.AgeOver18, e.Clock.Now())
		b.ResetTimer()
		for b.Loop() {
			if r := e.Svc.VerifyOffline(ctx, payload, credential.AgeOver18, nil); !r.Valid() {
				b.Fatalf("VerifyOffline = %s %s", r.Outcome, r.Reason)
			}
		}
	})
}
