package store_test

import (
	"context"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func TestMigrateIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate (run %d): %v", i+1, err)
			}
		}
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatalf("MigrationStatus: %v", err)
		}
		if len(st) == 0 {
			t.Fatal("MigrationStatus: no migrations embedded")
		}
		for _, m := range st {
			if !m.Applied {
				t.Errorf("migration %04d_%s not applied", m.Version, m.Name)
			}
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}
