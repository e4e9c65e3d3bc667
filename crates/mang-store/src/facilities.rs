//! Care facilities of a commune: their record, the registry children in their care,
//! inspections with a deadline to fix, the resolution of informal facilities, and the
//! province's list of informal facilities still unresolved. Writes are audited; the
//! children's names are read only with the right to read child records.

use crate::audit::{self, Actor};
use crate::units::Unit;
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditRegisters, Scoped, ViewAggregates};
use mang_domain::facilities::{self as dom, FacilityKind, Resolution};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewFacility {
    pub name: String,
    /// `public`, `private`, `informal`, `religious`.
    pub kind: String,
    pub licence: String,
    pub capacity: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacilityRow {
    pub id: i64,
    pub commune_code: String,
    pub commune_name: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub licence: String,
    pub capacity: i64,
    pub address: String,
    pub resolution: String,
    pub resolution_label: String,
    pub children_in_care: i64,
    /// Inspections with a deadline to fix, not yet resolved, past the deadline.
    pub overdue_fixes: i64,
    pub unresolved_informal: bool,
}

fn row(r: &sqlx::any::AnyRow) -> FacilityRow {
    let kind: String = r.get("kind");
    let res: String = r.get("resolution");
    let k = FacilityKind::parse(&kind).unwrap_or(FacilityKind::Informal);
    let rs = Resolution::parse(&res).unwrap_or(Resolution::Open);
    FacilityRow {
        id: r.get("id"),
        commune_code: r.get("commune_code"),
        commune_name: r
            .get::<Option<String>, _>("commune_name")
            .unwrap_or_default(),
        name: r.get("name"),
        kind_label: k.label_vi().into(),
        kind,
        licence: r.get("licence"),
        capacity: r.get("capacity"),
        address: r.get("address"),
        resolution_label: rs.label_vi().into(),
        resolution: res,
        children_in_care: r.get::<Option<i64>, _>("in_care").unwrap_or(0),
        overdue_fixes: r.get::<Option<i64>, _>("overdue").unwrap_or(0),
        unresolved_informal: dom::unresolved(k, rs),
    }
}

/// `$4`: today (for overdue fixes).
const SELECT: &str = "SELECT f.id, f.commune_code, u.name AS commune_name, f.name, f.kind, f.licence, \
    f.capacity, f.address, f.resolution, \
    (SELECT COUNT(*) FROM facility_children fc WHERE fc.facility_id = f.id AND fc.to_date IS NULL) AS in_care, \
    (SELECT COUNT(*) FROM facility_inspections i WHERE i.facility_id = f.id AND i.fix_by IS NOT NULL \
       AND i.resolved_on IS NULL AND i.fix_by < $4) AS overdue \
    FROM care_facilities f LEFT JOIN admin_units u ON u.code = f.commune_code";

/// The facilities of a unit (a commune's, or a province's communes'); `unresolved_only`:
/// the informal facilities still open.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
    unresolved_only: bool,
    today: time::Date,
) -> Result<Vec<FacilityRow>> {
    let path = unit.path();
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE f.province_code = $1 AND ($2 = '' OR f.commune_code = $2) \
         AND ($3 = 0 OR (f.kind = 'informal' AND f.resolution = 'open')) ORDER BY f.commune_code, f.name"
    )))
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(i64::from(unresolved_only))
    .bind(today.to_string())
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(row).collect())
}

async fn path_of(store: &Store, id: i64) -> Result<mang_domain::units::UnitPath> {
    let r = sqlx::query("SELECT province_code, commune_code FROM care_facilities WHERE id = $1")
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(mang_domain::units::UnitPath {
        province: r.get("province_code"),
        commune: r.get("commune_code"),
        village: None,
    })
}

