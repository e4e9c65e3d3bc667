//! Households and children: the part of the child registry the foundation needs (lookup,
//! listing, a simple edit). Every read of a child-level record is audited.

use crate::audit::{self, Actor};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditChildRecord, Grant, Scoped, ViewChildRecord};
use mang_domain::names;
use mang_domain::registry::{ChildRecord, FieldError, RawChild, parse_child};
use mang_domain::text;
use mang_domain::units::UnitPath;
use mang_domain::verification::{Status, Step};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

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
    pub nationality: String,
    pub birth_registered: bool,
    pub insurance_card: Option<String>,
    pub insurance_valid_to: Option<String>,
    pub disability_type: Option<String>,
    pub disability_severity: Option<String>,
    pub school_status: Option<String>,
    pub id_override_reason: Option<String>,
    /// Verification step (QĐ 3978/QĐ-BYT): collected, updated, needs_correction, corrected, checked, rechecked.
    pub verification_status: String,
    pub checked_at: Option<String>,
    pub checked_by: Option<String>,
    /// A manual split of the name, `family|middle|given` (ethnic-minority names).
    pub name_parts: Option<String>,
    /// When and by whom (police) the personal ID was checked against the population database.
    pub id_verified_at: Option<String>,
    pub id_verified_by: Option<String>,
}

impl Child {
    /// The record as raw input, to be edited and checked again by the domain parser.
    pub fn to_raw(&self) -> RawChild {
        RawChild {
            full_name: self.full_name.clone(),
            sex: self.sex.clone(),
            birth_date: self.birth_date.clone(),
            personal_id: self.personal_id.clone().unwrap_or_default(),
            ethnicity: self.ethnicity.clone().unwrap_or_default(),
            nationality: self.nationality.clone(),
            birth_registered: if self.birth_registered { "1" } else { "0" }.into(),
            insurance_card: self.insurance_card.clone().unwrap_or_default(),
            insurance_valid_to: self.insurance_valid_to.clone().unwrap_or_default(),
            disability_type: self.disability_type.clone().unwrap_or_default(),
            disability_severity: self.disability_severity.clone().unwrap_or_default(),
            school_status: self.school_status.clone().unwrap_or_default(),
            id_override_reason: self.id_override_reason.clone().unwrap_or_default(),
        }
    }

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
    /// Optimistic version: an edit made against an older one is refused (409).
    pub version: i64,
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
        personal_id_masked: r.get::<Option<String>, _>("personal_id").map(|p| {
            mang_domain::personal_id::PersonalId::parse(&p)
                .map(|id| id.masked())
                .unwrap_or_else(|_| "***".into())
        }),
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
    /// Name or personal ID. A name is matched diacritic- and case-insensitively: its last
    /// word is the given name (tên) or its beginning ("an" finds An, Ân, Anh), and every
    /// other word must begin a word of the family or middle name (họ, tên đệm). 12 digits:
    /// a personal ID.
    pub q: Option<String>,
    /// Date of birth, `dd/mm/yyyy`.
    pub birth: Option<String>,
    /// Household code.
    pub household: Option<String>,
    /// Code of a special-circumstance group or risk factor the child has now (open).
    pub group: Option<String>,
    /// `all` to include children no longer followed (moved away, died, aged 16);
    /// by default only active children are listed.
    pub status: Option<String>,
    /// Cursor of the next page (`next` of the previous page): keyset paging in register order.
    pub after: Option<String>,
}

/// A page of children in register order (given name, middle, family; Vietnamese collation).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildPage {
    pub children: Vec<ChildSummary>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

/// How a list query reaches its rows: key ranges of `name_key` inside one commune of the
/// `(province_code, commune_code, name_key, id)` index, in register order. A plain list
/// is the one range of the whole commune; a name search is the ranges of the given name
/// (see [`names::given_prefix_ranges`]), so finding "Nguyễn Văn An" among 2.5 million
/// children seeks a few short ranges per commune instead of scanning the province.
struct Plan {
    /// A 12-digit personal ID: one lookup on its index, whatever the scope.
    personal_id: Option<String>,
    ranges: Vec<(String, String)>,
    /// Extra conditions on `c` with their values (numbered later).
    conds: Vec<(String, Vec<Val>)>,
}

