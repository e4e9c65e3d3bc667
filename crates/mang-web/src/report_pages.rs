//! Periodic reports (báo cáo định kỳ): the reports a unit must write with their due dates
//! and reminders, a scheduled report's completeness and timeliness across the
//! province's communes, and one report's page (the narrative the officer writes, the
//! appendix figures, submit → return with a comment → resubmit → approve, new version,
//! .docx and .xlsx downloads); the same through `/api/v1`.

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
use mang_domain::access::{Action, Principal, ViewAggregates, WriteReports};
use mang_domain::reports::{ReportAction, ReportStatus};
use mang_domain::units::UnitLevel;
use mang_store::StoreError;
use mang_store::reports::{
    self, ActInput, CompletenessCounts, Reminder, ReportContent, ReportRow, ScheduleRow,
    SubunitStatus,
};
use mang_store::units::Unit;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list_page))
        .route("/reports/schedules/{sid}", get(schedule_page))
        .route("/reports/schedules/{sid}/open", post(open))
        .route("/reports/{id}", get(report_page).post(act))
        .route("/reports/{id}/docx", get(download_docx))
        .route("/reports/{id}/xlsx", get(download_xlsx))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/report-schedules", get(api_schedules))
        .route(
            "/report-schedules/{sid}/completeness",
            get(api_completeness),
        )
        .route("/report-schedules/{sid}/open", post(api_open))
        .route("/reports/{id}", get(api_get))
        .route("/reports/{id}/content", get(api_content))
        .route("/reports/{id}/actions", post(api_act))
        .route("/reports/{id}/docx", get(api_docx))
        .route("/reports/{id}/xlsx", get(api_xlsx))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

use crate::api::today;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct UnitQuery {
    /// Unit code (default: the user's unit).
    pub unit: String,
}

/// One scheduled report as listed for a unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleLine {
    pub schedule: ScheduleRow,
    /// The unit's own report (current version), if started.
    pub report_id: Option<i64>,
    pub status_label: String,
    pub timeliness_label: String,
    /// For a province: its communes' reports.
    pub counts: Option<CompletenessCounts>,
}

async fn lines(st: &AppState, p: &Principal, unit: &Unit) -> Result<Vec<ScheduleLine>, StoreError> {
    let scoped = p
        .scoped::<ViewAggregates>()
        .map_err(|_| StoreError::Denied)?;
    let mut out = Vec::new();
    for s in reports::schedules_for(&st.store, unit).await? {
        let own = reports::current(&st.store, &scoped, s.id, &unit.code, now()).await?;
        let counts = if unit.level() == UnitLevel::Province {
            Some(reports::completeness(&st.store, &s, unit, today()).await?.0)
        } else {
            None
        };
        let t = mang_domain::reports::timeliness(s.due(), None, today());
        out.push(ScheduleLine {
            report_id: own.as_ref().map(|r| r.id),
            status_label: own
                .as_ref()
                .map_or("Chưa lập".into(), |r| r.status_label.clone()),
            timeliness_label: own
                .as_ref()
                .map_or(t.label_vi().into(), |r| r.timeliness_label.clone()),
            counts,
            schedule: s,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ListPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    is_province: bool,
    may_write: bool,
    lines: Vec<ScheduleLine>,
    reminders: Vec<Reminder>,
}

async fn unit_of(st: &AppState, u: &SignedIn, param: &str) -> Result<Unit, PageError> {
    let scoped = principal(u)
        .scoped::<ViewAggregates>()
        .map_err(|_| denied(u))?;
    let code = crate::pages::unit_param(u, Some(param));
    mang_store::units::get_scoped(&st.store, &scoped, &code)
        .await
        .map_err(|e| store_fail(u, e))
}

async fn list_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<UnitQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let unit = unit_of(&st, &u, &q.unit).await?;
    let lines = lines(&st, p, &unit).await.map_err(|e| store_fail(&u, e))?;
    let reminders = reports::reminders(&st.store, p, today())
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(render(&ListPage {
        layout: layout(&u, "/reports"),
        may_write: p.may(Action::WriteReports) && p.unit.as_str() == unit.code,
        is_province: unit.level() == UnitLevel::Province,
        unit_code: unit.code,
        unit_name: unit.name,
        lines,
        reminders,
    }))
}

#[derive(Template)]
#[template(path = "report_schedule.html")]
struct SchedulePage {
    layout: Layout,
    s: ScheduleRow,
    unit_code: String,
    unit_name: String,
    counts: Option<CompletenessCounts>,
    units: Vec<SubunitStatus>,
    own: Option<ReportRow>,
    may_open: bool,
}

async fn schedule_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(sid): Path<i64>,
    Query(q): Query<UnitQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let unit = unit_of(&st, &u, &q.unit).await?;
    let s = reports::schedule(&st.store, sid)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let (counts, units) = if unit.level() == UnitLevel::Province {
        let (c, l) = reports::completeness(&st.store, &s, &unit, today())
            .await
            .map_err(|e| store_fail(&u, e))?;
        (Some(c), l)
    } else {
        (None, Vec::new())
    };
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(&u))?;
    let own = reports::current(&st.store, &scoped, sid, &unit.code, now())
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(render(&SchedulePage {
        layout: layout(&u, "/reports"),
        may_open: own.is_none() && p.may(Action::WriteReports) && p.unit.as_str() == unit.code,
        s,
        unit_code: unit.code,
        unit_name: unit.name,
        counts,
        units,
        own,
    }))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn open(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(sid): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p.scoped::<WriteReports>().map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, p.unit.as_str())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let id = reports::open(&st.store, &scoped, sid, &unit)
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    r: ReportRow,
    content: ReportContent,
    may_edit: bool,
    may_review: bool,
    may_new_version: bool,
    error: Option<String>,
    form: ReportForm,
}

