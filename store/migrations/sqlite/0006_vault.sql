-- Vault (package vault): citizens' data keys, documents, scans and issuer
-- idempotency records. Contents are stored only as AES-256-GCM ciphertexts
-- under the citizen's data key, each bound to its row (ids, type, version) as
-- associated data; the data key itself is stored only wrapped by the
-- KeyStore. What stays in clear is metadata for operator counts: type,
-- version, source, issuer id, expiry date, times. An issuer's own reference
-- for a document and idempotency keys are keyed HMACs (issuer_ref, key_mac),
-- so a reference that is really a passport number cannot be read back.
--
-- A shredded citizen keeps a tombstone row (wrapped NULL, shredded_at set)
-- so that a late issuer push cannot give them a new key; deleting the
-- citizen deletes it.
CREATE TABLE vault_citizen_keys (
	citizen_id TEXT PRIMARY KEY REFERENCES account_citizens (id) ON DELETE CASCADE,
	key_id TEXT REFERENCES keys (id),
	wrapped BLOB,
	created_at TEXT NOT NULL,
	shredded_at TEXT,
	CHECK ((shredded_at IS NULL) = (wrapped IS NOT NULL AND key_id IS NOT NULL))
);

CREATE TABLE vault_documents (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES vault_citizen_keys (citizen_id) ON DELETE CASCADE,
	type_id TEXT NOT NULL,
	version INTEGER NOT NULL,
	source TEXT NOT NULL CHECK (source IN ('issuer', 'self')),
	issuer_id TEXT NOT NULL,
	issuer_ref BLOB,
	expires_on TEXT,
	sealed BLOB NOT NULL,
	revision INTEGER NOT NULL,
	file_count INTEGER NOT NULL, -- rows in vault_files, so most reads skip that query
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	revoked_at TEXT,
	CHECK ((source = 'issuer') = (issuer_ref IS NOT NULL AND issuer_id <> '')),
	UNIQUE (issuer_id, issuer_ref)
);
CREATE INDEX vault_documents_citizen ON vault_documents (citizen_id, created_at);
CREATE INDEX vault_documents_counts ON vault_documents (type_id, source);

CREATE TABLE vault_files (
	id TEXT PRIMARY KEY,
	document_id TEXT NOT NULL REFERENCES vault_documents (id) ON DELETE CASCADE,
	citizen_id TEXT NOT NULL,
	seq INTEGER NOT NULL,
	media_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	name_sealed BLOB NOT NULL,
	content_sealed BLOB NOT NULL,
	created_at TEXT NOT NULL,
	UNIQUE (document_id, seq)
);
CREATE INDEX vault_files_citizen ON vault_files (citizen_id);

-- An issuer's idempotency keys, kept until expires_at; a later call with a
-- live key and another request_mac is refused.
CREATE TABLE vault_idempotency (
	issuer_id TEXT NOT NULL,
	key_mac BLOB NOT NULL,
	request_mac BLOB NOT NULL,
	document_id TEXT NOT NULL REFERENCES vault_documents (id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	PRIMARY KEY (issuer_id, key_mac)
);
CREATE INDEX vault_idempotency_expires ON vault_idempotency (expires_at);
CREATE INDEX vault_idempotency_document ON vault_idempotency (document_id);
