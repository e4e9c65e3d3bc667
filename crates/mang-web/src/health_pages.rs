//! Health pages (issue "Child health"), so far immunisation: the schedule on the child
//! page with a form to record a dose, and the commune's vaccination-day list (children
//! due this week or month, or overdue), printable.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::pages::unit_param;
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use crate::registry_pages::{child_form_outcome, fields_message};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use mang_domain::access::{RecordHealthData, Scoped, ViewChildRecord};
use mang_domain::vi;
use mang_store::StoreError;
use mang_store::immunization::{self, NewDose};
use mang_store::registry::Child;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children/{id}/doses", post(record_dose))
        .route("/immunization", get(due_list))
        .route("/children/{id}/injuries", post(record_child_injury))
        .route("/injuries", get(injury_list).post(record_unit_injury))
        .route("/children/{id}/measurements", post(record_measurement))
        .route("/children/{id}/death", post(record_child_death))
        .route("/children/{id}/birth", post(record_birth))
        .route("/households/{id}/births", post(record_birth_with_child))
        .route("/children/{id}/checks", post(record_check))
        .route("/health", get(health_summary))
        .route("/deaths", get(death_list).post(record_unit_death))
}

/// The birth part of the child page: the record, or the form to add it.
pub struct BirthView {
    /// (label, value) lines of the stored record.
    pub facts: Vec<(&'static str, String)>,
    pub may_record: bool,
    pub places: &'static [(&'static str, &'static str)],
    pub screening: &'static [(&'static str, &'static str)],
    pub error: Option<String>,
}

pub(crate) async fn birth_view(
    st: &AppState,
    u: &SignedIn,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
    error: Option<String>,
) -> Result<BirthView, PageError> {
    use mang_domain::births::{PLACES, SCREENING};
    let b = mang_store::births::of_child(&st.store, scoped, c)
        .await
        .map_err(|e| store_fail(u, e))?;
    let yes = |v: bool| if v { "Có" } else { "Không" }.to_owned();
    let facts = b
        .as_ref()
        .map(|b| {
            vec![
                (
                    "Nơi sinh",
                    PLACES
                        .iter()
                        .find(|p| p.0 == b.place)
                        .map_or(String::new(), |p| p.1.to_owned()),
                ),
                (
                    "Cân nặng khi sinh",
                    b.birth_weight_g
                        .map(|w| {
                            format!(
                                "{} g{}",
                                vi::number(w),
                                if b.low_birth_weight {
                                    " (nhẹ cân)"
                                } else {
                                    ""
                                }
                            )
                        })
                        .unwrap_or_else(|| "—".into()),
                ),
                (
                    "Tuổi thai",
                    b.gestational_weeks
                        .map(|w| format!("{w} tuần{}", if b.preterm { " (sinh non)" } else { "" }))
                        .unwrap_or_else(|| "—".into()),
                ),
                ("Chăm sóc thiết yếu sớm (EENC)", yes(b.eenc)),
                ("Bú mẹ trong giờ đầu", yes(b.breastfed_1h)),
                ("Tiêm vitamin K1", yes(b.vitamin_k1)),
                ("Viêm gan B trong 24 giờ", yes(b.hepb_24h)),
                (
                    "Sàng lọc sơ sinh",
                    if b.screening.is_empty() {
                        "Chưa sàng lọc".into()
                    } else {
                        b.screening
                            .iter()
                            .filter_map(|s| SCREENING.iter().find(|x| x.0 == s).map(|x| x.1))
                            .collect::<Vec<_>>()
                            .join("; ")
                    },
                ),
            ]
        })
        .unwrap_or_default();
    Ok(BirthView {
        may_record: b.is_none()
            && principal(u)
                .authorize::<RecordHealthData>(&c.path())
                .is_ok()
            && c.status != mang_domain::merge::MERGED,
        facts,
        places: &PLACES,
        screening: &SCREENING,
        error,
    })
}

async fn record_birth(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let get = |k: &str| {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
            .join(",")
    };
    check_csrf(&u, &get("_csrf"))?;
    let scoped = principal(&u)
        .scoped::<RecordHealthData>()
        .map_err(|_| denied(&u))?;
    let input = mang_store::births::NewBirth {
        place: get("place"),
        birth_weight_g: get("birth_weight_g"),
        gestational_weeks: get("gestational_weeks"),
        eenc: get("eenc"),
        breastfed_1h: get("breastfed_1h"),
        vitamin_k1: get("vitamin_k1"),
        hepb_24h: get("hepb_24h"),
        screening: get("screening"),
    };
    let r = mang_store::births::record(&st.store, &scoped, id, &input)
        .await
        .map(|_| id);
    child_form_outcome(&st, &u, id, "birth", r).await
}

/// Health checks on the child page.
pub struct CheckView {
    pub rows: Vec<(String, String, String)>,
    pub results: &'static [(&'static str, &'static str)],
    pub may_record: bool,
    pub error: Option<String>,
}

pub(crate) async fn check_view(
    st: &AppState,
    u: &SignedIn,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
    error: Option<String>,
) -> Result<CheckView, PageError> {
    let rows = mang_store::checks::of_child(&st.store, scoped, c)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|r| {
            (
                vi::iso_date(&r.checked_on),
                r.result_label,
                r.note.unwrap_or_default(),
            )
        })
        .collect();
    Ok(CheckView {
        rows,
        results: &mang_store::checks::RESULTS,
        may_record: principal(u)
            .authorize::<RecordHealthData>(&c.path())
            .is_ok()
            && c.status != mang_domain::merge::MERGED,
        error,
    })
}

