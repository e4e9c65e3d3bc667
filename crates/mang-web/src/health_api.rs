//! JSON API for health records (issue "Child health"), so far immunisation; the same
//! store calls, authorisation and audit as the pages.

use crate::AppState;
use crate::api::{check_csrf, require, today};
use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiErrorBody};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use mang_domain::access::{RecordHealthData, ViewChildRecord};
use mang_store::births::{self, BirthRecord, NewBirth, NewBirthWithChild};
use mang_store::checks::{self, CheckRow, HealthSummary, NewCheck};
use mang_store::deaths::{self, DeathList, NewDeath};
use mang_store::growth::{self, MeasurementRow, NewMeasurement};
use mang_store::immunization::{self, ChildImmunization, DueChild, NewDose};
use mang_store::injuries::{self, InjuryRow, NewInjury};
use mang_store::registry;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children/{id}/immunization", get(child_immunization))
        .route("/children/{id}/doses", post(record_dose))
        .route("/units/{code}/immunization-due", get(due_list))
        .route(
            "/children/{id}/injuries",
            get(child_injuries).post(record_child_injury),
        )
        .route(
            "/units/{code}/injuries",
            get(unit_injuries).post(record_unit_injury),
        )
        .route(
            "/children/{id}/measurements",
            get(child_measurements).post(record_measurement),
        )
        .route("/growth/assess", get(assess))
        .route("/children/{id}/death", post(record_child_death))
        .route("/children/{id}/birth", get(child_birth).post(record_birth))
        .route("/households/{id}/births", post(record_birth_with_child))
        .route(
            "/children/{id}/checks",
            get(child_checks).post(record_check),
        )
        .route("/units/{code}/health-summary", get(health_summary))
        .route(
            "/units/{code}/deaths",
            get(unit_deaths).post(record_unit_death),
        )
}

/// A child's periodic health checks, newest first. The read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}/checks", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CheckRow>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn child_checks(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CheckRow>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(checks::of_child(&st.store, &scoped, &c).await?))
}

