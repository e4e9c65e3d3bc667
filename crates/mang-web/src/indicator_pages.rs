//! Indicator pages and API (issue "Indicators"): the scorecard of a unit (every indicator
//! against its target, and a matrix of sub-units × computed indicators coloured by
//! status), an indicator's page (trend, ranking of sub-units, drill-down to a sub-unit
//! and, for users who may read child records, to the children behind the number), and
//! the .xlsx export of the scorecard.

use crate::AppState;
use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiErrorBody};
use crate::pages::{Layout, PageError, denied, layout, principal, render, require, store_fail};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use mang_domain::access::{ViewAggregates, ViewChildRecord};
use mang_domain::targets::{self, Period};
use mang_store::StoreError;
use mang_store::scorecard::{self, Board, Figure};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(board_page))
        .route("/indicators/export.xlsx", get(export))
        .route("/indicators/entry", get(entry_page).post(entry_save))
        .route(
            "/indicators/entry/approve",
            axum::routing::post(entry_approve),
        )
        .route("/indicators/{id}", get(indicator_page))
        .route("/indicators/{id}/children", get(children_page))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(api_board))
        .route("/indicators/{id}", get(api_indicator))
        .route("/indicators-exchange", get(api_exchange))
        .route("/aggregates", get(api_aggregates).post(api_save))
        .route("/aggregates/approve", axum::routing::post(api_approve))
}

/// A count as the pages show it (whole numbers with `.` thousands, else a decimal comma).
pub(crate) fn num(v: impl Num) -> String {
    let v = v.get();
    if v.fract() == 0.0 {
        mang_domain::vi::number(v as i64)
    } else {
        mang_domain::vi::decimal(v)
    }
}

/// A number however deeply the templates borrow it.
pub(crate) trait Num {
    fn get(self) -> f64;
}
impl Num for f64 {
    fn get(self) -> f64 {
        self
    }
}
impl<T: Num + Copy> Num for &T {
    fn get(self) -> f64 {
        (*self).get()
    }
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// `unit` (default: the user's own) and `period` (default: this year).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BoardQuery {
    /// A unit code inside the user's scope.
    pub unit: String,
    /// `2026`, `2026S1`, `2026S2`, `2026Q1`, `202603`, `2026-2030`.
    pub period: String,
}

fn period_of(q: &BoardQuery) -> Result<Period, StoreError> {
    if q.period.trim().is_empty() {
        let y = now().to_offset(mang_domain::cases::VN).year();
        return Ok(Period::Year(y));
    }
    Period::parse(q.period.trim()).ok_or(StoreError::Invalid {
        field: "period",
        message: "Kỳ không hợp lệ (ví dụ 2026, 2026S1, 2026Q1, 202603)".into(),
    })
}

async fn unit_of(
    st: &AppState,
    p: &mang_domain::access::Principal,
    q: &BoardQuery,
) -> Result<mang_store::units::Unit, StoreError> {
    let scoped = p
        .scoped::<ViewAggregates>()
        .map_err(|_| StoreError::Denied)?;
    let code = if q.unit.trim().is_empty() {
        p.unit.to_string()
    } else {
        q.unit.trim().to_owned()
    };
    mang_store::units::get_scoped(&st.store, &scoped, &code).await
}

