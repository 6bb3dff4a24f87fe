-- Central schema 7: follow-up cases opened from kiosks' tracking codes.
-- store/postgres/migrations holds the same logical schema: change both.
-- A case holds no contact (that stays on the kiosk): the code the citizen
-- was shown, the rating it refers to, the low elements that opened it, and
-- what the office did (action, internal) and answered (answer, public).
-- Times are UTC text in survey.TimeLayout; answered_at is '' until answered.
CREATE TABLE followup_cases (
	id          INTEGER PRIMARY KEY,
	code        TEXT NOT NULL UNIQUE,
	office_id   INTEGER NOT NULL REFERENCES offices (id),
	kiosk_id    TEXT NOT NULL,
	response_id TEXT NOT NULL UNIQUE,
	nip         TEXT NOT NULL,
	service     TEXT NOT NULL,
	elements    TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('received', 'in_progress', 'answered')),
	action      TEXT NOT NULL DEFAULT '',
	answer      TEXT NOT NULL DEFAULT '',
	opened_at   TEXT NOT NULL,
	due_at      TEXT NOT NULL,
	answered_at TEXT NOT NULL DEFAULT '',
	updated_at  TEXT NOT NULL,
	updated_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX followup_cases_office ON followup_cases (office_id, opened_at);
CREATE INDEX followup_cases_due ON followup_cases (status, due_at);

-- The survey's regional languages: Basa Jawa (jv) and Basa Sunda (su).
-- SQLite cannot change a CHECK constraint: the table is rebuilt.
CREATE TABLE wording_new (
	office_id INTEGER NOT NULL REFERENCES offices (id),
	lang      TEXT NOT NULL CHECK (lang IN ('id', 'en', 'jv', 'su')),
	json      TEXT NOT NULL,
	PRIMARY KEY (office_id, lang)
);
INSERT INTO wording_new (office_id, lang, json) SELECT office_id, lang, json FROM wording;
DROP TABLE wording;
ALTER TABLE wording_new RENAME TO wording;
