//! The audit log: who did what, when, with the record before and after. Append-only, and a
//! hash chain: entry `seq` stores `sha256(hash of seq - 1, its own fields)`, and `audit_head`
//! holds the newest seq and hash. `verify_audit` walks the chain and names the first entry
//! that was edited, removed, slipped in around the chain, or cut off the end.

use crate::BeginWrite;
use crate::{Db, StoreError, run};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one entry that its hash covers (everything but the id, which the database
/// assigns and which a restore may renumber).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
}

/// The chained fields of an `audit_log` row (a macro: the row type differs per database).
macro_rules! link_from_row {
    ($r:expr) => {
        Link {
            at: $r.try_get("at")?,
            actor_id: $r.try_get("actor_id")?,
            actor: $r.try_get("actor")?,
            action: $r.try_get("action")?,
            entity: $r.try_get("entity")?,
            entity_id: $r.try_get("entity_id")?,
            before: $r.try_get("before_json")?,
            after: $r.try_get("after_json")?,
            ip: $r.try_get("ip")?,
        }
    };
}

impl Link {
    /// `sha256` of the previous hash, the place in the chain and the fields, as a JSON array
    /// (one unambiguous encoding: no field can run into the next).
    pub fn hash(&self, prev: &str, seq: i64) -> String {
        let canonical = serde_json::json!([
            prev,
            seq,
            self.at,
            self.actor_id,
            self.actor,
            self.action,
            self.entity,
            self.entity_id,
            self.before,
            self.after,
            self.ip
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// What the verifier found wrong first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ChainBreak {
    /// The entry's fields (or its stored hash) no longer match the chain: it was edited, or an
    /// earlier entry was edited and its hash recomputed.
    Altered { seq: i64, id: i64 },
    /// Entries `from..=to` are gone from the middle of the chain.
    Missing { from: i64, to: i64 },
    /// The chain ends at `last` but the head says `head`: the newest entries were removed.
    Truncated { last: i64, head: i64 },
    /// The head's hash differs from the last entry's: the head or the last entry was changed.
    HeadMismatch { seq: i64 },
    /// An entry outside the chain (no seq or hash): written into the table directly.
    Unchained { id: i64 },
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// Entries checked in chain order.
    pub checked: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first problem, or none when the chain is whole.
    pub problem: Option<ChainBreak>,
}

impl ChainReport {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Keyset paging: entries older than this id.
    pub before_id: Option<i64>,
    /// Exactly this record (entity, entity id): a person's own access log, with the list
    /// pages that showed them (`resident.list` entries naming the id).
    pub record: Option<(String, String)>,
    pub limit: i64,
}

impl Db {
    /// Entries newest first, filtered. Text filters match a part of the field.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = String::from(
            "SELECT id, at, actor_id, actor, action, entity, entity_id, before_json, after_json, ip FROM audit_log WHERE 1 = 1",
        );
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Text parameters first ($1..), then integers; numbering follows bind order.
        for (col, v) in [("actor", &f.actor), ("action", &f.action), ("entity", &f.entity)] {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                texts.push(format!("%{}%", v.trim().to_lowercase()));
                sql.push_str(&format!(" AND LOWER({col}) LIKE ${}", texts.len()));
            }
        }
        if let Some((entity, id)) = &f.record {
            texts.push(entity.clone());
            let e = texts.len();
            texts.push(id.clone());
            let i = texts.len();
            // A list page that showed the person names them in its entry (",12,15,").
            texts.push(format!("%,{id},%"));
            let listed = texts.len();
            sql.push_str(&format!(
                " AND entity = ${e} AND (entity_id = ${i} OR (action = 'resident.list' AND after_json LIKE ${listed}))"
            ));
        }
        for (cond, v) in [("at >=", f.from_ms), ("at <", f.until_ms), ("id <", f.before_id)] {
            if let Some(v) = v {
                ints.push(v);
                sql.push_str(&format!(" AND {cond} ${}", texts.len() + ints.len()));
            }
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", f.limit.clamp(1, 5000)));
        let rows = run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for t in &texts {
                q = q.bind(t);
            }
            for i in &ints {
                q = q.bind(i);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(AuditEntry {
                        id: r.try_get("id")?,
                        at: r.try_get("at")?,
                        actor_id: r.try_get("actor_id")?,
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        entity: r.try_get("entity")?,
                        entity_id: r.try_get("entity_id")?,
                        before: r.try_get("before_json")?,
                        after: r.try_get("after_json")?,
                        ip: r.try_get("ip")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// Records an event that changes no table (a lockout, a login, an export).
    pub async fn audit_event(
        &self,
        actor: &crate::Actor,
        now: i64,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
        detail: Option<serde_json::Value>,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            crate::audit!(&mut *tx, actor, now, action, entity, entity_id, None, detail)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records several events that change no table in one transaction, in order: the chain's
    /// head is moved once for all of them and the entries inserted 40 to a statement.
    pub async fn audit_events(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let links: Vec<Link> = events
            .iter()
            .map(|e| Link {
                at: e.at,
                actor_id: e.actor.user_id,
                actor: e.actor.name.clone(),
                action: e.action.clone(),
                entity: e.entity.clone(),
                entity_id: e.entity_id.clone(),
                before: None,
                after: e.detail.as_ref().map(|v| v.to_string()),
                ip: e.actor.ip.clone(),
            })
            .collect();
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            // Taking the places moves (and locks) the head, as `audit!` does one at a time.
            let (last, mut prev): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
                    .bind(links.len() as i64)
                    .fetch_one(&mut *tx)
                    .await?;
            let mut seq = last - links.len() as i64;
            let mut chained = Vec::with_capacity(links.len());
            for link in &links {
                seq += 1;
                let hash = link.hash(&prev, seq);
                chained.push((link, seq, hash.clone()));
                prev = hash;
            }
            for chunk in chained.chunks(40) {
                let sql = format!(
                    "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before_json, after_json, ip, seq, hash) \
                     VALUES {}",
                    crate::value_rows(chunk.len(), 11)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for (link, seq, hash) in chunk {
                    q = q
                        .bind(link.at)
                        .bind(link.actor_id)
                        .bind(&link.actor)
                        .bind(&link.action)
                        .bind(&link.entity)
                        .bind(&link.entity_id)
                        .bind(&link.before)
                        .bind(&link.after)
                        .bind(&link.ip)
                        .bind(*seq)
                        .bind(hash);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                .bind(&prev)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Walks the whole chain in order (in pages, so memory stays flat) and reports the first
    /// problem. Reads only; safe while serving.
    pub async fn verify_audit(&self) -> Result<ChainReport, StoreError> {
        const PAGE: i64 = 5000;
        let report = run!(self, |pool| {
            let (head_seq, head_hash): (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await?;
            let mut report = ChainReport {
                checked: 0,
                head_seq,
                head_hash: head_hash.clone(),
                problem: None,
            };
            let unchained: Option<i64> =
                sqlx::query_scalar("SELECT MIN(id) FROM audit_log WHERE seq IS NULL OR hash IS NULL")
                    .fetch_one(pool)
                    .await?;
            let (mut last_seq, mut prev) = (0_i64, GENESIS.to_string());
            'walk: loop {
                let rows = sqlx::query(
                    "SELECT id, seq, hash, at, actor_id, actor, action, entity, entity_id, before_json, after_json, ip \
                     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(last_seq)
                .bind(PAGE)
                .fetch_all(pool)
                .await?;
                let n = rows.len() as i64;
                for r in rows {
                    let seq: i64 = r.try_get("seq")?;
                    let id: i64 = r.try_get("id")?;
                    if seq != last_seq + 1 {
                        report.problem = Some(ChainBreak::Missing {
                            from: last_seq + 1,
                            to: seq - 1,
                        });
                        break 'walk;
                    }
                    let link = link_from_row!(r);
                    let stored: Option<String> = r.try_get("hash")?;
                    let hash = link.hash(&prev, seq);
                    if stored.as_deref() != Some(hash.as_str()) {
                        report.problem = Some(ChainBreak::Altered { seq, id });
                        break 'walk;
                    }
                    report.checked += 1;
                    last_seq = seq;
                    prev = hash;
                }
                if n < PAGE {
                    break;
                }
            }
            if report.problem.is_none() {
                report.problem = if last_seq < head_seq {
                    Some(ChainBreak::Truncated {
                        last: last_seq,
                        head: head_seq,
                    })
                } else if last_seq > head_seq || prev != head_hash {
                    Some(ChainBreak::HeadMismatch { seq: last_seq })
                } else {
                    unchained.map(|id| ChainBreak::Unchained { id })
                };
            }
            report
        });
        Ok(report)
    }

    /// Links entries written before the chain existed (migration 27) into it, oldest first.
    /// Runs once, right after that migration.
    pub(crate) async fn seal_unchained_audit(&self) -> Result<i64, StoreError> {
        let n = run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (mut seq, mut prev): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut *tx)
                    .await?;
            let rows = sqlx::query(
                "SELECT id, at, actor_id, actor, action, entity, entity_id, before_json, after_json, ip \
                 FROM audit_log WHERE seq IS NULL ORDER BY id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let n = rows.len() as i64;
            for r in rows {
                let link = link_from_row!(r);
                seq += 1;
                prev = link.hash(&prev, seq);
                let id: i64 = r.try_get("id")?;
                sqlx::query("UPDATE audit_log SET seq = $1, hash = $2 WHERE id = $3")
                    .bind(seq)
                    .bind(&prev)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(&prev)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            n
        });
        Ok(n)
    }
}

/// An event for [`AuditQueue`]: who looked at what, when.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: crate::Actor,
    pub at: i64,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub detail: Option<serde_json::Value>,
}

type Waiter = tokio::sync::oneshot::Sender<Result<(), (bool, String)>>;

/// Group commit for the entries that reading pages write (a list shown, a person's record
/// opened): every request still waits until its entry is committed, but entries that arrive
/// while one transaction is being written go together in the next one, so fifty readers at
/// once cost a few commits (each an fsync on SQLite) instead of fifty.
///
/// No background task: the first waiter to get the writer's turn writes everything queued so
/// far (its own entry with it) and hands each waiter the result; the others find theirs
/// already done. The write runs as its own task, so a request abandoned half-way (the browser
/// closed) cannot cancel the entries of the others.
#[derive(Default)]
pub struct AuditQueue {
    pending: std::sync::Mutex<Vec<(AuditEvent, Waiter)>>,
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    batches: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl AuditQueue {
    /// Transactions written so far (for tests and benchmarks).
    pub fn batches(&self) -> u64 {
        self.batches.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn record(&self, db: &Db, event: AuditEvent) -> Result<(), StoreError> {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((event, tx));
        let turn = self.writer.clone().lock_owned().await;
        match rx.try_recv() {
            Ok(done) => return done.map_err(queue_error),
            Err(tokio::sync::oneshot::error::TryRecvError::Closed) => return Err(queue_error((true, String::new()))),
            Err(tokio::sync::oneshot::error::TryRecvError::Empty) => {}
        }
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let db = db.clone();
        let batches = self.batches.clone();
        tokio::spawn(async move {
            let (events, waiters): (Vec<AuditEvent>, Vec<Waiter>) = batch.into_iter().unzip();
            if !events.is_empty() {
                batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let result = db
                .audit_events(&events)
                .await
                .map_err(|e| (e.is_unavailable(), e.to_string()));
            for w in waiters {
                let _ = w.send(result.clone());
            }
            drop(turn);
        });
        match rx.await {
            Ok(done) => done.map_err(queue_error),
            Err(_) => Err(queue_error((true, String::new()))),
        }
    }
}

/// A failed batch, to each of its waiters: "try again" when the database could not answer.
fn queue_error((unavailable, message): (bool, String)) -> StoreError {
    if unavailable {
        StoreError::Sqlx(sqlx::Error::PoolTimedOut)
    } else {
        StoreError::Sqlx(sqlx::Error::Protocol(message))
    }
}
