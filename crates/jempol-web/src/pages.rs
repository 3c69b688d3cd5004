//! Server-rendered pages. Each works without JavaScript; forms keep what was typed when
//! they are rejected and say in Indonesian (or English) what to fix.

use crate::auth::{self, PageAuth, Principal, RequestInfo};
use crate::clock::format_wib;
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::{Lang, TEXTS, Tr};
use crate::routes::{Access, Routes, get, post};
use crate::users::{self, FieldErrors, UserInput, url_encode};
use crate::{AppState, sop_sheet};
use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::{Action, Role, Scope};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(Access::SignedIn, home))
        .route(
            "/login",
            get(Access::Public, login_form).post(Access::Public, login_submit),
        )
        .route("/logout", post(Access::Public, logout))
        .route("/lang/{code}", get(Access::Public, set_lang))
        .route("/account", get(Access::SignedIn, account))
        .route("/account/password", post(Access::SignedIn, account_password))
        .route("/account/logout-all", post(Access::SignedIn, account_logout_all))
        .route("/sop", get(Access::Act(Action::ViewSop), sop_page))
        .route("/audit", get(Access::Act(Action::ViewAudit), audit_page))
        .route("/audit/verify", get(Access::Act(Action::ViewAudit), audit_verify_page))
        .route(
            "/admin/users",
            get(Access::Act(Action::ManageUsers), users_page).post(Access::Act(Action::ManageUsers), users_create),
        )
        .route(
            "/admin/users/{id}/confirm",
            get(Access::Act(Action::ManageUsers), user_confirm),
        )
        .route(
            "/admin/users/{id}/{op}",
            post(Access::Act(Action::ManageUsers), user_op),
        )
        .route(
            "/admin/users/{id}/password",
            get(Access::Act(Action::ManageUsers), user_password_form)
                .post(Access::Act(Action::ManageUsers), user_password_set),
        )
        .route(
            "/admin/sop",
            get(Access::Act(Action::ManageSop), sop_admin).post(Access::Act(Action::ManageSop), sop_admin_load),
        )
        .route("/healthz", get(Access::Public, || async { "ok" }))
        .route("/readyz", get(Access::Public, readyz))
}

// ---------- layout ----------

pub(crate) struct NavUser {
    pub username: String,
    pub role_label: &'static str,
}

pub(crate) struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub(crate) struct Layout {
    pub t: Tr,
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub path_enc: String,
    pub flash: Option<&'static str>,
}

pub(crate) fn role_label(role: Role, lang: Lang) -> &'static str {
    match lang {
        Lang::Id => role.label_id(),
        Lang::En => role.label_en(),
    }
}