#[derive(serde::Deserialize)]
struct CheckForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: mang_store::checks::NewCheck,
}

async fn record_check(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<CheckForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<RecordHealthData>()
        .map_err(|_| denied(&u))?;
    let r = mang_store::checks::record(&st.store, &scoped, id, &f.input, crate::api::today())
        .await
        .map(|_| id);
    child_form_outcome(&st, &u, id, "checks", r).await
}

#[derive(Template)]
#[template(path = "health.html")]
struct HealthPage {
    layout: Layout,
    unit_name: String,
    communes: Vec<(String, String)>,
    summary: Option<mang_store::checks::HealthSummary>,
    checked_pct: String,
    insured_pct: String,
}

fn pct(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!(
            "{} %",
            vi::decimal((n as f64 * 1000.0 / d as f64).round() / 10.0)
        )
    }
}

async fn health_summary(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<DueQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let scoped = principal(&u)
        .scoped::<ViewChildRecord>()
        .map_err(|_| denied(&u))?;
    let PageUnit { unit, communes, .. } = page_unit(&st, &u, &scoped, q.unit.as_deref()).await?;
    let summary = if unit.path().commune.is_some() {
        let mut s = mang_store::checks::summary(&st.store, &scoped, &unit, crate::api::today())
            .await
            .map_err(|e| store_fail(&u, e))?;
        for c in &mut s.uninsured {
            c.birth_date = vi::iso_date(&c.birth_date);
            c.insurance_valid_to = c.insurance_valid_to.as_deref().map(vi::iso_date);
        }
        Some(s)
    } else {
        None
    };
    let view = HealthPage {
        layout: layout(&u, "/health"),
        checked_pct: summary.as_ref().map_or(String::new(), |s| {
            pct(s.under_5_checked_this_year, s.under_5)
        }),
        insured_pct: summary
            .as_ref()
            .map_or(String::new(), |s| pct(s.under_6_insured, s.under_6)),
        unit_name: unit.name,
        communes,
        summary,
    };
    Ok(render(&view))
}

