-- Kiosk schema 5: enrolled desk tablets, visit codes claimed by the first
-- device that opens them, and caps on minting visit codes.
-- Times are UTC text in survey.TimeLayout.

-- Desk tablets an admin enrolled from the tablet's own browser; the browser
-- holds a cookie signed with the kiosk's secret over the id. pin_address,
-- when set, is the only client address the tablet is served from (an
-- office device's address, not a citizen's).
CREATE TABLE tablets (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	pin_address  TEXT NOT NULL DEFAULT '',
	enrolled_by  TEXT NOT NULL,
	enrolled_at  TEXT NOT NULL,
	last_seen_at TEXT NOT NULL DEFAULT '',
	revoked_at   TEXT NOT NULL DEFAULT ''
);

-- claim_kind and claim_hash: what opened the visit first (a device cookie,
-- an enrolled tablet, or the address of a browser without cookies), as an
-- HMAC over the visit id, so claims cannot link two visits to one device.
-- contested_at and contests: other devices that tried to open it after.
-- opened_own: opened or rated from the staff member's own counter device.
-- for_tablet: offered on the desk tablets ("rate <officer> now").
ALTER TABLE visits ADD COLUMN for_tablet INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN claim_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN claim_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN claimed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN contested_at TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN contests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN opened_own INTEGER NOT NULL DEFAULT 0;

-- The caps on minting count an issuer's visits within a window.
CREATE INDEX visits_issuer ON visits (issued_by, issued_at);
CREATE INDEX visits_tablet ON visits (issued_at) WHERE for_tablet = 1 AND used_at IS NULL;
