//! What the SOP's time standards are measured on: for each step, the units it runs on (a
//! village's submission, a meeting, a campaign's schedule, a resident's recording and card, a
//! handover, an assistance session, a proposal, a facilitation) with the moment the step
//! started and ended, read from the records the steps leave. And the pauses: spans when a
//! step's clock stops because the cause lies outside the office.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use serde::Serialize;

/// One unit of one step: when it started and ended (none while it runs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    pub step: u32,
    pub id: i64,
    /// What it is, for people: "Pengajuan Desa 35.19.02.2001", "WARGA X".
    pub label: String,
    /// Where it belongs: a desa code, or a kecamatan code for kecamatan-level units.
    pub area: String,
    /// The page where it is worked on.
    pub link: String,
    pub start: i64,
    pub end: Option<i64>,
    /// Minutes taken as typed (step 12's start and end times), when not measured from start.
    pub minutes: Option<i64>,
    /// The person the unit is about (steps 5, 6, 10 and 12).
    pub resident_id: Option<i64>,
    /// A meeting's start and end as typed (date, HH:MM, HH:MM) to be placed in the calendar.
    pub civil: Option<(String, String, Option<String>)>,
}

/// The units of the steps one person went through.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResidentUnits {
    pub submission: Option<i64>,
    pub handovers: Vec<i64>,
    pub session: Option<i64>,
    pub evaluations: Vec<i64>,
}

/// A stop of a step's clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepPause {
    pub id: i64,
    pub step: u32,
    /// The kecamatan it applies to; none for all.
    pub kecamatan_code: Option<String>,
    pub from_at: i64,
    pub to_at: Option<i64>,
    pub reason: String,
    pub created_by: String,
}

fn span(step: u32, id: i64, label: String, area: String, link: String, start: i64, end: Option<i64>) -> Span {
    Span {
        step,
        id,
        label,
        area,
        link,
        start,
        end,
        minutes: None,
        resident_id: None,
        civil: None,
    }
}

type SubRow = (i64, String, i64, Option<i64>, Option<i64>);
type MeetingRow = (i64, String, String, Option<String>, Option<String>);
type PlanRow = (i64, String, String, Option<i64>, Option<i64>);
type PeopleRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
);
type HandoverRow = (i64, String, String, String, Option<String>, i64, Option<i64>);
type SessionRow = (i64, String, i64, String, Option<String>, i64, Option<i64>);
type ProposalRow = (i64, i64, String, String, i64, i64);
type FacilitationRow = (i64, i64, String, String, i64, i64);
/// A late unit escalated to a level (`kasi` or `camat`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    pub id: i64,
    pub step: u32,
    pub unit_id: i64,
    pub level: String,
    pub area: String,
    pub label: String,
    pub link: String,
    pub used_minutes: i64,
    pub standard_minutes: i64,
    pub fired_at: i64,
    pub acknowledged_by: Option<String>,
}

pub(crate) type EscalationRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<String>,
);

/// An escalation as read from its row (columns in the order of [`ESCALATION_COLS`]).
pub(crate) fn escalation_from(r: EscalationRow) -> Escalation {
    Escalation {
        id: r.0,
        step: u32::try_from(r.1).unwrap_or(0),
        unit_id: r.2,
        level: r.3,
        area: r.4,
        label: r.5,
        link: r.6,
        used_minutes: r.7,
        standard_minutes: r.8,
        fired_at: r.9,
        acknowledged_by: r.10,
    }
}

pub(crate) const ESCALATION_COLS: &str =
    "id, step, unit_id, level, area, label, link, used_minutes, standard_minutes, fired_at, acknowledged_by";

type PauseRow = (i64, i64, Option<String>, i64, Option<i64>, String, String);

