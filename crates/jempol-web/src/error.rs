//! One error type for the web boundary. Each has a stable code; the API renders
//! `{"error": code, "message": ...}`, pages render the Indonesian (or English) message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jempol_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("csrf")]
    Csrf,
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Csrf => "csrf_failed",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What to tell a person, in Indonesian.
    pub fn message_id(&self) -> String {
        match self {
            AppError::Unauthenticated => "Anda belum masuk atau sesi Anda sudah berakhir. Silakan masuk lagi.".into(),
            AppError::Forbidden => "Peran Anda tidak berwenang membuka halaman atau melakukan tindakan ini.".into(),
            AppError::NotFound => "Halaman atau data yang dicari tidak ada.".into(),
            AppError::Csrf => {
                "Formulir ini sudah kedaluwarsa atau tidak berasal dari Jempol. Muat ulang halaman lalu kirim lagi."
                    .into()
            }
            AppError::Invalid(m) | AppError::Conflict(m) => m.clone(),
            AppError::Internal(_) => {
                "Terjadi kesalahan di server. Coba lagi sebentar lagi; bila berulang, hubungi admin.".into()
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            AppError::Unauthenticated => "You are not logged in or your session has ended. Please log in again.".into(),
            AppError::Forbidden => "Your role may not open this page or perform this action.".into(),
            AppError::NotFound => "The page or record you asked for does not exist.".into(),
            AppError::Csrf => {
                "This form has expired or did not come from Jempol. Reload the page and submit again.".into()
            }
            AppError::Invalid(m) | AppError::Conflict(m) => m.clone(),
            AppError::Internal(_) => {
                "Something went wrong on the server. Try again shortly; if it repeats, contact the admin.".into()
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Invalid(m) => AppError::Invalid(m),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Sqlx(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// Default rendering is JSON (the API). Pages wrap errors in `PageError` to get HTML.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let body = serde_json::json!({"error": self.code(), "message": self.message_id()});
        (self.status(), axum::Json(body)).into_response()
    }
}
