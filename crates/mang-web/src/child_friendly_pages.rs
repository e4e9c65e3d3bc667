//! Child-friendly communes (QĐ 06/2019/QĐ-TTg): a commune's yearly self-assessment
//! against the 13 criteria with the recognition rule's outcome, the province's list with
//! the count and share of recognised communes, and the province's appraisal.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use mang_domain::access::{AppraiseCommunes, EditRegisters, ViewAggregates};
use mang_domain::child_friendly::{self as cf, COMMUNE_TYPES, CommuneType};
use mang_store::StoreError;
use mang_store::child_friendly::{self as store_cf, AssessmentRow, NewAssessment};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/child-friendly", get(page).post(save))
        .route("/child-friendly/appraise", post(appraise))
        .route("/child-friendly/export.xlsx", get(export))
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<Q>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (scoped, unit) = crate::pages::viewed_unit(&st, &u, q.unit.as_str()).await?;
    let year = q.year.unwrap_or(crate::plan_pages::today().year());
    let bytes =
        mang_store::register_exchange::export_child_friendly(&st.store, &scoped, &unit, year)
            .await
            .map_err(|e| store_fail(&u, e))?;
    Ok(crate::exchange::xlsx(
        &format!("xa-phu-hop-voi-tre-em-{}-{year}.xlsx", unit.code),
        bytes,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Q {
    unit: String,
    year: Option<i32>,
}

fn this_year() -> i32 {
    time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .year()
}

#[derive(Template)]
#[template(path = "child_friendly.html")]
struct Page {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    year: i32,
    is_commune: bool,
    rows: Vec<AssessmentRow>,
    communes: usize,
    recognised: usize,
    share: String,
    criteria: Vec<(u32, String, u32, u32)>,
    types: Vec<(&'static str, &'static str)>,
    current_type: String,
    evidence: String,
    play_venue: bool,
    may_edit: bool,
    may_appraise: bool,
    error: Option<String>,
}

async fn view(
    st: &AppState,
    u: &SignedIn,
    q: &Q,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(u))?;
    let code = crate::pages::unit_param(u, Some(q.unit.as_str()));
    let unit = mang_store::units::get_scoped(&st.store, &scoped, &code)
        .await
        .map_err(|e| store_fail(u, e))?;
    let year = q.year.unwrap_or_else(this_year);
    let path = unit.path();
    let is_commune = path.commune.is_some() && path.village.is_none();
    let rows = if path.province.is_some() {
        store_cf::list(&st.store, &scoped, &unit, year)
            .await
            .map_err(|e| store_fail(u, e))?
    } else {
        Vec::new()
    };
    let communes = match &path.province {
        Some(pr) if !is_commune => mang_store::units::communes_of(&st.store, pr)
            .await
            .map_err(|e| store_fail(u, e))?
            .len(),
        _ => 1,
    };
    let recognised = rows
        .iter()
        .filter(|r| r.recognised && r.status == "appraised")
        .count();
    let mine = rows.first().filter(|_| is_commune);
    let criteria = cf::criteria()
        .iter()
        .map(|c| {
            let got = mine
                .and_then(|r| r.points.iter().find(|(n, _)| *n == c.no))
                .map_or(0, |(_, p)| *p);
            (c.no, c.name.clone(), c.max_points, got)
        })
        .collect();
    let page = Page {
        layout: layout(u, "/child-friendly"),
        may_edit: is_commune
            && p.authorize::<EditRegisters>(&path).is_ok()
            && mine.is_none_or(|r| r.status != "appraised"),
        may_appraise: is_commune
            && p.authorize::<AppraiseCommunes>(&path).is_ok()
            && mine.is_some_and(|r| r.status == "self_assessed"),
        current_type: mine.map(|r| r.commune_type.clone()).unwrap_or_default(),
        evidence: mine.map(|r| r.evidence.clone()).unwrap_or_default(),
        play_venue: mine.is_some_and(|r| r.play_venue),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        year,
        is_commune,
        share: if communes == 0 {
            String::new()
        } else {
            mang_domain::targets::format_value(
                mang_domain::targets::Unit::Pct,
                recognised as f64 / communes as f64 * 100.0,
            )
        },
        rows,
        communes,
        recognised,
        criteria,
        types: crate::cases_pages::options(
            COMMUNE_TYPES,
            CommuneType::as_str,
            CommuneType::label_vi,
        ),
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<Q>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    view(&st, &u, &q, None, StatusCode::OK).await
}

async fn save(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<Q>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    check_csrf(&u, &get("_csrf"))?;
    let scoped = principal(&u)
        .scoped::<EditRegisters>()
        .map_err(|_| denied(&u))?;
    let mut points = Vec::new();
    let mut bad = None;
    for c in cf::criteria() {
        let v = get(&format!("c{}", c.no));
        match v.trim().parse::<u32>() {
            Ok(p) => points.push((c.no, p)),
            Err(_) if v.trim().is_empty() => {}
            Err(_) => bad = Some(format!("Tiêu chí {}: điểm phải là số nguyên", c.no)),
        }
    }
    if let Some(b) = bad {
        return view(&st, &u, &q, Some(b), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let year = q.year.unwrap_or_else(this_year);
    let input = NewAssessment {
        commune_type: get("commune_type"),
        points,
        evidence: get("evidence"),
        play_venue: matches!(get("play_venue").as_str(), "1" | "on" | "true"),
    };
    match store_cf::self_assess(&st.store, &scoped, &unit, year, &input).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/child-friendly?unit={}&year={year}", unit.code))
                .into_response(),
        ),
        Err(e @ StoreError::Invalid { .. }) => {
            let msg = crate::registry_pages::fields_message(&e);
            view(&st, &u, &q, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

#[derive(Deserialize)]
struct AppraiseForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn appraise(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<Q>,
    Form(f): Form<AppraiseForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<AppraiseCommunes>()
        .map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let year = q.year.unwrap_or_else(this_year);
    store_cf::appraise(&st.store, &scoped, &unit, year)
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(Redirect::to(&format!("/child-friendly?unit={}&year={year}", unit.code)).into_response())
}
