//! The scorecard of a unit and a period: every indicator of the catalogue with its
//! numerator, denominator, value, the applicable target and its status, and (for a
//! province or the country) the same figures for each sub-unit. Shared by the pages, the
//! API, the CLI and the .xlsx export.

use crate::indicators::{self, ByCommune, Cache};
use crate::units::Unit;
use crate::{Result, Store, StoreError};
use mang_domain::targets::{self, Indicator, Period, Status, Target, Value};
use mang_domain::units::{UnitLevel, UnitPath};
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The unit each shipped plan belongs to (BRIEF §1.2): Hải Phòng's Department of Health,
/// Hà Nội, Ninh Bình, the Hải Dương ward of Hải Phòng, Huế.
pub const PLAN_UNITS: [(&str, &str); 5] = [
    ("HP-SYT", "31"),
    ("HN-UBND", "01"),
    ("NB-SYT", "37"),
    ("HD-WARD", "10525"),
    ("HUE-UBND", "46"),
];

/// The path of a shipped plan's unit (from the embedded reference list, read once).
fn plan_path(plan: &str) -> Option<&'static UnitPath> {
    static PATHS: std::sync::OnceLock<Vec<(&'static str, UnitPath)>> = std::sync::OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        let units = mang_domain::units::reference_units();
        PLAN_UNITS
            .iter()
            .filter_map(|(p, code)| {
                let u = units.iter().find(|u| u.code == *code)?;
                Some((
                    *p,
                    match u.level {
                        UnitLevel::Province => UnitPath {
                            province: Some(u.code.clone()),
                            commune: None,
                            village: None,
                        },
                        _ => UnitPath {
                            province: Some(u.parent_code.clone()),
                            commune: Some(u.code.clone()),
                            village: None,
                        },
                    },
                ))
            })
            .collect()
    });
    paths.iter().find(|(p, _)| *p == plan).map(|(_, path)| path)
}

fn overlaps(a: &Period, b: &Period) -> bool {
    a.start() <= b.end() && b.start() <= a.end()
}

/// The target for an indicator at a unit: the most specific plan among the unit and its
/// ancestors (a ward's own plan before its province's) with a target for a period that
/// overlaps `period`.
pub fn target_for(
    unit_code: &str,
    path: &UnitPath,
    indicator: &str,
    period: &Period,
) -> Option<&'static Target> {
    let chain = [
        Some(unit_code),
        path.commune.as_deref(),
        path.province.as_deref(),
    ];
    for code in chain.into_iter().flatten() {
        for (plan, unit) in PLAN_UNITS {
            if unit != code {
                continue;
            }
            if let Some(t) = targets::targets_for(indicator)
                .find(|t| t.plan == plan && overlaps(&t.period, period))
            {
                return Some(t);
            }
        }
    }
    None
}

/// One indicator's figure for one unit.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Figure {
    pub indicator_id: String,
    pub no: u32,
    pub name_vi: String,
    /// `pct`, `permille`, `per100k`, `count`.
    pub unit: String,
    /// `computed`, `aggregate`, `survey`, `checklist`.
    pub source: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value: Option<f64>,
    /// "6,4%", "1,5‰", "80/100.000", "12"; "—" without data.
    pub value_text: String,
    /// Few cases in the denominator: read with care (BRIEF §1.4).
    pub small_denominator: bool,
    pub target_id: Option<String>,
    pub target_plan: Option<String>,
    /// "≤ 3,5‰".
    pub target_text: String,
    /// The target's value is flagged as doubtful (BRIEF §1.4).
    pub target_suspicious: bool,
    /// `met`, `not_met`, `no_data`, or `no_target`.
    pub status: String,
    pub status_label: String,
    /// For a running period: the projected end-of-period value (counts).
    pub projection_text: String,
}

