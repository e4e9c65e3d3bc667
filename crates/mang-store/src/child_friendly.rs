//! Child-friendly commune assessments: the commune's yearly self-assessment (points per
//! criterion, evidence; the recognition rule applied by the domain), the province's
//! appraisal, and the count of recognised communes (indicator 59). Audited.

use crate::audit::{self, Actor};
use crate::units::Unit;
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{AppraiseCommunes, EditRegisters, Scoped, ViewAggregates};
use mang_domain::child_friendly::{self as cf, CommuneType};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A self-assessment as typed: points per criterion number.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewAssessment {
    /// `urban_ward`, `other`, `disadvantaged`.
    pub commune_type: String,
    /// (criterion number, points).
    pub points: Vec<(u32, u32)>,
    pub evidence: String,
    /// The commune has a cultural or play venue for children (điểm văn hóa, vui chơi dành
    /// cho trẻ em; indicator 55).
    pub play_venue: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssessmentRow {
    pub commune_code: String,
    pub commune_name: String,
    pub year: i32,
    pub commune_type: String,
    pub points: Vec<(u32, u32)>,
    pub evidence: String,
    pub play_venue: bool,
    pub total: u32,
    pub threshold: u32,
    pub recognised: bool,
    pub reasons: Vec<String>,
    /// `self_assessed` or `appraised`.
    pub status: String,
    pub assessed_by: String,
    pub appraised_by: Option<String>,
}

fn to_row(r: &sqlx::any::AnyRow) -> AssessmentRow {
    let kind =
        CommuneType::parse(&r.get::<String, _>("commune_type")).unwrap_or(CommuneType::Other);
    let points: Vec<(u32, u32)> =
        serde_json::from_str(&r.get::<String, _>("points")).unwrap_or_default();
    let outcome = cf::assess(kind, &points).ok();
    AssessmentRow {
        commune_code: r.get("commune_code"),
        commune_name: r
            .get::<Option<String>, _>("commune_name")
            .unwrap_or_default(),
        year: r.get::<i64, _>("year") as i32,
        commune_type: kind.as_str().into(),
        points,
        evidence: r.get("evidence"),
        play_venue: r.get::<i64, _>("play_venue") == 1,
        total: r.get::<i64, _>("total") as u32,
        threshold: kind.threshold(),
        recognised: r.get::<i64, _>("recognised") == 1,
        reasons: outcome.map(|o| o.reasons).unwrap_or_default(),
        status: r.get("status"),
        assessed_by: r.get("assessed_by"),
        appraised_by: r.get("appraised_by"),
    }
}

const COLS: &str = "a.commune_code, u.name AS commune_name, a.year, a.commune_type, a.points, \
    a.evidence, a.play_venue, a.total, a.recognised, a.status, a.assessed_by, a.appraised_by";

/// The assessments of a province's (or one commune's) communes for a year.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
    year: i32,
) -> Result<Vec<AssessmentRow>> {
    let path = unit.path();
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM child_friendly_assessments a LEFT JOIN admin_units u ON u.code = a.commune_code \
         WHERE a.province_code = $1 AND a.year = $2 AND ($3 = '' OR a.commune_code = $3) ORDER BY a.commune_code"
    )))
    .bind(path.province.clone().unwrap_or_default())
    .bind(i64::from(year))
    .bind(path.commune.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(to_row).collect())
}

