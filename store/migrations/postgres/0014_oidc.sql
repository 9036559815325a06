-- Relying parties (package oidc): the OAuth 2.0 / OpenID Connect clients an
-- operator registered (redirect URIs, scopes and required scopes as JSON
-- arrays, public keys as a JWKS, or a secret hash for development clients);
-- authorization requests in flight (pushed ones included), with the
-- authorization code only as a SHA-256 hash; the citizens' consents;
-- access and refresh tokens (refresh tokens only as hashes); and the ids of
-- client assertions already used, kept until they expire so that a replay
-- is refused on every instance. Times are RFC 3339 text (UTC, µs).
CREATE TABLE oidc_clients (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	logo_url TEXT NOT NULL,
	redirect_uris TEXT NOT NULL,
	post_logout_uris TEXT NOT NULL,
	scopes TEXT NOT NULL,
	required_scopes TEXT NOT NULL,
	auth_method TEXT NOT NULL,
	jwks TEXT NOT NULL,
	secret_hash BYTEA,
	consent_days INTEGER NOT NULL,
	status TEXT NOT NULL,
	created_at TEXT NOT NULL,
	disabled_at TEXT
);

CREATE TABLE oidc_requests (
	id TEXT PRIMARY KEY,
	client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	params TEXT NOT NULL,
	state TEXT NOT NULL,
	citizen_id TEXT REFERENCES account_citizens (id) ON DELETE CASCADE,
	consent_id TEXT,
	subject TEXT NOT NULL,
	granted TEXT NOT NULL,
	auth_time TEXT,
	code_hash BYTEA UNIQUE,
	code_used_at TEXT,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX oidc_requests_expires ON oidc_requests (expires_at);

CREATE TABLE oidc_consents (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	scopes TEXT NOT NULL,
	device_id TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	revoked_at TEXT
);
CREATE INDEX oidc_consents_citizen ON oidc_consents (citizen_id, created_at);

CREATE TABLE oidc_tokens (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	hash BYTEA UNIQUE,
	family TEXT NOT NULL,
	client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	consent_id TEXT NOT NULL REFERENCES oidc_consents (id) ON DELETE CASCADE,
	request_id TEXT NOT NULL,
	subject TEXT NOT NULL,
	scopes TEXT NOT NULL,
	auth_time TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT,
	revoked_at TEXT
);
CREATE INDEX oidc_tokens_consent ON oidc_tokens (consent_id);
CREATE INDEX oidc_tokens_family ON oidc_tokens (family);
CREATE INDEX oidc_tokens_request ON oidc_tokens (request_id);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);

CREATE TABLE oidc_assertions (
	client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	jti TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	PRIMARY KEY (client_id, jti)
);
CREATE INDEX oidc_assertions_expires ON oidc_assertions (expires_at);
