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
    /// The database cannot answer now (busy beyond the wait, connection lost): 503, try again.
    #[error("unavailable: {0}")]
    Unavailable(String),
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
            AppError::Unavailable(_) => "unavailable",
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
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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
            AppError::Unavailable(_) => {
                "Server sedang sibuk atau database sedang tidak bisa dihubungi, jadi permintaan ini belum diproses. Kembali ke halaman sebelumnya dan kirim lagi dalam beberapa detik; isian Anda masih ada di sana."
                    .into()
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
            AppError::Unavailable(_) => {
                "The server is busy or cannot reach its database, so this request was not processed. Go back and send it again in a few seconds; what you typed is still there."
                    .into()
            }
        }
    }
}

impl AppError {
    /// Server-side failures go to the log (the person sees only the plain message).
    pub fn log(&self) {
        match self {
            AppError::Internal(detail) => {
                tracing::error!(%detail, request_id = %crate::request_id::current(), "internal error")
            }
            AppError::Unavailable(detail) => {
                tracing::warn!(%detail, request_id = %crate::request_id::current(), "database unavailable")
            }
            _ => {}
        }
    }

    /// `Retry-After` on a 503, so clients and proxies wait before sending again.
    pub fn add_headers(&self, res: &mut Response) {
        if let AppError::Unavailable(_) = self {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Invalid(m) => AppError::Invalid(m),
            StoreError::Conflict(m) => AppError::Conflict(m),
            e if e.is_unavailable() => AppError::Unavailable(e.to_string()),
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
        self.log();
        let body = serde_json::json!({"error": self.code(), "message": self.message_id(),
            "request_id": crate::request_id::current()});
        let mut res = (self.status(), axum::Json(body)).into_response();
        self.add_headers(&mut res);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// A real "database is locked": one connection holds the write lock, another with no
    /// busy wait tries to write. The person gets 503 with Retry-After, not a server error.
    #[tokio::test]
    async fn a_busy_sqlite_is_503_try_again_not_500() {
        let path = std::env::temp_dir().join(format!("jempol-busy-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::ZERO);
        let mut holder = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::raw_sql("CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
            .execute(&mut holder)
            .await
            .unwrap();
        let mut other = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        let err = sqlx::raw_sql("INSERT INTO t VALUES (2)")
            .execute(&mut other)
            .await
            .unwrap_err();
        let e = StoreError::Sqlx(err);
        assert!(e.is_unavailable(), "{e}");
        let app = AppError::from(e);
        let res = app.into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers().get("retry-after").unwrap(), "5");
        // A constraint violation is not "try again".
        let bad = sqlx::raw_sql("SELECT * FROM no_such_table")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(!StoreError::Sqlx(bad).is_unavailable());
        drop((holder, other));
        let _ = std::fs::remove_file(&path);
    }
}
