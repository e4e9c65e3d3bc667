//! Drowning- and injury-risk sites (issue "Other registers"): a commune's sites with its
//! progress and a plot by coordinates, a site's page with its inspections, forms to add a
//! site and record an inspection; the same through `/api/v1`.

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
use axum::routing::{get, post};
use axum::{Json, Router};
use mang_domain::access::{EditRegisters, ViewAggregates};
use mang_store::StoreError;
use mang_store::register_exchange::{self as site_exchange, RegisterImport};
use mang_store::sites::{self, InspectionRow, NewInspection, NewSite, SiteList, SiteRow};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sites", get(list_page).post(create))
        .route("/sites/{id}", get(site_page))
        .route("/sites/{id}/inspections", post(inspect))
        .route("/sites/export.xlsx", get(export))
        .route("/sites/template.xlsx", get(template))
        .route("/sites/import", post(import))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/risk-sites", get(api_list).post(api_create))
        .route("/risk-sites/{id}", get(api_get))
        .route("/risk-sites/{id}/inspections", post(api_inspect))
        .route("/units/{code}/risk-sites/export", get(api_export))
        .route("/units/{code}/risk-sites/import", post(api_import))
}

use crate::api::today;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UnitQuery {
    unit: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct ListPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    communes: Vec<(String, String)>,
    villages: Vec<(String, String)>,
    list: Option<SiteList>,
    progress: String,
    plot: String,
    may_edit: bool,
    kinds: Vec<(&'static str, &'static str)>,
    risks: Vec<(&'static str, &'static str)>,
    measures: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    import: Option<RegisterImport>,
}

async fn list_view(
    st: &AppState,
    u: &SignedIn,
    code: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    list_view_with(st, u, code, error, None, status).await
}

