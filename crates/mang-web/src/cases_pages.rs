//! Child-protection case pages (issue "Case management"): the intake form (usable during
//! a phone call), the case list with filters and deadline badges, the supervisor
//! overview, the case page (timeline, step forms, plan and its progress, referrals), the
//! referral inbox, and the admin's holiday calendar and time limits.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use crate::registry_pages::fields_message;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use mang_domain::access::{Action, ManageSettings, ReportCase, Role, ViewCases};
use mang_domain::cases as dom;
use mang_store::StoreError;
use mang_store::cases::{self, CaseDetail, CaseFilter, CaseSummary, NewCase, NewReferral};
use serde::de::DeserializeOwned;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_page).post(create))
        .route("/cases/new", get(new_page))
        .route("/cases/export.xlsx", get(export))
        .route("/cases/inbox", get(inbox_page))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/steps", post(step))
        .route("/cases/{id}/assign", post(assign))
        .route("/cases/{id}/measures/{mid}", post(measure))
        .route("/cases/{id}/referrals", post(refer))
        .route("/case-referrals/{id}/decision", post(decide))
        .route("/settings/cases", get(settings_page))
        .route("/settings/cases/holidays", post(holiday))
        .route("/settings/cases/limits", post(limit))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// An HTML form as a JSON object: repeated keys in `lists` become arrays, `_csrf` is
/// returned apart. (`serde_urlencoded` cannot read repeated keys into a `Vec`.)
pub(crate) fn from_pairs<T: DeserializeOwned + Default>(
    pairs: &[(String, String)],
    lists: &[&str],
) -> (T, String) {
    let mut map = serde_json::Map::new();
    let mut csrf = String::new();
    for (k, v) in pairs {
        if k == "_csrf" {
            csrf = v.clone();
        } else if lists.contains(&k.as_str()) {
            if let Some(a) = map
                .entry(k.clone())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()))
                .as_array_mut()
            {
                a.push(serde_json::Value::String(v.clone()));
            }
        } else {
            map.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
    }
    (
        serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default(),
        csrf,
    )
}

pub(crate) fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|x| (code(*x), label(*x))).collect()
}

/// The coded lists of the forms.
pub struct Options {
    pub channels: Vec<(&'static str, &'static str)>,
    pub harms: Vec<(&'static str, &'static str)>,
    pub perpetrators: Vec<(&'static str, &'static str)>,
    pub levels: Vec<(&'static str, &'static str)>,
    pub measures: Vec<(&'static str, &'static str)>,
    pub close_reasons: Vec<(&'static str, &'static str)>,
    pub stages: Vec<(&'static str, &'static str)>,
}

impl Options {
    fn new() -> Options {
        Options {
            channels: options(dom::CHANNELS, dom::Channel::as_str, dom::Channel::label_vi),
            harms: options(dom::HARMS, dom::Harm::as_str, dom::Harm::label_vi),
            perpetrators: options(
                dom::PERPETRATORS,
                dom::Perpetrator::as_str,
                dom::Perpetrator::label_vi,
            ),
            levels: options(dom::LEVELS, dom::Level::as_str, dom::Level::label_vi),
            measures: options(dom::MEASURES, dom::Measure::as_str, dom::Measure::label_vi),
            close_reasons: options(
                dom::CLOSE_REASONS,
                dom::CloseReason::as_str,
                dom::CloseReason::label_vi,
            ),
            stages: options(dom::STAGES, dom::Stage::as_str, dom::Stage::label_vi),
        }
    }
}

fn scoped(u: &SignedIn) -> Result<mang_domain::access::Scoped<ViewCases>, PageError> {
    principal(u).scoped::<ViewCases>().map_err(|_| denied(u))
}

// ---------------------------------------------------------------------------------------
// List and overview.

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<CaseSummary>,
    filter: CaseFilter,
    overdue: usize,
    near: usize,
    may_report: bool,
    may_export: bool,
    has_inbox: bool,
    /// Supervisors: per commune (name, open, near, overdue).
    overview: Vec<(String, String, usize, usize, usize)>,
    options: Options,
}

