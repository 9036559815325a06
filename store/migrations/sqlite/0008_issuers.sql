-- Issuers (package issuer): authorities an operator registered, with the
-- vault document types each may issue (JSON array) and their public signing
-- keys (a JWKS, JSON); the ids of client assertions already used, kept
-- until they expire so a replay is refused on every instance; and the
-- citizen identifier index (keyed HMAC of a SNILS → citizen) that lets an
-- issuer address a citizen by SNILS. Times are RFC 3339 text (UTC, µs).
CREATE TABLE issuers (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	allowed_types TEXT NOT NULL,
	jwks TEXT NOT NULL,
	status TEXT NOT NULL,
	created_at TEXT NOT NULL,
	disabled_at TEXT
);

CREATE TABLE issuer_assertions (
	issuer_id TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
	jti TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	PRIMARY KEY (issuer_id, jti)
);
CREATE INDEX issuer_assertions_expires ON issuer_assertions (expires_at);

CREATE TABLE issuer_citizen_index (
	kind TEXT NOT NULL,
	mac BLOB NOT NULL,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (kind, mac)
);
CREATE INDEX issuer_citizen_index_citizen ON issuer_citizen_index (citizen_id);
