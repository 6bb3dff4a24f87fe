-- Central appraisal database, schema 6: the disclosure rule
-- (docs/reports-api.md). store/postgres/migrations holds the same logical
-- schema for PostgreSQL: change both together.

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
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL,             -- username, or "token N (label)"
	role      TEXT NOT NULL,
	via       TEXT NOT NULL,             -- page, export or api
	what      TEXT NOT NULL,             -- the report: office, appraisal, staff, summary.csv, ikm, ...
	office_id INTEGER NOT NULL DEFAULT 0,
	period    TEXT NOT NULL DEFAULT '',
	filter    TEXT NOT NULL DEFAULT '',  -- unit=…&counter=…&nip=…&service=…
	remote    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_access_at ON report_access (at);
CREATE INDEX report_access_office ON report_access (office_id, at);
