//! Key–value settings an admin can change at run time (shared by every instance).

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};

impl Db {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn set_setting(&self, key: &str, value: &str, actor: &Actor, now: i64) -> Result<(), StoreError> {
        let before = self.setting(key).await?;
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "setting.set",
                "setting",
                Some(key),
                before.map(serde_json::Value::String),
                Some(serde_json::Value::String(value.to_string()))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}
