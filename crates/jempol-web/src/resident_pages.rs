//! The register of residents: search by name or NIK, filter by desa, category and stage, paged
//! by keyset, and exported to CSV or XLSX. Only rows in the user's scope exist here (the store
//! builds the query from the scope); NIKs are masked for roles that do not need them; every
//! export is in the audit log.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get};
use crate::search;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::{Action, Scope, nik};
use jempol_store::residents::{CareUpdate, ResidentDetail, ResidentFilter, ResidentRow};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/warga", get(Access::Act(Action::ViewResidents), list))
        .route("/warga/ekspor.csv", get(Access::Act(Action::ViewResidents), export_csv))
        .route(
            "/warga/ekspor.xlsx",
            get(Access::Act(Action::ViewResidents), export_xlsx),
        )
        .route(
            "/warga/{id}",
            get(Access::Act(Action::ViewResidents), detail).post(Access::Act(Action::EditResidents), save_care),
        )
}

const PAGE: i64 = 50;
const EXPORT_MAX: i64 = 100_000;

/// The list's filters from the address. The searched text is never there: it is kept with
/// the session (`search.rs`) and read back while `cari=1`.
#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    #[serde(skip)]
    q: String,
    #[serde(default)]
    desa: String,
    #[serde(default)]
    kategori: String,
    #[serde(default)]
    tahap: String,
    /// The keyset cursor: a person's id. Anything else is the first page.
    #[serde(default)]
    before: String,
    #[serde(default)]
    cari: Option<String>,
}

impl ListQuery {
    fn filter(&self, today: jiff::civil::Date) -> ResidentFilter {
        let lansia_born_before = today
            .checked_sub(jiff::Span::new().years(60))
            .ok()
            .map(|d| d.to_string());
        ResidentFilter {
            q: Some(self.q.clone()),
            desa: Some(self.desa.clone()),
            category: Some(self.kategori.clone()).filter(|c| !c.is_empty()),
            stage: Some(self.tahap.clone()),
            lansia_born_before,
        }
    }

    /// The same query with the text searched on this page, from the session.
    fn searched(mut self, p: &Principal) -> ListQuery {
        self.q = search::text(p, "/warga", self.cari.is_some());
        self
    }

    fn cursor(&self) -> Option<i64> {
        self.before.trim().parse().ok()
    }

    /// The filters for an address: never the searched text, only that a search is on.
    fn query_string(&self) -> String {
        let href = search::href(
            "",
            &[
                ("desa", &self.desa),
                ("kategori", &self.kategori),
                ("tahap", &self.tahap),
            ],
            &self.q,
        );
        href.trim_start_matches('?').to_string()
    }
}

struct Line {
    id: i64,
    nik: String,
    name: String,
    sex: String,
    born: String,
    age: i16,
    desa: String,
    categories: String,
    stage: String,
}

#[derive(Template)]
#[template(path = "residents.html")]
struct ListPage {
    l: Layout,
    q: ListQuery,
    desa_options: Vec<(String, String)>,
    lines: Vec<Line>,
    next_href: Option<String>,
    export_query: String,
    masked: bool,
}

pub(crate) fn stage_label(stage: &str) -> &'static str {
    match stage {
        "terdaftar" => "terdaftar",
        "diajukan" => "diajukan desa",
        "terverifikasi" => "terverifikasi",
        "ditolak" => "ditolak kecamatan",
        "diubah" => "data diubah",
        "digabung" => "digabung ke data lain",
        "gabungan" => "data lain digabung ke sini",
        "terekam" => "terekam (langkah 5)",
        "tidak_terekam" => "tidak terekam",
        "kunjungan" => "hasil kunjungan",
        "kunjungan_konflik" => "hasil kunjungan bertentangan, menunggu Kasi",
        "pindah_gelombang" => "pindah ke gelombang berikutnya",
        "produksi" => "produksi (langkah 6)",
        "serah_terima" => "serah terima kartu",
        "kartu_diterima" => "kartu diterima warga",
        "dtsen" => "status DTSEN (langkah 9)",
        "bantuan_diterima" => "bantuan yang diterima (langkah 9)",
        "bantuan_dihapus" => "catatan bantuan dihapus",
        "diusulkan_bantuan" => "diusulkan (langkah 10)",
        "hasil_usulan" => "hasil usulan (langkah 11)",
        "fasilitasi" => "fasilitasi (langkah 12)",
        _ => "lainnya",
    }
}

