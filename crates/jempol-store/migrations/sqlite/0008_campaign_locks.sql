-- Step 4 adjustments: a visit pinned by the Kasi to a team-day; re-planning keeps it there.
CREATE TABLE campaign_locks (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    team TEXT NOT NULL,
    visit_date TEXT NOT NULL,
    locked_by TEXT NOT NULL,
    locked_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, resident_id)
);
