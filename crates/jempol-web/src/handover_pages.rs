//! SOP step 7: printed cards go from Dispendukcapil to the kecamatan with a numbered berita
//! acara serah terima (PDF: items by name and masked NIK, counts, both signatories). The
//! kecamatan checks each item as received or missing; a missing item stays open, listed, until
//! it turns up.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::letters::{PaperQuery, hari, pdf_response, tanggal};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_docs::{Block, Signer};
use jempol_store::handovers::{CardLine, Handover, NewHandover};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/serah-terima",
            get(Access::Act(Action::ViewProduction), overview).post(Access::Act(Action::HandoverToKecamatan), create),
        )
        .route(
            "/serah-terima/desa",
            post(Access::Act(Action::HandoverToDesa), create_for_desa),
        )
        .route(
            "/serah-terima/{id}",
            get(Access::Any(&[Action::ViewProduction, Action::ConfirmReceipt]), show),
        )
        .route(
            "/serah-terima/{id}/periksa",
            post(Access::Any(&[Action::HandoverToDesa, Action::ConfirmReceipt]), check),
        )
        .route(
            "/serah-terima/{id}/berita-acara.pdf",
            get(
                Access::Any(&[Action::ViewProduction, Action::ConfirmReceipt]),
                berita_acara,
            ),
        )
}

pub(crate) fn item_label(item: &str) -> &'static str {
    match item {
        "ektp" => "e-KTP",
        "kk" => "Kartu Keluarga",
        _ => "",
    }
}

fn status_label(s: &str) -> &'static str {
    match s {
        "diserahkan" => "belum diperiksa",
        "diterima" => "diterima",
        "hilang" => "tidak ada (hilang)",
        _ => "",
    }
}

struct CardView {
    key: String,
    name: String,
    nik: String,
    desa: String,
    item: &'static str,
    since: String,
}

/// The printed cards at Dispendukcapil for one kecamatan.
struct KecamatanCards {
    code: String,
    name: String,
    cards: Vec<CardView>,
}

struct HandoverLine {
    id: i64,
    number: String,
    date: String,
    kecamatan: String,
    total: usize,
    received: usize,
    missing: usize,
    unchecked: usize,
}

#[derive(Template)]
#[template(path = "handovers.html")]
struct OverviewPage {
    l: Layout,
    groups: Vec<KecamatanCards>,
    /// Cards at the kecamatan, by desa, ready for step 8 (the `code` is the desa's).
    at_kecamatan: Vec<KecamatanCards>,
    can_hand_to_desa: bool,
    /// Where the cards are: (place, count).
    places: Vec<(&'static str, usize)>,
    /// Cards waiting too long at one place: (name, document, place, since, working days).
    waiting: Vec<(String, &'static str, &'static str, String, i64)>,
    handovers: Vec<HandoverLine>,
    missing: Vec<(i64, String, String, String)>,
    can_create: bool,
    today: String,
    error: Option<Refused>,
}

impl OverviewPage {
    fn err(&self, kind: &str, place: &str, field: &str) -> Option<&str> {
        self.error.as_ref().and_then(|r| r.err(kind, place, field))
    }

    fn typed(&self, kind: &str, place: &str) -> Option<&HandoverForm> {
        self.error.as_ref().and_then(|r| r.typed(kind, place))
    }