/// Periods offered in the picker: this year and the two before, their halves and
/// quarters.
fn period_choices() -> Vec<(String, String)> {
    let today = now().to_offset(mang_domain::cases::VN).date();
    let y = today.year();
    let mut out = Vec::new();
    for year in [y, y - 1, y - 2] {
        for p in [
            Period::Year(year),
            Period::Half(year, 1),
            Period::Half(year, 2),
            Period::Quarter(year, 1),
            Period::Quarter(year, 2),
            Period::Quarter(year, 3),
            Period::Quarter(year, 4),
        ] {
            out.push((p.code(), p.label_vi()));
        }
    }
    // This year's months so far, latest first.
    for m in (1..=u8::from(today.month())).rev() {
        let p = Period::Month(y, m);
        out.push((p.code(), p.label_vi()));
    }
    // The five-year plan periods (2021–2025, 2026–2030: the national programmes' stages)
    // containing this year and the last: pooled figures.
    for p in [Period::stage_of(y), Period::stage_of(y - 1)] {
        let choice = (p.code(), p.label_vi());
        if !out.contains(&choice) {
            out.push(choice);
        }
    }
    out
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct BoardPage {
    layout: Layout,
    b: Board,
    /// The computed indicators' (id, short label) for the matrix header.
    columns: Vec<(String, String)>,
    periods: Vec<(String, String)>,
}

async fn board_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let period = period_of(&q).map_err(|e| store_fail(&u, e))?;
    let unit = unit_of(&st, p, &q).await.map_err(|e| store_fail(&u, e))?;
    let b = scorecard::board(&st.store, &st.indicators, &unit, &period, now())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let columns = b
        .columns
        .iter()
        .filter_map(|id| targets::indicator(id))
        .map(|i| (i.id.clone(), format!("{}. {}", i.no, i.name_vi)))
        .collect();
    let page = BoardPage {
        layout: layout(&u, "/indicators"),
        b,
        columns,
        periods: period_choices(),
    };
    Ok(render(&page).into_response())
}

/// The scorecard of a unit: every indicator with its numerator, denominator, value,
/// target and status, and the sub-units' figures (no personal data).
#[utoipa::path(get, path = "/api/v1/indicators", params(BoardQuery),
    responses((status = 200, body = Board), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_board(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<BoardQuery>,
) -> Result<Json<Board>, ApiError> {
    let u = crate::api::require(m)?;
    let p = &u.session.principal;
    let period = period_of(&q)?;
    let unit = unit_of(&st, p, &q).await?;
    Ok(Json(
        scorecard::board(&st.store, &st.indicators, &unit, &period, now()).await?,
    ))
}

/// One indicator at a unit: its figure, the figures of the previous periods (trend) and
/// of the sub-units.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorDetail {
    pub unit_code: String,
    pub unit_name: String,
    pub period: String,
    pub figure: Figure,
    pub numerator_vi: String,
    pub denominator_vi: String,
    /// Oldest first, ending with `period`.
    pub trend: Vec<(String, Figure)>,
    pub subunits: Vec<(String, String, Figure)>,
    /// May the user list the children behind the number (a commune, a listable
    /// indicator, and the right to read child records there)?
    pub may_list_children: bool,
}

async fn detail(
    st: &AppState,
    p: &mang_domain::access::Principal,
    id: &str,
    q: &BoardQuery,
) -> Result<IndicatorDetail, StoreError> {
    let ind = targets::indicator(id).ok_or(StoreError::NotFound)?;
    let period = period_of(q)?;
    let unit = unit_of(st, p, q).await?;
    let pick = |b: &Board| {
        b.figures
            .iter()
            .find(|f| f.indicator_id == id)
            .cloned()
            .ok_or(StoreError::NotFound)
    };
    let b = scorecard::board(&st.store, &st.indicators, &unit, &period, now()).await?;
    let figure = pick(&b)?;
    let mut trend = Vec::new();
    let mut p_back = period;
    for _ in 0..4 {
        p_back = p_back.previous();
        let b = scorecard::board(&st.store, &st.indicators, &unit, &p_back, now()).await?;
        trend.push((p_back.code(), pick(&b)?));
    }
    trend.reverse();
    trend.push((period.code(), figure.clone()));
    let col = mang_store::indicators::COMPUTED
        .iter()
        .position(|c| *c == id);
    let mut subunits: Vec<(String, String, Figure)> = match col {
        Some(i) => b
            .subunits
            .iter()
            .map(|s| (s.code.clone(), s.name.clone(), s.figures[i].clone()))
            .collect(),
        None => Vec::new(),
    };
    subunits.sort_by(|a, b| {
        b.2.value
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.2.value.unwrap_or(f64::NEG_INFINITY))
    });
    let path = unit.path();
    Ok(IndicatorDetail {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period: period.code(),
        figure,
        numerator_vi: ind.numerator_vi.clone(),
        denominator_vi: ind.denominator_vi.clone(),
        trend,
        subunits,
        may_list_children: mang_store::indicators::LISTABLE.contains(&id)
            && path.commune.is_some()
            && p.authorize::<ViewChildRecord>(&path).is_ok(),
    })
}