async fn list_view_with(
    st: &AppState,
    u: &SignedIn,
    code: &str,
    error: Option<String>,
    import: Option<RegisterImport>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(u))?;
    let code = crate::pages::unit_param(u, Some(code));
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code)
        .await
        .map_err(|e| store_fail(u, e))?;
    let path = unit.path();
    let pairs = |l: Vec<mang_store::units::Unit>| {
        l.into_iter()
            .map(|c| (c.code().to_string(), c.name))
            .collect::<Vec<_>>()
    };
    let (communes, villages) = match (&path.province, &path.commune) {
        (_, Some(c)) => (
            Vec::new(),
            pairs(
                mang_store::units::villages_of(&st.store, c)
                    .await
                    .map_err(|e| store_fail(u, e))?,
            ),
        ),
        (Some(pr), None) => (
            pairs(
                mang_store::units::communes_of(&st.store, pr)
                    .await
                    .map_err(|e| store_fail(u, e))?,
            ),
            Vec::new(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let list = if path.commune.is_some() {
        Some(
            sites::list(&st.store, &scoped, &unit)
                .await
                .map_err(|e| store_fail(u, e))?,
        )
    } else {
        None
    };
    let (progress, plot) = match &list {
        Some(l) => (
            if l.total == 0 {
                "—".to_owned()
            } else {
                mang_domain::targets::format_value(
                    mang_domain::targets::Unit::Pct,
                    l.with_measures as f64 / l.total as f64 * 100.0,
                )
            },
            mang_docs::chart::sites_svg(
                &l.sites
                    .iter()
                    .map(|s| {
                        (
                            s.lon,
                            s.lat,
                            format!("{} ({})", s.name, s.kind_label),
                            s.has_measures,
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
        ),
        None => (String::new(), String::new()),
    };
    use crate::cases_pages::options;
    use mang_domain::sites::{RISKS, Risk, SITE_KINDS, SITE_MEASURES, SiteKind, SiteMeasure};
    let page = ListPage {
        layout: layout(u, "/sites"),
        may_edit: path.commune.is_some() && p.authorize::<EditRegisters>(&path).is_ok(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        communes,
        villages,
        list,
        progress,
        plot,
        kinds: options(SITE_KINDS, SiteKind::as_str, SiteKind::label_vi),
        risks: options(RISKS, Risk::as_str, Risk::label_vi),
        measures: options(SITE_MEASURES, SiteMeasure::as_str, SiteMeasure::label_vi),
        error,
        import,
    };
    Ok((status, render(&page)).into_response())
}

async fn list_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<UnitQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    list_view(&st, &u, q.unit.trim(), None, StatusCode::OK).await
}

async fn create(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<UnitQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (input, csrf): (NewSite, String) = crate::cases_pages::from_pairs(&pairs, &["measures"]);
    check_csrf(&u, &csrf)?;
    let p = principal(&u);
    let scoped = p.scoped::<EditRegisters>().map_err(|_| denied(&u))?;
    let code = crate::pages::unit_param(&u, Some(q.unit.as_str()));
    let unit = mang_store::units::get(&st.store, &code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    match sites::create(&st.store, &scoped, &unit, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/sites/{id}")).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Invalid { .. })) => {
            let msg = crate::registry_pages::fields_message(&e);
            list_view(&st, &u, &code, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    layout: Layout,
    s: SiteRow,
    inspections: Vec<InspectionRow>,
    may_edit: bool,
    measures: Vec<(&'static str, &'static str)>,
    today: String,
    error: Option<String>,
}

async fn site_view(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(u))?;
    let (s, inspections) = sites::get(&st.store, &scoped, id)
        .await
        .map_err(|e| store_fail(u, e))?;
    let path = mang_domain::units::UnitPath {
        province: p.unit_path.province.clone(),
        commune: Some(s.commune_code.clone()),
        village: s.village_code.clone(),
    };
    use mang_domain::sites::{SITE_MEASURES, SiteMeasure};
    let page = SitePage {
        layout: layout(u, "/sites"),
        may_edit: p.authorize::<EditRegisters>(&path).is_ok(),
        s,
        inspections,
        measures: crate::cases_pages::options(
            SITE_MEASURES,
            SiteMeasure::as_str,
            SiteMeasure::label_vi,
        ),
        today: mang_domain::vi::date(today()),
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn site_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    site_view(&st, &u, id, None, StatusCode::OK).await
}

async fn inspect(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (input, csrf): (NewInspection, String) =
        crate::cases_pages::from_pairs(&pairs, &["measures"]);
    check_csrf(&u, &csrf)?;
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    match sites::inspect(&st.store, &scoped, id, &input, today()).await {
        Ok(()) => Ok(Redirect::to(&format!("/sites/{id}#inspections")).into_response()),
        Err(e @ StoreError::Fields(_)) => {
            let msg = crate::registry_pages::fields_message(&e);
            site_view(&st, &u, id, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// A commune's (or village's) risk sites with the share that has preventive measures.
#[utoipa::path(get, path = "/api/v1/units/{code}/risk-sites", params(("code" = String, Path)),
    responses((status = 200, body = SiteList), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Json<SiteList>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    Ok(Json(sites::list(&st.store, &scoped, &unit).await?))
}

/// Record a site in a commune or village (coordinates in decimal degrees).
#[utoipa::path(post, path = "/api/v1/units/{code}/risk-sites", params(("code" = String, Path)), request_body = NewSite,
    responses((status = 201, body = i64), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_create(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(input): Json<NewSite>,
) -> Result<(StatusCode, Json<i64>), ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditRegisters>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    let id = sites::create(&st.store, &scoped, &unit, &input).await?;
    Ok((StatusCode::CREATED, Json(id)))
}

/// A site with its inspections.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SiteDetail {
    pub site: SiteRow,
    pub inspections: Vec<InspectionRow>,
}

#[utoipa::path(get, path = "/api/v1/risk-sites/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = SiteDetail), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_get(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<SiteDetail>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let (site, inspections) = sites::get(&st.store, &scoped, id).await?;
    Ok(Json(SiteDetail { site, inspections }))
}

/// Record an inspection; the measures found become the site's.
#[utoipa::path(post, path = "/api/v1/risk-sites/{id}/inspections", params(("id" = i64, Path)), request_body = NewInspection,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_inspect(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewInspection>,
) -> Result<StatusCode, ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditRegisters>()?;
    sites::inspect(&st.store, &scoped, id, &input, today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<UnitQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (scoped, unit) = crate::pages::viewed_unit(&st, &u, q.unit.trim()).await?;
    let bytes = site_exchange::export_sites(&st.store, &scoped, &unit)
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx(
        &format!("diem-nguy-co-{}.xlsx", unit.code),
        bytes,
    ))
}

async fn template(m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    let bytes = site_exchange::sites_template().map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx("mau-diem-nguy-co.xlsx", bytes))
}

async fn import(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<UnitQuery>,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (name, bytes) = match crate::exchange::page_upload(&u, mp).await? {
        crate::exchange::Upload::File(name, bytes) => (name, bytes),
        crate::exchange::Upload::Refused(msg) => {
            return list_view(
                &st,
                &u,
                q.unit.trim(),
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let r = site_exchange::import_sites(&st.store, &scoped, &unit, &name, &bytes).await;
    let (error, import, status) = crate::exchange::import_outcome(&u, r)?;
    list_view_with(&st, &u, &unit.code, error, import, status).await
}

/// A unit's active risk sites as .xlsx (the import template's columns). Audited.
#[utoipa::path(get, path = "/api/v1/units/{code}/risk-sites/export", params(("code" = String, Path)),
    responses((status = 200, description = "Tệp .xlsx"), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_export(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    let bytes = site_exchange::export_sites(&st.store, &scoped, &unit).await?;
    Ok(crate::exchange::xlsx(
        &format!("diem-nguy-co-{}.xlsx", unit.code),
        bytes,
    ))
}

/// Import risk sites into a commune from .xlsx or .csv (field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/units/{code}/risk-sites/import", params(("code" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "Trường `file`: tệp .xlsx hoặc .csv theo mẫu"),
    responses((status = 200, body = RegisterImport), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_import(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    mp: axum::extract::Multipart,
) -> Result<Json<RegisterImport>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<EditRegisters>()?;
    let (name, bytes) = crate::exchange::api_upload(&u, &headers, mp).await?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    Ok(Json(
        site_exchange::import_sites(&st.store, &scoped, &unit, &name, &bytes).await?,
    ))
}
