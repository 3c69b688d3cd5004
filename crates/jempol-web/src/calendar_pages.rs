//! The working-time calendar every measurement uses: office hours and the midday break per
//! weekday, the time zone, and the days off (shipped holiday data, edited and imported per
//! year) — set by the admin at `/admin/kalender`.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::pages::{ConfirmPage, Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_core::calendar::{Holiday, OfficeHours, builtin_holidays, parse_holidays, parse_span, span_text};
use jempol_core::worktime::{WorkCalendar, ZONES, zone_of_region};
use jempol_store::calendar::CALENDAR_SETTING;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/admin/kalender",
            get(Access::Act(Action::ManageMasterData), page_get)
                .post(Access::Act(Action::ManageMasterData), save_hours),
        )
        .route(
            "/admin/kalender/libur",
            post(Access::Act(Action::ManageMasterData), add_holiday),
        )
        .route(
            "/admin/kalender/impor",
            post(Access::Act(Action::ManageMasterData), import_year),
        )
        .route(
            "/admin/kalender/libur/{date}/hapus",
            get(Access::Act(Action::ManageMasterData), confirm_remove)
                .post(Access::Act(Action::ManageMasterData), remove),
        )
}

/// Office hours, breaks and zone as stored.
#[derive(Serialize, Deserialize)]
struct Setting {
    hours: OfficeHours,
    breaks: OfficeHours,
    zone: String,
}

/// The calendar in force: the setting over the defaults (the deployment's zone), and the days
/// off.
pub(crate) async fn calendar(state: &AppState) -> Result<WorkCalendar, AppError> {
    let mut c = WorkCalendar {
        zone: zone_of_region(&state.config.deployment.kabupaten).to_string(),
        ..WorkCalendar::default()
    };
    if let Some(s) = state
        .db
        .setting(CALENDAR_SETTING)
        .await?
        .and_then(|j| serde_json::from_str::<Setting>(&j).ok())
    {
        c.hours = s.hours;
        c.breaks = s.breaks;
        c.zone = s.zone;
    }
    c.holidays = state.db.holidays(&builtin_holidays(), state.now()).await?;
    Ok(c)
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "Senin"),
    ("tue", "Selasa"),
    ("wed", "Rabu"),
    ("thu", "Kamis"),
    ("fri", "Jumat"),
    ("sat", "Sabtu"),
    ("sun", "Minggu"),
];

const KINDS: [(&str, &str); 3] = [
    ("libur_nasional", "libur nasional"),
    ("cuti_bersama", "cuti bersama"),
    ("libur_daerah", "libur daerah"),
];

/// One weekday's line of the form: key, name, hours, break.
struct DayLine {
    key: &'static str,
    name: &'static str,
    hours: String,
    rest: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    l: Layout,
    days: Vec<DayLine>,
    zones: Vec<(&'static str, &'static str, &'static str)>,
    zone: String,
    week: String,
    year: i16,
    years: Vec<i16>,
    holidays: Vec<(String, String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    /// What to fix in the hours form: (field, message).
    errors: Vec<(String, String)>,
    /// A refused holiday form (one day, or a year's file), with what was typed.
    holiday_error: Option<crate::pages::Refusal>,
}

impl CalendarPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    fn holiday_err(&self, field: &str) -> Option<&str> {
        self.holiday_error.as_ref().and_then(|r| r.err(field))
    }

    fn holiday_value(&self, field: &str) -> &str {
        self.holiday_error.as_ref().map_or("", |r| r.value(field))
    }
}

/// The hours form as typed: the days, the zone, and what to fix as (field, message).
type TypedHours = (Vec<DayLine>, String, Vec<(String, String)>);

#[derive(Deserialize, Default)]
struct YearQuery {
    tahun: Option<i16>,
    ok: Option<String>,
}

async fn page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    year: Option<i16>,
    ok: Option<&str>,
    typed: Option<TypedHours>,
    holiday_error: Option<crate::pages::Refusal>,
) -> Result<Html<String>, PageError> {
    allow(p, Action::ManageMasterData, info.lang)?;
    let c = calendar(state).await.map_err(|e| PageError(e, info.lang))?;
    let today = crate::clock::today_wib(state.now());
    let year = year.unwrap_or(today.year());
    let mut years: Vec<i16> = c.holidays.iter().map(|h| h.date.year()).collect();
    years.extend([today.year(), today.year() + 1]);
    years.sort();
    years.dedup();
    // The week's working time, to check against the 37.5 hours civil servants work.
    let monday = jiff::civil::date(2026, 12, 7);
    let week = WorkCalendar {
        holidays: vec![],
        ..c.clone()
    }
    .minutes_between(monday.at(0, 0, 0, 0), jiff::civil::date(2026, 12, 14).at(0, 0, 0, 0));
    let (days, zone, errors) = typed.unwrap_or_else(|| {
        (
            DAYS.iter()
                .map(|(k, n)| DayLine {
                    key: k,
                    name: n,
                    hours: span_text(c.hours.0.get(*k).copied()),
                    rest: span_text(c.breaks.0.get(*k).copied()),
                })
                .collect(),
            c.zone.clone(),
            vec![],
        )
    });
    render(&CalendarPage {
        l: layout(info.lang, Some(p), Tr(info.lang).s("cal.title"), "/admin/kalender", ok),
        days,
        zones: ZONES.to_vec(),
        zone,
        week: match week % 60 {
            0 => format!("{} jam", week / 60),
            m => format!("{} jam {m} menit", week / 60),
        },
        year,
        years,
        holidays: c
            .holidays
            .iter()
            .filter(|h| h.date.year() == year)
            .map(|h| {
                (
                    h.date.to_string(),
                    crate::letters::tanggal(h.date),
                    format!("{} ({})", h.name, crate::welfare_pages::label_of(&KINDS, &h.kind)),
                )
            })
            .collect(),
        kinds: KINDS.to_vec(),
        errors,
        holiday_error,
    })
}

