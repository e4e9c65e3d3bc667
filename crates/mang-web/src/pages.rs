//! Server-rendered pages. Every handler resolves the signed-in user, asks the domain for a
//! capability, and lets the store's scoped queries decide what exists for that user.

use crate::AppState;
use crate::auth::{self, MaybeUser, SignedIn};
use crate::error::classify;
use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use mang_domain::access::{
    ALL_ROLES, Action, ManageUnits, ManageUsers, Principal, Role, ViewAggregates, ViewAudit,
    ViewChildRecord,
};
use mang_domain::units::{UnitCode, UnitLevel};
use mang_domain::vi;

use mang_store::units::{self, Unit};
use mang_store::users::{self, LoginOutcome, NewUser};
use mang_store::{StoreError, audit};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/units/{code}", get(unit_page))
        .route("/units/{code}/villages", post(add_village))
        .merge(crate::registry_pages::routes())
        .merge(crate::merge_pages::routes())
        .route("/users", get(users_page).post(create_user))
        .route("/audit", get(audit_page))
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
}

// ---------- layout and errors ----------

pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

pub struct Layout {
    pub user_name: String,
    pub role_label: &'static str,
    pub unit_name: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

pub(crate) fn layout(u: &SignedIn, current: &str) -> Layout {
    let p = &u.session.principal;
    let mut nav = Vec::new();
    let mut item = |label: &'static str, href: &'static str, shown: bool| {
        if shown {
            nav.push(NavItem {
                label,
                href,
                current: !href.is_empty() && href == current,
            });
        }
    };
    item("Trang chủ", "/", true);
    item("Trẻ em", "/children", p.may(Action::ViewChildRecord));
    // Modules to come (registry, cases, health, indicators, plans): shown, not yet linked.
    item("Hộ gia đình", "/households", p.may(Action::ViewChildRecord));
    item("Ca bảo vệ", "/cases", p.may(Action::ViewCases));
    item(
        "Tiêm chủng",
        "/immunization",
        p.may(Action::ViewChildRecord),
    );
    item("Chỉ tiêu", "/indicators", p.may(Action::ViewAggregates));
    item("Điểm nguy cơ", "/sites", p.may(Action::ViewAggregates));
    item("Trợ giúp", "/benefits", p.may(Action::ViewChildRecord));
    item("Hoạt động", "/activities", p.may(Action::ViewAggregates));
    item(
        "Cơ sở chăm sóc",
        "/facilities",
        p.may(Action::ViewAggregates),
    );
    item(
        "Xã phù hợp với trẻ em",
        "/child-friendly",
        p.may(Action::ViewAggregates),
    );
    item("Kế hoạch", "/plans", p.may(Action::ViewAggregates));
    item("Báo cáo", "/reports", p.may(Action::ViewAggregates));
    item("Nhiệm vụ", "/tasks", p.may(Action::UpdateTasks));
    item("Người dùng", "/users", p.may(Action::ManageUsers));
    item(
        "Ngày nghỉ, thời hạn",
        "/settings/cases",
        p.may(Action::ManageSettings),
    );
    item("Nhật ký truy cập", "/audit", p.may(Action::ViewAudit));
    item("Đổi mật khẩu", "/account/password", true);
    Layout {
        user_name: u.session.display_name.clone(),
        role_label: p.role.label_vi(),
        unit_name: u.session.unit_name.clone(),
        csrf: u.session.csrf_token.clone(),
        nav,
        flash: None,
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

/// What a page handler can fail with.
pub enum PageError {
    /// Not signed in (or the session expired): go to the login page.
    Login,
    Status(StatusCode, String, Box<Layout>),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login => Redirect::to("/login").into_response(),
            PageError::Status(status, message, layout) => {
                let title = match status {
                    StatusCode::NOT_FOUND => "Không tìm thấy",
                    StatusCode::FORBIDDEN => "Không có quyền",
                    StatusCode::CONFLICT => "Xung đột dữ liệu",
                    StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
                        "Dữ liệu không hợp lệ"
                    }
                    _ => "Lỗi hệ thống",
                };
                let page = ErrorPage {
                    layout: *layout,
                    title: title.into(),
                    message,
                };
                (status, render(&page)).into_response()
            }
        }
    }
}

pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, vi::INTERNAL).into_response()
        }
    }
}

pub(crate) fn fail(u: &SignedIn, status: StatusCode, message: impl Into<String>) -> PageError {
    PageError::Status(status, message.into(), Box::new(layout(u, "")))
}

pub(crate) fn store_fail(u: &SignedIn, e: StoreError) -> PageError {
    let (status, msg, _) = classify(&e);
    fail(u, status, msg)
}

pub(crate) fn denied(u: &SignedIn) -> PageError {
    fail(u, StatusCode::FORBIDDEN, vi::DENIED)
}

pub(crate) fn require(m: MaybeUser) -> Result<SignedIn, PageError> {
    m.0.ok_or(PageError::Login)
}

pub(crate) fn check_csrf(u: &SignedIn, token: &str) -> Result<(), PageError> {
    if auth::same_token(&u.session.csrf_token, token) {
        Ok(())
    } else {
        Err(fail(u, StatusCode::FORBIDDEN, vi::CSRF_FAILED))
    }
}

/// A page's `unit` parameter (trimmed), else the user's own unit.
pub(crate) fn unit_param(u: &SignedIn, param: Option<&str>) -> String {
    param
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| principal(u).unit.to_string())
}

/// The unit a page or download is about (`param`, default the user's own), with the
/// user's right to read aggregates scoped to it; not found outside the user's scope.
pub(crate) async fn viewed_unit(
    st: &AppState,
    u: &SignedIn,
    param: &str,
) -> Result<(mang_domain::access::Scoped<ViewAggregates>, Unit), PageError> {
    let scoped = principal(u)
        .scoped::<ViewAggregates>()
        .map_err(|_| denied(u))?;
    let code = unit_param(u, Some(param));
    let unit = units::get_scoped(&st.store, &scoped, &code)
        .await
        .map_err(|e| store_fail(u, e))?;
    Ok((scoped, unit))
}

pub(crate) fn principal(u: &SignedIn) -> &Principal {
    &u.session.principal
}

pub(crate) fn sex_label(s: &str) -> &'static str {
    if s == "male" { "Nam" } else { "Nữ" }
}

pub(crate) fn iso_to_vn(d: &str) -> String {
    vi::iso_date(d)
}

// ---------- login / logout ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    username: String,
    error: Option<String>,
}

