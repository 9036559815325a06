package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/digitalid/digitalid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect names the SQL database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database with its schema migrated. It is safe for concurrent
// use, and several processes may share one PostgreSQL database.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	dsn     string
	// writeMu serialises this process's SQLite write transactions. SQLite
	// allows one writer at a time anyway; queueing on a mutex instead of in
	// SQLite's busy handler (which sleeps up to 100 ms between retries) keeps
	// concurrent writers fast. Other processes still meet the busy timeout.
	writeMu sync.Mutex
	// Now is the clock used for timestamps the store itself sets.
	Now digitalid.Clock
}

// Options tune Open. The zero value is what `digitalid serve` uses.
type Options struct {
	// MaxOpenConns bounds the connection pool (0: 16 for PostgreSQL, 8 for SQLite).
	MaxOpenConns int
	// BusyTimeout is how long SQLite waits on a lock before failing (0: 10s).
	BusyTimeout time.Duration
	// SkipMigrate opens without applying migrations (used by `migrate --status`).
	SkipMigrate bool
}

// Open opens the database named by dsn and applies pending migrations.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL; anything
// else is a SQLite file path (its directory is created with mode 0700).
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db := &DB{dsn: dsn, Now: digitalid.SystemClock}
	var err error
	if IsPostgresDSN(dsn) {
		db.dialect = Postgres
		db.sql, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := opts.MaxOpenConns
		if n == 0 {
			n = 16
		}
		db.sql.SetMaxOpenConns(n)
		db.sql.SetMaxIdleConns(n)
		db.sql.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		db.dialect = SQLite
		if err := prepareSQLiteFile(dsn); err != nil {
			return nil, err
		}
		db.sql, err = sql.Open("sqlite", sqliteDSN(dsn, opts.BusyTimeout))
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		n := opts.MaxOpenConns
		if n == 0 {
			n = 8
		}
		db.sql.SetMaxOpenConns(n)
		db.sql.SetMaxIdleConns(n)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, digitalid.Wrap(digitalid.EUNAVAILABLE, err, "database is not reachable")
	}
	if db.dialect == SQLite {
		// The file may have been created just now by the driver; keep it private.
		if err := chmodSQLiteFiles(dsn); err != nil {
			db.sql.Close()
			return nil, err
		}
	}
	if !opts.SkipMigrate {
		if err := db.Migrate(ctx); err != nil {
			db.sql.Close()
			return nil, err
		}
	}
	return db, nil
}

// IsPostgresDSN reports whether dsn names a PostgreSQL database.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteDSN builds the modernc DSN: WAL so readers never block the writer,
// synchronous=FULL so a committed write survives even an OS crash, foreign
// keys on, a busy timeout, and immediate transactions so that a transaction
// takes the write lock at BEGIN instead of failing to upgrade later.
func sqliteDSN(path string, busy time.Duration) string {
	if busy == 0 {
		busy = 10 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func prepareSQLiteFile(path string) error {
	if path == "" {
		return digitalid.Errorf(digitalid.EINVALID, "empty database path")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create database directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

func chmodSQLiteFiles(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restrict database file: %w", err)
		}
	}
	return nil
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the connection pool.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers; /readyz calls it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return digitalid.Wrap(digitalid.EUNAVAILABLE, err, "database is not reachable")
	}
	var one int
	if err := db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return digitalid.Wrap(digitalid.EUNAVAILABLE, err, "database is not answering")
	}
	return nil
}

// SQL exposes the pool for tests that must reach under the store (for example
// to tamper with audit rows) and for the backup command. Domain code never
// calls it.
func (db *DB) SQL() *sql.DB { return db.sql }

// querier is what both *sql.DB and *sql.Tx offer; store methods take one so the
// same code runs inside and outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q rebinds a query written with "?" placeholders for the dialect.
func (db *DB) q(query string) string { return rebind(db.dialect, query) }

func (db *DB) exec(ctx context.Context, x querier, query string, args ...any) (sql.Result, error) {
	return x.ExecContext(ctx, db.q(query), args...)
}

func (db *DB) query(ctx context.Context, x querier, query string, args ...any) (*sql.Rows, error) {
	return x.QueryContext(ctx, db.q(query), args...)
}

func (db *DB) queryRow(ctx context.Context, x querier, query string, args ...any) *sql.Row {
	return x.QueryRowContext(ctx, db.q(query), args...)
}

// rebind turns "?" placeholders into "$1", "$2", ... for PostgreSQL. It leaves
// question marks inside single-quoted literals alone.
func rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
