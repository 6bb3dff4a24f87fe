-- Central appraisal database, schema 5: what central heard of each kiosk's
-- hash chain besides its rows. store/postgres/migrations holds the same
-- logical schema for PostgreSQL (its schema 6): change both together.

-- Every distinct signed head central heard of, and from where: the kiosk's
-- own reports (sync attempts, heartbeats, batches), citizens' phones
-- (witness) and offline files. Later rows that contradict one are a fork.
CREATE TABLE kiosk_heads (
	kiosk_id    TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	hash        TEXT NOT NULL,
	source      TEXT NOT NULL CHECK (source IN ('sync', 'witness', 'file')),
	received_at TEXT NOT NULL,
	PRIMARY KEY (kiosk_id, seq, hash, source)
);

-- The kiosks' signed segment statements (a break the kiosk would not sign
-- over, a restore from a backup). seq is the segment's own place in the
-- chain; skip_from..seq are no one's gap.
CREATE TABLE kiosk_segments (
	kiosk_id    TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('break', 'restore')),
	prev_seq    INTEGER NOT NULL,
	prev_hash   TEXT NOT NULL,
	found_seq   INTEGER NOT NULL,
	found_hash  TEXT NOT NULL,
	central_seq INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	hash        TEXT NOT NULL,
	signature   TEXT NOT NULL,
	received_at TEXT NOT NULL,
	skip_from   INTEGER NOT NULL,
	PRIMARY KEY (kiosk_id, seq)
);

-- When the kiosk was first registered ('' unknown: registered again after
-- central was restored): responses made before it are flagged clock.
ALTER TABLE kiosks ADD COLUMN registered_at TEXT NOT NULL DEFAULT '';
UPDATE kiosks SET registered_at = created_at;
