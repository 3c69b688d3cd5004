//! SOP step 8 at the village: the desa checks the cards the kecamatan handed over (on the
//! handover's page) and gives each card to its person, or to a named family member with their
//! relationship (normal for ODGJ and bedridden residents), with a receipt (tanda terima) as PDF
//! and optionally a photo of the signed receipt.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Path, Query};
use crate::handover_pages::item_label;
use crate::i18n::Tr;
use crate::letters::{PaperQuery, pdf_response, tanggal};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_core::finding::Finding;
use jempol_docs::{Block, Signer};
use jempol_store::handovers::NewReceipt;

pub fn routes() -> Routes {
    Routes::new()
        .route("/kartu", get(Access::Act(Action::ConfirmReceipt), desa_cards))
        .route("/kartu/terima", post(Access::Act(Action::ConfirmReceipt), receive))
        .route(
            "/kartu/tanda-terima/{id}",
            get(
                Access::Any(&[Action::ConfirmReceipt, Action::ViewProduction]),
                receipt_pdf,
            ),
        )
        .route(
            "/kartu/tanda-terima/{id}/foto",
            get(
                Access::Any(&[Action::ConfirmReceipt, Action::ViewProduction]),
                receipt_photo,
            ),
        )
}

const PHOTO_MAX: usize = 2 * 1024 * 1024;

/// What the desa typed for one card.
#[derive(Default, Clone)]
struct Typed {
    key: String,
    date: String,
    receiver: String,
    name: String,
    relationship: String,
    note: String,
}

struct CardLine {
    key: String,
    name: String,
    nik: String,
    item: &'static str,
    since: String,
    typed: Typed,
    /// What to fix, each about one field of the form.
    errors: Vec<Finding>,
}

impl CardLine {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "cards.html")]
struct CardsPage {
    l: Layout,
    cards: Vec<CardLine>,
    handovers: Vec<(i64, String, String, usize, usize)>,
    receipts: Vec<(i64, String, &'static str, String, String, bool)>,
    today: String,
    upload_action: String,
}

#[derive(serde::Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

async fn desa_cards(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    page(&state, &p, &info, q.ok.as_deref(), None).await
}

async fn page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    ok: Option<&str>,
    failed: Option<(Typed, Vec<Finding>)>,
) -> Result<Html<String>, PageError> {
    allow(p, Action::ConfirmReceipt, info.lang)?;
    let places = state.db.card_places(&p.scope).await?;
    let cards = places
        .iter()
        .filter(|c| c.place == "desa")
        .map(|c| {
            let key = format!("{}:{}", c.resident_id, c.item);
            let (typed, errors) = match &failed {
                Some((t, e)) if t.key == key => (t.clone(), e.clone()),
                _ => (
                    Typed {
                        key: key.clone(),
                        receiver: "sendiri".into(),
                        name: c.name.clone(),
                        ..Default::default()
                    },
                    vec![],
                ),
            };
            CardLine {
                key,
                name: c.name.clone(),
                nik: jempol_core::nik::mask(&c.nik),
                item: item_label(&c.item),
                since: crate::pages::tanggal(&c.since),
                typed,
                errors,
            }
        })
        .collect();
    let handovers = desa_handovers(state, p)
        .await?
        .into_iter()
        .map(|h| {
            (
                h.id,
                h.number.clone(),
                crate::pages::tanggal(&h.handed_date),
                h.count("diserahkan") + h.count("hilang"),
                h.items.len(),
            )
        })
        .collect();
    let mut receipts = Vec::new();
    for (id, _, _) in state.db.receipts_in_scope(&p.scope).await? {
        if let Some(r) = state.db.receipt(id).await? {
            receipts.push((
                r.id,
                r.name,
                item_label(&r.item),
                crate::pages::tanggal(&r.received_date),
                match r.relationship {
                    Some(rel) => format!("{} ({rel})", r.receiver_name),
                    None => r.receiver_name,
                },
                r.has_photo,
            ));
        }
    }
    render(&CardsPage {
        l: layout(info.lang, Some(p), Tr(info.lang).s("cards.title"), "/kartu", ok),
        cards,
        handovers,
        receipts,
        today: today_wib(state.now()).to_string(),
        upload_action: format!("/kartu/terima?csrf_token={}", p.csrf),
    })
}