fn figure(
    ind: &Indicator,
    value: Option<&Value>,
    target: Option<&'static Target>,
    baseline: Option<&Value>,
    period: &Period,
    today: time::Date,
) -> Figure {
    let rate = value.and_then(|v| v.rate(ind.unit));
    let status = target.map(|t| targets::evaluate(t, value, baseline));
    let projection = match (target, value) {
        (Some(t), Some(v)) if period.end() > today && ind.unit == targets::Unit::Count => {
            targets::project(t, v, period, today)
                .map(|p| targets::format_value(ind.unit, p))
                .unwrap_or_default()
        }
        _ => String::new(),
    };
    Figure {
        indicator_id: ind.id.clone(),
        no: ind.no,
        name_vi: ind.name_vi.clone(),
        unit: ind.unit.as_str().into(),
        source: ind.source.as_str().into(),
        numerator: value.map(|v| v.numerator),
        denominator: value.and_then(|v| v.denominator),
        value: rate,
        value_text: rate.map_or_else(|| "—".into(), |r| targets::format_value(ind.unit, r)),
        small_denominator: value.is_some_and(|v| v.small_denominator(ind.unit)),
        target_id: target.map(|t| t.id.clone()),
        target_plan: target.map(|t| t.plan.clone()),
        target_text: target.map(targets::format_threshold).unwrap_or_default(),
        target_suspicious: target.is_some_and(|t| t.suspicious),
        status: status.map_or("no_target", Status::as_str).into(),
        status_label: status.map_or("Chưa có chỉ tiêu", Status::label_vi).into(),
        projection_text: projection,
    }
}

/// A sub-unit's row of the scorecard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubunitRow {
    pub code: String,
    pub name: String,
    /// The computed indicators, in [`indicators::COMPUTED`] order.
    pub figures: Vec<Figure>,
}

/// A unit's scorecard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub unit_code: String,
    pub unit_name: String,
    /// `2026`, `2026S1`…
    pub period: String,
    pub period_label: String,
    /// Every indicator of the catalogue, in catalogue order.
    pub figures: Vec<Figure>,
    /// The indicators of the sub-unit matrix (ids): the computed ones, and those entered
    /// as aggregates for at least one sub-unit.
    pub columns: Vec<String>,
    /// Communes of a province, provinces of the country (empty for a commune).
    pub subunits: Vec<SubunitRow>,
}

/// Values of a unit and of its sub-units: (own values, [(code, name, values)]).
pub type UnitValues = (
    BTreeMap<&'static str, Value>,
    Vec<(String, String, BTreeMap<&'static str, Value>)>,
);

/// The values of `unit` (summed from its communes) and of its sub-units, from the cache.
pub async fn unit_values(
    store: &Store,
    cache: &Cache,
    unit: &Unit,
    period: &Period,
    now: OffsetDateTime,
) -> Result<UnitValues> {
    let path = unit.path();
    match unit.level() {
        UnitLevel::National => {
            let mut subs = Vec::new();
            for p in crate::units::provinces(store).await? {
                let v = indicators::values(store, cache, &p.code, period, now).await?;
                subs.push((
                    p.code.clone(),
                    p.name.clone(),
                    indicators::province_total(&v, &p.code),
                ));
            }
            let own = indicators::sum(subs.iter().map(|s| &s.2));
            Ok((own, subs))
        }
        UnitLevel::Province => {
            let v: std::sync::Arc<ByCommune> =
                indicators::values(store, cache, &unit.code, period, now).await?;
            let mut subs = Vec::new();
            for c in crate::units::communes_of(store, &unit.code).await? {
                let values = v.get(&c.code).cloned().unwrap_or_default();
                subs.push((c.code.clone(), c.name.clone(), values));
            }
            Ok((indicators::province_total(&v, &unit.code), subs))
        }
        UnitLevel::Commune | UnitLevel::Village => {
            let province = path.province.clone().ok_or(StoreError::NotFound)?;
            let commune = path.commune.clone().ok_or(StoreError::NotFound)?;
            let v =
                indicators::commune_values(store, cache, &province, &commune, period, now).await?;
            Ok(((*v).clone(), Vec::new()))
        }
    }
}

/// The columns of the sub-unit matrix: the computed indicators, then those entered as
/// aggregates (in catalogue order).
pub fn matrix_indicators() -> Vec<&'static Indicator> {
    let mut v: Vec<&'static Indicator> = indicators::COMPUTED
        .iter()
        .filter_map(|id| targets::indicator(id))
        .collect();
    v.extend(
        targets::catalogue()
            .iter()
            .filter(|i| i.source != targets::Source::Computed),
    );
    v
}

