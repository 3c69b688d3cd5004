//! Authentication: argon2id passwords, database-backed sessions (idle and absolute timeout,
//! new id at every login), Bearer API tokens, login rate limiting per account and per
//! address, and CSRF protection for every state-changing request made with a session.
//!
//! The `principal_layer` middleware resolves who is calling once per request and puts a
//! `Principal` into the request's extensions; handlers take it with an extractor.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::{AppState, users};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jempol_core::{Action, Scope, allowed};
use jempol_store::users::User;
use jempol_store::{Actor, sessions::Session};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "jempol_sid";
/// The session cookie's name over HTTPS (`secure_cookies`): the `__Host-` prefix makes the
/// browser accept it only with `Secure`, `Path=/` and no `Domain`, so no other site or
/// subdomain, and no plain-HTTP page, can set or overwrite it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-jempol_sid";

/// The session cookie's name for this deployment: `__Host-` over HTTPS; the plain name on an
/// office LAN served over HTTP, where browsers refuse `Secure` cookies.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
pub const LANG_COOKIE: &str = "jempol_lang";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A fresh random secret, URL-safe.
pub fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// An API token: a recognisable prefix and a secret. Only its hash is stored.
pub fn new_api_token() -> String {
    format!("jmp_{}", random_token(32))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The caller of a request, resolved once by `principal_layer`.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub scope: Scope,
    pub via: Via,
    /// The session's CSRF token, rendered into forms.
    pub csrf: String,
    pub session_hash: Option<String>,
    pub ip: String,
    /// What was last searched on a list page, kept with the session (`search.rs`): the page
    /// and the text.
    pub search: Option<(String, String)>,
}

impl Principal {
    pub fn can(&self, action: Action) -> bool {
        allowed(self.user.role, action)
    }

    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if self.can(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: self.user.username.clone(),
            ip: Some(self.ip.clone()),
        }
    }
}

