//! Drowning- and injury-risk sites of a commune and their inspections: recorded by
//! commune officers and village collaborators (inside their scope), listed with the
//! commune's progress ("every site has measures"), each change audited. No personal data.

use crate::audit::{self, Actor};
use crate::units::Unit;
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditRegisters, Scoped, ViewAggregates};
use mang_domain::sites::{self, Risk, SiteKind, SiteMeasure};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A site as typed (form or API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewSite {
    pub name: String,
    /// `pond`, `lake`, `river`, `stream`, `canal`, `well`, `pit`, `sea`, `playground`,
    /// `other`.
    pub kind: String,
    /// `high`, `medium`, `low`.
    pub risk: String,
    /// Decimal degrees (point or comma).
    pub lat: String,
    pub lon: String,
    /// `fence`, `sign`, `cover`, `lifebuoy`, `guard`, `filled`, `other`.
    pub measures: Vec<String>,
    /// A village of the commune (optional).
    pub village_code: String,
    pub note: String,
}

/// An inspection as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewInspection {
    /// dd/mm/yyyy.
    pub date: String,
    pub findings: String,
    /// The measures in place after the inspection (they become the site's).
    pub measures: Vec<String>,
    pub follow_up: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SiteRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub risk: String,
    pub risk_label: String,
    pub lat: f64,
    pub lon: f64,
    pub measures: Vec<String>,
    pub measure_labels: Vec<String>,
    pub has_measures: bool,
    pub village_code: Option<String>,
    pub village_name: Option<String>,
    pub commune_code: String,
    pub note: String,
    /// dd/mm/yyyy of the latest inspection, if any.
    pub last_inspected: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionRow {
    /// dd/mm/yyyy.
    pub date: String,
    pub findings: String,
    pub measure_labels: Vec<String>,
    pub follow_up: String,
    pub inspected_by: String,
}

/// A commune's sites and its progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SiteList {
    pub sites: Vec<SiteRow>,
    pub with_measures: i64,
    pub total: i64,
}

fn labels(codes: &str) -> (Vec<String>, Vec<String>) {
    let ms: Vec<SiteMeasure> = codes.split(',').filter_map(SiteMeasure::parse).collect();
    (
        ms.iter().map(|m| m.as_str().to_owned()).collect(),
        ms.iter().map(|m| m.label_vi().to_owned()).collect(),
    )
}

fn codes(ms: &[SiteMeasure]) -> String {
    ms.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",")
}

const COLS: &str = "s.id, s.name, s.kind, s.risk, s.lat, s.lon, s.measures, s.village_code, \
    vu.name AS village_name, s.commune_code, s.note, \
    (SELECT MAX(i.inspected_on) FROM risk_site_inspections i WHERE i.site_id = s.id) AS last_inspected, \
    s.province_code";

fn row(r: &sqlx::any::AnyRow) -> SiteRow {
    let (kind, risk): (String, String) = (r.get("kind"), r.get("risk"));
    let (measures, measure_labels) = labels(&r.get::<String, _>("measures"));
    SiteRow {
        id: r.get("id"),
        name: r.get("name"),
        kind_label: SiteKind::parse(&kind).map_or("", SiteKind::label_vi).into(),
        risk_label: Risk::parse(&risk).map_or("", Risk::label_vi).into(),
        kind,
        risk,
        lat: r.get("lat"),
        lon: r.get("lon"),
        has_measures: !measures.is_empty(),
        measures,
        measure_labels,
        village_code: r.get("village_code"),
        village_name: r.get("village_name"),
        commune_code: r.get("commune_code"),
        note: r.get("note"),
        last_inspected: r
            .get::<Option<String>, _>("last_inspected")
            .map(|d| mang_domain::vi::iso_date(&d)),
    }
}

/// The sites of a commune (or of a village of it), with the commune's progress.
pub async fn list(store: &Store, scoped: &Scoped<ViewAggregates>, unit: &Unit) -> Result<SiteList> {
    let path = unit.path();
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let commune = path.commune.clone().ok_or(StoreError::Invalid {
        field: "unit",
        message: "Chọn xã, phường".into(),
    })?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM risk_sites s LEFT JOIN admin_units vu ON vu.code = s.village_code \
         WHERE s.commune_code = $1 AND s.status = 'active' AND ($2 = '' OR s.village_code = $2) \
         ORDER BY s.risk, s.name, s.id"
    )))
    .bind(commune)
    .bind(path.village.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    let sites: Vec<SiteRow> = rows.iter().map(row).collect();
    let with_measures = sites.iter().filter(|s| s.has_measures).count() as i64;
    Ok(SiteList {
        total: sites.len() as i64,
        with_measures,
        sites,
    })
}

