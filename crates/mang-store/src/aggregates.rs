//! Aggregate figures entered per unit and period for the indicators the registers cannot
//! compute (school statistics, surveys, facility and commune checklists): checked by the
//! domain (numerator ≤ denominator…), kept with their history, locked once approved. The
//! indicator engine reads them beside the computed values.

use crate::audit::{self, Actor};
use crate::units::Unit;
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{ApproveAggregates, EnterAggregates, Scoped, ViewAggregates};
use mang_domain::targets::{self, Period, Source, Value};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// An enterable indicator at a unit and period, with its current figure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AggregateRow {
    pub indicator_id: String,
    pub no: u32,
    pub name_vi: String,
    pub numerator_vi: String,
    pub denominator_vi: String,
    /// `pct`, `permille`, `per100k`, `count`.
    pub unit: String,
    /// `aggregate`, `survey`, `checklist`.
    pub source: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub note: String,
    /// `draft`, `approved`, or empty (not entered).
    pub status: String,
    pub version: i64,
    pub entered_by: String,
    pub approved_by: String,
    /// Oldest first: "dd/mm/yyyy hh:mm — user: action numerator/denominator".
    pub history: Vec<String>,
}

/// A figure as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AggregateInput {
    pub indicator_id: String,
    pub numerator: String,
    pub denominator: String,
    pub note: String,
    /// The version the user saw (0 for a new figure).
    pub version: i64,
}

fn enterable(id: &str) -> Option<&'static targets::Indicator> {
    targets::indicator(id).filter(|i| i.source != Source::Computed)
}

fn check_unit(unit: &Unit) -> Result<()> {
    if unit.path().province.is_none() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Số liệu tổng hợp nhập cho tỉnh hoặc xã, phường".into(),
        });
    }
    Ok(())
}

/// The enterable indicators of a unit and period with their figures and history.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
    period: &Period,
) -> Result<Vec<AggregateRow>> {
    scoped
        .grant(&unit.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT id, indicator_id, numerator, denominator, note, status, version, entered_by, approved_by \
         FROM aggregate_values WHERE unit_code = $1 AND period = $2",
    )
    .bind(unit.code.clone())
    .bind(period.code())
    .fetch_all(store.pool())
    .await?;
    let hist = sqlx::query(
        "SELECT h.value_id, h.action, h.numerator, h.denominator, h.changed_by, h.changed_at \
         FROM aggregate_value_history h JOIN aggregate_values v ON v.id = h.value_id \
         WHERE v.unit_code = $1 AND v.period = $2 ORDER BY h.id",
    )
    .bind(unit.code.clone())
    .bind(period.code())
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for ind in targets::catalogue()
        .iter()
        .filter(|i| i.source != Source::Computed)
    {
        let row = rows
            .iter()
            .find(|r| r.get::<String, _>("indicator_id") == ind.id);
        let id: Option<i64> = row.map(|r| r.get("id"));
        let history = hist
            .iter()
            .filter(|h| Some(h.get::<i64, _>("value_id")) == id)
            .map(|h| {
                let d: Option<f64> = h.get("denominator");
                format!(
                    "{} — {}: {} {}{}",
                    mang_domain::vi::timestamp(&h.get::<String, _>("changed_at")),
                    h.get::<String, _>("changed_by"),
                    match h.get::<String, _>("action").as_str() {
                        "approve" => "phê duyệt",
                        "create" => "nhập",
                        _ => "sửa",
                    },
                    mang_domain::vi::decimal(h.get("numerator")),
                    d.map(|d| format!(" / {}", mang_domain::vi::decimal(d)))
                        .unwrap_or_default()
                )
            })
            .collect();
        out.push(AggregateRow {
            indicator_id: ind.id.clone(),
            no: ind.no,
            name_vi: ind.name_vi.clone(),
            numerator_vi: ind.numerator_vi.clone(),
            denominator_vi: ind.denominator_vi.clone(),
            unit: ind.unit.as_str().into(),
            source: ind.source.as_str().into(),
            numerator: row.map(|r| r.get("numerator")),
            denominator: row.and_then(|r| r.get("denominator")),
            note: row.map(|r| r.get("note")).unwrap_or_default(),
            status: row.map(|r| r.get("status")).unwrap_or_default(),
            version: row.map(|r| r.get("version")).unwrap_or(0),
            entered_by: row.map(|r| r.get("entered_by")).unwrap_or_default(),
            approved_by: row
                .and_then(|r| r.get::<Option<String>, _>("approved_by"))
                .unwrap_or_default(),
            history,
        });
    }
    Ok(out)
}

