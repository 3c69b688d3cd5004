//! SOP step 3 and the letters registers in the browser. The Kasi or staff plan the
//! coordination meeting of a campaign (its invitation gets the next outgoing-letter number),
//! print the invitation, the attendance list and, after the meeting, the minutes; they record
//! who came, what was said and decided, and the arrangements per person that the schedule and
//! the field teams then carry. The registers list incoming and outgoing letters per year.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::{Lang, Tr};
use crate::letters::{hari, letterhead, pdf_response, tanggal};
use crate::pages::{Layout, OkQuery, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_docs::Block;
use jempol_store::campaigns::Campaign;
use jempol_store::meetings::{DEFAULT_FORMAT, Meeting, Minutes, NewLetter, NewMeeting};
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/gelombang/{id}/rapat",
            get(Access::Act(Action::ManageMeetings), new_form).post(Access::Act(Action::ManageMeetings), create),
        )
        .route(
            "/gelombang/{id}/warga/{rid}/pengaturan",
            post(Access::Act(Action::ManageMeetings), arrangement),
        )
        .route("/rapat/{mid}", get(Access::Act(Action::ViewCampaigns), show))
        .route(
            "/rapat/{mid}/notulen",
            post(Access::Act(Action::ManageMeetings), save_minutes),
        )
        .route(
            "/rapat/{mid}/undangan.pdf",
            get(Access::Act(Action::ViewCampaigns), invitation_pdf),
        )
        .route(
            "/rapat/{mid}/daftar-hadir.pdf",
            get(Access::Act(Action::ViewCampaigns), attendance_pdf),
        )
        .route(
            "/rapat/{mid}/notulen.pdf",
            get(Access::Act(Action::ViewCampaigns), minutes_pdf),
        )
        .route(
            "/surat",
            get(Access::Act(Action::ViewCampaigns), register)
                .post(Access::Act(Action::ManageMeetings), register_letter),
        )
}

/// "09.00", "9:30" → "09.00".
fn parse_time(s: &str) -> Option<String> {
    let s = s.trim();
    let (h, m) = s.split_once(['.', ':']).unwrap_or((s, "0"));
    let (h, m): (u8, u8) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}.{m:02}"))
}

fn minutes_of(t: &str) -> Option<i64> {
    let (h, m) = t.split_once('.')?;
    Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
}

async fn campaign_for(state: &AppState, p: &Principal, id: i64, lang: Lang) -> Result<Campaign, PageError> {
    allow(p, Action::ViewCampaigns, lang)?;
    match state.db.campaign(id).await? {
        Some(c) if p.scope.contains_kecamatan(&c.kecamatan_code) => Ok(c),
        _ => Err(PageError(AppError::NotFound, lang)),
    }
}

async fn meeting_for(state: &AppState, p: &Principal, mid: i64, lang: Lang) -> Result<(Meeting, Campaign), PageError> {
    let m = state
        .db
        .meeting(mid)
        .await?
        .ok_or(PageError(AppError::NotFound, lang))?;
    let c = campaign_for(state, p, m.campaign_id, lang).await?;
    Ok((m, c))
}

#[derive(serde::Deserialize, Default, Clone)]
struct MeetingForm {
    #[serde(default)]
    meeting_date: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    invitees: String,
    #[serde(default)]
    letter_date: String,
    #[serde(default)]
    classification: String,
}

#[derive(Template)]
#[template(path = "meeting_new.html")]
struct NewPage {
    l: Layout,
    c: Campaign,
    f: MeetingForm,
    errors: BTreeMap<&'static str, String>,
}

impl NewPage {
    fn error(&self, k: &str) -> Option<String> {
        self.errors.get(k).cloned()
    }
}

const DEFAULT_INVITEES: &str = "Kasi Pelayanan Kecamatan\nStaf Pelayanan Kecamatan\nKepala Desa/Lurah se-Kecamatan\nDinas Kependudukan dan Pencatatan Sipil Kabupaten\nDinas Sosial / Kasi Kesra\nPendamping Desa / TKSK / PKH";

