//! Households of the register: the list of a commune (or village), creating and editing a
//! household (optimistic version, audited old → new), and the data of the household
//! child-tracking book (Sổ theo dõi trẻ em trong hộ gia đình).

use crate::audit::{self, Actor};
use crate::registry::{self, Household};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditChildRecord, Scoped, ViewChildRecord};
use mang_domain::import::parse_household;
use mang_domain::registry::FieldError;
use mang_domain::units::UnitPath;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// One row of the household list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdSummary {
    pub id: i64,
    pub code: String,
    pub head_name: String,
    pub address: String,
    pub village_code: Option<String>,
    pub village_name: Option<String>,
    /// Children on the active register.
    pub children: i64,
    /// Latest poverty status: `poor`, `near_poor`, `escaped`, with its year.
    pub poverty_status: Option<String>,
    pub poverty_year: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdPage {
    pub households: Vec<HouseholdSummary>,
    /// Pass as `after` for the next page.
    pub next: Option<String>,
}

/// Filter for the household list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct HouseholdFilter {
    /// A commune or village inside the caller's scope (required above commune level).
    pub unit: Option<String>,
    /// Household code or its beginning.
    pub code: Option<String>,
    /// The last code of the previous page.
    pub after: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

fn fields_err(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Fields(vec![FieldError {
        field,
        message: message.into(),
    }])
}

/// Households of one commune or village in the caller's scope, by code; the view audited.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    filter: &HouseholdFilter,
) -> Result<HouseholdPage> {
    let mut scope = scoped.scope().clone();
    if let Some(code) = filter.unit.as_deref().filter(|c| !c.is_empty()) {
        let unit = crate::units::get(store, code).await?;
        if !scope.contains(&unit.path()) {
            return Err(StoreError::NotFound);
        }
        scope = mang_domain::access::Scope::new(&unit.code(), &unit.path());
    }
    if scope.path.commune.is_none() {
        return Err(fields_err("unit", mang_domain::vi::HOUSEHOLDS_PICK_COMMUNE));
    }
    let (cond, mut vals) = scope_filter(&scope, "h", 3);
    let mut sql = format!(
        "SELECT h.id, h.code, h.head_name, h.address, h.village_code, vu.name AS village_name, \
         (SELECT COUNT(*) FROM children c WHERE c.household_id = h.id AND c.status = 'active') AS n_children, \
         (SELECT p.status FROM household_poverty p WHERE p.household_id = h.id ORDER BY p.year DESC LIMIT 1) AS poverty_status, \
         (SELECT MAX(p.year) FROM household_poverty p WHERE p.household_id = h.id) AS poverty_year \
         FROM households h LEFT JOIN admin_units vu ON vu.code = h.village_code \
         WHERE h.code > $1 AND {cond}"
    );
    let mut all = vec![
        Val::Text(filter.after.clone().unwrap_or_default()),
        Val::Int(PAGE_SIZE + 1),
    ];
    all.append(&mut vals);
    if let Some(prefix) = filter
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        sql.push_str(&format!(
            " AND h.code >= ${} AND h.code < ${}",
            all.len() + 1,
            all.len() + 2
        ));
        all.push(Val::Text(prefix.to_owned()));
        all.push(Val::Text(format!("{prefix}~")));
    }
    sql.push_str(" ORDER BY h.code LIMIT $2");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), all)
        .fetch_all(store.pool())
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let households: Vec<HouseholdSummary> = rows
        .iter()
        .take(PAGE_SIZE as usize)
        .map(|r| HouseholdSummary {
            id: r.get("id"),
            code: r.get("code"),
            head_name: r.get("head_name"),
            address: r.get("address"),
            village_code: r.get("village_code"),
            village_name: r.get("village_name"),
            children: r.get("n_children"),
            poverty_status: r.get("poverty_status"),
            poverty_year: r.get("poverty_year"),
        })
        .collect();
    let next = more
        .then(|| households.last().map(|h| h.code.clone()))
        .flatten();
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &scope.path,
        "view",
        "household_list",
        scope.code.as_str(),
        serde_json::json!({ "rows": households.len(), "ids": households.iter().map(|h| h.id).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(HouseholdPage { households, next })
}

/// A household as typed (form or JSON): the import format's column names, all text.
/// `household_code` may be left empty on creation (the next `<commune>-H000123` is given).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct HouseholdInput {
    /// Required when editing: the version the editor loaded.
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, String>,
}

const FIELDS: [&str; 8] = [
    "household_code",
    "commune_code",
    "village_code",
    "head_name",
    "address",
    "phone",
    "poverty_year",
    "poverty_status",
];

fn unknown_fields(fields: &BTreeMap<String, String>) -> Result<()> {
    match fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        Some(k) => Err(fields_err(
            "fields",
            format!("Trường «{k}» không có trong hồ sơ hộ gia đình"),
        )),
        None => Ok(()),
    }
}

