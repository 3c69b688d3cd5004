-- The rest of the resident record: disability severity, needs for the home visit, e-KTP status
-- before the visit, guardian (wali), consent to processing (UU 27/2022 Pasal 26), coordinates.
ALTER TABLE residents ADD COLUMN disability_severity TEXT;
ALTER TABLE residents ADD COLUMN needs_companion BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE residents ADD COLUMN fingerprints_impossible BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE residents ADD COLUMN iris_impossible BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE residents ADD COLUMN cannot_sign BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE residents ADD COLUMN ektp_status TEXT;
ALTER TABLE residents ADD COLUMN wali_name TEXT;
ALTER TABLE residents ADD COLUMN wali_nik TEXT;
ALTER TABLE residents ADD COLUMN wali_relationship TEXT;
ALTER TABLE residents ADD COLUMN consent_by TEXT;
ALTER TABLE residents ADD COLUMN consent_at BIGINT;
ALTER TABLE residents ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE residents ADD COLUMN lng DOUBLE PRECISION;