async fn new_form(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ManageMeetings, info.lang)?;
    let c = campaign_for(&state, &p, id, info.lang).await?;
    let today = today_wib(state.now()).to_string();
    render(&NewPage {
        l: layout(info.lang, Some(&p), Tr(info.lang).s("meet.new"), "/gelombang", None),
        f: MeetingForm {
            meeting_date: today.clone(),
            start_time: "09.00".into(),
            place: "Pendopo Kantor Kecamatan".into(),
            agenda: format!(
                "Koordinasi data warga rentan dan jadwal perekaman e-KTP jemput bola ({})",
                c.name
            ),
            invitees: DEFAULT_INVITEES.into(),
            letter_date: today,
            classification: "005".into(),
        },
        c,
        errors: BTreeMap::new(),
    })
}

async fn create(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<MeetingForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMeetings, info.lang)?;
    let c = campaign_for(&state, &p, id, info.lang).await?;
    let mut errors = BTreeMap::new();
    let date = crate::clock::parse_local_date(&f.meeting_date);
    if date.is_none() {
        errors.insert("meeting_date", "Isi tanggal rapat, misalnya 10-12-2026.".to_string());
    }
    let time = parse_time(&f.start_time);
    if time.is_none() {
        errors.insert("start_time", "Isi jam mulai, misalnya 09.00.".to_string());
    }
    if f.place.trim().chars().count() < 3 {
        errors.insert("place", "Isi tempat rapat.".to_string());
    }
    if f.agenda.trim().chars().count() < 5 {
        errors.insert("agenda", "Isi acara rapat.".to_string());
    }
    if f.invitees.trim().is_empty() {
        errors.insert("invitees", "Isi yang diundang, satu per baris.".to_string());
    }
    let letter_date = crate::clock::parse_local_date(&f.letter_date);
    if letter_date.is_none() {
        errors.insert("letter_date", "Isi tanggal surat undangan.".to_string());
    }
    let classification = f.classification.trim().to_string();
    if classification.is_empty() || classification.len() > 20 {
        errors.insert(
            "classification",
            "Isi kode klasifikasi surat, misalnya 005 (undangan).".to_string(),
        );
    }
    let (Some(date), Some(time), Some(letter_date)) = (date, time, letter_date) else {
        return new_page_error(&p, info.lang, c, f, errors);
    };
    if !errors.is_empty() {
        return new_page_error(&p, info.lang, c, f, errors);
    }
    let format = state
        .db
        .setting("surat.format")
        .await?
        .filter(|s| s.contains("{nomor}"))
        .unwrap_or_else(|| DEFAULT_FORMAT.to_string());
    let mid = state
        .db
        .create_meeting(
            &NewMeeting {
                campaign_id: c.id,
                meeting_date: date.to_string(),
                start_time: time,
                place: f.place.trim().to_string(),
                agenda: f.agenda.trim().to_string(),
                invitees: f.invitees.trim().to_string(),
            },
            &NewLetter {
                kecamatan_code: c.kecamatan_code.clone(),
                direction: "keluar".into(),
                classification,
                letter_date: letter_date.to_string(),
                counterpart: f
                    .invitees
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("; "),
                subject: format!("Undangan rapat koordinasi {}", c.name),
                campaign_id: Some(c.id),
                external_number: None,
            },
            &format,
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/rapat/{mid}?ok=meet.created")).into_response())
}

