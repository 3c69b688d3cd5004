-- The SOP's own monitoring and evaluation (Permendagri 52/2011): a form per period, prefilled
-- with the measured figures per step, completed by the assessor and printed for signing.
CREATE TABLE sop_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'monitoring' or 'evaluasi'.
    kind TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    sop_definition_id BIGINT NOT NULL REFERENCES sop_definitions (id),
    assessor TEXT NOT NULL,
    items_json TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    completed_at BIGINT
);
