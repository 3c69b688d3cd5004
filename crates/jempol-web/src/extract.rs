//! The address and form extractors every handler uses: axum's, with their refusals said in
//! Indonesian (or English) on the same error page as every other error, or as the API's JSON
//! error, with a request id. Axum's own refusals are English plain text ("Failed to
//! deserialize query string: missing field `ke`") that a village operator cannot act on.
//!
//! - An address whose record id is not a number names nothing: 404, like a record that does
//!   not exist (so probing ids tells nothing).
//! - A query string or form that cannot be read: 400, saying what to do.

use crate::auth::RequestInfo;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::PageError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// The typed parts of the path (`/warga/{id}`).
pub struct Path<T>(pub T);

/// The query string.
pub struct Query<T>(pub T);

/// A urlencoded form body.
pub struct Form<T>(pub T);

fn refuse(api: bool, lang: Lang, e: AppError) -> Response {
    if api {
        e.into_response()
    } else {
        PageError(e, lang).into_response()
    }
}

fn lang_of(extensions: &axum::http::Extensions) -> Lang {
    extensions.get::<RequestInfo>().map(|i| i.lang).unwrap_or_default()
}

/// The field axum names in its message ("missing field `ke`"), if any.
fn field_named(detail: &str) -> Option<&str> {
    let start = detail.find('`')? + 1;
    let len = detail[start..].find('`')?;
    Some(&detail[start..start + len])
}

fn unreadable(what: &str, detail: &str) -> AppError {
    let field = field_named(detail)
        .map(|f| format!(" (isian \"{f}\")"))
        .unwrap_or_default();
    AppError::Invalid(format!(
        "{what} tidak lengkap atau tidak terbaca{field}. Buka lagi halamannya dari menu, lalu ulangi."
    ))
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(refuse(
                parts.uri.path().starts_with("/api/"),
                lang_of(&parts.extensions),
                AppError::NotFound,
            )),
        }
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(refuse(
                parts.uri.path().starts_with("/api/"),
                lang_of(&parts.extensions),
                unreadable("Alamat halaman", &e.body_text()),
            )),
        }
    }
}

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let api = req.uri().path().starts_with("/api/");
        let lang = lang_of(req.extensions());
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(Form(v)),
            Err(e) => Err(refuse(api, lang, unreadable("Isian formulir", &e.body_text()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_field_in_plain_words() {
        let AppError::Invalid(m) = unreadable(
            "Alamat halaman",
            "Failed to deserialize query string: missing field `ke`",
        ) else {
            panic!("invalid")
        };
        assert!(
            m.contains("isian \"ke\"") && m.starts_with("Alamat halaman tidak lengkap"),
            "{m}"
        );
        assert!(!m.contains("deserialize"));
    }
}