pub(crate) fn layout(lang: Lang, p: Option<&Principal>, title: &str, path: &str, ok: Option<&str>) -> Layout {
    let t = Tr(lang);
    let mut nav = Vec::new();
    if let Some(p) = p {
        let mut add = |href: &'static str, key: &str, action: Option<Action>| {
            if action.is_none_or(|a| p.can(a)) {
                let active = if href == "/" {
                    path == "/"
                } else {
                    path.starts_with(href)
                };
                nav.push(NavItem {
                    href,
                    label: t.s(key),
                    active,
                });
            }
        };
        add("/", "nav.home", None);
        if p.user.role != jempol_core::Role::Admin {
            add("/tugas", "nav.tasks", None);
        }
        add("/dasbor", "nav.dashboard", Some(Action::ViewDashboard));
        add("/sop", "nav.sop", Some(Action::ViewSop));
        add("/warga", "nav.residents", Some(Action::ViewResidents));
        if p.can(Action::SubmitResidents) || p.can(Action::VerifySubmissions) {
            add("/pengajuan", "nav.submissions", None);
        }
        add("/gelombang", "nav.campaigns", Some(Action::ViewCampaigns));
        add("/surat", "nav.letters", Some(Action::ManageMeetings));
        add("/lapangan", "nav.field", Some(Action::RecordVisits));
        add("/produksi", "nav.production", Some(Action::ViewProduction));
        add("/serah-terima", "nav.handovers", Some(Action::ViewProduction));
        add("/kartu", "nav.cards", Some(Action::ConfirmReceipt));
        add("/bantuan", "nav.assistance", Some(Action::ViewAssistance));
        if p.can(Action::ViewDashboard) || p.can(Action::PauseSteps) {
            add("/waktu", "nav.sla", None);
        }
        add("/laporan/bulanan", "nav.reports", Some(Action::ViewReports));
        add("/sop/pemantauan", "nav.reviews", Some(Action::ViewDashboard));
        add("/audit", "nav.audit", Some(Action::ViewAudit));
        add("/admin/users", "nav.users", Some(Action::ManageUsers));
        add("/admin/sop", "nav.sop_admin", Some(Action::ManageSop));
        add("/admin/kop", "nav.kop", Some(Action::ManageMasterData));
        add("/admin/kalender", "nav.calendar", Some(Action::ManageMasterData));
        add("/account", "nav.account", None);
        // Only the most specific match is the current page (`/sop/pemantauan`, not `/sop`).
        let best = nav.iter().filter(|n| n.active).map(|n| n.href.len()).max().unwrap_or(0);
        for n in &mut nav {
            n.active = n.active && n.href.len() == best;
        }
    }
    // Flash messages come as a known text key in the query (`?ok=users.created`).
    let flash = ok
        .and_then(|k| TEXTS.iter().find(|(key, _, _)| *key == k))
        .map(|_| t.s(ok.unwrap_or_default()));
    Layout {
        t,
        title: title.to_string(),
        user: p.map(|p| NavUser {
            username: p.user.username.clone(),
            role_label: role_label(p.user.role, lang),
        }),
        csrf: p.map(|p| p.csrf.clone()).unwrap_or_default(),
        nav,
        path_enc: url_encode(path),
        flash,
    }
}

/// The policy check of a page: refused in the user's language.
pub(crate) fn allow(p: &Principal, action: Action, lang: Lang) -> Result<(), PageError> {
    p.require(action).map_err(|e| PageError(e, lang))
}

pub(crate) fn render<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    Ok(Html(t.render().map_err(AppError::from)?))
}

/// An error on a page: rendered as HTML in the user's language.
pub struct PageError(pub AppError, pub Lang);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e, Lang::Id)
    }
}

impl From<jempol_store::StoreError> for PageError {
    fn from(e: jempol_store::StoreError) -> Self {
        PageError(e.into(), Lang::Id)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_response(self.0, self.1)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    message: String,
    request_id: String,
}

pub fn error_response(e: AppError, lang: Lang) -> Response {
    e.log();
    let message = match lang {
        Lang::Id => e.message_id(),
        Lang::En => e.message_en(),
    };
    let page = ErrorPage {
        l: layout(lang, None, Tr(lang).s("error.title"), "/", None),
        message: message.clone(),
        request_id: crate::request_id::current(),
    };
    let body = page.render().unwrap_or(message);
    let mut res = (e.status(), Html(body)).into_response();
    e.add_headers(&mut res);
    res
}

/// Any path no route knows: the "not found" page, in the person's language, with its request id.
pub async fn not_found(info: RequestInfo) -> Response {
    error_response(AppError::NotFound, info.lang)
}

/// A path that exists, asked with a method it does not take (a form's address opened as a
/// page, a bookmark of where a form was sent): 405 with the error page saying what to do.
pub async fn method_not_allowed(info: RequestInfo) -> Response {
    let mut r = error_response(
        AppError::Invalid(
            "Alamat ini menerima kiriman formulir, bukan dibuka langsung. Kembali ke halaman sebelumnya, lalu kirim formulirnya lagi.".into(),
        ),
        info.lang,
    );
    *r.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    r
}

/// Headers every response carries: a strict content security policy (nothing from other
/// origins), no framing, no caching of pages that may hold personal data.
pub async fn security_headers(req: Request<Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    res
}

#[derive(Deserialize, Default)]
pub(crate) struct OkQuery {
    pub(crate) ok: Option<String>,
}

// ---------- home ----------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    display_name: String,
    role_label: &'static str,
    scope_label: String,
    is_admin: bool,
    can_audit: bool,
    admin_users: usize,
    admin_regions: i64,
    sop_label: String,
    steps: Vec<StepLine>,
    /// Running work in the role's steps: all, late, at risk.
    task_counts: Option<(usize, usize, usize)>,
    shows_residents: bool,
    resident_total: i64,
    per_desa: Vec<(String, i64)>,
}

