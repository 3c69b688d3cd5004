-- Letters registers (Surat Masuk, Surat Keluar) numbered per office, direction and year; the
-- coordination meeting of step 3 with its invitation, attendance and minutes; and the
-- arrangements the meeting decides per person.
CREATE TABLE letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kecamatan_code TEXT NOT NULL,
    direction TEXT NOT NULL,
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    number TEXT NOT NULL,
    classification TEXT NOT NULL,
    letter_date TEXT NOT NULL,
    counterpart TEXT NOT NULL,
    subject TEXT NOT NULL,
    campaign_id BIGINT REFERENCES campaigns (id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kecamatan_code, direction, year, seq)
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    meeting_date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    place TEXT NOT NULL,
    agenda TEXT NOT NULL,
    invitees TEXT NOT NULL,
    letter_id BIGINT REFERENCES letters (id),
    started_at TEXT,
    ended_at TEXT,
    minutes TEXT,
    decisions TEXT,
    minute_taker TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX meetings_campaign ON meetings (campaign_id, id);

CREATE TABLE meeting_attendees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    name TEXT NOT NULL,
    position TEXT NOT NULL
);
CREATE INDEX meeting_attendees_meeting ON meeting_attendees (meeting_id, id);

ALTER TABLE campaign_residents ADD COLUMN arrangement TEXT;
