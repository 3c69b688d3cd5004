//! The public status check: each resident of a campaign gets a tracking code, printed on the
//! visit slip; a family enters it with the person's year of birth and sees the stage only.
//! Checks are counted per address so that guessing codes is slow.

use crate::BeginWrite;
use crate::{Db, StoreError, run};

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new code, `ABCD-2345`, from 8 random bytes.
pub fn new_code(random: [u8; 8]) -> String {
    let c: String = random
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &c[..4], &c[4..])
}

/// A code as typed: upper case, separators and spaces ignored, the dash put back.
pub fn normalise_code(typed: &str) -> String {
    let c: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if c.len() == 8 {
        format!("{}-{}", &c[..4], &c[4..])
    } else {
        c
    }
}

/// What the public page needs of a person, nothing more.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub resident_id: i64,
    pub birth_date: String,
    pub stage: String,
}

impl Db {
    /// Gives every person of the campaign without a code one. `random` makes the bytes.
    pub async fn ensure_tracking_codes(
        &self,
        campaign_id: i64,
        mut random: impl FnMut() -> [u8; 8],
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = run!(self, |pool| {
            sqlx::query_scalar(
                "SELECT r.id FROM campaign_residents c JOIN residents r ON r.id = c.resident_id \
                 WHERE c.campaign_id = $1 AND r.tracking_code IS NULL",
            )
            .bind(campaign_id)
            .fetch_all(pool)
            .await?
        });
        for id in ids {
            // A clash with another code is astronomically rare; try again with new bytes.
            for _ in 0..5 {
                let code = new_code(random());
                let done = run!(self, |pool| {
                    let mut tx = pool.begin_write().await?;
                    match sqlx::query("UPDATE residents SET tracking_code = $1 WHERE id = $2 AND tracking_code IS NULL")
                        .bind(&code)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                    {
                        Ok(_) => {
                            tx.commit().await?;
                            true
                        }
                        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => false,
                        Err(e) => return Err(e.into()),
                    }
                });
                if done {
                    break;
                }
            }
        }
        Ok(())
    }

    pub async fn tracking_codes(&self, campaign_id: i64) -> Result<std::collections::HashMap<i64, String>, StoreError> {
        let rows: Vec<(i64, String)> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.tracking_code FROM campaign_residents c JOIN residents r ON r.id = c.resident_id \
                 WHERE c.campaign_id = $1 AND r.tracking_code IS NOT NULL",
            )
            .bind(campaign_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().collect())
    }

    pub async fn by_tracking_code(&self, code: &str) -> Result<Option<Tracked>, StoreError> {
        let row: Option<(i64, String, String)> = run!(self, |pool| {
            sqlx::query_as("SELECT id, birth_date, stage FROM residents WHERE tracking_code = $1")
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(resident_id, birth_date, stage)| Tracked {
            resident_id,
            birth_date,
            stage,
        }))
    }

    pub async fn resident_desa(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_scalar("SELECT desa_code FROM residents WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Counts a check from `ip` and says how many that address made since `since`.
    pub async fn count_status_check(&self, ip: &str, found: bool, now: i64, since: i64) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO status_checks (ip, at, found) VALUES ($1, $2, $3)")
                .bind(ip)
                .bind(now)
                .bind(found)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            sqlx::query_scalar("SELECT COUNT(*) FROM status_checks WHERE ip = $1 AND at >= $2")
                .bind(ip)
                .bind(since)
                .fetch_one(pool)
                .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unambiguous_and_typed_codes_are_normalised() {
        let c = new_code([0, 1, 2, 3, 30, 31, 200, 255]);
        assert_eq!(c.len(), 9);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(normalise_code(" abcd 2345 "), "ABCD-2345");
        assert_eq!(normalise_code("abcd-2345"), "ABCD-2345");
        assert_eq!(normalise_code("ab"), "AB");
    }
}
