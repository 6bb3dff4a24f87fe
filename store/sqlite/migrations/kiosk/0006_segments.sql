-- Kiosk schema 6: signed segment statements in the hash chain. When the
-- writer finds a chain it cannot verify (a head whose signature fails, rows
-- past the signed head) it does not sign over it: it writes a break here,
-- with a sequence number of its own, and the next rating links to its hash.
-- A file restored from a backup, or found behind central, continues after
-- a restore segment. Sent to central with every head report.
CREATE TABLE chain_segments (
	seq         INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL CHECK (kind IN ('break', 'restore')),
	prev_seq    INTEGER NOT NULL,
	prev_hash   TEXT NOT NULL,
	found_seq   INTEGER NOT NULL,
	found_hash  TEXT NOT NULL,
	central_seq INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	hash        TEXT NOT NULL,
	signature   TEXT NOT NULL
);
