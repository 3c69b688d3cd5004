//! The working-time calendar: days off (holidays, cuti bersama) in a table, seeded from the
//! shipped holiday data the first time, then edited and imported per year; office hours,
//! breaks and the zone as one setting. Every change is audited.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use jempol_core::calendar::Holiday;

/// The setting holding office hours, breaks and the zone (JSON).
pub const CALENDAR_SETTING: &str = "calendar";
/// Set once the shipped holidays were copied in, so that a list emptied on purpose stays so.
const SEEDED: &str = "calendar.holidays_seeded";

type Row = (String, String, String);

impl Db {
    /// Every day off, by date; the shipped lists the first time.
    pub async fn holidays(&self, defaults: &[Holiday], now: i64) -> Result<Vec<Holiday>, StoreError> {
        if self.setting(SEEDED).await?.is_none() {
            let actor = Actor::system("hari libur bawaan");
            self.import_holidays(defaults, None, &actor, now).await?;
            match self.set_setting(SEEDED, "1", &actor, now).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let rows: Vec<Row> = run!(self, |pool| {
            sqlx::query_as("SELECT date, name, kind FROM holidays ORDER BY date")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(date, name, kind)| date.parse().ok().map(|date| Holiday { date, name, kind }))
            .collect())
    }

    /// Adds days off, replacing a day already listed; with `year`, that year's list is replaced
    /// whole (an import of a year's decree).
    pub async fn import_holidays(
        &self,
        list: &[Holiday],
        year: Option<i16>,
        actor: &Actor,
        now: i64,
    ) -> Result<usize, StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            if let Some(y) = year {
                sqlx::query("DELETE FROM holidays WHERE date LIKE $1")
                    .bind(format!("{y:04}-%"))
                    .execute(&mut *tx)
                    .await?;
            }
            for h in list {
                sqlx::query(
                    "INSERT INTO holidays (date, name, kind, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (date) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(h.date.to_string())
                .bind(&h.name)
                .bind(&h.kind)
                .bind(actor.name.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "holiday.import",
                "holiday",
                year.map(|y| y.to_string()),
                None,
                Some(serde_json::json!({"days": list.len(), "year": year}))
            )?;
            tx.commit().await?;
        });
        Ok(list.len())
    }

    /// Removes one day off.
    pub async fn remove_holiday(&self, date: &str, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<Row> = sqlx::query_as("SELECT date, name, kind FROM holidays WHERE date = $1")
                .bind(date)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(before) = before else {
                return Err(StoreError::NotFound);
            };
            sqlx::query("DELETE FROM holidays WHERE date = $1")
                .bind(date)
                .execute(&mut *tx)
                .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "holiday.remove",
                "holiday",
                Some(date.to_string()),
                Some(serde_json::json!({"date": before.0, "name": before.1, "kind": before.2})),
                None
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}
