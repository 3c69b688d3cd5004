-- Late work escalated: to the Kasi when a step passes its standard, to the Camat when it has
-- taken twice the standard. One row per unit, step and level; the unique key makes an
-- escalation fire once however many instances look at the same moment.
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    step BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    level TEXT NOT NULL,
    area TEXT NOT NULL,
    label TEXT NOT NULL,
    link TEXT NOT NULL,
    used_minutes BIGINT NOT NULL,
    standard_minutes BIGINT NOT NULL,
    fired_at BIGINT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at BIGINT,
    UNIQUE (step, unit_id, level)
);
