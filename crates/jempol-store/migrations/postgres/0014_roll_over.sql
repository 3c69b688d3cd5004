-- Step 5 ends when the campaign's window closes: people without a final outcome move into the
-- next campaign with their history; the old campaign keeps them, marked as moved on.
ALTER TABLE campaign_residents ADD COLUMN rolled_to BIGINT;

-- A person found on site who was not on the list (a walk-in): the team and day that found them,
-- and the id the device gave the addition, so a resend adds them once.
ALTER TABLE campaign_residents ADD COLUMN walkin_team TEXT;
ALTER TABLE campaign_residents ADD COLUMN walkin_date TEXT;
ALTER TABLE campaign_residents ADD COLUMN walkin_client_id TEXT;
CREATE UNIQUE INDEX campaign_residents_walkin ON campaign_residents (walkin_client_id);
