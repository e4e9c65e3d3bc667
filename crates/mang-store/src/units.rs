//! Administrative units: the embedded reference list, villages added by communes, and the
//! unit tree with counts shown on the home page.

use crate::audit::{self, Actor};
use crate::sql::bind_all;
use crate::{Result, Store, StoreError, Tx, now_text};
use mang_domain::access::{Grant, ManageUnits, Scope, Scoped, ViewAggregates};
use mang_domain::text;
use mang_domain::units::{UnitCode, UnitLevel, UnitPath, reference_units};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An administrative unit (đơn vị hành chính) or a village / residential group.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unit {
    /// Zero-padded code: `31` province, `31006` commune, `31006-003` village.
    pub code: String,
    /// Official name with its type prefix, e.g. "Xã Đông Thái".
    pub name: String,
    /// `national`, `province`, `commune` or `village`.
    pub level: String,
    pub parent_code: Option<String>,
    /// `tỉnh`, `thành phố`, `xã`, `phường`, `đặc khu`, `thôn`, `tổ dân phố`.
    pub kind: String,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
}

impl Unit {
    pub fn code(&self) -> UnitCode {
        UnitCode::parse(&self.code).expect("stored unit codes are valid")
    }

    pub fn level(&self) -> UnitLevel {
        UnitLevel::parse(&self.level).expect("stored unit levels are valid")
    }

    /// The unit's own path: its province, commune and (for a village) itself.
    pub fn path(&self) -> UnitPath {
        let level = self.level();
        UnitPath {
            province: match level {
                UnitLevel::Province => Some(self.code.clone()),
                _ => self.province_code.clone(),
            },
            commune: match level {
                UnitLevel::Commune => Some(self.code.clone()),
                _ => self.commune_code.clone(),
            },
            village: (level == UnitLevel::Village).then(|| self.code.clone()),
        }
    }

    fn from_row(r: &AnyRow) -> Unit {
        Unit {
            code: r.get("code"),
            name: r.get("name"),
            level: r.get("level"),
            parent_code: r.get("parent_code"),
            kind: r.get("kind"),
            province_code: r.get("province_code"),
            commune_code: r.get("commune_code"),
        }
    }
}

/// A unit with the counts shown in the tree (aggregates only, no personal data).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitCounts {
    #[serde(flatten)]
    pub unit: Unit,
    pub children: i64,
    pub households: i64,
}

const UNIT_COLS: &str = "code, name, level, parent_code, kind, province_code, commune_code";

/// Load the embedded reference list (34 provinces, 3,321 communes) into an empty table.
pub async fn ensure_reference_units(store: &Store) -> Result<()> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_units WHERE is_reference = 1")
        .fetch_one(store.pool())
        .await?;
    if n > 0 {
        return Ok(());
    }
    let now = now_text();
    let rows: Vec<serde_json::Value> = reference_units()
        .into_iter()
        .map(|u| {
            let (province, commune) = match u.level {
                UnitLevel::National => (None, None),
                UnitLevel::Province => (Some(u.code.clone()), None),
                _ => (Some(u.parent_code.clone()), Some(u.code.clone())),
            };
            let parent = (!u.parent_code.is_empty()).then(|| u.parent_code.clone());
            serde_json::json!([
                u.code,
                u.name,
                text::fold(&u.name),
                u.level.as_str(),
                parent,
                u.kind,
                province,
                commune,
                1,
                now
            ])
        })
        .collect();
    let mut tx = store.begin_write().await?;
    insert_unit_rows(store, &mut tx, rows).await?;
    tx.commit().await?;
    Ok(())
}

