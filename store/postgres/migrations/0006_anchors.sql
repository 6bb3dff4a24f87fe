-- Central appraisal database, schema 6, for PostgreSQL: what central heard
-- of each kiosk's hash chain besides its rows. store/sqlite/migrations holds
-- the same logical schema (its schema 5): change both together.

-- Every distinct signed head central heard of, and from where: the kiosk's
-- own reports (sync attempts, heartbeats, batches), citizens' phones
-- (witness) and offline files. Later rows that contradict one are a fork.
CREATE TABLE kiosk_heads (
	kiosk_id    text NOT NULL,
	seq         bigint NOT NULL,
	hash        text NOT NULL,
	source      text NOT NULL CHECK (source IN ('sync', 'witness', 'file')),
	received_at timestamptz NOT NULL,
	PRIMARY KEY (kiosk_id, seq, hash, source)
);

-- The kiosks' signed segment statements (a break the kiosk would not sign
-- over, a restore from a backup). seq is the segment's own place in the
-- chain; skip_from..seq are no one's gap.
CREATE TABLE kiosk_segments (
	kiosk_id    text NOT NULL,
	seq         bigint NOT NULL,
	kind        text NOT NULL CHECK (kind IN ('break', 'restore')),
	prev_seq    bigint NOT NULL,
	prev_hash   text NOT NULL,
	found_seq   bigint NOT NULL,
	found_hash  text NOT NULL,
	central_seq bigint NOT NULL,
	reason      text NOT NULL,
	created_at  timestamptz NOT NULL,
	hash        text NOT NULL,
	signature   text NOT NULL,
	received_at timestamptz NOT NULL,
	skip_from   bigint NOT NULL,
	PRIMARY KEY (kiosk_id, seq)
);

-- When the kiosk was first registered (NULL unknown: registered again after
-- central was restored): responses made before it are flagged clock.
ALTER TABLE kiosks ADD COLUMN registered_at timestamptz;
UPDATE kiosks SET registered_at = created_at;
