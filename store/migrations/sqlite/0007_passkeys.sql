-- Passkeys (package account): WebAuthn credentials of a citizen, each bound
-- to the device it was registered on (blocking the device disables it), and
-- the ceremonies in flight between begin and finish, kept here so that any
-- instance can finish them. credential is the public key and flags and
-- data the library's ceremony state (challenge, user handle, allowed ids),
-- both JSON written by package account; names are sealed like device names.
-- A removed passkey keeps its row (removed_at) so its credential id stays
-- known and refused. Times are RFC 3339 text (UTC, microseconds).
CREATE TABLE account_passkeys (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	device_id TEXT NOT NULL REFERENCES account_devices (id) ON DELETE CASCADE,
	credential_id BLOB NOT NULL UNIQUE,
	user_handle BLOB NOT NULL,
	credential BLOB NOT NULL,
	name_sealed BLOB NOT NULL,
	sign_count INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	last_used_at TEXT,
	removed_at TEXT
);
CREATE INDEX account_passkeys_citizen ON account_passkeys (citizen_id, created_at);
CREATE INDEX account_passkeys_device ON account_passkeys (device_id);

-- kind is register, login or reauth; session_id binds register and reauth
-- ceremonies to a session, citizen_id names whose passkeys one allows.
CREATE TABLE account_passkey_ceremonies (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	session_id TEXT NOT NULL DEFAULT '',
	citizen_id TEXT NOT NULL DEFAULT '',
	data BLOB NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX account_passkey_ceremonies_expires ON account_passkey_ceremonies (expires_at);