/// Per-request facts every page needs besides the principal.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub lang: Lang,
    pub ip: String,
    /// A session cookie was sent but the session had ended.
    pub session_expired: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(AppError::Unauthenticated)
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Principal {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestInfo {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<RequestInfo>().cloned().unwrap_or(RequestInfo {
            lang: Lang::Id,
            ip: "unknown".into(),
            session_expired: false,
        }))
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn client_ip(req: &Request<Body>, trust_forwarded: bool) -> String {
    if trust_forwarded
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_string();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

async fn principal_for_user(
    state: &AppState,
    user_id: i64,
    via: Via,
    csrf: String,
    session_hash: Option<String>,
    ip: &str,
) -> Result<Option<Principal>, AppError> {
    let Some(user) = state.db.user_by_id(user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    let scope = Scope::for_user(
        user.role,
        user.desa_code.as_deref(),
        user.kecamatan_code.as_deref(),
        &state.config.deployment,
    );
    Ok(Some(Principal {
        user,
        scope,
        via,
        csrf,
        session_hash,
        ip: ip.to_string(),
        search: None,
    }))
}

/// Resolves the caller, enforces session timeouts and CSRF, then runs the handler.
pub async fn principal_layer(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let lang = Lang::from_cookie(cookie(req.headers(), LANG_COOKIE));
    match resolve(state, req, next).await {
        Ok(r) => r,
        Err(e) if is_api => e.into_response(),
        Err(e) => crate::pages::error_response(e, lang),
    }
}

async fn resolve(state: AppState, mut req: Request<Body>, next: Next) -> Result<Response, AppError> {
    let ip = client_ip(&req, state.config.trust_forwarded_for);
    let lang = Lang::from_cookie(cookie(req.headers(), LANG_COOKIE));
    let is_api = req.uri().path().starts_with("/api/");
    let now = state.now();
    let mut expired = false;
    let mut principal = None;

    if is_api {
        if let Some(token) = bearer(req.headers()) {
            match state.db.token_user_id(&sha256_hex(token), now).await? {
                Some(uid) => principal = principal_for_user(&state, uid, Via::Token, String::new(), None, &ip).await?,
                None => return Err(AppError::Unauthenticated),
            }
        }
    } else if let Some(sid) = cookie(req.headers(), session_cookie_name(&state)) {
        let hash = sha256_hex(sid);
        if let Some(s) = state.db.session(&hash).await? {
            if session_alive(&state, &s, now) {
                if now - s.last_seen_at > 60_000 {
                    state.db.touch_session(&hash, now).await?;
                }
                principal = principal_for_user(&state, s.user_id, Via::Session, s.csrf_token.clone(), Some(hash), &ip)
                    .await?
                    .map(|p| Principal {
                        search: (!s.search_page.is_empty()).then(|| (s.search_page.clone(), s.search_text.clone())),
                        ..p
                    });
            } else {
                state.db.delete_session(&hash).await?;
                expired = true;
            }
        }
    }

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !is_api {
        match &principal {
            Some(p) => {
                // Only a urlencoded form carries its token in the body: that body is read here
                // (and handed on). Uploads carry it in the query and stream to their handler,
                // which explains a file over the limit (upload.rs).
                let (parts, body) = req.into_parts();
                if is_urlencoded(&parts) {
                    let bytes = axum::body::to_bytes(body, crate::upload::UPLOAD_MAX)
                        .await
                        .map_err(|_| AppError::Invalid("Kiriman terlalu besar (lebih dari 4 MB).".into()))?;
                    if !csrf_ok(&parts, &bytes, &p.csrf) {
                        tracing::warn!(user = %p.user.username, path = %parts.uri.path(), "csrf token mismatch");
                        return Err(AppError::Csrf);
                    }
                    req = Request::from_parts(parts, Body::from(bytes));
                } else {
                    if !csrf_ok(&parts, &[], &p.csrf) {
                        tracing::warn!(user = %p.user.username, path = %parts.uri.path(), "csrf token mismatch");
                        return Err(AppError::Csrf);
                    }
                    req = Request::from_parts(parts, body);
                }
            }
            None => {
                if !same_origin(req.headers()) {
                    return Err(AppError::Csrf);
                }
            }
        }
    }

    req.extensions_mut().insert(RequestInfo {
        lang,
        ip,
        session_expired: expired,
    });
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    Ok(next.run(req).await)
}

fn session_alive(state: &AppState, s: &Session, now: i64) -> bool {
    let idle = state.config.session_idle_minutes * 60_000;
    let absolute = state.config.session_absolute_hours * 3_600_000;
    now - s.last_seen_at <= idle && now - s.created_at <= absolute
}

fn csrf_ok(parts: &Parts, body: &[u8], expected: &str) -> bool {
    let matches = |v: &str| !expected.is_empty() && constant_time_eq(v.as_bytes(), expected.as_bytes());
    if let Some(h) = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return matches(h);
    }
    if let Some(q) = parts.uri.query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        && let Some((_, v)) = pairs.iter().find(|(k, _)| k == CSRF_FIELD)
    {
        return matches(v);
    }
    if is_urlencoded(parts)
        && let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        && let Some((_, v)) = pairs.iter().find(|(k, _)| k == CSRF_FIELD)
    {
        return matches(v);
    }
    false
}

fn is_urlencoded(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Without a session (the login form), a browser's Origin (or Referer) must be this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match (from, host) {
        (None, _) => true,
        (Some("null"), _) => false,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next() == Some(host))
            .unwrap_or(false),
        (Some(_), None) => false,
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    BadCredentials,
    AccountLocked { minutes: i64 },
    TooManyFromAddress { minutes: i64 },
    Disabled,
}

impl LoginError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (LoginError::BadCredentials, Lang::Id) => {
                "Nama pengguna atau kata sandi salah. Periksa huruf besar/kecil lalu coba lagi.".into()
            }
            (LoginError::BadCredentials, Lang::En) => {
                "Wrong username or password. Check upper/lower case and try again.".into()
            }
            (LoginError::AccountLocked { minutes }, Lang::Id) => format!(
                "Terlalu banyak percobaan gagal. Akun ini dikunci sementara; coba lagi dalam {minutes} menit atau minta admin mengganti kata sandi."
            ),
            (LoginError::AccountLocked { minutes }, Lang::En) => format!(
                "Too many failed attempts. This account is locked; try again in {minutes} minutes or ask the admin to reset the password."
            ),
            (LoginError::TooManyFromAddress { minutes }, Lang::Id) => {
                format!("Terlalu banyak percobaan gagal dari perangkat/jaringan ini. Tunggu {minutes} menit.")
            }
            (LoginError::TooManyFromAddress { minutes }, Lang::En) => {
                format!("Too many failed attempts from this device/network. Wait {minutes} minutes.")
            }
            (LoginError::Disabled, Lang::Id) => "Akun ini dinonaktifkan. Hubungi admin Jempol di kecamatan.".into(),
            (LoginError::Disabled, Lang::En) => {
                "This account is disabled. Contact the Jempol admin at the kecamatan.".into()
            }
        }
    }
}