impl Db {
    /// Every measured unit of every step.
    pub async fn step_spans(&self) -> Result<Vec<Span>, StoreError> {
        let mut out = Vec::new();
        // Steps 1 and 2: a village's submission from its first draft to sent, then to closed.
        let subs: Vec<SubRow> = run!(self, |pool| {
            sqlx::query_as("SELECT id, desa_code, created_at, sent_at, completed_at FROM submissions ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        for (id, desa, created, sent, completed) in subs {
            let label = format!("Pengajuan #{id}");
            let link = format!("/pengajuan/{id}");
            out.push(span(1, id, label.clone(), desa.clone(), link.clone(), created, sent));
            if let Some(sent) = sent {
                out.push(span(2, id, label, desa, link, sent, completed));
            }
        }
        // Step 3: the coordination meeting, from its start to its end as minuted.
        let meetings: Vec<MeetingRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT m.id, c.kecamatan_code, m.meeting_date, m.started_at, m.ended_at FROM meetings m \
                 JOIN campaigns c ON c.id = m.campaign_id WHERE m.started_at IS NOT NULL ORDER BY m.id",
            )
            .fetch_all(pool)
            .await?
        });
        for (id, kec, date, started, ended) in meetings {
            let mut s = span(
                3,
                id,
                format!("Rapat koordinasi {date}"),
                kec,
                format!("/rapat/{id}"),
                0,
                None,
            );
            s.civil = Some((date, started.unwrap_or_default(), ended));
            out.push(s);
        }
        // Step 4: a campaign's schedule, from the first plan to the Camat's approval.
        let plans: Vec<PlanRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT c.id, c.kecamatan_code, c.name, \
                 (SELECT MIN(e.at) FROM campaign_events e WHERE e.campaign_id = c.id AND e.kind = 'jadwal_disusun'), \
                 (SELECT MAX(e.at) FROM campaign_events e WHERE e.campaign_id = c.id AND e.kind = 'jadwal_disetujui_camat') \
                 FROM campaigns c ORDER BY c.id",
            )
            .fetch_all(pool)
            .await?
        });
        for (id, kec, name, first, approved) in plans {
            if let Some(first) = first {
                out.push(span(
                    4,
                    id,
                    format!("Jadwal {name}"),
                    kec,
                    format!("/gelombang/{id}/jadwal"),
                    first,
                    approved,
                ));
            }
        }
        // Steps 5 and 6: each person of a campaign whose schedule is approved, from the first
        // visit day to the outcome that settles them, then from recording to the printed card.
        let people: Vec<PeopleRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT cr.campaign_id, r.id, r.name, r.desa_code, c.start_date, o.recorded_at, o.kind, \
                 (SELECT MIN(pe.at) FROM production_events pe WHERE pe.resident_id = r.id AND pe.code = 'kartu_tercetak') \
                 FROM campaign_residents cr JOIN campaigns c ON c.id = cr.campaign_id \
                 JOIN residents r ON r.id = cr.resident_id \
                 LEFT JOIN visit_outcomes o ON o.id = cr.outcome_id AND cr.resolved = TRUE \
                 WHERE cr.rolled_to IS NULL \
                 AND EXISTS (SELECT 1 FROM campaign_events e WHERE e.campaign_id = c.id AND e.kind = 'jadwal_disetujui_camat') \
                 ORDER BY cr.campaign_id, r.id",
            )
            .fetch_all(pool)
            .await?
        });
        for (campaign, rid, name, desa, start_date, recorded, kind, printed) in people {
            // The first visit day at midnight, office time: the calendar counts from opening.
            let mut s = span(
                5,
                rid,
                name.clone(),
                desa.clone(),
                format!("/gelombang/{campaign}/kunjungan"),
                0,
                recorded,
            );
            s.civil = Some((start_date, "00.00".into(), None));
            s.resident_id = Some(rid);
            out.push(s);
            if let (Some(rec), Some("terekam")) = (recorded, kind.as_deref()) {
                let mut s6 = span(6, rid, name, desa, format!("/warga/{rid}"), rec, printed);
                s6.resident_id = Some(rid);
                out.push(s6);
            }
        }
        // Steps 7 and 8: each handover, from its berita acara to the receiving side's check.
        let handovers: Vec<HandoverRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT id, kind, number, kecamatan_code, desa_code, created_at, confirmed_at FROM handovers ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        for (id, kind, number, kec, desa, created, confirmed) in handovers {
            let step = if kind == "desa" { 8 } else { 7 };
            out.push(span(
                step,
                id,
                format!("Serah terima {number}"),
                desa.unwrap_or(kec),
                format!("/serah-terima/{id}"),
                created,
                confirmed,
            ));
        }
        // Steps 9 and 11: coordination and evaluation sessions.
        let sessions: Vec<SessionRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT s.id, s.kind, s.campaign_id, c.kecamatan_code, s.desa_code, s.opened_at, s.closed_at \
                 FROM assistance_sessions s JOIN campaigns c ON c.id = s.campaign_id ORDER BY s.id",
            )
            .fetch_all(pool)
            .await?
        });
        for (id, kind, _campaign, kec, desa, opened, closed) in sessions {
            let (step, what) = if kind == "evaluasi" {
                (11, "Sesi evaluasi")
            } else {
                (9, "Sesi koordinasi")
            };
            out.push(span(
                step,
                id,
                format!("{what} #{id}"),
                desa.unwrap_or(kec),
                format!("/bantuan/sesi/{id}"),
                opened,
                closed,
            ));
        }
        // Step 10: from a person's check in step 9 to each proposal for them.
        let proposals: Vec<ProposalRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT p.id, r.id, r.name, r.desa_code, w.checked_at, p.created_at FROM proposals p \
                 JOIN residents r ON r.id = p.resident_id JOIN welfare w ON w.resident_id = p.resident_id ORDER BY p.id",
            )
            .fetch_all(pool)
            .await?
        });
        for (id, rid, name, desa, checked, created) in proposals {
            let mut s = span(
                10,
                id,
                name,
                desa,
                format!("/bantuan/warga/{rid}#usulan"),
                checked,
                Some(created.max(checked)),
            );
            s.resident_id = Some(rid);
            out.push(s);
        }
        // Step 12: each facilitation, its time as typed.
        let facilitations: Vec<FacilitationRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT f.id, r.id, r.name, r.desa_code, f.recorded_at, f.minutes FROM facilitations f \
                 JOIN residents r ON r.id = f.resident_id ORDER BY f.id",
            )
            .fetch_all(pool)
            .await?
        });
        for (id, rid, name, desa, at, minutes) in facilitations {
            let mut s = span(
                12,
                id,
                name,
                desa,
                format!("/bantuan/warga/{rid}#facilitated"),
                at,
                Some(at),
            );
            s.minutes = Some(minutes);
            s.resident_id = Some(rid);
            out.push(s);
        }
        Ok(out)
    }

    /// Stops a step's clock from `from_at` (for one kecamatan, or all) with the reason.
    pub async fn add_pause(
        &self,
        step: u32,
        kecamatan: Option<&str>,
        from_at: i64,
        reason: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sla_pauses (step, kecamatan_code, from_at, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(i64::from(step))
            .bind(kecamatan)
            .bind(from_at)
            .bind(reason)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "sla.pause",
                "sla_pause",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"step": step, "kecamatan": kecamatan, "from": from_at, "reason": reason}))
            )?;
            tx.commit().await?;
            id
        }))
    }

    /// Restarts the clock: the pause ends at `to_at`. Ending an ended pause is a conflict.
    pub async fn end_pause(&self, id: i64, to_at: i64, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE sla_pauses SET to_at = $1, ended_by = $2 WHERE id = $3 AND to_at IS NULL")
                .bind(to_at)
                .bind(actor.name.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("jeda ini sudah diakhiri".into()));
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "sla.resume",
                "sla_pause",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"to": to_at}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn pauses(&self) -> Result<Vec<StepPause>, StoreError> {
        let rows: Vec<PauseRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT id, step, kecamatan_code, from_at, to_at, reason, created_by FROM sla_pauses ORDER BY from_at DESC, id DESC",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, step, kecamatan_code, from_at, to_at, reason, created_by)| StepPause {
                    id,
                    step: u32::try_from(step).unwrap_or(0),
                    kecamatan_code,
                    from_at,
                    to_at,
                    reason,
                    created_by,
                },
            )
            .collect())
    }

    /// Escalates a late unit to `level`, once: true when this call fired it, false when it had
    /// been fired before (by this instance or another). When it fires, the escalation is also
    /// queued for each destination outside the app (`targets`: channel and address), in the
    /// same transaction, for [`Db::claim_notification`] to deliver.
    pub async fn fire_escalation(
        &self,
        e: &Escalation,
        targets: &[(&str, &str)],
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO escalations (step, unit_id, level, area, label, link, used_minutes, standard_minutes, fired_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (step, unit_id, level) DO NOTHING RETURNING id",
            )
            .bind(i64::from(e.step))
            .bind(e.unit_id)
            .bind(&e.level)
            .bind(&e.area)
            .bind(&e.label)
            .bind(&e.link)
            .bind(e.used_minutes)
            .bind(e.standard_minutes)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                for (channel, target) in targets {
                    sqlx::query(
                        "INSERT INTO notifications (escalation_id, channel, target, next_at, created_at) VALUES ($1, $2, $3, $4, $4)",
                    )
                    .bind(id)
                    .bind(channel)
                    .bind(target)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                audit!(
                    &mut *tx,
                    &Actor::system("eskalasi"),
                    now,
                    "escalation.fire",
                    "escalation",
                    Some(format!("{}:{}:{}", e.step, e.unit_id, e.level)),
                    None,
                    Some(
                        serde_json::json!({"step": e.step, "unit": e.unit_id, "level": e.level, "label": e.label,
                        "used": e.used_minutes, "standard": e.standard_minutes, "sent_to": targets.iter().map(|t| t.0).collect::<Vec<_>>()})
                    )
                )?;
            }
            tx.commit().await?;
            id.is_some()
        }))
    }

    /// Escalations of a level not yet acknowledged, newest first.
    pub async fn open_escalations(&self, level: &str) -> Result<Vec<Escalation>, StoreError> {
        let sql = format!(
            "SELECT {ESCALATION_COLS} FROM escalations WHERE level = $1 AND acknowledged_at IS NULL \
             ORDER BY fired_at DESC, id DESC"
        );
        let rows: Vec<EscalationRow> = run!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(level)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(escalation_from).collect())
    }

    /// Marks an escalation as acted on.
    pub async fn acknowledge_escalation(&self, id: i64, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE escalations SET acknowledged_by = $1, acknowledged_at = $2 WHERE id = $3 AND acknowledged_at IS NULL",
            )
            .bind(actor.name.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "escalation.acknowledge",
                "escalation",
                Some(id.to_string()),
                None,
                None
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// How far the people of one desa and group got along the SOP: counts per stage reached.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FunnelRow {
    pub desa_code: String,
    pub lansia: bool,
    pub disabilitas: bool,
    pub odgj: bool,
    /// People, then one count per stage of [`FUNNEL`].
    pub counts: Vec<i64>,
}