async fn list_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(filter): Query<CaseFilter>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let s = scoped(&u)?;
    let p = principal(&u);
    let rows = cases::list(&st.store, &s, &filter, now())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let (overdue, near) = cases::tally(&rows);
    let mut overview: Vec<(String, String, usize, usize, usize)> = Vec::new();
    if matches!(p.role, Role::ProvinceOfficer | Role::CommuneChairman) {
        for r in &rows {
            let i = match overview.iter().position(|o| o.0 == r.commune_code) {
                Some(i) => i,
                None => {
                    overview.push((r.commune_code.clone(), r.commune_name.clone(), 0, 0, 0));
                    overview.len() - 1
                }
            };
            let o = &mut overview[i];
            o.2 += 1;
            if r.urgency == "near" {
                o.3 += 1;
            }
            if r.urgency == "overdue" {
                o.4 += 1;
            }
        }
        overview.sort_by(|a, b| b.4.cmp(&a.4).then(b.3.cmp(&a.3)).then(a.1.cmp(&b.1)));
    }
    let page = ListPage {
        layout: layout(&u, "/cases"),
        may_report: p.may(Action::ReportCase),
        may_export: p.may(Action::ExportCaseData),
        has_inbox: matches!(p.role, Role::CommuneOfficer | Role::CommuneChairman),
        rows,
        filter,
        overdue,
        near,
        overview,
        options: Options::new(),
    };
    Ok(render(&page).into_response())
}

/// The case list as .xlsx (restricted: province officers and chairmen; audited).
pub(crate) async fn export_xlsx(
    st: &AppState,
    p: &mang_domain::access::Principal,
    filter: &CaseFilter,
) -> Result<Response, StoreError> {
    let scoped = p
        .scoped::<mang_domain::access::ExportCaseData>()
        .map_err(|_| StoreError::Denied)?;
    let (headers, rows) = cases::export_rows(&st.store, &scoped, filter, now()).await?;
    let bytes = mang_docs::write_xlsx(&[mang_docs::SheetOut {
        name: "Ca bảo vệ trẻ em".into(),
        headers,
        rows,
        ..mang_docs::SheetOut::default()
    }])
    .map_err(|e| StoreError::Invalid {
        field: "export",
        message: e.to_string(),
    })?;
    Ok(crate::exchange::xlsx("ca-bao-ve-tre-em.xlsx", bytes))
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(filter): Query<CaseFilter>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    export_xlsx(&st, principal(&u), &filter)
        .await
        .map_err(|e| store_fail(&u, e))
}

// ---------------------------------------------------------------------------------------
// Intake.

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    layout: Layout,
    input: NewCase,
    communes: Vec<(String, String)>,
    villages: Vec<(String, String)>,
    error: Option<String>,
    options: Options,
    now_local: String,
    /// Two child blocks, filled from what was typed.
    child_rows: Vec<dom::RawCaseChild>,
}

