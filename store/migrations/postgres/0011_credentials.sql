-- Digital ID credentials (package credential): the Token Status Lists the
-- platform publishes at /status/{id}, and one row per allocated index
-- saying whose credential holds it (citizen, device, source document,
-- attestation type) so a revoked document or a blocked device finds its
-- indexes. The credentials themselves are never stored. A list's bits are
-- not stored either: an index is revoked (bit 1) when its row has
-- revoked_at. Rows are never deleted, so an index is never handed out
-- twice. revision counts revocations, telling instances to re-sign.
-- Times are RFC 3339 text (UTC, µs).
CREATE TABLE credential_status_lists (
	id BIGINT PRIMARY KEY,
	bits INTEGER NOT NULL,
	size INTEGER NOT NULL,
	allocated INTEGER NOT NULL,
	revision BIGINT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE credential_status_entries (
	list_id BIGINT NOT NULL REFERENCES credential_status_lists (id),
	idx INTEGER NOT NULL,
	citizen_id TEXT NOT NULL,
	device_id TEXT NOT NULL,
	source_doc_id TEXT NOT NULL,
	type TEXT NOT NULL,
	issued_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	valid_until TEXT,
	revoked_at TEXT,
	PRIMARY KEY (list_id, idx)
);
CREATE INDEX credential_status_entries_citizen ON credential_status_entries (citizen_id, revoked_at);
CREATE INDEX credential_status_entries_device ON credential_status_entries (device_id, revoked_at);
CREATE INDEX credential_status_entries_source ON credential_status_entries (source_doc_id, revoked_at);
CREATE INDEX credential_status_entries_valid ON credential_status_entries (valid_until) WHERE revoked_at IS NULL;
CREATE INDEX credential_status_entries_live ON credential_status_entries (expires_at) WHERE revoked_at IS NULL;
CREATE INDEX credential_status_entries_revoked ON credential_status_entries (list_id, idx) WHERE revoked_at IS NOT NULL;