/// Insert admin-unit rows given as JSON arrays in the column order of `admin_units` (one
/// bound parameter for the whole set; see `dialect::json_rows_source`).
pub(crate) async fn insert_unit_rows(
    store: &Store,
    tx: &mut Tx,
    rows: Vec<serde_json::Value>,
) -> Result<()> {
    use crate::dialect::{ColType, json_col, json_rows_source};
    let b = store.backend();
    let cols: Vec<String> = (0..10)
        .map(|i| json_col(b, i, if i == 8 { ColType::Int } else { ColType::Text }))
        .collect();
    let sql = format!(
        "INSERT INTO admin_units (code, name, name_folded, level, parent_code, kind, province_code, commune_code, is_reference, created_at) \
         SELECT {} FROM {}",
        cols.join(", "),
        json_rows_source(b)
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(serde_json::Value::Array(rows).to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Look a unit up by code (units are not personal data; callers still scope what they show).
pub async fn get(store: &Store, code: &str) -> Result<Unit> {
    let sql = format!("SELECT {UNIT_COLS} FROM admin_units WHERE code = $1");
    let row = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(code)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(Unit::from_row).ok_or(StoreError::NotFound)
}

/// A unit inside the caller's scope, or `NotFound` (never "exists but forbidden").
pub async fn get_scoped(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    code: &str,
) -> Result<Unit> {
    let unit = get(store, code).await?;
    if scoped.scope().contains(&unit.path()) {
        Ok(unit)
    } else {
        Err(StoreError::NotFound)
    }
}

/// The units directly under `parent` with counts of children and households, in code order.
pub async fn subunits_with_counts(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    parent: &Unit,
) -> Result<Vec<UnitCounts>> {
    if !scoped.scope().contains(&parent.path()) {
        return Err(StoreError::NotFound);
    }
    let sql = format!("SELECT {UNIT_COLS} FROM admin_units WHERE parent_code = $1 ORDER BY code");
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(&parent.code)
        .fetch_all(store.pool())
        .await?;
    let subs: Vec<Unit> = rows.iter().map(Unit::from_row).collect();
    let Some(child_level) = parent.level().child() else {
        return Ok(Vec::new());
    };
    let scope = Scope::new(&parent.code(), &parent.path());
    let children = counts_by(store, "children", &scope, child_level).await?;
    let households = counts_by(store, "households", &scope, child_level).await?;
    Ok(subs
        .into_iter()
        .map(|u| UnitCounts {
            children: children.get(&u.code).copied().unwrap_or(0),
            households: households.get(&u.code).copied().unwrap_or(0),
            unit: u,
        })
        .collect())
}

/// Totals of a unit's subtree.
pub async fn totals(store: &Store, unit: &Unit) -> Result<(i64, i64)> {
    let scope = Scope::new(&unit.code(), &unit.path());
    let mut out = [0i64; 2];
    for (i, table) in ["children", "households"].into_iter().enumerate() {
        let (cond, vals) = crate::sql::scope_filter(&scope, "t", 1);
        let sql = format!(
            "SELECT COUNT(*) FROM {table} t WHERE {cond}{}",
            active_only(table)
        );
        let row = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), vals)
            .fetch_one(store.pool())
            .await?;
        out[i] = row.get(0);
    }
    Ok((out[0], out[1]))
}

/// Children are counted while active: a record merged into another is the same child.
fn active_only(table: &str) -> &'static str {
    if table == "children" {
        " AND t.status = 'active'"
    } else {
        ""
    }
}

async fn counts_by(
    store: &Store,
    table: &str,
    scope: &Scope,
    level: UnitLevel,
) -> Result<std::collections::HashMap<String, i64>> {
    let col = match level {
        UnitLevel::Province => "province_code",
        UnitLevel::Commune => "commune_code",
        _ => "village_code",
    };
    let (cond, vals) = crate::sql::scope_filter(scope, "t", 1);
    let sql = format!(
        "SELECT t.{col} AS code, COUNT(*) AS n FROM {table} t WHERE {cond} AND t.{col} IS NOT NULL{} GROUP BY t.{col}",
        active_only(table)
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), vals)
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>("code"), r.get::<i64, _>("n")))
        .collect())
}

/// What kind of village unit: `thôn` in a xã, `tổ dân phố` in a phường.
pub fn village_kind_for(commune_kind: &str) -> &'static str {
    if commune_kind == "phường" {
        "tổ dân phố"
    } else {
        "thôn"
    }
}

/// Add a village / residential group under a commune, audited in the same transaction.
pub async fn add_village(
    store: &Store,
    grant: &Grant<ManageUnits>,
    commune: &Unit,
    name: &str,
) -> Result<Unit> {
    let name = text::clean(name);
    if name.chars().count() < 2 || name.chars().count() > 100 {
        return Err(StoreError::Invalid {
            field: "name",
            message: "Tên thôn, tổ dân phố phải có từ 2 đến 100 ký tự".into(),
        });
    }
    if commune.level() != UnitLevel::Commune || grant.path() != &commune.path() {
        return Err(StoreError::Invalid {
            field: "parent",
            message: "Chỉ thêm được thôn, tổ dân phố vào một xã, phường, đặc khu".into(),
        });
    }
    let mut tx = store.begin_write().await?;
    let unit = insert_village(&mut tx, commune, &name).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        &unit.path(),
        "create",
        "unit",
        &unit.code,
        serde_json::json!({ "name": unit.name, "parent": commune.code }),
    )
    .await?;
    tx.commit().await?;
    Ok(unit)
}

