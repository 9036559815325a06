-- Accounts (package account): citizens, PINs, attempt counters, one-time
-- codes, devices, sessions, per-address rate limits and the notification
-- inbox. No personal data in clear: a phone number is a keyed HMAC lookup key
-- plus an AES-256-GCM ciphertext bound to the row's id (so are the birth date
-- and device names); PINs are argon2id, codes keyed HMACs, tokens SHA-256,
-- client addresses keyed HMACs. Times are RFC 3339 text (UTC, microseconds).
CREATE TABLE account_citizens (
	id TEXT PRIMARY KEY,
	phone_key BLOB NOT NULL UNIQUE,
	phone_sealed BLOB NOT NULL,
	lang TEXT NOT NULL,
	assurance TEXT NOT NULL,
	birth_sealed BLOB,
	status TEXT NOT NULL,
	created_at TEXT NOT NULL,
	deleted_at TEXT
);

CREATE TABLE account_pins (
	citizen_id TEXT PRIMARY KEY REFERENCES account_citizens (id) ON DELETE CASCADE,
	hash TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- Attempt counters per (subject, factor): wrong PINs per citizen, wrong codes
-- per phone lookup key and purpose; also the row locked while counting the
-- codes sent to a number. Updated only under a row lock.
CREATE TABLE account_counters (
	subject TEXT NOT NULL,
	factor TEXT NOT NULL,
	failures INTEGER NOT NULL DEFAULT 0,
	window_start TEXT,
	locked_until TEXT,
	lockouts INTEGER NOT NULL DEFAULT 0,
	updated_at TEXT,
	PRIMARY KEY (subject, factor)
);

-- seq orders codes requested in the same microsecond: the newest is the
-- only one that can be entered.
CREATE TABLE account_otps (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	phone_key BLOB NOT NULL,
	phone_sealed BLOB NOT NULL,
	purpose TEXT NOT NULL,
	code_hash BLOB NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	failures INTEGER NOT NULL DEFAULT 0,
	used_at TEXT,
	proof_hash BLOB UNIQUE,
	proof_expires_at TEXT,
	proof_used_at TEXT
);
CREATE INDEX account_otps_phone ON account_otps (phone_key, created_at);
CREATE INDEX account_otps_newest ON account_otps (phone_key, purpose, seq);
CREATE INDEX account_otps_expires ON account_otps (expires_at);

CREATE TABLE account_devices (
	id TEXT PRIMARY KEY,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	token_hash BLOB NOT NULL UNIQUE,
	name_sealed BLOB NOT NULL,
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	blocked_at TEXT
);
CREATE INDEX account_devices_citizen ON account_devices (citizen_id, created_at);

CREATE TABLE account_sessions (
	id TEXT PRIMARY KEY,
	token_hash BLOB NOT NULL UNIQUE,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	device_id TEXT NOT NULL REFERENCES account_devices (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	reauth_at TEXT NOT NULL,
	ended_at TEXT,
	end_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX account_sessions_citizen ON account_sessions (citizen_id, created_at);
CREATE INDEX account_sessions_device ON account_sessions (device_id);
CREATE INDEX account_sessions_expires ON account_sessions (expires_at);

-- Fixed-window request counters per (bucket, keyed hash of the client
-- address, window start), incremented by one atomic upsert.
CREATE TABLE account_rate_limits (
	bucket TEXT NOT NULL,
	ip_key BLOB NOT NULL,
	window_start TEXT NOT NULL,
	hits INTEGER NOT NULL,
	expires_at TEXT NOT NULL,
	PRIMARY KEY (bucket, ip_key, window_start)
);
CREATE INDEX account_rate_limits_expires ON account_rate_limits (expires_at);

-- The inbox; params is a JSON object of ids and small numbers, never
-- personal data. seq orders notifications made in the same microsecond.
CREATE TABLE account_notifications (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	citizen_id TEXT NOT NULL REFERENCES account_citizens (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	params TEXT NOT NULL,
	created_at TEXT NOT NULL,
	read_at TEXT
);
CREATE INDEX account_notifications_citizen ON account_notifications (citizen_id, seq);