/// The scorecard of `unit` for `period`.
pub async fn board(
    store: &Store,
    cache: &Cache,
    unit: &Unit,
    period: &Period,
    now: OffsetDateTime,
) -> Result<Board> {
    let today = now.to_offset(mang_domain::cases::VN).date();
    let (own, subs) = unit_values(store, cache, unit, period, now).await?;
    let path = unit.path();
    // "Reduce compared with year X" targets need that year's figures (computed once), but
    // only when such a target can apply here: its plan's unit is this unit, one of its
    // ancestors, or inside it.
    let scope = mang_domain::access::Scope::new(&unit.code(), &path);
    let mut baselines: BTreeMap<i32, UnitValues> = BTreeMap::new();
    for t in targets::targets() {
        let applies = plan_path(&t.plan).is_some_and(|pu| {
            pu.province == path.province && (pu.commune.is_none() || pu.commune == path.commune)
                || scope.contains(pu)
        });
        if let (targets::Comparator::LtBaseline, Some(y)) = (t.comparator, t.baseline_year)
            && applies
            && !baselines.contains_key(&y)
            && overlaps(&t.period, period)
        {
            baselines.insert(
                y,
                unit_values(store, cache, unit, &Period::Year(y), now).await?,
            );
        }
    }
    let baseline_of = |t: Option<&'static Target>, sub: Option<&str>, id: &str| -> Option<Value> {
        let y = t
            .filter(|t| t.comparator == targets::Comparator::LtBaseline)?
            .baseline_year?;
        let (own, subs) = baselines.get(&y)?;
        match sub {
            None => own.get(id).copied(),
            Some(code) => subs
                .iter()
                .find(|(c, _, _)| c == code)
                .and_then(|(_, _, v)| v.get(id).copied()),
        }
    };
    let figures = targets::catalogue()
        .iter()
        .map(|ind| {
            let target = target_for(&unit.code, &path, &ind.id, period);
            figure(
                ind,
                own.get(ind.id.as_str()),
                target,
                baseline_of(target, None, &ind.id).as_ref(),
                period,
                today,
            )
        })
        .collect();
    let columns: Vec<&'static Indicator> = matrix_indicators()
        .into_iter()
        .filter(|i| {
            i.source == targets::Source::Computed
                || subs.iter().any(|(_, _, v)| v.contains_key(i.id.as_str()))
        })
        .collect();
    let mut subunits = Vec::new();
    for (code, name, values) in subs {
        let sub_path = match unit.level() {
            UnitLevel::National => UnitPath {
                province: Some(code.clone()),
                commune: None,
                village: None,
            },
            _ => UnitPath {
                province: path.province.clone(),
                commune: Some(code.clone()),
                village: None,
            },
        };
        let figures = columns
            .iter()
            .copied()
            .map(|ind| {
                let target = target_for(&code, &sub_path, &ind.id, period);
                figure(
                    ind,
                    values.get(ind.id.as_str()),
                    target,
                    baseline_of(target, Some(&code), &ind.id).as_ref(),
                    period,
                    today,
                )
            })
            .collect();
        subunits.push(SubunitRow {
            code,
            name,
            figures,
        });
    }
    Ok(Board {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period: period.code(),
        period_label: period.label_vi(),
        figures,
        columns: columns.iter().map(|i| i.id.clone()).collect(),
        subunits,
    })
}