/// What the report form posts (all text: numbers are checked by the store).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ReportForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    action: String,
    row_version: String,
    results: String,
    difficulties: String,
    proposals: String,
    doc_number: String,
    signer: String,
    comment: String,
}

fn roles(p: &Principal, r: &ReportRow, unit: &Unit) -> (bool, bool, bool) {
    let path = reports::report_path(unit);
    let author = p.unit.as_str() == r.unit_code && p.authorize::<WriteReports>(&path).is_ok();
    let reviewer = p.unit.as_str() != r.unit_code
        && p.authorize::<mang_domain::access::ReviewReports>(&path)
            .is_ok();
    let status = r.status();
    (
        author && matches!(status, ReportStatus::Draft | ReportStatus::Returned),
        reviewer && status == ReportStatus::Submitted,
        (author || reviewer)
            && status == ReportStatus::Approved
            && mang_domain::reports::next(status, ReportAction::NewVersion).is_ok(),
    )
}

async fn report_view(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    error: Option<String>,
    form: Option<ReportForm>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(u))?;
    let r = reports::get(&st.store, &scoped, id, now())
        .await
        .map_err(|e| store_fail(u, e))?;
    let unit = mang_store::units::get(&st.store, &r.unit_code)
        .await
        .map_err(|e| store_fail(u, e))?;
    let content = reports::content(&st.store, &st.indicators, &r, now())
        .await
        .map_err(|e| store_fail(u, e))?;
    let (may_edit, may_review, may_new_version) = roles(p, &r, &unit);
    let form = form.unwrap_or_else(|| ReportForm {
        results: r.results.clone(),
        difficulties: r.difficulties.clone(),
        proposals: r.proposals.clone(),
        doc_number: r.doc_number.map(|n| n.to_string()).unwrap_or_default(),
        signer: r.signer.clone(),
        ..Default::default()
    });
    let page = ReportPage {
        layout: layout(u, "/reports"),
        r,
        content,
        may_edit,
        may_review,
        may_new_version,
        error,
        form,
    };
    Ok((status, render(&page)).into_response())
}

async fn report_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    report_view(&st, &u, id, None, None, StatusCode::OK).await
}