fn plan(filter: &ChildFilter, backend: crate::dialect::Backend) -> Result<Plan> {
    let mut conds: Vec<(String, Vec<Val>)> = Vec::new();
    let mut ranges = vec![(String::new(), "~".to_owned())];
    let mut personal_id = None;
    let bad = |field: &'static str, message: &str| {
        StoreError::Fields(vec![FieldError {
            field,
            message: message.to_owned(),
        }])
    };
    if filter.status.as_deref() != Some("all") {
        conds.push(("c.status = ?".into(), vec![Val::Text("active".into())]));
    }
    let q = filter.q.as_deref().map(text::fold).unwrap_or_default();
    let words: Vec<&str> = q.split_whitespace().collect();
    if !words.is_empty() && words.iter().all(|w| w.bytes().all(|b| b.is_ascii_digit())) {
        let digits: String = words.concat();
        if digits.len() != 12 {
            return Err(bad("q", mang_domain::vi::SEARCH_ID_DIGITS));
        }
        personal_id = Some(digits);
    } else if let Some((given, others)) = words.split_last() {
        ranges = names::given_prefix_ranges(given)
            .ok_or_else(|| bad("q", mang_domain::vi::SEARCH_NAME_LETTERS))?;
        for w in others {
            // First on the key (in the index: no row read), then exactly on the name.
            if let Some(needles) = names::later_word_needles(w) {
                let test = crate::dialect::contains(backend, "c.name_key", "?");
                conds.push((
                    format!("({})", vec![test.as_str(); needles.len()].join(" OR ")),
                    needles.into_iter().map(Val::Text).collect(),
                ));
            }
            let w = w.replace(['%', '_'], "");
            conds.push((
                "(' ' || c.name_folded) LIKE ?".into(),
                vec![Val::Text(format!("% {w}%"))],
            ));
        }
    }
    if let Some(b) = filter.birth.as_deref().filter(|b| !b.trim().is_empty()) {
        let d = mang_domain::registry::parse_date(b.trim())
            .ok_or_else(|| bad("birth", mang_domain::vi::SEARCH_BIRTH_DATE))?;
        conds.push(("c.birth_date = ?".into(), vec![Val::Text(d.to_string())]));
    }
    if let Some(h) = filter.household.as_deref().filter(|h| !h.trim().is_empty()) {
        conds.push((
            "c.household_id IN (SELECT id FROM households WHERE code = ?)".into(),
            vec![Val::Text(h.trim().to_owned())],
        ));
    }
    if let Some(g) = filter.group.as_deref().filter(|g| !g.is_empty()) {
        conds.push((
            "EXISTS (SELECT 1 FROM child_circumstances cc WHERE cc.child_id = c.id \
             AND cc.code = ? AND cc.end_date IS NULL)"
                .to_owned(),
            vec![Val::Text(g.to_owned())],
        ));
    }
    Ok(Plan {
        personal_id,
        ranges,
        conds,
    })
}

