-- Kiosk schema 3: limits on the static QR code and what they refused.
-- Devices and client addresses appear only as keyed hashes (HMAC with a key
-- that is replaced regularly and then deleted), never in clear.

-- Ratings counted against the per-device and per-address limits; rows older
-- than the limits' windows are deleted by the daily retention job.
CREATE TABLE rate_events (
	kind     TEXT NOT NULL CHECK (kind IN ('device', 'address')),
	key_hash TEXT NOT NULL,
	nip      TEXT NOT NULL,
	at       TEXT NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (key_hash, nip, at);
CREATE INDEX rate_events_at ON rate_events (at);

-- Devices and addresses on which a counter account opened its own counter
-- screen: a rating of that staff member from one of them is flagged.
CREATE TABLE counter_devices (
	key_hash TEXT NOT NULL,
	nip      TEXT NOT NULL,
	seen_at  TEXT NOT NULL,
	PRIMARY KEY (key_hash, nip)
);

-- Ratings a limit refused, per Asia/Jakarta day, staff member and reason.
CREATE TABLE refusals (
	day    TEXT NOT NULL,
	nip    TEXT NOT NULL,
	reason TEXT NOT NULL,
	count  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, nip, reason)
);
