//! JSON API for a child's life events, caregivers, the police ID check and manual name
//! splits; the same store calls, authorisation and audit as the child page.

use crate::AppState;
use crate::api::{check_csrf, require, today};
use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiErrorBody};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use mang_domain::access::{EditChildRecord, VerifyPersonalId, ViewChildRecord};
use mang_store::life::{self, ChildCaregiver, ChildEvent, NameSplit, NewCaregiver, NewEvent};
use mang_store::registry::{self, Child};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children/{id}/events", get(list_events).post(add_event))
        .route(
            "/children/{id}/caregivers",
            get(list_caregivers).post(add_caregiver),
        )
        .route("/caregivers/{id}/end", post(end_caregiver))
        .route("/children/{id}/verify-id", post(verify_id))
        .route("/children/{id}/name-parts", axum::routing::put(name_parts))
}

/// Life events of a child (moved in/out, died, aged 16), oldest first. The read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}/events", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ChildEvent>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn list_events(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ChildEvent>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(life::events_of(&st.store, &scoped, &c).await?))
}

/// Record a life event against the child's `version`; the child's status follows
/// (`active`, `moved_out`, `died`, `aged_out`). 409 on a stale version, 422 with
/// field-named errors when the event does not fit (a date before birth, 16 not reached…).
#[utoipa::path(post, path = "/api/v1/children/{id}/events", params(("id" = i64, Path)), request_body = NewEvent,
    responses((status = 201, body = Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add_event(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewEvent>,
) -> Result<(StatusCode, Json<Child>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let c = life::add_event(&st.store, &scoped, id, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// The child's caregivers and their relationship, current ones first. The read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}/caregivers", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ChildCaregiver>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn list_caregivers(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ChildCaregiver>>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let c = registry::get_child(&st.store, &scoped, id).await?;
    Ok(Json(life::caregivers_of(&st.store, &scoped, &c).await?))
}

/// Add a caregiver (name, relationship, year of birth, phone, lives with the child).
#[utoipa::path(post, path = "/api/v1/children/{id}/caregivers", params(("id" = i64, Path)), request_body = NewCaregiver,
    responses((status = 201, body = ChildCaregiver), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add_caregiver(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewCaregiver>,
) -> Result<(StatusCode, Json<ChildCaregiver>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let g = life::add_caregiver(&st.store, &scoped, id, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

/// Record that a caregiver no longer cares for the child (from today); never deleted.
#[utoipa::path(post, path = "/api/v1/caregivers/{id}/end", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn end_caregiver(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    life::end_caregiver(&st.store, &scoped, id, today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Police only: the child's personal ID was checked against the national population
/// database. Cleared when the ID is later changed.
#[utoipa::path(post, path = "/api/v1/children/{id}/verify-id", params(("id" = i64, Path)),
    responses((status = 200, body = Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn verify_id(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Child>, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<VerifyPersonalId>()?;
    Ok(Json(
        life::verify_personal_id(&st.store, &scoped, id).await?,
    ))
}

/// Set a manual split of the child's name (family name and given name, the rest being the
/// middle name), for names that do not follow họ – đệm – tên; both empty clears it. The
/// register order follows the split.
#[utoipa::path(put, path = "/api/v1/children/{id}/name-parts", params(("id" = i64, Path)), request_body = NameSplit,
    responses((status = 200, body = Child), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn name_parts(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NameSplit>,
) -> Result<Json<Child>, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    Ok(Json(
        life::set_name_parts(&st.store, &scoped, id, &input).await?,
    ))
}
