-- Step 5 ends when the campaign's window closes: people without a final outcome move into the
-- next campaign with their history; the old campaign keeps them, marked as moved on.
ALTER TABLE campaign_residents ADD COLUMN rolled_to BIGINT;
