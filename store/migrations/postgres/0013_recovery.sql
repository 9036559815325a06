-- Trusted contacts and account recovery (package recovery). A citizen
-- invites up to three adults by phone number; an invitation to a number
-- without an eligible account is stored inert (contact_id NULL) so the
-- inviter sees the same thing either way. A recovery request is approved by
-- one active contact with a one-time code texted to the contact's own phone
-- (recovery_codes: keyed HMAC, attempt-limited), then completed by the
-- citizen with a second check and a new PIN, which starts a cooling-off
-- period (recovery_cooling_off). Names are sealed (AES-256-GCM bound to the
-- row id), phones only as lookup keys, handles only as SHA-256 hashes.
-- Rows go with the citizen (ON DELETE CASCADE) when an account is purged.
CREATE TABLE recovery_contacts (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	contact_id TEXT REFERENCES account_citizens (id) ON DELETE CASCADE,
	phone_key BYTEA NOT NULL,
	name_sealed BYTEA NOT NULL,
	status TEXT NOT NULL,
	invited_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	accepted_at TEXT,
	ended_at TEXT,
	ended_by TEXT
);
CREATE INDEX recovery_contacts_citizen ON recovery_contacts (citizen_id, status);
CREATE INDEX recovery_contacts_contact ON recovery_contacts (contact_id, status);

CREATE TABLE recovery_requests (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	handle_hash BYTEA NOT NULL UNIQUE,
	reason TEXT NOT NULL,
	origin_sealed BYTEA NOT NULL,
	status TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	decided_by TEXT,
	decided_at TEXT,
	completed_at TEXT,
	check_method TEXT
);
-- Only one request per citizen may be open (or approved, not yet completed).
CREATE UNIQUE INDEX recovery_requests_one_open ON recovery_requests (citizen_id) WHERE status IN ('open', 'approved');
CREATE INDEX recovery_requests_expires ON recovery_requests (status, expires_at);

CREATE TABLE recovery_codes (
	request_id TEXT NOT NULL REFERENCES recovery_requests (id) ON DELETE CASCADE,
	contact_id TEXT NOT NULL REFERENCES recovery_contacts (id) ON DELETE CASCADE,
	code_hash BYTEA NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	failures INTEGER NOT NULL DEFAULT 0,
	sent INTEGER NOT NULL DEFAULT 1,
	used_at TEXT,
	PRIMARY KEY (request_id, contact_id)
);

CREATE TABLE recovery_cooling_off (
	citizen_id TEXT PRIMARY KEY REFERENCES account_citizens (id) ON DELETE CASCADE,
	until_at TEXT NOT NULL
);
