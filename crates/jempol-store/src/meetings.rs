//! The letters registers (Surat Masuk, Surat Keluar: the related SOPs on the sheet) and the
//! coordination meeting of step 3: its invitation (an outgoing letter), attendance, minutes
//! and decisions, with the arrangements it decides per person.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, campaign_event, run};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    pub id: i64,
    pub direction: String,
    pub year: i64,
    pub seq: i64,
    pub number: String,
    pub classification: String,
    pub letter_date: String,
    pub counterpart: String,
    pub subject: String,
    pub campaign_id: Option<i64>,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct NewLetter {
    pub kecamatan_code: String,
    /// `masuk` (incoming) or `keluar` (outgoing).
    pub direction: String,
    /// Classification code (`005` for invitations); for incoming letters, empty.
    pub classification: String,
    /// ISO date.
    pub letter_date: String,
    /// From whom (incoming) or to whom (outgoing).
    pub counterpart: String,
    pub subject: String,
    pub campaign_id: Option<i64>,
    /// Incoming letters keep the sender's number; outgoing ones get the next number.
    pub external_number: Option<String>,
}

/// An outgoing number from the office's format: `{kode}` the classification, `{nomor}` the
/// year's sequence, `{tahun}` the year (e.g. `{kode}/{nomor}/402.403/{tahun}`).
pub fn format_number(format: &str, classification: &str, seq: i64, year: i64) -> String {
    format
        .replace("{kode}", classification)
        .replace("{nomor}", &seq.to_string())
        .replace("{tahun}", &year.to_string())
}

/// The default format: the kecamatan's code as the SOP sheet numbers it (402.403: Dolopo).
pub const DEFAULT_FORMAT: &str = "{kode}/{nomor}/402.403/{tahun}";

#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub campaign_id: i64,
    pub meeting_date: String,
    pub start_time: String,
    pub place: String,
    pub agenda: String,
    pub invitees: String,
    pub letter_id: Option<i64>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub minutes: Option<String>,
    pub decisions: Option<String>,
    pub minute_taker: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub campaign_id: i64,
    pub meeting_date: String,
    pub start_time: String,
    pub place: String,
    pub agenda: String,
    pub invitees: String,
}

/// What was said and decided, recorded after the meeting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Minutes {
    pub started_at: String,
    pub ended_at: String,
    pub minutes: String,
    pub decisions: String,
    pub minute_taker: String,
    /// (name, position or agency) of everyone present.
    pub attendees: Vec<(String, String)>,
}

const LETTER_COLS: &str =
    "id, direction, year, seq, number, classification, letter_date, counterpart, subject, campaign_id, created_by";

fn letter_from<R: Row>(r: &R) -> Result<Letter, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<i64>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(Letter {
        id: r.try_get("id")?,
        direction: r.try_get("direction")?,
        year: r.try_get("year")?,
        seq: r.try_get("seq")?,
        number: r.try_get("number")?,
        classification: r.try_get("classification")?,
        letter_date: r.try_get("letter_date")?,
        counterpart: r.try_get("counterpart")?,
        subject: r.try_get("subject")?,
        campaign_id: r.try_get("campaign_id")?,
        created_by: r.try_get("created_by")?,
    })
}

const MEETING_COLS: &str = "id, campaign_id, meeting_date, start_time, place, agenda, invitees, letter_id, started_at, ended_at, minutes, decisions, minute_taker";

fn meeting_from<R: Row>(r: &R) -> Result<Meeting, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<i64>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<String>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(Meeting {
        id: r.try_get("id")?,
        campaign_id: r.try_get("campaign_id")?,
        meeting_date: r.try_get("meeting_date")?,
        start_time: r.try_get("start_time")?,
        place: r.try_get("place")?,
        agenda: r.try_get("agenda")?,
        invitees: r.try_get("invitees")?,
        letter_id: r.try_get("letter_id")?,
        started_at: r.try_get("started_at")?,
        ended_at: r.try_get("ended_at")?,
        minutes: r.try_get("minutes")?,
        decisions: r.try_get("decisions")?,
        minute_taker: r.try_get("minute_taker")?,
    })
}

