//! What every printed document of the office shares: the kop surat (letterhead) and the
//! Camat's signature block, from the settings an admin keeps (`kop.*`, `camat.*`), falling back
//! to the region names; and PDF responses.

use crate::AppState;
use crate::pages::PageError;
use axum::response::{IntoResponse, Response};
use jempol_core::Action;
use jempol_docs::Block;

/// The settings that make up the kop surat and the signature block, with their labels.
pub const SETTINGS: [(&str, &str); 7] = [
    (
        "kop.pemerintah",
        "Baris pertama kop surat (misalnya PEMERINTAH KABUPATEN MADIUN)",
    ),
    ("kop.kantor", "Nama kantor (misalnya KECAMATAN DOLOPO)"),
    ("kop.alamat", "Alamat, telepon, surel dan kode pos kantor"),
    ("camat.nama", "Nama Camat (untuk tanda tangan)"),
    ("camat.nip", "NIP Camat"),
    (
        "surat.format",
        "Format nomor surat keluar: {kode} klasifikasi, {nomor} urut tahunan, {tahun} (bawaan: {kode}/{nomor}/402.403/{tahun})",
    ),
    (
        "surat.kode_pemberitahuan",
        "Kode klasifikasi surat pemberitahuan jadwal ke desa (bawaan: 470)",
    ),
];

pub struct Letterhead {
    pub government: String,
    pub office: String,
    pub address: String,
    /// The kecamatan's name, for "Dolopo, 14 Desember 2026" and "Camat Dolopo".
    pub place: String,
    pub camat_name: String,
    pub camat_nip: String,
}

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// The Indonesian name of the day.
pub fn hari(d: jiff::civil::Date) -> &'static str {
    match d.weekday() {
        jiff::civil::Weekday::Monday => "Senin",
        jiff::civil::Weekday::Tuesday => "Selasa",
        jiff::civil::Weekday::Wednesday => "Rabu",
        jiff::civil::Weekday::Thursday => "Kamis",
        jiff::civil::Weekday::Friday => "Jumat",
        jiff::civil::Weekday::Saturday => "Sabtu",
        jiff::civil::Weekday::Sunday => "Minggu",
    }
}

/// "14 Desember 2026".
pub fn tanggal(d: jiff::civil::Date) -> String {
    let m = MONTHS.get((d.month() - 1) as usize).copied().unwrap_or("");
    format!("{} {m} {}", d.day(), d.year())
}

impl Letterhead {
    pub fn block(&self) -> Block {
        Block::Letterhead {
            government: self.government.clone(),
            office: self.office.clone(),
            address: if self.address.is_empty() {
                vec![]
            } else {
                vec![self.address.clone()]
            },
        }
    }

    pub fn signature(&self, date: jiff::civil::Date) -> Block {
        Block::Signature {
            place_date: format!("{}, {}", self.place, tanggal(date)),
            title: format!("Camat {}", self.place),
            name: if self.camat_name.is_empty() {
                "(....................................)".into()
            } else {
                self.camat_name.clone()
            },
            id_line: if self.camat_nip.is_empty() {
                "NIP. ..............................".into()
            } else {
                format!("NIP. {}", self.camat_nip)
            },
        }
    }
}

/// The letterhead of a kecamatan's office.
pub async fn letterhead(state: &AppState, kecamatan_code: &str) -> Result<Letterhead, PageError> {
    let db = &state.db;
    let kec = db.region(kecamatan_code).await?;
    let kab_code = kecamatan_code.get(..5).unwrap_or("");
    let kab = db.region(kab_code).await?;
    let place = kec.as_ref().map(|r| title_case(&r.name)).unwrap_or_default();
    let get = |k: &'static str| async move { db.setting(k).await.map(|v| v.filter(|s| !s.trim().is_empty())) };
    Ok(Letterhead {
        government: match get("kop.pemerintah").await? {
            Some(v) => v,
            None => format!(
                "PEMERINTAH {}",
                kab.map(|r| r.name.to_uppercase()).unwrap_or_else(|| "KABUPATEN".into())
            ),
        },
        office: match get("kop.kantor").await? {
            Some(v) => v,
            None => format!("KECAMATAN {}", place.to_uppercase()),
        },
        address: get("kop.alamat").await?.unwrap_or_default(),
        camat_name: get("camat.nama").await?.unwrap_or_default(),
        camat_nip: get("camat.nip").await?.unwrap_or_default(),
        place,
    })
}

/// "DOLOPO" → "Dolopo"; "KABUPATEN MADIUN" stays as the data has it elsewhere.
pub(crate) fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `?kertas=a4|f4` on a PDF link.
#[derive(serde::Deserialize, Default)]
pub struct PaperQuery {
    #[serde(default)]
    pub kertas: String,
}

/// A PDF download.
pub fn pdf_response(file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_names_as_letters_write_them() {
        assert_eq!(tanggal(jiff::civil::date(2026, 12, 14)), "14 Desember 2026");
        assert_eq!(tanggal(jiff::civil::date(2027, 1, 1)), "1 Januari 2027");
        assert_eq!(title_case("DOLOPO"), "Dolopo");
        assert_eq!(title_case("kare  baru"), "Kare Baru");
    }
}

#[derive(askama::Template)]
#[template(path = "kop.html")]
struct KopPage {
    l: crate::pages::Layout,
    fields: Vec<(&'static str, &'static str, String)>,
}

pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new().route(
        "/admin/kop",
        crate::routes::get(crate::routes::Access::Act(Action::ManageMasterData), kop_form)
            .post(crate::routes::Access::Act(Action::ManageMasterData), kop_save),
    )
}

async fn kop_page(
    state: &AppState,
    p: &crate::auth::Principal,
    lang: crate::i18n::Lang,
    ok: Option<&str>,
) -> Result<axum::response::Html<String>, PageError> {
    let mut fields = Vec::new();
    for (k, label) in SETTINGS {
        fields.push((k, label, state.db.setting(k).await?.unwrap_or_default()));
    }
    crate::pages::render(&KopPage {
        l: crate::pages::layout(lang, Some(p), crate::i18n::Tr(lang).s("kop.title"), "/admin/kop", ok),
        fields,
    })
}

async fn kop_form(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::auth::PageAuth(p): crate::auth::PageAuth,
    info: crate::auth::RequestInfo,
    crate::extract::Query(q): crate::extract::Query<crate::pages::OkQuery>,
) -> Result<axum::response::Html<String>, PageError> {
    crate::pages::allow(&p, jempol_core::Action::ManageMasterData, info.lang)?;
    kop_page(&state, &p, info.lang, q.ok.as_deref()).await
}

async fn kop_save(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::auth::PageAuth(p): crate::auth::PageAuth,
    info: crate::auth::RequestInfo,
    crate::extract::Form(f): crate::extract::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    crate::pages::allow(&p, jempol_core::Action::ManageMasterData, info.lang)?;
    for (k, _) in SETTINGS {
        let value = f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        if value.chars().count() > 200 {
            return Err(PageError(
                crate::error::AppError::Invalid(format!("Isian {k} terlalu panjang (paling banyak 200 huruf).")),
                info.lang,
            ));
        }
        if state.db.setting(k).await?.unwrap_or_default() != value {
            state.db.set_setting(k, &value, &p.actor(), state.now()).await?;
        }
    }
    Ok(axum::response::Redirect::to("/admin/kop?ok=kop.saved").into_response())
}
