//! Care facilities: a unit's facilities (or only the informal ones still unresolved),
//! the form to add one, and per facility the forms to record an inspection, place a
//! registry child and record its resolution; the list through `/api/v1`.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::error::{ApiError, ApiErrorBody};
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mang_domain::access::{EditRegisters, ViewAggregates};
use mang_store::StoreError;
use mang_store::facilities::{self, FacilityRow, NewFacility};
use mang_store::register_exchange::{self, RegisterImport};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/facilities", get(page).post(create))
        .route("/facilities/{id}/inspections", post(inspect))
        .route("/facilities/{id}/resolution", post(resolve))
        .route("/facilities/{id}/children", post(place))
        .route("/facilities/export.xlsx", get(export))
        .route("/facilities/template.xlsx", get(template))
        .route("/facilities/import", post(import))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/facilities", get(api_list))
        .route("/units/{code}/facilities/export", get(api_export))
        .route("/units/{code}/facilities/import", post(api_import))
}

use crate::api::today;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FacilityQuery {
    pub unit: String,
    /// Only informal facilities still unresolved.
    pub unresolved: bool,
}

#[derive(Template)]
#[template(path = "facilities.html")]
struct Page {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    unresolved: bool,
    rows: Vec<FacilityRow>,
    kinds: Vec<(&'static str, &'static str)>,
    resolutions: Vec<(&'static str, &'static str)>,
    may_edit: bool,
    error: Option<String>,
    import: Option<RegisterImport>,
}

async fn view(
    st: &AppState,
    u: &SignedIn,
    q: &FacilityQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    view_with(st, u, q, error, None, status).await
}

async fn view_with(
    st: &AppState,
    u: &SignedIn,
    q: &FacilityQuery,
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
    let rows = if unit.path().province.is_some() {
        facilities::list(&st.store, &scoped, &unit, q.unresolved, today())
            .await
            .map_err(|e| store_fail(u, e))?
    } else {
        Vec::new()
    };
    use mang_domain::facilities::{FACILITY_KINDS, FacilityKind, RESOLUTIONS, Resolution};
    let is_commune = unit.path().commune.is_some();
    let page = Page {
        layout: layout(u, "/facilities"),
        may_edit: is_commune && p.authorize::<EditRegisters>(&unit.path()).is_ok(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        unresolved: q.unresolved,
        rows,
        kinds: crate::cases_pages::options(
            FACILITY_KINDS,
            FacilityKind::as_str,
            FacilityKind::label_vi,
        ),
        resolutions: crate::cases_pages::options(
            RESOLUTIONS,
            Resolution::as_str,
            Resolution::label_vi,
        ),
        error,
        import,
    };
    Ok((status, render(&page)).into_response())
}

async fn page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<FacilityQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    view(&st, &u, &q, None, StatusCode::OK).await
}

/// After a write: back to the list, or the list with the error.
async fn outcome<T>(
    st: &AppState,
    u: &SignedIn,
    q: &FacilityQuery,
    r: Result<T, StoreError>,
) -> Result<Response, PageError> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/facilities?unit={}", q.unit)).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Invalid { .. })) => {
            let msg = crate::registry_pages::fields_message(&e);
            view(st, u, q, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(u, e)),
    }
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: NewFacility,
}

async fn create(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<FacilityQuery>,
    Form(f): Form<CreateForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let r = facilities::create(&st.store, &scoped, &unit, &f.input).await;
    outcome(&st, &u, &q, r).await
}

#[derive(Deserialize)]
struct InspectForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    date: String,
    findings: String,
    #[serde(default)]
    fix_by: String,
}

async fn inspect(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<FacilityQuery>,
    Form(f): Form<InspectForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    let r = facilities::inspect(
        &st.store,
        &scoped,
        id,
        &f.date,
        &f.findings,
        &f.fix_by,
        today(),
    )
    .await;
    outcome(&st, &u, &q, r).await
}

#[derive(Deserialize)]
struct ResolveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    resolution: String,
    #[serde(default)]
    licence: String,
}

async fn resolve(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<FacilityQuery>,
    Form(f): Form<ResolveForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    let r = facilities::resolve(&st.store, &scoped, id, &f.resolution, &f.licence, today()).await;
    outcome(&st, &u, &q, r).await
}

#[derive(Deserialize)]
struct PlaceForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    child_id: String,
}

async fn place(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<FacilityQuery>,
    Form(f): Form<PlaceForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    let r = match f.child_id.trim().parse::<i64>() {
        Ok(child) => facilities::place_child(&st.store, &scoped, id, child, today()).await,
        Err(_) => Err(StoreError::Invalid {
            field: "child_id",
            message: "Mã trẻ không hợp lệ".into(),
        }),
    };
    outcome(&st, &u, &q, r).await
}

/// A unit's care facilities (`unresolved=true`: the informal ones still open).
#[utoipa::path(get, path = "/api/v1/units/{code}/facilities", params(("code" = String, Path), FacilityQuery),
    responses((status = 200, body = Vec<FacilityRow>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<FacilityQuery>,
) -> Result<Json<Vec<FacilityRow>>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    Ok(Json(
        facilities::list(&st.store, &scoped, &unit, q.unresolved, today()).await?,
    ))
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<FacilityQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (scoped, unit) = crate::pages::viewed_unit(&st, &u, q.unit.as_str()).await?;
    let bytes = register_exchange::export_facilities(&st.store, &scoped, &unit, today())
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx(
        &format!("co-so-cham-soc-{}.xlsx", unit.code),
        bytes,
    ))
}

async fn template(m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    let bytes = register_exchange::facilities_template().map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx("mau-co-so-cham-soc.xlsx", bytes))
}

async fn import(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<FacilityQuery>,
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
    let r = register_exchange::import_facilities(&st.store, &scoped, &unit, &name, &bytes).await;
    let (error, import, status) = crate::exchange::import_outcome(&u, r)?;
    view_with(&st, &u, &q, error, import, status).await
}

/// A unit's care facilities as .xlsx (counts of children in care, no names). Audited.
#[utoipa::path(get, path = "/api/v1/units/{code}/facilities/export", params(("code" = String, Path)),
    responses((status = 200, description = "Tệp .xlsx"), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_export(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    let bytes = register_exchange::export_facilities(&st.store, &scoped, &unit, today()).await?;
    Ok(crate::exchange::xlsx(
        &format!("co-so-cham-soc-{}.xlsx", unit.code),
        bytes,
    ))
}

/// Import care facilities into a commune from .xlsx or .csv (field `file`); all rows or
/// none.
#[utoipa::path(post, path = "/api/v1/units/{code}/facilities/import", params(("code" = String, Path)),
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
        register_exchange::import_facilities(&st.store, &scoped, &unit, &name, &bytes).await?,
    ))
}
