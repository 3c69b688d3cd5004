-- Step 1: a village's submission of its list, each row as read and checked (rejected rows are
-- kept for correction, never dropped), and the residents it created.
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    desa_code TEXT NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT,
    status TEXT NOT NULL,
    accepted BIGINT NOT NULL DEFAULT 0,
    warnings BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    sop_definition_id BIGINT REFERENCES sop_definitions (id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX submissions_desa ON submissions (desa_code, id);

CREATE TABLE submission_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    row_no BIGINT NOT NULL,
    status TEXT NOT NULL,
    nik TEXT NOT NULL,
    data_json TEXT NOT NULL,
    messages_json TEXT NOT NULL,
    resident_id BIGINT REFERENCES residents (id)
);
CREATE INDEX submission_rows_submission ON submission_rows (submission_id, row_no);

ALTER TABLE residents ADD COLUMN submission_id BIGINT;
ALTER TABLE residents ADD COLUMN phone TEXT;
ALTER TABLE residents ADD COLUMN dusun TEXT;
ALTER TABLE residents ADD COLUMN notes TEXT;
-- An uploaded file is kept with its draft, so the preview survives a reload and sending
-- checks the same bytes again against what is known by then.
ALTER TABLE submissions ADD COLUMN file_bytes BLOB;
