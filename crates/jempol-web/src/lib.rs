//! The web face of Jempol: server-rendered pages in Bahasa Indonesia (English switchable),
//! the JSON API under `/api/v1` with its OpenAPI document, login sessions, CSRF protection,
//! and the account services the CLI shares. Every asset is compiled into the binary.

pub mod api;
mod assets;
mod assistance_pages;
pub mod auth;
mod calendar_pages;
mod campaign_pages;
mod card_pages;
pub mod clock;
mod dashboard_pages;
pub mod demo;
mod draft_pages;
pub mod error;
mod extract;
mod field_pages;
mod handover_pages;
pub mod i18n;
mod identity_pages;
pub mod intake;
mod letters;
mod meeting_pages;
mod notify;
mod pages;
pub use pages::chain_break_text;
mod privacy_pages;
mod production_pages;
mod report_pages;
pub mod request_id;
mod resident_pages;
mod review_pages;
pub mod routes;
mod search;
mod sla_pages;
mod sop_sheet;
mod status_pages;
pub(crate) mod submission_pages;
mod upload;
pub mod users;
mod visit_pages;
mod welfare_io;
mod welfare_pages;

use axum::Router;
use jempol_core::scope::Deployment;
use jempol_store::Db;
use std::sync::Arc;

pub use clock::{Clock, FakeClock, SystemClock};
pub use dashboard_pages::refresh_funnel;
pub use notify::{check_email, deliver_notifications};
pub use sla_pages::escalate;

/// Settings the web layer needs. Defaults suit one kantor kecamatan.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub deployment: Deployment,
    /// A session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// A session ends this long after login, however active.
    pub session_absolute_hours: i64,
    /// Set the Secure flag on cookies (behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from X-Forwarded-For (behind a trusted load balancer).
    pub trust_forwarded_for: bool,
    /// Failed logins of one account within the window before it is locked for the window.
    pub max_account_failures: i64,
    /// Failed logins from one address within the window before it is refused.
    pub max_ip_failures: i64,
    pub login_window_minutes: i64,
    /// Where late work escalated is also POSTed as JSON (optional).
    pub escalation_webhook: Option<String>,
    /// Where late work escalated is also emailed (optional).
    pub escalation_email: Option<EmailConfig>,
}

/// Email for escalations: the SMTP server as a URL (`smtp://user:pass@host:587?tls=required`,
/// `smtps://…` for TLS from the start, `smtp://host:25` without TLS on a trusted network),
/// the sender, and who receives each level.
#[derive(Clone, Default)]
pub struct EmailConfig {
    pub smtp_url: String,
    pub from: String,
    pub kasi: Vec<String>,
    pub camat: Vec<String>,
}

impl std::fmt::Debug for EmailConfig {
    // The SMTP URL may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("from", &self.from)
            .field("kasi", &self.kasi)
            .field("camat", &self.camat)
            .finish_non_exhaustive()
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            deployment: Deployment {
                kabupaten: "35.19".into(),
                kecamatan: vec!["35.19.02".into()],
            },
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            secure_cookies: false,
            trust_forwarded_for: false,
            max_account_failures: 5,
            max_ip_failures: 30,
            login_window_minutes: 15,
            escalation_webhook: None,
            escalation_email: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub clock: Arc<dyn Clock>,
    /// The entries that reading pages write, committed together (`AuditQueue`).
    pub views: Arc<jempol_store::audit::AuditQueue>,
    /// The desa of a scope (code, name), as list filters offer them: region codes change only
    /// by `jempol regions import`, so they are read again after [`REGIONS_FRESH`] at most.
    desa_names: Arc<std::sync::RwLock<DesaNames>>,
}

/// Scope key → (read at, desa codes and names).
type DesaNames = std::collections::HashMap<String, (std::time::Instant, Arc<Vec<(String, String)>>)>;

/// How long the desa names of a scope are kept in memory.
const REGIONS_FRESH: std::time::Duration = std::time::Duration::from_secs(300);

impl AppState {
    pub fn new(db: Db, config: WebConfig, clock: Arc<dyn Clock>) -> AppState {
        AppState {
            db,
            config: Arc::new(config),
            clock,
            views: Arc::default(),
            desa_names: Arc::default(),
        }
    }