/// Check that a village belongs to the commune and exists.
async fn village_of(tx: &mut crate::Tx, commune: &str, village: Option<&str>) -> Result<()> {
    if let Some(v) = village {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM admin_units WHERE code = $1 AND level = 'village' AND commune_code = $2",
        )
        .bind(v)
        .bind(commune)
        .fetch_one(&mut **tx)
        .await?;
        if n == 0 {
            return Err(fields_err(
                "village_code",
                format!("Không có thôn, tổ «{v}» trong xã {commune}"),
            ));
        }
    }
    Ok(())
}

/// "Hộ nghèo (2026)" for the audit detail (and so the history).
fn poverty_text(year: i32, status: &str) -> String {
    let label = mang_domain::demo::PovertyStatus::parse(status)
        .map(|p| p.label_vi())
        .unwrap_or(status);
    format!("{label} ({year})")
}

async fn set_poverty(tx: &mut crate::Tx, id: i64, poverty: Option<(i32, &str)>) -> Result<()> {
    if let Some((year, status)) = poverty {
        sqlx::query("DELETE FROM household_poverty WHERE household_id = $1 AND year = $2")
            .bind(id)
            .bind(i64::from(year))
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO household_poverty (household_id, year, status) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(i64::from(year))
        .bind(status)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Create a household in a commune of the caller's scope (a commune officer's own commune
/// when `commune_code` is empty). Audited with every field.
pub async fn create(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    input: &HouseholdInput,
) -> Result<i64> {
    unknown_fields(&input.fields)?;
    let mut fields = input.fields.clone();
    let own_commune = scoped.scope().path.commune.clone().unwrap_or_default();
    let commune = fields
        .get("commune_code")
        .filter(|c| !c.trim().is_empty())
        .cloned()
        .unwrap_or(own_commune);
    fields.insert("commune_code".into(), commune.clone());
    let mut tx = store.begin_write().await?;
    let generated = fields
        .get("household_code")
        .is_none_or(|c| c.trim().is_empty());
    if generated {
        // The next number after the largest `<commune>-H…` code.
        let last: Option<String> =
            sqlx::query_scalar("SELECT MAX(code) FROM households WHERE code >= $1 AND code < $2")
                .bind(format!("{commune}-H"))
                .bind(format!("{commune}-H~"))
                .fetch_one(&mut *tx)
                .await?;
        let n = last
            .and_then(|c| c.rsplit('H').next().and_then(|d| d.parse::<u64>().ok()))
            .unwrap_or(0);
        fields.insert("household_code".into(), format!("{commune}-H{:06}", n + 1));
    }
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let rec = parse_household(get).map_err(StoreError::Fields)?;
    let unit = crate::units::get(store, &rec.commune_code)
        .await
        .map_err(|_| {
            fields_err(
                "commune_code",
                format!("Không có xã «{}»", rec.commune_code),
            )
        })?;
    let path = UnitPath {
        province: unit.path().province,
        commune: Some(rec.commune_code.clone()),
        village: rec.village_code.clone(),
    };
    let grant = scoped.grant(&path).map_err(|_| {
        fields_err(
            "commune_code",
            "Xã, thôn này nằm ngoài phạm vi được giao của bạn",
        )
    })?;
    village_of(&mut tx, &rec.commune_code, rec.village_code.as_deref()).await?;
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE code = $1")
        .bind(&rec.code)
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Err(fields_err(
            "household_code",
            format!("Mã hộ «{}» đã có", rec.code),
        ));
    }
    let now = now_text();
    let id: i64 = sqlx::query(
        "INSERT INTO households (code, province_code, commune_code, village_code, head_name, address, phone, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
    )
    .bind(&rec.code)
    .bind(path.province.clone())
    .bind(&rec.commune_code)
    .bind(rec.village_code.clone())
    .bind(&rec.head_name)
    .bind(&rec.address)
    .bind(rec.phone.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    set_poverty(&mut tx, id, rec.poverty).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "household",
        &id.to_string(),
        serde_json::json!({
            "household_code": { "old": "", "new": rec.code },
            "head_name": { "old": "", "new": rec.head_name },
            "address": { "old": "", "new": rec.address },
            "village_code": { "old": "", "new": rec.village_code },
            "phone": { "old": "", "new": rec.phone },
            "poverty": { "old": "", "new": rec.poverty.map(|(y, s)| poverty_text(y, s)) },
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Edit a household (head, address, phone, village, a year's poverty status) against the
/// version the editor loaded; the code and commune stay. Audited old → new.
pub async fn update(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    id: i64,
    input: &HouseholdInput,
) -> Result<()> {
    unknown_fields(&input.fields)?;
    let Some(version) = input.version else {
        return Err(fields_err(
            "version",
            "Thiếu phiên bản (version) của hồ sơ hộ",
        ));
    };
    let mut tx = store.begin_write().await?;
    let (cond, vals) = scope_filter(scoped.scope(), "h", 2);
    let mut all = vec![Val::Int(id)];
    all.extend(vals);
    let row = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT h.code, h.province_code, h.commune_code, h.village_code, h.head_name, h.address, h.phone, h.version \
             FROM households h WHERE h.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let found: i64 = row.get("version");
    if found != version {
        return Err(StoreError::StaleVersion {
            expected: version,
            found,
        });
    }
    let old: BTreeMap<&str, String> = [
        "code",
        "commune_code",
        "village_code",
        "head_name",
        "address",
        "phone",
    ]
    .into_iter()
    .map(|k| (k, row.get::<Option<String>, _>(k).unwrap_or_default()))
    .collect();
    let mut merged: BTreeMap<String, String> = BTreeMap::from([
        ("household_code".to_owned(), old["code"].clone()),
        ("commune_code".to_owned(), old["commune_code"].clone()),
        ("village_code".to_owned(), old["village_code"].clone()),
        ("head_name".to_owned(), old["head_name"].clone()),
        ("address".to_owned(), old["address"].clone()),
        ("phone".to_owned(), old["phone"].clone()),
    ]);
    for (k, v) in &input.fields {
        if k != "household_code" && k != "commune_code" {
            merged.insert(k.clone(), v.clone());
        }
    }
    let get = |k: &str| merged.get(k).map(String::as_str).unwrap_or("");
    let rec = parse_household(get).map_err(StoreError::Fields)?;
    let path = UnitPath {
        province: row.get("province_code"),
        commune: Some(rec.commune_code.clone()),
        village: rec.village_code.clone(),
    };
    let grant = scoped.grant(&path).map_err(|_| {
        fields_err(
            "village_code",
            "Thôn, tổ này nằm ngoài phạm vi được giao của bạn",
        )
    })?;
    village_of(&mut tx, &rec.commune_code, rec.village_code.as_deref()).await?;
    sqlx::query(
        "UPDATE households SET village_code = $1, head_name = $2, address = $3, phone = $4, \
         version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
    )
    .bind(rec.village_code.clone())
    .bind(&rec.head_name)
    .bind(&rec.address)
    .bind(rec.phone.clone())
    .bind(now_text())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    // Children live where their household lives.
    sqlx::query("UPDATE children SET village_code = $1 WHERE household_id = $2")
        .bind(rec.village_code.clone())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    set_poverty(&mut tx, id, rec.poverty).await?;
    let mut detail = serde_json::Map::new();
    for (k, new) in [
        ("village_code", rec.village_code.clone().unwrap_or_default()),
        ("head_name", rec.head_name.clone()),
        ("address", rec.address.clone()),
        ("phone", rec.phone.clone().unwrap_or_default()),
    ] {
        if old[k] != new {
            detail.insert(k.into(), serde_json::json!({ "old": old[k], "new": new }));
        }
    }
    if let Some((y, s)) = rec.poverty {
        detail.insert(
            "poverty".into(),
            serde_json::json!({ "old": "", "new": poverty_text(y, s) }),
        );
    }
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "update",
        "household",
        &id.to_string(),
        serde_json::Value::Object(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes of a household from the audit log (who, when, the change as JSON), newest
/// first. The caller has read the household (audited) already.
pub async fn history(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    household: &Household,
) -> Result<Vec<(String, String, String)>> {
    let path = UnitPath {
        province: Some(household.province_code.clone()),
        commune: Some(household.commune_code.clone()),
        village: household.village_code.clone(),
    };
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT at, actor, detail FROM audit_log WHERE entity = 'household' AND entity_id = $1 \
         AND action IN ('create', 'update') ORDER BY seq DESC LIMIT 100",
    )
    .bind(household.id.to_string())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("at"), r.get("actor"), r.get("detail")))
        .collect())
}

/// One child in the household book.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BookChild {
    pub child: registry::Child,
    /// Open special circumstances and risk factors (labels).
    pub circumstances: Vec<String>,
    pub caregivers: Vec<crate::life::ChildCaregiver>,
    pub events: Vec<crate::life::ChildEvent>,
}

/// The household child-tracking book: the household and every child on it (all statuses),
/// with circumstances, caregivers and events. The household and every child read are
/// audited, as on their own pages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdBook {
    pub household: Household,
    pub children: Vec<BookChild>,
}

pub async fn book(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    id: i64,
) -> Result<HouseholdBook> {
    let household = registry::get_household(store, scoped, id).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM children WHERE household_id = $1 ORDER BY birth_date, id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let mut children = Vec::new();
    for cid in ids {
        let child = registry::get_child(store, scoped, cid).await?;
        let circumstances = crate::circumstances::of_child(store, scoped, cid)
            .await?
            .into_iter()
            .filter(|c| c.end_date.is_none())
            .map(|c| c.label)
            .collect();
        let caregivers = crate::life::caregivers_of(store, scoped, &child).await?;
        let events = crate::life::events_of(store, scoped, &child).await?;
        children.push(BookChild {
            child,
            circumstances,
            caregivers,
            events,
        });
    }
    Ok(HouseholdBook {
        household,
        children,
    })
}
