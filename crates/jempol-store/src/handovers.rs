//! Printed cards changing hands (SOP steps 7 and 8): a handover is a numbered berita acara
//! serah terima with its items (a person's e-KTP or KK); the receiving side confirms each item
//! as received or missing, and a missing item stays open until it turns up. Every change is an
//! event in the person's history and an audit entry.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use jempol_core::Scope;
use serde::Serialize;

/// A card ready to be handed on: (resident, item `ektp` or `kk`) with the date it got there.
#[derive(Debug, Clone, Serialize)]
pub struct CardLine {
    pub resident_id: i64,
    pub nik: String,
    pub name: String,
    pub desa_code: String,
    pub item: String,
    pub since: String,
}

#[derive(Debug, Clone)]
pub struct NewHandover {
    /// `kecamatan` (Dispendukcapil → kecamatan, step 7) or `desa` (kecamatan → desa, step 8).
    pub kind: String,
    pub kecamatan_code: String,
    pub desa_code: Option<String>,
    pub handed_date: String,
    pub giver_name: String,
    pub receiver_name: String,
    pub items: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandoverItem {
    pub id: i64,
    pub resident_id: i64,
    pub nik: String,
    pub name: String,
    pub desa_code: String,
    pub item: String,
    /// `diserahkan` (handed over, not checked yet), `diterima`, `hilang` (missing).
    pub status: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Handover {
    pub id: i64,
    pub kind: String,
    pub number: String,
    pub kecamatan_code: String,
    pub desa_code: Option<String>,
    pub handed_date: String,
    pub giver_name: String,
    pub receiver_name: String,
    pub created_by: String,
    pub confirmed_by: Option<String>,
    pub items: Vec<HandoverItem>,
}

impl Handover {
    pub fn count(&self, status: &str) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
}

/// The number of a berita acara: `001/BAST-KEC/35.19.02/2026` (or `BAST-DESA`).
pub fn handover_number(kind: &str, kecamatan: &str, seq: i64, year: i64) -> String {
    let k = if kind == "desa" { "BAST-DESA" } else { "BAST-KEC" };
    format!("{seq:03}/{k}/{kecamatan}/{year}")
}

impl Db {
    /// Printed cards still at Dispendukcapil (in no step 7 handover yet), in `scope`.
    pub async fn cards_at_dukcapil(&self, scope: &Scope) -> Result<Vec<CardLine>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "r.desa_code", 1);
        let one = |date_col: &str, item: &str| {
            format!(
                "SELECT r.id, r.nik, r.name, r.desa_code, '{item}' AS item, p.{date_col} AS since \
                 FROM production p JOIN residents r ON r.id = p.resident_id WHERE p.{date_col} IS NOT NULL AND {cond} \
                 AND NOT EXISTS (SELECT 1 FROM handover_items i JOIN handovers h ON h.id = i.handover_id \
                 WHERE h.kind = 'kecamatan' AND i.resident_id = r.id AND i.item = '{item}')"
            )
        };
        let sql = format!(
            "{} UNION ALL {} ORDER BY 4, 3, 1, 5",
            one("printed_date", "ektp"),
            one("kk_printed_date", "kk")
        );
        Ok(run!(self, |pool| {
            let mut q =
                sqlx::query_as::<_, (i64, String, String, String, String, String)>(sqlx::AssertSqlSafe(sql.as_str()));
            for b in binds.iter().chain(binds.iter()) {
                q = q.bind(b);
            }
            q.fetch_all(pool)
                .await?
                .into_iter()
                .map(|(resident_id, nik, name, desa_code, item, since)| CardLine {
                    resident_id,
                    nik,
                    name,
                    desa_code,
                    item,
                    since,
                })
                .collect()
        }))
    }

