-- Step 8's last hop: the desa hands the card to the person, or to a named family member (normal
-- for ODGJ and bedridden residents), with a receipt (tanda terima) and optionally a photo of
-- the signed receipt.
CREATE TABLE card_receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    item TEXT NOT NULL,
    received_date TEXT NOT NULL,
    receiver_kind TEXT NOT NULL,
    receiver_name TEXT NOT NULL,
    relationship TEXT,
    note TEXT NOT NULL,
    photo BLOB,
    photo_type TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (resident_id, item)
);
