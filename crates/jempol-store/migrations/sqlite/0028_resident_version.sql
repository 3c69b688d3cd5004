-- Optimistic versioning of the person's record: every edit of the identity or care fields
-- raises edit_version, and an edit saves only if the record is still at the version the
-- form was opened on. Two people editing at once: the second is told, nothing is lost.
ALTER TABLE residents ADD COLUMN edit_version INTEGER NOT NULL DEFAULT 0;
