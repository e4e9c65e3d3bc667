//! JSON API for child-protection cases: the same store calls, per-case confidentiality
//! and audit as the case pages.

use crate::AppState;
use crate::api::{check_csrf, require};
use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiErrorBody};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use mang_domain::access::{ManageSettings, ReportCase, ViewAggregates, ViewCases};
use mang_store::cases::{
    self, CaseCounts, CaseDetail, CaseFilter, CaseSummary, NewCase, NewReferral, ReferralRow,
};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list).post(create))
        .route("/cases/export", get(export))
        .route("/cases/{id}", get(detail))
        .route("/cases/{id}/steps", post(step))
        .route("/cases/{id}/assign", post(assign))
        .route("/cases/{id}/measures/{mid}", post(measure))
        .route("/cases/{id}/referrals", post(refer))
        .route("/case-referrals/inbox", get(inbox))
        .route("/case-referrals/{id}/decision", post(decide))
        .route("/case-settings", get(settings))
        .route("/case-settings/holidays", post(holiday))
        .route("/case-settings/limits", post(limit))
        .route("/units/{code}/case-counts", get(counts))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Cases the user may see, soonest deadline first, each masked by what the user may see
/// of it (`visibility`: `status`, `content`, `reporter`). The list view is audited.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseFilter),
    responses((status = 200, body = Vec<CaseSummary>), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn list(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(f): Query<CaseFilter>,
) -> Result<Json<Vec<CaseSummary>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    Ok(Json(cases::list(&st.store, &scoped, &f, now()).await?))
}