async fn intake_form(
    st: &AppState,
    u: &SignedIn,
    input: NewCase,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    if !p.may(Action::ReportCase) {
        return Err(denied(u));
    }
    let pairs = |list: Vec<mang_store::units::Unit>| {
        list.into_iter()
            .map(|c| (c.code().to_string(), c.name))
            .collect::<Vec<_>>()
    };
    let (communes, villages) = match (&p.unit_path.province, &p.unit_path.commune) {
        (_, Some(c)) if p.unit_path.village.is_none() => (
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
    let local = now().to_offset(dom::VN);
    let mut child_rows = input.children.clone();
    child_rows.resize_with(2.max(child_rows.len()), Default::default);
    let page = NewPage {
        child_rows,
        layout: layout(u, "/cases"),
        input,
        communes,
        villages,
        error,
        options: Options::new(),
        now_local: format!(
            "{} {:02}:{:02}",
            mang_domain::vi::date(local.date()),
            local.hour(),
            local.minute()
        ),
    };
    Ok((status, render(&page)).into_response())
}

async fn new_page(State(st): State<AppState>, m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    intake_form(&st, &u, NewCase::default(), None, StatusCode::OK).await
}

fn intake_input(pairs: &[(String, String)]) -> (NewCase, String) {
    let (mut input, csrf): (NewCase, String) = from_pairs(pairs, &["harms"]);
    let col = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let (ids, names, sexes, ages) = (
        col("child_id"),
        col("child_name"),
        col("child_sex"),
        col("child_age"),
    );
    let n = ids.len().max(names.len());
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    input.children = (0..n)
        .map(|i| dom::RawCaseChild {
            child_id: at(&ids, i),
            name: at(&names, i),
            sex: at(&sexes, i),
            age_years: at(&ages, i),
        })
        .collect();
    (input, csrf)
}

async fn create(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (input, csrf) = intake_input(&pairs);
    check_csrf(&u, &csrf)?;
    let p = principal(&u);
    let s = p.scoped::<ReportCase>().map_err(|_| denied(&u))?;
    match cases::intake(&st.store, &s, &input, now()).await {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Invalid { .. })) => {
            intake_form(
                &st,
                &u,
                input,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

// ---------------------------------------------------------------------------------------
// The case page.

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    c: CaseDetail,
    error: Option<String>,
    options: Options,
    assignable: Vec<(i64, String)>,
    communes: Vec<(String, String)>,
    me: i64,
}

impl CasePage {
    fn can(&self, step: &str) -> bool {
        self.c.steps.iter().any(|s| s == step)
    }
}

async fn render_case(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let s = scoped(u)?;
    let c = cases::get(&st.store, &s, id, now())
        .await
        .map_err(|e| store_fail(u, e))?;
    let assignable = if c.may_assign {
        cases::assignable(&st.store, &c.summary.commune_code)
            .await
            .map_err(|e| store_fail(u, e))?
    } else {
        Vec::new()
    };
    let communes = if c.actor != "other" {
        let province = principal(u).unit_path.province.clone().unwrap_or_default();
        mang_store::units::communes_of(&st.store, &province)
            .await
            .map_err(|e| store_fail(u, e))?
            .into_iter()
            .filter(|x| x.code != c.summary.commune_code)
            .map(|x| (x.code().to_string(), x.name))
            .collect()
    } else {
        Vec::new()
    };
    let page = CasePage {
        layout: layout(u, "/cases"),
        c,
        error,
        options: Options::new(),
        assignable,
        communes,
        me: principal(u).user_id,
    };
    Ok((status, render(&page)).into_response())
}

async fn case_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    render_case(&st, &u, id, None, StatusCode::OK).await
}

/// After a write: back to the case, or the case with the error.
async fn outcome<T>(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    r: Result<T, StoreError>,
    anchor: &str,
) -> Result<Response, PageError> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}#{anchor}")).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Invalid { .. })) => {
            render_case(
                st,
                u,
                id,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ StoreError::StaleVersion { .. }) => {
            render_case(st, u, id, Some(e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e) => Err(store_fail(u, e)),
    }
}

async fn step(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (raw, csrf): (dom::RawStep, String) = from_pairs(
        &pairs,
        &[
            "measures",
            "m_measure",
            "m_activity",
            "m_responsible",
            "m_place",
            "m_start",
            "m_end",
            "m_resources",
        ],
    );
    check_csrf(&u, &csrf)?;
    let version = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok());
    let s = scoped(&u)?;
    let r = cases::take_step(&st.store, &s, id, &raw, version, now()).await;
    outcome(&st, &u, id, r, "timeline").await
}

#[derive(serde::Deserialize)]
struct AssignForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    user_id: i64,
}

async fn assign(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let s = scoped(&u)?;
    let r = cases::assign(&st.store, &s, id, f.user_id, now()).await;
    outcome(&st, &u, id, r, "top").await
}

#[derive(serde::Deserialize)]
struct MeasureForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    status: String,
    #[serde(default)]
    progress: String,
}

async fn measure(
    State(st): State<AppState>,
    m: MaybeUser,
    Path((id, mid)): Path<(i64, i64)>,
    Form(f): Form<MeasureForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let s = scoped(&u)?;
    let r = cases::update_measure(&st.store, &s, id, mid, &f.status, &f.progress, now()).await;
    outcome(&st, &u, id, r, "plan").await
}

#[derive(serde::Deserialize)]
struct ReferralForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: NewReferral,
}

async fn refer(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<ReferralForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let s = scoped(&u)?;
    let r = cases::refer(&st.store, &s, id, &f.input, now()).await;
    outcome(&st, &u, id, r, "referrals").await
}

