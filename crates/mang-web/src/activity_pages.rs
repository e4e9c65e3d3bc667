//! Activities and child participation: a unit's activities of a year with totals and the
//! form to record one; the same through `/api/v1`.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::error::{ApiError, ApiErrorBody};
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use mang_domain::access::{EditRegisters, ViewAggregates};
use mang_store::StoreError;
use mang_store::activities::{self, ActivityRow, NewActivity};
use mang_store::register_exchange::{self, RegisterImport};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(page).post(create))
        .route("/activities/export.xlsx", get(export))
        .route("/activities/template.xlsx", get(template))
        .route("/activities/import", axum::routing::post(import))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/activities", get(api_list).post(api_create))
        .route("/units/{code}/activities/export", get(api_export))
        .route(
            "/units/{code}/activities/import",
            axum::routing::post(api_import),
        )
}

use crate::api::today;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct YearQuery {
    pub unit: String,
    pub year: Option<i32>,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct Page {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    year: i32,
    rows: Vec<ActivityRow>,
    totals: (i64, i64, i64, i64),
    kinds: Vec<(&'static str, &'static str)>,
    may_edit: bool,
    error: Option<String>,
    import: Option<RegisterImport>,
}

async fn view(
    st: &AppState,
    u: &SignedIn,
    q: &YearQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    view_with(st, u, q, error, None, status).await
}

async fn view_with(
    st: &AppState,
    u: &SignedIn,
    q: &YearQuery,
    error: Option<String>,
    import: Option<RegisterImport>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(u))?;
    let code = crate::pages::unit_param(u, Some(q.unit.as_str()));
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code)
        .await
        .map_err(|e| store_fail(u, e))?;
    let year = q.year.unwrap_or(today().year());
    let rows = activities::list(&st.store, &scoped, &unit, year)
        .await
        .map_err(|e| store_fail(u, e))?;
    let totals = rows.iter().fold((0, 0, 0, 0), |t, r| {
        (
            t.0 + r.children,
            t.1 + r.children_7plus_consulted,
            t.2 + r.children_11plus_in_models,
            t.3 + r.adults,
        )
    });
    use mang_domain::activities::{ACTIVITY_KINDS, ActivityKind};
    let page = Page {
        layout: layout(u, "/activities"),
        may_edit: unit.path().province.is_some()
            && p.authorize::<EditRegisters>(&unit.path()).is_ok(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        year,
        rows,
        totals,
        kinds: crate::cases_pages::options(
            ACTIVITY_KINDS,
            ActivityKind::as_str,
            ActivityKind::label_vi,
        ),
        error,
        import,
    };
    Ok((status, render(&page)).into_response())
}

async fn page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    view(&st, &u, &q, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct ActivityForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: NewActivity,
}

async fn create(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<YearQuery>,
    Form(f): Form<ActivityForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p.scoped::<EditRegisters>().map_err(|_| denied(&u))?;
    let code = crate::pages::unit_param(&u, Some(q.unit.as_str()));
    let unit = mang_store::units::get(&st.store, &code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    match activities::create(&st.store, &scoped, &unit, &f.input, today()).await {
        Ok(_) => Ok(Redirect::to(&format!("/activities?unit={code}")).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Invalid { .. })) => {
            let msg = crate::registry_pages::fields_message(&e);
            view(&st, &u, &q, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// A unit's activities of a year.
#[utoipa::path(get, path = "/api/v1/units/{code}/activities", params(("code" = String, Path), YearQuery),
    responses((status = 200, body = Vec<ActivityRow>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<ActivityRow>>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    let year = q.year.unwrap_or(today().year());
    Ok(Json(
        activities::list(&st.store, &scoped, &unit, year).await?,
    ))
}

/// Record an activity with its counts (children, children ≥ 7 consulted, children ≥ 11
/// in participation models, adults).
#[utoipa::path(post, path = "/api/v1/units/{code}/activities", params(("code" = String, Path)), request_body = NewActivity,
    responses((status = 201, body = i64), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_create(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(input): Json<NewActivity>,
) -> Result<(StatusCode, Json<i64>), ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditRegisters>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    let id = activities::create(&st.store, &scoped, &unit, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(id)))
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (scoped, unit) = crate::pages::viewed_unit(&st, &u, q.unit.as_str()).await?;
    let bytes = register_exchange::export_activities(&st.store, &scoped, &unit)
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx(
        &format!("hoat-dong-{}.xlsx", unit.code),
        bytes,
    ))
}

async fn template(m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    let bytes = register_exchange::activities_template().map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx("mau-hoat-dong.xlsx", bytes))
}

async fn import(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<YearQuery>,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (name, bytes) = match crate::exchange::page_upload(&u, mp).await? {
        crate::exchange::Upload::File(name, bytes) => (name, bytes),
        crate::exchange::Upload::Refused(msg) => {
            return view(&st, &u, &q, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let r = register_exchange::import_activities(&st.store, &scoped, &unit, &name, &bytes, today())
        .await;
    let (error, import, status) = crate::exchange::import_outcome(&u, r)?;
    view_with(&st, &u, &q, error, import, status).await
}

/// A unit's activities as .xlsx (the import template's columns). Audited.
#[utoipa::path(get, path = "/api/v1/units/{code}/activities/export", params(("code" = String, Path)),
    responses((status = 200, description = "Tệp .xlsx"), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_export(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    let bytes = register_exchange::export_activities(&st.store, &scoped, &unit).await?;
    Ok(crate::exchange::xlsx(
        &format!("hoat-dong-{}.xlsx", unit.code),
        bytes,
    ))
}

/// Import activities into a commune from .xlsx or .csv (field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/units/{code}/activities/import", params(("code" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "Trường `file`: tệp .xlsx hoặc .csv theo mẫu"),
    responses((status = 200, body = RegisterImport), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_import(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    mp: axum::extract::Multipart,
) -> Result<Json<RegisterImport>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<EditRegisters>()?;
    let (name, bytes) = crate::exchange::api_upload(&u, &headers, mp).await?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    Ok(Json(
        register_exchange::import_activities(&st.store, &scoped, &unit, &name, &bytes, today())
            .await?,
    ))
}
