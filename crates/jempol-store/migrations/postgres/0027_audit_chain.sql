-- The audit log becomes a hash chain: each entry carries its place in the chain (seq) and
-- sha256(previous hash, its own fields). audit_head holds the last seq and hash, updated in
-- the same transaction as every entry, so deleting the newest entries is also seen.
-- Entries written before this migration are sealed by the binary right after it.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE TABLE audit_head (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