    /// Makes a handover with its next number for the year; every item starts as handed over.
    pub async fn create_handover(&self, n: &NewHandover, actor: &Actor, now: i64) -> Result<(i64, String), StoreError> {
        let year: i64 = n.handed_date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let seq: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM handovers WHERE kind = $1 AND kecamatan_code = $2 AND year = $3",
            )
            .bind(&n.kind)
            .bind(&n.kecamatan_code)
            .bind(year)
            .fetch_one(&mut *tx)
            .await?;
            let number = handover_number(&n.kind, &n.kecamatan_code, seq, year);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO handovers (kind, number, year, seq, kecamatan_code, desa_code, handed_date, giver_name, \
                 receiver_name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(&n.kind)
            .bind(&number)
            .bind(year)
            .bind(seq)
            .bind(&n.kecamatan_code)
            .bind(&n.desa_code)
            .bind(&n.handed_date)
            .bind(&n.giver_name)
            .bind(&n.receiver_name)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_to_conflict(e, "nomor berita acara baru saja dipakai; coba lagi"))?;
            for (rid, item) in &n.items {
                sqlx::query(
                    "INSERT INTO handover_items (handover_id, resident_id, item, status) VALUES ($1, $2, $3, 'diserahkan')",
                )
                .bind(id)
                .bind(rid)
                .bind(item)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'serah_terima', $4)",
                )
                .bind(rid)
                .bind(now)
                .bind(actor.name.as_str())
                .bind(
                    serde_json::json!({"handover": id, "number": number, "kind": n.kind, "item": item, "status": "diserahkan", "date": n.handed_date})
                        .to_string(),
                )
                .execute(&mut *tx)
                .await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "handover.create",
                "handover",
                Some(id.to_string()),
                None,
                Some(
                    serde_json::json!({"number": number, "kind": n.kind, "kecamatan": n.kecamatan_code,
                    "desa": n.desa_code, "date": n.handed_date, "items": n.items.len()})
                )
            )?;
            tx.commit().await?;
            (id, number)
        }))
    }

    pub async fn handover(&self, id: i64) -> Result<Option<Handover>, StoreError> {
        type Head = (
            i64,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
            String,
            Option<String>,
        );
        type ItemRow = (i64, i64, String, String, String, String, String, Option<String>);
        let (head, items): (Option<Head>, Vec<ItemRow>) = run!(self, |pool| {
            let head = sqlx::query_as(
                "SELECT id, kind, number, kecamatan_code, desa_code, handed_date, giver_name, receiver_name, created_by, \
                 confirmed_by FROM handovers WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            let items = sqlx::query_as(
                "SELECT i.id, i.resident_id, r.nik, r.name, r.desa_code, i.item, i.status, i.note FROM handover_items i \
                 JOIN residents r ON r.id = i.resident_id WHERE i.handover_id = $1 ORDER BY r.desa_code, r.name, i.resident_id, i.item",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            (head, items)
        });
        Ok(head.map(
            |(
                id,
                kind,
                number,
                kecamatan_code,
                desa_code,
                handed_date,
                giver_name,
                receiver_name,
                created_by,
                confirmed_by,
            )| {
                Handover {
                    id,
                    kind,
                    number,
                    kecamatan_code,
                    desa_code,
                    handed_date,
                    giver_name,
                    receiver_name,
                    created_by,
                    confirmed_by,
                    items: items
                        .into_iter()
                        .map(
                            |(id, resident_id, nik, name, desa_code, item, status, note)| HandoverItem {
                                id,
                                resident_id,
                                nik,
                                name,
                                desa_code,
                                item,
                                status,
                                note,
                            },
                        )
                        .collect(),
                }
            },
        ))
    }

    /// Handovers of a kind in `scope` (by the kecamatan), newest first, with their items.
    pub async fn handovers_in_scope(&self, scope: &Scope, kind: &str) -> Result<Vec<Handover>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "kecamatan_code || '.0000'", 2);
        let sql = format!("SELECT id FROM handovers WHERE kind = $1 AND {cond} ORDER BY id DESC LIMIT 100");
        let ids: Vec<i64> = run!(self, |pool| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(kind);
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(h) = self.handover(id).await? {
                out.push(h);
            }
        }
        Ok(out)
    }

    /// The receiving side checks the items: `received` as received, `missing` as missing (with
    /// a note). An item already received does not change.
    pub async fn check_handover_items(
        &self,
        handover_id: i64,
        received: &[i64],
        missing: &[(i64, String)],
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let number: Option<(String, String)> = sqlx::query_as("SELECT number, kind FROM handovers WHERE id = $1")
                .bind(handover_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((number, kind)) = number else {
                return Err(StoreError::NotFound);
            };
            let changes = received
                .iter()
                .map(|i| (*i, "diterima", None))
                .chain(missing.iter().map(|(i, n)| (*i, "hilang", Some(n.clone()))));
            for (item_id, status, note) in changes {
                let row: Option<(i64, String)> = sqlx::query_as(
                    "UPDATE handover_items SET status = $1, note = $2, checked_by = $3, checked_at = $4 \
                     WHERE id = $5 AND handover_id = $6 AND status <> 'diterima' RETURNING resident_id, item",
                )
                .bind(status)
                .bind(&note)
                .bind(actor.name.as_str())
                .bind(now)
                .bind(item_id)
                .bind(handover_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((rid, item)) = row {
                    sqlx::query(
                        "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'serah_terima', $4)",
                    )
                    .bind(rid)
                    .bind(now)
                    .bind(actor.name.as_str())
                    .bind(
                        serde_json::json!({"handover": handover_id, "number": number, "kind": kind, "item": item, "status": status, "note": note})
                            .to_string(),
                    )
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM handover_items WHERE handover_id = $1 AND status <> 'diterima'",
            )
            .bind(handover_id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE handovers SET confirmed_by = $1, confirmed_at = $2 WHERE id = $3")
                .bind(if open == 0 { Some(actor.name.as_str()) } else { None })
                .bind(if open == 0 { Some(now) } else { None })
                .bind(handover_id)
                .execute(&mut *tx)
                .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "handover.check",
                "handover",
                Some(handover_id.to_string()),
                None,
                Some(serde_json::json!({"received": received, "missing": missing, "open": open}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// A card given to its person (or a family member), as the desa records it.
#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub resident_id: i64,
    pub item: String,
    pub received_date: String,
    /// `sendiri` (the person) or `keluarga` (a family member).
    pub receiver_kind: String,
    pub receiver_name: String,
    pub relationship: Option<String>,
    pub note: String,
    pub photo: Option<(Vec<u8>, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub id: i64,
    pub resident_id: i64,
    pub nik: String,
    pub name: String,
    pub desa_code: String,
    pub item: String,
    pub received_date: String,
    pub receiver_kind: String,
    pub receiver_name: String,
    pub relationship: Option<String>,
    pub note: String,
    pub has_photo: bool,
    pub recorded_by: String,
}

/// Where a card is now.
#[derive(Debug, Clone, Serialize)]
pub struct CardPlace {
    pub resident_id: i64,
    pub nik: String,
    pub name: String,
    pub desa_code: String,
    pub item: String,
    /// `dispendukcapil`, `kecamatan`, `desa`, `warga`.
    pub place: String,
    /// The date it got there (ISO).
    pub since: String,
    /// On its way to the next place (in a handover not yet checked there).
    pub moving: bool,
}

/// The printed cards first (a few hundred), then their people: materialised, and joined with
/// CROSS JOIN, which SQLite takes as "this order" (PostgreSQL plans it as any join), so the
/// planner does not walk a whole kecamatan of the register through its scope index.
const CARD_SQL: &str = "WITH x AS MATERIALIZED (SELECT resident_id, 'ektp' AS item, printed_date AS printed FROM production WHERE printed_date IS NOT NULL \
           UNION ALL SELECT resident_id, 'kk' AS item, kk_printed_date AS printed FROM production WHERE kk_printed_date IS NOT NULL) \
     SELECT r.id, r.nik, r.name, r.desa_code, x.item, x.printed, \
     (SELECT h.handed_date FROM handover_items i JOIN handovers h ON h.id = i.handover_id \
      WHERE h.kind = 'kecamatan' AND i.resident_id = r.id AND i.item = x.item AND i.status = 'diterima' LIMIT 1) AS at_kec, \
     (SELECT h.handed_date FROM handover_items i JOIN handovers h ON h.id = i.handover_id \
      WHERE h.kind = 'desa' AND i.resident_id = r.id AND i.item = x.item AND i.status = 'diterima' LIMIT 1) AS at_desa, \
     (SELECT c.received_date FROM card_receipts c WHERE c.resident_id = r.id AND c.item = x.item) AS at_home, \
     EXISTS (SELECT 1 FROM handover_items i JOIN handovers h ON h.id = i.handover_id \
      WHERE h.kind = 'kecamatan' AND i.resident_id = r.id AND i.item = x.item) AS k_any, \
     EXISTS (SELECT 1 FROM handover_items i JOIN handovers h ON h.id = i.handover_id \
      WHERE h.kind = 'desa' AND i.resident_id = r.id AND i.item = x.item) AS d_any \
     FROM x CROSS JOIN residents r WHERE r.id = x.resident_id";

type PlaceRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    bool,
);

type ReceiptRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    bool,
    String,
);

impl Db {
    /// Every printed card in `scope` and where it is now.
    pub async fn card_places(&self, scope: &Scope) -> Result<Vec<CardPlace>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "r.desa_code", 1);
        let sql = format!("{CARD_SQL} AND {cond} ORDER BY r.desa_code, r.name, r.id, x.item");
        let rows: Vec<PlaceRow> = run!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(resident_id, nik, name, desa_code, item, printed, at_kec, at_desa, at_home, k_any, d_any)| {
                    let moving = (at_kec.is_none() && k_any) || (at_kec.is_some() && at_desa.is_none() && d_any);
                    let (place, since) = match (at_home, at_desa, at_kec) {
                        (Some(d), _, _) => ("warga", d),
                        (None, Some(d), _) => ("desa", d),
                        (None, None, Some(d)) => ("kecamatan", d),
                        (None, None, None) => ("dispendukcapil", printed),
                    };
                    CardPlace {
                        resident_id,
                        nik,
                        name,
                        desa_code,
                        item,
                        place: place.to_string(),
                        since,
                        moving,
                    }
                },
            )
            .collect())
    }

    /// Records the card given to its person, once.
    pub async fn record_receipt(&self, n: &NewReceipt, actor: &Actor, now: i64) -> Result<i64, StoreError> {
        let (photo, photo_type) = match &n.photo {
            Some((b, t)) => (Some(b.clone()), Some(t.clone())),
            None => (None, None),
        };
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO card_receipts (resident_id, item, received_date, receiver_kind, receiver_name, relationship, \
                 note, photo, photo_type, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(n.resident_id)
            .bind(&n.item)
            .bind(&n.received_date)
            .bind(&n.receiver_kind)
            .bind(&n.receiver_name)
            .bind(&n.relationship)
            .bind(&n.note)
            .bind(&photo)
            .bind(&photo_type)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_to_conflict(e, "kartu ini sudah tercatat diterima warga"))?;
            let payload = serde_json::json!({"item": n.item, "date": n.received_date, "receiver": n.receiver_kind,
                "name": n.receiver_name, "relationship": n.relationship, "photo": photo_type.is_some()});
            sqlx::query(
                "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'kartu_diterima', $4)",
            )
            .bind(n.resident_id)
            .bind(now)
            .bind(actor.name.as_str())
            .bind(payload.to_string())
            .execute(&mut *tx)
            .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "card.receipt",
                "resident",
                Some(n.resident_id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
            id
        }))
    }

    pub async fn receipt(&self, id: i64) -> Result<Option<Receipt>, StoreError> {
        let row: Option<ReceiptRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT c.id, c.resident_id, r.nik, r.name, r.desa_code, c.item, c.received_date, c.receiver_kind, \
                 c.receiver_name, c.relationship, c.note, c.photo IS NOT NULL, c.recorded_by FROM card_receipts c \
                 JOIN residents r ON r.id = c.resident_id WHERE c.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(
            |(
                id,
                resident_id,
                nik,
                name,
                desa_code,
                item,
                received_date,
                receiver_kind,
                receiver_name,
                relationship,
                note,
                has_photo,
                recorded_by,
            )| Receipt {
                id,
                resident_id,
                nik,
                name,
                desa_code,
                item,
                received_date,
                receiver_kind,
                receiver_name,
                relationship,
                note,
                has_photo,
                recorded_by,
            },
        ))
    }

    /// The receipts recorded for cards of `scope`'s people, newest first: (id, resident id, item).
    pub async fn receipts_in_scope(&self, scope: &Scope) -> Result<Vec<(i64, i64, String)>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "r.desa_code", 1);
        let sql = format!(
            "SELECT c.id, c.resident_id, c.item FROM card_receipts c JOIN residents r ON r.id = c.resident_id \
             WHERE {cond} ORDER BY c.id DESC LIMIT 200"
        );
        Ok(run!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// The photo of a signed receipt: (bytes, content type).
    pub async fn receipt_photo(&self, id: i64) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        let row: Option<(Option<Vec<u8>>, Option<String>)> = run!(self, |pool| {
            sqlx::query_as("SELECT photo, photo_type FROM card_receipts WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.and_then(|(b, t)| Some((b?, t?))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berita_acara_numbers() {
        assert_eq!(
            handover_number("kecamatan", "35.19.02", 7, 2026),
            "007/BAST-KEC/35.19.02/2026"
        );
        assert_eq!(
            handover_number("desa", "35.19.02", 12, 2027),
            "012/BAST-DESA/35.19.02/2027"
        );
    }
}
