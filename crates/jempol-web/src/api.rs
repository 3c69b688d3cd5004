//! The JSON API under `/api/v1`, authenticated by Bearer tokens (`jempol token create`).
//! Routes and their OpenAPI description are registered together (utoipa-axum), so the
//! document at `/api/v1/openapi.json` always matches the routes.

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use jempol_core::sop::{SopDefinition, TimeStandard};
use jempol_core::{Action, Role, Scope};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Jempol API", description = "Jemput Bola Perekaman E-KTP. Authenticate with `Authorization: Bearer <token>` (create one with `jempol token create`). Errors are `{\"error\": code, \"message\": text}`; messages are in Indonesian."),
    modifiers(&BearerAuth),
    components(schemas(ApiError))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Every API error.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// Stable code: unauthenticated, forbidden, not_found, invalid, conflict, internal.
    pub error: String,
    /// What to do, in Indonesian.
    pub message: String,
}

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(get_sop))
        .routes(routes!(get_me))
        .routes(routes!(list_users))
        .routes(routes!(list_audit))
        .routes(routes!(get_region))
        .routes(routes!(check_submission))
        .routes(routes!(create_submission))
        .routes(routes!(openapi_json))
}

/// The OpenAPI document, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

#[derive(Serialize, ToSchema)]
pub struct StepStandard {
    pub no: u32,
    pub key: String,
    /// The standard in working minutes (a working day counted as 450 minutes).
    pub working_minutes: u64,
    pub standard: TimeStandard,
}

#[derive(Serialize, ToSchema)]
pub struct SopResponse {
    /// Id of the stored revision; cases record it.
    pub revision_id: i64,
    pub definition: SopDefinition,
    /// The Mutu Baku times, parsed.
    pub standards: Vec<StepStandard>,
}

/// Minutes in an ASN working day (37.5 h over five days).
pub const WORKING_DAY_MINUTES: u32 = 450;

/// The active SOP definition.
#[utoipa::path(get, path = "/api/v1/sop", tag = "sop", security(("bearer" = [])),
    responses((status = 200, body = SopResponse), (status = 401, body = ApiError)))]