/// One page of children in the caller's scope, optionally narrowed to a sub-unit, a name
/// or ID, a birth date, a household or a group. The list view itself is audited (who
/// looked at which list, which rows).
pub async fn list_children(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    filter: &ChildFilter,
) -> Result<ChildPage> {
    let mut scope = scoped.scope().clone();
    if let Some(code) = filter.unit.as_deref().filter(|c| !c.is_empty()) {
        let unit = crate::units::get(store, code).await?;
        if !scope.contains(&unit.path()) {
            return Err(StoreError::NotFound);
        }
        scope = mang_domain::access::Scope::new(&unit.code(), &unit.path());
    }
    // A bad filter is refused even when the scope is empty.
    if let Some(pid) = plan(filter, store.backend())?.personal_id {
        return by_personal_id(store, scoped, &scope, &pid).await;
    }
    // Cursor: "<commune>.<name_key>.<id>" of the last row shown.
    let mut cursor = filter.after.as_deref().unwrap_or("").splitn(3, '.');
    let (after_commune, after_key, after_id) = match (cursor.next(), cursor.next(), cursor.next()) {
        (Some(c), Some(k), Some(i)) => (c.to_owned(), k.to_owned(), i.parse::<i64>().unwrap_or(0)),
        _ => (String::new(), String::new(), 0),
    };
    // The communes to walk, in code order from the cursor's.
    let communes: Vec<(String, String)> = match (&scope.path.province, &scope.path.commune) {
        (Some(p), Some(c)) => vec![(p.clone(), c.clone())],
        (Some(p), None) => crate::units::communes_of(store, p)
            .await?
            .into_iter()
            .map(|u| (p.clone(), u.code().to_string()))
            .collect(),
        (None, _) => {
            let mut all = Vec::new();
            for p in sqlx::query_scalar::<_, String>(
                "SELECT code FROM admin_units WHERE level = 'province' ORDER BY code",
            )
            .fetch_all(store.pool())
            .await?
            {
                for u in crate::units::communes_of(store, &p).await? {
                    all.push((p.clone(), u.code().to_string()));
                }
            }
            all
        }
    };
    let mut communes: Vec<(String, String)> = communes
        .into_iter()
        .filter(|(_, c)| *c >= after_commune)
        .collect();
    communes.sort_by(|a, b| a.1.cmp(&b.1));
    // One query per key range of the given name (most searches have one to four): the
    // communes of the scope are an inlined `IN` list (codes from the database, checked),
    // which SQLite and PostgreSQL walk commune by commune on the register-order index, each
    // seeking the range — in (commune, key, id) order, so `LIMIT` stops early. Results of
    // the ranges (disjoint) are merged. $1 province, $2..$3 range, $4..$6 cursor, $7 limit.
    let inline_ok = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if communes.iter().any(|(p, c)| !inline_ok(p) || !inline_ok(c)) {
        return Err(StoreError::NotFound);
    }
    let mut rows: Vec<AnyRow> = Vec::new();
    for province in communes
        .iter()
        .map(|(p, _)| p.as_str())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let list: Vec<String> = communes
            .iter()
            .filter(|(p, _)| p == province)
            .map(|(_, c)| format!("'{c}'"))
            .collect();
        let plan = plan(filter, store.backend())?;
        let mut vals_fixed: Vec<Val> = Vec::new();
        let mut extra = String::new();
        if let Some(v) = &scope.path.village {
            vals_fixed.push(Val::Text(v.clone()));
            extra.push_str(&format!(" AND c.village_code = ${}", 7 + vals_fixed.len()));
        }
        for (cond, cvals) in &plan.conds {
            let mut parts = cond.split('?');
            extra.push_str(" AND ");
            extra.push_str(parts.next().unwrap_or_default());
            for (part, v) in parts.zip(cvals) {
                vals_fixed.push(v.clone());
                extra.push_str(&format!("${}", 7 + vals_fixed.len()));
                extra.push_str(part);
            }
        }
        // Rows of the cursor's commune up to the cursor are left out by a non-range term,
        // so that the index range stays the given name's.
        let sql = format!(
            "SELECT {SUMMARY_COLS}, c.name_key FROM children c \
             WHERE c.province_code = $1 AND c.commune_code IN ({}) \
             AND c.name_key >= $2 AND c.name_key < $3 \
             AND NOT (c.commune_code = $4 AND (c.name_key < $5 OR (c.name_key = $5 AND c.id <= $6))){extra} \
             ORDER BY c.commune_code, c.name_key, c.id LIMIT $7",
            list.join(", ")
        );
        for (from, to) in &plan.ranges {
            let mut vals = vec![
                Val::Text(province.to_owned()),
                Val::Text(from.clone()),
                Val::Text(to.clone()),
                Val::Text(after_commune.clone()),
                Val::Text(after_key.clone()),
                Val::Int(after_id),
                Val::Int(PAGE_SIZE + 1),
            ];
            vals.extend(vals_fixed.iter().cloned());
            rows.extend(
                bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), vals)
                    .fetch_all(store.pool())
                    .await?,
            );
        }
    }
    rows.sort_by(|a, b| {
        let k = |r: &AnyRow| {
            (
                r.get::<String, _>("commune_code"),
                r.get::<String, _>("name_key"),
                r.get::<i64, _>("id"),
            )
        };
        k(a).cmp(&k(b))
    });
    let more = rows.len() as i64 > PAGE_SIZE;
    let rows = &rows[..rows.len().min(PAGE_SIZE as usize)];
    let next = if more {
        rows.last().map(|r| {
            format!(
                "{}.{}.{}",
                r.get::<String, _>("commune_code"),
                r.get::<String, _>("name_key"),
                r.get::<i64, _>("id")
            )
        })
    } else {
        None
    };
    audited_page(
        store,
        scoped,
        &scope,
        rows.iter().map(summary).collect(),
        next,
    )
    .await
}

/// The children with a personal ID inside the scope (normally one; more are duplicates).
/// Looked up on the ID's own index and filtered by scope here: with the scope in the SQL,
/// SQLite (without statistics) preferred the register-order index and scanned the province.
async fn by_personal_id(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    scope: &mang_domain::access::Scope,
    pid: &str,
) -> Result<ChildPage> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLS}, c.province_code, c.name_key FROM children c WHERE c.personal_id = $1 LIMIT 1000"
    )))
    .bind(pid)
    .fetch_all(store.pool())
    .await?;
    let mut inside: Vec<&AnyRow> = rows
        .iter()
        .filter(|r| {
            scope.contains(&UnitPath {
                province: r.get("province_code"),
                commune: r.get("commune_code"),
                village: r.get("village_code"),
            })
        })
        .collect();
    inside.sort_by_key(|r| {
        (
            r.get::<String, _>("commune_code"),
            r.get::<String, _>("name_key"),
            r.get::<i64, _>("id"),
        )
    });
    audited_page(
        store,
        scoped,
        scope,
        inside.into_iter().map(summary).collect(),
        None,
    )
    .await
}

