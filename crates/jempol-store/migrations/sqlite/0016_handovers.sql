-- Steps 7 and 8: printed cards change hands with a numbered berita acara serah terima, from
-- Dispendukcapil to the kecamatan (kind 'kecamatan') and from the kecamatan to a desa (kind
-- 'desa'); the receiving side confirms item by item; a missing item stays open.
CREATE TABLE handovers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    desa_code TEXT,
    handed_date TEXT NOT NULL,
    giver_name TEXT NOT NULL,
    receiver_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_by TEXT,
    confirmed_at BIGINT,
    UNIQUE (kind, kecamatan_code, year, seq)
);
CREATE INDEX handovers_kecamatan ON handovers (kecamatan_code, id);

CREATE TABLE handover_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handover_id BIGINT NOT NULL REFERENCES handovers (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    item TEXT NOT NULL,
    status TEXT NOT NULL,
    checked_by TEXT,
    checked_at BIGINT,
    note TEXT,
    UNIQUE (handover_id, resident_id, item)
);
CREATE INDEX handover_items_resident ON handover_items (resident_id, item);
