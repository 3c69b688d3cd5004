//! Escalations on their way outside the app (webhook, email): claimed by one instance at a
//! time, marked sent, or retried later with the error kept, and given up after
//! [`MAX_ATTEMPTS`].

use crate::BeginWrite;
use crate::sla::{ESCALATION_COLS, Escalation, EscalationRow, escalation_from};
use crate::{Db, StoreError, run};
use serde::Serialize;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 8;

/// Minutes to wait after the n-th failed attempt (1-based).
pub fn backoff_minutes(attempts: i64) -> i64 {
    match attempts {
        ..=1 => 1,
        2 => 5,
        3 => 15,
        4 => 30,
        _ => 60,
    }
}

/// One escalation to send to one destination.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub channel: String,
    pub target: String,
    /// Attempts including the one now claimed.
    pub attempts: i64,
    pub escalation: Escalation,
}

/// Where an escalation went: per destination, sent, waiting for a retry, or given up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub escalation_id: i64,
    pub channel: String,
    pub target: String,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

type ClaimRow = (i64, String, String, i64, i64);
type DeliveryRow = (i64, String, String, i64, Option<i64>, Option<i64>, Option<String>);

impl Db {
    /// Takes the most overdue delivery, if any is due at `now`, for `lease_ms`: no other
    /// instance takes it meanwhile, and if this one dies it is due again after the lease.
    pub async fn claim_notification(&self, now: i64, lease_ms: i64) -> Result<Option<Notification>, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let claimed: Option<ClaimRow> = sqlx::query_as(
                "UPDATE notifications SET next_at = $2, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM notifications WHERE sent_at IS NULL AND failed_at IS NULL AND next_at <= $1 \
                             ORDER BY next_at, id LIMIT 1) \
                 AND next_at <= $1 AND sent_at IS NULL AND failed_at IS NULL \
                 RETURNING id, channel, target, attempts, escalation_id",
            )
            .bind(now)
            .bind(now + lease_ms)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id, channel, target, attempts, escalation_id)) = claimed else {
                tx.commit().await?;
                return Ok(None);
            };
            let sql = format!("SELECT {ESCALATION_COLS} FROM escalations WHERE id = $1");
            let r: EscalationRow = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(escalation_id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Some(Notification {
                id,
                channel,
                target,
                attempts,
                escalation: escalation_from(r),
            })
        }))
    }

    /// The claimed delivery went out.
    pub async fn notification_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE notifications SET sent_at = $1, last_error = NULL WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The claimed delivery failed: due again after the back-off, or given up once it has had
    /// [`MAX_ATTEMPTS`]. Returns true when given up.
    pub async fn notification_failed(&self, n: &Notification, error: &str, now: i64) -> Result<bool, StoreError> {
        let give_up = n.attempts >= MAX_ATTEMPTS;
        let next = now + backoff_minutes(n.attempts) * 60_000;
        let error: String = error.chars().take(500).collect();
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE notifications SET last_error = $1, next_at = $2, failed_at = $3 WHERE id = $4")
                .bind(&error)
                .bind(next)
                .bind(give_up.then_some(now))
                .bind(n.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(give_up)
    }

    /// Where the given escalations were sent, in order of escalation and destination.
    pub async fn deliveries(&self, escalation_ids: &[i64]) -> Result<Vec<Delivery>, StoreError> {
        if escalation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=escalation_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT escalation_id, channel, target, attempts, sent_at, failed_at, last_error FROM notifications \
             WHERE escalation_id IN ({}) ORDER BY escalation_id, id",
            list.join(", ")
        );
        let rows: Vec<DeliveryRow> = run!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in escalation_ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Delivery {
                escalation_id: r.0,
                channel: r.1,
                target: r.2,
                attempts: r.3,
                sent_at: r.4,
                failed_at: r.5,
                last_error: r.6,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_then_stay_at_an_hour() {
        let waits: Vec<i64> = (1..=MAX_ATTEMPTS).map(backoff_minutes).collect();
        assert_eq!(waits, vec![1, 5, 15, 30, 60, 60, 60, 60]);
    }
}
