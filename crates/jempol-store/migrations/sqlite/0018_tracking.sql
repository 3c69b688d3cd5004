-- The public status check: a tracking code per resident, printed on the visit slip, and the
-- checks made (per address, to slow down guessing).
ALTER TABLE residents ADD COLUMN tracking_code TEXT;
CREATE UNIQUE INDEX residents_tracking_code ON residents (tracking_code);

CREATE TABLE status_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL,
    found BOOLEAN NOT NULL
);
CREATE INDEX status_checks_ip ON status_checks (ip, at);