struct StepLine {
    no: u32,
    activity: String,
    time: String,
    output: String,
}

pub(crate) async fn region_label(state: &AppState, code: &str) -> String {
    match state.db.region(code).await {
        Ok(Some(r)) => format!("{} ({})", r.name, r.code),
        _ => code.to_string(),
    }
}

async fn scope_label(state: &AppState, scope: &Scope, lang: Lang) -> String {
    match scope {
        Scope::Nothing => match lang {
            Lang::Id => "— (pengaturan sistem, tanpa data warga)".into(),
            Lang::En => "— (system settings, no resident data)".into(),
        },
        Scope::Desa { code } => region_label(state, code).await,
        Scope::Kabupaten { code } => region_label(state, code).await,
        Scope::Kecamatan { codes } => {
            let mut out = Vec::new();
            for c in codes {
                out.push(format!("Kecamatan {}", region_label(state, c).await));
            }
            out.join(", ")
        }
    }
}

async fn home(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    let (stored, def) = state.db.active_sop().await?;
    let steps = def
        .steps_for_role(p.user.role)
        .into_iter()
        .map(|s| StepLine {
            no: s.no,
            activity: s.activity.clone(),
            time: s.time.clone(),
            output: s.output.clone(),
        })
        .collect();
    let is_admin = p.user.role == Role::Admin;
    let (admin_users, admin_regions) = if is_admin {
        (state.db.list_users().await?.len(), state.db.count_regions().await?)
    } else {
        (0, 0)
    };
    // The role's running work: how much, and how much of it late or at risk.
    let mine: Vec<u32> = def.steps_for_role(p.user.role).iter().map(|s| s.no).collect();
    let task_counts = if is_admin {
        None
    } else {
        let all = crate::sla_pages::measure(&state, &p.scope)
            .await
            .map_err(|e| PageError(e, lang))?;
        let tasks = crate::sla_pages::tasks(&all, Some(&mine));
        let late = tasks.iter().filter(|t| t.state_code == "late").count();
        let at_risk = tasks.iter().filter(|t| t.state_code == "at_risk").count();
        Some((tasks.len(), late, at_risk))
    };
    let shows_residents = p.can(Action::ViewResidents);
    let (resident_total, per_desa) = if shows_residents {
        let counts = state.db.resident_counts_by_desa(&p.scope).await?;
        let total = counts.iter().map(|c| c.1).sum();
        let mut named = Vec::with_capacity(counts.len());
        for (code, n) in counts {
            named.push((region_label(&state, &code).await, n));
        }
        (total, named)
    } else {
        (0, vec![])
    };
    let page = HomePage {
        l: layout(lang, Some(&p), Tr(lang).s("nav.home"), "/", q.ok.as_deref()),
        display_name: if p.user.full_name.is_empty() {
            p.user.username.clone()
        } else {
            p.user.full_name.clone()
        },
        role_label: role_label(p.user.role, lang),
        scope_label: scope_label(&state, &p.scope, lang).await,
        is_admin,
        can_audit: p.can(Action::ViewAudit),
        admin_users,
        admin_regions,
        sop_label: format!("{} {} (#{})", stored.sop_id, stored.version, stored.id),
        steps,
        task_counts,
        shows_residents,
        resident_total,
        per_desa,
    };
    render(&page)
}

// ---------- login / logout / language ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    next: String,
    username: String,
    error: Option<String>,
    expired: bool,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    ok: Option<String>,
}

/// Only same-site paths are followed after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn login_form(
    info: RequestInfo,
    p: Option<Principal>,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(q.next.as_deref());
    if p.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = LoginPage {
        l: layout(
            info.lang,
            None,
            Tr(info.lang).s("login.title"),
            "/login",
            q.ok.as_deref(),
        ),
        next,
        username: String::new(),
        error: None,
        expired: q.expired.is_some() || info.session_expired,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    info: RequestInfo,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    match auth::login(&state, &f.username, &f.password, &info.ip, ua).await? {
        Ok((sid, _user)) => {
            let to = safe_next(Some(&f.next));
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, auth::session_cookie(&state, &sid)),
                    (header::LOCATION, to),
                ],
            )
                .into_response())
        }
        Err(e) => {
            let status = match e {
                auth::LoginError::BadCredentials | auth::LoginError::Disabled => StatusCode::UNAUTHORIZED,
                _ => StatusCode::TOO_MANY_REQUESTS,
            };
            let page = LoginPage {
                l: layout(info.lang, None, Tr(info.lang).s("login.title"), "/login", None),
                next: safe_next(Some(&f.next)),
                username: f.username.clone(),
                error: Some(e.message(info.lang)),
                expired: false,
            };
            Ok((status, render(&page)?).into_response())
        }
    }
}

