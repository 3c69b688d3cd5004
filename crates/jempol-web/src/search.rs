//! Searching a list without putting what was typed in the address. A search box may hold a
//! NIK or a name; an address ends up in browser history, proxy and server logs and Referer
//! headers. So the list pages' filter forms post to `/cari`, which keeps the typed text with
//! the session (database, dies with the session) and sends the browser back to the list
//! with only the harmless filters (desa, category, stage) and `cari=1` in the address. The
//! list, its next pages and its downloads read the text from the session while `cari=1`.

use crate::AppState;
use crate::auth::{PageAuth, Principal};
use crate::error::AppError;
use crate::extract::Form;
use crate::pages::PageError;
use crate::routes::{Access, Routes, post};
use crate::users::url_encode;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

/// The query parameter that says "the search kept with the session applies".
pub(crate) const ON: &str = "cari";

/// The list pages that search this way, and the longest text kept.
const PAGES: [&str; 3] = ["/warga", "/bantuan", "/produksi"];
const MAX_CHARS: usize = 200;

pub fn routes() -> Routes {
    Routes::new().route("/cari", post(Access::SignedIn, search))
}

/// The text searched on `page` when the address says a search is on (`cari=1`), else "".
pub(crate) fn text(p: &Principal, page: &str, on: bool) -> String {
    match &p.search {
        Some((saved_page, text)) if on && saved_page == page => text.clone(),
        _ => String::new(),
    }
}

/// The address of `page` with these filters, marked as searching when `text` is not empty.
pub(crate) fn href(page: &str, filters: &[(&str, &str)], text: &str) -> String {
    // A filter is a code or a word; one that holds a NIK (typed where it does not belong,
    // or crafted) is dropped rather than put in an address.
    let mut pairs: Vec<String> = filters
        .iter()
        .filter(|(_, v)| !v.is_empty() && !holds_nik(v))
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    if !text.is_empty() {
        pairs.push(format!("{ON}=1"));
    }
    if pairs.is_empty() {
        page.to_string()
    } else {
        format!("{page}?{}", pairs.join("&"))
    }
}

/// Whether a text holds a run of 16 digits or more (a NIK or a family card number).
pub(crate) fn holds_nik(s: &str) -> bool {
    let mut run = 0;
    s.bytes().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= 16
    })
}

/// The filter form of a list page: `halaman` names the page, `q` is the typed text, every
/// other field is a plain filter passed on in the address.
async fn search(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: crate::auth::RequestInfo,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(page) = field("halaman").and_then(|h| PAGES.iter().find(|p| **p == h)) else {
        return Err(PageError(
            AppError::Invalid("Pencarian ini tidak dikenal. Buka lagi daftarnya dari menu, lalu cari.".into()),
            info.lang,
        ));
    };
    let typed: String = field("q").unwrap_or("").trim().chars().take(MAX_CHARS).collect();
    if let Some(hash) = &p.session_hash {
        state.db.save_session_search(hash, page, &typed).await?;
    }
    let filters: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "halaman" | "q" | "csrf_token" | ON | "before"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Ok(Redirect::to(&href(page, &filters, &typed)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_carries_filters_and_the_search_flag_never_the_text() {
        assert_eq!(
            href(
                "/warga",
                &[("desa", "35.19.02.2001"), ("kategori", "")],
                "3519020101500001"
            ),
            "/warga?desa=35.19.02.2001&cari=1"
        );
        assert_eq!(href("/warga", &[("tahap", "")], ""), "/warga");
        assert_eq!(href("/warga", &[("desa", "x3519020101500001")], ""), "/warga");
        assert!(!holds_nik("351902010150000") && holds_nik("35190201015000011"));
    }
}
