-- Step 6: card production per recorded resident in SIAK's terms, each state with the date it
-- was reached; the family card (KK) apart; a problem holding the person up, with its reason.
CREATE TABLE production (
    resident_id BIGINT PRIMARY KEY REFERENCES residents (id),
    state TEXT,
    state_date TEXT,
    printed_date TEXT,
    kk_printed_date TEXT,
    problem TEXT,
    problem_note TEXT,
    problem_since TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX production_state ON production (state);

CREATE TABLE production_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    on_date TEXT NOT NULL,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX production_events_resident ON production_events (resident_id, id);