/// A birth that creates the child's record in the household (registry keepers).
async fn record_birth_with_child(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let get = |k: &str| {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
            .join(",")
    };
    check_csrf(&u, &get("_csrf"))?;
    let scoped = principal(&u)
        .scoped::<mang_domain::access::EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let input = mang_store::births::NewBirthWithChild {
        child: mang_domain::registry::RawChild {
            full_name: get("full_name"),
            sex: get("sex"),
            birth_date: get("birth_date"),
            ..Default::default()
        },
        birth: mang_store::births::NewBirth {
            place: get("place"),
            birth_weight_g: get("birth_weight_g"),
            gestational_weeks: get("gestational_weeks"),
            eenc: get("eenc"),
            breastfed_1h: get("breastfed_1h"),
            vitamin_k1: get("vitamin_k1"),
            hepb_24h: get("hepb_24h"),
            screening: get("screening"),
        },
    };
    match mang_store::births::record_with_child(&st.store, &scoped, id, &input, crate::api::today())
        .await
    {
        Ok(c) => Ok(Redirect::to(&format!("/children/{}#birth", c.id)).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Conflict { .. })) => {
            crate::registry_pages::render_household(
                &st,
                &u,
                id,
                None,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// Options of the death forms: (code, label) for cause and place.
pub struct DeathOptions {
    pub causes: Vec<(&'static str, &'static str)>,
    pub places: Vec<(&'static str, &'static str)>,
}

impl DeathOptions {
    fn new() -> DeathOptions {
        use mang_domain::deaths::{CAUSES, PLACES};
        DeathOptions {
            causes: CAUSES.iter().map(|k| (k.as_str(), k.label_vi())).collect(),
            places: PLACES.iter().map(|k| (k.as_str(), k.label_vi())).collect(),
        }
    }
}

/// The death form of the child page (health station, commune officer; not for a record
/// already closed by death).
pub struct DeathView {
    pub may_record: bool,
    pub options: DeathOptions,
    pub error: Option<String>,
}

pub(crate) fn death_view(u: &SignedIn, c: &Child, error: Option<String>) -> DeathView {
    DeathView {
        may_record: principal(u)
            .authorize::<RecordHealthData>(&c.path())
            .is_ok()
            && matches!(c.status.as_str(), "active" | "moved_out"),
        options: DeathOptions::new(),
        error,
    }
}

#[derive(serde::Deserialize)]
struct DeathForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: mang_store::deaths::NewDeath,
}

async fn record_child_death(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<DeathForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<RecordHealthData>()
        .map_err(|_| denied(&u))?;
    let r =
        mang_store::deaths::record_for_child(&st.store, &scoped, id, &f.input, crate::api::today())
            .await
            .map(|_| id);
    child_form_outcome(&st, &u, id, "death", r).await
}

pub struct DeathRowView {
    pub date: String,
    pub child: Option<(i64, String)>,
    pub sex: &'static str,
    pub age: String,
    pub cause: String,
    pub place: String,
}

#[derive(Template)]
#[template(path = "deaths.html")]
struct DeathPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    year: i32,
    rows: Vec<DeathRowView>,
    neonatal: usize,
    under_1: usize,
    under_5: usize,
    communes: Vec<(String, String)>,
    may_record: bool,
    options: DeathOptions,
    villages: Vec<(String, String)>,
    error: Option<String>,
}

async fn death_page(
    st: &AppState,
    u: &SignedIn,
    q: &InjuryQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(u))?;
    let PageUnit {
        code,
        unit,
        communes,
        villages,
    } = page_unit(st, u, &scoped, q.unit.as_deref()).await?;
    let year = q.year.unwrap_or(crate::api::today().year());
    let commune = unit.path().commune.clone();
    let list = if commune.is_some() {
        Some(
            mang_store::deaths::list(&st.store, &scoped, &unit, year)
                .await
                .map_err(|e| store_fail(u, e))?,
        )
    } else {
        None
    };
    let (neonatal, under_1, under_5) = list
        .as_ref()
        .map_or((0, 0, 0), |l| (l.neonatal, l.under_1, l.under_5));
    let view = DeathPage {
        layout: layout(u, "/deaths"),
        may_record: commune.is_some() && p.authorize::<RecordHealthData>(&unit.path()).is_ok(),
        rows: list
            .map(|l| l.deaths)
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeathRowView {
                date: vi::iso_date(&d.death_date),
                child: d.child_id.zip(d.child_name),
                sex: if d.sex == "female" { "Nữ" } else { "Nam" },
                age: mang_domain::growth::age_vi(d.age_days),
                cause: d.cause_label,
                place: d.place_label,
            })
            .collect(),
        neonatal,
        under_1,
        under_5,
        unit_code: code,
        unit_name: unit.name,
        year,
        communes,
        options: DeathOptions::new(),
        villages,
        error,
    };
    Ok((status, render(&view)).into_response())
}

