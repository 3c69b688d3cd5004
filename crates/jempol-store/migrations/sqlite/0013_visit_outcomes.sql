-- Step 5: the outcome of every home visit, as recorded on a device (online or offline). Each
-- outcome carries the id the device gave it (client_id), so a retried sync applies it once;
-- base_client_id is the outcome the device saw as current when it was recorded, so two
-- officers recording the same person are caught as a conflict, never overwritten.
CREATE TABLE visit_outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    base_client_id TEXT,
    kind TEXT NOT NULL,
    reason TEXT,
    note TEXT NOT NULL,
    captures_json TEXT NOT NULL,
    exception_reported BOOLEAN NOT NULL DEFAULT FALSE,
    reschedule_date TEXT,
    team TEXT,
    user_id BIGINT,
    actor TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    via TEXT NOT NULL,
    status TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at BIGINT
);
CREATE INDEX visit_outcomes_campaign ON visit_outcomes (campaign_id, resident_id, id);
CREATE INDEX visit_outcomes_status ON visit_outcomes (campaign_id, status);

-- The outcome that stands for each person of a campaign, and whether it resolves them.
ALTER TABLE campaign_residents ADD COLUMN outcome_id BIGINT;
ALTER TABLE campaign_residents ADD COLUMN resolved BOOLEAN NOT NULL DEFAULT FALSE;
