//! A request id for every request: in the response's `x-request-id` header, in the log line
//! of the request, and on every error page and JSON error, so a person can quote it and the
//! admin can find the log line (which holds the detail the person never sees). A proxy's id
//! (`x-request-id` from nginx's `$request_id`) is kept when it is a plain token.

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled ("" outside a request).
pub fn current() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_default()
}

/// The request's id, as an extension the log span reads.
#[derive(Clone)]
pub struct RequestId(pub String);

fn acceptable(s: &str) -> bool {
    (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn layer(mut req: Request<Body>, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| acceptable(s))
        .map(str::to_string)
        .unwrap_or_else(|| crate::auth::random_token(9));
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// The log span of a request: method, path (never the query string, which may hold a
/// searched NIK or a token) and the request id.
pub fn span(req: &Request<Body>) -> tracing::Span {
    let id = req.extensions().get::<RequestId>().map(|r| r.0.as_str()).unwrap_or("");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_tokens_from_a_proxy_are_kept() {
        assert!(acceptable("7f3a9c0b12d4e5f6"));
        assert!(!acceptable("short"));
        assert!(!acceptable("ada spasi di sini"));
        assert!(!acceptable("<script>alert(1)</script>"));
        assert!(!acceptable(&"a".repeat(65)));
    }
}
