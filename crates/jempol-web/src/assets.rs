//! Static assets compiled into the binary: no request ever leaves the server's origin.

use crate::routes::{Access, Routes, get};
use axum::http::header;
use axum::response::IntoResponse;

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");
const FIELD_JS: &str = include_str!("../assets/field.js");
const HTMX: &str = include_str!("../assets/vendor/htmx.min.js");
const ICON: &str = include_str!("../assets/icon.svg");

fn asset(body: &'static str, mime: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/assets/app.css",
            get(Access::Public, || async { asset(CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/assets/app.js",
            get(Access::Public, || async { asset(JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/assets/field.js",
            get(Access::Public, || async {
                asset(FIELD_JS, "text/javascript; charset=utf-8")
            }),
        )
        .route(
            "/assets/htmx.min.js",
            get(Access::Public, || async {
                asset(HTMX, "text/javascript; charset=utf-8")
            }),
        )
        .route(
            "/assets/icon.svg",
            get(Access::Public, || async { asset(ICON, "image/svg+xml") }),
        )
        .route(
            "/favicon.ico",
            get(Access::Public, || async { asset(ICON, "image/svg+xml") }),
        )
}
