-- Step 9's catalogue of assistance programs (editable): level, funding, the groups each
-- targets and the DTSEN desil it requires, if any.
CREATE TABLE programs (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    funding TEXT NOT NULL,
    targets TEXT NOT NULL,
    max_desil BIGINT,
    active BOOLEAN NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