async fn logout(State(state): State<AppState>, p: Option<Principal>) -> Result<Response, PageError> {
    if let Some(p) = p
        && let Some(h) = &p.session_hash
    {
        state.db.delete_session(h).await?;
        state
            .db
            .audit_event(
                &p.actor(),
                state.now(),
                "logout",
                "user",
                Some(&p.user.id.to_string()),
                None,
            )
            .await?;
    }
    Ok(to_login(&state, "/login"))
}

/// Ends the browser's session cookie and sends it to the login page.
fn to_login(state: &AppState, location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, auth::clear_session_cookie(state)),
            (header::LOCATION, location.to_string()),
        ],
    )
        .into_response()
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn set_lang(Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = if code == "en" { "en" } else { "id" };
    let cookie = format!("{}={lang}; Path=/; Max-Age=31536000; SameSite=Lax", auth::LANG_COOKIE);
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, safe_next(q.next.as_deref())),
        ],
    )
        .into_response()
}

// ---------- account ----------

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    heading: String,
    action: String,
    ask_current: bool,
    current_error: Option<String>,
    error: Option<String>,
}

impl PasswordPage {
    /// The user's own password form (asks for the current password).
    fn own(lang: Lang, p: &Principal, current_error: Option<String>, error: Option<String>) -> PasswordPage {
        let t = Tr(lang);
        PasswordPage {
            l: layout(lang, Some(p), t.s("account.title"), "/account", None),
            heading: format!("{} — {}", t.s("account.title"), t.s("account.change_pw")),
            action: "/account/password".into(),
            ask_current: true,
            current_error,
            error,
        }
    }

    /// The admin's form to reset another user's password.
    fn reset(lang: Lang, p: &Principal, user: &jempol_store::users::User, error: Option<String>) -> PasswordPage {
        let t = Tr(lang);
        PasswordPage {
            l: layout(lang, Some(p), t.s("users.reset_pw"), "/admin/users", None),
            heading: format!("{} — {}", t.s("users.reset_pw"), user.username),
            action: format!("/admin/users/{}/password", user.id),
            ask_current: false,
            current_error: None,
            error,
        }
    }
}