/// Record (or redo, until appraised) a commune's self-assessment for a year.
pub async fn self_assess(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    commune: &Unit,
    year: i32,
    input: &NewAssessment,
) -> Result<AssessmentRow> {
    let path = commune.path();
    if path.commune.is_none() || path.village.is_some() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Đánh giá theo xã, phường".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let kind = CommuneType::parse(&input.commune_type).ok_or(StoreError::Invalid {
        field: "commune_type",
        message: "Chọn loại xã, phường".into(),
    })?;
    let outcome = cf::assess(kind, &input.points).map_err(|m| StoreError::Invalid {
        field: "points",
        message: m,
    })?;
    let mut tx = store.begin_write().await?;
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM child_friendly_assessments WHERE commune_code = $1 AND year = $2",
    )
    .bind(commune.code.clone())
    .bind(i64::from(year))
    .fetch_optional(&mut *tx)
    .await?;
    if status.as_deref() == Some("appraised") {
        return Err(StoreError::Invalid {
            field: "points",
            message: "Tỉnh đã thẩm định kết quả năm này; không sửa được".into(),
        });
    }
    sqlx::query("DELETE FROM child_friendly_assessments WHERE commune_code = $1 AND year = $2")
        .bind(commune.code.clone())
        .bind(i64::from(year))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO child_friendly_assessments (province_code, commune_code, year, commune_type, points, \
         evidence, total, recognised, status, assessed_by, assessed_at, play_venue) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'self_assessed', $9, $10, $11)",
    )
    .bind(path.province.clone())
    .bind(commune.code.clone())
    .bind(i64::from(year))
    .bind(kind.as_str())
    .bind(serde_json::to_string(&input.points).unwrap_or_default())
    .bind(mang_domain::text::clean(&input.evidence))
    .bind(i64::from(outcome.total))
    .bind(i64::from(outcome.recognised))
    .bind(grant.actor().username.clone())
    .bind(now_text())
    .bind(i64::from(input.play_venue))
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "self_assess",
        "child_friendly",
        &format!("{}:{year}", commune.code),
        serde_json::json!({ "total": outcome.total, "recognised": outcome.recognised }),
    )
    .await?;
    tx.commit().await?;
    let scoped_view = grant
        .actor()
        .scoped::<ViewAggregates>()
        .map_err(|_| StoreError::Denied)?;
    list(store, &scoped_view, commune, year)
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// The province appraises a commune's self-assessment: its outcome stands (recognised or
/// not) and is locked.
pub async fn appraise(
    store: &Store,
    scoped: &Scoped<AppraiseCommunes>,
    commune: &Unit,
    year: i32,
) -> Result<()> {
    let grant = scoped
        .grant(&commune.path())
        .map_err(|_| StoreError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let n = sqlx::query(
        "UPDATE child_friendly_assessments SET status = 'appraised', appraised_by = $1, appraised_at = $2 \
         WHERE commune_code = $3 AND year = $4 AND status = 'self_assessed'",
    )
    .bind(grant.actor().username.clone())
    .bind(now_text())
    .bind(commune.code.clone())
    .bind(i64::from(year))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "appraise",
        "child_friendly",
        &format!("{}:{year}", commune.code),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Indicator 59 per commune of a province: recognised after the province's appraisal in
/// the year (1 or 0 per assessed commune).
pub(crate) async fn recognised_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    year: i32,
) -> Result<Vec<(String, bool)>> {
    let rows = sqlx::query(
        "SELECT commune_code, recognised FROM child_friendly_assessments WHERE province_code = $1 \
         AND year = $2 AND status = 'appraised' AND ($3 = '' OR commune_code = $3)",
    )
    .bind(province.to_owned())
    .bind(i64::from(year))
    .bind(commune.unwrap_or("").to_owned())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("commune_code"), r.get::<i64, _>("recognised") == 1))
        .collect())
}

/// Indicator 55, per commune that assessed itself for `year`: whether it has a play or
/// culture venue for children (self-assessed or appraised).
pub(crate) async fn play_venues_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    year: i32,
) -> Result<Vec<(String, bool)>> {
    let rows = sqlx::query(
        "SELECT commune_code, play_venue FROM child_friendly_assessments WHERE province_code = $1 \
         AND year = $2 AND ($3 = '' OR commune_code = $3)",
    )
    .bind(province.to_owned())
    .bind(i64::from(year))
    .bind(commune.unwrap_or("").to_owned())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("commune_code"), r.get::<i64, _>("play_venue") == 1))
        .collect())
}