fn login_page(status: StatusCode, username: String, error: Option<String>) -> Response {
    let csrf = auth::random_hex();
    let mut resp = (
        status,
        render(&LoginPage {
            csrf: csrf.clone(),
            username,
            error,
        }),
    )
        .into_response();
    let c = format!(
        "{}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600",
        auth::LOGIN_CSRF_COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn login_form(m: MaybeUser) -> Response {
    if m.0.is_some() {
        return Redirect::to("/").into_response();
    }
    login_page(StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn login(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let cookie_csrf = auth::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie_csrf.is_empty() || !auth::same_token(&cookie_csrf, &f.csrf) {
        return login_page(
            StatusCode::FORBIDDEN,
            f.username,
            Some(vi::CSRF_FAILED.into()),
        );
    }
    let keys = auth::throttle_keys(&f.username, Some(addr));
    if st.throttle.is_blocked(&keys) {
        return login_page(
            StatusCode::TOO_MANY_REQUESTS,
            f.username,
            Some(vi::LOGIN_THROTTLED.into()),
        );
    }
    match users::login(&st.store, &f.username, &f.password).await {
        Ok(LoginOutcome::Ok(_, token)) => {
            st.throttle.clear(&keys[..1]);
            let mut resp = Redirect::to("/").into_response();
            if let Ok(v) = HeaderValue::from_str(&auth::session_cookie(&token)) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(LoginOutcome::Failed) => {
            st.throttle.record_failure(&keys);
            login_page(
                StatusCode::UNAUTHORIZED,
                f.username,
                Some(vi::LOGIN_FAILED.into()),
            )
        }
        Err(e) => {
            let (status, msg, _) = classify(&e);
            login_page(status, f.username, Some(msg))
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn logout(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    users::logout(&st.store, &u.token, principal(&u))
        .await
        .map_err(|e| store_fail(&u, e))?;
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_session_cookie()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ---------- units ----------

struct UnitRowView {
    code: String,
    name: String,
    children: String,
    households: String,
    link: bool,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    report_reminders: Vec<mang_store::reports::Reminder>,
    overdue_tasks: Vec<mang_store::plans::TaskRow>,
    layout: Layout,
    heading: String,
    unit: Unit,
    parent: Option<Unit>,
    children_total: String,
    households_total: String,
    subunit_count: String,
    subunit_label: &'static str,
    subunit_label_cap: &'static str,
    rows: Vec<UnitRowView>,
    may_view_children: bool,
    may_add_village: bool,
    form_error: Option<String>,
    /// Home page: open cases near or past a deadline (officer, chairman, province).
    due_cases: Vec<mang_store::cases::CaseSummary>,
}

async fn home(State(st): State<AppState>, m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    let code = principal(&u).unit.to_string();
    render_unit(&st, &u, &code, true, None, StatusCode::OK).await
}

async fn unit_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    render_unit(&st, &u, &code, false, None, StatusCode::OK).await
}

async fn render_unit(
    st: &AppState,
    u: &SignedIn,
    code: &str,
    is_home: bool,
    form_error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(u))?;
    let unit = units::get_scoped(&st.store, &scoped, code)
        .await
        .map_err(|e| store_fail(u, e))?;
    let subs = units::subunits_with_counts(&st.store, &scoped, &unit)
        .await
        .map_err(|e| store_fail(u, e))?;
    let (children, households) = units::totals(&st.store, &unit)
        .await
        .map_err(|e| store_fail(u, e))?;
    let parent = match &unit.parent_code {
        Some(pc) => units::get_scoped(&st.store, &scoped, pc).await.ok(),
        None => None,
    };
    let (label, cap) = match unit.level() {
        UnitLevel::National => ("tỉnh, thành phố", "Tỉnh, thành phố"),
        UnitLevel::Province => ("xã, phường, đặc khu", "Xã, phường, đặc khu"),
        UnitLevel::Commune => ("thôn, tổ dân phố", "Thôn, tổ dân phố"),
        UnitLevel::Village => ("đơn vị con", "Đơn vị con"),
    };
    let due_cases = if is_home {
        crate::cases_pages::home_due(st, u).await?
    } else {
        Vec::new()
    };
    let (report_reminders, overdue_tasks) = if is_home {
        let today = crate::plan_pages::today();
        (
            mang_store::reports::reminders(&st.store, p, today)
                .await
                .map_err(|e| store_fail(u, e))?,
            mang_store::plans::overdue_tasks(&st.store, p, today)
                .await
                .map_err(|e| store_fail(u, e))?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = UnitPage {
        due_cases,
        report_reminders,
        overdue_tasks,
        layout: layout(u, if is_home { "/" } else { "" }),
        heading: if is_home {
            "Trang chủ".into()
        } else {
            unit.name.clone()
        },
        may_view_children: p.authorize::<ViewChildRecord>(&unit.path()).is_ok(),
        may_add_village: unit.level() == UnitLevel::Commune
            && p.authorize::<ManageUnits>(&unit.path()).is_ok(),
        children_total: vi::number(children),
        households_total: vi::number(households),
        subunit_count: vi::number(subs.len() as i64),
        subunit_label: label,
        subunit_label_cap: cap,
        rows: subs
            .into_iter()
            .map(|s| UnitRowView {
                link: s.unit.level() != UnitLevel::Village || p.may(Action::ViewAggregates),
                code: s.unit.code,
                name: s.unit.name,
                children: vi::number(s.children),
                households: vi::number(s.households),
            })
            .collect(),
        unit,
        parent,
        form_error,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
struct VillageForm {
    name: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn add_village(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
    Form(f): Form<VillageForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(&u))?;
    let commune = units::get_scoped(&st.store, &scoped, &code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let grant = p
        .authorize::<ManageUnits>(&commune.path())
        .map_err(|_| denied(&u))?;
    match units::add_village(&st.store, &grant, &commune, &f.name).await {
        Ok(_) => Ok(Redirect::to(&format!("/units/{}", commune.code)).into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            let (status, msg, _) = classify(&e);
            render_unit(&st, &u, &code, false, Some(msg), status).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

// ---------- users ----------

struct UserRowView {
    username: String,
    display_name: String,
    role: &'static str,
    unit: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    rows: Vec<UserRowView>,
    roles: Vec<(&'static str, &'static str)>,
    default_unit: String,
    form_error: Option<String>,
}

async fn users_page(State(st): State<AppState>, m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    render_users(&st, &u, None, StatusCode::OK).await
}

async fn render_users(
    st: &AppState,
    u: &SignedIn,
    form_error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ManageUsers>().map_err(|_| denied(u))?;
    let list = users::list(&st.store, &scoped)
        .await
        .map_err(|e| store_fail(u, e))?;
    let page = UsersPage {
        layout: layout(u, "/users"),
        rows: list
            .into_iter()
            .map(|x| UserRowView {
                role: Role::parse(&x.role).map(Role::label_vi).unwrap_or(""),
                username: x.username,
                display_name: x.display_name,
                unit: format!("{} ({})", x.unit_name, x.unit_code),
            })
            .collect(),
        roles: ALL_ROLES
            .into_iter()
            .filter(|r| p.role == Role::Admin || !matches!(r, Role::Admin | Role::Auditor))
            .map(|r| (r.as_str(), r.label_vi()))
            .collect(),
        default_unit: p.unit.to_string(),
        form_error,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
struct UserForm {
    username: String,
    #[serde(default)]
    display_name: String,
    password: String,
    role: String,
    unit: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn create_user(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<ManageUsers>()
        .map_err(|_| denied(&u))?;
    let Some(role) = Role::parse(&f.role) else {
        return render_users(
            &st,
            &u,
            Some("Vai trò không hợp lệ".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let unit = match UnitCode::parse(&f.unit) {
        Ok(c) => c,
        Err(e) => {
            return render_users(
                &st,
                &u,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let new = NewUser {
        username: f.username,
        display_name: f.display_name,
        password: f.password,
        role,
        unit,
    };
    match users::create(&st.store, Some(&scoped), new).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(StoreError::Denied) => Err(denied(&u)),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            let (status, msg, _) = classify(&e);
            render_users(&st, &u, Some(msg), status).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

// ---------- audit ----------

struct AuditRowView {
    seq: i64,
    at: String,
    actor: String,
    action: &'static str,
    entity: String,
    entity_id: String,
    unit_code: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditRowView>,
    next_before: Option<i64>,
}

#[derive(Deserialize)]
struct AuditQuery {
    before: Option<i64>,
}

async fn audit_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let scoped = principal(&u)
        .scoped::<ViewAudit>()
        .map_err(|_| denied(&u))?;
    let rows = audit::list(&st.store, &scoped, q.before, 100)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let next_before = (rows.len() == 100)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    let page = AuditPage {
        layout: layout(&u, "/audit"),
        rows: rows
            .into_iter()
            .map(|r| AuditRowView {
                seq: r.seq,
                at: vi::timestamp(&r.at),
                actor: r.actor,
                action: mang_domain::audit::AuditAction::label_vi(&r.action),
                entity: r.entity,
                entity_id: r.entity_id,
                unit_code: r.unit_code,
            })
            .collect(),
        next_before,
    };
    Ok(render(&page))
}

// ---------- password ----------

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    form_error: Option<String>,
}

async fn password_form(m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    Ok(render(&PasswordPage {
        layout: layout(&u, "/account/password"),
        form_error: None,
    }))
}

#[derive(Deserialize)]
struct PasswordFormData {
    current: String,
    new: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn change_password(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(f): Form<PasswordFormData>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    match users::change_password(&st.store, principal(&u), &f.current, &f.new, &u.token).await {
        Ok(()) => {
            let mut l = layout(&u, "/account/password");
            l.flash =
                Some("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã được đóng.".into());
            Ok(render(&PasswordPage {
                layout: l,
                form_error: None,
            }))
        }
        Err(e @ StoreError::Invalid { .. }) => {
            let (status, msg, _) = classify(&e);
            Ok((
                status,
                render(&PasswordPage {
                    layout: layout(&u, "/account/password"),
                    form_error: Some(msg),
                }),
            )
                .into_response())
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}