async fn account(PageAuth(p): PageAuth, info: RequestInfo) -> Result<Html<String>, PageError> {
    render(&PasswordPage::own(info.lang, &p, None, None))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

async fn account_password(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let current_ok = auth::verify_password(&p.user.password_hash, &f.current);
    let result = if current_ok {
        users::set_password(&state.db, &p.user, &f.password, &p.actor(), state.now()).await?
    } else {
        Err(String::new())
    };
    match result {
        Ok(()) => Ok(to_login(&state, "/login?ok=account.saved")),
        Err(msg) => {
            let current_error = (!current_ok).then(|| match info.lang {
                Lang::Id => "Kata sandi sekarang salah.".to_string(),
                Lang::En => "The current password is wrong.".to_string(),
            });
            let page = PasswordPage::own(info.lang, &p, current_error, (!msg.is_empty()).then_some(msg));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

async fn account_logout_all(State(state): State<AppState>, PageAuth(p): PageAuth) -> Result<Response, PageError> {
    state
        .db
        .delete_user_sessions(p.user.id, &p.actor(), state.now())
        .await?;
    Ok(to_login(&state, "/login"))
}

// ---------- SOP sheet ----------

#[derive(Template)]
#[template(path = "sop.html")]
struct SopPage {
    l: Layout,
    def: jempol_core::sop::SopDefinition,
    rows: Vec<sop_sheet::SheetRow>,
    svg: String,
    lane_width: u32,
    table_width: u32,
    made_on: String,
    revised_on: String,
    effective_on: String,
}

/// "2020-06-18" → "18 Juni 2020", as dates are written on the sheet.
pub fn tanggal(iso: &str) -> String {
    const BULAN: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    match iso.parse::<jiff::civil::Date>() {
        Ok(d) => format!("{:02} {} {}", d.day(), BULAN[(d.month() - 1) as usize], d.year()),
        Err(_) => iso.to_string(),
    }
}

async fn sop_page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewSop, info.lang)?;
    let (_, def) = state.db.active_sop().await?;
    let rows = sop_sheet::rows(&def);
    let svg = sop_sheet::flowchart(&def, &rows);
    render(&SopPage {
        l: layout(
            info.lang,
            Some(&p),
            &format!("SOP {}", def.identity.title),
            "/sop",
            None,
        ),
        made_on: tanggal(&def.identity.made_on),
        revised_on: def
            .identity
            .revised_on
            .as_deref()
            .map(tanggal)
            .unwrap_or_else(|| "-".into()),
        effective_on: tanggal(&def.identity.effective_on),
        table_width: sop_sheet::table_width(&def),
        def,
        rows,
        svg,
        lane_width: sop_sheet::LANE_WIDTH,
    })
}

// ---------- audit ----------

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    before: Option<i64>,
}

struct AuditRow {
    when: String,
    actor: String,
    ip: Option<String>,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    q: AuditQuery,
    entries: Vec<AuditRow>,
    older_href: Option<String>,
    date_error: Option<String>,
    /// The breach report names residents: only for those who may see them.
    can_report: bool,
}

/// Start of a WIB calendar day, in UTC milliseconds.
pub(crate) fn wib_day_start(date: &str) -> Option<i64> {
    let d: jiff::civil::Date = date.parse().ok()?;
    let tz = jiff::tz::TimeZone::get("Asia/Jakarta").ok()?;
    d.to_zoned(tz).ok().map(|z| z.timestamp().as_millisecond())
}

const AUDIT_PAGE: i64 = 50;

async fn audit_page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewAudit, info.lang)?;
    let mut date_error = None;
    let mut parse = |s: &str, plus_day: bool| -> Option<i64> {
        if s.trim().is_empty() {
            return None;
        }
        match wib_day_start(s.trim()) {
            Some(ms) => Some(if plus_day { ms + 86_400_000 } else { ms }),
            None => {
                date_error = Some(format!(
                    "Tanggal \"{s}\" tidak dikenali; gunakan format TTTT-BB-HH, misalnya 2026-11-29."
                ));
                None
            }
        }
    };
    let from_ms = parse(&q.from, false);
    let until_ms = parse(&q.until, true);
    let filter = jempol_store::audit::AuditFilter {
        actor: Some(q.actor.clone()),
        action: Some(q.action.clone()),
        entity: Some(q.entity.clone()),
        from_ms,
        until_ms,
        before_id: q.before,
        record: None,
        limit: AUDIT_PAGE,
    };
    let raw = state.db.audit_entries(&filter).await?;
    let older_href = (raw.len() as i64 == AUDIT_PAGE).then(|| {
        let last = raw.last().map(|e| e.id).unwrap_or(0);
        format!(
            "/audit?actor={}&action={}&entity={}&from={}&until={}&before={last}",
            url_encode(&q.actor),
            url_encode(&q.action),
            url_encode(&q.entity),
            url_encode(&q.from),
            url_encode(&q.until)
        )
    });
    let entries = raw
        .into_iter()
        .map(|e| AuditRow {
            when: format_wib(e.at),
            actor: e.actor,
            ip: e.ip,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before.unwrap_or_default(),
            after: e.after.unwrap_or_default(),
        })
        .collect();
    render(&AuditPage {
        l: layout(info.lang, Some(&p), Tr(info.lang).s("audit.title"), "/audit", None),
        q,
        entries,
        older_href,
        date_error,
        can_report: p.can(Action::ViewResidents),
    })
}