async fn death_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<InjuryQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    death_page(&st, &u, &q, None, StatusCode::OK).await
}

async fn record_unit_death(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<InjuryQuery>,
    Form(f): Form<DeathForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p.scoped::<RecordHealthData>().map_err(|_| denied(&u))?;
    let code = unit_param(&u, q.unit.as_deref());
    let unit = mang_store::units::get(&st.store, &code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    match mang_store::deaths::record_for_unit(
        &st.store,
        &scoped,
        &unit,
        &f.input,
        crate::api::today(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/deaths?unit={code}")).into_response()),
        Err(e @ StoreError::Fields(_)) => {
            death_page(
                &st,
                &u,
                &q,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// One measurement as the child page shows it.
pub struct MeasurementView {
    pub date: String,
    pub age: String,
    pub weight: String,
    pub lenhei: String,
    pub zwei: String,
    pub zlen: String,
    pub zwfl: String,
    pub status: String,
}

/// The growth part of the child page: the WHO weight-for-age chart, the measurements with
/// their z-scores, and the entry form (z-scores shown while typing, with JS).
pub struct GrowthView {
    pub rows: Vec<MeasurementView>,
    /// SVG, made here from numbers only (safe to embed): weight-for-age and
    /// length/height-for-age.
    pub chart: String,
    pub length_chart: String,
    /// Weight-for-length (under 24 months) or weight-for-height, SVG.
    pub wfl_chart: String,
    pub under_five: bool,
    pub may_record: bool,
    pub error: Option<String>,
}

/// "-2,15" or "-6,30 (!)" for a flagged score; empty when none.
pub fn z_text(z: Option<mang_store::growth::Z>) -> String {
    z.map(|z| {
        let t = format!("{:.2}", z.z).replace('.', ",");
        if z.flagged { format!("{t} (!)") } else { t }
    })
    .unwrap_or_default()
}

/// The weight-for-length chart while the newest measurement with both a weight and a
/// length is under 24 months, the weight-for-height chart from then on; points are the
/// lengths after the 0.7 cm conversion, as the z-scores use them.
fn wfl_chart(sex: mang_domain::anthro::Sex, rows: &[mang_store::growth::MeasurementRow]) -> String {
    use mang_docs::chart::Chart;
    let both = |r: &mang_store::growth::MeasurementRow| r.weight_kg.zip(r.clenhei_cm);
    let Some(newest) = rows
        .iter()
        .filter(|r| both(r).is_some())
        .max_by_key(|r| r.age_days)
    else {
        return String::new();
    };
    let lying = newest.age_days < 731;
    let points: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| (r.age_days < 731) == lying)
        .filter_map(|r| both(r).map(|(w, l)| (l, w)))
        .collect();
    let chart = if lying {
        Chart::WeightForLength
    } else {
        Chart::WeightForHeight
    };
    mang_docs::chart::growth_chart_svg(chart, sex, &points)
}

pub(crate) async fn growth_view(
    st: &AppState,
    u: &SignedIn,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
    error: Option<String>,
) -> Result<GrowthView, PageError> {
    let rows = mang_store::growth::of_child(&st.store, scoped, c)
        .await
        .map_err(|e| store_fail(u, e))?;
    let sex = if c.sex == "female" {
        mang_domain::anthro::Sex::Female
    } else {
        mang_domain::anthro::Sex::Male
    };
    let points: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| r.weight_kg.map(|w| (r.age_days as f64, w)))
        .collect();
    let lengths: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| r.lenhei_cm.map(|l| (r.age_days as f64, l)))
        .collect();
    let today = crate::api::today();
    let under_five = mang_domain::registry::parse_date(&c.birth_date)
        .is_some_and(|b| (today - b).whole_days() < 1826);
    let num = |v: Option<f64>| v.map(vi::decimal).unwrap_or_default();
    Ok(GrowthView {
        chart: if rows.is_empty() && !under_five {
            String::new()
        } else {
            mang_docs::chart::weight_for_age_svg(sex, &points)
        },
        wfl_chart: wfl_chart(sex, &rows),
        length_chart: if lengths.is_empty() {
            String::new()
        } else {
            mang_docs::chart::growth_chart_svg(mang_docs::chart::Chart::LengthForAge, sex, &lengths)
        },
        rows: rows
            .iter()
            .map(|r| MeasurementView {
                date: vi::iso_date(&r.measured_on),
                age: r.age_label.clone(),
                weight: num(r.weight_kg),
                lenhei: num(r.lenhei_cm),
                zwei: z_text(r.zwei),
                zlen: z_text(r.zlen),
                zwfl: z_text(r.zwfl),
                status: r.status.clone(),
            })
            .collect(),
        under_five,
        may_record: under_five
            && principal(u)
                .authorize::<RecordHealthData>(&c.path())
                .is_ok()
            && c.status != mang_domain::merge::MERGED,
        error,
    })
}

#[derive(serde::Deserialize)]
struct MeasurementForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: mang_store::growth::NewMeasurement,
}

async fn record_measurement(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<MeasurementForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<RecordHealthData>()
        .map_err(|_| denied(&u))?;
    let r = mang_store::growth::record(&st.store, &scoped, id, &f.input, crate::api::today())
        .await
        .map(|_| id);
    child_form_outcome(&st, &u, id, "growth", r).await
}

/// Options of the injury forms: (code, label) for kind, place, outcome.
pub struct InjuryOptions {
    pub kinds: Vec<(&'static str, &'static str)>,
    pub places: Vec<(&'static str, &'static str)>,
    pub outcomes: Vec<(&'static str, &'static str)>,
}

impl InjuryOptions {
    fn new() -> InjuryOptions {
        use mang_domain::injuries::{KINDS, OUTCOMES, PLACES};
        InjuryOptions {
            kinds: KINDS.iter().map(|k| (k.as_str(), k.label_vi())).collect(),
            places: PLACES.iter().map(|k| (k.as_str(), k.label_vi())).collect(),
            outcomes: OUTCOMES
                .iter()
                .map(|k| (k.as_str(), k.label_vi()))
                .collect(),
        }
    }
}

pub struct InjuryView {
    pub rows: Vec<mang_store::injuries::InjuryRow>,
    pub options: InjuryOptions,
    pub may_record: bool,
    pub error: Option<String>,
}

pub(crate) async fn injury_view(
    st: &AppState,
    u: &SignedIn,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
    error: Option<String>,
) -> Result<InjuryView, PageError> {
    let rows = mang_store::injuries::of_child(&st.store, scoped, c)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|mut r| {
            r.injury_date = vi::iso_date(&r.injury_date);
            r
        })
        .collect();
    Ok(InjuryView {
        rows,
        options: InjuryOptions::new(),
        may_record: principal(u)
            .authorize::<RecordHealthData>(&c.path())
            .is_ok()
            && c.status != mang_domain::merge::MERGED,
        error,
    })
}

#[derive(serde::Deserialize)]
struct InjuryForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: mang_store::injuries::NewInjury,
}

