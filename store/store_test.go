package store_test

import (
	"context"
	"testing"

	"github.com/digitalid/digitalid"
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

// TestTextPostgresRefusesIsInvalid: an id that is not text (invalid UTF-8,
// NUL) is the client's mistake on both databases — EINVALID where
// PostgreSQL refuses the bytes, ENOTFOUND where SQLite finds nothing —
// never an unclassified error that becomes a 500.
func TestTextPostgresRefusesIsInvalid(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for _, id := range []string{"c_\xff", "c_\x00", "\xc3\x28"} {
			_, err := db.CitizenByID(context.Background(), id)
			switch code := digitalid.ErrorCode(err); {
			case db.Dialect() == store.Postgres && code != digitalid.EINVALID,
				db.Dialect() == store.SQLite && code != digitalid.ENOTFOUND:
				t.Errorf("CitizenByID(%q) = %v (code %q), want EINVALID on PostgreSQL, ENOTFOUND on SQLite", id, err, code)
			}
		}
	})
}
