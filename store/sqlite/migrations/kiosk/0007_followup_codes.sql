-- Kiosk schema 7: follow-up tracking codes and unfinished surveys.
-- Times are UTC text in survey.TimeLayout.

-- A tracking code shown on the thank-you page for a low rating whose
-- citizen agreed to be contacted. Only the code and the response's id go
-- to central, which opens a case; the contact stays in followups. status is
-- central's last answer about the code ('' before the first sync).
CREATE TABLE followup_codes (
	code        TEXT PRIMARY KEY,
	response_id TEXT NOT NULL UNIQUE,
	created_at  TEXT NOT NULL,
	status      TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT '',
	checked_at  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX followup_codes_created ON followup_codes (created_at);

-- Unfinished desk-tablet surveys kept by a reset when [kiosk] unfinished =
-- "keep_partial": apart from responses, so no IKM, report, export or sync
-- reads them. ratings is the JSON object of the answers given.
CREATE TABLE partial_responses (
	form_key   TEXT PRIMARY KEY,
	nip        TEXT NOT NULL,
	service    TEXT NOT NULL DEFAULT '',
	ratings    TEXT NOT NULL,
	answered   INTEGER NOT NULL,
	channel    TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX partial_responses_created ON partial_responses (created_at);
