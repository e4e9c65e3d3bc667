//! JSON API for households: list, create, edit, and the household child-tracking book;
//! the same store calls, authorisation and audit as the household pages.

use crate::AppState;
use crate::api::{check_csrf, require};
use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiErrorBody};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use mang_domain::access::{EditChildRecord, ViewChildRecord};
use mang_store::households::{self, HouseholdBook, HouseholdFilter, HouseholdInput, HouseholdPage};
use mang_store::registry::{self, Household};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", get(list).post(create))
        .route("/households/{id}/book", get(book))
}

/// Households of a commune or village in the caller's scope, by code (50 a page).
#[utoipa::path(get, path = "/api/v1/households", params(HouseholdFilter),
    responses((status = 200, body = HouseholdPage), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn list(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(f): Query<HouseholdFilter>,
) -> Result<Json<HouseholdPage>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    Ok(Json(households::list(&st.store, &scoped, &f).await?))
}

/// Create a household. Fields are the import format's columns (`household_code` — empty
/// for the next code of the commune —, `commune_code` — default the caller's commune —,
/// `village_code`, `head_name`, `address`, `phone`, `poverty_year`, `poverty_status`).
#[utoipa::path(post, path = "/api/v1/households", request_body = HouseholdInput,
    responses((status = 201, body = Household), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn create(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Json(input): Json<HouseholdInput>,
) -> Result<(StatusCode, Json<Household>), ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let id = households::create(&st.store, &scoped, &input).await?;
    let view = u.session.principal.scoped::<ViewChildRecord>()?;
    Ok((
        StatusCode::CREATED,
        Json(registry::get_household(&st.store, &view, id).await?),
    ))
}

/// Edit a household against its `version` (409 when stale): head, address, phone,
/// village, and a year's poverty status. Code and commune do not change.
#[utoipa::path(patch, path = "/api/v1/households/{id}", params(("id" = i64, Path)), request_body = HouseholdInput,
    responses((status = 200, body = Household), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn update(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<HouseholdInput>,
) -> Result<Json<Household>, ApiError> {
    let u = require(m)?;
    check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    households::update(&st.store, &scoped, id, &input).await?;
    let view = u.session.principal.scoped::<ViewChildRecord>()?;
    Ok(Json(registry::get_household(&st.store, &view, id).await?))
}

/// The household child-tracking book (Sổ theo dõi trẻ em trong hộ gia đình): the household
/// and each of its children with circumstances, caregivers and life events. Audited.
#[utoipa::path(get, path = "/api/v1/households/{id}/book", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdBook), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn book(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<HouseholdBook>, ApiError> {
    let u = require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    Ok(Json(households::book(&st.store, &scoped, id).await?))
}