    /// Whether a card's box is ticked: all are at first; after a refusal, those that were.
    fn chosen(&self, kind: &str, place: &str, key: &str) -> bool {
        self.typed(kind, place)
            .is_none_or(|t| t.chosen.iter().any(|c| c == key))
    }
}

#[derive(serde::Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

async fn region_names(state: &AppState, codes: Vec<String>) -> Result<HashMap<String, String>, AppError> {
    let mut out = HashMap::new();
    for c in codes {
        if let std::collections::hash_map::Entry::Vacant(e) = out.entry(c) {
            let n = state.db.region(e.key()).await?.map(|r| r.name).unwrap_or_default();
            e.insert(n);
        }
    }
    Ok(out)
}

async fn overview(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    overview_page(&state, &p, &info, q.ok.as_deref(), None).await
}

async fn overview_page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    ok: Option<&str>,
    error: Option<Refused>,
) -> Result<Html<String>, PageError> {
    allow(p, Action::ViewProduction, info.lang)?;
    let cards = state.db.cards_at_dukcapil(&p.scope).await?;
    let mut handovers = state.db.handovers_in_scope(&p.scope, "kecamatan").await?;
    handovers.extend(state.db.handovers_in_scope(&p.scope, "desa").await?);
    handovers.sort_by_key(|h| std::cmp::Reverse(h.id));
    let mut codes: Vec<String> = cards
        .iter()
        .flat_map(|c| [c.desa_code.clone(), c.desa_code.get(..8).unwrap_or("").to_string()])
        .collect();
    codes.extend(handovers.iter().map(|h| h.kecamatan_code.clone()));
    let names = region_names(state, codes).await?;
    let mut groups: BTreeMap<String, Vec<CardView>> = BTreeMap::new();
    for c in &cards {
        let kec = c.desa_code.get(..8).unwrap_or("").to_string();
        groups.entry(kec).or_default().push(card_view(c, &names));
    }
    let places = state.db.card_places(&p.scope).await?;
    let desa_codes: Vec<String> = places.iter().map(|c| c.desa_code.clone()).collect();
    let desa_names = region_names(state, desa_codes).await?;
    let today = today_wib(state.now());
    let cal = crate::calendar_pages::calendar(state).await?;
    let (hours, holidays) = (&cal.hours, &cal.holidays);
    let mut at_kec: BTreeMap<String, Vec<CardView>> = BTreeMap::new();
    let mut waiting = Vec::new();
    let mut counts = [0usize; 4];
    for c in &places {
        let slot = PLACES.iter().position(|(k, _, _)| *k == c.place).unwrap_or(0);
        counts[slot] += 1;
        if c.place == "kecamatan" && !c.moving {
            at_kec.entry(c.desa_code.clone()).or_default().push(card_view(
                &CardLine {
                    resident_id: c.resident_id,
                    nik: c.nik.clone(),
                    name: c.name.clone(),
                    desa_code: c.desa_code.clone(),
                    item: c.item.clone(),
                    since: c.since.clone(),
                },
                &desa_names,
            ));
        }
        let (_, label, limit) = PLACES[slot];
        if let (Some(limit), Ok(since)) = (limit, c.since.parse::<jiff::civil::Date>()) {
            let days = jempol_core::calendar::working_days_between(since, today, hours, holidays);
            if days > limit {
                waiting.push((
                    c.name.clone(),
                    item_label(&c.item),
                    label,
                    crate::pages::tanggal(&c.since),
                    days,
                ));
            }
        }
    }
    waiting.sort_by_key(|w| std::cmp::Reverse(w.4));
    let mut missing = Vec::new();
    for h in &handovers {
        for i in h.items.iter().filter(|i| i.status == "hilang") {
            missing.push((
                h.id,
                h.number.clone(),
                format!("{} · {}", i.name, item_label(&i.item)),
                i.note.clone().unwrap_or_default(),
            ));
        }
    }
    render(&OverviewPage {
        l: layout(info.lang, Some(p), Tr(info.lang).s("hand.title"), "/serah-terima", ok),
        groups: groups
            .into_iter()
            .map(|(code, cards)| KecamatanCards {
                name: names.get(&code).cloned().unwrap_or_default(),
                code,
                cards,
            })
            .collect(),
        handovers: handovers
            .iter()
            .map(|h| HandoverLine {
                id: h.id,
                number: h.number.clone(),
                date: crate::pages::tanggal(&h.handed_date),
                kecamatan: names.get(&h.kecamatan_code).cloned().unwrap_or_default(),
                total: h.items.len(),
                received: h.count("diterima"),
                missing: h.count("hilang"),
                unchecked: h.count("diserahkan"),
            })
            .collect(),
        at_kecamatan: at_kec
            .into_iter()
            .map(|(code, cards)| KecamatanCards {
                name: desa_names.get(&code).cloned().unwrap_or_default(),
                code,
                cards,
            })
            .collect(),
        can_hand_to_desa: p.can(Action::HandoverToDesa),
        places: PLACES.iter().zip(counts).map(|((_, l, _), n)| (*l, n)).collect(),
        waiting,
        missing,
        can_create: p.can(Action::HandoverToKecamatan),
        today: today_wib(state.now()).to_string(),
        error,
    })
}