async fn record_child_injury(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<InjuryForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<RecordHealthData>()
        .map_err(|_| denied(&u))?;
    let r = mang_store::injuries::record_for_child(
        &st.store,
        &scoped,
        id,
        &f.input,
        crate::api::today(),
    )
    .await
    .map(|_| id);
    child_form_outcome(&st, &u, id, "injuries", r).await
}

#[derive(Debug, Default, serde::Deserialize)]
struct InjuryQuery {
    unit: Option<String>,
    year: Option<i32>,
}

#[derive(Template)]
#[template(path = "injuries.html")]
struct InjuryPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    year: i32,
    rows: Vec<mang_store::injuries::InjuryRow>,
    drowning: usize,
    deaths: usize,
    communes: Vec<(String, String)>,
    may_record: bool,
    options: InjuryOptions,
    villages: Vec<(String, String)>,
    error: Option<String>,
}

/// The unit a commune-level health page is about (`unit` parameter, else the user's own),
/// checked against the viewer's scope, with the communes to pick from (above commune
/// level) or the commune's villages (for forms).
struct PageUnit {
    code: String,
    unit: mang_store::units::Unit,
    communes: Vec<(String, String)>,
    villages: Vec<(String, String)>,
}

async fn page_unit(
    st: &AppState,
    u: &SignedIn,
    scoped: &Scoped<ViewChildRecord>,
    param: Option<&str>,
) -> Result<PageUnit, PageError> {
    let code = unit_param(u, param);
    let unit = mang_store::units::get(&st.store, &code)
        .await
        .map_err(|e| store_fail(u, e))?;
    if !scoped.scope().contains(&unit.path()) {
        return Err(store_fail(u, StoreError::NotFound));
    }
    let pairs = |list: Vec<mang_store::units::Unit>| {
        list.into_iter()
            .map(|c| (c.code().to_string(), c.name))
            .collect::<Vec<_>>()
    };
    let path = unit.path();
    let (communes, villages) = match (&path.province, &path.commune) {
        (_, Some(c)) => (
            Vec::new(),
            pairs(
                mang_store::units::villages_of(&st.store, c)
                    .await
                    .map_err(|e| store_fail(u, e))?,
            ),
        ),
        (Some(p), None) => (
            pairs(
                mang_store::units::communes_of(&st.store, p)
                    .await
                    .map_err(|e| store_fail(u, e))?,
            ),
            Vec::new(),
        ),
        (None, None) => (Vec::new(), Vec::new()),
    };
    Ok(PageUnit {
        code,
        unit,
        communes,
        villages,
    })
}

