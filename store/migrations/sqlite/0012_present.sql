-- Digital ID presentations (package present): verifiers an operator
-- registered, with the purposes each may ask for (JSON array) and the keyed
-- hash of their API secret; scanner-staff sessions (hash of the cookie
-- token); and the online QR handles, kept only as a SHA-256 hash, single
-- use (used_at set by one conditional UPDATE, so exactly one redeem wins on
-- any number of instances), valid 30 seconds. Times are RFC 3339 text
-- (UTC, µs).
CREATE TABLE present_verifiers (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	purposes TEXT NOT NULL,
	secret_hash BLOB NOT NULL,
	status TEXT NOT NULL,
	created_at TEXT NOT NULL,
	disabled_at TEXT,
	rotated_at TEXT
);

CREATE TABLE present_verifier_sessions (
	token_hash BLOB PRIMARY KEY,
	verifier_id TEXT NOT NULL REFERENCES present_verifiers (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX present_verifier_sessions_expires ON present_verifier_sessions (expires_at);

CREATE TABLE present_handles (
	hash BLOB PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	session_id TEXT NOT NULL,
	device_id TEXT NOT NULL,
	purpose TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT,
	used_by TEXT
);
CREATE INDEX present_handles_expires ON present_handles (expires_at);
CREATE INDEX present_handles_citizen ON present_handles (citizen_id);
