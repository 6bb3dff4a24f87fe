-- Kiosk buffer, schema 1. Times are UTC text in survey.TimeLayout.

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE staff (
	nip        TEXT PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	position   TEXT NOT NULL DEFAULT '',
	unit       TEXT NOT NULL DEFAULT '',
	counter    TEXT NOT NULL DEFAULT '',
	type       TEXT NOT NULL DEFAULT 'PNS' CHECK (type IN ('PNS', 'PPPK')),
	active     INTEGER NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL
);

CREATE TABLE staff_photos (
	nip        TEXT PRIMARY KEY REFERENCES staff (nip) ON DELETE CASCADE,
	jpeg       BLOB NOT NULL,
	etag       TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE services (
	code     TEXT PRIMARY KEY,
	name_id  TEXT NOT NULL,
	name_en  TEXT NOT NULL DEFAULT '',
	grp      TEXT NOT NULL DEFAULT '',
	active   INTEGER NOT NULL DEFAULT 1,
	position INTEGER NOT NULL DEFAULT 0
);

-- seq is the per-kiosk sequence number; it is assigned from chain_head, never
-- reused, so that retention deletes cannot make it restart.
CREATE TABLE responses (
	seq             INTEGER PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	nip             TEXT NOT NULL,
	service         TEXT NOT NULL,
	persyaratan     INTEGER NOT NULL CHECK (persyaratan BETWEEN 1 AND 4),
	prosedur        INTEGER NOT NULL CHECK (prosedur BETWEEN 1 AND 4),
	waktu           INTEGER NOT NULL CHECK (waktu BETWEEN 1 AND 4),
	biaya           INTEGER NOT NULL CHECK (biaya BETWEEN 1 AND 4),
	produk          INTEGER NOT NULL CHECK (produk BETWEEN 1 AND 4),
	kompetensi      INTEGER NOT NULL CHECK (kompetensi BETWEEN 1 AND 4),
	perilaku        INTEGER NOT NULL CHECK (perilaku BETWEEN 1 AND 4),
	pengaduan       INTEGER NOT NULL CHECK (pengaduan BETWEEN 1 AND 4),
	sarana          INTEGER NOT NULL CHECK (sarana BETWEEN 1 AND 4),
	comment         TEXT NOT NULL DEFAULT '',
	age_band        TEXT NOT NULL DEFAULT '',
	sex             TEXT NOT NULL DEFAULT '',
	education       TEXT NOT NULL DEFAULT '',
	occupation      TEXT NOT NULL DEFAULT '',
	channel         TEXT NOT NULL,
	verified        INTEGER NOT NULL DEFAULT 0,
	visit_id        TEXT NOT NULL DEFAULT '',
	flags           TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT UNIQUE,
	content_hash    TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	prev_hash       TEXT NOT NULL,
	hash            TEXT NOT NULL,
	synced_at       TEXT,
	-- Why central refused the response (a conflict); such rows are not sent
	-- again and are kept as evidence rather than deleted by retention.
	refused_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX responses_pending ON responses (seq) WHERE synced_at IS NULL;
CREATE INDEX responses_created ON responses (created_at);
CREATE INDEX responses_synced ON responses (synced_at) WHERE synced_at IS NOT NULL;

-- The head of the hash chain: the last sequence number handed out and its hash.
CREATE TABLE chain_head (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	seq       INTEGER NOT NULL,
	hash      TEXT NOT NULL,
	signature TEXT NOT NULL DEFAULT ''
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL,
	nip           TEXT NOT NULL DEFAULT '',
	office_id     INTEGER NOT NULL DEFAULT 0,
	active        INTEGER NOT NULL DEFAULT 1,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);

CREATE TABLE audit_log (
	id       INTEGER PRIMARY KEY,
	at       TEXT NOT NULL,
	username TEXT NOT NULL,
	action   TEXT NOT NULL,
	detail   TEXT NOT NULL DEFAULT '',
	remote   TEXT NOT NULL DEFAULT ''
);

-- Every sync run, so the office can show what left and what central confirmed.
CREATE TABLE sync_runs (
	id          INTEGER PRIMARY KEY,
	started_at  TEXT NOT NULL,
	finished_at TEXT NOT NULL DEFAULT '',
	result      TEXT NOT NULL DEFAULT '',
	message     TEXT NOT NULL DEFAULT '',
	buffered    INTEGER NOT NULL DEFAULT 0,
	sent        INTEGER NOT NULL DEFAULT 0,
	stored      INTEGER NOT NULL DEFAULT 0,
	duplicates  INTEGER NOT NULL DEFAULT 0,
	refused     INTEGER NOT NULL DEFAULT 0,
	pending     INTEGER NOT NULL DEFAULT 0
);
