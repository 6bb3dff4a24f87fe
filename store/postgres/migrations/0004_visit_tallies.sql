-- Central appraisal database, schema 4, for PostgreSQL: the kiosks' visit
-- tallies. For each day (Asia/Jakarta), staff member and service, the
-- one-time visit codes a kiosk issued and how many were rated; kiosks resend
-- recent days, and each resend replaces the row. store/sqlite/migrations
-- holds the same logical schema (its schema 3): change both together.
CREATE TABLE visit_tallies (
	kiosk_id   text NOT NULL REFERENCES kiosks (id),
	office_id  bigint NOT NULL REFERENCES offices (id),
	day        date NOT NULL,
	nip        text NOT NULL,
	service    text NOT NULL,
	issued     bigint NOT NULL CHECK (issued >= 0),
	rated      bigint NOT NULL CHECK (rated >= 0 AND rated <= issued),
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (kiosk_id, day, nip, service)
);
CREATE INDEX visit_tallies_office ON visit_tallies (office_id, day);
