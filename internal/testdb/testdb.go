// Package testdb opens real, migrated, throwaway databases for tests: a
// SQLite file under t.TempDir() and a fresh PostgreSQL database (skipped, or
// failed under DIGITALID_REQUIRE_ALL=1, when no server is provisioned).
package testdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/store"
)

// SQLite opens a new SQLite database in a temporary directory.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "digitalid.db"))
}

// Postgres opens a new, empty PostgreSQL database on the test server.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, testenv.PostgresDSN(t))
}

// Open opens the database at dsn (which the caller created) and migrates it.
func Open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	return open(t, dsn)
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("store.Open(%s): %v", testenv.Redacted(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each runs fn as a subtest on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}
