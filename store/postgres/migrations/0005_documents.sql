-- Central appraisal database, schema 5, for PostgreSQL: issued documents and
-- when a follow-up action was done. Each evidence or SKM report PDF central
-- issues is recorded with its SHA-256, central's Ed25519 signature and the
-- figures it printed, so that its public verification page can tell whether
-- a file is the one issued and whether the figures still match the data
-- (docs/reports-api.md). The PDF itself is not kept. rtl_actions.done_at
-- dates the change to status done (NULL otherwise): the speed of follow-up
-- on the SKM report. store/sqlite/migrations holds the same logical schema
-- (its schema 4): change both together.
CREATE TABLE issued_documents (
	id             text PRIMARY KEY,
	kind           text NOT NULL CHECK (kind IN ('evidence', 'skm')),
	office_id      bigint NOT NULL REFERENCES offices (id),
	period         text NOT NULL,
	closed_through text NOT NULL,
	nip            text NOT NULL,
	subject        text NOT NULL,
	issued_at      timestamptz NOT NULL,
	issued_by      text NOT NULL,
	sha256         text NOT NULL,
	key_id         text NOT NULL,
	signature      text NOT NULL,
	figures        jsonb NOT NULL,
	figures_digest text NOT NULL
);
CREATE INDEX issued_documents_office ON issued_documents (office_id, issued_at);

ALTER TABLE rtl_actions ADD COLUMN done_at timestamptz;
UPDATE rtl_actions SET done_at = updated_at WHERE status = 'done';