// ---------------------------------------------------------------------------------------
// Referral inbox.

#[derive(Template)]
#[template(path = "case_inbox.html")]
struct InboxPage {
    layout: Layout,
    rows: Vec<cases::ReferralRow>,
    error: Option<String>,
}

async fn inbox(
    st: &AppState,
    u: &SignedIn,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let s = scoped(u)?;
    let rows = cases::inbox(&st.store, &s)
        .await
        .map_err(|e| store_fail(u, e))?;
    let page = InboxPage {
        layout: layout(u, "/cases"),
        rows,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn inbox_page(State(st): State<AppState>, m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    inbox(&st, &u, None, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct DecisionForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// "1" accept, "0" decline.
    accept: String,
    #[serde(default)]
    response: String,
    /// Back to the case page (the worker recording an agency's answer) or the inbox.
    #[serde(default)]
    case_id: Option<i64>,
}

async fn decide(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let s = scoped(&u)?;
    let r = cases::decide(&st.store, &s, id, f.accept == "1", &f.response, now()).await;
    match (f.case_id, r) {
        (Some(case_id), r) => outcome(&st, &u, case_id, r, "referrals").await,
        (None, Ok(())) => Ok(Redirect::to("/cases/inbox").into_response()),
        (None, Err(e @ StoreError::Invalid { .. })) => {
            inbox(
                &st,
                &u,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        (None, Err(e)) => Err(store_fail(&u, e)),
    }
}

// ---------------------------------------------------------------------------------------
// Settings: holidays and limits (admin).

#[derive(Template)]
#[template(path = "case_settings.html")]
struct SettingsPage {
    layout: Layout,
    holidays: Vec<(String, &'static str, String, String)>,
    limits: Vec<dom::Limit>,
    may_edit: bool,
    error: Option<String>,
}

async fn settings(
    st: &AppState,
    u: &SignedIn,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let holidays = cases::holidays(&st.store)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|d| {
            (
                mang_domain::vi::date(d.date),
                d.kind.label_vi(),
                d.name,
                d.kind.as_str().to_owned(),
            )
        })
        .collect();
    let limits = cases::limits(&st.store)
        .await
        .map_err(|e| store_fail(u, e))?
        .describe();
    let page = SettingsPage {
        layout: layout(u, "/settings/cases"),
        holidays,
        limits,
        may_edit: principal(u).may(Action::ManageSettings),
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn settings_page(State(st): State<AppState>, m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    settings(&st, &u, None, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct HolidayForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

async fn settings_outcome(
    st: &AppState,
    u: &SignedIn,
    r: Result<(), StoreError>,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to("/settings/cases").into_response()),
        Err(e @ StoreError::Invalid { .. }) => {
            settings(
                st,
                u,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(u, e)),
    }
}

async fn holiday(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(f): Form<HolidayForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let s = principal(&u)
        .scoped::<ManageSettings>()
        .map_err(|_| denied(&u))?;
    let r = cases::set_holiday(&st.store, &s, &f.date, &f.kind, &f.name).await;
    settings_outcome(&st, &u, r).await
}

#[derive(serde::Deserialize)]
struct LimitForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    key: String,
    value: String,
}

async fn limit(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(f): Form<LimitForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let s = principal(&u)
        .scoped::<ManageSettings>()
        .map_err(|_| denied(&u))?;
    let r = cases::set_limit(&st.store, &s, &f.key, &f.value).await;
    settings_outcome(&st, &u, r).await
}

/// The home page's "cases near or past a deadline" for the officer, the chairman and the
/// province officer (empty for other roles). A failure is an error page, never an empty
/// list: a deadline must not be missed silently.
pub(crate) async fn home_due(st: &AppState, u: &SignedIn) -> Result<Vec<CaseSummary>, PageError> {
    let p = principal(u);
    if !matches!(
        p.role,
        Role::CommuneOfficer | Role::CommuneChairman | Role::ProvinceOfficer
    ) {
        return Ok(Vec::new());
    }
    let s = scoped(u)?;
    Ok(cases::due_soon(&st.store, &s, now())
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .filter(|c| c.visibility != "status" || c.assigned_to.is_none())
        .collect())
}
