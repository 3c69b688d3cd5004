-- An outgoing letter to one desa (the schedule's notification), found again to print it.
ALTER TABLE letters ADD COLUMN desa_code TEXT;
CREATE INDEX letters_campaign_desa ON letters (campaign_id, desa_code);
