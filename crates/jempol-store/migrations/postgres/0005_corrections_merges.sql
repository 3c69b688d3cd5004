-- Step 1: a draft keeps the column mapping the user chose (NULL: the guess) and the cells the
-- user corrected in the browser, so the file as uploaded is never changed and a re-check
-- always starts from it.
ALTER TABLE submissions ADD COLUMN mapping_json TEXT;
ALTER TABLE submissions ADD COLUMN corrections_json TEXT;
-- Step 2: a resident found to be the same person as another is merged into it; the record
-- and its history stay, marked with the resident it was merged into.
ALTER TABLE residents ADD COLUMN merged_into BIGINT REFERENCES residents (id);
CREATE INDEX residents_merged_into ON residents (merged_into);
-- Likely duplicates: the same name and birth date.
CREATE INDEX residents_name_birth ON residents (name, birth_date);
-- Duplicates against drafts not sent yet.
CREATE INDEX submission_rows_nik ON submission_rows (nik);
