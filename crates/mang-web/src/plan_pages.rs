//! Plans (kế hoạch): the plans a unit sees, a plan's page (text, targets, tasks with
//! their agencies and deadlines, reporting regime, which communes issued their own plan
//! and when), the form for a commune to make its own plan under its province's, the plan
//! as .docx, and a task's page where its agencies post progress; the same through
//! `/api/v1`.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::error::{ApiError, ApiErrorBody};
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mang_domain::access::{ManagePlans, ViewAggregates};
use mang_domain::reports::{RawTaskUpdate, TASK_STATUSES, TaskStatus};
use mang_store::StoreError;
use mang_store::plans::{self, NewSubPlan, PlanRow, PlanView, TaskView};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list_page))
        .route("/plans/{id}", get(plan_page))
        .route("/plans/{id}/docx", get(plan_docx))
        .route("/plans/{id}/sub-plans", post(create_sub_plan))
        .route("/plans/{id}/issue", post(issue))
        .route("/tasks", get(my_tasks_page))
        .route("/tasks/{id}", get(task_page).post(update_task))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/plans", get(api_list))
        .route("/plans/{id}", get(api_get))
        .route("/plans/{id}/sub-plans", post(api_create_sub_plan))
        .route("/plans/{id}/issue", post(api_issue))
        .route("/plans/{id}/docx", get(api_docx))
        .route("/tasks", get(api_my_tasks))
        .route("/tasks/{id}", get(api_task).post(api_update_task))
}

pub(crate) use crate::api::today;

/// A .docx download.
pub(crate) fn docx(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct UnitQuery {
    pub unit: String,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct ListPage {
    layout: Layout,
    unit_name: String,
    rows: Vec<PlanRow>,
}

async fn list_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<UnitQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(&u))?;
    let code = crate::pages::unit_param(&u, Some(q.unit.as_str()));
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let rows = plans::list(&st.store, &scoped, &unit, today())
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(render(&ListPage {
        layout: layout(&u, "/plans"),
        unit_name: unit.name,
        rows,
    }))
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    layout: Layout,
    v: PlanView,
    targets: Vec<(String, String, String)>,
    /// The user's commune may make its own plan under this one.
    may_make_own: bool,
    own_plan: Option<i64>,
    may_issue: bool,
    error: Option<String>,
}