fn new_page_error(
    p: &Principal,
    lang: Lang,
    c: Campaign,
    f: MeetingForm,
    errors: BTreeMap<&'static str, String>,
) -> Result<Response, PageError> {
    let page = render(&NewPage {
        l: layout(lang, Some(p), Tr(lang).s("meet.new"), "/gelombang", None),
        c,
        f,
        errors,
    })?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

struct PersonLine {
    id: i64,
    name: String,
    desa: String,
    needs: String,
    arrangement: String,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct ShowPage {
    l: Layout,
    m: Meeting,
    c: Campaign,
    number: String,
    date_text: String,
    can_manage: bool,
    attendees_text: String,
    people: Vec<PersonLine>,
    step3: Option<(String, String)>,
    /// The minutes as stored (the PDF can be printed).
    minutes_saved: bool,
    /// What to fix in the minutes form: the field and the message.
    error: Option<(&'static str, String)>,
}

impl ShowPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// A refused minutes form: what to fix, and what was typed (shown again, not lost).
type Refused = ((&'static str, String), MinutesForm);

async fn show_page(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    mid: i64,
    ok: Option<&str>,
    refused: Option<Refused>,
) -> Result<Response, PageError> {
    let (mut m, c) = meeting_for(state, p, mid, lang).await?;
    let number = match m.letter_id {
        Some(l) => state.db.letter(l).await?.map(|l| l.number).unwrap_or_default(),
        None => String::new(),
    };
    let mut attendees_text = state
        .db
        .meeting_attendees(mid)
        .await?
        .into_iter()
        .map(|(n, pos)| if pos.is_empty() { n } else { format!("{n} — {pos}") })
        .collect::<Vec<_>>()
        .join("\n");
    let mut desa = std::collections::HashMap::new();
    for d in state.db.region_children(&c.kecamatan_code).await? {
        desa.insert(d.code, d.name);
    }
    let people = state
        .db
        .campaign_members(c.id)
        .await?
        .into_iter()
        .map(|x| PersonLine {
            id: x.id,
            needs: crate::campaign_pages::needs_text(&x),
            desa: desa.get(&x.desa_code).cloned().unwrap_or_default(),
            name: x.name,
            arrangement: x.arrangement.unwrap_or_default(),
        })
        .collect();
    let step3 = match (
        m.started_at.as_deref().and_then(minutes_of),
        m.ended_at.as_deref().and_then(minutes_of),
    ) {
        (Some(a), Some(b)) if b >= a => {
            let (_, def) = state.db.active_sop().await?;
            Some((
                crate::submission_pages::duration_text((b - a) * 60_000),
                def.steps.get(2).map(|s| s.time.clone()).unwrap_or_default(),
            ))
        }
        _ => None,
    };
    let minutes_saved = m.minutes.is_some();
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let error = refused.map(|(error, typed)| {
        m.started_at = Some(typed.started_at);
        m.ended_at = Some(typed.ended_at);
        m.minutes = Some(typed.minutes);
        m.decisions = Some(typed.decisions);
        m.minute_taker = Some(typed.minute_taker);
        attendees_text = typed.attendees;
        error
    });
    let date_text = m
        .meeting_date
        .parse::<jiff::civil::Date>()
        .map(tanggal)
        .unwrap_or(m.meeting_date.clone());
    let page = render(&ShowPage {
        l: layout(lang, Some(p), Tr(lang).s("meet.title"), "/gelombang", ok),
        can_manage: p.can(Action::ManageMeetings),
        number,
        date_text,
        attendees_text,
        people,
        step3,
        minutes_saved,
        error,
        m,
        c,
    })?;
    Ok((status, page).into_response())
}

async fn show(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(mid): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    show_page(&state, &p, info.lang, mid, q.ok.as_deref(), None).await
}

#[derive(serde::Deserialize)]
struct MinutesForm {
    #[serde(default)]
    started_at: String,
    #[serde(default)]
    ended_at: String,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    decisions: String,
    #[serde(default)]
    minute_taker: String,
}

async fn save_minutes(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(mid): Path<i64>,
    Form(f): Form<MinutesForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMeetings, info.lang)?;
    let (m, _) = meeting_for(&state, &p, mid, info.lang).await?;
    let (Some(a), Some(b)) = (parse_time(&f.started_at), parse_time(&f.ended_at)) else {
        let field = if parse_time(&f.started_at).is_none() {
            "started_at"
        } else {
            "ended_at"
        };
        let why = "Isi jam mulai dan jam selesai rapat, misalnya 09.00 dan 11.00.".to_string();
        return show_page(&state, &p, info.lang, mid, None, Some(((field, why), f))).await;
    };
    if minutes_of(&b) < minutes_of(&a) {
        let why = "Jam selesai tidak boleh sebelum jam mulai.".to_string();
        return show_page(&state, &p, info.lang, mid, None, Some((("ended_at", why), f))).await;
    }
    let attendees: Vec<(String, String)> = f
        .attendees
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            match l
                .split_once('—')
                .or_else(|| l.split_once(" - "))
                .or_else(|| l.split_once(','))
            {
                Some((n, pos)) => (n.trim().to_string(), pos.trim().to_string()),
                None => (l.to_string(), String::new()),
            }
        })
        .collect();
    if attendees.is_empty() {
        let why = "Tulis yang hadir, satu per baris: Nama — Jabatan/Instansi.".to_string();
        return show_page(&state, &p, info.lang, mid, None, Some((("attendees", why), f))).await;
    }
    if f.minutes.trim().is_empty() {
        let why = "Tulis notulen: pokok pembahasan rapat.".to_string();
        return show_page(&state, &p, info.lang, mid, None, Some((("minutes", why), f))).await;
    }
    state
        .db
        .record_minutes(
            &m,
            &Minutes {
                started_at: a,
                ended_at: b,
                minutes: f.minutes.trim().to_string(),
                decisions: f.decisions.trim().to_string(),
                minute_taker: f.minute_taker.trim().to_string(),
                attendees,
            },
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/rapat/{mid}?ok=meet.minutes_saved")).into_response())
}

#[derive(serde::Deserialize)]
struct ArrangementForm {
    #[serde(default)]
    arrangement: String,
    #[serde(default)]
    back: String,
}

async fn arrangement(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, rid)): Path<(i64, i64)>,
    Form(f): Form<ArrangementForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMeetings, info.lang)?;
    campaign_for(&state, &p, id, info.lang).await?;
    let text = f.arrangement.trim();
    if text.chars().count() > 300 {
        return Err(PageError(
            AppError::Invalid("Pengaturan khusus paling banyak 300 huruf.".into()),
            info.lang,
        ));
    }
    state
        .db
        .set_member_note(
            id,
            rid,
            jempol_store::campaigns::MemberNote::Arrangement,
            Some(text).filter(|t| !t.is_empty()),
            &p.actor(),
            state.now(),
        )
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    // Back to the meeting the form was on.
    let back = f
        .back
        .parse::<i64>()
        .map(|m| format!("/rapat/{m}?ok=meet.arrangement_saved#p{rid}"))
        .unwrap_or_else(|_| format!("/gelombang/{id}"));
    Ok(Redirect::to(&back).into_response())
}

