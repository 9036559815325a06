-- Identity proofing (package account, Proofing): single-use biometric
-- challenges (only the SHA-256 of the random value, bound to a citizen and a
-- session, spent by one atomic UPDATE) and the operator review queue of failed
-- video checks (no image, a score rounded to one decimal). Attempt counters
-- live in account_counters (factors biometric, biometric:video). Times are
-- RFC 3339 text (UTC, µs).
CREATE TABLE account_proofing_challenges (
	hash BLOB PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	session_id TEXT NOT NULL,
	purpose TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT
);
CREATE INDEX account_proofing_challenges_expires ON account_proofing_challenges (expires_at);

CREATE TABLE account_proofing_reviews (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL,
	reason TEXT NOT NULL,
	score REAL NOT NULL,
	status TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX account_proofing_reviews_status ON account_proofing_reviews (status, created_at);