async fn injury_page(
    st: &AppState,
    u: &SignedIn,
    q: &InjuryQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(u))?;
    let PageUnit {
        code,
        unit,
        communes,
        villages,
    } = page_unit(st, u, &scoped, q.unit.as_deref()).await?;
    let year = q.year.unwrap_or(crate::api::today().year());
    let commune = unit.path().commune.clone();
    let rows: Vec<mang_store::injuries::InjuryRow> = if commune.is_some() {
        mang_store::injuries::list(&st.store, &scoped, &unit, year)
            .await
            .map_err(|e| store_fail(u, e))?
            .into_iter()
            .map(|mut r| {
                r.injury_date = vi::iso_date(&r.injury_date);
                r
            })
            .collect()
    } else {
        Vec::new()
    };
    let view = InjuryPage {
        layout: layout(u, "/injuries"),
        may_record: commune.is_some() && p.authorize::<RecordHealthData>(&unit.path()).is_ok(),
        drowning: rows.iter().filter(|r| r.kind == "drowning").count(),
        deaths: rows.iter().filter(|r| r.outcome == "death").count(),
        unit_code: code,
        unit_name: unit.name,
        year,
        rows,
        communes,
        options: InjuryOptions::new(),
        villages,
        error,
    };
    Ok((status, render(&view)).into_response())
}

async fn injury_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<InjuryQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    injury_page(&st, &u, &q, None, StatusCode::OK).await
}