/// What the chain verifier found, for the admin, the Camat and the command line.
pub fn chain_break_text(b: &jempol_store::audit::ChainBreak, lang: Lang) -> String {
    use jempol_store::audit::ChainBreak as B;
    match (lang, b) {
        (Lang::Id, B::Altered { seq, id }) => format!(
            "Catatan no. urut {seq} (id {id}) tidak cocok dengan rantainya: isinya diubah langsung di database, atau catatan sebelumnya diubah lalu hash-nya dihitung ulang."
        ),
        (Lang::En, B::Altered { seq, id }) => format!(
            "Entry no. {seq} (id {id}) does not match its chain: it was edited directly in the database, or the entry before it was edited and its hash recomputed."
        ),
        (Lang::Id, B::Missing { from, to }) => {
            format!("Catatan no. urut {from} sampai {to} hilang dari tengah log: dihapus langsung di database.")
        }
        (Lang::En, B::Missing { from, to }) => {
            format!(
                "Entries no. {from} to {to} are missing from the middle of the log: deleted directly in the database."
            )
        }
        (Lang::Id, B::Truncated { last, head }) => {
            format!("Log berakhir di no. urut {last}, padahal kepala rantai mencatat {head}: catatan terbaru dihapus.")
        }
        (Lang::En, B::Truncated { last, head }) => {
            format!("The log ends at no. {last} but the chain's head records {head}: the newest entries were deleted.")
        }
        (Lang::Id, B::HeadMismatch { seq }) => format!(
            "Kepala rantai tidak cocok dengan catatan terakhir (no. urut {seq}): kepala atau catatan terakhir diubah."
        ),
        (Lang::En, B::HeadMismatch { seq }) => {
            format!(
                "The chain's head does not match the last entry (no. {seq}): the head or the last entry was changed."
            )
        }
        (Lang::Id, B::Unchained { id }) => {
            format!("Catatan id {id} ada di luar rantai (tanpa no. urut dan hash): disisipkan langsung ke database.")
        }
        (Lang::En, B::Unchained { id }) => {
            format!("Entry id {id} is outside the chain (no number or hash): inserted directly into the database.")
        }
    }
}

#[derive(Template)]
#[template(path = "audit_verify.html")]
struct AuditVerifyPage {
    l: Layout,
    checked: i64,
    head_seq: i64,
    head_hash: String,
    problem: Option<String>,
}

/// Walks the audit log's hash chain and says whether it is whole, or names the first entry
/// that is not.
async fn audit_verify_page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewAudit, info.lang)?;
    let r = state.db.verify_audit().await?;
    render(&AuditVerifyPage {
        l: layout(info.lang, Some(&p), Tr(info.lang).s("audit.verify"), "/audit", None),
        checked: r.checked,
        head_seq: r.head_seq,
        head_hash: r.head_hash,
        problem: r.problem.as_ref().map(|b| chain_break_text(b, info.lang)),
    })
}

// ---------- users (admin) ----------

struct UserRow {
    id: i64,
    username: String,
    full_name: String,
    role_label: &'static str,
    scope: String,
    disabled: bool,
}

struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserRow>,
    fields: Vec<Field>,
    errors: FieldErrors,
}