/// The case list as .xlsx, with content but never the reporter: province officers and
/// commune chairmen only (403 otherwise); every export is recorded in the audit log.
#[utoipa::path(get, path = "/api/v1/cases/export", params(CaseFilter),
    responses((status = 200, description = "the .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(f): Query<CaseFilter>,
) -> Result<axum::response::Response, ApiError> {
    let u = require(m)?;
    Ok(crate::cases_pages::export_xlsx(&st, &u.session.principal, &f).await?)
}

/// Record an intake (tiếp nhận thông tin). The legal clock starts at `received_at`.
#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCase,
    responses((status = 201, body = CaseDetail), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn create(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Json(input): Json<NewCase>,
) -> Result<(StatusCode, Json<CaseDetail>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    let id = cases::intake(&st.store, &p.scoped::<ReportCase>()?, &input, now()).await?;
    let d = cases::get(&st.store, &p.scoped::<ViewCases>()?, id, now()).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// One case as the user may see it, with the steps they may take now. Every read is
/// audited; a case the user may not see is 404.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn detail(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    Ok(Json(cases::get(&st.store, &scoped, id, now()).await?))
}

/// A step of the process with its form's fields (`step`: `verify`, `assess_initial`,
/// `apply_emergency`, `assess_specific`, `draft_plan`, `return_plan`, `approve_plan`,
/// `start_plan`, `review`, `close`, `reopen`; dates dd/mm/yyyy; plan rows as parallel
/// `m_*` lists) and the `version` the user saw.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepRequest {
    pub version: Option<i64>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub form: mang_domain::cases::RawStep,
}

/// Take a step. 422 with the reason (in Vietnamese) when the state machine or the form
/// refuses it; 409 on a stale version.
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", params(("id" = i64, Path)), request_body = StepRequest,
    responses((status = 200, body = CaseDetail), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn step(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<StepRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    cases::take_step(&st.store, &scoped, id, &req.form, req.version, now()).await?;
    Ok(Json(cases::get(&st.store, &scoped, id, now()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AssignRequest {
    pub user_id: i64,
}

/// Assign the case (the chairman), or take an unassigned one (a commune officer, with
/// their own id).
#[utoipa::path(post, path = "/api/v1/cases/{id}/assign", params(("id" = i64, Path)), request_body = AssignRequest,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn assign(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<AssignRequest>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    cases::assign(&st.store, &scoped, id, req.user_id, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MeasureUpdate {
    /// `planned`, `in_progress`, `done`, `cancelled`.
    pub status: String,
    #[serde(default)]
    pub progress: String,
}

/// Update the progress of a measure of the approved plan (the assigned worker).
#[utoipa::path(post, path = "/api/v1/cases/{id}/measures/{mid}", params(("id" = i64, Path), ("mid" = i64, Path)), request_body = MeasureUpdate,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn measure(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path((id, mid)): Path<(i64, i64)>,
    Json(req): Json<MeasureUpdate>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    cases::update_measure(
        &st.store,
        &scoped,
        id,
        mid,
        &req.status,
        &req.progress,
        now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refer the case to an agency or commune, or transfer it to the commune the child moved
/// to (the receiving unit accepts).
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", params(("id" = i64, Path)), request_body = NewReferral,
    responses((status = 201, body = i64), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn refer(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<NewReferral>,
) -> Result<(StatusCode, Json<i64>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    let fid = cases::refer(&st.store, &scoped, id, &req, now()).await?;
    Ok((StatusCode::CREATED, Json(fid)))
}

/// Pending referrals and transfers addressed to the user's commune.
#[utoipa::path(get, path = "/api/v1/case-referrals/inbox",
    responses((status = 200, body = Vec<ReferralRow>), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn inbox(
    State(st): State<AppState>,
    m: MaybeUser,
) -> Result<Json<Vec<ReferralRow>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    Ok(Json(cases::inbox(&st.store, &scoped).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub accept: bool,
    #[serde(default)]
    pub response: String,
}

/// Accept or decline a referral or transfer (a declined one needs a reason).
#[utoipa::path(post, path = "/api/v1/case-referrals/{id}/decision", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn decide(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<Decision>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ViewCases>()?;
    cases::decide(&st.store, &scoped, id, req.accept, &req.response, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holidays and time limits in force.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseSettings {
    #[schema(value_type = Vec<Object>)]
    pub holidays: Vec<mang_domain::calendar::SpecialDay>,
    #[schema(value_type = Vec<Object>)]
    pub limits: Vec<mang_domain::cases::Limit>,
}

/// The public-holiday calendar and the case time limits (each with its legal source).
#[utoipa::path(get, path = "/api/v1/case-settings",
    responses((status = 200, body = CaseSettings)))]
pub(crate) async fn settings(
    State(st): State<AppState>,
    m: MaybeUser,
) -> Result<Json<CaseSettings>, ApiError> {
    let _u = require(m)?;
    Ok(Json(CaseSettings {
        holidays: cases::holidays(&st.store).await?,
        limits: cases::limits(&st.store).await?.describe(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HolidayRequest {
    /// dd/mm/yyyy.
    pub date: String,
    /// `holiday`, `workday` (make-up working day), or empty to remove the date.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

/// Admin: add, change or remove a holiday or make-up working day; open cases' deadlines
/// are recomputed.
#[utoipa::path(post, path = "/api/v1/case-settings/holidays", request_body = HolidayRequest,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn holiday(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Json(req): Json<HolidayRequest>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ManageSettings>()?;
    cases::set_holiday(&st.store, &scoped, &req.date, &req.kind, &req.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LimitRequest {
    /// `initial_hours`, `emergency_hours`, `plan_working_days`, `approval_working_days`,
    /// `near_hours`.
    pub key: String,
    pub value: String,
}

/// Admin: change a time limit (local procedures shorten them).
#[utoipa::path(post, path = "/api/v1/case-settings/limits", request_body = LimitRequest,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn limit(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Json(req): Json<LimitRequest>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ManageSettings>()?;
    cases::set_limit(&st.store, &scoped, &req.key, &req.value).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// dd/mm/yyyy or yyyy-mm-dd, inclusive.
    pub from: String,
    pub to: String,
}

/// Indicator input: cases received in the period in the unit, distinct children with a
/// case, and those whose case kept every time limit (no personal data).
#[utoipa::path(get, path = "/api/v1/units/{code}/case-counts", params(("code" = String, Path), Period),
    responses((status = 200, body = CaseCounts), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn counts(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<Period>,
) -> Result<Json<CaseCounts>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    let date = |s: &str, field: &'static str| {
        mang_domain::registry::parse_date(s).ok_or(mang_store::StoreError::Invalid {
            field,
            message: "Ngày không hợp lệ (dạng dd/mm/yyyy)".into(),
        })
    };
    let (from, to) = (date(&q.from, "from")?, date(&q.to, "to")?);
    Ok(Json(
        cases::counts(&st.store, &unit.path(), from, to, now()).await?,
    ))
}
