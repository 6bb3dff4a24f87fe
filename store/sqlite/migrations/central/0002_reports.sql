-- Central appraisal database, schema 2: appraisal reports. The follow-up plan
-- (Rencana Tindak Lanjut) of each office and period, and the written
-- responses staff members add to their own report. store/postgres/migrations
-- holds the same logical schema for PostgreSQL: change both together.

-- A report period is written as its code: 2026-11 (month), 2026-Q4, 2026-S2,
-- 2026 (year) or FROM~TO (custom days, YYYY-MM-DD~YYYY-MM-DD).
CREATE TABLE rtl_actions (
	id         INTEGER PRIMARY KEY,
	office_id  INTEGER NOT NULL REFERENCES offices (id),
	period     TEXT NOT NULL,
	element    TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	owner      TEXT NOT NULL,
	due        TEXT NOT NULL,
	status     TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
	note       TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX rtl_actions_office_period ON rtl_actions (office_id, period, id);

-- Append-only: a statement is never edited; a later one may correct it.
CREATE TABLE staff_statements (
	id          INTEGER PRIMARY KEY,
	office_id   INTEGER NOT NULL REFERENCES offices (id),
	nip         TEXT NOT NULL,
	period      TEXT NOT NULL,
	text        TEXT NOT NULL,
	recorded_by TEXT NOT NULL,
	by_staff    INTEGER NOT NULL DEFAULT 0,
	created_at  TEXT NOT NULL
);
CREATE INDEX staff_statements_nip ON staff_statements (office_id, nip, period, id);
