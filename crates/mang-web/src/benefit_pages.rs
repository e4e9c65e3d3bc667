//! Benefits (chính sách trợ giúp): a commune's monthly reconciliation — eligible children
//! not paid, payments to children not eligible, double payments, totals by policy — with
//! the payment form; the same through `/api/v1`.

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
use mang_domain::access::{RecordPayments, ViewChildRecord};
use mang_store::StoreError;
use mang_store::benefits::{self, NewPayment, Reconciliation};
use mang_store::register_exchange::{self, RegisterImport};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/benefits", get(page).post(pay))
        .route("/benefits/export.xlsx", get(export))
        .route("/benefits/template.xlsx", get(template))
        .route("/benefits/import", post(import))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/benefits", get(api_reconcile))
        .route("/benefit-payments", post(api_pay))
        .route("/units/{code}/benefit-payments/export", get(api_export))
        .route("/units/{code}/benefit-payments/import", post(api_import))
}

use crate::api::today;

fn this_month() -> String {
    let d = today();
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct MonthQuery {
    pub unit: String,
    /// `yyyy-mm` (default: this month).
    pub month: String,
}

#[derive(Template)]
#[template(path = "benefits.html")]
struct Page {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    month: String,
    communes: Vec<(String, String)>,
    r: Option<Reconciliation>,
    policies: Vec<(String, String, String)>,
    may_pay: bool,
    may_export: bool,
    error: Option<String>,
    import: Option<RegisterImport>,
}

async fn view(
    st: &AppState,
    u: &SignedIn,
    q: &MonthQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    view_with(st, u, q, error, None, status).await
}

async fn view_with(
    st: &AppState,
    u: &SignedIn,
    q: &MonthQuery,
    error: Option<String>,
    import: Option<RegisterImport>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(u))?;
    let code = crate::pages::unit_param(u, Some(q.unit.as_str()));
    let unit = mang_store::units::get(&st.store, &code)
        .await
        .map_err(|e| store_fail(u, e))?;
    let path = unit.path();
    if !scoped.scope().contains(&path) {
        return Err(store_fail(u, StoreError::NotFound));
    }
    let month = if q.month.trim().is_empty() {
        this_month()
    } else {
        q.month.trim().to_owned()
    };
    let (communes, r) = match (&path.province, &path.commune) {
        (_, Some(_)) => (
            Vec::new(),
            Some(
                benefits::reconcile(&st.store, &scoped, &unit, &month)
                    .await
                    .map_err(|e| store_fail(u, e))?,
            ),
        ),
        (Some(pr), None) => (
            mang_store::units::communes_of(&st.store, pr)
                .await
                .map_err(|e| store_fail(u, e))?
                .into_iter()
                .map(|c| (c.code().to_string(), c.name))
                .collect(),
            None,
        ),
        _ => (Vec::new(), None),
    };
    let page = Page {
        layout: layout(u, "/benefits"),
        may_pay: path.commune.is_some() && p.authorize::<RecordPayments>(&path).is_ok(),
        may_export: path.commune.is_some()
            && p.authorize::<mang_domain::access::ExportPersonalData>(&path)
                .is_ok(),
        import,
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        month,
        communes,
        r,
        policies: mang_domain::benefits::policies()
            .iter()
            .map(|p| {
                (
                    p.code.clone(),
                    p.name.clone(),
                    mang_domain::vi::number(p.amount),
                )
            })
            .collect(),
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    view(&st, &u, &q, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct PayForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    child_id: String,
    policy: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_on: String,
}

async fn pay(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<MonthQuery>,
    Form(f): Form<PayForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<RecordPayments>()
        .map_err(|_| denied(&u))?;
    let Ok(child_id) = f.child_id.trim().parse::<i64>() else {
        return view(
            &st,
            &u,
            &q,
            Some("Mã trẻ không hợp lệ".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let month = if q.month.trim().is_empty() {
        this_month()
    } else {
        q.month.trim().to_owned()
    };
    let input = NewPayment {
        child_id,
        policy: f.policy,
        month: month.clone(),
        amount: f.amount,
        paid_on: f.paid_on,
    };
    match benefits::record(&st.store, &scoped, &input, today()).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/benefits?unit={}&month={month}", q.unit)).into_response())
        }
        Err(e @ StoreError::Invalid { .. }) => {
            let msg = crate::registry_pages::fields_message(&e);
            view(&st, &u, &q, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// A commune's reconciliation for a month (lists children: audited).
#[utoipa::path(get, path = "/api/v1/units/{code}/benefits", params(("code" = String, Path), MonthQuery),
    responses((status = 200, body = Reconciliation), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_reconcile(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Json<Reconciliation>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewChildRecord>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    let month = if q.month.trim().is_empty() {
        this_month()
    } else {
        q.month
    };
    Ok(Json(
        benefits::reconcile(&st.store, &scoped, &unit, &month).await?,
    ))
}

/// Record a payment (policy code, `yyyy-mm`; amount defaults to the policy's).
#[utoipa::path(post, path = "/api/v1/benefit-payments", request_body = NewPayment,
    responses((status = 201, body = i64), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_pay(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Json(input): Json<NewPayment>,
) -> Result<(StatusCode, Json<i64>), ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<RecordPayments>()?;
    let id = benefits::record(&st.store, &scoped, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(id)))
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let scoped = principal(&u)
        .scoped::<mang_domain::access::ExportPersonalData>()
        .map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let bytes = register_exchange::export_payments(&st.store, &scoped, &unit)
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx(
        &format!("chi-tra-{}.xlsx", unit.code),
        bytes,
    ))
}

async fn template(m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    let bytes = register_exchange::payments_template().map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx("mau-chi-tra.xlsx", bytes))
}

async fn import(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<MonthQuery>,
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
        .scoped::<RecordPayments>()
        .map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let r =
        register_exchange::import_payments(&st.store, &scoped, &unit, &name, &bytes, today()).await;
    let (error, import, status) = crate::exchange::import_outcome(&u, r)?;
    view_with(&st, &u, &q, error, import, status).await
}

/// A commune's benefit payments as .xlsx, with the children's names (personal data: only
/// roles that may export it; audited).
#[utoipa::path(get, path = "/api/v1/units/{code}/benefit-payments/export", params(("code" = String, Path)),
    responses((status = 200, description = "Tệp .xlsx"), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_export(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u
        .session
        .principal
        .scoped::<mang_domain::access::ExportPersonalData>()?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    let bytes = register_exchange::export_payments(&st.store, &scoped, &unit).await?;
    Ok(crate::exchange::xlsx(
        &format!("chi-tra-{}.xlsx", unit.code),
        bytes,
    ))
}

/// Import a commune's payment list from .xlsx or .csv (field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/units/{code}/benefit-payments/import", params(("code" = String, Path)),
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
    let scoped = u.session.principal.scoped::<RecordPayments>()?;
    let (name, bytes) = crate::exchange::api_upload(&u, &headers, mp).await?;
    let unit = mang_store::units::get(&st.store, &code).await?;
    Ok(Json(
        register_exchange::import_payments(&st.store, &scoped, &unit, &name, &bytes, today())
            .await?,
    ))
}