fn categories(r: &ResidentRow, today: jiff::civil::Date) -> String {
    let mut c = Vec::new();
    if r.birth_date
        .parse::<jiff::civil::Date>()
        .is_ok_and(|b| nik::is_lansia(b, today))
    {
        c.push("lansia".to_string());
    }
    if r.disabilitas {
        match &r.disability_kind {
            Some(k) if !k.is_empty() => c.push(format!(
                "disabilitas ({})",
                k.replace(',', ", ").replace("sensorik_", "")
            )),
            _ => c.push("disabilitas".into()),
        }
    }
    if r.odgj {
        c.push("ODGJ".into());
    }
    c.join(", ")
}

pub(crate) fn shown_nik(p: &Principal, n: &str) -> String {
    if p.can(Action::ViewFullNik) {
        n.to_string()
    } else {
        nik::mask(n)
    }
}

/// The desa a user may filter by: those of their scope.
pub(crate) async fn desa_options(state: &AppState, scope: &Scope) -> Result<Vec<(String, String)>, PageError> {
    let mut out = Vec::new();
    let kecamatan: Vec<String> = match scope {
        Scope::Nothing => vec![],
        Scope::Desa { code } => {
            if let Some(r) = state.db.region(code).await? {
                out.push((r.code.clone(), r.name));
            }
            vec![]
        }
        Scope::Kecamatan { codes } => codes.clone(),
        Scope::Kabupaten { code } => state
            .db
            .region_children(code)
            .await?
            .into_iter()
            .map(|r| r.code)
            .collect(),
    };
    out.extend(state.desa_under(&kecamatan).await?.iter().cloned());
    Ok(out)
}

async fn list(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewResidents, info.lang)?;
    let q = q.searched(&p);
    let today = today_wib(state.now());
    let rows = state
        .db
        .list_residents(&p.scope, &q.filter(today), q.cursor(), PAGE + 1)
        .await?;
    let has_more = rows.len() as i64 > PAGE;
    let options = desa_options(&state, &p.scope).await?;
    let name_of = |code: &str| {
        options
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let lines: Vec<Line> = rows
        .iter()
        .take(PAGE as usize)
        .map(|r| Line {
            id: r.id,
            nik: shown_nik(&p, &r.nik),
            name: r.name.clone(),
            sex: r.sex.clone(),
            age: r
                .birth_date
                .parse::<jiff::civil::Date>()
                .map(|b| nik::age_on(b, today))
                .unwrap_or(0),
            born: r.birth_date.clone(),
            desa: name_of(&r.desa_code),
            categories: categories(r, today),
            stage: stage_label(&r.stage).to_string(),
        })
        .collect();
    let next_href = has_more.then(|| {
        let last = rows.get(PAGE as usize - 1).map(|r| r.id).unwrap_or(0);
        let filters = q.query_string();
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("/warga?{filters}{sep}before={last}")
    });
    let shown: Vec<i64> = lines.iter().map(|l| l.id).collect();
    log_list_view(&state, &p, "/warga", &shown, !q.q.is_empty()).await?;
    render(&ListPage {
        l: layout(info.lang, Some(&p), Tr(info.lang).s("res.title"), "/warga", None),
        export_query: q.query_string(),
        masked: !p.can(Action::ViewFullNik),
        desa_options: options,
        lines,
        next_href,
        q,
    })
}

