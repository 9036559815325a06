-- Portrait links of online checks (package present): after a valid online
-- check the verifier gets a short-lived URL for the citizen's portrait
-- instead of the photo itself. The link's random token is kept only as a
-- SHA-256 hash, bound to the verifier that made the check, valid 2
-- minutes and good for a few reads (reads counted by one conditional
-- UPDATE, so instances sharing the database agree). handle_id names the
-- check for the audit log. Times are RFC 3339 text (UTC, µs).
CREATE TABLE present_portraits (
	hash BLOB PRIMARY KEY,
	handle_id TEXT NOT NULL,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	verifier_id TEXT NOT NULL,
	purpose TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	reads INTEGER NOT NULL
);
CREATE INDEX present_portraits_expires ON present_portraits (expires_at);
CREATE INDEX present_portraits_citizen ON present_portraits (citizen_id);