async fn get_sop(State(state): State<AppState>, p: Principal) -> Result<Json<SopResponse>, AppError> {
    p.require(Action::ViewSop)?;
    let (stored, def) = state.db.active_sop().await?;
    let standards = def
        .steps
        .iter()
        .map(|s| StepStandard {
            no: s.no,
            key: s.key.clone(),
            working_minutes: s.standard().working_minutes(WORKING_DAY_MINUTES),
            standard: s.standard(),
        })
        .collect();
    Ok(Json(SopResponse {
        revision_id: stored.id,
        definition: def,
        standards,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub desa_code: Option<String>,
    pub kecamatan_code: Option<String>,
    pub scope: Scope,
    /// Actions this user may take.
    pub actions: Vec<Action>,
}

/// Who the token acts as, with scope and permitted actions.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ApiError)))]
async fn get_me(p: Principal) -> Json<Me> {
    Json(Me {
        id: p.user.id,
        username: p.user.username.clone(),
        full_name: p.user.full_name.clone(),
        role: p.user.role,
        desa_code: p.user.desa_code.clone(),
        kecamatan_code: p.user.kecamatan_code.clone(),
        actions: Action::ALL.into_iter().filter(|a| p.can(*a)).collect(),
        scope: p.scope,
    })
}

#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub desa_code: Option<String>,
    pub kecamatan_code: Option<String>,
    pub disabled: bool,
}

/// All users (admin only).
#[utoipa::path(get, path = "/api/v1/users", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Vec<UserSummary>), (status = 403, body = ApiError)))]
async fn list_users(State(state): State<AppState>, p: Principal) -> Result<Json<Vec<UserSummary>>, AppError> {
    p.require(Action::ManageUsers)?;
    Ok(Json(
        state
            .db
            .list_users()
            .await?
            .into_iter()
            .map(|u| UserSummary {
                id: u.id,
                username: u.username,
                full_name: u.full_name,
                role: u.role,
                desa_code: u.desa_code,
                kecamatan_code: u.kecamatan_code,
                disabled: u.disabled,
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// Part of the actor's name.
    pub actor: Option<String>,
    /// Part of the action, e.g. `user.`.
    pub action: Option<String>,
    pub entity: Option<String>,
    /// Entries at or after this time (UTC milliseconds).
    pub from_ms: Option<i64>,
    /// Entries before this time (UTC milliseconds).
    pub until_ms: Option<i64>,
    /// Keyset paging: entries with a smaller id.
    pub before_id: Option<i64>,
    /// At most 500; default 100.
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// JSON text of the record before the change.
    pub before: Option<String>,
    /// JSON text of the record after the change.
    pub after: Option<String>,
    pub ip: Option<String>,
}

/// The audit log, newest first (Camat and admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditRecord>), (status = 403, body = ApiError)))]
async fn list_audit(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AuditParams>,
) -> Result<Json<Vec<AuditRecord>>, AppError> {
    p.require(Action::ViewAudit)?;
    let f = jempol_store::audit::AuditFilter {
        actor: q.actor,
        action: q.action,
        entity: q.entity,
        from_ms: q.from_ms,
        until_ms: q.until_ms,
        before_id: q.before_id,
        record: None,
        limit: q.limit.unwrap_or(100).min(500),
    };
    Ok(Json(
        state
            .db
            .audit_entries(&f)
            .await?
            .into_iter()
            .map(|e| AuditRecord {
                id: e.id,
                at: e.at,
                actor_id: e.actor_id,
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                before: e.before,
                after: e.after,
                ip: e.ip,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RegionInfo {
    pub code: String,
    pub name: String,
    pub level: i64,
    pub kind: String,
    pub parent_code: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// The regions directly under this one.
    pub children: Vec<RegionChild>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionChild {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

/// A region by its Kemendagri code (e.g. `35.19.02`), with the regions directly under it.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", params(("code" = String, Path, description = "Dotted Kemendagri code")), security(("bearer" = [])),
    responses((status = 200, body = RegionInfo), (status = 404, body = ApiError)))]
async fn get_region(
    State(state): State<AppState>,
    _p: Principal,
    Path(code): Path<String>,
) -> Result<Json<RegionInfo>, AppError> {
    let r = state.db.region(&code).await?.ok_or(AppError::NotFound)?;
    let children = state
        .db
        .region_children(&code)
        .await?
        .into_iter()
        .map(|c| RegionChild {
            code: c.code,
            name: c.name,
            kind: c.kind,
            lat: c.lat,
            lng: c.lng,
        })
        .collect();
    Ok(Json(RegionInfo {
        code: r.code,
        name: r.name,
        level: r.level,
        kind: r.kind,
        parent_code: r.parent_code,
        lat: r.lat,
        lng: r.lng,
        children,
    }))
}

/// A file's bytes, sent as the request body.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBody(pub Vec<u8>);

#[derive(Deserialize, IntoParams)]
pub struct UploadParams {
    /// The file's name; its extension says the format (.xlsx, .xls, .ods, .csv).
    #[serde(default)]
    pub file_name: String,
}

/// The file's name says its format: it must be given (checked after the caller's role, so a
/// role without the right is refused as such whatever it sends).
fn named(q: &UploadParams) -> Result<(), AppError> {
    if q.file_name.trim().is_empty() {
        return Err(AppError::Invalid(
            "Sebutkan nama berkasnya, misalnya ?file_name=daftar.xlsx: ekstensinya menentukan cara membacanya.".into(),
        ));
    }
    Ok(())
}

/// The village operator's desa, checked against the deployment.
async fn own_desa(state: &AppState, p: &Principal) -> Result<jempol_store::regions::Region, AppError> {
    p.require(Action::SubmitResidents)?;
    let code = p.user.desa_code.as_deref().ok_or(AppError::Forbidden)?;
    crate::intake::check_desa(&state.db, &state.config.deployment, code).await
}

/// Checks a village list (SOP step 1) without saving: the same row-by-row report as the upload
/// page and `jempol import-residents --json`.
#[utoipa::path(post, path = "/api/v1/submissions/check", tag = "submissions", params(UploadParams),
    request_body(content = FileBody, content_type = "application/octet-stream", description = "The file as uploaded"),
    security(("bearer" = [])),
    responses((status = 200, body = crate::intake::IntakeReport), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn check_submission(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<UploadParams>,
    body: axum::body::Bytes,
) -> Result<Json<crate::intake::IntakeReport>, AppError> {
    own_desa(&state, &p).await?;
    named(&q)?;
    let today = crate::clock::today_wib(state.now());
    Ok(Json(
        crate::intake::check_file(&state.db, &q.file_name, &body, today).await?,
    ))
}

/// Checks a village list and sends it as the desa's submission (SOP step 1). Refused with 422
/// when no row can be saved; nothing is saved then.
#[utoipa::path(post, path = "/api/v1/submissions", tag = "submissions", params(UploadParams),
    request_body(content = FileBody, content_type = "application/octet-stream", description = "The file as uploaded"),
    security(("bearer" = [])),
    responses((status = 201, body = crate::intake::IntakeReport), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn create_submission(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<UploadParams>,
    body: axum::body::Bytes,
) -> Result<(axum::http::StatusCode, Json<crate::intake::IntakeReport>), AppError> {
    let desa = own_desa(&state, &p).await?;
    named(&q)?;
    let today = crate::clock::today_wib(state.now());
    let mut report = crate::intake::check_file(&state.db, &q.file_name, &body, today).await?;
    crate::intake::send(
        &state.db,
        &desa,
        "api",
        Some(&q.file_name),
        &mut report,
        &p.actor(),
        state.now(),
    )
    .await?;
    Ok((axum::http::StatusCode::CREATED, Json(report)))
}