/// The stages of the funnel, in SOP order: (label, the step it belongs to).
pub const FUNNEL: [(&str, u32); 13] = [
    ("diajukan desa", 1),
    ("terverifikasi", 2),
    ("masuk gelombang", 4),
    ("terjadwal", 4),
    ("terekam", 5),
    ("kartu tercetak", 6),
    ("kartu di kecamatan", 7),
    ("kartu di desa", 8),
    ("kartu diterima warga", 8),
    ("bantuan dibahas", 9),
    ("diusulkan", 10),
    ("usulan diterima", 11),
    ("difasilitasi", 12),
];

/// Each person's stages reached, for the people bound to `{ids}`: one row for everyone
/// (campaign 0) and one per campaign they belong to, where the campaign's own stages count
/// only that campaign.
const PROGRESS_SQL: &str = "SELECT r.id, k.cid, r.desa_code, \
     CAST(CASE WHEN r.birth_date <= $1 THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN r.disabilitas THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN r.odgj THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN r.submission_id IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN r.stage NOT IN ('terdaftar', 'diajukan', 'ditolak', 'digabung') THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM campaign_residents x WHERE x.resident_id = r.id AND (k.cid = 0 OR x.campaign_id = k.cid)) THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM campaign_residents x JOIN campaign_events e ON e.campaign_id = x.campaign_id AND e.kind = 'jadwal_disetujui_camat' WHERE x.resident_id = r.id AND (k.cid = 0 OR x.campaign_id = k.cid)) THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM campaign_residents x JOIN visit_outcomes o ON o.id = x.outcome_id WHERE x.resident_id = r.id AND x.resolved = TRUE AND o.kind = 'terekam' AND (k.cid = 0 OR x.campaign_id = k.cid)) THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM production p WHERE p.resident_id = r.id AND p.printed_date IS NOT NULL) THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM handover_items i JOIN handovers h ON h.id = i.handover_id WHERE h.kind = 'kecamatan' AND i.resident_id = r.id AND i.item = 'ektp' AND i.status = 'diterima') THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM handover_items i JOIN handovers h ON h.id = i.handover_id WHERE h.kind = 'desa' AND i.resident_id = r.id AND i.item = 'ektp' AND i.status = 'diterima') THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM card_receipts c WHERE c.resident_id = r.id AND c.item = 'ektp') THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM welfare w WHERE w.resident_id = r.id) THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM proposals q WHERE q.resident_id = r.id) THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM proposals q WHERE q.resident_id = r.id AND q.result = 'diterima') THEN 1 ELSE 0 END AS BIGINT), \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM facilitations f WHERE f.resident_id = r.id) THEN 1 ELSE 0 END AS BIGINT) \
     FROM (SELECT id AS rid, CAST(0 AS BIGINT) AS cid FROM residents WHERE id IN ({ids}) \
           UNION SELECT resident_id, campaign_id FROM campaign_residents WHERE resident_id IN ({ids})) k \
     JOIN residents r ON r.id = k.rid WHERE r.merged_into IS NULL";