use crate::letters::PaperQuery;

async fn pdf(
    state: &AppState,
    p: &Principal,
    doc: jempol_docs::Doc,
    file: &str,
    mid: i64,
    what: &str,
    lang: Lang,
) -> Result<Response, PageError> {
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "meeting.print",
            "meeting",
            Some(&mid.to_string()),
            Some(serde_json::json!({"document": what})),
        )
        .await?;
    Ok(pdf_response(file, body))
}

/// The invitation: the kop surat, the letter's number, to whom, the meeting, the Camat's
/// signature block.
async fn invitation_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(mid): Path<i64>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, PageError> {
    let (m, c) = meeting_for(&state, &p, mid, info.lang).await?;
    let head = letterhead(&state, &c.kecamatan_code).await?;
    let letter = match m.letter_id {
        Some(l) => state.db.letter(l).await?,
        None => None,
    };
    let letter_date = letter
        .as_ref()
        .and_then(|l| l.letter_date.parse::<jiff::civil::Date>().ok())
        .unwrap_or(today_wib(state.now()));
    let day = m
        .meeting_date
        .parse::<jiff::civil::Date>()
        .map(|d| format!("{}, {}", hari(d), tanggal(d)))
        .unwrap_or(m.meeting_date.clone());
    let invitees: Vec<String> = m
        .invitees
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| format!("{}. {l}", i + 1))
        .collect();
    let mut blocks = vec![
        head.block(),
        Block::Fields(vec![
            (
                "Nomor".into(),
                letter.as_ref().map(|l| l.number.clone()).unwrap_or_default(),
            ),
            ("Sifat".into(), "Penting".into()),
            ("Lampiran".into(), "-".into()),
            ("Perihal".into(), "Undangan".into()),
        ]),
    ];
    blocks.push(Block::Para(format!(
        "Kepada Yth.\n{}\ndi {}",
        invitees.join("\n"),
        head.place
    )));
    blocks.push(Block::Space(6.0));
    blocks.push(Block::Para(format!(
        "Dalam rangka pelaksanaan SOP Jemput Bola Perekaman E-KTP bagi lansia, penyandang disabilitas dan ODGJ ({}), dengan hormat kami mengundang Bapak/Ibu untuk hadir pada:",
        c.name
    )));
    blocks.push(Block::Fields(vec![
        ("Hari, tanggal".into(), day),
        ("Pukul".into(), format!("{} WIB s.d. selesai", m.start_time)),
        ("Tempat".into(), m.place.clone()),
        ("Acara".into(), m.agenda.clone()),
    ]));
    blocks.push(Block::Para(
        "Mengingat pentingnya acara tersebut, kami mohon kehadiran Bapak/Ibu tepat pada waktunya. Atas perhatian dan kehadirannya kami sampaikan terima kasih."
            .into(),
    ));
    blocks.push(head.signature(letter_date));
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Undangan rapat koordinasi — {}", c.name),
        blocks,
    };
    pdf(
        &state,
        &p,
        doc,
        &format!("undangan-rapat-{mid}.pdf"),
        mid,
        "undangan",
        info.lang,
    )
    .await
}

