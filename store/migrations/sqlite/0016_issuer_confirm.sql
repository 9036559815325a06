-- Confirmation requests (package issuer, confirm.go): a citizen sends a
-- self-declared passport to the registries; an issuer allowed its type
-- confirms it (its own document then replaces the self-declared one) or
-- rejects it with a reason code. status is pending, confirmed, rejected or
-- cancelled; only a pending request changes, by a conditional UPDATE, and a
-- citizen has at most one pending request per type (partial unique index).
-- No personal data: the submitted fields stay sealed in the vault. Times
-- are RFC 3339 text (UTC, µs).
CREATE TABLE issuer_confirmations (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	document_id TEXT NOT NULL,
	type_id TEXT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	decided_by TEXT NOT NULL DEFAULT '',
	issuer_document_id TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	decided_at TEXT
);
CREATE UNIQUE INDEX issuer_confirmations_pending ON issuer_confirmations (citizen_id, type_id) WHERE status = 'pending';
CREATE INDEX issuer_confirmations_queue ON issuer_confirmations (status, type_id, created_at);
CREATE INDEX issuer_confirmations_citizen ON issuer_confirmations (citizen_id, created_at);
CREATE INDEX issuer_confirmations_document ON issuer_confirmations (citizen_id, document_id, created_at);