/// Insert a village with the next free serial. Used by `add_village` and the demo.
pub async fn insert_village(tx: &mut Tx, commune: &Unit, name: &str) -> Result<Unit> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_units WHERE parent_code = $1 AND name_folded = $2",
    )
    .bind(&commune.code)
    .bind(text::fold(name))
    .fetch_one(&mut **tx)
    .await?;
    if exists > 0 {
        return Err(StoreError::Conflict {
            field: "name",
            message: format!("{} đã có «{name}»", commune.name),
        });
    }
    let last: Option<String> =
        sqlx::query_scalar("SELECT MAX(code) FROM admin_units WHERE parent_code = $1")
            .bind(&commune.code)
            .fetch_one(&mut **tx)
            .await?;
    let serial = last
        .and_then(|c| c.get(6..).and_then(|s| s.parse::<u32>().ok()))
        .unwrap_or(0)
        + 1;
    let code = commune
        .code()
        .village(serial)
        .ok_or_else(|| StoreError::Invalid {
            field: "name",
            message: "Một xã không thể có quá 999 thôn, tổ dân phố".into(),
        })?;
    let unit = Unit {
        code: code.to_string(),
        name: name.to_owned(),
        level: "village".into(),
        parent_code: Some(commune.code.clone()),
        kind: village_kind_for(&commune.kind).into(),
        province_code: commune.province_code.clone(),
        commune_code: Some(commune.code.clone()),
    };
    sqlx::query(
        "INSERT INTO admin_units (code, name, name_folded, level, parent_code, kind, \
         province_code, commune_code, is_reference, created_at) \
         VALUES ($1, $2, $3, 'village', $4, $5, $6, $7, 0, $8)",
    )
    .bind(&unit.code)
    .bind(&unit.name)
    .bind(text::fold(&unit.name))
    .bind(&commune.code)
    .bind(&unit.kind)
    .bind(&unit.province_code)
    .bind(&unit.commune_code)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(unit)
}

/// A field-named input error.
fn field_error(field: &'static str, message: String) -> StoreError {
    StoreError::Fields(vec![mang_domain::registry::FieldError { field, message }])
}

/// The path of a record placed in `unit` (a commune or village), narrowed to `village`
/// when one is named for a commune: the village must exist and belong to it.
pub async fn path_in_commune(
    store: &Store,
    unit: &Unit,
    village: &str,
) -> Result<mang_domain::units::UnitPath> {
    let path = unit.path();
    if path.commune.is_none() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn một xã, phường hoặc thôn, tổ".into(),
        });
    }
    let village = village.trim();
    if village.is_empty() || path.village.is_some() {
        return Ok(path);
    }
    match get(store, village).await {
        Ok(v) if v.level == "village" && v.path().commune == path.commune => Ok(v.path()),
        Ok(_) => Err(field_error(
            "village_code",
            format!("Thôn, tổ «{village}» không thuộc xã này"),
        )),
        Err(_) => Err(field_error(
            "village_code",
            format!("Không có thôn, tổ «{village}»"),
        )),
    }
}

/// The villages (thôn, tổ dân phố) of a commune, in code order (for pickers).
pub async fn villages_of(store: &Store, commune: &str) -> Result<Vec<Unit>> {
    let sql = format!(
        "SELECT {UNIT_COLS} FROM admin_units WHERE level = 'village' AND commune_code = $1 ORDER BY code"
    );
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(commune)
        .fetch_all(store.pool())
        .await?;
    Ok(rows.iter().map(Unit::from_row).collect())
}

/// All communes of a province, in code order (for the demo and pickers).
pub async fn communes_of(store: &Store, province: &str) -> Result<Vec<Unit>> {
    let sql = format!(
        "SELECT {UNIT_COLS} FROM admin_units WHERE level = 'commune' AND province_code = $1 ORDER BY code"
    );
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(province)
        .fetch_all(store.pool())
        .await?;
    Ok(rows.iter().map(Unit::from_row).collect())
}

/// All provinces, in code order.
pub async fn provinces(store: &Store) -> Result<Vec<Unit>> {
    let sql = format!("SELECT {UNIT_COLS} FROM admin_units WHERE level = 'province' ORDER BY code");
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .fetch_all(store.pool())
        .await?;
    Ok(rows.iter().map(Unit::from_row).collect())
}
