-- Central appraisal database, schema 4: issued documents and when a
-- follow-up action was done. Each evidence or SKM report PDF central issues
-- is recorded with its SHA-256, central's Ed25519 signature and the figures
-- it printed (JSON), so that its public verification page can tell whether a
-- file is the one issued and whether the figures still match the data
-- (docs/reports-api.md). The PDF itself is not kept. rtl_actions.done_at
-- dates the change to status done (NULL otherwise): the speed of follow-up
-- on the SKM report. store/postgres/migrations holds the same logical schema
-- for PostgreSQL: change both together.
CREATE TABLE issued_documents (
	id             TEXT PRIMARY KEY,
	kind           TEXT NOT NULL CHECK (kind IN ('evidence', 'skm')),
	office_id      INTEGER NOT NULL REFERENCES offices (id),
	period         TEXT NOT NULL,
	closed_through TEXT NOT NULL,
	nip            TEXT NOT NULL,
	subject        TEXT NOT NULL,
	issued_at      TEXT NOT NULL,
	issued_by      TEXT NOT NULL,
	sha256         TEXT NOT NULL,
	key_id         TEXT NOT NULL,
	signature      TEXT NOT NULL,
	figures        TEXT NOT NULL,
	figures_digest TEXT NOT NULL
);
CREATE INDEX issued_documents_office ON issued_documents (office_id, issued_at);

ALTER TABLE rtl_actions ADD COLUMN done_at TEXT;
UPDATE rtl_actions SET done_at = updated_at WHERE status = 'done';
