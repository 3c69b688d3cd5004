-- The working-time calendar's days off: national holidays and cuti bersama (from the holiday
-- data, editable and importable per year). Office hours, breaks and the time zone are a
-- setting (`calendar`).
CREATE TABLE holidays (
    date TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
