-- Escalations sent outside the app (a webhook, email over SMTP): one row per escalation and
-- destination, written in the same transaction that fires the escalation. Any instance may
-- deliver a due row; claiming it pushes next_at past a lease so no other instance sends it at
-- the same time. A failure is retried later with a growing wait, and given up after a number
-- of attempts; both are shown to the Kasi.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id BIGINT NOT NULL REFERENCES escalations (id),
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX notifications_escalation ON notifications (escalation_id);