/// Checks the password under the rate limits and, on success, opens a new session.
/// Returns the session cookie value (the secret; only its hash is stored).
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
    user_agent: Option<&str>,
) -> Result<Result<(String, User), LoginError>, AppError> {
    let now = state.now();
    let cfg = &state.config;
    let window = cfg.login_window_minutes * 60_000;
    let username = username.trim().to_lowercase();
    let since = now - window;
    if state.db.ip_failures_since(ip, since).await? >= cfg.max_ip_failures {
        return Ok(Err(LoginError::TooManyFromAddress {
            minutes: cfg.login_window_minutes,
        }));
    }
    if state.db.account_failures_since(&username, since).await? >= cfg.max_account_failures {
        return Ok(Err(LoginError::AccountLocked {
            minutes: cfg.login_window_minutes,
        }));
    }
    let user = state.db.user_by_username(&username).await?;
    let ok = match &user {
        Some(u) => verify_password(&u.password_hash, password),
        None => {
            // Same work as a real check, so timing does not reveal which names exist.
            verify_password(&DUMMY_HASH, password);
            false
        }
    };
    state.db.record_login_attempt(&username, ip, ok, now).await?;
    let actor = Actor {
        user_id: user.as_ref().map(|u| u.id),
        name: username.clone(),
        ip: Some(ip.to_string()),
    };
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => {
            let failures = state.db.account_failures_since(&username, since).await?;
            if failures == cfg.max_account_failures {
                state
                    .db
                    .audit_event(
                        &actor,
                        now,
                        "login.lockout",
                        "user",
                        Some(&username),
                        Some(serde_json::json!({"failures": failures, "minutes": cfg.login_window_minutes})),
                    )
                    .await?;
            }
            if state.db.ip_failures_since(ip, since).await? == cfg.max_ip_failures {
                state
                    .db
                    .audit_event(&actor, now, "login.ip_lockout", "address", Some(ip), None)
                    .await?;
            }
            return Ok(Err(LoginError::BadCredentials));
        }
    };
    if user.disabled {
        return Ok(Err(LoginError::Disabled));
    }
    let sid = random_token(32);
    state
        .db
        .create_session(&sha256_hex(&sid), user.id, &random_token(24), now, Some(ip), user_agent)
        .await?;
    state
        .db
        .audit_event(&actor, now, "login", "user", Some(&user.id.to_string()), None)
        .await?;
    Ok(Ok((sid, user)))
}

/// An argon2id hash of a random secret, verified against when the user does not exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token(16)).unwrap_or_default());

pub fn session_cookie(state: &AppState, value: &str) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        session_cookie_name(state),
        state.config.session_absolute_hours * 3600
    )
}

pub fn clear_session_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        session_cookie_name(state)
    )
}

/// Creates an API token for a user and returns the secret (shown once).
pub async fn create_token(
    state_db: &jempol_store::Db,
    user: &User,
    name: &str,
    actor: &Actor,
    now: i64,
) -> Result<String, AppError> {
    let token = new_api_token();
    state_db
        .create_token(user, name, &sha256_hex(&token), actor, now)
        .await?;
    Ok(token)
}

/// Pages that need a login redirect there instead of answering 401.
pub struct PageAuth(pub Principal);

impl FromRequestParts<AppState> for PageAuth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(p) => Ok(PageAuth(p.clone())),
            None => Err(login_redirect_to(
                &parts.method,
                &parts.uri,
                &parts.headers,
                &parts.extensions,
            )),
        }
    }
}

/// To the login page, coming back here after (a page that needs a signed-in user).
pub(crate) fn login_redirect(req: &Request<Body>) -> Response {
    login_redirect_to(req.method(), req.uri(), req.headers(), req.extensions())
}

/// After logging in, the browser opens `next`. A form sent when the session had ended cannot
/// be sent again from there (its address takes only a form: 405), so it comes back to the
/// page the form was on (its Referer on this site), or home.
fn login_redirect_to(
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> Response {
    let expired = extensions.get::<RequestInfo>().is_some_and(|r| r.session_expired);
    let from_form = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .filter(|_| same_origin(headers))
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]));
    let next = if matches!(*method, Method::GET | Method::HEAD) {
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    } else {
        from_form.unwrap_or("/")
    };
    let mut to = format!("/login?next={}", users::url_encode(next));
    if expired {
        to.push_str("&expired=1");
    }
    axum::response::Redirect::to(&to).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("kata sandi panjang").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "kata sandi panjang"));
        assert!(!verify_password(&h, "kata sandi salah"));
        assert!(!verify_password("bukan hash", "x"));
        assert!(PasswordHash::new(&DUMMY_HASH).is_ok());
    }

    #[test]
    fn same_origin_rules() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(!same_origin(&h));
    }
}