/// One line of a figure's history, in the transaction of the change.
async fn history(
    tx: &mut crate::Tx,
    id: i64,
    action: &str,
    numerator: f64,
    denominator: Option<f64>,
    note: &str,
    by: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO aggregate_value_history (value_id, action, numerator, denominator, note, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(action.to_owned())
    .bind(numerator)
    .bind(denominator)
    .bind(note.to_owned())
    .bind(by.to_owned())
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Enter or change a figure (a draft). Refused when approved (locked) or when the stored
/// version moved on.
pub async fn save(
    store: &Store,
    scoped: &Scoped<EnterAggregates>,
    unit: &Unit,
    period: &Period,
    input: &AggregateInput,
) -> Result<()> {
    check_unit(unit)?;
    let grant = scoped
        .grant(&unit.path())
        .map_err(|_| StoreError::NotFound)?;
    let ind = enterable(&input.indicator_id).ok_or(StoreError::Invalid {
        field: "indicator_id",
        message: "Chỉ tiêu này được tính từ dữ liệu, không nhập tay".into(),
    })?;
    let v: Value = targets::check_aggregate(ind, &input.numerator, &input.denominator)
        .map_err(StoreError::Fields)?;
    let note = mang_domain::text::clean(&input.note);
    let by = grant.actor().username.clone();
    let path = unit.path();
    let mut tx = store.begin_write().await?;
    let current: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, status, version FROM aggregate_values WHERE unit_code = $1 AND indicator_id = $2 AND period = $3",
    )
    .bind(unit.code.clone())
    .bind(ind.id.clone())
    .bind(period.code())
    .fetch_optional(&mut *tx)
    .await?;
    let (id, action) = match current {
        Some((_, status, _)) if status == "approved" => {
            return Err(StoreError::Invalid {
                field: "numerator",
                message: "Số liệu đã được phê duyệt và bị khóa".into(),
            });
        }
        Some((_, _, version)) if version != input.version => {
            return Err(StoreError::StaleVersion {
                expected: input.version,
                found: version,
            });
        }
        Some((id, _, _)) => {
            sqlx::query(
                "UPDATE aggregate_values SET numerator = $1, denominator = $2, note = $3, \
                 version = version + 1, entered_by = $4, entered_at = $5 WHERE id = $6",
            )
            .bind(v.numerator)
            .bind(v.denominator)
            .bind(note.clone())
            .bind(by.clone())
            .bind(now_text())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            (id, "update")
        }
        None => {
            let id: i64 = sqlx::query(
                "INSERT INTO aggregate_values (unit_code, province_code, commune_code, indicator_id, period, \
                 numerator, denominator, note, status, version, entered_by, entered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', 1, $9, $10) RETURNING id",
            )
            .bind(unit.code.clone())
            .bind(path.province.clone())
            .bind(path.commune.clone())
            .bind(ind.id.clone())
            .bind(period.code())
            .bind(v.numerator)
            .bind(v.denominator)
            .bind(note.clone())
            .bind(by.clone())
            .bind(now_text())
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            (id, "create")
        }
    };
    history(&mut tx, id, action, v.numerator, v.denominator, &note, &by).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        action,
        "aggregate_value",
        &id.to_string(),
        serde_json::json!({ "indicator": ind.id, "period": period.code(), "numerator": v.numerator, "denominator": v.denominator }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approve a figure: it is locked from then on.
pub async fn approve(
    store: &Store,
    scoped: &Scoped<ApproveAggregates>,
    unit: &Unit,
    period: &Period,
    indicator_id: &str,
) -> Result<()> {
    let grant = scoped
        .grant(&unit.path())
        .map_err(|_| StoreError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let row: Option<(i64, f64, Option<f64>, String, String)> = sqlx::query_as(
        "SELECT id, numerator, denominator, note, status FROM aggregate_values \
         WHERE unit_code = $1 AND indicator_id = $2 AND period = $3",
    )
    .bind(unit.code.clone())
    .bind(indicator_id.to_owned())
    .bind(period.code())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, n, d, note, status)) = row else {
        return Err(StoreError::NotFound);
    };
    if status == "approved" {
        return Err(StoreError::Invalid {
            field: "status",
            message: "Số liệu đã được phê duyệt".into(),
        });
    }
    let by = grant.actor().username.clone();
    sqlx::query(
        "UPDATE aggregate_values SET status = 'approved', approved_by = $1, approved_at = $2, \
         version = version + 1 WHERE id = $3",
    )
    .bind(by.clone())
    .bind(now_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    history(&mut tx, id, "approve", n, d, &note, &by).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "approve",
        "aggregate_value",
        &id.to_string(),
        serde_json::json!({ "indicator": indicator_id, "period": period.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Entered figures of a province's units for a period: (unit code, commune code or none
/// for the province itself, indicator id, value).
pub(crate) async fn of_province(
    store: &Store,
    province: &str,
    period: &Period,
) -> Result<Vec<(String, Option<String>, String, Value)>> {
    let rows = sqlx::query(
        "SELECT unit_code, commune_code, indicator_id, numerator, denominator FROM aggregate_values \
         WHERE province_code = $1 AND period = $2",
    )
    .bind(province.to_owned())
    .bind(period.code())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get("unit_code"),
                r.get("commune_code"),
                r.get("indicator_id"),
                Value {
                    numerator: r.get("numerator"),
                    denominator: r.get("denominator"),
                },
            )
        })
        .collect())
}
