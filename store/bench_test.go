package store_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
)

// The store benchmarks measure one committed single-row insert and one
// indexed read, on each database, through the store's own methods (the
// outbox table: a typical narrow row with an indexed lookup key). Figures are
// in docs/benchmarks.md.

func eachDB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, testdb.Postgres(b)) })
}

func sealedMessage(i int, recipient []byte) sms.SealedMessage {
	body := make([]byte, 64)
	rand.Read(body)
	return sms.SealedMessage{ID: fmt.Sprintf("bench-%d-%x", i, body[:4]), Purpose: "otp", ToMAC: recipient,
		To: body[:28], Body: body, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
}

func BenchmarkInsert(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		recipient := make([]byte, 32)
		rand.Read(recipient)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := db.InsertOutboxSMS(ctx, sealedMessage(i, recipient)); err != nil {
				b.Fatalf("InsertOutboxSMS: %v", err)
			}
		}
	})
}

func BenchmarkInsertParallel(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			recipient := make([]byte, 32)
			rand.Read(recipient)
			i := 0
			for pb.Next() {
				i++
				if err := db.InsertOutboxSMS(ctx, sealedMessage(i, recipient)); err != nil {
					b.Errorf("InsertOutboxSMS: %v", err)
					return
				}
			}
		})
	})
}

// BenchmarkRead looks up the latest message of one recipient among 10,000
// rows of 1,000 recipients: an index range scan returning one row.
func BenchmarkRead(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		var recipients [][]byte
		for r := 0; r < 1000; r++ {
			k := make([]byte, 32)
			rand.Read(k)
			recipients = append(recipients, k)
		}
		for i := 0; i < 10000; i++ {
			if err := db.InsertOutboxSMS(ctx, sealedMessage(i, recipients[i%len(recipients)])); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			got, err := db.ListOutboxSMS(ctx, sms.OutboxQuery{ToMAC: recipients[i%len(recipients)], Limit: 1})
			if err != nil || len(got) != 1 {
				b.Fatalf("ListOutboxSMS = %d rows, %v", len(got), err)
			}
		}
	})
}