async fn users_page_render(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    input: &UserInput,
    errors: FieldErrors,
    ok: Option<&str>,
) -> Result<Html<String>, PageError> {
    let t = Tr(lang);
    let mut rows = Vec::new();
    for u in state.db.list_users().await? {
        let scope = match (&u.desa_code, &u.kecamatan_code) {
            (Some(d), _) => region_label(state, d).await,
            (None, Some(k)) => region_label(state, k).await,
            _ => "—".into(),
        };
        rows.push(UserRow {
            id: u.id,
            role_label: role_label(u.role, lang),
            username: u.username,
            full_name: u.full_name,
            scope,
            disabled: u.disabled,
        });
    }
    let mut desa_opts = vec![(String::new(), t.s("users.none").to_string())];
    let mut kec_opts = vec![(String::new(), t.s("users.none").to_string())];
    for k in &state.config.deployment.kecamatan {
        kec_opts.push((k.clone(), region_label(state, k).await));
        for d in state.db.region_children(k).await? {
            desa_opts.push((d.code.clone(), format!("{} ({})", d.name, d.code)));
        }
    }
    let mut role_opts = vec![(String::new(), t.s("users.choose").to_string())];
    role_opts.extend(
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), role_label(*r, lang).to_string())),
    );
    let err = |k: &str| errors.get(k).cloned();
    let fields = vec![
        Field {
            name: "username",
            label: t.s("login.username"),
            kind: "text",
            value: input.username.clone(),
            options: vec![],
            error: err("username"),
        },
        Field {
            name: "full_name",
            label: t.s("users.full_name"),
            kind: "text",
            value: input.full_name.clone(),
            options: vec![],
            error: err("full_name"),
        },
        Field {
            name: "role",
            label: t.s("users.role"),
            kind: "select",
            value: input.role.clone(),
            options: role_opts,
            error: err("role"),
        },
        Field {
            name: "desa_code",
            label: t.s("users.desa"),
            kind: "select",
            value: input.desa_code.clone(),
            options: desa_opts,
            error: err("desa_code"),
        },
        Field {
            name: "kecamatan_code",
            label: t.s("users.kecamatan"),
            kind: "select",
            value: input.kecamatan_code.clone(),
            options: kec_opts,
            error: err("kecamatan_code"),
        },
        Field {
            name: "password",
            label: t.s("login.password"),
            kind: "password",
            value: input.password.clone(),
            options: vec![],
            error: err("password"),
        },
    ];
    render(&UsersPage {
        l: layout(lang, Some(p), t.s("users.title"), "/admin/users", ok),
        users: rows,
        fields,
        errors,
    })
}

async fn users_page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ManageUsers, info.lang)?;
    users_page_render(
        &state,
        &p,
        info.lang,
        &UserInput::default(),
        FieldErrors::new(),
        q.ok.as_deref(),
    )
    .await
}

async fn users_create(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(input): Form<UserInput>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageUsers, info.lang)?;
    match users::create(&state.db, &state.config.deployment, &input, &p.actor(), state.now()).await? {
        Ok(_) => Ok(Redirect::to("/admin/users?ok=users.created").into_response()),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            users_page_render(&state, &p, info.lang, &input, errors, None).await?,
        )
            .into_response()),
    }
}

/// A refused form: the field at fault (its `name`), what to fix, and what was typed, by field
/// name, so the page can show it again under the field and lose nothing.
pub(crate) struct Refusal {
    pub field: &'static str,
    pub message: String,
    pub typed: Vec<(&'static str, String)>,
}

impl Refusal {
    pub fn new(field: &'static str, message: impl Into<String>, typed: Vec<(&'static str, String)>) -> Refusal {
        Refusal {
            field,
            message: message.into(),
            typed,
        }
    }

    /// The message, when it is about `field`.
    pub fn err(&self, field: &str) -> Option<&str> {
        (self.field == field).then_some(self.message.as_str())
    }

    /// What was typed into `field` (empty when nothing).
    pub fn value(&self, field: &str) -> &str {
        self.typed
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// "Are you sure?" before a destructive action; the action happens only on its POST.
#[derive(Template)]
#[template(path = "confirm.html")]
pub(crate) struct ConfirmPage {
    pub(crate) l: Layout,
    pub(crate) question: String,
    pub(crate) action: String,
    pub(crate) cancel: String,
}

#[derive(Deserialize)]
struct OpQuery {
    op: String,
}

async fn user_confirm(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<OpQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ManageUsers, info.lang)?;
    let u = state
        .db
        .user_by_id(id)
        .await?
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    let question = match (q.op.as_str(), info.lang) {
        ("disable", Lang::Id) => format!(
            "Nonaktifkan pengguna {}? Semua sesinya diakhiri dan token API-nya berhenti bekerja.",
            u.username
        ),
        ("disable", Lang::En) => format!(
            "Disable user {}? All their sessions end and their API tokens stop working.",
            u.username
        ),
        ("enable", Lang::Id) => format!("Aktifkan kembali pengguna {}?", u.username),
        ("enable", Lang::En) => format!("Enable user {} again?", u.username),
        ("logout", Lang::Id) => format!(
            "Akhiri semua sesi pengguna {}? Ia harus masuk lagi di semua perangkat.",
            u.username
        ),
        ("logout", Lang::En) => format!(
            "End all sessions of {}? They must log in again on every device.",
            u.username
        ),
        _ => return Err(PageError(AppError::NotFound, info.lang)),
    };
    render(&ConfirmPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("confirm.title"),
            "/admin/users",
            None,
        ),
        question,
        action: format!("/admin/users/{id}/{}", q.op),
        cancel: "/admin/users".into(),
    })
}