/// Where a card can be: (code, label, working days it may wait there before it is listed as
/// waiting too long). The SOP gives steps 7 and 8 an hour each; a day is the least a list of
/// days can show. From the desa to the person the SOP sets no time: a working week.
const PLACES: [(&str, &str, Option<i64>); 4] = [
    ("dispendukcapil", "di Dispendukcapil", Some(1)),
    ("kecamatan", "di kecamatan", Some(1)),
    ("desa", "di desa", Some(5)),
    ("warga", "di tangan warga", None),
];

fn card_view(c: &CardLine, names: &HashMap<String, String>) -> CardView {
    CardView {
        key: format!("{}:{}", c.resident_id, c.item),
        name: c.name.clone(),
        nik: jempol_core::nik::mask(&c.nik),
        desa: names.get(&c.desa_code).cloned().unwrap_or_default(),
        item: item_label(&c.item),
        since: crate::pages::tanggal(&c.since),
    }
}

/// The form that makes a berita acara, either hop, as typed: the chosen cards (`kartu` =
/// `resident:item`), where they go (`kecamatan` or `desa`), the date and both names.
#[derive(Clone, Default)]
pub(crate) struct HandoverForm {
    /// `kecamatan` (step 7) or `desa` (step 8).
    kind: &'static str,
    chosen: Vec<String>,
    place: String,
    date: String,
    giver: String,
    receiver: String,
}

/// A refused handover form: what was typed, the field at fault and what to fix.
pub(crate) struct Refused {
    form: HandoverForm,
    field: &'static str,
    message: String,
}

impl Refused {
    /// The message when it is about `field` of the form for `place` (`kind` hop).
    fn err(&self, kind: &str, place: &str, field: &str) -> Option<&str> {
        (self.form.kind == kind && self.form.place == place && self.field == field).then_some(self.message.as_str())
    }

    /// What was typed into the form for `place`, if that form was refused.
    fn typed(&self, kind: &str, place: &str) -> Option<&HandoverForm> {
        (self.form.kind == kind && self.form.place == place).then_some(&self.form)
    }
}

fn read_form(form: &[(String, String)], kind: &'static str) -> HandoverForm {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    HandoverForm {
        kind,
        chosen: form
            .iter()
            .filter(|(k, _)| k == "kartu")
            .map(|(_, v)| v.clone())
            .collect(),
        place: get(kind),
        date: get("date"),
        giver: get("giver"),
        receiver: get("receiver"),
    }
}

