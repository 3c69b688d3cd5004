//! The public status check: a family types the tracking code from the visit slip and the
//! person's year of birth, and sees the current stage and the next step, nothing more: no name,
//! no NIK, no address. A wrong code and a wrong year look the same, and each address may check
//! only a few times in ten minutes.

use crate::AppState;
use crate::auth::RequestInfo;
use crate::error::AppError;
use crate::extract::Form;
use crate::i18n::Tr;
use crate::pages::{Layout, PageError, layout, render};
use crate::routes::{Access, Routes, get};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use jempol_store::tracking::normalise_code;

pub fn routes() -> Routes {
    Routes::new().route("/cek", get(Access::Public, form).post(Access::Public, check))
}

/// Checks one address may make in `WINDOW_MS`.
const LIMIT: i64 = 10;
const WINDOW_MS: i64 = 10 * 60_000;

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    l: Layout,
    code: String,
    year: String,
    result: Option<(String, String)>,
    error: Option<String>,
}

async fn form(info: RequestInfo) -> Result<Html<String>, PageError> {
    render(&StatusPage {
        l: layout(info.lang, None, Tr(info.lang).s("status.title"), "/cek", None),
        code: String::new(),
        year: String::new(),
        result: None,
        error: None,
    })
}

#[derive(serde::Deserialize, Default)]
struct CheckForm {
    #[serde(default)]
    kode: String,
    #[serde(default)]
    tahun: String,
}

/// The stage in plain words, and the next step.
async fn stage_of(state: &AppState, t: &jempol_store::tracking::Tracked) -> Result<(String, String), AppError> {
    let plain = |a: &str, b: &str| Ok((a.to_string(), b.to_string()));
    match t.stage.as_str() {
        "diajukan" => plain(
            "Data sudah diajukan desa ke kecamatan.",
            "Kecamatan memeriksa data, lalu menjadwalkan kunjungan ke rumah.",
        ),
        "ditolak" | "digabung" => plain(
            "Data belum bisa diproses kecamatan.",
            "Hubungi kantor desa untuk keterangannya.",
        ),
        "terverifikasi" => plain(
            "Terdaftar untuk perekaman e-KTP di rumah.",
            "Petugas datang sesuai jadwal yang diberitahukan desa. Siapkan Kartu Keluarga.",
        ),
        "tidak_terekam" => plain(
            "Perekaman tidak dilakukan pada kunjungan.",
            "Hubungi kantor desa atau kecamatan untuk keterangannya.",
        ),
        "terekam" => {
            let place = card_place(state, t.resident_id).await?;
            match place.as_deref() {
                Some("warga") => plain("e-KTP sudah diterima.", "Tidak ada langkah lagi untuk e-KTP."),
                Some("desa") => plain(
                    "e-KTP sudah ada di kantor desa.",
                    "Desa menyerahkan e-KTP ke rumah atau mengabarkan kapan bisa diambil.",
                ),
                Some("kecamatan") => plain(
                    "e-KTP sudah dicetak dan ada di kantor kecamatan.",
                    "Kecamatan menyerahkan e-KTP ke kantor desa.",
                ),
                Some(_) => plain(
                    "e-KTP sudah dicetak di Dispendukcapil.",
                    "Dispendukcapil menyerahkan e-KTP ke kecamatan.",
                ),
                None => plain(
                    "Sudah direkam; data sedang diproses Dispendukcapil.",
                    "Dispendukcapil mencetak e-KTP.",
                ),
            }
        }
        _ => plain(
            "Data tercatat di kecamatan.",
            "Hubungi kantor desa untuk keterangannya.",
        ),
    }
}

/// Where the person's e-KTP is, if it was printed.
async fn card_place(state: &AppState, resident_id: i64) -> Result<Option<String>, AppError> {
    let Some(desa) = state.db.resident_desa(resident_id).await? else {
        return Ok(None);
    };
    Ok(state
        .db
        .card_places(&jempol_core::Scope::Desa { code: desa })
        .await?
        .into_iter()
        .find(|c| c.resident_id == resident_id && c.item == "ektp")
        .map(|c| c.place))
}

async fn check(
    State(state): State<AppState>,
    info: RequestInfo,
    Form(f): Form<CheckForm>,
) -> Result<Response, PageError> {
    let code = normalise_code(&f.kode);
    let year = f.tahun.trim().to_string();
    let now = state.now();
    let found = if code.len() == 9 && year.len() == 4 {
        state
            .db
            .by_tracking_code(&code)
            .await?
            .filter(|t| t.birth_date.starts_with(&year))
    } else {
        None
    };
    let tries = state
        .db
        .count_status_check(&info.ip, found.is_some(), now, now - WINDOW_MS)
        .await?;
    let mut page = StatusPage {
        l: layout(info.lang, None, Tr(info.lang).s("status.title"), "/cek", None),
        code: code.clone(),
        year: year.clone(),
        result: None,
        error: None,
    };
    if tries > LIMIT {
        page.error = Some("Terlalu banyak percobaan dari perangkat ini. Coba lagi 10 menit lagi.".into());
        return Ok((axum::http::StatusCode::TOO_MANY_REQUESTS, render(&page)?).into_response());
    }
    match found {
        Some(t) => page.result = Some(stage_of(&state, &t).await?),
        None => {
            page.error = Some(
                "Kode lacak atau tahun lahir tidak cocok. Periksa kode pada slip kunjungan (8 huruf dan angka) dan tahun lahir warga."
                    .into(),
            )
        }
    }
    Ok(render(&page)?.into_response())
}