/// The attendance list to sign at the door: the invitees, then blank lines.
async fn attendance_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(mid): Path<i64>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, PageError> {
    let (m, c) = meeting_for(&state, &p, mid, info.lang).await?;
    let head = letterhead(&state, &c.kecamatan_code).await?;
    let day = m
        .meeting_date
        .parse::<jiff::civil::Date>()
        .map(|d| format!("{}, {}", hari(d), tanggal(d)))
        .unwrap_or(m.meeting_date.clone());
    let mut rows: Vec<Vec<String>> = m
        .invitees
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| vec![String::new(), String::new(), l.to_string(), String::new()])
        .collect();
    for _ in 0..10 {
        rows.push(vec![String::new(); 4]);
    }
    for (i, r) in rows.iter_mut().enumerate() {
        r[0] = (i + 1).to_string();
        r[3] = format!("{}.", i + 1);
    }
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Daftar hadir rapat koordinasi — {}", c.name),
        blocks: vec![
            head.block(),
            Block::Title("DAFTAR HADIR".into()),
            Block::Subtitle("Rapat Koordinasi Jemput Bola Perekaman E-KTP".into()),
            Block::Fields(vec![
                ("Hari, tanggal".into(), day),
                ("Pukul".into(), format!("{} WIB", m.start_time)),
                ("Tempat".into(), m.place.clone()),
                ("Acara".into(), m.agenda.clone()),
            ]),
            Block::Table {
                widths: vec![0.6, 3.2, 3.2, 2.4],
                header: vec![
                    "No".into(),
                    "Nama".into(),
                    "Jabatan / Instansi".into(),
                    "Tanda tangan".into(),
                ],
                rows,
            },
            head.signature(m.meeting_date.parse().unwrap_or(today_wib(state.now()))),
        ],
    };
    pdf(
        &state,
        &p,
        doc,
        &format!("daftar-hadir-rapat-{mid}.pdf"),
        mid,
        "daftar_hadir",
        info.lang,
    )
    .await
}