async fn user_op(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, op)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageUsers, info.lang)?;
    let u = state
        .db
        .user_by_id(id)
        .await?
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    let now = state.now();
    match op.as_str() {
        "disable" => {
            if u.id == p.user.id {
                return Err(PageError(
                    AppError::Invalid(
                        "Anda tidak bisa menonaktifkan akun Anda sendiri. Minta admin lain melakukannya.".into(),
                    ),
                    info.lang,
                ));
            }
            state.db.set_disabled(id, true, &p.actor(), now).await?;
        }
        "enable" => state.db.set_disabled(id, false, &p.actor(), now).await?,
        "logout" => {
            state.db.delete_user_sessions(id, &p.actor(), now).await?;
        }
        _ => return Err(PageError(AppError::NotFound, info.lang)),
    }
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
struct NewPasswordForm {
    #[serde(default)]
    password: String,
}

async fn user_password_set(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<NewPasswordForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageUsers, info.lang)?;
    let u = state
        .db
        .user_by_id(id)
        .await?
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    if let Err(msg) = users::set_password(&state.db, &u, &f.password, &p.actor(), state.now()).await? {
        let page = PasswordPage::reset(info.lang, &p, &u, Some(msg));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    Ok(Redirect::to("/admin/users?ok=users.password_set").into_response())
}

async fn user_password_form(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ManageUsers, info.lang)?;
    let u = state
        .db
        .user_by_id(id)
        .await?
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    render(&PasswordPage::reset(info.lang, &p, &u, None))
}

// ---------- SOP administration ----------

struct SopVersionRow {
    id: i64,
    sop_id: String,
    version: String,
    when: String,
    by: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "sop_admin.html")]
struct SopAdminPage {
    l: Layout,
    versions: Vec<SopVersionRow>,
    problems: Vec<String>,
    toml: String,
    activate: bool,
}

async fn sop_admin_render(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    toml: String,
    activate: bool,
    problems: Vec<String>,
    ok: Option<&str>,
) -> Result<Html<String>, PageError> {
    let versions = state
        .db
        .list_sops()
        .await?
        .into_iter()
        .map(|s| SopVersionRow {
            id: s.id,
            sop_id: s.sop_id,
            version: s.version,
            when: format_wib(s.loaded_at),
            by: s.loaded_by,
            active: s.active,
        })
        .collect();
    render(&SopAdminPage {
        l: layout(lang, Some(p), Tr(lang).s("sopadmin.title"), "/admin/sop", ok),
        versions,
        problems,
        toml,
        activate,
    })
}

#[derive(Deserialize, Default)]
struct SopAdminQuery {
    ok: Option<String>,
    /// A completed evaluation whose proposed standards prefill the form as a draft revision.
    evaluasi: Option<i64>,
}

async fn sop_admin(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<SopAdminQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ManageSop, info.lang)?;
    let draft = match q.evaluasi {
        Some(id) => crate::review_pages::draft_revision(&state, id)
            .await
            .map_err(|e| PageError(e, info.lang))?,
        None => String::new(),
    };
    // A draft is loaded as a new version, not made active until the admin says so.
    let activate = q.evaluasi.is_none();
    sop_admin_render(&state, &p, info.lang, draft, activate, vec![], q.ok.as_deref()).await
}

#[derive(Deserialize)]
struct SopForm {
    #[serde(default)]
    toml: String,
    activate: Option<String>,
}

async fn sop_admin_load(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<SopForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManageSop, info.lang)?;
    let activate = f.activate.is_some();
    let problems = match state.db.load_sop(&f.toml, activate, &p.actor(), state.now()).await {
        Ok(_) => return Ok(Redirect::to("/admin/sop?ok=sopadmin.loaded").into_response()),
        Err(jempol_store::StoreError::Invalid(m)) | Err(jempol_store::StoreError::Conflict(m)) => {
            m.lines().map(str::to_string).collect()
        }
        Err(e) => return Err(e.into()),
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        sop_admin_render(&state, &p, info.lang, f.toml, activate, problems, None).await?,
    )
        .into_response())
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