/// Record a facility in a commune.
pub async fn create(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    unit: &Unit,
    input: &NewFacility,
) -> Result<i64> {
    let mut path = unit.path();
    path.village = None;
    if path.commune.is_none() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn xã, phường".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let f = dom::check(&dom::RawFacility {
        name: input.name.clone(),
        kind: input.kind.clone(),
        licence: input.licence.clone(),
        capacity: input.capacity.clone(),
        address: input.address.clone(),
    })
    .map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let id = insert(&mut tx, &path, &f, &grant.actor().username).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "care_facility",
        &id.to_string(),
        serde_json::json!({ "kind": f.kind.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Record an inspection (with an optional deadline to fix).
pub async fn inspect(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    id: i64,
    date: &str,
    findings: &str,
    fix_by: &str,
    today: time::Date,
) -> Result<()> {
    let path = path_of(store, id).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let (d, findings, fix) =
        dom::check_inspection(date, findings, fix_by, today).map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    sqlx::query(
        "INSERT INTO facility_inspections (facility_id, inspected_on, findings, fix_by, inspected_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(d.to_string())
    .bind(findings)
    .bind(fix.map(|f| f.to_string()))
    .bind(grant.actor().username.clone())
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "inspect",
        "care_facility",
        &id.to_string(),
        serde_json::json!({ "date": d.to_string() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Set a facility's resolution (`open`, `licensed` with the licence number, `closed`);
/// closing ends the stays of the children in its care (they are placed elsewhere).
pub async fn resolve(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    id: i64,
    resolution: &str,
    licence: &str,
    today: time::Date,
) -> Result<()> {
    let path = path_of(store, id).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let r = Resolution::parse(resolution).ok_or(StoreError::Invalid {
        field: "resolution",
        message: "Chọn kết quả xử lý".into(),
    })?;
    let licence = mang_domain::text::clean(licence);
    if r == Resolution::Licensed && licence.is_empty() {
        return Err(StoreError::Invalid {
            field: "licence",
            message: "Cần số giấy phép đã cấp".into(),
        });
    }
    let mut tx = store.begin_write().await?;
    sqlx::query(
        "UPDATE care_facilities SET resolution = $1, licence = CASE WHEN $2 = '' THEN licence ELSE $2 END, \
         kind = CASE WHEN $1 = 'licensed' AND kind = 'informal' THEN 'private' ELSE kind END WHERE id = $3",
    )
    .bind(r.as_str())
    .bind(licence)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if r == Resolution::Closed {
        sqlx::query(
            "UPDATE facility_children SET to_date = $1 WHERE facility_id = $2 AND to_date IS NULL",
        )
        .bind(today.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "resolve",
        "care_facility",
        &id.to_string(),
        serde_json::json!({ "resolution": r.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Place a registry child in the facility's care (the child must be in the caller's
/// scope too).
pub async fn place_child(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    id: i64,
    child_id: i64,
    today: time::Date,
) -> Result<()> {
    let path = path_of(store, id).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let row = sqlx::query("SELECT province_code, commune_code, village_code FROM children WHERE id = $1 AND status = 'active'")
        .bind(child_id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::Invalid {
            field: "child_id",
            message: "Không tìm thấy trẻ trong sổ".into(),
        })?;
    let child_path = mang_domain::units::UnitPath {
        province: row.get("province_code"),
        commune: row.get("commune_code"),
        village: row.get("village_code"),
    };
    scoped.grant(&child_path).map_err(|_| StoreError::Invalid {
        field: "child_id",
        message: "Không tìm thấy trẻ trong sổ".into(),
    })?;
    let mut tx = store.begin_write().await?;
    sqlx::query(
        "INSERT INTO facility_children (facility_id, child_id, from_date) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(child_id)
    .bind(today.to_string())
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        &child_path,
        "place",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "facility": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Write a checked facility of a commune (`path`), unresolved; one statement of the
/// caller's transaction (the form and the spreadsheet import).
pub(crate) async fn insert(
    tx: &mut crate::Tx,
    path: &mang_domain::units::UnitPath,
    f: &dom::Facility,
    by: &str,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO care_facilities (province_code, commune_code, name, kind, licence, capacity, address, \
         resolution, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9) RETURNING id",
    )
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(f.name.clone())
    .bind(f.kind.as_str())
    .bind(f.licence.clone())
    .bind(f.capacity)
    .bind(f.address.clone())
    .bind(by.to_owned())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?
    .get(0))
}