/// The minutes (notulen): the meeting, who came, what was said and decided, the arrangements
/// per person; signed by the minute taker and the Camat.
async fn minutes_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(mid): Path<i64>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, PageError> {
    let (m, c) = meeting_for(&state, &p, mid, info.lang).await?;
    let Some(minutes) = m.minutes.clone() else {
        return Err(PageError(
            AppError::Invalid("Notulen belum dicatat. Isi notulen rapat dulu, lalu cetak.".into()),
            info.lang,
        ));
    };
    let head = letterhead(&state, &c.kecamatan_code).await?;
    let attendees = state.db.meeting_attendees(mid).await?;
    let mut desa = std::collections::HashMap::new();
    for d in state.db.region_children(&c.kecamatan_code).await? {
        desa.insert(d.code, d.name);
    }
    let arrangements: Vec<Vec<String>> = state
        .db
        .campaign_members(c.id)
        .await?
        .into_iter()
        .filter_map(|x| {
            let a = x.arrangement.clone().filter(|a| !a.is_empty())?;
            Some(vec![
                x.name.clone(),
                desa.get(&x.desa_code).cloned().unwrap_or_default(),
                a,
            ])
        })
        .collect();
    let day = m
        .meeting_date
        .parse::<jiff::civil::Date>()
        .map(|d| format!("{}, {}", hari(d), tanggal(d)))
        .unwrap_or(m.meeting_date.clone());
    let mut blocks = vec![
        head.block(),
        Block::Title("NOTULEN RAPAT KOORDINASI".into()),
        Block::Subtitle(format!("Jemput Bola Perekaman E-KTP — {}", c.name)),
        Block::Fields(vec![
            ("Hari, tanggal".into(), day),
            (
                "Pukul".into(),
                format!(
                    "{} s.d. {} WIB",
                    m.started_at.clone().unwrap_or_default(),
                    m.ended_at.clone().unwrap_or_default()
                ),
            ),
            ("Tempat".into(), m.place.clone()),
            ("Acara".into(), m.agenda.clone()),
            ("Jumlah hadir".into(), format!("{} orang", attendees.len())),
        ]),
        Block::Heading("Yang hadir".into()),
        Block::Table {
            widths: vec![0.6, 4.0, 5.0],
            header: vec!["No".into(), "Nama".into(), "Jabatan / Instansi".into()],
            rows: attendees
                .iter()
                .enumerate()
                .map(|(i, (n, pos))| vec![(i + 1).to_string(), n.clone(), pos.clone()])
                .collect(),
        },
        Block::Heading("Pembahasan".into()),
        Block::Para(minutes),
    ];
    if let Some(d) = m.decisions.clone().filter(|d| !d.is_empty()) {
        blocks.push(Block::Heading("Keputusan".into()));
        blocks.push(Block::Para(d));
    }
    if !arrangements.is_empty() {
        blocks.push(Block::Heading("Pengaturan khusus per warga".into()));
        blocks.push(Block::Table {
            widths: vec![3.0, 2.0, 6.0],
            header: vec!["Nama".into(), "Desa".into(), "Pengaturan".into()],
            rows: arrangements,
        });
    }
    if let Some(t) = m.minute_taker.clone().filter(|t| !t.is_empty()) {
        blocks.push(Block::Para(format!("Notulis: {t}")));
    }
    blocks.push(head.signature(m.meeting_date.parse().unwrap_or(today_wib(state.now()))));
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Notulen rapat koordinasi — {}", c.name),
        blocks,
    };
    pdf(
        &state,
        &p,
        doc,
        &format!("notulen-rapat-{mid}.pdf"),
        mid,
        "notulen",
        info.lang,
    )
    .await
}

#[derive(serde::Deserialize, Default, Clone)]
struct RegisterQuery {
    #[serde(default)]
    tahun: Option<i64>,
    #[serde(default)]
    arah: String,
    ok: Option<String>,
}

#[derive(serde::Deserialize, Default, Clone)]
struct LetterForm {
    #[serde(default)]
    direction: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    letter_date: String,
    #[serde(default)]
    counterpart: String,
    #[serde(default)]
    subject: String,
}

