-- Kiosk schema 2: one-time visit codes and the bearer tokens of API clients.
-- Times are UTC text in survey.TimeLayout.

-- A visit is created when a staff member finishes serving a citizen. Its
-- signed token is a one-time QR code; used_at is set in the transaction that
-- stores the response through it, so a second use cannot slip through.
CREATE TABLE visits (
	id          TEXT PRIMARY KEY,
	nip         TEXT NOT NULL,
	code        TEXT NOT NULL,
	service     TEXT NOT NULL,
	issued_by   TEXT NOT NULL DEFAULT '',
	issued_at   TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	used_at     TEXT,
	response_id TEXT
);
CREATE INDEX visits_issued ON visits (issued_at);
CREATE INDEX visits_nip ON visits (nip, issued_at);

-- Bearer tokens of API clients (a queue system at a counter). Only the
-- SHA-256 of a token is stored: a reader of this file cannot use them.
CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	role       TEXT NOT NULL,
	nip        TEXT NOT NULL DEFAULT '',
	label      TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0
);
