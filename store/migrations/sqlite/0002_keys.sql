-- Keys: the KeyStore's records (package keys). A private key is never stored
-- in plaintext: the file backend keeps it sealed under the master key
-- (sealed), the pkcs11 backend keeps only the HSM object's label and id.
CREATE TABLE keys (
	id TEXT PRIMARY KEY,
	purpose TEXT NOT NULL CHECK (purpose IN ('sign', 'wrap')),
	alg TEXT NOT NULL,
	backend TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('active', 'retired')),
	created_at TEXT NOT NULL,
	retired_at TEXT,
	expires_at TEXT,
	public_key BLOB, -- PKIX DER; NULL for wrapping keys
	sealed BLOB, -- file backend: AES-256-GCM under the master key
	hsm_label TEXT, -- pkcs11 backend: CKA_LABEL
	hsm_id BLOB, -- pkcs11 backend: CKA_ID
	CHECK ((state = 'active') = (retired_at IS NULL))
);

-- At most one active key per (purpose, alg), enforced by the database so that
-- instances starting at once on one database cannot both create one.
CREATE UNIQUE INDEX keys_one_active ON keys (purpose, alg) WHERE state = 'active';

-- Named platform secrets (audit MAC key, SMS outbox key), wrapped by a
-- wrapping key.
CREATE TABLE secrets (
	name TEXT PRIMARY KEY,
	key_id TEXT NOT NULL REFERENCES keys (id),
	ciphertext BLOB NOT NULL,
	created_at TEXT NOT NULL
);
