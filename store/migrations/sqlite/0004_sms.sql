-- SMS: the development outbox (sms.Outbox). The number and the text are
-- AES-256-GCM ciphertexts bound to the message id; to_mac is a keyed
-- HMAC-SHA256 of the number, to find a recipient's messages without storing
-- the number in clear. seq orders messages stored in the same microsecond.
CREATE TABLE sms_outbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	purpose TEXT NOT NULL,
	to_mac BLOB NOT NULL,
	to_sealed BLOB NOT NULL,
	body_sealed BLOB NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX sms_outbox_to_mac ON sms_outbox (to_mac, created_at);
CREATE INDEX sms_outbox_created_at ON sms_outbox (created_at);