async fn load(store: &Store, id: i64) -> Result<(SiteRow, mang_domain::units::UnitPath, i64)> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS}, s.version FROM risk_sites s LEFT JOIN admin_units vu ON vu.code = s.village_code \
         WHERE s.id = $1 AND s.status = 'active'"
    )))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    let site = row(&r);
    let path = mang_domain::units::UnitPath {
        province: r.get("province_code"),
        commune: Some(site.commune_code.clone()),
        village: site.village_code.clone(),
    };
    Ok((site, path, r.get("version")))
}

/// One site with its inspections (newest first), if inside the caller's scope.
pub async fn get(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    id: i64,
) -> Result<(SiteRow, Vec<InspectionRow>)> {
    let (site, path, _) = load(store, id).await?;
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT inspected_on, findings, measures, follow_up, inspected_by FROM risk_site_inspections \
         WHERE site_id = $1 ORDER BY inspected_on DESC, id DESC",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let inspections = rows
        .iter()
        .map(|r| InspectionRow {
            date: mang_domain::vi::iso_date(&r.get::<String, _>("inspected_on")),
            findings: r.get("findings"),
            measure_labels: labels(&r.get::<String, _>("measures")).1,
            follow_up: r.get("follow_up"),
            inspected_by: r.get("inspected_by"),
        })
        .collect();
    Ok((site, inspections))
}

/// Record a site in a commune (or one of its villages) inside the caller's scope.
pub async fn create(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    unit: &Unit,
    input: &NewSite,
) -> Result<i64> {
    let village = if unit.path().village.is_some() {
        unit.path().village.unwrap_or_default()
    } else {
        input.village_code.clone()
    };
    let commune = match unit.path().commune {
        Some(c) => crate::units::get(store, &c).await?,
        None => {
            return Err(StoreError::Invalid {
                field: "unit",
                message: "Chọn xã, phường".into(),
            });
        }
    };
    let path = crate::units::path_in_commune(store, &commune, &village).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let s = sites::check_site(&sites::RawSite {
        name: input.name.clone(),
        kind: input.kind.clone(),
        risk: input.risk.clone(),
        lat: input.lat.clone(),
        lon: input.lon.clone(),
        measures: input.measures.clone(),
        note: input.note.clone(),
    })
    .map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let id = insert(&mut tx, &path, &s, &grant.actor().username).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "risk_site",
        &id.to_string(),
        serde_json::json!({ "kind": s.kind.as_str(), "risk": s.risk.as_str(), "measures": codes(&s.measures) }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Record an inspection; the measures found become the site's.
pub async fn inspect(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    id: i64,
    input: &NewInspection,
    today: time::Date,
) -> Result<()> {
    let (_, path, _) = load(store, id).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let i = sites::check_inspection(
        &sites::RawInspection {
            date: input.date.clone(),
            findings: input.findings.clone(),
            measures: input.measures.clone(),
            follow_up: input.follow_up.clone(),
        },
        today,
    )
    .map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    sqlx::query(
        "INSERT INTO risk_site_inspections (site_id, inspected_on, findings, measures, follow_up, inspected_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(i.date.to_string())
    .bind(i.findings.clone())
    .bind(codes(&i.measures))
    .bind(i.follow_up.clone())
    .bind(grant.actor().username.clone())
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    // The latest inspection decides what is in place now.
    let latest: String = sqlx::query_scalar(
        "SELECT measures FROM risk_site_inspections WHERE site_id = $1 ORDER BY inspected_on DESC, id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE risk_sites SET measures = $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(latest.clone())
    .bind(now_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "inspect",
        "risk_site",
        &id.to_string(),
        serde_json::json!({ "date": i.date.to_string(), "measures": latest }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Indicator 41 per commune of a province: (commune, sites with measures, sites).
pub(crate) async fn progress_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
) -> Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT commune_code, SUM(CASE WHEN measures <> '' THEN 1 ELSE 0 END) AS done, COUNT(*) AS n \
         FROM risk_sites WHERE province_code = $1 AND status = 'active' AND ($2 = '' OR commune_code = $2) \
         GROUP BY commune_code",
    )
    .bind(province.to_owned())
    .bind(commune.unwrap_or("").to_owned())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get("commune_code"),
                r.get::<Option<i64>, _>("done").unwrap_or(0),
                r.get("n"),
            )
        })
        .collect())
}

/// Write a checked site at `path` (its commune, and village if any); one statement of the
/// caller's transaction (the form and the spreadsheet import).
pub(crate) async fn insert(
    tx: &mut crate::Tx,
    path: &mang_domain::units::UnitPath,
    s: &sites::Site,
    by: &str,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO risk_sites (province_code, commune_code, village_code, name, kind, risk, lat, lon, \
         measures, note, status, version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', 1, $11, $12, $12) RETURNING id",
    )
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(path.village.clone())
    .bind(s.name.clone())
    .bind(s.kind.as_str())
    .bind(s.risk.as_str())
    .bind(s.lat)
    .bind(s.lon)
    .bind(codes(&s.measures))
    .bind(s.note.clone())
    .bind(by.to_owned())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?
    .get(0))
}
