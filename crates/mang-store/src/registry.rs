//! Households and children: the part of the child registry the foundation needs (lookup,
//! listing, a simple edit). Every read of a child-level record is audited.

use crate::audit::{self, Actor};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditChildRecord, Grant, Scoped, ViewChildRecord};
use mang_domain::text;
use mang_domain::units::UnitPath;
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Mask a personal ID number for lists: `031******123` (BRIEF §7).
pub fn mask_personal_id(id: &str) -> String {
    if id.len() == 12 {
        format!("{}******{}", &id[..3], &id[9..])
    } else {
        "***".into()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildSummary {
    pub id: i64,
    pub full_name: String,
    pub sex: String,
    /// ISO date `YYYY-MM-DD`.
    pub birth_date: String,
    /// Masked: `031******123`.
    pub personal_id_masked: Option<String>,
    pub commune_code: String,
    pub village_code: Option<String>,
    pub household_id: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Child {
    pub id: i64,
    pub household_id: i64,
    pub household_code: String,
    pub full_name: String,
    pub sex: String,
    pub birth_date: String,
    pub ethnicity: Option<String>,
    pub personal_id: Option<String>,
    pub province_code: String,
    pub commune_code: String,
    pub commune_name: String,
    pub village_code: Option<String>,
    pub village_name: Option<String>,
    pub status: String,
    pub version: i64,
    pub updated_at: String,
}

impl Child {
    pub fn path(&self) -> UnitPath {
        UnitPath {
            province: Some(self.province_code.clone()),
            commune: Some(self.commune_code.clone()),
            village: self.village_code.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Household {
    pub id: i64,
    pub code: String,
    pub head_name: String,
    pub address: String,
    pub phone: Option<String>,
    pub province_code: String,
    pub commune_code: String,
    pub commune_name: String,
    pub village_code: Option<String>,
    pub village_name: Option<String>,
    /// Poverty status by year: `poor` (nghèo), `near_poor` (cận nghèo), `escaped` (thoát nghèo).
    pub poverty: Vec<PovertyYear>,
    pub children: Vec<ChildSummary>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PovertyYear {
    pub year: i64,
    pub status: String,
}

fn summary(r: &AnyRow) -> ChildSummary {
    ChildSummary {
        id: r.get("id"),
        full_name: r.get("full_name"),
        sex: r.get("sex"),
        birth_date: r.get("birth_date"),
        personal_id_masked: r
            .get::<Option<String>, _>("personal_id")
            .map(|p| mask_personal_id(&p)),
        commune_code: r.get("commune_code"),
        village_code: r.get("village_code"),
        household_id: r.get("household_id"),
    }
}

const SUMMARY_COLS: &str = "c.id, c.full_name, c.sex, c.birth_date, c.personal_id, c.commune_code, c.village_code, c.household_id";

/// Filter for the child list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ChildFilter {
    /// Restrict to a unit inside the caller's scope (province, commune or village code).
    pub unit: Option<String>,
    /// Name search, diacritic- and case-insensitive.
    pub q: Option<String>,
    /// Return children with id greater than this (keyset paging).
    pub after: Option<i64>,
}

pub const PAGE_SIZE: i64 = 50;

/// One page of children in the caller's scope, optionally narrowed to a sub-unit and a name.
/// The list view itself is audited (who looked at which list, how many rows).
pub async fn list_children(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    filter: &ChildFilter,
) -> Result<Vec<ChildSummary>> {
    let mut scope = scoped.scope().clone();
    if let Some(code) = filter.unit.as_deref().filter(|c| !c.is_empty()) {
        let unit = crate::units::get(store, code).await?;
        if !scope.contains(&unit.path()) {
            return Err(StoreError::NotFound);
        }
        scope = mang_domain::access::Scope::new(&unit.code(), &unit.path());
    }
    let (cond, scope_vals) = scope_filter(&scope, "c", 3);
    let mut sql = format!("SELECT {SUMMARY_COLS} FROM children c WHERE c.id > $1 AND {cond}");
    let mut vals = vec![Val::Int(filter.after.unwrap_or(0)), Val::Int(PAGE_SIZE)];
    vals.extend(scope_vals);
    if let Some(q) = filter
        .q
        .as_deref()
        .map(text::fold)
        .filter(|q| !q.is_empty())
    {
        sql.push_str(&format!(" AND c.name_folded LIKE ${}", vals.len() + 1));
        vals.push(Val::Text(format!("%{}%", q.replace(['%', '_'], ""))));
    }
    sql.push_str(" ORDER BY c.id LIMIT $2");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), vals)
        .fetch_all(store.pool())
        .await?;
    let out: Vec<ChildSummary> = rows.iter().map(summary).collect();
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &scope.path,
        "view",
        "child_list",
        scope.code.as_str(),
        serde_json::json!({ "rows": out.len(), "ids": out.iter().map(|c| c.id).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

const CHILD_SELECT: &str = "SELECT c.id, c.household_id, h.code AS household_code, c.full_name, c.sex, \
    c.birth_date, c.ethnicity, c.personal_id, c.province_code, c.commune_code, cu.name AS commune_name, \
    c.village_code, vu.name AS village_name, c.status, c.version, c.updated_at \
    FROM children c JOIN households h ON h.id = c.household_id \
    JOIN admin_units cu ON cu.code = c.commune_code \
    LEFT JOIN admin_units vu ON vu.code = c.village_code";

fn child(r: &AnyRow) -> Child {
    Child {
        id: r.get("id"),
        household_id: r.get("household_id"),
        household_code: r.get("household_code"),
        full_name: r.get("full_name"),
        sex: r.get("sex"),
        birth_date: r.get("birth_date"),
        ethnicity: r.get("ethnicity"),
        personal_id: r.get("personal_id"),
        province_code: r.get("province_code"),
        commune_code: r.get("commune_code"),
        commune_name: r.get("commune_name"),
        village_code: r.get("village_code"),
        village_name: r.get("village_name"),
        status: r.get("status"),
        version: r.get("version"),
        updated_at: r.get("updated_at"),
    }
}

/// A child inside the caller's scope (else `NotFound`), with the view audited.
pub async fn get_child(store: &Store, scoped: &Scoped<ViewChildRecord>, id: i64) -> Result<Child> {
    let (cond, vals) = scope_filter(scoped.scope(), "c", 2);
    let sql = format!("{CHILD_SELECT} WHERE c.id = $1 AND {cond}");
    let mut all = vec![Val::Int(id)];
    all.extend(vals);
    let row = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), all)
        .fetch_optional(store.pool())
        .await?;
    let c = row.as_ref().map(child).ok_or(StoreError::NotFound)?;
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &c.path(),
        "view",
        "child",
        &c.id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// A household inside the caller's scope with its children, the view audited.
pub async fn get_household(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    id: i64,
) -> Result<Household> {
    let (cond, vals) = scope_filter(scoped.scope(), "h", 2);
    let sql = format!(
        "SELECT h.id, h.code, h.head_name, h.address, h.phone, h.province_code, h.commune_code, \
         cu.name AS commune_name, h.village_code, vu.name AS village_name \
         FROM households h JOIN admin_units cu ON cu.code = h.commune_code \
         LEFT JOIN admin_units vu ON vu.code = h.village_code WHERE h.id = $1 AND {cond}"
    );
    let mut all = vec![Val::Int(id)];
    all.extend(vals);
    let r = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), all)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    let poverty = sqlx::query(
        "SELECT year, status FROM household_poverty WHERE household_id = $1 ORDER BY year DESC",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|p| PovertyYear {
        year: p.get("year"),
        status: p.get("status"),
    })
    .collect();
    let children = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLS} FROM children c WHERE c.household_id = $1 ORDER BY c.birth_date"
    )))
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(summary)
    .collect();
    let h = Household {
        id: r.get("id"),
        code: r.get("code"),
        head_name: r.get("head_name"),
        address: r.get("address"),
        phone: r.get("phone"),
        province_code: r.get("province_code"),
        commune_code: r.get("commune_code"),
        commune_name: r.get("commune_name"),
        village_code: r.get("village_code"),
        village_name: r.get("village_name"),
        poverty,
        children,
    };
    let path = UnitPath {
        province: Some(h.province_code.clone()),
        commune: Some(h.commune_code.clone()),
        village: h.village_code.clone(),
    };
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &path,
        "view",
        "household",
        &h.id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(h)
}