/// An indicator at a unit, with its trend and sub-units.
#[utoipa::path(get, path = "/api/v1/indicators/{id}", params(("id" = String, Path), BoardQuery),
    responses((status = 200, body = IndicatorDetail), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_indicator(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Result<Json<IndicatorDetail>, ApiError> {
    let u = crate::api::require(m)?;
    Ok(Json(detail(&st, &u.session.principal, &id, &q).await?))
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    layout: Layout,
    d: IndicatorDetail,
    trend_svg: String,
    ranking_svg: String,
    periods: Vec<(String, String)>,
}

async fn indicator_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let d = detail(&st, principal(&u), &id, &q)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let unit = targets::Unit::parse(&d.figure.unit).unwrap_or(targets::Unit::Count);
    let fmt = move |v: f64| targets::format_value(unit, v);
    let target = d
        .figure
        .target_id
        .as_deref()
        .and_then(|t| targets::targets().iter().find(|x| x.id == t))
        .and_then(|t| t.threshold);
    let trend_svg = mang_docs::chart::trend_svg(
        &d.trend
            .iter()
            .map(|(p, f)| (p.clone(), f.value))
            .collect::<Vec<_>>(),
        target,
        &fmt,
    );
    let ranked: Vec<(String, f64, String)> = d
        .subunits
        .iter()
        .filter_map(|(_, name, f)| f.value.map(|v| (name.clone(), v, f.status.clone())))
        .collect();
    let ranking_svg = if ranked.is_empty() {
        String::new()
    } else {
        mang_docs::chart::ranking_svg(&ranked, &fmt)
    };
    let page = IndicatorPage {
        layout: layout(&u, "/indicators"),
        d,
        trend_svg,
        ranking_svg,
        periods: period_choices(),
    };
    Ok(render(&page).into_response())
}

#[derive(Template)]
#[template(path = "indicator_children.html")]
struct ChildrenPage {
    layout: Layout,
    name: String,
    unit_code: String,
    unit_name: String,
    period: String,
    period_label: String,
    indicator_id: String,
    /// (id, name, birth date, village, in the numerator)
    rows: Vec<(i64, String, String, String, bool)>,
    in_numerator: usize,
}

async fn children_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let ind = targets::indicator(&id).ok_or_else(|| store_fail(&u, StoreError::NotFound))?;
    let period = period_of(&q).map_err(|e| store_fail(&u, e))?;
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(&u))?;
    let unit = mang_store::units::get(&st.store, q.unit.trim())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let path = unit.path();
    let (Some(province), Some(commune)) = (path.province.clone(), path.commune.clone()) else {
        return Err(store_fail(&u, StoreError::NotFound));
    };
    if !scoped.scope().contains(&path) || !mang_store::indicators::LISTABLE.contains(&id.as_str()) {
        return Err(store_fail(&u, StoreError::NotFound));
    }
    let members =
        mang_store::indicators::members(&st.store, &province, &commune, &id, &period, now())
            .await
            .map_err(|e| store_fail(&u, e))?;
    let rows = mang_store::registry::summaries_by_ids(
        &st.store,
        &scoped,
        &members.iter().map(|m| m.0).collect::<Vec<_>>(),
        &format!("indicator:{id}:{}", period.code()),
    )
    .await
    .map_err(|e| store_fail(&u, e))?;
    let yes: std::collections::HashMap<i64, bool> = members.into_iter().collect();
    let mut rows: Vec<(i64, String, String, String, bool)> = rows
        .into_iter()
        .map(|(cid, name, birth, village)| {
            let y = yes.get(&cid).copied().unwrap_or(false);
            (cid, name, birth, village, y)
        })
        .collect();
    rows.sort_by(|a, b| b.4.cmp(&a.4).then(a.1.cmp(&b.1)));
    let page = ChildrenPage {
        layout: layout(&u, "/indicators"),
        name: format!("{}. {}", ind.no, ind.name_vi),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period: period.code(),
        period_label: period.label_vi(),
        indicator_id: id.clone(),
        in_numerator: rows.iter().filter(|r| r.4).count(),
        rows,
    };
    Ok(render(&page).into_response())
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let period = period_of(&q).map_err(|e| store_fail(&u, e))?;
    let unit = unit_of(&st, p, &q).await.map_err(|e| store_fail(&u, e))?;
    let b = scorecard::board(&st.store, &st.indicators, &unit, &period, now())
        .await
        .map_err(|e| store_fail(&u, e))?;
    let num = |v: Option<f64>| v.map(mang_domain::vi::decimal).unwrap_or_default();
    let mut sheets = vec![mang_docs::SheetOut {
        name: "Chỉ tiêu".into(),
        headers: [
            "STT",
            "Mã chỉ tiêu",
            "Chỉ tiêu",
            "Tử số",
            "Mẫu số",
            "Giá trị",
            "Chỉ tiêu kế hoạch",
            "Kế hoạch",
            "Đánh giá",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: b
            .figures
            .iter()
            .map(|f| {
                vec![
                    f.no.to_string(),
                    f.indicator_id.clone(),
                    f.name_vi.clone(),
                    num(f.numerator),
                    num(f.denominator),
                    f.value_text.clone(),
                    f.target_text.clone(),
                    f.target_plan.clone().unwrap_or_default(),
                    f.status_label.clone(),
                ]
            })
            .collect(),
        widths: vec![6.0, 30.0, 60.0, 10.0, 10.0, 12.0, 14.0, 10.0, 18.0],
        ..mang_docs::SheetOut::default()
    }];
    if !b.subunits.is_empty() {
        let mut headers = vec!["Mã".to_owned(), "Đơn vị".to_owned()];
        if let Some(first) = b.subunits.first() {
            headers.extend(
                first
                    .figures
                    .iter()
                    .map(|f| format!("{}. {}", f.no, f.name_vi)),
            );
        }
        sheets.push(mang_docs::SheetOut {
            name: "Theo đơn vị".into(),
            headers,
            rows: b
                .subunits
                .iter()
                .map(|s| {
                    let mut r = vec![s.code.clone(), s.name.clone()];
                    r.extend(s.figures.iter().map(|f| f.value_text.clone()));
                    r
                })
                .collect(),
            ..mang_docs::SheetOut::default()
        });
    }
    let bytes = mang_docs::write_xlsx(&sheets).map_err(|e| {
        store_fail(
            &u,
            StoreError::Invalid {
                field: "export",
                message: e.to_string(),
            },
        )
    })?;
    Ok(crate::exchange::xlsx("chi-tieu.xlsx", bytes))
}

