-- Audit log (package audit): append-only events, hash-chained per chain (a
-- citizen id, or 'system'), and one head per chain recording its last link
-- under a MAC. Nothing updates or deletes audit_events.
--
-- Chain ids and objects use the "C" collation: `audit verify` merges streams
-- ordered by the database with Go's byte-wise string order.
CREATE TABLE audit_events (
	id TEXT PRIMARY KEY,
	chain TEXT COLLATE "C" NOT NULL,
	seq BIGINT NOT NULL,
	at TEXT NOT NULL,
	actor_type TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	action TEXT NOT NULL,
	object TEXT COLLATE "C" NOT NULL,
	result TEXT NOT NULL,
	ip TEXT NOT NULL,
	request_id TEXT NOT NULL,
	details TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL,
	UNIQUE (chain, seq)
);

-- The system chain's record of every chain opened, read in chain order by
-- `audit verify`; the predicate must match store/audit.go ChainOpenings.
CREATE INDEX audit_events_opened ON audit_events (object)
	WHERE chain = 'system' AND action = 'chain.opened';

CREATE TABLE audit_heads (
	chain TEXT COLLATE "C" PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	mac TEXT NOT NULL
);
