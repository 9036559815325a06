-- Core: a key/value table for instance-wide settings (for example the schema's
-- creation time). Later migrations add one table set per domain.
CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