// ---------------------------------------------------------------------------------------
// Aggregate entry.

#[derive(Template)]
#[template(path = "indicator_entry.html")]
struct EntryPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    period: String,
    period_label: String,
    rows: Vec<mang_store::aggregates::AggregateRow>,
    may_enter: bool,
    may_approve: bool,
    error: Option<String>,
    periods: Vec<(String, String)>,
}

async fn entry(
    st: &AppState,
    u: &crate::auth::SignedIn,
    q: &BoardQuery,
    error: Option<String>,
    status: axum::http::StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let period = period_of(q).map_err(|e| store_fail(u, e))?;
    let unit = unit_of(st, p, q).await.map_err(|e| store_fail(u, e))?;
    let scoped = p.scoped::<ViewAggregates>().map_err(|_| denied(u))?;
    let rows = mang_store::aggregates::list(&st.store, &scoped, &unit, &period)
        .await
        .map_err(|e| store_fail(u, e))?;
    let path = unit.path();
    let page = EntryPage {
        layout: layout(u, "/indicators"),
        may_enter: path.province.is_some()
            && p.authorize::<mang_domain::access::EnterAggregates>(&path)
                .is_ok(),
        may_approve: path.province.is_some()
            && p.authorize::<mang_domain::access::ApproveAggregates>(&path)
                .is_ok(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period: period.code(),
        period_label: period.label_vi(),
        rows,
        error,
        periods: period_choices(),
    };
    Ok((status, render(&page)).into_response())
}

async fn entry_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    entry(&st, &u, &q, None, axum::http::StatusCode::OK).await
}

