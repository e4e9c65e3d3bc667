//! Activities and child participation of a commune (or of the province itself): recorded
//! with their counts, listed per year with totals, each write audited. The counts feed
//! indicators 56–58.

use crate::audit::{self, Actor};
use crate::units::Unit;
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditRegisters, Scoped, ViewAggregates};
use mang_domain::activities::{self as dom, ActivityKind};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewActivity {
    /// `communication`, `training`, `forum`, `council`, `consultation`, `action_month`,
    /// `mid_autumn`, `swimming`, `other`.
    pub kind: String,
    pub title: String,
    /// dd/mm/yyyy.
    pub date: String,
    pub children: String,
    pub children_7plus_consulted: String,
    pub children_11plus_in_models: String,
    pub adults: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityRow {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    /// dd/mm/yyyy.
    pub date: String,
    pub children: i64,
    pub children_7plus_consulted: i64,
    pub children_11plus_in_models: i64,
    pub adults: i64,
}

/// A unit's activities in a year (a commune's, or the province's own and its communes').
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
    year: i32,
) -> Result<Vec<ActivityRow>> {
    let path = unit.path();
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT id, kind, title, held_on, children, children_7plus_consulted, children_11plus_in_models, adults \
         FROM activities WHERE province_code = $1 AND ($2 = '' OR commune_code = $2) \
         AND held_on >= $3 AND held_on <= $4 ORDER BY held_on DESC, id DESC",
    )
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let kind: String = r.get("kind");
            ActivityRow {
                id: r.get("id"),
                kind_label: ActivityKind::parse(&kind)
                    .map_or("", ActivityKind::label_vi)
                    .into(),
                kind,
                title: r.get("title"),
                date: mang_domain::vi::iso_date(&r.get::<String, _>("held_on")),
                children: r.get("children"),
                children_7plus_consulted: r.get("children_7plus_consulted"),
                children_11plus_in_models: r.get("children_11plus_in_models"),
                adults: r.get("adults"),
            }
        })
        .collect())
}

/// Record an activity of a commune or of the province (villages count for their commune).
pub async fn create(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    unit: &Unit,
    input: &NewActivity,
    today: time::Date,
) -> Result<i64> {
    let mut path = unit.path();
    path.village = None;
    if path.province.is_none() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn tỉnh hoặc xã, phường".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let a = dom::check(
        &dom::RawActivity {
            kind: input.kind.clone(),
            title: input.title.clone(),
            date: input.date.clone(),
            children: input.children.clone(),
            children_7plus_consulted: input.children_7plus_consulted.clone(),
            children_11plus_in_models: input.children_11plus_in_models.clone(),
            adults: input.adults.clone(),
            note: input.note.clone(),
        },
        today,
    )
    .map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let id = insert(&mut tx, &path, &a, &grant.actor().username).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "activity",
        &id.to_string(),
        serde_json::json!({ "kind": a.kind.as_str(), "children": a.children }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Indicator inputs per commune for a period: (commune, children reached by awareness
/// activities, children ≥ 7 consulted, children ≥ 11 in participation models). Sums of
/// the activities' counts: a child at two activities counts twice (noted on the page).
pub(crate) async fn counts_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    from: time::Date,
    to: time::Date,
) -> Result<Vec<(String, i64, i64, i64)>> {
    let aware: Vec<&str> = mang_domain::activities::ACTIVITY_KINDS
        .iter()
        .filter(|k| k.raises_awareness())
        .map(|k| k.as_str())
        .collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT commune_code, \
           CAST(SUM(CASE WHEN kind IN ({}) THEN children ELSE 0 END) AS BIGINT) AS aware, \
           CAST(SUM(children_7plus_consulted) AS BIGINT) AS consulted, \
           CAST(SUM(children_11plus_in_models) AS BIGINT) AS models \
         FROM activities WHERE province_code = $1 AND commune_code IS NOT NULL \
         AND ($2 = '' OR commune_code = $2) AND held_on >= $3 AND held_on <= $4 GROUP BY commune_code",
        aware
            .iter()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
    .bind(province.to_owned())
    .bind(commune.unwrap_or("").to_owned())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(store.pool())
    .await?;
    let n = |r: &sqlx::any::AnyRow, c: &str| r.get::<Option<i64>, _>(c).unwrap_or(0);
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get("commune_code"),
                n(r, "aware"),
                n(r, "consulted"),
                n(r, "models"),
            )
        })
        .collect())
}

/// Write a checked activity of a commune (`path`); one statement of the caller's
/// transaction (the form and the spreadsheet import).
pub(crate) async fn insert(
    tx: &mut crate::Tx,
    path: &mang_domain::units::UnitPath,
    a: &dom::Activity,
    by: &str,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO activities (province_code, commune_code, kind, title, held_on, children, \
         children_7plus_consulted, children_11plus_in_models, adults, note, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(a.kind.as_str())
    .bind(a.title.clone())
    .bind(a.date.to_string())
    .bind(a.children)
    .bind(a.children_7plus_consulted)
    .bind(a.children_11plus_in_models)
    .bind(a.adults)
    .bind(a.note.clone())
    .bind(by.to_owned())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?
    .get(0))
}