/// Record a periodic health check (TT 23/2017/TT-BYT): date and result (`normal`,
/// `follow_up`, `referred`).
#[utoipa::path(post, path = "/api/v1/children/{id}/checks", params(("id" = i64, Path)), request_body = NewCheck,
    responses((status = 201), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_check(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewCheck>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    checks::record(&st.store, &scoped, id, &input, today()).await?;
    Ok(StatusCode::CREATED)
}

/// A commune's health follow-up: children under five checked this year, children under six
/// with a valid health-insurance card, and those without one (named). Audited.
#[utoipa::path(get, path = "/api/v1/units/{code}/health-summary", params(("code" = String, Path)),
    responses((status = 200, body = HealthSummary), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn health_summary(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Json<HealthSummary>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    Ok(Json(
        checks::summary(&st.store, &scoped, &unit, today()).await?,
    ))
}

/// The child's birth record (place, weight, gestational age, newborn care, screening), or
/// null. The read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}/birth", params(("id" = i64, Path)),
    responses((status = 200, body = Option<BirthRecord>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn child_birth(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Option<BirthRecord>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(births::of_child(&st.store, &scoped, &c).await?))
}

/// Add the birth record of a child on the register (health station, commune officer);
/// one per child (409 for a second). A hepatitis B dose within 24 hours is also recorded
/// as the schedule's birth dose.
#[utoipa::path(post, path = "/api/v1/children/{id}/birth", params(("id" = i64, Path)), request_body = NewBirth,
    responses((status = 201), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_birth(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewBirth>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    births::record(&st.store, &scoped, id, &input).await?;
    Ok(StatusCode::CREATED)
}

/// A birth that creates the child's record in a household (roles that keep the registry):
/// `child` has the registry's child fields, `birth` the birth's; one transaction.
#[utoipa::path(post, path = "/api/v1/households/{id}/births", params(("id" = i64, Path)), request_body = NewBirthWithChild,
    responses((status = 201, body = mang_store::registry::Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_birth_with_child(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewBirthWithChild>,
) -> Result<(StatusCode, Json<mang_store::registry::Child>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u
        .session
        .principal
        .scoped::<mang_domain::access::EditChildRecord>()?;
    let c = births::record_with_child(&st.store, &scoped, id, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Record the death of a child on the register (health station, commune officer): the
/// record moves to "died" with a life event, in one transaction. The age at death is
/// derived in days from the birth date.
#[utoipa::path(post, path = "/api/v1/children/{id}/death", params(("id" = i64, Path)), request_body = NewDeath,
    responses((status = 201), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_child_death(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewDeath>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    deaths::record_for_child(&st.store, &scoped, id, &input, today()).await?;
    Ok(StatusCode::CREATED)
}

/// A year's deaths of children in a commune or village, with the neonatal, under-1 and
/// under-5 counts. Audited.
#[utoipa::path(get, path = "/api/v1/units/{code}/deaths", params(("code" = String, Path), YearParams),
    responses((status = 200, body = DeathList), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn unit_deaths(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<YearParams>,
) -> Result<Json<DeathList>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    let year = q.year.unwrap_or(today().year());
    Ok(Json(deaths::list(&st.store, &scoped, &unit, year).await?))
}

/// Record the death of a child who was not on the register: `sex` (`Nam`/`Nữ`) and
/// `birth_date` are required.
#[utoipa::path(post, path = "/api/v1/units/{code}/deaths", params(("code" = String, Path)), request_body = NewDeath,
    responses((status = 201), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_unit_death(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(input): Json<NewDeath>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    deaths::record_for_unit(&st.store, &scoped, &unit, &input, today()).await?;
    Ok(StatusCode::CREATED)
}

/// A child's growth measurements with WHO z-scores (weight-for-age, length/height-for-age,
/// weight-for-length/height, BMI, head and arm circumference; `flagged` marks values WHO
/// deems implausible) and the nutrition status. The read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}/measurements", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MeasurementRow>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn child_measurements(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MeasurementRow>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(growth::of_child(&st.store, &scoped, &c).await?))
}

/// Record a measurement (health station, commune officer) of a child under five; answers
/// with its z-scores and status.
#[utoipa::path(post, path = "/api/v1/children/{id}/measurements", params(("id" = i64, Path)), request_body = NewMeasurement,
    responses((status = 201, body = MeasurementRow), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_measurement(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewMeasurement>,
) -> Result<(StatusCode, Json<MeasurementRow>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    let row = growth::record(&st.store, &scoped, id, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct AssessParams {
    /// `male` or `female`.
    sex: String,
    /// Birth date, ISO or dd/mm/yyyy.
    birth: String,
    #[serde(flatten)]
    #[param(inline)]
    input: NewMeasurement,
}

/// Z-scores and nutrition status of a measurement, computed without saving or reading any
/// record (the entry form's live values): WHO 2006 standards, as `anthro`.
#[utoipa::path(get, path = "/api/v1/growth/assess", params(AssessParams),
    responses((status = 200, body = MeasurementRow), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn assess(
    m: MaybeUser,
    Query(q): Query<AssessParams>,
) -> Result<Json<MeasurementRow>, ApiError> {
    require(m)?;
    Ok(Json(growth::assess(&q.sex, &q.birth, &q.input, today())?))
}

/// A child's injuries and accidents, newest first. The read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}/injuries", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<InjuryRow>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn child_injuries(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<InjuryRow>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(injuries::of_child(&st.store, &scoped, &c).await?))
}

/// Record an injury of a child on the register (health station, commune officer).
#[utoipa::path(post, path = "/api/v1/children/{id}/injuries", params(("id" = i64, Path)), request_body = NewInjury,
    responses((status = 201), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_child_injury(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewInjury>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    injuries::record_for_child(&st.store, &scoped, id, &input, today()).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct YearParams {
    /// Calendar year (default: this year).
    year: Option<i32>,
}

/// The injuries of a commune or village in a year (children on the register or not).
#[utoipa::path(get, path = "/api/v1/units/{code}/injuries", params(("code" = String, Path), YearParams),
    responses((status = 200, body = Vec<InjuryRow>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn unit_injuries(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<YearParams>,
) -> Result<Json<Vec<InjuryRow>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    let year = q.year.unwrap_or(today().year());
    Ok(Json(injuries::list(&st.store, &scoped, &unit, year).await?))
}

/// Record an injury of a child not on the register, in a commune or village: `sex`
/// (`Nam`/`Nữ`) and `age_years` are required.
#[utoipa::path(post, path = "/api/v1/units/{code}/injuries", params(("code" = String, Path)), request_body = NewInjury,
    responses((status = 201), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_unit_injury(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(input): Json<NewInjury>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    injuries::record_for_unit(&st.store, &scoped, &unit, &input, today()).await?;
    Ok(StatusCode::CREATED)
}

/// A child's immunisation schedule: each dose with its due date, the date given and its
/// state (`done`, `invalid`, `upcoming`, `due`, `overdue`), and whether the child was
/// fully immunised before the first birthday. The read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}/immunization", params(("id" = i64, Path)),
    responses((status = 200, body = ChildImmunization), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn child_immunization(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<ChildImmunization>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(
        immunization::of_child(&st.store, &scoped, &c, today()).await?,
    ))
}

/// Record a dose given (health station staff and commune officers). 422 with field-named
/// errors for an unknown vaccine/dose or a bad date; 409 if the same dose on the same
/// date is already recorded.
#[utoipa::path(post, path = "/api/v1/children/{id}/doses", params(("id" = i64, Path)), request_body = NewDose,
    responses((status = 201), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn record_dose(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewDose>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordHealthData>()?;
    immunization::record_dose(&st.store, &scoped, id, &input, today()).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct DueParams {
    /// `week` (default: due within 7 days) or `month` (within 30 days); overdue doses always.
    period: Option<String>,
}

/// The vaccination-day list of a commune or village: children with a dose overdue or due
/// within the period, in register order. Audited.
#[utoipa::path(get, path = "/api/v1/units/{code}/immunization-due", params(("code" = String, Path), DueParams),
    responses((status = 200, body = Vec<DueChild>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn due_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<DueParams>,
) -> Result<Json<Vec<DueChild>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    let days = if q.period.as_deref() == Some("month") {
        30
    } else {
        7
    };
    let t = today();
    Ok(Json(
        immunization::due_list(&st.store, &scoped, &unit, t + time::Duration::days(days), t)
            .await?,
    ))
}