async fn act(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<ReportForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let input = ActInput {
        action: f.action.clone(),
        row_version: f.row_version.trim().parse().unwrap_or(-1),
        results: f.results.clone(),
        difficulties: f.difficulties.clone(),
        proposals: f.proposals.clone(),
        doc_number: f.doc_number.clone(),
        signer: f.signer.clone(),
        comment: f.comment.clone(),
    };
    match reports::act(&st.store, &st.indicators, principal(&u), id, &input, now()).await {
        Ok(next) => Ok(Redirect::to(&format!("/reports/{next}")).into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::StaleVersion { .. })) => {
            let msg = match &e {
                StoreError::Invalid { .. } => crate::registry_pages::fields_message(&e),
                other => other.to_string(),
            };
            report_view(
                &st,
                &u,
                id,
                Some(msg),
                Some(f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// The report's documents: (file stem, .docx bytes, .xlsx bytes) built on demand.
async fn documents(
    st: &AppState,
    p: &Principal,
    id: i64,
) -> Result<(String, mang_store::report_docs::ReportMeta, ReportContent), StoreError> {
    let scoped = p
        .scoped::<ViewAggregates>()
        .map_err(|_| StoreError::Denied)?;
    let r = reports::get(&st.store, &scoped, id, now()).await?;
    let (meta, content) = reports::document_parts(&st.store, &st.indicators, &r, now()).await?;
    let stem = format!(
        "bao-cao-{}-{}-{}-v{}",
        r.schedule.plan_code, r.unit_code, r.schedule.period, r.version
    );
    Ok((stem, meta, content))
}

async fn download_docx(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (stem, meta, content) = documents(&st, principal(&u), id)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let bytes =
        mang_docs::official::to_docx(&mang_store::report_docs::report_document(&meta, &content))
            .map_err(|e| {
                crate::pages::fail(&u, StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            })?;
    Ok(crate::plan_pages::docx(&format!("{stem}.docx"), bytes))
}

async fn download_xlsx(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (stem, meta, content) = documents(&st, principal(&u), id)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let bytes =
        mang_docs::appendix::to_xlsx(&mang_store::report_docs::report_appendix(&meta, &content))
            .map_err(|e| {
                crate::pages::fail(&u, StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            })?;
    Ok(crate::exchange::xlsx(
        &format!("{stem}-phu-luc.xlsx"),
        bytes,
    ))
}

/// The reports a unit must write, with its own report's status and (for a province) how
/// many of its communes reported.
#[utoipa::path(get, path = "/api/v1/units/{code}/report-schedules", params(("code" = String, Path)),
    responses((status = 200, body = Vec<ScheduleLine>), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_schedules(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<ScheduleLine>>, ApiError> {
    let u = crate::api::require(m)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    Ok(Json(lines(&st, p, &unit).await?))
}

/// Completeness and timeliness of a scheduled report across a province's communes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompletenessView {
    pub counts: CompletenessCounts,
    pub units: Vec<SubunitStatus>,
}

/// Completeness and timeliness of a scheduled report across the communes of `unit` (a
/// province).
#[utoipa::path(get, path = "/api/v1/report-schedules/{sid}/completeness", params(("sid" = i64, Path), UnitQuery),
    responses((status = 200, body = CompletenessView), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_completeness(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(sid): Path<i64>,
    Query(q): Query<UnitQuery>,
) -> Result<Json<CompletenessView>, ApiError> {
    let u = crate::api::require(m)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<ViewAggregates>()?;
    let code = if q.unit.trim().is_empty() {
        p.unit.as_str().to_owned()
    } else {
        q.unit.trim().to_owned()
    };
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    let s = reports::schedule(&st.store, sid).await?;
    let (counts, units) = reports::completeness(&st.store, &s, &unit, today()).await?;
    Ok(Json(CompletenessView { counts, units }))
}

/// Open (or find) the user's unit's report under a schedule; returns its id.
#[utoipa::path(post, path = "/api/v1/report-schedules/{sid}/open", params(("sid" = i64, Path)),
    responses((status = 200, body = i64), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_open(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(sid): Path<i64>,
) -> Result<Json<i64>, ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<WriteReports>()?;
    let unit = mang_store::units::get(&st.store, p.unit.as_str()).await?;
    Ok(Json(reports::open(&st.store, &scoped, sid, &unit).await?))
}

/// A report: status, narrative, review trail, timeliness.
#[utoipa::path(get, path = "/api/v1/reports/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ReportRow), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_get(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<ReportRow>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    Ok(Json(reports::get(&st.store, &scoped, id, now()).await?))
}

/// A report's appendix figures: frozen once submitted, computed now for a draft.
#[utoipa::path(get, path = "/api/v1/reports/{id}/content", params(("id" = i64, Path)),
    responses((status = 200, body = ReportContent), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_content(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<ReportContent>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let r = reports::get(&st.store, &scoped, id, now()).await?;
    Ok(Json(
        reports::content(&st.store, &st.indicators, &r, now()).await?,
    ))
}

/// Act on a report: `save`, `submit` (authors), `return` (with `comment`), `approve`
/// (the unit above), `new_version`. Returns the id of the report to show next.
#[utoipa::path(post, path = "/api/v1/reports/{id}/actions", params(("id" = i64, Path)), request_body = ActInput,
    responses((status = 200, body = i64), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_act(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<ActInput>,
) -> Result<Json<i64>, ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    Ok(Json(
        reports::act(
            &st.store,
            &st.indicators,
            &u.session.principal,
            id,
            &input,
            now(),
        )
        .await?,
    ))
}

/// The report as the official .docx (Decree 30/2020 format).
#[utoipa::path(get, path = "/api/v1/reports/{id}/docx", params(("id" = i64, Path)),
    responses((status = 200, description = "the .docx file", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_docx(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let (stem, meta, content) = documents(&st, &u.session.principal, id).await?;
    let bytes =
        mang_docs::official::to_docx(&mang_store::report_docs::report_document(&meta, &content))
            .map_err(|e| {
                ApiError::from(StoreError::Invalid {
                    field: "docx",
                    message: e.to_string(),
                })
            })?;
    Ok(crate::plan_pages::docx(&format!("{stem}.docx"), bytes))
}

/// The report's appendix as .xlsx (one sheet per table, numeric cells).
#[utoipa::path(get, path = "/api/v1/reports/{id}/xlsx", params(("id" = i64, Path)),
    responses((status = 200, description = "the .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_xlsx(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let (stem, meta, content) = documents(&st, &u.session.principal, id).await?;
    let bytes =
        mang_docs::appendix::to_xlsx(&mang_store::report_docs::report_appendix(&meta, &content))
            .map_err(|e| {
                ApiError::from(StoreError::Invalid {
                    field: "xlsx",
                    message: e.to_string(),
                })
            })?;
    Ok(crate::exchange::xlsx(
        &format!("{stem}-phu-luc.xlsx"),
        bytes,
    ))
}
