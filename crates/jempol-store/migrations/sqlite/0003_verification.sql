-- Step 2: kecamatan staff verify each submitted person; every change to a resident is an event
-- in their history.
CREATE TABLE resident_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL
);
CREATE INDEX resident_events_resident ON resident_events (resident_id, id);

ALTER TABLE residents ADD COLUMN stage_reason TEXT;
ALTER TABLE submissions ADD COLUMN completed_at BIGINT;
ALTER TABLE submissions ADD COLUMN completed_by TEXT;
