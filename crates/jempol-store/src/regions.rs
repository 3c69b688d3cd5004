//! Region codes (provinsi, kabupaten/kota, kecamatan, desa/kelurahan) with coordinates.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use jempol_core::region::{level_of, parent};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: i64,
    pub kind: String,
    pub parent_code: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

/// The Kabupaten Madiun list Jempol ships (see data/wilayah/README.md for its source).
pub const MADIUN_CSV: &str = include_str!("../../../data/wilayah/kabupaten_madiun_3519.csv");

/// Reads a region CSV: the national `wilayah.csv` (kode,nama,level,jenis,lat,lng) or the
/// per-kabupaten file (with kode_kecamatan,nama_kecamatan). Errors name the line.
pub fn parse_regions_csv<R: std::io::Read>(input: R) -> Result<Vec<Region>, String> {
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let headers = rdr
        .headers()
        .map_err(|e| format!("kepala tabel tidak terbaca: {e}"))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name);
    let (Some(c_kode), Some(c_nama), Some(c_level), Some(c_jenis)) =
        (col("kode"), col("nama"), col("level"), col("jenis"))
    else {
        return Err(
            "kolom wajib tidak lengkap: berkas harus punya kolom kode, nama, level, jenis (lat dan lng boleh)".into(),
        );
    };
    let (c_lat, c_lng) = (col("lat"), col("lng"));
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("baris {line}: {e}"))?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let code = get(c_kode);
        let level = level_of(&code).map_err(|e| format!("baris {line}: {e}"))?;
        let declared: i64 = get(c_level)
            .parse()
            .map_err(|_| format!("baris {line}: level harus angka 1–4"))?;
        if declared != level as i64 {
            return Err(format!("baris {line}: level {declared} tidak cocok dengan kode {code}"));
        }
        let coord = |c: Option<usize>| -> Result<Option<f64>, String> {
            match c.map(get).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| format!("baris {line}: koordinat \"{v}\" bukan angka")),
            }
        };
        out.push(Region {
            parent_code: parent(&code).map(str::to_string),
            name: get(c_nama),
            level: declared,
            kind: get(c_jenis),
            lat: coord(c_lat)?,
            lng: coord(c_lng)?,
            code,
        });
    }
    Ok(out)
}

fn from_row<R: Row>(r: &R) -> Result<Region, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<String>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<f64>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(Region {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        level: r.try_get("level")?,
        kind: r.try_get("kind")?,
        parent_code: r.try_get("parent_code")?,
        lat: r.try_get("lat")?,
        lng: r.try_get("lng")?,
    })
}

const COLS: &str = "code, name, level, kind, parent_code, lat, lng";

impl Db {
    /// Inserts or updates regions in batches, in one transaction, with one audit entry.
    pub async fn upsert_regions(&self, regions: &[Region], actor: &Actor, now: i64) -> Result<usize, StoreError> {
        // Kept small: binding cost grows with the square of a statement's parameters (see residents).
        const BATCH: usize = 100;
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for chunk in regions.chunks(BATCH) {
                let mut sql = format!(
                    "INSERT INTO regions (code, name, level, kind, parent_code, lat, lng) VALUES {}",
                    crate::value_rows(chunk.len(), 7)
                );
                sql.push_str(
                    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, kind = excluded.kind, \
                     parent_code = excluded.parent_code, lat = excluded.lat, lng = excluded.lng",
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for r in chunk {
                    q = q
                        .bind(&r.code)
                        .bind(&r.name)
                        .bind(r.level)
                        .bind(&r.kind)
                        .bind(&r.parent_code)
                        .bind(r.lat)
                        .bind(r.lng);
                }
                q.execute(&mut *tx).await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "regions.import",
                "region",
                None::<String>,
                None,
                Some(serde_json::json!({"rows": regions.len()}))
            )?;
            tx.commit().await?;
        });
        Ok(regions.len())
    }

    pub async fn region(&self, code: &str) -> Result<Option<Region>, StoreError> {
        let sql = format!("SELECT {COLS} FROM regions WHERE code = $1");
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(code)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(from_row(&r)?),
                None => None,
            }
        }))
    }

    pub async fn region_children(&self, code: &str) -> Result<Vec<Region>, StoreError> {
        let sql = format!("SELECT {COLS} FROM regions WHERE parent_code = $1 ORDER BY code");
        Ok(run!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(code)
                .fetch_all(pool)
                .await?
                .iter()
                .map(from_row)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// The children of several regions (the desa of a deployment's kecamatan) in one query,
    /// ordered by code.
    pub async fn regions_under(&self, parents: &[String]) -> Result<Vec<Region>, StoreError> {
        if parents.is_empty() {
            return Ok(vec![]);
        }
        let list: Vec<String> = (1..=parents.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLS} FROM regions WHERE parent_code IN ({}) ORDER BY code",
            list.join(", ")
        );
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for p in parents {
                q = q.bind(p);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(from_row)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// All codes of one level (3: kecamatan), e.g. to tell whether a NIK's region exists.
    pub async fn region_codes(&self, level: i64) -> Result<std::collections::HashSet<String>, StoreError> {
        let codes: Vec<String> = run!(self, |pool| {
            sqlx::query_scalar("SELECT code FROM regions WHERE level = $1")
                .bind(level)
                .fetch_all(pool)
                .await?
        });
        Ok(codes.into_iter().collect())
    }

    pub async fn count_regions(&self) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM regions")
            .fetch_one(pool)
            .await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_madiun_list_is_complete() {
        let r = parse_regions_csv(MADIUN_CSV.as_bytes()).unwrap();
        assert_eq!(r.len(), 222);
        assert_eq!(r.iter().filter(|x| x.level == 3).count(), 15);
        assert_eq!(r.iter().filter(|x| x.level == 4).count(), 206);
        let dolopo: Vec<_> = r
            .iter()
            .filter(|x| x.parent_code.as_deref() == Some("35.19.02"))
            .collect();
        assert_eq!(dolopo.len(), 12);
        assert!(r.iter().all(|x| x.lat.is_some() && x.lng.is_some()));
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let e = parse_regions_csv(
            "kode,nama,level,jenis\n35.19,Kabupaten Madiun,2,kabupaten\n35.1x,Salah,2,kabupaten\n".as_bytes(),
        )
        .unwrap_err();
        assert!(e.starts_with("baris 3:"), "{e}");
        let e = parse_regions_csv("kode,name\n".as_bytes()).unwrap_err();
        assert!(e.contains("kolom wajib"), "{e}");
    }
}
