//! Campaigns (gelombang): one run of the SOP in a kecamatan, gathering verified residents, with
//! its recording teams and its home-visit schedule (step 4). The schedule is stored as the
//! planner's instance and plan (JSON), versioned; the Kasi approves it, then the Camat, which
//! ends step 4. Every change is an event in the campaign's history and an audit entry.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, campaign_event, run};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub kecamatan_code: String,
    pub name: String,
    /// ISO dates.
    pub start_date: String,
    pub end_date: String,
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub kecamatan_code: String,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
    pub sop_definition_id: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub members: String,
    pub kit: String,
}

/// A resident of a campaign, with what the schedule needs.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: i64,
    pub nik: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub desa_code: String,
    pub dusun: Option<String>,
    pub rt: Option<String>,
    pub rw: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub disabilitas: bool,
    pub disability_kind: Option<String>,
    pub odgj: bool,
    pub bedridden: bool,
    pub needs_companion: bool,
    pub fingerprints_impossible: bool,
    pub iris_impossible: bool,
    pub cannot_sign: bool,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// When the family says the person is at home, as typed.
    pub home_times: Option<String>,
    /// What the coordination meeting decided for this person (family present, a health worker).
    pub arrangement: Option<String>,
    /// Found on site by this team on this day (ISO), not on the village's list.
    pub walkin_team: Option<String>,
    pub walkin_date: Option<String>,
}

