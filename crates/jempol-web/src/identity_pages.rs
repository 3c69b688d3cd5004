//! Correcting who a person is and where they live (`/warga/{id}/ubah`): name, No. KK, sex,
//! place and date of birth, address, categories and coordinates. The fields go through the same
//! rules as a row of a village's file (a one-row sheet), so an edit can never let in what an
//! upload would refuse. Every change is an event in the person's history (the fields that
//! changed, before and after) and an audit entry.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Path};
use crate::i18n::{Lang, Tr};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::resident_pages::scoped;
use crate::routes::{Access, Routes, get};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::{Action, Severity};
use jempol_store::residents::{IdentityUpdate, ResidentDetail};
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new().route(
        "/warga/{id}/ubah",
        get(Access::Act(Action::EditResidents), form).post(Access::Act(Action::EditResidents), save),
    )
}

/// UU 8/2016 ragam as the form offers them, and the record's name for each.
const RAGAM: [(&str, &str); 7] = [
    ("fisik", "fisik"),
    ("intelektual", "intelektual"),
    ("mental", "mental"),
    ("netra", "sensorik_netra"),
    ("rungu", "sensorik_rungu"),
    ("wicara", "sensorik_wicara"),
    ("ganda", "ganda"),
];

/// The form as typed. Checkboxes come as repeated keys, so the form is read as pairs.
#[derive(Default, Clone)]
struct IdentityForm {
    no_kk: String,
    name: String,
    sex: String,
    birth_place: String,
    birth_date: String,
    address: String,
    dusun: String,
    rt: String,
    rw: String,
    disabilitas: bool,
    ragam: Vec<String>,
    odgj: bool,
    lat: String,
    lng: String,
    /// The record's edit version the form was opened on.
    version: i64,
}

impl IdentityForm {
    fn from_record(r: &ResidentDetail) -> IdentityForm {
        let kinds = r.row.disability_kind.clone().unwrap_or_default();
        IdentityForm {
            no_kk: r.row.no_kk.clone().unwrap_or_default(),
            name: r.row.name.clone(),
            sex: r.row.sex.clone(),
            birth_place: r.row.birth_place.clone().unwrap_or_default(),
            birth_date: r.row.birth_date.clone(),
            address: r.address.clone().unwrap_or_default(),
            dusun: r.row.dusun.clone().unwrap_or_default(),
            rt: r.row.rt.clone().unwrap_or_default(),
            rw: r.row.rw.clone().unwrap_or_default(),
            disabilitas: r.row.disabilitas,
            ragam: RAGAM
                .iter()
                .filter(|(_, k)| kinds.split(',').any(|x| x.trim() == *k))
                .map(|(w, _)| w.to_string())
                .collect(),
            odgj: r.row.odgj,
            lat: r.lat.map(|x| x.to_string()).unwrap_or_default(),
            lng: r.lng.map(|x| x.to_string()).unwrap_or_default(),
            version: r.edit_version,
        }
    }

    fn from_pairs(pairs: &[(String, String)]) -> IdentityForm {
        let mut f = IdentityForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "no_kk" => f.no_kk = v,
                "name" => f.name = v,
                "sex" => f.sex = v,
                "birth_place" => f.birth_place = v,
                "birth_date" => f.birth_date = v,
                "address" => f.address = v,
                "dusun" => f.dusun = v,
                "rt" => f.rt = v,
                "rw" => f.rw = v,
                "disabilitas" => f.disabilitas = true,
                "ragam" if RAGAM.iter().any(|(w, _)| *w == v) => f.ragam.push(v),
                "odgj" => f.odgj = true,
                "lat" => f.lat = v,
                "lng" => f.lng = v,
                "version" => f.version = v.trim().parse().unwrap_or(-1),
                _ => {}
            }
        }
        f
    }

    fn has(&self, ragam: &str) -> bool {
        self.ragam.iter().any(|r| r == ragam)
    }
}

/// A decimal degree as villages type it ("-7,6543" or "-7.6543").
fn degree(s: &str) -> Option<f64> {
    s.trim().replace(',', ".").parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Coordinates: both or neither, inside Indonesia. A pair pasted from a map app into the
/// first field ("-7.6543, 111.5123") is split.
fn coordinates(lat: &str, lng: &str) -> Result<Option<(f64, f64)>, String> {
    let (lat, lng) = match (lat.trim(), lng.trim()) {
        (a, "") if a.contains('.') && a.contains(',') => match a.split_once(',') {
            Some((x, y)) => (x.to_string(), y.to_string()),
            None => (a.to_string(), String::new()),
        },
        (a, b) => (a.to_string(), b.to_string()),
    };
    if lat.trim().is_empty() && lng.trim().is_empty() {
        return Ok(None);
    }
    match (degree(&lat), degree(&lng)) {
        (Some(a), Some(b)) if (-11.5..=6.5).contains(&a) && (94.0..=141.5).contains(&b) => Ok(Some((a, b))),
        (Some(_), Some(_)) => Err(
            "Koordinat ini di luar Indonesia. Lintang (latitude) Madiun sekitar -7,6 dan bujur (longitude) sekitar 111,5; periksa urutannya."
                .into(),
        ),
        _ => Err("Isi lintang dan bujur sebagai angka desimal, misalnya -7,6543 dan 111,5123, atau kosongkan keduanya.".into()),
    }
}

#[derive(Template)]
#[template(path = "resident_edit.html")]
struct EditPage {
    l: Layout,
    id: i64,
    nik: String,
    f: IdentityForm,
    ragam: Vec<&'static str>,
    errors: BTreeMap<&'static str, String>,
    warnings: Vec<String>,
}

impl EditPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }
}