/// A list page, its view audited (who looked at which list, which rows).
async fn audited_page(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    scope: &mang_domain::access::Scope,
    children: Vec<ChildSummary>,
    next: Option<String>,
) -> Result<ChildPage> {
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &scope.path,
        "view",
        "child_list",
        scope.code.as_str(),
        serde_json::json!({ "rows": children.len(), "ids": children.iter().map(|c| c.id).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(ChildPage { children, next })
}

pub(crate) const CHILD_SELECT: &str = "SELECT c.id, c.household_id, h.code AS household_code, c.full_name, c.sex, \
    c.birth_date, c.ethnicity, c.personal_id, c.province_code, c.commune_code, cu.name AS commune_name, \
    c.village_code, vu.name AS village_name, c.status, c.version, c.updated_at, c.nationality, \
    c.birth_registered, c.insurance_card, c.insurance_valid_to, c.disability_type, c.disability_severity, \
    c.school_status, c.id_override_reason, c.verification_status, c.checked_at, c.checked_by, \
    c.name_parts, c.id_verified_at, c.id_verified_by \
    FROM children c JOIN households h ON h.id = c.household_id \
    JOIN admin_units cu ON cu.code = c.commune_code \
    LEFT JOIN admin_units vu ON vu.code = c.village_code";

pub(crate) fn child(r: &AnyRow) -> Child {
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
        nationality: r.get("nationality"),
        birth_registered: r.get::<i64, _>("birth_registered") == 1,
        insurance_card: r.get("insurance_card"),
        insurance_valid_to: r.get("insurance_valid_to"),
        disability_type: r.get("disability_type"),
        disability_severity: r.get("disability_severity"),
        school_status: r.get("school_status"),
        id_override_reason: r.get("id_override_reason"),
        verification_status: r.get("verification_status"),
        checked_at: r.get("checked_at"),
        checked_by: r.get("checked_by"),
        name_parts: r.get("name_parts"),
        id_verified_at: r.get("id_verified_at"),
        id_verified_by: r.get("id_verified_by"),
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
        "SELECT h.id, h.code, h.head_name, h.address, h.phone, h.province_code, h.commune_code, h.version, \
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
        "SELECT {SUMMARY_COLS} FROM children c WHERE c.household_id = $1 AND c.status = 'active' ORDER BY c.birth_date"
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
        version: r.get("version"),
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

/// An edit of a child's record, made against the version the editor saw. Only the
/// fields present are changed (JSON `PATCH`); a page form sends them all.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ChildEdit {
    /// The `version` the editor loaded; a newer stored version is a conflict (409), never
    /// silently overwritten.
    pub version: i64,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Field-named errors of an edit or a new record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldErrors {
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
}

fn apply(
    raw: &mut RawChild,
    fields: &std::collections::BTreeMap<String, String>,
) -> std::result::Result<(), Vec<FieldError>> {
    let mut unknown = Vec::new();
    for (k, v) in fields {
        let slot = match k.as_str() {
            "full_name" => &mut raw.full_name,
            "sex" => &mut raw.sex,
            "birth_date" => &mut raw.birth_date,
            "personal_id" => &mut raw.personal_id,
            "ethnicity" => &mut raw.ethnicity,
            "nationality" => &mut raw.nationality,
            "birth_registered" => &mut raw.birth_registered,
            "insurance_card" => &mut raw.insurance_card,
            "insurance_valid_to" => &mut raw.insurance_valid_to,
            "disability_type" => &mut raw.disability_type,
            "disability_severity" => &mut raw.disability_severity,
            "school_status" => &mut raw.school_status,
            "id_override_reason" => &mut raw.id_override_reason,
            _ => {
                unknown.push(FieldError {
                    field: "fields",
                    message: format!("Trường «{k}» không có trong hồ sơ trẻ em"),
                });
                continue;
            }
        };
        *slot = v.clone();
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(unknown)
    }
}

/// Column values of a checked record, in `RECORD_COLS` order.
pub(crate) fn record_values(rec: &ChildRecord) -> Vec<Val> {
    vec![
        Val::Text(rec.full_name.clone()),
        Val::Text(text::fold(&rec.full_name)),
        Val::Text(names::sort_key(&rec.full_name)),
        Val::Text(rec.sex.to_owned()),
        Val::Text(rec.birth_date.to_string()),
        Val::OptText(rec.personal_id.as_ref().map(|p| p.as_str().to_owned())),
        Val::OptText(rec.ethnicity.map(Into::into)),
        Val::Text(rec.nationality.clone()),
        Val::Int(i64::from(rec.birth_registered)),
        Val::OptText(rec.insurance_card.clone()),
        Val::OptText(rec.insurance_valid_to.map(|d| d.to_string())),
        Val::OptText(rec.disability_type.map(Into::into)),
        Val::OptText(rec.disability_severity.map(Into::into)),
        Val::OptText(rec.school_status.map(Into::into)),
        Val::OptText(rec.id_override_reason.clone()),
    ]
}

pub(crate) const RECORD_COLS: [&str; 15] = [
    "full_name",
    "name_folded",
    "name_key",
    "sex",
    "birth_date",
    "personal_id",
    "ethnicity",
    "nationality",
    "birth_registered",
    "insurance_card",
    "insurance_valid_to",
    "disability_type",
    "disability_severity",
    "school_status",
    "id_override_reason",
];

/// Field-by-field old → new of two raw records (for the audit log and the history view).
pub(crate) fn diff(old: &RawChild, new: &RawChild) -> serde_json::Value {
    let (o, n) = (
        serde_json::to_value(old).unwrap_or_default(),
        serde_json::to_value(new).unwrap_or_default(),
    );
    let mut out = serde_json::Map::new();
    if let (Some(o), Some(n)) = (o.as_object(), n.as_object()) {
        for (k, nv) in n {
            let ov = o.get(k).cloned().unwrap_or_default();
            if &ov != nv {
                out.insert(k.clone(), serde_json::json!({ "old": ov, "new": nv }));
            }
        }
    }
    serde_json::Value::Object(out)
}

/// The checked record as stored values, to compare old and new on the same footing.
fn canonical(rec: &ChildRecord) -> RawChild {
    RawChild {
        full_name: rec.full_name.clone(),
        sex: rec.sex.into(),
        birth_date: rec.birth_date.to_string(),
        personal_id: rec
            .personal_id
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        ethnicity: rec.ethnicity.unwrap_or_default().into(),
        nationality: rec.nationality.clone(),
        birth_registered: if rec.birth_registered { "1" } else { "0" }.into(),
        insurance_card: rec.insurance_card.clone().unwrap_or_default(),
        insurance_valid_to: rec
            .insurance_valid_to
            .map(|d| d.to_string())
            .unwrap_or_default(),
        disability_type: rec.disability_type.unwrap_or_default().into(),
        disability_severity: rec.disability_severity.unwrap_or_default().into(),
        school_status: rec.school_status.unwrap_or_default().into(),
        id_override_reason: rec.id_override_reason.clone().unwrap_or_default(),
    }
}

/// Load a child inside the caller's scope, within a write transaction, with the grant to
/// act on it (`NotFound` outside the scope): for edits and for every record added to a
/// child (doses, weighings, births…).
pub(crate) async fn child_for_edit<P: mang_domain::access::Permission>(
    tx: &mut crate::Tx,
    scoped: &Scoped<P>,
    id: i64,
) -> Result<(Child, Grant<P>)> {
    let (cond, vals) = scope_filter(scoped.scope(), "c", 2);
    let mut all = vec![Val::Int(id)];
    all.extend(vals);
    let row = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "{CHILD_SELECT} WHERE c.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut **tx)
    .await?;
    let c = row.as_ref().map(child).ok_or(StoreError::NotFound)?;
    let grant = scoped.grant(&c.path()).map_err(|_| StoreError::NotFound)?;
    // A record merged into another is read-only until the merge is undone; records of
    // children who moved away, died or reached 16 can still be corrected.
    if c.status == mang_domain::merge::MERGED {
        return Err(StoreError::Conflict {
            field: "status",
            message: mang_domain::merge::NOT_EDITABLE.into(),
        });
    }
    Ok((c, grant))
}

/// Re-read a child inside the transaction that just changed it.
pub(crate) async fn child_in_tx(tx: &mut crate::Tx, id: i64) -> Result<Child> {
    let row = sqlx::query(AssertSqlSafe(format!("{CHILD_SELECT} WHERE c.id = $1")))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(child(&row))
}

/// Edit a child's record: re-checked by the domain parser, optimistic version, audited
/// old → new per field, all in one transaction.
pub async fn update_child(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    id: i64,
    edit: &ChildEdit,
    as_of: time::Date,
) -> Result<Child> {
    let mut tx = store.begin_write().await?;
    let (before, grant) = child_for_edit(&mut tx, scoped, id).await?;
    if before.version != edit.version {
        return Err(StoreError::StaleVersion {
            expected: edit.version,
            found: before.version,
        });
    }
    let old_raw = before.to_raw();
    let mut raw = old_raw.clone();
    apply(&mut raw, &edit.fields).map_err(StoreError::Fields)?;
    let rec = parse_child(&raw, as_of).map_err(StoreError::Fields)?;
    let sets: Vec<String> = RECORD_COLS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let n = RECORD_COLS.len();
    let sql = format!(
        "UPDATE children SET {}, version = version + 1, updated_at = ${}, verification_status = ${} WHERE id = ${} AND version = ${}",
        sets.join(", "),
        n + 1,
        n + 4,
        n + 2,
        n + 3
    );
    let next_status = Status::parse(&before.verification_status)
        .unwrap_or(Status::Collected)
        .after_edit();
    let mut vals = record_values(&rec);
    vals.extend([
        Val::Text(now_text()),
        Val::Int(id),
        Val::Int(edit.version),
        Val::Text(next_status.as_str().to_owned()),
    ]);
    bind_all(sqlx::query(AssertSqlSafe(sql)), vals)
        .execute(&mut *tx)
        .await?;
    // A changed personal ID has not been checked by the police; a manual name split is
    // kept while it still fits the name.
    let new_id = rec.personal_id.as_ref().map(|p| p.as_str().to_owned());
    if before.personal_id != new_id {
        sqlx::query(
            "UPDATE children SET id_verified_at = NULL, id_verified_by = NULL WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    if before.name_parts.is_some() {
        let key =
            names::NameParts::of_record(&rec.full_name, before.name_parts.as_deref()).sort_key();
        sqlx::query("UPDATE children SET name_key = $1 WHERE id = $2")
            .bind(key)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let mut detail = diff(&old_raw, &canonical(&rec));
    if !rec.id_warnings.is_empty()
        && let Some(obj) = detail.as_object_mut()
    {
        obj.insert(
            "id_warnings_accepted".into(),
            serde_json::json!(rec.id_warnings.iter().map(|w| w.code()).collect::<Vec<_>>()),
        );
    }
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "update",
        "child",
        &id.to_string(),
        detail,
    )
    .await?;
    let after = child_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Add a child to a household inside the caller's scope (the child lives where the
/// household lives). Audited with every field.
pub async fn create_child(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    household_id: i64,
    raw: &RawChild,
    as_of: time::Date,
) -> Result<Child> {
    let rec = parse_child(raw, as_of).map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let id = insert_child(&mut tx, scoped, household_id, &rec).await?;
    let after = child_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Insert a checked child into a household of the caller's scope, audited with every
/// field, in the caller's transaction. Returns the new id.
pub(crate) async fn insert_child(
    tx: &mut crate::Tx,
    scoped: &Scoped<EditChildRecord>,
    household_id: i64,
    rec: &ChildRecord,
) -> Result<i64> {
    let (cond, vals) = scope_filter(scoped.scope(), "h", 2);
    let mut all = vec![Val::Int(household_id)];
    all.extend(vals);
    let h = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT h.province_code, h.commune_code, h.village_code FROM households h WHERE h.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let path = UnitPath {
        province: h.get("province_code"),
        commune: h.get("commune_code"),
        village: h.get("village_code"),
    };
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let n = RECORD_COLS.len();
    let sql = format!(
        "INSERT INTO children (household_id, province_code, commune_code, village_code, {}, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, {}, 1, ${}, ${}) RETURNING id",
        RECORD_COLS.join(", "),
        (5..5 + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
        5 + n,
        5 + n
    );
    let mut vals = vec![
        Val::Int(household_id),
        Val::OptText(path.province.clone()),
        Val::OptText(path.commune.clone()),
        Val::OptText(path.village.clone()),
    ];
    vals.extend(record_values(rec));
    vals.push(Val::Text(now_text()));
    let id: i64 = bind_all(sqlx::query(AssertSqlSafe(sql)), vals)
        .fetch_one(&mut **tx)
        .await?
        .get(0);
    let detail = diff(&RawChild::default(), &canonical(rec));
    audit::append(
        tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "child",
        &id.to_string(),
        detail,
    )
    .await?;
    Ok(id)
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
        "SELECT at, actor, detail FROM audit_log WHERE entity = 'child' AND entity_id = $1 AND action IN ('create', 'update', 'event', 'caregiver', 'verify_id', 'name_parts', 'merge', 'unmerge', 'dose', 'injury', 'measurement', 'death', 'birth', 'health_check') ORDER BY seq DESC LIMIT 100",
    )
    .bind(child.id.to_string())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("at"), r.get("actor"), r.get("detail")))
        .collect())
}

/// Fill `name_key` for rows written before it existed (run after migrations; a no-op once
/// every row has one).
pub async fn backfill_name_keys(store: &Store) -> Result<u64> {
    let mut done = 0u64;
    loop {
        let rows = sqlx::query("SELECT id, full_name FROM children WHERE name_key = '' LIMIT 5000")
            .fetch_all(store.pool())
            .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut tx = store.begin_write().await?;
        for r in &rows {
            let name: String = r.get(1);
            sqlx::query("UPDATE children SET name_key = $1 WHERE id = $2")
                .bind(names::sort_key(&name))
                .bind(r.get::<i64, _>(0))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        done += rows.len() as u64;
    }
}

/// Take a verification step (kiểm tra, phúc tra, yêu cầu chỉnh sửa) on a child's record;
/// the domain decides whether this role may take it from the current status. Audited.
pub async fn verify(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    id: i64,
    step: Step,
    note: &str,
) -> Result<Child> {
    let mut tx = store.begin_write().await?;
    let (before, grant) = child_for_edit(&mut tx, scoped, id).await?;
    let status = Status::parse(&before.verification_status).unwrap_or(Status::Collected);
    let next = mang_domain::verification::apply(status, step, grant.actor().role).map_err(|e| {
        StoreError::Conflict {
            field: "verification_status",
            message: e.to_string(),
        }
    })?;
    let note = text::clean(note);
    if step == Step::RequestCorrection && note.is_empty() {
        return Err(StoreError::Fields(vec![FieldError {
            field: "note",
            message: "Cần ghi nội dung cần chỉnh sửa".into(),
        }]));
    }
    let now = now_text();
    let checked = matches!(step, Step::Check | Step::Recheck);
    sqlx::query(
        "UPDATE children SET verification_status = $1, checked_at = CASE WHEN $2 = 1 THEN $3 ELSE checked_at END, \
         checked_by = CASE WHEN $2 = 1 THEN $4 ELSE checked_by END, version = version + 1, updated_at = $3 WHERE id = $5",
    )
    .bind(next.as_str())
    .bind(i64::from(checked))
    .bind(&now)
    .bind(&grant.actor().username)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "update",
        "child",
        &id.to_string(),
        serde_json::json!({ "verification_status": { "old": status.as_str(), "new": next.as_str() }, "note": note }),
    )
    .await?;
    let after = child_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// A child named in a data-quality list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualityItem {
    pub id: i64,
    pub full_name: String,
    pub birth_date: String,
    pub detail: String,
    /// For a probable duplicate: the other record of the pair (to review a merge).
    pub other_id: Option<i64>,
}

/// One data-quality check: how many records fail it, and the first of them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualityCheck {
    pub code: String,
    pub label: String,
    pub count: usize,
    pub items: Vec<QualityItem>,
}

/// The data-quality page of a commune or village (QĐ 3978/QĐ-BYT checks; Project 06
/// cleaning): missing IDs, ID/sex/birth-year conflicts, probable duplicates, records not
/// checked for more than six months, children aged 16 or over still active.
pub async fn quality(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    unit: &crate::units::Unit,
    as_of: time::Date,
) -> Result<Vec<QualityCheck>> {
    let path = unit.path();
    if !scoped.scope().contains(&path) {
        return Err(StoreError::NotFound);
    }
    if !matches!(
        unit.level(),
        mang_domain::units::UnitLevel::Commune | mang_domain::units::UnitLevel::Village
    ) {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Trang chất lượng dữ liệu xem theo từng xã, phường hoặc thôn, tổ".into(),
        });
    }
    let scope = mang_domain::access::Scope::new(&unit.code(), &path);
    let (cond, vals) = scope_filter(&scope, "c", 1);
    let rows = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT c.id, c.full_name, c.name_folded, c.sex, c.birth_date, c.personal_id, c.id_override_reason, \
             c.household_id, c.checked_at, c.status FROM children c WHERE c.status = 'active' AND {cond} ORDER BY c.name_key, c.id"
        ))),
        vals,
    )
    .fetch_all(store.pool())
    .await?;
    // Current mothers (folded names), to find the same child registered in two households.
    let (gcond, gvals) = scope_filter(&scope, "g", 1);
    let mothers: std::collections::HashMap<i64, String> = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT g.child_id, g.full_name FROM child_caregivers g \
             WHERE g.relationship = 'mother' AND g.ended_at IS NULL AND {gcond}"
        ))),
        gvals,
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get::<i64, _>(0), text::fold(&r.get::<String, _>(1))))
    .collect();
    const SHOWN: usize = 100;
    let mut checks: Vec<QualityCheck> = [
        ("missing_id", "Chưa có số định danh cá nhân"),
        (
            "id_conflict",
            "Số định danh không khớp giới tính, năm sinh hoặc mã tỉnh",
        ),
        (
            "duplicate",
            "Có thể trùng lặp (cùng số định danh, hoặc cùng họ tên, ngày sinh và cùng hộ hoặc cùng mẹ)",
        ),
        ("not_checked", "Chưa được kiểm tra trong 6 tháng qua"),
        ("over_16", "Đã đủ 16 tuổi nhưng còn trong sổ trẻ em"),
    ]
    .into_iter()
    .map(|(code, label)| QualityCheck {
        code: code.into(),
        label: label.into(),
        count: 0,
        items: Vec::new(),
    })
    .collect();
    let mut add = |i: usize, r: &sqlx::any::AnyRow, detail: String| {
        let c = &mut checks[i];
        c.count += 1;
        if c.items.len() < SHOWN {
            c.items.push(QualityItem {
                id: r.get("id"),
                full_name: r.get("full_name"),
                birth_date: r.get("birth_date"),
                detail,
                other_id: None,
            });
        }
    };
    let six_months_ago = (as_of - time::Duration::days(183)).to_string();
    let mut by_id: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    let mut by_person: std::collections::HashMap<(i64, String, String), Vec<usize>> =
        std::collections::HashMap::new();
    let mut by_mother: std::collections::HashMap<(String, String, String), Vec<usize>> =
        std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let birth: String = r.get("birth_date");
        let pid: Option<String> = r.get("personal_id");
        match &pid {
            None => add(0, r, String::new()),
            Some(p) => {
                by_id.entry(p.clone()).or_default().push(i);
                let override_given = r
                    .get::<Option<String>, _>("id_override_reason")
                    .is_some_and(|s| !s.is_empty());
                if let (Ok(id), Some(bd)) = (
                    mang_domain::personal_id::PersonalId::parse(p),
                    mang_domain::registry::parse_date(&birth),
                ) && !override_given
                {
                    let w = id.check(r.get::<String, _>("sex") == "female", bd.year());
                    if !w.is_empty() {
                        add(
                            1,
                            r,
                            w.iter()
                                .map(|x| x.message_vi())
                                .collect::<Vec<_>>()
                                .join("; "),
                        );
                    }
                }
            }
        }
        by_person
            .entry((
                r.get("household_id"),
                r.get::<String, _>("name_folded"),
                birth.clone(),
            ))
            .or_default()
            .push(i);
        if let Some(mother) = mothers.get(&r.get::<i64, _>("id")) {
            by_mother
                .entry((
                    mother.clone(),
                    r.get::<String, _>("name_folded"),
                    birth.clone(),
                ))
                .or_default()
                .push(i);
        }
        let checked: Option<String> = r.get("checked_at");
        if checked
            .as_deref()
            .is_none_or(|c| c < six_months_ago.as_str())
        {
            add(
                3,
                r,
                checked
                    .map(|c| format!("kiểm tra lần cuối {}", &c[..10]))
                    .unwrap_or_else(|| "chưa kiểm tra lần nào".into()),
            );
        }
        if let Some(bd) = mang_domain::registry::parse_date(&birth)
            && mang_domain::registry::age_years(bd, as_of) >= 16
            && r.get::<String, _>("status") == "active"
        {
            add(
                4,
                r,
                format!("{} tuổi", mang_domain::registry::age_years(bd, as_of)),
            );
        }
    }
    // Each probable duplicate names one partner: the first other record of its group.
    let partner = |idx: &[usize], i: usize| -> i64 {
        let j = idx.iter().copied().find(|&j| j != i).unwrap_or(i);
        rows[j].get("id")
    };
    let mut dup_rows: Vec<(usize, String, i64)> = Vec::new();
    for (pid, idx) in by_id.iter().filter(|(_, v)| v.len() > 1) {
        for &i in idx {
            dup_rows.push((
                i,
                format!(
                    "cùng số định danh {}",
                    mang_domain::personal_id::PersonalId::parse(pid)
                        .map(|p| p.masked())
                        .unwrap_or_default()
                ),
                partner(idx, i),
            ));
        }
    }
    for idx in by_person.values().filter(|v| v.len() > 1) {
        for &i in idx {
            if !dup_rows.iter().any(|(j, _, _)| *j == i) {
                dup_rows.push((
                    i,
                    "cùng hộ, họ tên (không dấu) và ngày sinh".into(),
                    partner(idx, i),
                ));
            }
        }
    }
    for idx in by_mother.values().filter(|v| v.len() > 1) {
        for &i in idx {
            if !dup_rows.iter().any(|(j, _, _)| *j == i) {
                dup_rows.push((
                    i,
                    "cùng mẹ, họ tên (không dấu) và ngày sinh".into(),
                    partner(idx, i),
                ));
            }
        }
    }
    dup_rows.sort_by_key(|(i, _, _)| *i);
    let partners: Vec<i64> = dup_rows.iter().map(|d| d.2).collect();
    for (i, detail, _) in dup_rows {
        add(2, &rows[i], detail);
    }
    for (item, other) in checks[2].items.iter_mut().zip(partners) {
        item.other_id = Some(other);
    }
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &path,
        "view",
        "child_quality",
        &unit.code,
        serde_json::json!(
            checks
                .iter()
                .map(|c| (c.code.clone(), c.count))
                .collect::<std::collections::BTreeMap<_, _>>()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(checks)
}

