//! The JSON API under `/api/v1`: same sessions (cookie or bearer token) and the same
//! domain authorisation as the pages. Its OpenAPI document is generated from this file,
//! committed as `openapi.json` and served at `/api/openapi.json`.

use crate::AppState;
use crate::auth::{self, MaybeUser, SignedIn};
use crate::error::{ApiError, ApiErrorBody};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use mang_domain::access::{
    EditChildRecord, ManageUnits, ManageUsers, Role, ViewAggregates, ViewAudit, ViewChildRecord,
};
use mang_domain::units::UnitCode;
use mang_store::audit::{self, AuditRow};
use mang_store::registry::{
    self, Child, ChildEdit, ChildFilter, ChildPage, ChildSummary, Household, PovertyYear,
};
use mang_store::units::{self, Unit, UnitCounts};
use mang_store::users::{self, LoginOutcome, NewUser, User};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/token", post(create_token).delete(delete_token))
        .route("/me", get(me))
        .route("/units/{code}", get(unit))
        .route("/units/{code}/villages", post(add_village))
        .route("/children", get(list_children))
        .route("/children/{id}", get(get_child).patch(edit_child))
        .route(
            "/households/{id}",
            get(get_household).patch(crate::household_api::update),
        )
        .route("/households/{id}/children", post(add_child))
        .route(
            "/children/{id}/circumstances",
            get(list_circumstances).post(add_circumstance),
        )
        .route("/circumstances/{id}/end", post(end_circumstance))
        .route("/children/{id}/verify", post(verify_child))
        .route("/units/{code}/quality", get(unit_quality))
        .route("/merges/preview", get(merge_preview))
        .route("/merges", post(merge_children))
        .route("/merges/{id}/undo", post(undo_merge))
        .route("/children/{id}/merges", get(child_merges))
        .route("/users", get(list_users).post(create_user))
        .route("/audit", get(list_audit))
        .route("/registry/import", post(crate::exchange::api_import))
        .route("/registry/export", get(crate::exchange::api_export))
        .merge(crate::life_api::routes())
        .merge(crate::household_api::routes())
        .merge(crate::health_api::routes())
        .merge(crate::cases_api::routes())
        .merge(crate::indicator_pages::api_routes())
        .merge(crate::site_pages::api_routes())
        .merge(crate::benefit_pages::api_routes())
        .merge(crate::activity_pages::api_routes())
        .merge(crate::facility_pages::api_routes())
        .merge(crate::plan_pages::api_routes())
        .merge(crate::report_pages::api_routes())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Măng API", version = "1", description = "API JSON của Măng — hệ thống thông tin chăm sóc, bảo vệ trẻ em. Mọi yêu cầu (trừ lấy token) cần `Authorization: Bearer <token>` hoặc cookie phiên; quyền và phạm vi đơn vị giống hệt giao diện web."),
    paths(create_token, delete_token, me, unit, add_village, list_children, get_child, edit_child, get_household, add_child, list_circumstances, add_circumstance, end_circumstance, verify_child, unit_quality, crate::exchange::api_import, crate::exchange::api_export, crate::life_api::list_events, crate::life_api::add_event, crate::life_api::list_caregivers, crate::life_api::add_caregiver, crate::life_api::end_caregiver, crate::life_api::verify_id, crate::life_api::name_parts, crate::household_api::list, crate::household_api::create, crate::household_api::update, crate::household_api::book, crate::health_api::child_immunization, crate::health_api::record_dose, crate::health_api::due_list, crate::health_api::child_injuries, crate::health_api::record_child_injury, crate::health_api::unit_injuries, crate::health_api::record_unit_injury, crate::health_api::child_measurements, crate::health_api::record_measurement, crate::health_api::assess, crate::health_api::record_child_death, crate::health_api::unit_deaths, crate::health_api::record_unit_death, crate::health_api::child_birth, crate::health_api::record_birth, crate::health_api::record_birth_with_child, crate::health_api::child_checks, crate::health_api::record_check, crate::health_api::health_summary, list_users, create_user, list_audit, merge_preview, merge_children, undo_merge, child_merges, crate::cases_api::list, crate::cases_api::export, crate::cases_api::create, crate::cases_api::detail, crate::cases_api::step, crate::cases_api::assign, crate::cases_api::measure, crate::cases_api::refer, crate::cases_api::inbox, crate::cases_api::decide, crate::cases_api::settings, crate::cases_api::holiday, crate::cases_api::limit, crate::cases_api::counts, crate::indicator_pages::api_board, crate::indicator_pages::api_indicator, crate::indicator_pages::api_exchange, crate::indicator_pages::api_aggregates, crate::indicator_pages::api_save, crate::indicator_pages::api_approve, crate::site_pages::api_list, crate::site_pages::api_create, crate::site_pages::api_get, crate::site_pages::api_inspect, crate::site_pages::api_export, crate::site_pages::api_import, crate::benefit_pages::api_reconcile, crate::benefit_pages::api_pay, crate::benefit_pages::api_export, crate::benefit_pages::api_import, crate::activity_pages::api_list, crate::activity_pages::api_create, crate::activity_pages::api_export, crate::activity_pages::api_import, crate::facility_pages::api_list, crate::facility_pages::api_export, crate::facility_pages::api_import, crate::plan_pages::api_list, crate::plan_pages::api_get, crate::plan_pages::api_create_sub_plan, crate::plan_pages::api_my_tasks, crate::plan_pages::api_task, crate::plan_pages::api_update_task, crate::plan_pages::api_issue, crate::plan_pages::api_docx, crate::report_pages::api_docx, crate::report_pages::api_xlsx, crate::report_pages::api_schedules, crate::report_pages::api_completeness, crate::report_pages::api_open, crate::report_pages::api_get, crate::report_pages::api_content, crate::report_pages::api_act),
    components(schemas(ApiErrorBody, TokenRequest, TokenResponse, Me, Unit, UnitCounts, UnitDetail, NewVillage, ChildSummary, ChildPage, Child, ChildEdit, Household, crate::error::FieldErrorBody, mang_store::import::ImportReport, mang_store::circumstances::ChildCircumstance, mang_store::circumstances::NewCircumstance, mang_store::circumstances::EndCircumstance, VerifyRequest, mang_store::registry::QualityCheck, mang_store::registry::QualityItem, mang_store::life::ChildEvent, mang_store::life::NewEvent, mang_store::life::ChildCaregiver, mang_store::life::NewCaregiver, mang_store::life::NameSplit, mang_store::households::HouseholdSummary, mang_store::households::HouseholdPage, mang_store::households::HouseholdInput, mang_store::households::HouseholdBook, mang_store::households::BookChild, mang_store::immunization::ChildImmunization, mang_store::immunization::DoseRow, mang_store::immunization::NewDose, mang_store::immunization::DueChild, mang_store::injuries::InjuryRow, mang_store::injuries::NewInjury, mang_store::growth::MeasurementRow, mang_store::growth::NewMeasurement, mang_store::growth::Z, mang_store::deaths::NewDeath, mang_store::deaths::DeathList, mang_store::deaths::DeathRow, mang_store::births::NewBirth, mang_store::births::NewBirthWithChild, mang_store::births::BirthRecord, mang_store::checks::NewCheck, mang_store::checks::CheckRow, mang_store::checks::HealthSummary, mang_store::checks::FollowUp, mang_store::import::RowError, PovertyYear, User, NewUserRequest, AuditRow, mang_store::merge::FieldChoice, mang_store::merge::MergePreview, mang_store::merge::MergeRequest, mang_store::merge::MergeRecord, mang_store::merge::MergeOutcome, mang_store::merge::UndoOutcome, mang_store::cases::CaseSummary, mang_store::cases::CaseDetail, mang_store::cases::CaseFilter, mang_store::cases::NewCase, mang_store::cases::NewReferral, mang_store::cases::ReferralRow, mang_store::cases::CaseChildRow, mang_store::cases::TimelineEntry, mang_store::cases::MeasureRow, mang_store::cases::Reporter, mang_store::cases::CaseCounts, crate::cases_api::StepRequest, crate::cases_api::AssignRequest, crate::cases_api::MeasureUpdate, crate::cases_api::Decision, crate::cases_api::CaseSettings, crate::cases_api::HolidayRequest, crate::cases_api::LimitRequest, mang_store::scorecard::Board, mang_store::scorecard::Figure, mang_store::scorecard::SubunitRow, crate::indicator_pages::IndicatorDetail, mang_store::aggregates::AggregateRow, mang_store::aggregates::AggregateInput, crate::indicator_pages::ApproveRequest, mang_store::sites::NewSite, mang_store::sites::NewInspection, mang_store::sites::SiteRow, mang_store::sites::InspectionRow, mang_store::sites::SiteList, crate::site_pages::SiteDetail, mang_store::benefits::NewPayment, mang_store::benefits::Line, mang_store::benefits::Reconciliation, mang_store::activities::NewActivity, mang_store::activities::ActivityRow, mang_store::facilities::FacilityRow, mang_store::facilities::NewFacility, mang_store::plans::PlanRow, mang_store::plans::PlanView, mang_store::plans::TaskRow, mang_store::plans::TaskView, mang_store::plans::TaskUpdateRow, mang_store::plans::SubPlanStatus, mang_store::plans::NewSubPlan, mang_store::reports::ScheduleRow, mang_store::reports::ReportRow, mang_store::reports::EventRow, mang_store::reports::ReportContent, mang_store::reports::ContentTable, mang_store::reports::Consolidation, mang_store::reports::CompletenessCounts, mang_store::reports::SubunitStatus, mang_store::reports::ActInput, mang_store::reports::Reminder, crate::report_pages::ScheduleLine, crate::report_pages::CompletenessView, crate::plan_pages::IssueRequest, crate::plan_pages::MyTask, mang_store::register_exchange::RegisterImport)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The OpenAPI document, pretty-printed (what `mang export-openapi` prints and `openapi.json` holds).
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

pub async fn openapi_handler() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

pub(crate) fn require(m: MaybeUser) -> Result<SignedIn, ApiError> {
    m.0.ok_or_else(ApiError::unauthorized)
}

/// State-changing calls made with the session cookie must carry the session's CSRF token in
/// `X-CSRF-Token`; bearer-token calls need not (browsers never send them by themselves).
pub(crate) fn check_csrf(u: &SignedIn, headers: &HeaderMap) -> Result<(), ApiError> {
    if !u.via_cookie {
        return Ok(());
    }
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth::same_token(sent, &u.session.csrf_token) {
        Ok(())
    } else {
        Err(ApiError::msg(
            StatusCode::FORBIDDEN,
            mang_domain::vi::CSRF_FAILED,
        ))
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_in_seconds: i64,
}

/// Log in and receive a bearer token (a server-side session).
#[utoipa::path(post, path = "/api/v1/auth/token", request_body = TokenRequest, security(()),
    responses((status = 200, body = TokenResponse), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
async fn create_token(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let keys = auth::throttle_keys(&req.username, Some(addr));
    if st.throttle.is_blocked(&keys) {
        return Err(ApiError::msg(
            StatusCode::TOO_MANY_REQUESTS,
            mang_domain::vi::LOGIN_THROTTLED,
        ));
    }
    match users::login(&st.store, &req.username, &req.password).await? {
        LoginOutcome::Ok(_, token) => {
            st.throttle.clear(&keys[..1]);
            Ok(Json(TokenResponse {
                token,
                expires_in_seconds: users::SESSION_HOURS * 3600,
            }))
        }
        LoginOutcome::Failed => {
            st.throttle.record_failure(&keys);
            Err(ApiError::msg(
                StatusCode::UNAUTHORIZED,
                mang_domain::vi::LOGIN_FAILED,
            ))
        }
    }
}

/// End the current session (log out).
#[utoipa::path(delete, path = "/api/v1/auth/token", responses((status = 204), (status = 401, body = ApiErrorBody)))]
async fn delete_token(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    users::logout(&st.store, &u.token, &u.session.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    pub unit_code: String,
    pub unit_name: String,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ApiErrorBody)))]
async fn me(m: MaybeUser) -> Result<Json<Me>, ApiError> {
    let u = require(m)?;
    let p = &u.session.principal;
    Ok(Json(Me {
        user_id: p.user_id,
        username: p.username.clone(),
        display_name: u.session.display_name.clone(),
        role: p.role.as_str().into(),
        role_label: p.role.label_vi().into(),
        unit_code: p.unit.to_string(),
        unit_name: u.session.unit_name.clone(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnitDetail {
    pub unit: Unit,
    pub children: i64,
    pub households: i64,
    pub subunits: Vec<UnitCounts>,
}

/// A unit in the caller's scope with aggregate counts for it and its sub-units.
#[utoipa::path(get, path = "/api/v1/units/{code}", params(("code" = String, Path, description = "Mã đơn vị")),
    responses((status = 200, body = UnitDetail), (status = 404, body = ApiErrorBody)))]
async fn unit(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Json<UnitDetail>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = units::get_scoped(&st.store, &scoped, &code).await?;
    let subunits = units::subunits_with_counts(&st.store, &scoped, &unit).await?;
    let (children, households) = units::totals(&st.store, &unit).await?;
    Ok(Json(UnitDetail {
        unit,
        children,
        households,
        subunits,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewVillage {
    /// e.g. "Thôn Đông Hà", "Tổ dân phố 5"
    pub name: String,
}

/// Add a village / residential group under a commune.
#[utoipa::path(post, path = "/api/v1/units/{code}/villages", request_body = NewVillage,
    params(("code" = String, Path, description = "Mã xã, phường, đặc khu")),
    responses((status = 201, body = Unit), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn add_village(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewVillage>,
) -> Result<(StatusCode, Json<Unit>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<ViewAggregates>()?;
    let commune = units::get_scoped(&st.store, &scoped, &code).await?;
    let grant = p.authorize::<ManageUnits>(&commune.path())?;
    let v = units::add_village(&st.store, &grant, &commune, &req.name).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Children in the caller's scope (50 per page; personal ID numbers masked). Audited.
#[utoipa::path(get, path = "/api/v1/children", params(ChildFilter),
    responses((status = 200, body = ChildPage), (status = 403, body = ApiErrorBody)))]
async fn list_children(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(f): Query<ChildFilter>,
) -> Result<Json<ChildPage>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    Ok(Json(registry::list_children(&st.store, &scoped, &f).await?))
}

/// One child's record. Audited.
#[utoipa::path(get, path = "/api/v1/children/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_child(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Child>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    Ok(Json(registry::get_child(&st.store, &scoped, id).await?))
}

/// Today's date, the reference for the registry rules (no birth dates in the future…).
/// Today in Vietnam (UTC+7): the date every form, list and deadline of Măng means. (A UTC
/// date here refused, between 00:00 and 07:00, a dose given "today" as a future date.)
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date()
}

/// Edit a child's record: send `version` and only the fields to change (same names and
/// formats as the import columns, e.g. `"birth_date": "05/02/2015"`). 409 when the stored
/// version is newer; 422 lists every rejected field.
#[utoipa::path(patch, path = "/api/v1/children/{id}", params(("id" = i64, Path)), request_body = ChildEdit,
    responses((status = 200, body = Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn edit_child(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(edit): Json<ChildEdit>,
) -> Result<Json<Child>, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    Ok(Json(
        registry::update_child(&st.store, &scoped, id, &edit, today()).await?,
    ))
}

/// Add a child to a household. Body: the child's fields as text (`full_name`, `sex`
/// (Nam/Nữ), `birth_date` (dd/mm/yyyy), `personal_id`, `ethnicity`, `nationality`,
/// `birth_registered`, `insurance_card`, `insurance_valid_to`, `disability_type`,
/// `disability_severity`, `school_status`, `id_override_reason`).
#[utoipa::path(post, path = "/api/v1/households/{id}/children", params(("id" = i64, Path)),
    request_body(content = Object, description = "Các trường của hồ sơ trẻ em, dạng văn bản"),
    responses((status = 201, body = Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn add_child(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(raw): Json<mang_domain::registry::RawChild>,
) -> Result<(StatusCode, Json<Child>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let c = registry::create_child(&st.store, &scoped, id, &raw, today()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// A household with its children and poverty status by year. Audited.
#[utoipa::path(get, path = "/api/v1/households/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Household), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_household(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Household>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    Ok(Json(registry::get_household(&st.store, &scoped, id).await?))
}

/// Users whose unit is in the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = Vec<User>), (status = 403, body = ApiErrorBody)))]
async fn list_users(State(st): State<AppState>, m: MaybeUser) -> Result<Json<Vec<User>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ManageUsers>()?;
    Ok(Json(users::list(&st.store, &scoped).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    pub password: String,
    /// admin, province_officer, commune_officer, collaborator, health_worker, police, school, leader, auditor
    pub role: String,
    pub unit_code: String,
}

/// Create a user inside the caller's scope.
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserRequest,
    responses((status = 201, body = User), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_user(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Json(req): Json<NewUserRequest>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<ManageUsers>()?;
    let role = Role::parse(&req.role)
        .ok_or_else(|| ApiError::bad_request("role", "Vai trò không hợp lệ"))?;
    let unit = UnitCode::parse(&req.unit_code)
        .map_err(|e| ApiError::bad_request("unit_code", e.to_string()))?;
    let user = users::create(
        &st.store,
        Some(&scoped),
        NewUser {
            username: req.username,
            display_name: req.display_name,
            password: req.password,
            role,
            unit,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Entries with a sequence number below this (paging backwards).
    pub before: Option<i64>,
}

/// Newest audit entries in the caller's scope (100 per page).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditRow>), (status = 403, body = ApiErrorBody)))]
async fn list_audit(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditRow>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewAudit>()?;
    Ok(Json(audit::list(&st.store, &scoped, q.before, 100).await?))
}

/// A child's special circumstances and risk factors (open ones first).
#[utoipa::path(get, path = "/api/v1/children/{id}/circumstances", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<mang_store::circumstances::ChildCircumstance>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn list_circumstances(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<mang_store::circumstances::ChildCircumstance>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    // Reading the child first scopes and audits the access.
    registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(
        mang_store::circumstances::of_child(&st.store, &scoped, id).await?,
    ))
}

/// Record a special circumstance (Luật Trẻ em Art. 10) or a risk factor; codes in `data/circumstances.csv`.
#[utoipa::path(post, path = "/api/v1/children/{id}/circumstances", params(("id" = i64, Path)), request_body = mang_store::circumstances::NewCircumstance,
    responses((status = 201, body = mang_store::circumstances::ChildCircumstance), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn add_circumstance(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<mang_store::circumstances::NewCircumstance>,
) -> Result<
    (
        StatusCode,
        Json<mang_store::circumstances::ChildCircumstance>,
    ),
    ApiError,
> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let c = mang_store::circumstances::add(&st.store, &scoped, id, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// End a circumstance (with its end date and reason); records are never deleted.
#[utoipa::path(post, path = "/api/v1/circumstances/{id}/end", params(("id" = i64, Path)), request_body = mang_store::circumstances::EndCircumstance,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn end_circumstance(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<mang_store::circumstances::EndCircumstance>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    mang_store::circumstances::end(&st.store, &scoped, id, &input, today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// `check` (kiểm tra), `recheck` (phúc tra) or `request_correction` (yêu cầu chỉnh sửa).
    pub step: String,
    /// Required for `request_correction`.
    #[serde(default)]
    pub note: String,
}

/// Take a verification step on a child's record (QĐ 3978/QĐ-BYT). 409 when the role or
/// the record's current step does not allow it.
#[utoipa::path(post, path = "/api/v1/children/{id}/verify", params(("id" = i64, Path)), request_body = VerifyRequest,
    responses((status = 200, body = Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn verify_child(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<VerifyRequest>,
) -> Result<Json<Child>, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let step = mang_domain::verification::Step::parse(&req.step)
        .ok_or_else(|| ApiError::bad_request("step", "Bước kiểm tra không hợp lệ"))?;
    Ok(Json(
        registry::verify(&st.store, &scoped, id, step, &req.note).await?,
    ))
}

/// Data-quality checks of a commune or village (counts and the first 100 records each). Audited.
#[utoipa::path(get, path = "/api/v1/units/{code}/quality", params(("code" = String, Path)),
    responses((status = 200, body = Vec<mang_store::registry::QualityCheck>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn unit_quality(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<mang_store::registry::QualityCheck>>, ApiError> {
    let u = require(m)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<ViewChildRecord>()?;
    let unit = units::get_scoped(&st.store, &p.scoped::<ViewAggregates>()?, &code).await?;
    Ok(Json(
        registry::quality(&st.store, &scoped, &unit, today()).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct MergePair {
    /// The record to keep.
    pub keep: i64,
    /// The record to merge into it.
    pub other: i64,
}

/// Review a merge of two records of the same child: both records and the fields that
/// differ, with what the kept record takes by default. Needs the right to edit both; the
/// views are audited. 409 when the two can never be merged (same record, not active,
/// different communes).
#[utoipa::path(get, path = "/api/v1/merges/preview", params(MergePair),
    responses((status = 200, body = mang_store::merge::MergePreview), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn merge_preview(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<MergePair>,
) -> Result<Json<mang_store::merge::MergePreview>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    Ok(Json(
        mang_store::merge::merge_preview(&st.store, &scoped, q.keep, q.other).await?,
    ))
}

/// Merge `other_id` into `keep_id` in one transaction: the kept record takes the chosen
/// values (checked like an edit), the other's circumstances move to it, the other is marked
/// `merged` (gone from lists and counts), both are audited. 409 when a version is stale or
/// the pair cannot be merged; 422 lists rejected fields (a reason is required).
#[utoipa::path(post, path = "/api/v1/merges", request_body = mang_store::merge::MergeRequest,
    responses((status = 201, body = mang_store::merge::MergeOutcome), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn merge_children(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Json(req): Json<mang_store::merge::MergeRequest>,
) -> Result<(StatusCode, Json<mang_store::merge::MergeOutcome>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let out = mang_store::merge::merge(&st.store, &scoped, &req, today()).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Undo a merge: the kept record's values from before the merge, the merged record active
/// again with its circumstances, both audited. 409 once undone, or when the kept record was
/// changed after the merge.
#[utoipa::path(post, path = "/api/v1/merges/{id}/undo", params(("id" = i64, Path)),
    responses((status = 200, body = mang_store::merge::UndoOutcome), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn undo_merge(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<mang_store::merge::UndoOutcome>, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    Ok(Json(
        mang_store::merge::undo_merge(&st.store, &scoped, id).await?,
    ))
}

/// The merges a child took part in (kept or merged into another), newest first.
#[utoipa::path(get, path = "/api/v1/children/{id}/merges", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<mang_store::merge::MergeRecord>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn child_merges(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<mang_store::merge::MergeRecord>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    // Reading the child first scopes and audits the access.
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(
        mang_store::merge::merges_of_child(&st.store, &scoped, &c).await?,
    ))
}