async fn page_get(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, PageError> {
    page(&state, &p, &info, q.tahun, q.ok.as_deref(), None, None).await
}

async fn save_hours(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMasterData, info.lang)?;
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let mut hours = OfficeHours(Default::default());
    let mut breaks = OfficeHours(Default::default());
    let mut lines = Vec::new();
    for (k, name) in DAYS {
        let (h, r) = (get(&format!("hours_{k}")), get(&format!("break_{k}")));
        let span = if h.is_empty() {
            None
        } else {
            match parse_span(&h) {
                Some(s) => Some(s),
                None => {
                    errors.push((
                        format!("hours_{k}"),
                        format!("Jam kerja {name}: tulis seperti 07.30-16.00, atau kosongkan bila libur."),
                    ));
                    None
                }
            }
        };
        let rest = if r.is_empty() {
            None
        } else {
            match parse_span(&r) {
                Some(b) if span.is_none_or(|s| b.from >= s.from && b.to <= s.to) => Some(b),
                Some(_) => {
                    errors.push((
                        format!("break_{k}"),
                        format!("Istirahat {name} harus di dalam jam kerjanya."),
                    ));
                    None
                }
                None => {
                    errors.push((
                        format!("break_{k}"),
                        format!("Istirahat {name}: tulis seperti 12.00-13.00, atau kosongkan."),
                    ));
                    None
                }
            }
        };
        if let Some(s) = span {
            hours.0.insert(k.to_string(), s);
            if let Some(b) = rest {
                breaks.0.insert(k.to_string(), b);
            }
        }
        lines.push(DayLine {
            key: k,
            name,
            hours: h,
            rest: r,
        });
    }
    if hours.0.is_empty() {
        errors.push((
            "hours_mon".into(),
            "Isi jam kerja paling sedikit untuk satu hari.".into(),
        ));
    }
    let zone = get("zone");
    if !ZONES.iter().any(|(z, _, _)| *z == zone) {
        errors.push(("zone".into(), "Pilih zona waktu: WIB, WITA atau WIT.".into()));
    }
    if !errors.is_empty() {
        let body = page(&state, &p, &info, None, None, Some((lines, zone, errors)), None).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let json = serde_json::to_string(&Setting { hours, breaks, zone })
        .map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    state
        .db
        .set_setting(CALENDAR_SETTING, &json, &p.actor(), state.now())
        .await?;
    Ok(Redirect::to("/admin/kalender?ok=cal.saved").into_response())
}

#[derive(Deserialize)]
struct HolidayForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn add_holiday(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<HolidayForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMasterData, info.lang)?;
    let date = crate::clock::parse_local_date(&f.date);
    let why = match (&date, f.name.trim(), KINDS.iter().any(|(k, _)| *k == f.kind)) {
        (None, _, _) => Some(("date", "Isi tanggal hari libur (hari-bulan-tahun).")),
        (_, "", _) => Some(("name", "Tulis nama hari liburnya.")),
        (_, _, false) => Some((
            "kind",
            "Pilih jenisnya: libur nasional, cuti bersama atau libur daerah.",
        )),
        _ => None,
    };
    let (Some(date), None) = (date, why) else {
        let refusal = why.map(|(field, message)| {
            crate::pages::Refusal::new(
                field,
                message,
                vec![
                    ("date", f.date.clone()),
                    ("name", f.name.clone()),
                    ("kind", f.kind.clone()),
                ],
            )
        });
        let body = page(&state, &p, &info, None, None, None, refusal).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    let h = Holiday {
        date,
        name: f.name.trim().chars().take(200).collect(),
        kind: f.kind.clone(),
    };
    state.db.import_holidays(&[h], None, &p.actor(), state.now()).await?;
    Ok(Redirect::to(&format!("/admin/kalender?tahun={}&ok=cal.holiday_added", date.year())).into_response())
}

async fn import_year(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    form: Multipart,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMasterData, info.lang)?;
    let parts = crate::upload::read(form).await;
    let mut year = None;
    let typed_year = parts.text("tahun");
    let result = match parts.problem() {
        Some(why) => Err(("berkas", why)),
        None => {
            year = parts
                .text("tahun")
                .trim()
                .parse::<i16>()
                .ok()
                .filter(|y| (2000..=2100).contains(y));
            let text = parts
                .file("berkas", "libur.csv")
                .map(|(_, b)| jempol_import::grid::decode(&b))
                .filter(|t| !t.trim().is_empty());
            match (year, text) {
                (None, _) => Err(("tahun", "Isi tahunnya (misalnya 2027).".to_string())),
                (_, None) => Err((
                    "berkas",
                    "Pilih berkas CSV hari libur (tanggal,nama,jenis).".to_string(),
                )),
                (Some(y), Some(t)) => parse_holidays(&t)
                    .and_then(|list| match list.iter().find(|h| h.date.year() != y) {
                        Some(h) => Err(format!(
                            "Tanggal {} bukan tahun {y}: berkas ini untuk tahun lain?",
                            h.date
                        )),
                        None if list.is_empty() => Err("Berkas tidak berisi hari libur.".to_string()),
                        None => Ok((y, list)),
                    })
                    .map_err(|why| ("berkas", why)),
            }
        }
    };
    match result {
        Ok((y, list)) => {
            state
                .db
                .import_holidays(&list, Some(y), &p.actor(), state.now())
                .await?;
            Ok(Redirect::to(&format!("/admin/kalender?tahun={y}&ok=cal.imported")).into_response())
        }
        Err((field, why)) => {
            let refusal = crate::pages::Refusal::new(field, why, vec![("tahun", typed_year)]);
            let body = page(&state, &p, &info, year, None, None, Some(refusal)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

async fn confirm_remove(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(date): Path<String>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ManageMasterData, info.lang)?;
    let c = calendar(&state).await.map_err(|e| PageError(e, info.lang))?;
    let h = c
        .holidays
        .iter()
        .find(|h| h.date.to_string() == date)
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    render(&ConfirmPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("confirm.title"),
            "/admin/kalender",
            None,
        ),
        question: format!(
            "Hapus {} ({}) dari hari libur? Hari itu lalu dihitung sebagai hari kerja dalam semua pengukuran waktu.",
            h.name,
            crate::letters::tanggal(h.date)
        ),
        action: format!("/admin/kalender/libur/{date}/hapus"),
        cancel: format!("/admin/kalender?tahun={}", h.date.year()),
    })
}

async fn remove(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(date): Path<String>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMasterData, info.lang)?;
    match state.db.remove_holiday(&date, &p.actor(), state.now()).await {
        Ok(()) => {}
        Err(jempol_store::StoreError::NotFound) => return Err(PageError(AppError::NotFound, info.lang)),
        Err(e) => return Err(PageError(e.into(), info.lang)),
    }
    let year = date.get(..4).unwrap_or("");
    Ok(Redirect::to(&format!("/admin/kalender?tahun={year}&ok=cal.removed")).into_response())
}