/// How many people one refresh transaction recomputes.
const PROGRESS_BATCH: usize = 500;

/// One person's place in the funnel for one campaign (0: everyone).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Progress {
    resident_id: i64,
    campaign_id: i64,
    desa_code: String,
    lansia: i64,
    disabilitas: i64,
    odgj: i64,
    reached: i64,
}

type CountKey = (i64, String, i64, i64, i64, i64);

impl Progress {
    /// The counts this row adds to the funnel: people (stage 0) and each stage reached.
    fn count_into(&self, deltas: &mut std::collections::HashMap<CountKey, i64>, sign: i64) {
        let key = |stage: i64| {
            (
                self.campaign_id,
                self.desa_code.clone(),
                self.lansia,
                self.disabilitas,
                self.odgj,
                stage,
            )
        };
        *deltas.entry(key(0)).or_default() += sign;
        for bit in 0..FUNNEL.len() {
            if self.reached & (1 << bit) != 0 {
                *deltas.entry(key(bit as i64 + 1)).or_default() += sign;
            }
        }
    }
}

type ProgressRow = (i64, i64, String, i64, i64, i64, i64);
type CountRow = (String, i64, i64, i64, i64, i64);

impl Db {
    /// The submission, handovers, coordination session and evaluation sessions of one person.
    pub async fn resident_units(&self, resident_id: i64) -> Result<ResidentUnits, StoreError> {
        Ok(run!(self, |pool| {
            let submission: Option<Option<i64>> =
                sqlx::query_scalar("SELECT submission_id FROM residents WHERE id = $1")
                    .bind(resident_id)
                    .fetch_optional(pool)
                    .await?;
            let handovers: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT handover_id FROM handover_items WHERE resident_id = $1 ORDER BY handover_id",
            )
            .bind(resident_id)
            .fetch_all(pool)
            .await?;
            let session: Option<Option<i64>> =
                sqlx::query_scalar("SELECT session_id FROM welfare WHERE resident_id = $1")
                    .bind(resident_id)
                    .fetch_optional(pool)
                    .await?;
            let evaluations: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT eval_session_id FROM proposals WHERE resident_id = $1 AND eval_session_id IS NOT NULL \
                 ORDER BY eval_session_id",
            )
            .bind(resident_id)
            .fetch_all(pool)
            .await?;
            ResidentUnits {
                submission: submission.flatten(),
                handovers,
                session: session.flatten(),
                evaluations,
            }
        }))
    }
}