/// The step 8 handovers addressed to the user's desa.
async fn desa_handovers(state: &AppState, p: &Principal) -> Result<Vec<jempol_store::handovers::Handover>, AppError> {
    let jempol_core::Scope::Desa { code } = &p.scope else {
        return Ok(vec![]);
    };
    let kec = jempol_core::Scope::Kecamatan {
        codes: vec![code.get(..8).unwrap_or("").to_string()],
    };
    Ok(state
        .db
        .handovers_in_scope(&kec, "desa")
        .await?
        .into_iter()
        .filter(|h| h.desa_code.as_deref() == Some(code.as_str()))
        .collect())
}

fn photo_type(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else {
        None
    }
}

async fn receive(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    form: Multipart,
) -> Result<Response, PageError> {
    allow(&p, Action::ConfirmReceipt, info.lang)?;
    let parts = crate::upload::read(form).await;
    let field = |name: &str| parts.text(name).trim().to_string();
    let t = Typed {
        key: field("kartu"),
        date: field("date"),
        receiver: field("penerima"),
        name: field("nama"),
        relationship: field("hubungan"),
        note: field("catatan"),
    };
    let photo = parts.file("foto", "foto.jpg").map(|(_, b)| b);
    let card = state
        .db
        .card_places(&p.scope)
        .await?
        .into_iter()
        .find(|c| c.place == "desa" && format!("{}:{}", c.resident_id, c.item) == t.key);
    let Some(card) = card else {
        return Err(PageError(AppError::NotFound, info.lang));
    };
    let mut errors: Vec<Finding> = parts
        .problem()
        .map(|why| Finding::error("upload", "foto", why))
        .into_iter()
        .collect();
    let today = today_wib(state.now());
    let date = crate::clock::parse_local_date(&t.date);
    match date {
        None => errors.push(Finding::error("date_missing", "date", "Isi tanggal kartu diterima.")),
        Some(d) if d > today => errors.push(Finding::error(
            "date_future",
            "date",
            "Tanggal diterima tidak boleh setelah hari ini.",
        )),
        Some(d) if card.since.parse::<jiff::civil::Date>().is_ok_and(|s| d < s) => errors.push(Finding::error(
            "date_before_arrival",
            "date",
            "Tanggal diterima tidak boleh sebelum kartu sampai di desa.",
        )),
        _ => {}
    }
    let relationship = match t.receiver.as_str() {
        "sendiri" => None,
        "keluarga" => {
            if t.name.is_empty() || t.name == card.name {
                errors.push(Finding::error(
                    "family_name",
                    "nama",
                    "Diterima keluarga: tulis nama anggota keluarga yang menerima.",
                ));
            }
            if t.relationship.is_empty() {
                errors.push(Finding::error(
                    "relationship_missing",
                    "hubungan",
                    "Diterima keluarga: tulis hubungannya dengan warga (misalnya anak, istri, suami).",
                ));
            }
            Some(t.relationship.clone())
        }
        _ => {
            errors.push(Finding::error(
                "receiver_missing",
                "penerima",
                "Pilih siapa yang menerima: warga sendiri atau anggota keluarga.",
            ));
            None
        }
    };
    if t.name.is_empty() {
        errors.push(Finding::error("name_missing", "nama", "Tulis nama yang menerima."));
    }
    let photo = match photo {
        None => None,
        Some(b) if b.len() > PHOTO_MAX => {
            errors.push(Finding::error(
                "photo_large",
                "foto",
                "Foto tanda terima terlalu besar: paling besar 2 MB.",
            ));
            None
        }
        Some(b) => match photo_type(&b) {
            Some(ty) => Some((b, ty.to_string())),
            None => {
                errors.push(Finding::error(
                    "photo_type",
                    "foto",
                    "Foto tanda terima harus berupa JPG atau PNG.",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        let body = page(&state, &p, &info, None, Some((t, errors))).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let id = state
        .db
        .record_receipt(
            &NewReceipt {
                resident_id: card.resident_id,
                item: card.item.clone(),
                received_date: date.map(|d| d.to_string()).unwrap_or_default(),
                receiver_kind: t.receiver.clone(),
                receiver_name: t.name.clone(),
                relationship,
                note: t.note.clone(),
                photo,
            },
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/kartu?ok=cards.received#r{id}")).into_response())
}

/// A receipt the user may see: the desa's own, or the kecamatan's and Dispendukcapil's.
async fn visible_receipt(
    state: &AppState,
    p: &Principal,
    id: i64,
    lang: crate::i18n::Lang,
) -> Result<jempol_store::handovers::Receipt, PageError> {
    if !p.can(Action::ConfirmReceipt) && !p.can(Action::ViewProduction) {
        return Err(PageError(AppError::Forbidden, lang));
    }
    match state.db.receipt(id).await? {
        Some(r) if p.scope.contains_desa(&r.desa_code) => Ok(r),
        _ => Err(PageError(AppError::NotFound, lang)),
    }
}

async fn receipt_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, PageError> {
    let r = visible_receipt(&state, &p, id, info.lang).await?;
    let head = crate::letters::letterhead(&state, r.desa_code.get(..8).unwrap_or("")).await?;
    let desa = state
        .db
        .region(&r.desa_code)
        .await?
        .map(|x| crate::letters::title_case(&x.name))
        .unwrap_or_default();
    let date = r
        .received_date
        .parse::<jiff::civil::Date>()
        .unwrap_or(today_wib(state.now()));
    let receiver = match &r.relationship {
        Some(rel) => format!("{} ({rel} dari warga)", r.receiver_name),
        None => format!("{} (warga sendiri)", r.receiver_name),
    };
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Tanda terima kartu — {}", r.name),
        blocks: vec![
            head.block(),
            Block::Title("TANDA TERIMA KARTU".into()),
            Block::Subtitle(format!("Perekaman e-KTP jemput bola · Desa/Kelurahan {desa}")),
            Block::Fields(vec![
                ("Nama warga".into(), r.name.clone()),
                ("NIK".into(), jempol_core::nik::mask(&r.nik)),
                ("Dokumen".into(), item_label(&r.item).to_string()),
                ("Tanggal diterima".into(), tanggal(date)),
                ("Diterima oleh".into(), receiver),
            ]),
            Block::Para(if r.note.is_empty() {
                "Kartu tersebut telah diterima dalam keadaan baik.".into()
            } else {
                format!("Kartu tersebut telah diterima. Catatan: {}", r.note)
            }),
            Block::Signatories {
                place_date: format!("{desa}, {}", tanggal(date)),
                left: Signer {
                    role: format!("Yang menyerahkan, Pemerintah Desa/Kelurahan {desa}"),
                    name: "(....................................)".into(),
                    id_line: String::new(),
                },
                right: Signer {
                    role: "Yang menerima,".into(),
                    name: r.receiver_name.clone(),
                    id_line: String::new(),
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
            "card.receipt_export",
            "resident",
            Some(&r.resident_id.to_string()),
            Some(serde_json::json!({"format": "pdf", "receipt": r.id})),
        )
        .await?;
    Ok(pdf_response(&format!("tanda-terima-{}.pdf", r.id), body))
}

async fn receipt_photo(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let r = visible_receipt(&state, &p, id, info.lang).await?;
    let Some((bytes, ty)) = state.db.receipt_photo(id).await? else {
        return Err(PageError(AppError::NotFound, info.lang));
    };
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "card.receipt_photo",
            "resident",
            Some(&r.resident_id.to_string()),
            Some(serde_json::json!({"receipt": r.id})),
        )
        .await?;
    let ty = if ty == "image/png" { "image/png" } else { "image/jpeg" };
    Ok(([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "no-store")], bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_jpeg_and_png_photos() {
        assert_eq!(photo_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(photo_type(b"\x89PNG\r\n"), Some("image/png"));
        assert_eq!(photo_type(b"<svg"), None);
        assert_eq!(photo_type(b"%PDF-1.7"), None);
    }
}