#[derive(Template)]
#[template(path = "letters.html")]
struct RegisterPage {
    l: Layout,
    year: i64,
    direction: String,
    items: Vec<jempol_store::meetings::Letter>,
    can_manage: bool,
    f: LetterForm,
    /// The field at fault and what to fix.
    error: Option<(&'static str, String)>,
}

impl RegisterPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn own_kecamatan(p: &Principal) -> Option<String> {
    match &p.scope {
        jempol_core::Scope::Kecamatan { codes } => codes.first().cloned(),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn register_page(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    year: i64,
    direction: &str,
    f: LetterForm,
    error: Option<(&'static str, String)>,
    ok: Option<&str>,
) -> Result<Response, PageError> {
    let kec = own_kecamatan(p).ok_or(PageError(AppError::Forbidden, lang))?;
    let items = state.db.letters(&kec, year, direction).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&RegisterPage {
        l: layout(lang, Some(p), Tr(lang).s("letters.title"), "/surat", ok),
        year,
        direction: direction.to_string(),
        items,
        can_manage: p.can(Action::ManageMeetings),
        f,
        error,
    })?;
    Ok((status, page).into_response())
}

async fn register(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    allow(&p, Action::ViewCampaigns, info.lang)?;
    let year = q.tahun.unwrap_or(i64::from(today_wib(state.now()).year()));
    let direction = if q.arah == "masuk" { "masuk" } else { "keluar" };
    let f = LetterForm {
        direction: direction.into(),
        classification: "005".into(),
        letter_date: today_wib(state.now()).to_string(),
        ..Default::default()
    };
    register_page(&state, &p, info.lang, year, direction, f, None, q.ok.as_deref()).await
}

async fn register_letter(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<LetterForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageMeetings, info.lang)?;
    let kec = own_kecamatan(&p).ok_or(PageError(AppError::Forbidden, info.lang))?;
    let direction = if f.direction == "masuk" { "masuk" } else { "keluar" };
    let year = i64::from(today_wib(state.now()).year());
    let fail = |field: &'static str, m: &str| Some((field, m.to_string()));
    let date = crate::clock::parse_local_date(&f.letter_date);
    let error = if date.is_none() {
        fail("letter_date", "Isi tanggal surat, misalnya 10-12-2026.")
    } else if f.counterpart.trim().is_empty() {
        fail(
            "counterpart",
            if direction == "masuk" {
                "Isi pengirim surat."
            } else {
                "Isi tujuan surat."
            },
        )
    } else if f.subject.trim().chars().count() < 3 {
        fail("subject", "Isi perihal surat.")
    } else if direction == "masuk" && f.number.trim().is_empty() {
        fail("number", "Isi nomor surat seperti tertulis pada surat yang diterima.")
    } else if direction == "keluar" && f.classification.trim().is_empty() {
        fail("classification", "Isi kode klasifikasi surat, misalnya 005.")
    } else {
        None
    };
    let Some(date) = date.filter(|_| error.is_none()) else {
        return register_page(&state, &p, info.lang, year, direction, f, error, None).await;
    };
    let format = state
        .db
        .setting("surat.format")
        .await?
        .filter(|s| s.contains("{nomor}"))
        .unwrap_or_else(|| DEFAULT_FORMAT.to_string());
    state
        .db
        .register_letter(
            &NewLetter {
                kecamatan_code: kec,
                direction: direction.into(),
                classification: f.classification.trim().to_string(),
                letter_date: date.to_string(),
                counterpart: f.counterpart.trim().to_string(),
                subject: f.subject.trim().to_string(),
                campaign_id: None,
                external_number: (direction == "masuk").then(|| f.number.trim().to_string()),
            },
            &format,
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/surat?arah={direction}&tahun={}&ok=letters.saved",
        date.year()
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_times_as_typed() {
        assert_eq!(parse_time("9:30").as_deref(), Some("09.30"));
        assert_eq!(parse_time("13.00").as_deref(), Some("13.00"));
        assert_eq!(parse_time("25.00"), None);
        assert_eq!(minutes_of("11.15"), Some(675));
    }
}
