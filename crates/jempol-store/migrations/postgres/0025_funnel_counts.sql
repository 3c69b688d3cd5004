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

CREATE FUNCTION mark_progress_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO progress_dirty (resident_id) VALUES (NEW.resident_id) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO progress_dirty (resident_id) VALUES (OLD.resident_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION mark_resident_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO progress_dirty (resident_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO progress_dirty (resident_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION mark_campaign_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO progress_dirty (resident_id)
            SELECT resident_id FROM campaign_residents WHERE campaign_id = OLD.campaign_id ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO progress_dirty (resident_id)
            SELECT resident_id FROM campaign_residents WHERE campaign_id = NEW.campaign_id ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION mark_handover_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO progress_dirty (resident_id)
        SELECT resident_id FROM handover_items WHERE handover_id = NEW.id ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER campaign_residents_progress AFTER INSERT OR UPDATE OR DELETE ON campaign_residents FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER visit_outcomes_progress AFTER INSERT OR UPDATE OR DELETE ON visit_outcomes FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER production_progress AFTER INSERT OR UPDATE OR DELETE ON production FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER handover_items_progress AFTER INSERT OR UPDATE OR DELETE ON handover_items FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER card_receipts_progress AFTER INSERT OR UPDATE OR DELETE ON card_receipts FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER welfare_progress AFTER INSERT OR UPDATE OR DELETE ON welfare FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER proposals_progress AFTER INSERT OR UPDATE OR DELETE ON proposals FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER facilitations_progress AFTER INSERT OR UPDATE OR DELETE ON facilitations FOR EACH ROW EXECUTE FUNCTION mark_progress_dirty();
CREATE TRIGGER residents_progress AFTER INSERT OR DELETE OR UPDATE OF desa_code, birth_date, disabilitas, odgj, stage, submission_id, merged_into ON residents FOR EACH ROW EXECUTE FUNCTION mark_resident_dirty();
CREATE TRIGGER campaign_events_progress AFTER INSERT OR DELETE ON campaign_events FOR EACH ROW EXECUTE FUNCTION mark_campaign_dirty();
CREATE TRIGGER handovers_progress AFTER UPDATE OF kind ON handovers FOR EACH ROW EXECUTE FUNCTION mark_handover_dirty();