/// Records that a list page showed these people (their NIK, whole or masked, and their
/// categories: disability, ODGJ) to the user: one audit entry per page shown, naming every
/// person on it, so the breach report and each person's own report include list views.
pub(crate) async fn log_list_view(
    state: &AppState,
    p: &Principal,
    page: &str,
    ids: &[i64],
    searched: bool,
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    // ",12,15,40,": a person is found in it by ",<id>," (`AuditFilter::record`).
    let listed = format!(",{},", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let detail = serde_json::json!({
        "halaman": page,
        "jumlah": ids.len(),
        "nik_utuh": p.can(Action::ViewFullNik),
        "pencarian": searched,
        "daftar": listed,
    });
    state
        .record_view(p.actor(), "resident.list", "resident", None, Some(detail))
        .await?;
    Ok(())
}

/// The rows of an export, with the same scope and masking as the page; audited.
async fn export_rows(
    state: &AppState,
    p: &Principal,
    q: &ListQuery,
    format: &str,
) -> Result<Vec<Vec<String>>, AppError> {
    p.require(Action::ViewResidents)?;
    let today = today_wib(state.now());
    let rows = state
        .db
        .list_residents(&p.scope, &q.filter(today), None, EXPORT_MAX)
        .await?;
    let mut out = vec![
        [
            "NIK",
            "NO. KK",
            "NAMA",
            "L/P",
            "TEMPAT LAHIR",
            "TGL LAHIR",
            "DESA",
            "DUSUN",
            "RT",
            "RW",
            "KATEGORI",
            "TAHAP",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for r in &rows {
        out.push(vec![
            shown_nik(p, &r.nik),
            r.no_kk
                .as_deref()
                .map(|k| {
                    if p.can(Action::ViewFullNik) {
                        k.to_string()
                    } else {
                        nik::mask(k)
                    }
                })
                .unwrap_or_default(),
            r.name.clone(),
            r.sex.clone(),
            r.birth_place.clone().unwrap_or_default(),
            r.birth_date.clone(),
            r.desa_code.clone(),
            r.dusun.clone().unwrap_or_default(),
            r.rt.clone().unwrap_or_default(),
            r.rw.clone().unwrap_or_default(),
            categories(r, today),
            stage_label(&r.stage).to_string(),
        ]);
    }
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "resident.export",
            "resident",
            None,
            Some(serde_json::json!({
                "format": format, "rows": rows.len(), "q": q.q, "desa": q.desa, "kategori": q.kategori,
                "tahap": q.tahap, "full_nik": p.can(Action::ViewFullNik)
            })),
        )
        .await?;
    Ok(out)
}

/// A CSV cell that a spreadsheet will not run: text beginning with `=`, `+`, `-`, `@`, a tab
/// or a carriage return (what Excel and LibreOffice take as the start of a formula) gets a
/// leading apostrophe, so a name typed as `=HYPERLINK(...)` stays text. XLSX exports need
/// nothing: every cell there is written as a text cell, never as a formula.
pub(crate) fn formula_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub(crate) fn attachment(mime: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

async fn export_csv(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let q = q.searched(&p);
    let rows = export_rows(&state, &p, &q, "csv")
        .await
        .map_err(|e| PageError(e, info.lang))?;
    // Semicolons and a BOM: what Excel on an Indonesian Windows PC opens correctly.
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    for r in rows {
        w.write_record(r.iter().map(|c| formula_safe(c).into_owned()))
            .map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    }
    let body = w
        .into_inner()
        .map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    Ok(attachment("text/csv; charset=utf-8", "warga-rentan.csv", body))
}

async fn export_xlsx(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let q = q.searched(&p);
    let rows = export_rows(&state, &p, &q, "xlsx")
        .await
        .map_err(|e| PageError(e, info.lang))?;
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Warga")?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        // Every cell is text: a NIK written as a number would lose its last digit.
        for (i, r) in rows.iter().enumerate() {
            for (c, v) in r.iter().enumerate() {
                if i == 0 {
                    ws.write_string_with_format(0, c as u16, v, &bold)?;
                } else {
                    ws.write_string(i as u32, c as u16, v)?;
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        wb.save_to_buffer()
    };
    let body = build().map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "warga-rentan.xlsx",
        body,
    ))
}

/// The care form as typed (checkboxes are present only when ticked).
#[derive(Deserialize, Default, Clone)]
struct CareForm {
    bedridden: Option<String>,
    needs_companion: Option<String>,
    fingerprints_impossible: Option<String>,
    iris_impossible: Option<String>,
    cannot_sign: Option<String>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    ektp_status: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    consent_by: String,
    #[serde(default)]
    wali_name: String,
    #[serde(default)]
    wali_nik: String,
    #[serde(default)]
    wali_relationship: String,
    #[serde(default)]
    notes: String,
    /// The record's edit version the form was opened on.
    #[serde(default)]
    version: i64,
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

impl CareForm {
    fn from_record(r: &ResidentDetail) -> CareForm {
        let tick = |b: bool| b.then(|| "1".to_string());
        CareForm {
            bedridden: tick(r.bedridden),
            needs_companion: tick(r.needs_companion),
            fingerprints_impossible: tick(r.fingerprints_impossible),
            iris_impossible: tick(r.iris_impossible),
            cannot_sign: tick(r.cannot_sign),
            severity: r.disability_severity.clone().unwrap_or_default(),
            ektp_status: r.ektp_status.clone().unwrap_or_default(),
            phone: r.phone.clone().unwrap_or_default(),
            consent_by: r.consent_by.clone().unwrap_or_default(),
            wali_name: r.wali_name.clone().unwrap_or_default(),
            wali_nik: r.wali_nik.clone().unwrap_or_default(),
            wali_relationship: r.wali_relationship.clone().unwrap_or_default(),
            notes: r.notes.clone().unwrap_or_default(),
            version: r.edit_version,
        }
    }

    fn update(&self) -> CareUpdate {
        let wali = self.consent_by == "wali";
        CareUpdate {
            bedridden: self.bedridden.is_some(),
            needs_companion: self.needs_companion.is_some(),
            fingerprints_impossible: self.fingerprints_impossible.is_some(),
            iris_impossible: self.iris_impossible.is_some(),
            cannot_sign: self.cannot_sign.is_some(),
            disability_severity: opt(&self.severity),
            ektp_status: opt(&self.ektp_status),
            phone: opt(&self.phone),
            consent_by: opt(&self.consent_by),
            // A wali is recorded only when the wali consented.
            wali_name: if wali { opt(&self.wali_name) } else { None },
            wali_nik: if wali {
                opt(&jempol_core::nik::normalize(&self.wali_nik))
            } else {
                None
            },
            wali_relationship: if wali { opt(&self.wali_relationship) } else { None },
            notes: opt(&self.notes),
        }
    }
}

struct Event {
    when: String,
    actor: String,
    kind: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "resident.html")]
struct DetailPage {
    l: Layout,
    /// The person's assistance page (steps 9–12), for those who work on it.
    can_assist: bool,
    r: ResidentDetail,
    nik: String,
    no_kk: String,
    desa: String,
    age: i16,
    categories: String,
    stage: String,
    can_edit: bool,
    /// The Camat: may print the person's access report.
    can_audit: bool,
    f: CareForm,
    errors: BTreeMap<&'static str, String>,
    warnings: Vec<String>,
    severities: Vec<&'static str>,
    ektp_statuses: Vec<(&'static str, &'static str)>,
    events: Vec<Event>,
    /// How long each step took this person, against its standard.
    steps: Vec<(u32, String, String, String, &'static str, &'static str)>,
    consent_when: String,
}

#[allow(clippy::too_many_arguments)]
async fn detail_page(
    state: &AppState,
    p: &Principal,
    lang: crate::i18n::Lang,
    r: ResidentDetail,
    f: CareForm,
    errors: BTreeMap<&'static str, String>,
    warnings: Vec<String>,
    ok: Option<&str>,
) -> Result<Html<String>, PageError> {
    let today = today_wib(state.now());
    let events = state
        .db
        .resident_events(r.row.id)
        .await?
        .into_iter()
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap_or_default();
            let mut detail = match e.kind.as_str() {
                "diajukan" => format!("pengajuan #{}", payload["submission"]),
                "ditolak" => payload["reason"].as_str().unwrap_or("").to_string(),
                "digabung" => format!("ke warga #{}", payload["into"]),
                "diubah" => payload["after"]
                    .as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default(),
                "gabungan" => format!("dari warga #{} (pengajuan #{})", payload["from"], payload["submission"]),
                "kunjungan" => crate::visit_pages::payload_text(&payload),
                "produksi" => format!(
                    "{}{}{}",
                    match payload["kind"].as_str().unwrap_or("") {
                        "problem" => format!(
                            "masalah: {}",
                            jempol_core::production::problem_label(payload["code"].as_str().unwrap_or(""))
                        ),
                        "problem_solved" => "masalah selesai".to_string(),
                        _ => jempol_core::production::state_label(payload["code"].as_str().unwrap_or("")).to_string(),
                    },
                    payload["date"]
                        .as_str()
                        .map(|d| format!(", {}", crate::pages::tanggal(d)))
                        .unwrap_or_default(),
                    payload["note"]
                        .as_str()
                        .filter(|n| !n.is_empty())
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default()
                ),
                "serah_terima" => format!(
                    "{} {}: {}{}",
                    payload["number"].as_str().unwrap_or(""),
                    crate::handover_pages::item_label(payload["item"].as_str().unwrap_or("")),
                    payload["status"].as_str().unwrap_or(""),
                    payload["note"]
                        .as_str()
                        .filter(|n| !n.is_empty())
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default()
                ),
                "kartu_diterima" => format!(
                    "{}, {} oleh {}{}",
                    crate::handover_pages::item_label(payload["item"].as_str().unwrap_or("")),
                    payload["date"].as_str().map(crate::pages::tanggal).unwrap_or_default(),
                    payload["name"].as_str().unwrap_or(""),
                    payload["relationship"]
                        .as_str()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
                "pindah_gelombang" => format!("dari gelombang #{} ke gelombang #{}", payload["from"], payload["to"]),
                "dtsen" => format!(
                    "{}{}",
                    payload["dtsen"].as_str().unwrap_or("").replace('_', " "),
                    payload["desil"]
                        .as_i64()
                        .map(|d| format!(", desil {d}"))
                        .unwrap_or_default()
                ),
                "bantuan_diterima" | "bantuan_dihapus" | "diusulkan_bantuan" => payload["program"]
                    .as_str()
                    .or(payload["target"].as_str())
                    .unwrap_or("")
                    .to_string(),
                "hasil_usulan" => format!(
                    "{}: {}",
                    payload["target"].as_str().unwrap_or(""),
                    payload["result"].as_str().unwrap_or("")
                ),
                "fasilitasi" => format!(
                    "{}, {} menit",
                    payload["kind"].as_str().unwrap_or("").replace('_', " "),
                    payload["minutes"]
                ),
                "kunjungan_konflik" => {
                    format!("{} — diputuskan Kasi Pelayanan", payload["kind"].as_str().unwrap_or(""))
                }
                _ => String::new(),
            };
            if e.resident_id != r.row.id {
                // From a record merged into this one.
                detail = format!("warga #{} · {detail}", e.resident_id);
            }
            Event {
                when: crate::clock::format_wib(e.at),
                actor: e.actor,
                kind: stage_label(&e.kind).to_string(),
                detail,
            }
        })
        .collect();
    let steps = crate::sla_pages::person_steps(state, r.row.id)
        .await
        .map_err(|e| PageError(e, lang))?
        .into_iter()
        .map(|m| {
            (
                m.span.step,
                m.span.label.clone(),
                crate::clock::format_wib(m.span.start),
                format!(
                    "{} / {}",
                    crate::welfare_pages::duration_label(m.sla.used),
                    crate::welfare_pages::duration_label(m.sla.standard)
                ),
                if m.sla.done { "selesai" } else { "berjalan" },
                m.sla.state.label(),
            )
        })
        .collect();
    render(&DetailPage {
        l: layout(lang, Some(p), &r.row.name, "/warga", ok),
        steps,
        can_assist: p.can(Action::ViewAssistance),
        nik: shown_nik(p, &r.row.nik),
        no_kk: r.row.no_kk.as_deref().map(|k| shown_nik(p, k)).unwrap_or_default(),
        desa: crate::pages::region_label(state, &r.row.desa_code).await,
        age: r
            .row
            .birth_date
            .parse::<jiff::civil::Date>()
            .map(|b| nik::age_on(b, today))
            .unwrap_or(0),
        categories: categories(&r.row, today),
        stage: stage_label(&r.row.stage).to_string(),
        can_edit: p.can(Action::EditResidents),
        can_audit: p.can(Action::ViewAudit),
        consent_when: r.consent_at.map(crate::clock::format_wib).unwrap_or_default(),
        severities: jempol_core::care::SEVERITIES.to_vec(),
        ektp_statuses: jempol_core::care::EKTP_STATUSES.to_vec(),
        events,
        r,
        f,
        errors,
        warnings,
    })
}

pub(crate) async fn scoped(
    state: &AppState,
    p: &Principal,
    id: i64,
    lang: crate::i18n::Lang,
) -> Result<ResidentDetail, PageError> {
    p.require(Action::ViewResidents).map_err(|e| PageError(e, lang))?;
    state
        .db
        .resident_in_scope(id, &p.scope)
        .await?
        .ok_or(PageError(AppError::NotFound, lang))
}

/// The fields where the record as saved now differs from what the person typed, with the
/// saved values: told with a conflict, so the second editor sees what the first one saved.
pub(crate) fn saved_meanwhile<T: serde::Serialize>(current: &T, typed: &T) -> String {
    let (Ok(serde_json::Value::Object(c)), Ok(serde_json::Value::Object(t))) =
        (serde_json::to_value(current), serde_json::to_value(typed))
    else {
        return String::new();
    };
    fn label(k: &str) -> &str {
        match k {
            "bedridden" => "terbaring",
            "needs_companion" => "perlu pendamping",
            "fingerprints_impossible" => "sidik jari tidak bisa",
            "iris_impossible" => "iris tidak bisa",
            "cannot_sign" => "tidak bisa tanda tangan",
            "disability_severity" => "tingkat disabilitas",
            "ektp_status" => "status e-KTP",
            "phone" => "telepon",
            "wali_name" => "nama wali",
            "wali_nik" => "NIK wali",
            "wali_relationship" => "hubungan wali",
            "consent_by" => "persetujuan",
            "notes" => "catatan",
            "no_kk" => "No. KK",
            "name" => "nama",
            "sex" => "jenis kelamin",
            "birth_place" => "tempat lahir",
            "birth_date" => "tanggal lahir",
            "address" => "alamat",
            "dusun" => "dusun",
            "rt" => "RT",
            "rw" => "RW",
            "disabilitas" => "disabilitas",
            "disability_kind" => "ragam disabilitas",
            "odgj" => "ODGJ",
            "lat" => "lintang",
            "lng" => "bujur",
            other => other,
        }
    }
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "(kosong)".to_string(),
        serde_json::Value::Bool(true) => "ya".to_string(),
        serde_json::Value::Bool(false) => "tidak".to_string(),
        serde_json::Value::String(s) if s.is_empty() => "(kosong)".to_string(),
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    let diffs: Vec<String> = c
        .iter()
        .filter(|(k, v)| t.get(k.as_str()) != Some(v))
        .map(|(k, v)| format!("{} {}", label(k), shown(v)))
        .collect();
    if diffs.is_empty() {
        String::new()
    } else {
        format!(
            " Yang tersimpan sekarang berbeda dari isian Anda pada: {}.",
            diffs.join("; ")
        )
    }
}

#[derive(Deserialize, Default)]
struct OkOnly {
    ok: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<OkOnly>,
) -> Result<Html<String>, PageError> {
    let r = scoped(&state, &p, id, info.lang).await?;
    // Reading a person's disability and mental-health data is itself recorded.
    state
        .record_view(p.actor(), "resident.view", "resident", Some(id.to_string()), None)
        .await?;
    let f = CareForm::from_record(&r);
    detail_page(&state, &p, info.lang, r, f, BTreeMap::new(), vec![], q.ok.as_deref()).await
}

async fn save_care(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<CareForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::EditResidents, info.lang)?;
    let r = scoped(&state, &p, id, info.lang).await?;
    let care = jempol_core::care::Care {
        disabilitas: r.row.disabilitas,
        odgj: r.row.odgj,
        severity: f.severity.trim().to_string(),
        ektp_status: f.ektp_status.trim().to_string(),
        consent_by: f.consent_by.trim().to_string(),
        wali_name: f.wali_name.clone(),
        wali_nik: f.wali_nik.clone(),
        wali_relationship: f.wali_relationship.clone(),
    };
    let findings = jempol_core::care::check(&care);
    let errors: BTreeMap<&'static str, String> = findings
        .iter()
        .filter(|x| x.is_error())
        .map(|x| (x.field, x.message.clone()))
        .collect();
    let warnings: Vec<String> = findings
        .iter()
        .filter(|x| !x.is_error())
        .map(|x| x.message.clone())
        .collect();
    if !errors.is_empty() {
        let page = detail_page(&state, &p, info.lang, r, f, errors, warnings, None).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match state
        .db
        .update_care(&r, f.version, &f.update(), &p.actor(), state.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/warga/{id}?ok=res.saved")).into_response()),
        Err(jempol_store::StoreError::Conflict(m)) => {
            // Someone saved this record since the form was opened: keep what was typed, show
            // the record as it is now, and let a second save apply it knowingly.
            let r = scoped(&state, &p, id, info.lang).await?;
            let m = format!("{m}{}", saved_meanwhile(&r.care(), &f.update()));
            let f = CareForm {
                version: r.edit_version,
                ..f
            };
            let errors = BTreeMap::from([("version", m)]);
            let page = detail_page(&state, &p, info.lang, r, f, errors, warnings, None).await?;
            Ok((axum::http::StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(PageError(e.into(), info.lang)),
    }
}