async fn record_unit_injury(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<InjuryQuery>,
    Form(f): Form<InjuryForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let p = principal(&u);
    let scoped = p.scoped::<RecordHealthData>().map_err(|_| denied(&u))?;
    let code = unit_param(&u, q.unit.as_deref());
    let unit = mang_store::units::get(&st.store, &code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    match mang_store::injuries::record_for_unit(
        &st.store,
        &scoped,
        &unit,
        &f.input,
        crate::api::today(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/injuries?unit={code}")).into_response()),
        Err(e @ StoreError::Fields(_)) => {
            injury_page(
                &st,
                &u,
                &q,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

pub struct DoseView {
    pub label: String,
    pub due: String,
    pub given: String,
    pub state: String,
    pub state_label: String,
}

/// The immunisation part of the child page.
pub struct ImmunizationView {
    pub rows: Vec<DoseView>,
    pub fully: &'static str,
    /// "Đã uống" / "Chưa uống" for this half-year's vitamin A, empty outside 6–36 months.
    pub vitamin_a: String,
    pub may_record: bool,
    /// Doses that can be recorded, as (value `antigen:dose`, label).
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
}

pub(crate) async fn immunization_view(
    st: &AppState,
    u: &SignedIn,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
    error: Option<String>,
) -> Result<ImmunizationView, PageError> {
    let im = immunization::of_child(&st.store, scoped, c, crate::api::today())
        .await
        .map_err(|e| store_fail(u, e))?;
    let mut options: Vec<(String, String)> = im
        .schedule
        .iter()
        .map(|d| (format!("{}:{}", d.antigen, d.dose), d.label.clone()))
        .collect();
    if im.vitamin_a.is_some() {
        options.push((
            format!("{}:0", mang_domain::immunization::VITAMIN_A),
            immunization::VITAMIN_A_LABEL.to_owned(),
        ));
    }
    let vitamin_a = match im.vitamin_a.as_deref() {
        Some("done") => "Đã uống trong đợt này".to_owned(),
        Some(_) => "Chưa uống trong đợt này (đến hạn)".to_owned(),
        None => String::new(),
    };
    Ok(ImmunizationView {
        rows: im
            .schedule
            .into_iter()
            .map(|d| DoseView {
                label: d.label,
                due: vi::iso_date(&d.due),
                given: d.given.as_deref().map(vi::iso_date).unwrap_or_default(),
                state: d.state,
                state_label: d.state_label,
            })
            .collect(),
        fully: match im.fully_immunised_under_1 {
            Some(true) => "Có",
            Some(false) => "Không",
            None => "Chưa đủ 1 tuổi",
        },
        vitamin_a,
        may_record: principal(u)
            .authorize::<RecordHealthData>(&c.path())
            .is_ok()
            && c.status != mang_domain::merge::MERGED,
        options,
        error,
    })
}

#[derive(serde::Deserialize)]
struct DoseForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// `antigen:dose`
    #[serde(default)]
    vaccine: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    place: String,
}

async fn record_dose(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<DoseForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<RecordHealthData>()
        .map_err(|_| denied(&u))?;
    let (antigen, dose) = f.vaccine.split_once(':').unwrap_or((&f.vaccine, "0"));
    let input = NewDose {
        antigen: antigen.to_owned(),
        dose: dose.parse().unwrap_or(0),
        date: f.date,
        place: f.place,
        note: String::new(),
    };
    let r = immunization::record_dose(&st.store, &scoped, id, &input, crate::api::today())
        .await
        .map(|_| id);
    child_form_outcome(&st, &u, id, "immunization", r).await
}

#[derive(Debug, Default, serde::Deserialize)]
struct DueQuery {
    unit: Option<String>,
    /// `week` (default) or `month`.
    period: Option<String>,
}

pub struct DueRow {
    /// Number in the list (STT).
    pub no: usize,
    pub id: i64,
    pub full_name: String,
    pub birth_date: String,
    pub village: String,
    pub doses: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "immunization_due.html")]
struct DuePage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    month: bool,
    until: String,
    today: String,
    rows: Vec<DueRow>,
    communes: Vec<(String, String)>,
}

async fn due_list(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<DueQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let scoped = principal(&u)
        .scoped::<ViewChildRecord>()
        .map_err(|_| denied(&u))?;
    let PageUnit {
        code,
        unit,
        communes,
        villages,
    } = page_unit(&st, &u, &scoped, q.unit.as_deref()).await?;
    let today = crate::api::today();
    let month = q.period.as_deref() == Some("month");
    let until = today + time::Duration::days(if month { 30 } else { 7 });
    let rows = if unit.path().commune.is_some() {
        let villages: std::collections::HashMap<String, String> = villages.into_iter().collect();
        immunization::due_list(&st.store, &scoped, &unit, until, today)
            .await
            .map_err(|e| store_fail(&u, e))?
            .into_iter()
            .enumerate()
            .map(|(i, c)| DueRow {
                no: i + 1,
                id: c.child_id,
                full_name: c.full_name,
                birth_date: vi::iso_date(&c.birth_date),
                village: c
                    .village_code
                    .and_then(|v| villages.get(&v).cloned())
                    .unwrap_or_default(),
                doses: c
                    .doses
                    .into_iter()
                    .map(|d| (d.label, vi::iso_date(&d.due), d.state, d.state_label))
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let view = DuePage {
        layout: layout(&u, "/immunization"),
        unit_code: code,
        unit_name: unit.name,
        month,
        until: vi::date(until),
        today: vi::date(today),
        rows,
        communes,
    };
    Ok(render(&view))
}
