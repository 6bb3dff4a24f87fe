-- Central appraisal database, schema 3: the kiosks' visit tallies. For each
-- day (Asia/Jakarta), staff member and service, the one-time visit codes a
-- kiosk issued and how many were rated; kiosks resend recent days, and each
-- resend replaces the row. store/postgres/migrations holds the same logical
-- schema for PostgreSQL: change both together.
CREATE TABLE visit_tallies (
	kiosk_id   TEXT NOT NULL REFERENCES kiosks (id),
	office_id  INTEGER NOT NULL REFERENCES offices (id),
	day        TEXT NOT NULL,
	nip        TEXT NOT NULL,
	service    TEXT NOT NULL,
	issued     INTEGER NOT NULL CHECK (issued >= 0),
	rated      INTEGER NOT NULL CHECK (rated >= 0 AND rated <= issued),
	updated_at TEXT NOT NULL,
	PRIMARY KEY (kiosk_id, day, nip, service)
);
CREATE INDEX visit_tallies_office ON visit_tallies (office_id, day);
