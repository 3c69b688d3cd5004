-- Steps 9–12: each person's DTSEN standing, the assistance they receive, the coordination and
-- evaluation sessions (steps 9 and 11), proposals (step 10) with their results (step 11), and
-- what was done for each recipient (step 12).
CREATE TABLE assistance_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'koordinasi' (step 9) or 'evaluasi' (step 11).
    kind TEXT NOT NULL,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    -- The desa worked through; NULL for all the desa of the campaign.
    desa_code TEXT,
    participants TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_by TEXT,
    closed_at BIGINT,
    note TEXT NOT NULL
);
CREATE INDEX assistance_sessions_campaign ON assistance_sessions (campaign_id);

CREATE TABLE welfare (
    resident_id BIGINT PRIMARY KEY REFERENCES residents (id),
    -- 'tidak_diketahui', 'terdaftar' or 'tidak_terdaftar'.
    dtsen TEXT NOT NULL,
    desil BIGINT,
    source TEXT NOT NULL,
    -- When step 9 first settled this person's standing, and in which session.
    checked_at BIGINT NOT NULL,
    session_id BIGINT REFERENCES assistance_sessions (id),
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE assistance_received (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    program_code TEXT NOT NULL REFERENCES programs (code),
    -- ISO date, or a month (YYYY-MM) when that is all the source says.
    since TEXT,
    source TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (resident_id, program_code)
);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    -- A program code, or 'dtsen' for registration into DTSEN.
    target TEXT NOT NULL,
    channel TEXT NOT NULL,
    proposed_date TEXT NOT NULL,
    -- The monthly cut-off it aims at (YYYY-MM).
    cutoff TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- 'menunggu', 'diterima' or 'ditolak'.
    result TEXT NOT NULL,
    result_reason TEXT,
    result_date TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    eval_session_id BIGINT REFERENCES assistance_sessions (id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (resident_id, target, cutoff)
);
CREATE INDEX proposals_resident ON proposals (resident_id);

CREATE TABLE facilitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    program_code TEXT,
    kind TEXT NOT NULL,
    done_date TEXT NOT NULL,
    -- How long it took (from the start and end times typed), for the 10-minute standard.
    minutes BIGINT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX facilitations_resident ON facilitations (resident_id);