#[derive(Deserialize)]
struct EntryForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    indicator_id: String,
    #[serde(default)]
    numerator: String,
    #[serde(default)]
    denominator: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: i64,
}

async fn entry_outcome(
    st: &AppState,
    u: &crate::auth::SignedIn,
    q: &BoardQuery,
    r: Result<(), StoreError>,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(axum::response::Redirect::to(&format!(
            "/indicators/entry?unit={}&period={}",
            q.unit, q.period
        ))
        .into_response()),
        Err(
            e @ (StoreError::Fields(_)
            | StoreError::Invalid { .. }
            | StoreError::StaleVersion { .. }),
        ) => {
            let msg = crate::registry_pages::fields_message(&e);
            entry(
                st,
                u,
                q,
                Some(msg),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(u, e)),
    }
}

async fn entry_save(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<BoardQuery>,
    axum::extract::Form(f): axum::extract::Form<EntryForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    crate::pages::check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p
        .scoped::<mang_domain::access::EnterAggregates>()
        .map_err(|_| denied(&u))?;
    let period = period_of(&q).map_err(|e| store_fail(&u, e))?;
    let unit = unit_of(&st, p, &q).await.map_err(|e| store_fail(&u, e))?;
    let r = mang_store::aggregates::save(
        &st.store,
        &scoped,
        &unit,
        &period,
        &mang_store::aggregates::AggregateInput {
            indicator_id: f.indicator_id,
            numerator: f.numerator,
            denominator: f.denominator,
            note: f.note,
            version: f.version,
        },
    )
    .await;
    entry_outcome(&st, &u, &q, r).await
}

#[derive(Deserialize)]
struct ApproveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    indicator_id: String,
}

async fn entry_approve(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<BoardQuery>,
    axum::extract::Form(f): axum::extract::Form<ApproveForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    crate::pages::check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p
        .scoped::<mang_domain::access::ApproveAggregates>()
        .map_err(|_| denied(&u))?;
    let period = period_of(&q).map_err(|e| store_fail(&u, e))?;
    let unit = unit_of(&st, p, &q).await.map_err(|e| store_fail(&u, e))?;
    let r =
        mang_store::aggregates::approve(&st.store, &scoped, &unit, &period, &f.indicator_id).await;
    entry_outcome(&st, &u, &q, r).await
}

