-- Stops of a step's clock whose cause lies outside the office (the central server down, out of
-- blank cards): the step's working time does not count during them.
CREATE TABLE sla_pauses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    step BIGINT NOT NULL,
    kecamatan_code TEXT,
    from_at BIGINT NOT NULL,
    to_at BIGINT,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_by TEXT
);