fn page(
    p: &Principal,
    lang: Lang,
    r: &ResidentDetail,
    f: IdentityForm,
    errors: BTreeMap<&'static str, String>,
    warnings: Vec<String>,
) -> Result<Html<String>, PageError> {
    render(&EditPage {
        l: layout(
            lang,
            Some(p),
            &format!("{} · {}", Tr(lang).s("res.edit_identity"), r.row.name),
            "/warga",
            None,
        ),
        id: r.row.id,
        nik: crate::resident_pages::shown_nik(p, &r.row.nik),
        f,
        ragam: RAGAM.iter().map(|(w, _)| *w).collect(),
        errors,
        warnings,
    })
}

async fn editable(state: &AppState, p: &Principal, id: i64, lang: Lang) -> Result<ResidentDetail, PageError> {
    allow(p, Action::EditResidents, lang)?;
    let r = scoped(state, p, id, lang).await?;
    if r.merged_into.is_some() {
        return Err(PageError(
            AppError::Conflict("Data ini sudah digabung ke data lain; ubah data tujuannya.".into()),
            lang,
        ));
    }
    Ok(r)
}

async fn form(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let r = editable(&state, &p, id, info.lang).await?;
    page(
        &p,
        info.lang,
        &r,
        IdentityForm::from_record(&r),
        BTreeMap::new(),
        vec![],
    )
}

async fn save(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = editable(&state, &p, id, info.lang).await?;
    let f = IdentityForm::from_pairs(&pairs);
    let mut categories = Vec::new();
    if f.disabilitas || !f.ragam.is_empty() {
        categories.push(format!("DISABILITAS {}", f.ragam.join(" ").to_uppercase()));
    }
    if f.odgj {
        categories.push("ODGJ".to_string());
    }
    let categories = categories.join(", ");
    // The same rules as a row of a file, with the record's own NIK.
    let grid = jempol_import::one_row(&[
        ("NIK", &r.row.nik),
        ("NO KK", &f.no_kk),
        ("NAMA", &f.name),
        ("L/P", &f.sex),
        ("TEMPAT LAHIR", &f.birth_place),
        ("TGL LAHIR", &f.birth_date),
        ("ALAMAT", &f.address),
        ("DUSUN", &f.dusun),
        ("RT", &f.rt),
        ("RW", &f.rw),
        ("KATEGORI", &categories),
    ]);
    let today = today_wib(state.now());
    let kecamatan = state.db.region_codes(3).await?;
    let mapping = jempol_import::find_header(&grid)
        .ok_or_else(|| PageError(AppError::Internal("one-row sheet without header".into()), info.lang))?;
    let report = jempol_import::check_rows(&grid, &mapping, today, &|c| kecamatan.contains(c));
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut warnings = Vec::new();
    let row = report.into_iter().next();
    if let Some(row) = &row {
        for m in &row.messages {
            match m.severity {
                Severity::Error => {
                    let e = errors.entry(m.field).or_default();
                    if !e.is_empty() {
                        e.push(' ');
                    }
                    e.push_str(&m.text);
                }
                Severity::Warning => warnings.push(m.text.clone()),
            }
        }
    }
    let coords = match coordinates(&f.lat, &f.lng) {
        Ok(c) => c,
        Err(e) => {
            errors.insert("lat", e);
            None
        }
    };
    let draft = row.map(|r| r.draft).unwrap_or_default();
    let (Some(sex), Some(birth)) = (draft.sex.clone(), draft.birth_date) else {
        errors
            .entry("birth_date")
            .or_insert_with(|| "Isi tanggal lahir dan jenis kelamin.".into());
        let body = page(&p, info.lang, &r, f, errors, warnings)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    if !errors.is_empty() {
        let body = page(&p, info.lang, &r, f, errors, warnings)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let after = IdentityUpdate {
        no_kk: opt(&draft.no_kk),
        name: draft.name.trim().to_uppercase(),
        sex,
        birth_place: opt(&draft.birth_place.to_uppercase()),
        birth_date: birth.to_string(),
        address: opt(&draft.address),
        dusun: opt(&draft.dusun),
        rt: opt(&draft.rt),
        rw: opt(&draft.rw),
        disabilitas: draft.disabilitas,
        disability_kind: (!draft.disability_kinds.is_empty()).then(|| draft.disability_kinds.join(",")),
        odgj: draft.odgj,
        lat: coords.map(|c| c.0),
        lng: coords.map(|c| c.1),
    };
    match state
        .db
        .update_identity(&r, f.version, &after, &p.actor(), state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/warga/{id}?ok=res.saved")).into_response()),
        Err(jempol_store::StoreError::Conflict(m)) => {
            // Saved by someone else since the form was opened: keep what was typed; a second
            // save applies it knowingly.
            let r = editable(&state, &p, id, info.lang).await?;
            let m = format!("{m}{}", crate::resident_pages::saved_meanwhile(&r.identity(), &after));
            let f = IdentityForm {
                version: r.edit_version,
                ..f
            };
            let body = page(&p, info.lang, &r, f, BTreeMap::from([("version", m)]), warnings)?;
            Ok((StatusCode::CONFLICT, body).into_response())
        }
        Err(e) => Err(PageError(e.into(), info.lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_as_villages_type_them() {
        assert_eq!(coordinates("", ""), Ok(None));
        assert_eq!(coordinates("-7,65", "111,5"), Ok(Some((-7.65, 111.5))));
        assert_eq!(coordinates("-7.65, 111.5", ""), Ok(Some((-7.65, 111.5))));
        assert!(coordinates("111.5", "-7.65").unwrap_err().contains("di luar Indonesia"));
        assert!(coordinates("-7.65", "").unwrap_err().contains("kosongkan keduanya"));
        assert!(coordinates("NaN", "inf").is_err());
    }
}