/// The enterable indicators of a unit and period, with their figures and history.
#[utoipa::path(get, path = "/api/v1/aggregates", params(BoardQuery),
    responses((status = 200, body = Vec<mang_store::aggregates::AggregateRow>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_aggregates(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<BoardQuery>,
) -> Result<Json<Vec<mang_store::aggregates::AggregateRow>>, ApiError> {
    let u = crate::api::require(m)?;
    let p = &u.session.principal;
    let period = period_of(&q)?;
    let unit = unit_of(&st, p, &q).await?;
    let scoped = p.scoped::<ViewAggregates>()?;
    Ok(Json(
        mang_store::aggregates::list(&st.store, &scoped, &unit, &period).await?,
    ))
}

/// Enter or change a figure (draft); 422 with the field at fault (numerator above the
/// denominator…), 409 on a stale version, 422 when approved (locked).
#[utoipa::path(post, path = "/api/v1/aggregates", params(BoardQuery), request_body = mang_store::aggregates::AggregateInput,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_save(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: axum::http::HeaderMap,
    Query(q): Query<BoardQuery>,
    Json(input): Json<mang_store::aggregates::AggregateInput>,
) -> Result<axum::http::StatusCode, ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<mang_domain::access::EnterAggregates>()?;
    let period = period_of(&q)?;
    let unit = unit_of(&st, p, &q).await?;
    mang_store::aggregates::save(&st.store, &scoped, &unit, &period, &input).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApproveRequest {
    pub indicator_id: String,
}

/// Approve a figure (province officers, commune chairmen): locked from then on.
#[utoipa::path(post, path = "/api/v1/aggregates/approve", params(BoardQuery), request_body = ApproveRequest,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_approve(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: axum::http::HeaderMap,
    Query(q): Query<BoardQuery>,
    Json(req): Json<ApproveRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    let u = crate::api::require(m)?;
    crate::api::check_csrf(&u, &headers)?;
    let p = &u.session.principal;
    let scoped = p.scoped::<mang_domain::access::ApproveAggregates>()?;
    let period = period_of(&q)?;
    let unit = unit_of(&st, p, &q).await?;
    mang_store::aggregates::approve(&st.store, &scoped, &unit, &period, &req.indicator_id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// Exchange: DHIS2 dataValueSets and ADX.

/// `format`: `dhis2` (dataValueSets JSON) or `adx` (XML).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ExchangeQuery {
    pub unit: String,
    pub period: String,
    pub format: String,
}

/// ADX's period: the start date and an ISO 8601 duration.
fn adx_period(p: &Period) -> String {
    let d = match p {
        Period::Year(_) => "P1Y".to_owned(),
        Period::Half(..) => "P6M".to_owned(),
        Period::Quarter(..) => "P3M".to_owned(),
        Period::Month(..) => "P1M".to_owned(),
        Period::Years(a, b) => format!("P{}Y", b - a + 1),
    };
    format!("{}/{d}", p.start())
}

/// A unit's indicator values and its sub-units' as DHIS2 `dataValueSets` JSON or ADX XML
/// (each indicator as `<id>_num` and `<id>_den` data elements, org units by code): for a
/// ministry or partner system to import. No personal data.
#[utoipa::path(get, path = "/api/v1/indicators-exchange", params(ExchangeQuery),
    responses((status = 200, description = "DHIS2 JSON or ADX XML"), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_exchange(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<ExchangeQuery>,
) -> Result<Response, ApiError> {
    let u = crate::api::require(m)?;
    let p = &u.session.principal;
    let bq = BoardQuery {
        unit: q.unit.clone(),
        period: q.period.clone(),
    };
    let period = period_of(&bq)?;
    let unit = unit_of(&st, p, &bq).await?;
    let (own, subs) =
        scorecard::unit_values(&st.store, &st.indicators, &unit, &period, now()).await?;
    let mut rows = Vec::new();
    let mut push =
        |code: &str, values: &std::collections::BTreeMap<&'static str, targets::Value>| {
            for (id, v) in values {
                rows.push(mang_docs::exchange::Row {
                    org_unit: code.to_owned(),
                    indicator_id: (*id).to_owned(),
                    numerator: v.numerator,
                    denominator: v.denominator,
                });
            }
        };
    push(&unit.code, &own);
    for (code, _, values) in &subs {
        push(code, values);
    }
    match q.format.as_str() {
        "" | "dhis2" => {
            Ok(Json(mang_docs::exchange::dhis2_json(&period.code(), &rows)).into_response())
        }
        "adx" => {
            let exported = mang_store::timestamp(now());
            Ok((
                [(
                    axum::http::header::CONTENT_TYPE,
                    "application/adx+xml; charset=utf-8",
                )],
                mang_docs::exchange::adx_xml(&adx_period(&period), &exported, &rows),
            )
                .into_response())
        }
        _ => Err(StoreError::Invalid {
            field: "format",
            message: "Định dạng không hợp lệ: dhis2 hoặc adx".into(),
        }
        .into()),
    }
}