/// A change to a child's name, made against the version the editor saw.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ChildNameChange {
    pub full_name: String,
    /// The `version` the editor loaded; a newer stored version is a conflict, never
    /// silently overwritten.
    pub version: i64,
}

/// Correct a child's full name (audited old → new). The registry issue adds the other fields.
pub async fn rename_child(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    id: i64,
    change: &ChildNameChange,
) -> Result<Child> {
    let name = text::clean(&change.full_name);
    if name.split(' ').count() < 2 || name.chars().count() > 120 {
        return Err(StoreError::Invalid {
            field: "full_name",
            message: "Họ và tên phải có ít nhất hai từ (họ và tên) và không quá 120 ký tự".into(),
        });
    }
    let (cond, vals) = scope_filter(scoped.scope(), "c", 2);
    let mut tx = store.begin_write().await?;
    let mut all = vec![Val::Int(id)];
    all.extend(vals);
    let row = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "{CHILD_SELECT} WHERE c.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let before = row.as_ref().map(child).ok_or(StoreError::NotFound)?;
    let grant: Grant<EditChildRecord> = scoped
        .grant(&before.path())
        .map_err(|_| StoreError::NotFound)?;
    if before.version != change.version {
        return Err(StoreError::StaleVersion {
            expected: change.version,
            found: before.version,
        });
    }
    sqlx::query("UPDATE children SET full_name = $1, name_folded = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5")
        .bind(&name)
        .bind(text::fold(&name))
        .bind(now_text())
        .bind(id)
        .bind(change.version)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "update",
        "child",
        &id.to_string(),
        serde_json::json!({ "full_name": { "old": before.full_name, "new": name } }),
    )
    .await?;
    tx.commit().await?;
    let mut after = before;
    after.full_name = name;
    after.version += 1;
    Ok(after)
}

/// History of a child's record from the audit log (changes only), newest first.
pub async fn child_history(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child: &Child,
) -> Result<Vec<(String, String, String)>> {
    scoped
        .grant(&child.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT at, actor, detail FROM audit_log WHERE entity = 'child' AND entity_id = $1 AND action IN ('create', 'update') ORDER BY seq DESC LIMIT 100",
    )
    .bind(child.id.to_string())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("at"), r.get("actor"), r.get("detail")))
        .collect())
}
