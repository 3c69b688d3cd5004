-- When the family says the person is at home, as typed ("08.00-11.00; 16-12-2026 13.00-14.00");
-- the planner keeps each visit inside these times.
ALTER TABLE campaign_residents ADD COLUMN home_times TEXT;