/// A note the campaign keeps on one of its people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberNote {
    /// When the family says the person is at home (the planner keeps to it).
    HomeTimes,
    /// What the coordination meeting arranged (printed on the schedule).
    Arrangement,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredPlan {
    pub id: i64,
    pub version: i64,
    pub seed: i64,
    pub instance_json: String,
    pub plan_json: String,
    /// `draft`, `kasi` (approved by the Kasi), `camat` (approved by the Camat: step 4 done).
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub kasi_by: Option<String>,
    pub kasi_at: Option<i64>,
    pub camat_by: Option<String>,
    pub camat_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignEvent {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub payload_json: String,
}

const CAMPAIGN_COLS: &str = "id, kecamatan_code, name, start_date, end_date, status, created_by, created_at";

fn campaign_from<R: Row>(r: &R) -> Result<Campaign, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(Campaign {
        id: r.try_get("id")?,
        kecamatan_code: r.try_get("kecamatan_code")?,
        name: r.try_get("name")?,
        start_date: r.try_get("start_date")?,
        end_date: r.try_get("end_date")?,
        status: r.try_get("status")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Db {
    pub async fn create_campaign(&self, c: &NewCampaign, actor: &Actor, now: i64) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO campaigns (kecamatan_code, name, start_date, end_date, status, sop_definition_id, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7) RETURNING id",
            )
            .bind(&c.kecamatan_code)
            .bind(&c.name)
            .bind(&c.start_date)
            .bind(&c.end_date)
            .bind(c.sop_definition_id)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let payload = serde_json::json!({
                "name": c.name, "kecamatan": c.kecamatan_code, "start": c.start_date, "end": c.end_date
            });
            campaign_event!(tx, id, actor, now, "dibuat", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.create",
                "campaign",
                Some(id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
            id
        }))
    }

    /// Campaigns of the kecamatan in `scope`, newest first.
    pub async fn campaigns_in_scope(&self, scope: &jempol_core::Scope) -> Result<Vec<Campaign>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "kecamatan_code", 1);
        let sql = format!("SELECT {CAMPAIGN_COLS} FROM campaigns WHERE {cond} ORDER BY id DESC LIMIT 200");
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(campaign_from)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    pub async fn campaign(&self, id: i64) -> Result<Option<Campaign>, StoreError> {
        let sql = format!("SELECT {CAMPAIGN_COLS} FROM campaigns WHERE id = $1");
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(campaign_from(&r)?),
                None => None,
            }
        }))
    }

    /// The residents of a campaign, by desa and name.
    pub async fn campaign_members(&self, id: i64) -> Result<Vec<Member>, StoreError> {
        Ok(run!(self, |pool| {
            let rows = sqlx::query(
                "SELECT r.id, r.nik, r.name, r.sex, r.birth_date, r.desa_code, r.dusun, r.rt, r.rw, r.address, \
                 r.phone, r.disabilitas, r.disability_kind, r.odgj, r.bedridden, r.needs_companion, r.lat, r.lng, \
                 r.fingerprints_impossible, r.iris_impossible, r.cannot_sign, c.home_times, c.arrangement, c.walkin_team, c.walkin_date FROM campaign_residents c JOIN residents r ON r.id = c.resident_id \
                 WHERE c.campaign_id = $1 ORDER BY r.desa_code, r.name, r.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(Member {
                    id: r.try_get("id")?,
                    nik: r.try_get("nik")?,
                    name: r.try_get("name")?,
                    sex: r.try_get("sex")?,
                    birth_date: r.try_get("birth_date")?,
                    desa_code: r.try_get("desa_code")?,
                    dusun: r.try_get("dusun")?,
                    rt: r.try_get("rt")?,
                    rw: r.try_get("rw")?,
                    address: r.try_get("address")?,
                    phone: r.try_get("phone")?,
                    disabilitas: r.try_get("disabilitas")?,
                    disability_kind: r.try_get("disability_kind")?,
                    odgj: r.try_get("odgj")?,
                    bedridden: r.try_get("bedridden")?,
                    needs_companion: r.try_get("needs_companion")?,
                    fingerprints_impossible: r.try_get("fingerprints_impossible")?,
                    iris_impossible: r.try_get("iris_impossible")?,
                    cannot_sign: r.try_get("cannot_sign")?,
                    lat: r.try_get("lat")?,
                    lng: r.try_get("lng")?,
                    home_times: r.try_get("home_times")?,
                    arrangement: r.try_get("arrangement")?,
                    walkin_team: r.try_get("walkin_team")?,
                    walkin_date: r.try_get("walkin_date")?,
                });
            }
            out
        }))
    }

    /// Verified residents of the campaign's kecamatan (optionally one desa) who are in no open
    /// campaign yet.
    pub async fn eligible_for_campaign(&self, c: &Campaign, desa: Option<&str>) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM residents r WHERE substr(r.desa_code, 1, 8) = $1 AND r.stage = 'terverifikasi' \
                 AND ($2 = '' OR r.desa_code = $2) AND NOT EXISTS (SELECT 1 FROM campaign_residents x \
                 JOIN campaigns k ON k.id = x.campaign_id WHERE x.resident_id = r.id AND k.status = 'open')",
            )
            .bind(&c.kecamatan_code)
            .bind(desa.unwrap_or(""))
            .fetch_one(pool)
            .await?
        }))
    }

    /// Adds the eligible residents (see `eligible_for_campaign`). Returns how many.
    pub async fn add_verified_to_campaign(
        &self,
        c: &Campaign,
        desa: Option<&str>,
        actor: &Actor,
        now: i64,
    ) -> Result<u64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            crate::lock_campaign_membership!(self, tx);
            let n = sqlx::query(
                "INSERT INTO campaign_residents (campaign_id, resident_id, added_at, added_by) \
                 SELECT $3, r.id, $4, $5 FROM residents r WHERE substr(r.desa_code, 1, 8) = $1 \
                 AND r.stage = 'terverifikasi' AND ($2 = '' OR r.desa_code = $2) AND NOT EXISTS \
                 (SELECT 1 FROM campaign_residents x JOIN campaigns k ON k.id = x.campaign_id \
                 WHERE x.resident_id = r.id AND k.status = 'open')",
            )
            .bind(&c.kecamatan_code)
            .bind(desa.unwrap_or(""))
            .bind(c.id)
            .bind(now)
            .bind(actor.name.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let payload = serde_json::json!({"added": n, "desa": desa});
            campaign_event!(tx, c.id, actor, now, "warga_ditambah", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.add_residents",
                "campaign",
                Some(c.id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
            n
        }))
    }

    pub async fn remove_from_campaign(
        &self,
        campaign_id: i64,
        resident_id: i64,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM campaign_residents WHERE campaign_id = $1 AND resident_id = $2")
                .bind(campaign_id)
                .bind(resident_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let payload = serde_json::json!({"resident": resident_id});
            campaign_event!(tx, campaign_id, actor, now, "warga_dikeluarkan", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.remove_resident",
                "campaign",
                Some(campaign_id.to_string()),
                Some(payload.clone()),
                None
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn add_team(
        &self,
        campaign_id: i64,
        name: &str,
        members: &str,
        kit: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO campaign_teams (campaign_id, name, members, kit) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(campaign_id)
            .bind(name)
            .bind(members)
            .bind(kit)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_to_conflict(e, "nama tim ini sudah dipakai di gelombang ini"))?;
            let payload = serde_json::json!({"team": name, "members": members, "kit": kit});
            campaign_event!(tx, campaign_id, actor, now, "tim_ditambah", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.add_team",
                "campaign",
                Some(campaign_id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
            id
        }))
    }

    pub async fn remove_team(&self, campaign_id: i64, team_id: i64, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "DELETE FROM campaign_team_users WHERE team_id IN \
                 (SELECT id FROM campaign_teams WHERE campaign_id = $1 AND id = $2)",
            )
            .bind(campaign_id)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
            let name: Option<String> =
                sqlx::query_scalar("DELETE FROM campaign_teams WHERE campaign_id = $1 AND id = $2 RETURNING name")
                    .bind(campaign_id)
                    .bind(team_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(name) = name else {
                return Err(StoreError::NotFound);
            };
            let payload = serde_json::json!({"team": name});
            campaign_event!(tx, campaign_id, actor, now, "tim_dihapus", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.remove_team",
                "campaign",
                Some(campaign_id.to_string()),
                Some(payload.clone()),
                None
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn campaign_teams(&self, campaign_id: i64) -> Result<Vec<Team>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = run!(self, |pool| {
            sqlx::query_as("SELECT id, name, members, kit FROM campaign_teams WHERE campaign_id = $1 ORDER BY id")
                .bind(campaign_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name, members, kit)| Team { id, name, members, kit })
            .collect())
    }

    /// Stores a new version of the schedule (a draft until approved). Returns its version.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_plan(
        &self,
        campaign_id: i64,
        seed: i64,
        instance_json: &str,
        plan_json: &str,
        summary: serde_json::Value,
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let version: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM campaign_plans WHERE campaign_id = $1")
                    .bind(campaign_id)
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO campaign_plans (campaign_id, version, seed, instance_json, plan_json, status, created_by, \
                 created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7)",
            )
            .bind(campaign_id)
            .bind(version)
            .bind(seed)
            .bind(instance_json)
            .bind(plan_json)
            .bind(actor.name.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let payload = serde_json::json!({"version": version, "seed": seed, "summary": summary});
            campaign_event!(tx, campaign_id, actor, now, "jadwal_disusun", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.plan",
                "campaign",
                Some(campaign_id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
            version
        }))
    }

    pub async fn latest_plan(&self, campaign_id: i64) -> Result<Option<StoredPlan>, StoreError> {
        Ok(run!(self, |pool| {
            match sqlx::query(
                "SELECT id, version, seed, instance_json, plan_json, status, created_by, created_at, kasi_by, kasi_at, \
                 camat_by, camat_at FROM campaign_plans WHERE campaign_id = $1 ORDER BY version DESC LIMIT 1",
            )
            .bind(campaign_id)
            .fetch_optional(pool)
            .await?
            {
                None => None,
                Some(r) => Some(StoredPlan {
                    id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    seed: r.try_get("seed")?,
                    instance_json: r.try_get("instance_json")?,
                    plan_json: r.try_get("plan_json")?,
                    status: r.try_get("status")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    kasi_by: r.try_get("kasi_by")?,
                    kasi_at: r.try_get("kasi_at")?,
                    camat_by: r.try_get("camat_by")?,
                    camat_at: r.try_get("camat_at")?,
                }),
            }
        }))
    }

    /// Approves the latest schedule: the Kasi approves a draft, then the Camat approves what the
    /// Kasi approved (step 4 done). `version` guards against approving a schedule that was
    /// re-planned meanwhile.
    pub async fn approve_plan(
        &self,
        campaign_id: i64,
        version: i64,
        by_camat: bool,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let (from, to, kind) = if by_camat {
            ("kasi", "camat", "jadwal_disetujui_camat")
        } else {
            ("draft", "kasi", "jadwal_disetujui_kasi")
        };
        let sql = if by_camat {
            "UPDATE campaign_plans SET status = 'camat', camat_by = $1, camat_at = $2 \
             WHERE campaign_id = $3 AND version = $4 AND status = 'kasi' \
             AND version = (SELECT MAX(version) FROM campaign_plans WHERE campaign_id = $3)"
        } else {
            "UPDATE campaign_plans SET status = 'kasi', kasi_by = $1, kasi_at = $2 \
             WHERE campaign_id = $3 AND version = $4 AND status = 'draft' \
             AND version = (SELECT MAX(version) FROM campaign_plans WHERE campaign_id = $3)"
        };
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(sql)
                .bind(actor.name.as_str())
                .bind(now)
                .bind(campaign_id)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(if by_camat {
                    "jadwal ini belum disetujui Kasi, sudah disetujui, atau sudah disusun ulang".into()
                } else {
                    "jadwal ini sudah disetujui atau sudah disusun ulang".into()
                }));
            }
            let payload = serde_json::json!({"version": version});
            campaign_event!(tx, campaign_id, actor, now, kind, payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.approve",
                "campaign",
                Some(campaign_id.to_string()),
                Some(serde_json::json!({"version": version, "status": from})),
                Some(serde_json::json!({"version": version, "status": to}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn campaign_events(&self, campaign_id: i64) -> Result<Vec<CampaignEvent>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT at, actor, kind, payload_json FROM campaign_events WHERE campaign_id = $1 ORDER BY id",
            )
            .bind(campaign_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(at, actor, kind, payload_json)| CampaignEvent {
                at,
                actor,
                kind,
                payload_json,
            })
            .collect())
    }

    /// The visits the Kasi pinned: resident id → (team, ISO date).
    pub async fn campaign_locks(
        &self,
        campaign_id: i64,
    ) -> Result<std::collections::HashMap<i64, (String, String)>, StoreError> {
        let rows: Vec<(i64, String, String)> = run!(self, |pool| {
            sqlx::query_as("SELECT resident_id, team, visit_date FROM campaign_locks WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(r, t, d)| (r, (t, d))).collect())
    }

    /// Pins a visit to a team-day, or unpins it (`None`). When `plan` is given (seed, instance,
    /// plan), the adjusted schedule is saved as a new draft version in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_lock(
        &self,
        campaign_id: i64,
        resident_id: i64,
        lock: Option<(&str, &str)>,
        plan: Option<(i64, &str, &str)>,
        kind: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM campaign_locks WHERE campaign_id = $1 AND resident_id = $2")
                .bind(campaign_id)
                .bind(resident_id)
                .execute(&mut *tx)
                .await?;
            if let Some((team, date)) = lock {
                sqlx::query(
                    "INSERT INTO campaign_locks (campaign_id, resident_id, team, visit_date, locked_by, locked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(campaign_id)
                .bind(resident_id)
                .bind(team)
                .bind(date)
                .bind(actor.name.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let mut version = None;
            if let Some((seed, instance_json, plan_json)) = plan {
                let v: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM campaign_plans WHERE campaign_id = $1",
                )
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO campaign_plans (campaign_id, version, seed, instance_json, plan_json, status, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7)",
                )
                .bind(campaign_id)
                .bind(v)
                .bind(seed)
                .bind(instance_json)
                .bind(plan_json)
                .bind(actor.name.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                version = Some(v);
            }
            let payload = serde_json::json!({
                "resident": resident_id,
                "team": lock.map(|l| l.0),
                "date": lock.map(|l| l.1),
                "version": version,
            });
            campaign_event!(tx, campaign_id, actor, now, kind, payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.adjust",
                "campaign",
                Some(campaign_id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a note on one person of a campaign (`None` clears it): when the family says
    /// the person is at home, or what the coordination meeting arranged for them.
    pub async fn set_member_note(
        &self,
        campaign_id: i64,
        resident_id: i64,
        note: MemberNote,
        text: Option<&str>,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let (sql, kind, action, key) = match note {
            MemberNote::HomeTimes => (
                "UPDATE campaign_residents SET home_times = $1 WHERE campaign_id = $2 AND resident_id = $3",
                "waktu_di_rumah",
                "campaign.home_times",
                "home_times",
            ),
            MemberNote::Arrangement => (
                "UPDATE campaign_residents SET arrangement = $1 WHERE campaign_id = $2 AND resident_id = $3",
                "pengaturan_khusus",
                "campaign.arrangement",
                "arrangement",
            ),
        };
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(sql)
                .bind(text)
                .bind(campaign_id)
                .bind(resident_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let payload = serde_json::json!({"resident": resident_id, key: text});
            campaign_event!(tx, campaign_id, actor, now, kind, payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                action,
                "campaign",
                Some(campaign_id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets the accounts of a team (whose field list shows its visits).
    pub async fn set_team_users(
        &self,
        campaign_id: i64,
        team_id: i64,
        user_ids: &[i64],
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let team: Option<String> =
                sqlx::query_scalar("SELECT name FROM campaign_teams WHERE campaign_id = $1 AND id = $2")
                    .bind(campaign_id)
                    .bind(team_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(team) = team else {
                return Err(StoreError::NotFound);
            };
            sqlx::query("DELETE FROM campaign_team_users WHERE team_id = $1")
                .bind(team_id)
                .execute(&mut *tx)
                .await?;
            for u in user_ids {
                sqlx::query("INSERT INTO campaign_team_users (team_id, user_id) VALUES ($1, $2)")
                    .bind(team_id)
                    .bind(u)
                    .execute(&mut *tx)
                    .await?;
            }
            let payload = serde_json::json!({"team": team, "users": user_ids});
            campaign_event!(tx, campaign_id, actor, now, "akun_tim", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.team_users",
                "campaign",
                Some(campaign_id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The accounts of each team of a campaign: team id → user ids.
    pub async fn team_users(&self, campaign_id: i64) -> Result<std::collections::HashMap<i64, Vec<i64>>, StoreError> {
        let rows: Vec<(i64, i64)> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT u.team_id, u.user_id FROM campaign_team_users u JOIN campaign_teams t ON t.id = u.team_id \
                 WHERE t.campaign_id = $1 ORDER BY u.team_id, u.user_id",
            )
            .bind(campaign_id)
            .fetch_all(pool)
            .await?
        });
        let mut out: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        for (t, u) in rows {
            out.entry(t).or_default().push(u);
        }
        Ok(out)
    }

    /// The teams a user is in, in open campaigns: (campaign id, team name).
    pub async fn teams_of_user(&self, user_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_as(
                "SELECT t.campaign_id, t.name FROM campaign_team_users u JOIN campaign_teams t ON t.id = u.team_id \
                 JOIN campaigns c ON c.id = t.campaign_id WHERE u.user_id = $1 AND c.status = 'open' \
                 ORDER BY t.campaign_id, t.name",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The newest schedule of a campaign the Camat approved, if any.
    pub async fn approved_plan(&self, campaign_id: i64) -> Result<Option<(i64, String)>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_as(
                "SELECT version, plan_json FROM campaign_plans WHERE campaign_id = $1 AND status = 'camat' \
                 ORDER BY version DESC LIMIT 1",
            )
            .bind(campaign_id)
            .fetch_optional(pool)
            .await?
        }))
    }
}
