-- Central appraisal database, schema 7, for PostgreSQL: the disclosure rule
-- (docs/reports-api.md). store/sqlite/migrations holds the same logical
-- schema (its schema 6): change both together.

-- Report queries read responses by report day (survey.ReportDay: the day a
-- rating was given, or the day it arrived when it arrived after its month
-- settled), as the rollups do; nothing else reads them by created_at.
DROP INDEX responses_office_created;
DROP INDEX responses_nip_created;
CREATE INDEX responses_office_day ON responses (office_id, day);
CREATE INDEX responses_nip_day ON responses (nip, day);

-- Every report query of a person or a token: who asked for what, when, so
-- that misuse can be traced. Only admins read it; rows older than
-- [reports] access_log_retention are deleted.
CREATE TABLE report_access (
	id        bigserial PRIMARY KEY,
	at        timestamptz NOT NULL,
	actor     text NOT NULL,             -- username, or "token N (label)"
	role      text NOT NULL,
	via       text NOT NULL,             -- page, export or api
	what      text NOT NULL,             -- the report: office, appraisal, staff, summary.csv, ikm, ...
	office_id bigint NOT NULL DEFAULT 0,
	period    text NOT NULL DEFAULT '',
	filter    text NOT NULL DEFAULT '',  -- unit=…&counter=…&nip=…&service=…
	remote    text NOT NULL DEFAULT ''
);
CREATE INDEX report_access_at ON report_access (at);
CREATE INDEX report_access_office ON report_access (office_id, at);