/// Children by id (the children behind an indicator): those inside the caller's scope,
/// as (id, full name, birth date dd/mm/yyyy, village name). One audit entry lists them
/// with `reason` (what the list is for).
pub async fn summaries_by_ids(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    ids: &[i64],
    reason: &str,
) -> Result<Vec<(i64, String, String, String)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT c.id, c.full_name, c.birth_date, c.province_code, c.commune_code, c.village_code, \
             vu.name AS village_name FROM children c LEFT JOIN admin_units vu ON vu.code = c.village_code \
             WHERE c.id IN ({list})"
        )))
        .fetch_all(store.pool())
        .await?;
        for r in rows {
            let path = UnitPath {
                province: r.get("province_code"),
                commune: r.get("commune_code"),
                village: r.get("village_code"),
            };
            if scoped.scope().contains(&path) {
                out.push((
                    r.get("id"),
                    r.get("full_name"),
                    mang_domain::vi::iso_date(&r.get::<String, _>("birth_date")),
                    r.get::<Option<String>, _>("village_name")
                        .unwrap_or_default(),
                ));
            }
        }
    }
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &scoped.scope().path,
        "view",
        "child_list",
        scoped.scope().code.as_str(),
        serde_json::json!({ "reason": reason, "rows": out.len(), "ids": out.iter().map(|c| c.0).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