async fn plan_view(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let v = plans::get(&st.store, p, id, today())
        .await
        .map_err(|e| store_fail(u, e))?;
    let targets = mang_domain::targets::targets()
        .iter()
        .filter(|t| t.plan == v.plan.code)
        .map(|t| {
            (
                t.id.clone(),
                mang_domain::targets::indicator(&t.indicator_id)
                    .map_or(t.indicator_id.clone(), |i| i.name_vi.clone()),
                mang_domain::targets::format_threshold(t),
            )
        })
        .collect();
    let is_commune_user = p.unit_path.commune.is_some();
    let province_plan = v.commune_code.is_empty();
    let own_plan = v
        .sub_plans
        .iter()
        .find(|s| p.unit_path.commune.as_deref() == Some(s.code.as_str()))
        .and_then(|s| s.plan_id);
    let page = PlanPage {
        layout: layout(u, "/plans"),
        may_make_own: is_commune_user
            && province_plan
            && own_plan.is_none()
            && p.may(mang_domain::access::Action::ManagePlans)
            && p.unit_path.province.as_deref() == Some(v.province_code.as_str()),
        own_plan,
        may_issue: v.plan.issued_on.is_none()
            && p.unit.as_str() == v.plan.unit_code
            && p.may(mang_domain::access::Action::ManagePlans),
        v,
        targets,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn plan_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    plan_view(&st, &u, id, None, StatusCode::OK).await
}

async fn plan_docx(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let v = plans::get(&st.store, principal(&u), id, today())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let issued = v
        .plan
        .issued_on
        .as_deref()
        .and_then(mang_domain::plans::parse_iso_date);
    let bytes =
        mang_docs::official::to_docx(&mang_store::report_docs::plan_document(&v.doc, issued))
            .map_err(|e| {
                crate::pages::fail(&u, StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            })?;
    Ok(docx(&format!("ke-hoach-{}.docx", v.plan.code), bytes))
}

#[derive(Deserialize)]
struct SubPlanForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: NewSubPlan,
}

async fn create_sub_plan(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<SubPlanForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p.scoped::<ManagePlans>().map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, p.unit.as_str())
        .await
        .map_err(|e| store_fail(&u, e))?;
    match plans::create_sub_plan(&st.store, &scoped, id, &unit, &f.input).await {
        Ok(new) => Ok(Redirect::to(&format!("/plans/{new}")).into_response()),
        Err(e @ StoreError::Invalid { .. }) => {
            let msg = crate::registry_pages::fields_message(&e);
            plan_view(&st, &u, id, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    number: String,
}

async fn issue(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<IssueForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<ManagePlans>()
        .map_err(|_| denied(&u))?;
    let date = mang_domain::registry::parse_date(&f.issued_on);
    let number = match f.number.trim() {
        "" => Ok(None),
        n => n.parse::<u32>().map(Some).map_err(|_| ()),
    };
    let r = match (date, number) {
        (Some(d), Ok(n)) => plans::issue(&st.store, &scoped, id, d, n).await,
        (None, _) => Err(StoreError::Invalid {
            field: "issued_on",
            message: format!(
                "Ngày ban hành «{}» không hợp lệ: nhập dạng dd/mm/yyyy.",
                f.issued_on.trim()
            ),
        }),
        (_, Err(())) => Err(StoreError::Invalid {
            field: "number",
            message: format!("Số văn bản «{}» không hợp lệ.", f.number.trim()),
        }),
    };
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}")).into_response()),
        Err(e @ StoreError::Invalid { .. }) => {
            let msg = crate::registry_pages::fields_message(&e);
            plan_view(&st, &u, id, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    layout: Layout,
    v: TaskView,
    statuses: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    form: RawTaskUpdate,
}

async fn task_view(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    error: Option<String>,
    form: RawTaskUpdate,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = plans::task(&st.store, principal(u), id, today())
        .await
        .map_err(|e| store_fail(u, e))?;
    let page = TaskPage {
        layout: layout(u, "/plans"),
        statuses: crate::cases_pages::options(
            TASK_STATUSES,
            TaskStatus::as_str,
            TaskStatus::label_vi,
        ),
        form: if form.status.is_empty() {
            RawTaskUpdate {
                status: v.task.status.clone(),
                progress: v.task.progress.to_string(),
                ..form
            }
        } else {
            form
        },
        v,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn task_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    task_view(&st, &u, id, None, RawTaskUpdate::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
struct TaskForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: RawTaskUpdate,
}

async fn update_task(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    match plans::update_task(&st.store, principal(&u), id, &f.input, today()).await {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(e @ StoreError::Invalid { .. }) => {
            let msg = crate::registry_pages::fields_message(&e);
            task_view(
                &st,
                &u,
                id,
                Some(msg),
                f.input,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// The plans seen from a unit: its own, its province's and (for a province) its
/// communes'.
#[utoipa::path(get, path = "/api/v1/units/{code}/plans", params(("code" = String, Path)),
    responses((status = 200, body = Vec<PlanRow>), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<PlanRow>>, ApiError> {
    let u = crate::api::require(m)?;
    let scoped = u.session.principal.scoped::<ViewAggregates>()?;
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code).await?;
    Ok(Json(plans::list(&st.store, &scoped, &unit, today()).await?))
}

/// A plan: its text, tasks, reporting regime and the status of the lower units' plans.
#[utoipa::path(get, path = "/api/v1/plans/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = PlanView), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_get(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<PlanView>, ApiError> {
    let u = crate::api::require(m)?;
    Ok(Json(
        plans::get(&st.store, &u.session.principal, id, today()).await?,
    ))
}

/// The user's commune makes its own plan implementing province plan `id` (issued when
/// `issued_on` is given).
#[utoipa::path(post, path = "/api/v1/plans/{id}/sub-plans", params(("id" = i64, Path)), request_body = NewSubPlan,
    responses((status = 201, body = i64), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_create_sub_plan(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<NewSubPlan>,
) -> Result<(StatusCode, Json<i64>), ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<ManagePlans>()?;
    let unit = mang_store::units::get(&st.store, p.unit.as_str()).await?;
    let new = plans::create_sub_plan(&st.store, &scoped, id, &unit, &input).await?;
    Ok((StatusCode::CREATED, Json(new)))
}

/// A task of a plan with its progress updates.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = TaskView), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_task(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Json<TaskView>, ApiError> {
    let u = crate::api::require(m)?;
    Ok(Json(
        plans::task(&st.store, &u.session.principal, id, today()).await?,
    ))
}

/// Post a progress update of a task (its lead or partner agency, or the plan unit's
/// officers). Body: `status` (`not_started`, `in_progress`, `done`), `progress` (0–100),
/// `note`, `evidence`.
#[utoipa::path(post, path = "/api/v1/tasks/{id}", params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = TaskView), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_update_task(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<RawTaskUpdate>,
) -> Result<Json<TaskView>, ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    plans::update_task(&st.store, p, id, &input, today()).await?;
    Ok(Json(plans::task(&st.store, p, id, today()).await?))
}

/// What issuing a draft plan takes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct IssueRequest {
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub issued_on: String,
    /// The document number, if given now.
    pub number: Option<u32>,
}

/// Issue (ban hành) a draft plan of the user's unit.
#[utoipa::path(post, path = "/api/v1/plans/{id}/issue", params(("id" = i64, Path)), request_body = IssueRequest,
    responses((status = 200, body = PlanView), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_issue(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<IssueRequest>,
) -> Result<Json<PlanView>, ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<ManagePlans>()?;
    let date = mang_domain::registry::parse_date(&input.issued_on).ok_or_else(|| {
        ApiError::from(StoreError::Invalid {
            field: "issued_on",
            message: format!(
                "Ngày ban hành «{}» không hợp lệ: nhập dạng dd/mm/yyyy.",
                input.issued_on.trim()
            ),
        })
    })?;
    plans::issue(&st.store, &scoped, id, date, input.number).await?;
    Ok(Json(plans::get(&st.store, p, id, today()).await?))
}

/// The plan as an official .docx (Decree 30/2020 format).
#[utoipa::path(get, path = "/api/v1/plans/{id}/docx", params(("id" = i64, Path)),
    responses((status = 200, description = "the .docx file", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_docx(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let v = plans::get(&st.store, &u.session.principal, id, today()).await?;
    let issued = v
        .plan
        .issued_on
        .as_deref()
        .and_then(mang_domain::plans::parse_iso_date);
    let bytes =
        mang_docs::official::to_docx(&mang_store::report_docs::plan_document(&v.doc, issued))
            .map_err(|e| {
                ApiError::from(StoreError::Invalid {
                    field: "docx",
                    message: e.to_string(),
                })
            })?;
    Ok(docx(&format!("ke-hoach-{}.docx", v.plan.code), bytes))
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct MyTasksPage {
    layout: Layout,
    agency_name: String,
    rows: Vec<(String, plans::TaskRow)>,
}

async fn my_tasks_page(State(st): State<AppState>, m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let rows = plans::my_tasks(&st.store, p, today())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let agency_name = plans::agency_of(&st.store, p.user_id)
        .await
        .map_err(|e| store_fail(&u, e))?
        .and_then(|k| mang_domain::plans::agency(&k).map(|a| a.name.clone()))
        .unwrap_or_default();
    Ok(render(&MyTasksPage {
        layout: layout(&u, "/tasks"),
        agency_name,
        rows,
    }))
}

/// A task with the title of its plan.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MyTask {
    pub plan_title: String,
    pub task: plans::TaskRow,
}

/// The tasks the user works on: their agency's (lead or partner) in the plans of their
/// unit and province, and for officers every task of their unit's plans.
#[utoipa::path(get, path = "/api/v1/tasks",
    responses((status = 200, body = Vec<MyTask>)))]
pub(crate) async fn api_my_tasks(
    State(st): State<AppState>,
    m: MaybeUser,
) -> Result<Json<Vec<MyTask>>, ApiError> {
    let u = crate::api::require(m)?;
    Ok(Json(
        plans::my_tasks(&st.store, &u.session.principal, today())
            .await?
            .into_iter()
            .map(|(plan_title, task)| MyTask { plan_title, task })
            .collect(),
    ))
}
