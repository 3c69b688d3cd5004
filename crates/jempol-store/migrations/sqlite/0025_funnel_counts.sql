-- The funnel of the dashboard and the monthly report, maintained instead of counted per
-- request. Triggers put every person whose progress may have changed into `progress_dirty`;
-- the application recomputes those people (`Db::refresh_funnel`) into `resident_progress`
-- (one row per person for everyone, campaign 0, and one per campaign they belong to, with
-- the stages reached as bits) and moves the difference into `funnel_counts`. Reading the
-- funnel then costs the same at a thousand people as at a million.
CREATE TABLE progress_dirty (
    resident_id BIGINT PRIMARY KEY
);
CREATE TABLE resident_progress (
    resident_id BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    desa_code TEXT NOT NULL,
    lansia BIGINT NOT NULL,
    disabilitas BIGINT NOT NULL,
    odgj BIGINT NOT NULL,
    reached BIGINT NOT NULL,
    PRIMARY KEY (resident_id, campaign_id)
);
-- Stage 0 counts people; stage i the people who reached the i-th stage of the funnel.
CREATE TABLE funnel_counts (
    campaign_id BIGINT NOT NULL,
    desa_code TEXT NOT NULL,
    lansia BIGINT NOT NULL,
    disabilitas BIGINT NOT NULL,
    odgj BIGINT NOT NULL,
    stage BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, desa_code, lansia, disabilitas, odgj, stage)
);
-- The birth date up to which people counted as lansia at the last refresh; people who
-- turn 60 since are recomputed.
CREATE TABLE funnel_state (
    id BIGINT PRIMARY KEY,
    lansia_born_before TEXT NOT NULL,
    refreshed_at BIGINT NOT NULL
);
INSERT INTO funnel_state (id, lansia_born_before, refreshed_at) VALUES (1, '', 0);
INSERT INTO progress_dirty (resident_id) SELECT id FROM residents;

CREATE TRIGGER campaign_residents_progress_ins AFTER INSERT ON campaign_residents BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER campaign_residents_progress_upd AFTER UPDATE ON campaign_residents BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER campaign_residents_progress_del AFTER DELETE ON campaign_residents BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER visit_outcomes_progress_ins AFTER INSERT ON visit_outcomes BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER visit_outcomes_progress_upd AFTER UPDATE ON visit_outcomes BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER visit_outcomes_progress_del AFTER DELETE ON visit_outcomes BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER production_progress_ins AFTER INSERT ON production BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER production_progress_upd AFTER UPDATE ON production BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER production_progress_del AFTER DELETE ON production BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER handover_items_progress_ins AFTER INSERT ON handover_items BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER handover_items_progress_upd AFTER UPDATE ON handover_items BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER handover_items_progress_del AFTER DELETE ON handover_items BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER card_receipts_progress_ins AFTER INSERT ON card_receipts BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER card_receipts_progress_upd AFTER UPDATE ON card_receipts BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER card_receipts_progress_del AFTER DELETE ON card_receipts BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER welfare_progress_ins AFTER INSERT ON welfare BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER welfare_progress_upd AFTER UPDATE ON welfare BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER welfare_progress_del AFTER DELETE ON welfare BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER proposals_progress_ins AFTER INSERT ON proposals BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER proposals_progress_upd AFTER UPDATE ON proposals BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER proposals_progress_del AFTER DELETE ON proposals BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER facilitations_progress_ins AFTER INSERT ON facilitations BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER facilitations_progress_upd AFTER UPDATE ON facilitations BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER facilitations_progress_del AFTER DELETE ON facilitations BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER residents_progress_ins AFTER INSERT ON residents BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER residents_progress_upd AFTER UPDATE OF desa_code, birth_date, disabilitas, odgj, stage, submission_id, merged_into ON residents BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER residents_progress_del AFTER DELETE ON residents BEGIN
    INSERT INTO progress_dirty (resident_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER campaign_events_progress AFTER INSERT ON campaign_events BEGIN
    INSERT INTO progress_dirty (resident_id)
        SELECT resident_id FROM campaign_residents WHERE campaign_id = NEW.campaign_id ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER campaign_events_progress_del AFTER DELETE ON campaign_events BEGIN
    INSERT INTO progress_dirty (resident_id)
        SELECT resident_id FROM campaign_residents WHERE campaign_id = OLD.campaign_id ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER handovers_progress AFTER UPDATE OF kind ON handovers BEGIN
    INSERT INTO progress_dirty (resident_id)
        SELECT resident_id FROM handover_items WHERE handover_id = NEW.id ON CONFLICT DO NOTHING;
END;
