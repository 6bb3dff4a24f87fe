-- Central appraisal database, schema 1. Times are UTC text in survey.TimeLayout;
-- days and nights are Asia/Jakarta dates (YYYY-MM-DD). store/postgres/migrations
-- holds the same logical schema for PostgreSQL: change both together.

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE offices (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

-- Central keeps only each kiosk's Ed25519 public key: nothing here lets a
-- reader of this file sign as a kiosk.
CREATE TABLE kiosks (
	id            TEXT PRIMARY KEY,
	office_id     INTEGER NOT NULL REFERENCES offices (id),
	public_key    BLOB NOT NULL,
	revoked       INTEGER NOT NULL DEFAULT 0,
	revoked_at    TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	last_seen_at  TEXT NOT NULL DEFAULT '',
	clock_skew_ms INTEGER NOT NULL DEFAULT 0,
	head_seq      INTEGER NOT NULL DEFAULT 0,
	head_hash     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX kiosks_office ON kiosks (office_id);

CREATE TABLE staff (
	office_id  INTEGER NOT NULL REFERENCES offices (id),
	nip        TEXT NOT NULL,
	name       TEXT NOT NULL,
	position   TEXT NOT NULL DEFAULT '',
	unit       TEXT NOT NULL DEFAULT '',
	counter    TEXT NOT NULL DEFAULT '',
	type       TEXT NOT NULL DEFAULT 'PNS' CHECK (type IN ('PNS', 'PPPK')),
	active     INTEGER NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (office_id, nip)
);

CREATE TABLE staff_photos (
	office_id INTEGER NOT NULL,
	nip       TEXT NOT NULL,
	jpeg      BLOB NOT NULL,
	etag      TEXT NOT NULL,
	PRIMARY KEY (office_id, nip),
	FOREIGN KEY (office_id, nip) REFERENCES staff (office_id, nip) ON DELETE CASCADE
);

CREATE TABLE services (
	office_id INTEGER NOT NULL REFERENCES offices (id),
	code      TEXT NOT NULL,
	name_id   TEXT NOT NULL,
	name_en   TEXT NOT NULL DEFAULT '',
	grp       TEXT NOT NULL DEFAULT '',
	active    INTEGER NOT NULL DEFAULT 1,
	position  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (office_id, code)
);

-- Survey wording overrides per office and language, as JSON keyed by element code.
CREATE TABLE wording (
	office_id INTEGER NOT NULL REFERENCES offices (id),
	lang      TEXT NOT NULL CHECK (lang IN ('id', 'en')),
	json      TEXT NOT NULL,
	PRIMARY KEY (office_id, lang)
);

-- Every uploaded response, stored once by id. Suspect ones are kept and
-- flagged, never dropped. No foreign keys: Ingest checks the kiosk under its
-- lock, and a per-row check would only slow the bulk insert.
CREATE TABLE responses (
	id            TEXT PRIMARY KEY,
	kiosk_id      TEXT NOT NULL,
	office_id     INTEGER NOT NULL,
	seq           INTEGER NOT NULL,
	nip           TEXT NOT NULL,
	service       TEXT NOT NULL,
	persyaratan     INTEGER NOT NULL CHECK (persyaratan BETWEEN 1 AND 4),
	prosedur        INTEGER NOT NULL CHECK (prosedur BETWEEN 1 AND 4),
	waktu           INTEGER NOT NULL CHECK (waktu BETWEEN 1 AND 4),
	biaya           INTEGER NOT NULL CHECK (biaya BETWEEN 1 AND 4),
	produk          INTEGER NOT NULL CHECK (produk BETWEEN 1 AND 4),
	kompetensi      INTEGER NOT NULL CHECK (kompetensi BETWEEN 1 AND 4),
	perilaku        INTEGER NOT NULL CHECK (perilaku BETWEEN 1 AND 4),
	pengaduan       INTEGER NOT NULL CHECK (pengaduan BETWEEN 1 AND 4),
	sarana          INTEGER NOT NULL CHECK (sarana BETWEEN 1 AND 4),
	comment       TEXT NOT NULL DEFAULT '',
	age_band      TEXT NOT NULL DEFAULT '',
	sex           TEXT NOT NULL DEFAULT '',
	education     TEXT NOT NULL DEFAULT '',
	occupation    TEXT NOT NULL DEFAULT '',
	channel       TEXT NOT NULL,
	verified      INTEGER NOT NULL DEFAULT 0,
	visit_id      TEXT NOT NULL DEFAULT '',
	flags         TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	received_at   TEXT NOT NULL,
	day           TEXT NOT NULL,
	unit          TEXT NOT NULL DEFAULT '',
	counter       TEXT NOT NULL DEFAULT '',
	unknown_staff INTEGER NOT NULL DEFAULT 0,
	suspect       INTEGER NOT NULL DEFAULT 0,
	prev_hash     TEXT NOT NULL,
	hash          TEXT NOT NULL,
	fingerprint   TEXT NOT NULL
);
-- Not unique: a reused sequence number is stored and flagged.
CREATE INDEX responses_kiosk_seq ON responses (kiosk_id, seq);
CREATE INDEX responses_office_created ON responses (office_id, created_at);
CREATE INDEX responses_nip_created ON responses (nip, created_at);

-- Per-day tallies maintained by Ingest, so that reports over millions of
-- responses sum a few thousand rows: n, and per element the sum of answers
-- and the count of each answer 1–4.
CREATE TABLE daily_rollups (
	office_id INTEGER NOT NULL,
	day       TEXT NOT NULL,
	unit      TEXT NOT NULL,
	counter   TEXT NOT NULL,
	nip       TEXT NOT NULL,
	service   TEXT NOT NULL,
	verified  INTEGER NOT NULL,
	suspect   INTEGER NOT NULL,
	n         INTEGER NOT NULL DEFAULT 0,
	persyaratan_sum INTEGER NOT NULL DEFAULT 0, persyaratan_1 INTEGER NOT NULL DEFAULT 0, persyaratan_2 INTEGER NOT NULL DEFAULT 0, persyaratan_3 INTEGER NOT NULL DEFAULT 0, persyaratan_4 INTEGER NOT NULL DEFAULT 0,
	prosedur_sum INTEGER NOT NULL DEFAULT 0, prosedur_1 INTEGER NOT NULL DEFAULT 0, prosedur_2 INTEGER NOT NULL DEFAULT 0, prosedur_3 INTEGER NOT NULL DEFAULT 0, prosedur_4 INTEGER NOT NULL DEFAULT 0,
	waktu_sum INTEGER NOT NULL DEFAULT 0, waktu_1 INTEGER NOT NULL DEFAULT 0, waktu_2 INTEGER NOT NULL DEFAULT 0, waktu_3 INTEGER NOT NULL DEFAULT 0, waktu_4 INTEGER NOT NULL DEFAULT 0,
	biaya_sum INTEGER NOT NULL DEFAULT 0, biaya_1 INTEGER NOT NULL DEFAULT 0, biaya_2 INTEGER NOT NULL DEFAULT 0, biaya_3 INTEGER NOT NULL DEFAULT 0, biaya_4 INTEGER NOT NULL DEFAULT 0,
	produk_sum INTEGER NOT NULL DEFAULT 0, produk_1 INTEGER NOT NULL DEFAULT 0, produk_2 INTEGER NOT NULL DEFAULT 0, produk_3 INTEGER NOT NULL DEFAULT 0, produk_4 INTEGER NOT NULL DEFAULT 0,
	kompetensi_sum INTEGER NOT NULL DEFAULT 0, kompetensi_1 INTEGER NOT NULL DEFAULT 0, kompetensi_2 INTEGER NOT NULL DEFAULT 0, kompetensi_3 INTEGER NOT NULL DEFAULT 0, kompetensi_4 INTEGER NOT NULL DEFAULT 0,
	perilaku_sum INTEGER NOT NULL DEFAULT 0, perilaku_1 INTEGER NOT NULL DEFAULT 0, perilaku_2 INTEGER NOT NULL DEFAULT 0, perilaku_3 INTEGER NOT NULL DEFAULT 0, perilaku_4 INTEGER NOT NULL DEFAULT 0,
	pengaduan_sum INTEGER NOT NULL DEFAULT 0, pengaduan_1 INTEGER NOT NULL DEFAULT 0, pengaduan_2 INTEGER NOT NULL DEFAULT 0, pengaduan_3 INTEGER NOT NULL DEFAULT 0, pengaduan_4 INTEGER NOT NULL DEFAULT 0,
	sarana_sum INTEGER NOT NULL DEFAULT 0, sarana_1 INTEGER NOT NULL DEFAULT 0, sarana_2 INTEGER NOT NULL DEFAULT 0, sarana_3 INTEGER NOT NULL DEFAULT 0, sarana_4 INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (office_id, day, unit, counter, nip, service, verified, suspect)
);

CREATE TABLE findings (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL,
	kiosk_id    TEXT NOT NULL,
	office_id   INTEGER NOT NULL,
	from_seq    INTEGER NOT NULL DEFAULT 0,
	to_seq      INTEGER NOT NULL DEFAULT 0,
	detail      TEXT NOT NULL DEFAULT '',
	detected_at TEXT NOT NULL
);
CREATE INDEX findings_kiosk ON findings (kiosk_id, id);
CREATE INDEX findings_office ON findings (office_id, id);

-- One row per Ingest call: the reconciliation receipts add them up per night.
CREATE TABLE batches (
	id          INTEGER PRIMARY KEY,
	batch_id    TEXT NOT NULL DEFAULT '',
	kiosk_id    TEXT NOT NULL,
	office_id   INTEGER NOT NULL,
	received_at TEXT NOT NULL,
	night       TEXT NOT NULL,
	buffered    INTEGER NOT NULL DEFAULT 0,
	sent        INTEGER NOT NULL DEFAULT 0,
	stored      INTEGER NOT NULL DEFAULT 0,
	duplicates  INTEGER NOT NULL DEFAULT 0,
	refused     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX batches_kiosk_night ON batches (kiosk_id, night, id);
CREATE INDEX batches_office_night ON batches (office_id, night);

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

-- Bearer tokens for the JSON API; only a hash of each token is stored.
CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	role       TEXT NOT NULL,
	office_id  INTEGER NOT NULL DEFAULT 0,
	label      TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0
);
