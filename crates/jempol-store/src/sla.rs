//! What the SOP's time standards are measured on: for each step, the units it runs on (a
//! village's submission, a meeting, a campaign's schedule, a resident's recording and card, a
//! handover, an assistance session, a proposal, a facilitation) with the moment the step
//! started and ended, read from the records the steps leave. And the pauses: spans when a
//! step's clock stops because the cause lies outside the office.

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

type EscalationRow = (
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
                let mut s6 = span(6, rid, name, desa, format!("/produksi?q={rid}"), rec, printed);
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
            let mut tx = pool.begin().await?;
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
            let mut tx = pool.begin().await?;
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
    /// been fired before (by this instance or another).
    pub async fn fire_escalation(&self, e: &Escalation, now: i64) -> Result<bool, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin().await?;
            let fired = sqlx::query(
                "INSERT INTO escalations (step, unit_id, level, area, label, link, used_minutes, standard_minutes, fired_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (step, unit_id, level) DO NOTHING",
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
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if fired {
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
                        "used": e.used_minutes, "standard": e.standard_minutes})
                    )
                )?;
            }
            tx.commit().await?;
            fired
        }))
    }

    /// Escalations of a level not yet acknowledged, newest first.
    pub async fn open_escalations(&self, level: &str) -> Result<Vec<Escalation>, StoreError> {
        let rows: Vec<EscalationRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT id, step, unit_id, level, area, label, link, used_minutes, standard_minutes, fired_at, acknowledged_by \
                 FROM escalations WHERE level = $1 AND acknowledged_at IS NULL ORDER BY fired_at DESC, id DESC",
            )
            .bind(level)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Escalation {
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
            })
            .collect())
    }

    /// Marks an escalation as acted on.
    pub async fn acknowledge_escalation(&self, id: i64, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin().await?;
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

const FUNNEL_SQL: &str = "SELECT r.desa_code, \
     CAST(CASE WHEN r.birth_date <= $1 THEN 1 ELSE 0 END AS BIGINT) AS lansia, \
     CAST(CASE WHEN r.disabilitas THEN 1 ELSE 0 END AS BIGINT) AS dis, \
     CAST(CASE WHEN r.odgj THEN 1 ELSE 0 END AS BIGINT) AS odgj, \
     COUNT(*) AS people, \
     SUM(CASE WHEN r.submission_id IS NOT NULL THEN 1 ELSE 0 END), \
     SUM(CASE WHEN r.stage NOT IN ('terdaftar', 'diajukan', 'ditolak', 'digabung') THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM campaign_residents x WHERE x.resident_id = r.id {campaign}) THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM campaign_residents x JOIN campaign_events e ON e.campaign_id = x.campaign_id AND e.kind = 'jadwal_disetujui_camat' WHERE x.resident_id = r.id {campaign}) THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM campaign_residents x JOIN visit_outcomes o ON o.id = x.outcome_id WHERE x.resident_id = r.id AND x.resolved = TRUE AND o.kind = 'terekam' {campaign}) THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM production p WHERE p.resident_id = r.id AND p.printed_date IS NOT NULL) THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM handover_items i JOIN handovers h ON h.id = i.handover_id WHERE h.kind = 'kecamatan' AND i.resident_id = r.id AND i.item = 'ektp' AND i.status = 'diterima') THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM handover_items i JOIN handovers h ON h.id = i.handover_id WHERE h.kind = 'desa' AND i.resident_id = r.id AND i.item = 'ektp' AND i.status = 'diterima') THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM card_receipts c WHERE c.resident_id = r.id AND c.item = 'ektp') THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM welfare w WHERE w.resident_id = r.id) THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM proposals q WHERE q.resident_id = r.id) THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM proposals q WHERE q.resident_id = r.id AND q.result = 'diterima') THEN 1 ELSE 0 END), \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM facilitations f WHERE f.resident_id = r.id) THEN 1 ELSE 0 END) \
     FROM residents r WHERE r.merged_into IS NULL AND {scope} {only} \
     GROUP BY r.desa_code, lansia, dis, odgj ORDER BY r.desa_code";

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
    /// The funnel per desa and group within `scope`, for one campaign's people or everyone.
    /// `lansia_born_before`: people born on or before this ISO date are 60 or older.
    pub async fn funnel(
        &self,
        scope: &jempol_core::Scope,
        campaign: Option<i64>,
        lansia_born_before: &str,
    ) -> Result<Vec<FunnelRow>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "r.desa_code", 2);
        let n = binds.len() + 2;
        let (campaign_cond, only) = match campaign {
            Some(_) => (
                format!("AND x.campaign_id = ${n}"),
                format!("AND r.id IN (SELECT resident_id FROM campaign_residents WHERE campaign_id = ${n})"),
            ),
            None => (String::new(), String::new()),
        };
        let sql = FUNNEL_SQL
            .replace("{campaign}", &campaign_cond)
            .replace("{scope}", &cond)
            .replace("{only}", &only);
        let rows = run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(lansia_born_before);
            for b in &binds {
                q = q.bind(b);
            }
            if let Some(c) = campaign {
                q = q.bind(c);
            }
            let rows = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                use sqlx::Row;
                let flag = |i: usize| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(i)? == 1) };
                let mut counts = Vec::with_capacity(FUNNEL.len() + 1);
                for i in 4..(5 + FUNNEL.len()) {
                    counts.push(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0));
                }
                out.push(FunnelRow {
                    desa_code: r.try_get(0)?,
                    lansia: flag(1)?,
                    disabilitas: flag(2)?,
                    odgj: flag(3)?,
                    counts,
                });
            }
            out
        });
        Ok(rows)
    }
}