    /// The desa (code, name) under these kecamatan, from memory when read in the last
    /// [`REGIONS_FRESH`]: every list page offers them, and a kabupaten has two hundred.
    pub async fn desa_under(
        &self,
        kecamatan: &[String],
    ) -> Result<Arc<Vec<(String, String)>>, jempol_store::StoreError> {
        let key = kecamatan.join(",");
        if let Ok(cache) = self.desa_names.read()
            && let Some((at, names)) = cache.get(&key)
            && at.elapsed() < REGIONS_FRESH
        {
            return Ok(names.clone());
        }
        let names: Arc<Vec<(String, String)>> = Arc::new(
            self.db
                .regions_under(kecamatan)
                .await?
                .into_iter()
                .map(|r| (r.code, r.name))
                .collect(),
        );
        if let Ok(mut cache) = self.desa_names.write() {
            cache.insert(key, (std::time::Instant::now(), names.clone()));
        }
        Ok(names)
    }

    /// Records that `actor` saw something (a list, a person's record): in the audit log before
    /// the page is sent, in a transaction shared with the other pages being read meanwhile.
    pub async fn record_view(
        &self,
        actor: jempol_store::Actor,
        action: &str,
        entity: &str,
        entity_id: Option<String>,
        detail: Option<serde_json::Value>,
    ) -> Result<(), jempol_store::StoreError> {
        let event = jempol_store::audit::AuditEvent {
            actor,
            at: self.now(),
            action: action.into(),
            entity: entity.into(),
            entity_id,
            detail,
        };
        self.views.record(&self.db, event).await
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// Every page route, each with who may reach it (`routes.rs`).
fn page_routes() -> routes::Routes {
    routes::Routes::new()
        .merge(pages::routes())
        .merge(submission_pages::routes())
        .merge(draft_pages::routes())
        .merge(resident_pages::routes())
        .merge(identity_pages::routes())
        .merge(campaign_pages::routes())
        .merge(letters::routes())
        .merge(meeting_pages::routes())
        .merge(field_pages::routes())
        .merge(visit_pages::routes())
        .merge(production_pages::routes())
        .merge(handover_pages::routes())
        .merge(card_pages::routes())
        .merge(status_pages::routes())
        .merge(assistance_pages::routes())
        .merge(welfare_pages::routes())
        .merge(welfare_io::routes())
        .merge(calendar_pages::routes())
        .merge(sla_pages::routes())
        .merge(dashboard_pages::routes())
        .merge(report_pages::routes())
        .merge(privacy_pages::routes())
        .merge(review_pages::routes())
        .merge(search::routes())
        .merge(assets::routes())
}

/// The page routes the router serves, with their access: what the authorization matrix test
/// walks. The API's routes are in its OpenAPI document (`api::openapi`).
pub fn route_table() -> Vec<routes::RouteInfo> {
    page_routes().into_parts().1
}

/// The whole application: pages, API, assets, health checks, with auth and CSRF layers.
pub fn router(state: AppState) -> Router {
    let (api_router, _) = api::api_router().split_for_parts();
    let (pages, _) = page_routes().into_parts();
    Router::new()
        .merge(pages)
        .merge(api_router)
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::principal_layer,
        ))
        .layer(axum::middleware::from_fn(pages::security_headers))
        // Extractors stop at the upload limit with an error the page explains (upload.rs);
        // the raw limit above it only cuts off what no form sends.
        .layer(axum::extract::DefaultBodyLimit::max(
            upload::UPLOAD_MAX + upload::ENVELOPE,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(8 * upload::UPLOAD_MAX))
        .layer(
            // One structured log line per request: method, path, request id, status, latency.
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(request_id::span)
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(axum::middleware::from_fn(request_id::layer))
        .with_state(state)
}

#[cfg(test)]
mod escaping {
    /// Every value a template prints is escaped by askama, unless marked `|safe`. The only
    /// values so marked are SVG the application draws itself (escaping every text it puts
    /// in: `sop_sheet::esc`) from numbers or the SOP definition: a new `|safe` must be added
    /// here on purpose, after checking what it prints cannot hold what a user typed.
    #[test]
    fn only_the_drawn_svgs_are_printed_unescaped() {
        const ALLOWED: [(&str, &str); 2] = [("dashboard.html", "funnel_svg|safe"), ("sop.html", "svg|safe")];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).expect("templates") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (i, _) in text.match_indices("|safe") {
                let start = text[..i].rfind("{{").map(|s| s + 2).unwrap_or(i);
                found.push((name.clone(), text[start..i + 5].trim().to_string()));
            }
            assert!(
                !text.contains("| safe"),
                "{name}: write |safe without spaces so this test sees it"
            );
        }
        found.sort();
        let allowed: Vec<(String, String)> = ALLOWED.iter().map(|(f, e)| (f.to_string(), e.to_string())).collect();
        assert_eq!(found, allowed, "values printed without escaping");
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        for entry in std::fs::read_dir(src).expect("sources") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                !text.contains(concat!("escape = ", "\"none\"")),
                "{} turns escaping off",
                path.display()
            );
        }
    }
}
