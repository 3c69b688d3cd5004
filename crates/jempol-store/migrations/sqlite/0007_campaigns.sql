-- Campaigns (gelombang): one run of the SOP in a kecamatan, its residents, its recording teams,
-- its schedule versions (step 4) and its history.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kecamatan_code TEXT NOT NULL,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    status TEXT NOT NULL,
    sop_definition_id BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX campaigns_kecamatan ON campaigns (kecamatan_code, id);

CREATE TABLE campaign_residents (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    added_at BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (campaign_id, resident_id)
);
CREATE INDEX campaign_residents_resident ON campaign_residents (resident_id);

CREATE TABLE campaign_teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    name TEXT NOT NULL,
    members TEXT NOT NULL,
    kit TEXT NOT NULL,
    UNIQUE (campaign_id, name)
);

CREATE TABLE campaign_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    version BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    instance_json TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    kasi_by TEXT,
    kasi_at BIGINT,
    camat_by TEXT,
    camat_at BIGINT,
    UNIQUE (campaign_id, version)
);

CREATE TABLE campaign_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, id);