impl Db {
    /// Brings the maintained funnel up to date: recomputes the people the triggers marked
    /// (and those who turned 60, `lansia_born_before` being today's cut-off) at most
    /// `max_people` of them, in batches of one transaction each. Returns how many it counted
    /// and how many wait still. Instances may run it at once: the state row serialises them.
    pub async fn refresh_funnel(
        &self,
        lansia_born_before: &str,
        now: i64,
        max_people: usize,
    ) -> Result<(usize, i64), StoreError> {
        // Usually nothing changed: find that out without taking the write lock.
        let (waiting, same_day): (bool, bool) = run!(self, |pool| {
            let waiting: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM progress_dirty)")
                .fetch_one(pool)
                .await?;
            let before: Option<String> = sqlx::query_scalar("SELECT lansia_born_before FROM funnel_state WHERE id = 1")
                .fetch_optional(pool)
                .await?;
            (waiting, before.as_deref() == Some(lansia_born_before))
        });
        if !waiting && same_day {
            return Ok((0, 0));
        }
        let mut done = 0;
        loop {
            let took = self.refresh_funnel_batch(lansia_born_before, now).await?;
            done += took;
            if took == 0 || done >= max_people {
                break;
            }
        }
        Ok((done, self.funnel_pending().await?))
    }

    /// People waiting to be recomputed.
    pub async fn funnel_pending(&self) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM progress_dirty")
                .fetch_one(pool)
                .await?
        }))
    }

    async fn refresh_funnel_batch(&self, cutoff: &str, now: i64) -> Result<usize, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            // Writing first takes SQLite's write lock and PostgreSQL's row lock at once.
            sqlx::query("UPDATE funnel_state SET refreshed_at = $1 WHERE id = 1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let before: String = sqlx::query_scalar("SELECT lansia_born_before FROM funnel_state WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
            if before != cutoff {
                if !before.is_empty() {
                    // Whoever crossed the line between the two cut-offs changes group.
                    let (lo, hi) = if before.as_str() < cutoff {
                        (before.as_str(), cutoff)
                    } else {
                        (cutoff, before.as_str())
                    };
                    sqlx::query(
                        "INSERT INTO progress_dirty (resident_id) SELECT id FROM residents \
                         WHERE birth_date > $1 AND birth_date <= $2 ON CONFLICT DO NOTHING",
                    )
                    .bind(lo)
                    .bind(hi)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE funnel_state SET lansia_born_before = $1 WHERE id = 1")
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await?;
            }
            let ids: Vec<i64> = sqlx::query_scalar(
                "DELETE FROM progress_dirty WHERE resident_id IN \
                 (SELECT resident_id FROM progress_dirty ORDER BY resident_id LIMIT $1) RETURNING resident_id",
            )
            .bind(PROGRESS_BATCH as i64)
            .fetch_all(&mut *tx)
            .await?;
            if ids.is_empty() {
                tx.commit().await?;
                return Ok(0);
            }
            let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
            let list = list.join(", ");
            let sql = PROGRESS_SQL.replace("{ids}", &list);
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(cutoff);
            for id in &ids {
                q = q.bind(id);
            }
            let mut fresh = Vec::new();
            for r in q.fetch_all(&mut *tx).await? {
                use sqlx::Row;
                let mut reached = 0i64;
                for bit in 0..FUNNEL.len() {
                    if r.try_get::<i64, _>(6 + bit)? == 1 {
                        reached |= 1 << bit;
                    }
                }
                fresh.push(Progress {
                    resident_id: r.try_get(0)?,
                    campaign_id: r.try_get(1)?,
                    desa_code: r.try_get(2)?,
                    lansia: r.try_get(3)?,
                    disabilitas: r.try_get(4)?,
                    odgj: r.try_get(5)?,
                    reached,
                });
            }
            let list1: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 1)).collect();
            let old_sql = format!(
                "SELECT resident_id, campaign_id, desa_code, lansia, disabilitas, odgj, reached FROM resident_progress \
                 WHERE resident_id IN ({})",
                list1.join(", ")
            );
            let mut q = sqlx::query_as::<_, ProgressRow>(sqlx::AssertSqlSafe(old_sql.as_str()));
            for id in &ids {
                q = q.bind(id);
            }
            let old = q.fetch_all(&mut *tx).await?;
            let mut deltas = std::collections::HashMap::new();
            for (resident_id, campaign_id, desa_code, lansia, disabilitas, odgj, reached) in old {
                Progress {
                    resident_id,
                    campaign_id,
                    desa_code,
                    lansia,
                    disabilitas,
                    odgj,
                    reached,
                }
                .count_into(&mut deltas, -1);
            }
            for p in &fresh {
                p.count_into(&mut deltas, 1);
            }
            let del_sql = format!(
                "DELETE FROM resident_progress WHERE resident_id IN ({})",
                list1.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(del_sql.as_str()));
            for id in &ids {
                q = q.bind(id);
            }
            q.execute(&mut *tx).await?;
            for p in &fresh {
                sqlx::query(
                    "INSERT INTO resident_progress (resident_id, campaign_id, desa_code, lansia, disabilitas, odgj, reached) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(p.resident_id)
                .bind(p.campaign_id)
                .bind(&p.desa_code)
                .bind(p.lansia)
                .bind(p.disabilitas)
                .bind(p.odgj)
                .bind(p.reached)
                .execute(&mut *tx)
                .await?;
            }
            for ((campaign_id, desa, lansia, dis, odgj, stage), n) in deltas {
                if n == 0 {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO funnel_counts (campaign_id, desa_code, lansia, disabilitas, odgj, stage, n) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign_id, desa_code, lansia, disabilitas, odgj, stage) \
                     DO UPDATE SET n = funnel_counts.n + excluded.n",
                )
                .bind(campaign_id)
                .bind(desa)
                .bind(lansia)
                .bind(dis)
                .bind(odgj)
                .bind(stage)
                .bind(n)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            ids.len()
        }))
    }

    /// The funnel per desa and group within `scope`, for one campaign's people or everyone,
    /// as maintained by [`Db::refresh_funnel`].
    pub async fn funnel(
        &self,
        scope: &jempol_core::Scope,
        campaign: Option<i64>,
    ) -> Result<Vec<FunnelRow>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "desa_code", 2);
        let sql = format!(
            "SELECT desa_code, lansia, disabilitas, odgj, stage, n FROM funnel_counts \
             WHERE campaign_id = $1 AND n <> 0 AND {cond} ORDER BY desa_code, lansia, disabilitas, odgj, stage"
        );
        let rows: Vec<CountRow> = run!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(campaign.unwrap_or(0));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        let mut out: Vec<FunnelRow> = Vec::new();
        for (desa_code, lansia, disabilitas, odgj, stage, n) in rows {
            let (lansia, disabilitas, odgj) = (lansia == 1, disabilitas == 1, odgj == 1);
            let same = out.last().is_some_and(|r| {
                r.desa_code == desa_code && r.lansia == lansia && r.disabilitas == disabilitas && r.odgj == odgj
            });
            if !same {
                out.push(FunnelRow {
                    desa_code,
                    lansia,
                    disabilitas,
                    odgj,
                    counts: vec![0; FUNNEL.len() + 1],
                });
            }
            if let (Some(row), Ok(stage)) = (out.last_mut(), usize::try_from(stage))
                && let Some(slot) = row.counts.get_mut(stage)
            {
                *slot = n;
            }
        }
        Ok(out)
    }
}
