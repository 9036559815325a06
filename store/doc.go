// Package store is the storage adapter: it implements the storage interfaces
// that the domain packages (keys, audit, sms, and later account, vault, ...)
// define, on SQLite (modernc.org/sqlite, pure Go, WAL) and on PostgreSQL (pgx).
//
// One implementation serves both databases: queries are written once with "?"
// placeholders and rebound for PostgreSQL, and the few places where the SQL
// dialects differ ask the Dialect. Each database has its own migration folder
// (migrations/sqlite, migrations/postgres), embedded in the binary. The
// conformance suite in store/storetest runs every store method on both.
//
// Rows are not domain types: each file keeps private row structs and converts
// them at the boundary, translating sql.ErrNoRows into digitalid.ENOTFOUND and
// unique violations into digitalid.ECONFLICT.
package store
