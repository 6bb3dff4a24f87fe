-- Kiosk schema 4: optional follow-up contacts (UU 27/2022). A citizen may
-- leave a phone number or e-mail address with explicit consent; it is kept
-- apart from the response, never synced, and deleted when the follow-up is
-- closed or its retention period ends.
CREATE TABLE followups (
	id           INTEGER PRIMARY KEY,
	response_id  TEXT NOT NULL,
	contact      TEXT NOT NULL,
	consent_text TEXT NOT NULL,
	lang         TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE INDEX followups_created ON followups (created_at);