/// Makes the berita acara of the chosen cards among `available` (the cards that may make this
/// hop), or shows the overview again with what was typed and what to fix.
async fn make_handover(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    f: HandoverForm,
    available: Vec<CardLine>,
) -> Result<Response, PageError> {
    let refused = |field: &'static str, why: &str, form: HandoverForm| {
        let refused = Refused {
            form,
            field,
            message: why.to_string(),
        };
        async move {
            let body = overview_page(state, p, info, None, Some(refused)).await?;
            Ok::<_, PageError>((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    };
    let Some(date) = crate::clock::parse_local_date(&f.date).filter(|d| *d <= today_wib(state.now())) else {
        return refused("date", "Isi tanggal serah terima (tidak setelah hari ini).", f).await;
    };
    if f.giver.is_empty() {
        return refused("giver", "Isi nama yang menyerahkan: ia menandatangani berita acara.", f).await;
    }
    if f.receiver.is_empty() {
        return refused("receiver", "Isi nama yang menerima: ia menandatangani berita acara.", f).await;
    }
    let items: Vec<(i64, String)> = available
        .into_iter()
        .filter(|c| f.chosen.contains(&format!("{}:{}", c.resident_id, c.item)))
        .map(|c| (c.resident_id, c.item))
        .collect();
    if items.is_empty() {
        let why = "Pilih kartu yang diserahkan: kartu yang sudah sampai di tempat yang menyerahkan.";
        return refused("kartu", why, f).await;
    }
    let kind = f.kind;
    let (kecamatan_code, desa_code) = if kind == "desa" {
        (f.place.get(..8).unwrap_or("").to_string(), Some(f.place.clone()))
    } else {
        (f.place.clone(), None)
    };
    let (id, _) = state
        .db
        .create_handover(
            &NewHandover {
                kind: kind.into(),
                kecamatan_code,
                desa_code,
                handed_date: date.to_string(),
                giver_name: f.giver,
                receiver_name: f.receiver,
                items,
            },
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/serah-terima/{id}?ok=hand.created")).into_response())
}

/// Step 7: Dispendukcapil hands a kecamatan its printed cards.
async fn create(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    allow(&p, Action::HandoverToKecamatan, info.lang)?;
    let f = read_form(&form, "kecamatan");
    let place = format!("{}.", f.place);
    // Only cards still at Dispendukcapil, of this kecamatan and in the user's scope.
    let available = state
        .db
        .cards_at_dukcapil(&p.scope)
        .await?
        .into_iter()
        .filter(|c| c.desa_code.starts_with(&place))
        .collect();
    make_handover(&state, &p, &info, f, available).await
}

/// A handover the user may see: of a kecamatan in their scope.
async fn visible(state: &AppState, p: &Principal, id: i64, lang: crate::i18n::Lang) -> Result<Handover, PageError> {
    if !p.can(Action::ViewProduction) && !p.can(Action::ConfirmReceipt) {
        return Err(PageError(AppError::Forbidden, lang));
    }
    match state.db.handover(id).await? {
        Some(h) if p.can(Action::ViewProduction) && p.scope.contains_kecamatan(&h.kecamatan_code) => Ok(h),
        Some(h)
            if p.can(Action::ConfirmReceipt)
                && h.kind == "desa"
                && h.desa_code.as_deref().is_some_and(|d| p.scope.contains_desa(d)) =>
        {
            Ok(h)
        }
        _ => Err(PageError(AppError::NotFound, lang)),
    }
}

/// Who checks a handover's items: the kecamatan's staff for step 7, the desa for step 8.
fn checker(kind: &str) -> Action {
    if kind == "desa" {
        Action::ConfirmReceipt
    } else {
        Action::HandoverToDesa
    }
}

struct ItemView {
    id: i64,
    resident_id: i64,
    name: String,
    nik: String,
    desa: String,
    item: &'static str,
    status: String,
    status_code: String,
    note: String,
}

#[derive(Template)]
#[template(path = "handover.html")]
struct ShowPage {
    l: Layout,
    h: Handover,
    kecamatan: String,
    date: String,
    items: Vec<ItemView>,
    can_check: bool,
    counts: (usize, usize, usize),
}

async fn show(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    let h = visible(&state, &p, id, info.lang).await?;
    let mut codes: Vec<String> = h.items.iter().map(|i| i.desa_code.clone()).collect();
    codes.push(h.kecamatan_code.clone());
    let names = region_names(&state, codes).await?;
    let items = h
        .items
        .iter()
        .map(|i| ItemView {
            id: i.id,
            resident_id: i.resident_id,
            name: i.name.clone(),
            nik: jempol_core::nik::mask(&i.nik),
            desa: names.get(&i.desa_code).cloned().unwrap_or_default(),
            item: item_label(&i.item),
            status: status_label(&i.status).to_string(),
            status_code: i.status.clone(),
            note: i.note.clone().unwrap_or_default(),
        })
        .collect();
    render(&ShowPage {
        l: layout(info.lang, Some(&p), &h.number, "/serah-terima", q.ok.as_deref()),
        kecamatan: names.get(&h.kecamatan_code).cloned().unwrap_or_default(),
        date: crate::pages::tanggal(&h.handed_date),
        items,
        can_check: p.can(checker(&h.kind)),
        counts: (h.count("diterima"), h.count("hilang"), h.count("diserahkan")),
        h,
    })
}

/// The kecamatan checks the items: ticked ones received, the others missing (with a note).
async fn check(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let h = visible(&state, &p, id, info.lang).await?;
    allow(&p, checker(&h.kind), info.lang)?;
    let ticked: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "diterima")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let note_of = |item: i64| {
        form.iter()
            .find(|(k, _)| *k == format!("catatan_{item}"))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let open: Vec<i64> = h
        .items
        .iter()
        .filter(|i| i.status != "diterima")
        .map(|i| i.id)
        .collect();
    let received: Vec<i64> = open.iter().copied().filter(|i| ticked.contains(i)).collect();
    let missing: Vec<(i64, String)> = open
        .iter()
        .copied()
        .filter(|i| !ticked.contains(i))
        .map(|i| (i, note_of(i)))
        .collect();
    state
        .db
        .check_handover_items(id, &received, &missing, &p.actor(), state.now())
        .await?;
    let ok = if missing.is_empty() {
        "hand.all_received"
    } else {
        "hand.missing_kept"
    };
    Ok(Redirect::to(&format!("/serah-terima/{id}?ok={ok}")).into_response())
}

async fn berita_acara(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, PageError> {
    let h = visible(&state, &p, id, info.lang).await?;
    let head = crate::letters::letterhead(&state, &h.kecamatan_code).await?;
    let codes: Vec<String> = h.items.iter().map(|i| i.desa_code.clone()).collect();
    let names = region_names(&state, codes).await?;
    let kab = state
        .db
        .region(h.kecamatan_code.get(..5).unwrap_or(""))
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let date = h
        .handed_date
        .parse::<jiff::civil::Date>()
        .unwrap_or(today_wib(state.now()));
    let desa_name = match &h.desa_code {
        Some(d) => state
            .db
            .region(d)
            .await?
            .map(|r| crate::letters::title_case(&r.name))
            .unwrap_or_default(),
        None => String::new(),
    };
    let (giver_office, receiver_office) = if h.kind == "desa" {
        (
            format!("Kecamatan {}", head.place),
            format!("Pemerintah Desa/Kelurahan {desa_name}"),
        )
    } else {
        (
            format!(
                "Dinas Kependudukan dan Pencatatan Sipil {}",
                crate::letters::title_case(&kab)
            ),
            format!("Kecamatan {}", head.place),
        )
    };
    let ektp = h.items.iter().filter(|i| i.item == "ektp").count();
    let kk = h.items.iter().filter(|i| i.item == "kk").count();
    let rows = h
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            vec![
                (n + 1).to_string(),
                i.name.clone(),
                jempol_core::nik::mask(&i.nik),
                names.get(&i.desa_code).cloned().unwrap_or_default(),
                item_label(&i.item).to_string(),
                status_label(&i.status).to_string(),
            ]
        })
        .collect();
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Berita acara serah terima {}", h.number),
        blocks: vec![
            head.block(),
            Block::Title("BERITA ACARA SERAH TERIMA KARTU".into()),
            Block::Subtitle(format!("Nomor: {}", h.number)),
            Block::Para(format!(
                "Pada hari ini {}, tanggal {}, {} menyerahkan kepada {} kartu hasil perekaman e-KTP jemput bola sebagaimana daftar berikut, sejumlah {} e-KTP dan {} Kartu Keluarga ({} dokumen).",
                hari(date),
                tanggal(date),
                giver_office,
                receiver_office,
                ektp,
                kk,
                h.items.len()
            )),
            Block::Table {
                widths: vec![0.6, 3.0, 2.4, 1.8, 1.6, 1.8],
                header: vec![
                    "No".into(),
                    "Nama".into(),
                    "NIK".into(),
                    "Desa".into(),
                    "Dokumen".into(),
                    "Pemeriksaan".into(),
                ],
                rows,
            },
            Block::Para(
                "Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya. Dokumen yang tidak ada pada saat pemeriksaan dicatat dan ditindaklanjuti."
                    .into(),
            ),
            Block::Signatories {
                place_date: format!("{}, {}", head.place, tanggal(date)),
                left: Signer {
                    role: format!("Yang menyerahkan, {giver_office}"),
                    name: h.giver_name.clone(),
                    id_line: "NIP. ..............................".into(),
                },
                right: Signer {
                    role: format!("Yang menerima, {receiver_office}"),
                    name: h.receiver_name.clone(),
                    id_line: "NIP. ..............................".into(),
                },
            },
        ],
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "handover.export",
            "handover",
            Some(&id.to_string()),
            Some(serde_json::json!({"format": "pdf", "document": "berita_acara", "number": h.number})),
        )
        .await?;
    Ok(pdf_response(
        &format!("berita-acara-{}.pdf", h.number.replace('/', "-")),
        body,
    ))
}

/// Step 8: the kecamatan hands a desa's cards to the desa with a berita acara.
async fn create_for_desa(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    allow(&p, Action::HandoverToDesa, info.lang)?;
    let f = read_form(&form, "desa");
    let desa = f.place.clone();
    // Only cards the kecamatan received, of this desa, not already on their way to it.
    let available = state
        .db
        .card_places(&p.scope)
        .await?
        .into_iter()
        .filter(|c| c.place == "kecamatan" && !c.moving && c.desa_code == desa)
        .map(|c| CardLine {
            resident_id: c.resident_id,
            nik: c.nik,
            name: c.name,
            desa_code: c.desa_code,
            item: c.item,
            since: c.since,
        })
        .collect();
    make_handover(&state, &p, &info, f, available).await
}