/// Registers a letter inside `$tx` and returns it: an outgoing letter takes the next number
/// of its year (the unique key makes two clerks never get the same one).
macro_rules! register_letter {
    ($tx:expr, $l:expr, $format:expr, $actor:expr, $now:expr) => {{
        let year: i64 = $l.letter_date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM letters WHERE kecamatan_code = $1 AND direction = $2 AND year = $3",
        )
        .bind(&$l.kecamatan_code)
        .bind(&$l.direction)
        .bind(year)
        .fetch_one(&mut *$tx)
        .await?;
        let number = match &$l.external_number {
            Some(n) => n.clone(),
            None => format_number($format, &$l.classification, seq, year),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO letters (kecamatan_code, direction, year, seq, number, classification, letter_date, \
             counterpart, subject, campaign_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(&$l.kecamatan_code)
        .bind(&$l.direction)
        .bind(year)
        .bind(seq)
        .bind(&number)
        .bind(&$l.classification)
        .bind(&$l.letter_date)
        .bind(&$l.counterpart)
        .bind(&$l.subject)
        .bind($l.campaign_id)
        .bind($actor.name.as_str())
        .bind($now)
        .fetch_one(&mut *$tx)
        .await
        .map_err(|e| StoreError::unique_to_conflict(e, "nomor surat ini baru saja dipakai; simpan sekali lagi"))?;
        audit!(
            &mut *$tx,
            $actor,
            $now,
            "letter.register",
            "letter",
            Some(id.to_string()),
            None,
            Some(serde_json::json!({"direction": $l.direction, "number": number, "subject": $l.subject}))
        )?;
        (id, number)
    }};
}

impl Db {
    /// Registers an incoming letter or numbers an outgoing one. Returns (id, number).
    pub async fn register_letter(
        &self,
        l: &NewLetter,
        format: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(i64, String), StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let out = register_letter!(tx, l, format, actor, now);
            tx.commit().await?;
            out
        }))
    }

    /// The register of a kecamatan for a year, newest first.
    pub async fn letters(&self, kecamatan_code: &str, year: i64, direction: &str) -> Result<Vec<Letter>, StoreError> {
        let sql = format!(
            "SELECT {LETTER_COLS} FROM letters WHERE kecamatan_code = $1 AND year = $2 AND direction = $3 ORDER BY seq DESC"
        );
        Ok(run!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(kecamatan_code)
                .bind(year)
                .bind(direction)
                .fetch_all(pool)
                .await?
                .iter()
                .map(letter_from)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    pub async fn letter(&self, id: i64) -> Result<Option<Letter>, StoreError> {
        let sql = format!("SELECT {LETTER_COLS} FROM letters WHERE id = $1");
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(letter_from(&r)?),
                None => None,
            }
        }))
    }

    /// Plans the meeting of a campaign and numbers its invitation as an outgoing letter, in one
    /// transaction. Returns the meeting id.
    pub async fn create_meeting(
        &self,
        m: &NewMeeting,
        invitation: &NewLetter,
        format: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (letter_id, number) = register_letter!(tx, invitation, format, actor, now);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (campaign_id, meeting_date, start_time, place, agenda, invitees, letter_id, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(m.campaign_id)
            .bind(&m.meeting_date)
            .bind(&m.start_time)
            .bind(&m.place)
            .bind(&m.agenda)
            .bind(&m.invitees)
            .bind(letter_id)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let payload = serde_json::json!({
                "meeting": id, "date": m.meeting_date, "time": m.start_time, "place": m.place, "letter": number
            });
            campaign_event!(tx, m.campaign_id, actor, now, "rapat_direncanakan", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "meeting.create",
                "meeting",
                Some(id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
            id
        }))
    }

    pub async fn meeting(&self, id: i64) -> Result<Option<Meeting>, StoreError> {
        let sql = format!("SELECT {MEETING_COLS} FROM meetings WHERE id = $1");
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(meeting_from(&r)?),
                None => None,
            }
        }))
    }

    pub async fn campaign_meetings(&self, campaign_id: i64) -> Result<Vec<Meeting>, StoreError> {
        let sql = format!("SELECT {MEETING_COLS} FROM meetings WHERE campaign_id = $1 ORDER BY id");
        Ok(run!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(campaign_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(meeting_from)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    pub async fn meeting_attendees(&self, meeting_id: i64) -> Result<Vec<(String, String)>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_as("SELECT name, position FROM meeting_attendees WHERE meeting_id = $1 ORDER BY id")
                .bind(meeting_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Records the meeting as held: its times, attendance, minutes and decisions (replacing a
    /// previous record of them).
    pub async fn record_minutes(
        &self,
        meeting: &Meeting,
        m: &Minutes,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE meetings SET started_at = $1, ended_at = $2, minutes = $3, decisions = $4, minute_taker = $5 \
                 WHERE id = $6",
            )
            .bind(&m.started_at)
            .bind(&m.ended_at)
            .bind(&m.minutes)
            .bind(&m.decisions)
            .bind(&m.minute_taker)
            .bind(meeting.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM meeting_attendees WHERE meeting_id = $1")
                .bind(meeting.id)
                .execute(&mut *tx)
                .await?;
            for (name, position) in &m.attendees {
                sqlx::query("INSERT INTO meeting_attendees (meeting_id, name, position) VALUES ($1, $2, $3)")
                    .bind(meeting.id)
                    .bind(name)
                    .bind(position)
                    .execute(&mut *tx)
                    .await?;
            }
            let payload = serde_json::json!({
                "meeting": meeting.id, "start": m.started_at, "end": m.ended_at, "attendees": m.attendees.len()
            });
            campaign_event!(tx, meeting.campaign_id, actor, now, "rapat_dicatat", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "meeting.minutes",
                "meeting",
                Some(meeting.id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}

impl Db {
    /// Numbers one notification letter per desa for a campaign's schedule, in one transaction.
    /// `letters`: (desa code, the letter). Returns how many were numbered.
    pub async fn register_desa_letters(
        &self,
        letters: &[(String, NewLetter)],
        format: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<usize, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for (desa, l) in letters {
                let (id, _) = register_letter!(tx, l, format, actor, now);
                sqlx::query("UPDATE letters SET desa_code = $1 WHERE id = $2")
                    .bind(desa)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            letters.len()
        }))
    }

    /// The latest notification letter of a campaign to a desa.
    pub async fn desa_letter(&self, campaign_id: i64, desa_code: &str) -> Result<Option<Letter>, StoreError> {
        let sql = format!(
            "SELECT {LETTER_COLS} FROM letters WHERE campaign_id = $1 AND desa_code = $2 ORDER BY id DESC LIMIT 1"
        );
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(campaign_id)
                .bind(desa_code)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(letter_from(&r)?),
                None => None,
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_office_format() {
        assert_eq!(format_number(DEFAULT_FORMAT, "005", 123, 2026), "005/123/402.403/2026");
        assert_eq!(
            format_number("{nomor}/KEC-DLP/{kode}/{tahun}", "005", 7, 2027),
            "7/KEC-DLP/005/2027"
        );
    }
}
