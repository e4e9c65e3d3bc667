//! Benefit payments and their reconciliation with the registry: for a commune and a
//! month, the eligible children not paid, the payments to children not eligible, double
//! payments, and totals by policy. Eligibility comes from the registry (circumstances,
//! age, household poverty, disability) through `mang_domain::benefits`. Every write and
//! every reconciliation (it lists children) is audited.

use crate::audit::{self, Actor};
use crate::units::Unit;
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{RecordPayments, Scoped, ViewChildRecord};
use mang_domain::benefits::{self as dom, Facts};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;
use time::Date;

/// A payment as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewPayment {
    pub child_id: i64,
    pub policy: String,
    /// `yyyy-mm`.
    pub month: String,
    /// Đồng; empty: the policy's amount.
    pub amount: String,
    /// dd/mm/yyyy; empty: today.
    pub paid_on: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub child_id: i64,
    pub child_name: String,
    pub policy: String,
    pub policy_name: String,
    pub amount: i64,
    pub payment_id: Option<i64>,
    /// Why it is listed (ineligible payments).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub month: String,
    /// Không bỏ sót: eligible, not paid.
    pub unpaid: Vec<Line>,
    /// Không nhầm: paid, not eligible.
    pub ineligible: Vec<Line>,
    /// Không trục lợi: paid more than once for the same policy and month.
    pub duplicates: Vec<Line>,
    /// (policy, policy name, payments, amount).
    pub totals: Vec<(String, String, i64, i64)>,
}

/// `yyyy-mm` → (first day, last day).
pub fn month_bounds(month: &str) -> Option<(Date, Date)> {
    let (y, m) = month.trim().split_once('-')?;
    let y: i32 = y.parse().ok()?;
    let m = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    let first = Date::from_calendar_date(y, m, 1).ok()?;
    let last = Date::from_calendar_date(y, m, time::util::days_in_month(m, y)).ok()?;
    Some((first, last))
}

fn bad_month() -> StoreError {
    StoreError::Invalid {
        field: "month",
        message: "Tháng không hợp lệ (dạng yyyy-mm)".into(),
    }
}

/// Each child of the commune with the registry's facts at `day`.
async fn facts(store: &Store, commune: &str, day: Date) -> Result<Vec<(i64, String, Facts)>> {
    let kids = sqlx::query(
        "SELECT c.id, c.full_name, c.birth_date, c.status, c.disability_severity, p.status AS poverty \
         FROM children c LEFT JOIN household_poverty p ON p.household_id = c.household_id AND p.year = $2 \
         WHERE c.commune_code = $1 AND c.status <> 'merged'",
    )
    .bind(commune.to_owned())
    .bind(i64::from(day.year()))
    .fetch_all(store.pool())
    .await?;
    let circ = sqlx::query(
        "SELECT child_id, code, kind FROM child_circumstances WHERE commune_code = $1 \
         AND start_date <= $2 AND (end_date IS NULL OR end_date >= $2)",
    )
    .bind(commune.to_owned())
    .bind(day.to_string())
    .fetch_all(store.pool())
    .await?;
    let mut special: HashMap<i64, Vec<String>> = HashMap::new();
    let mut risks: HashMap<i64, Vec<String>> = HashMap::new();
    for r in &circ {
        let to = if r.get::<String, _>("kind") == "special" {
            &mut special
        } else {
            &mut risks
        };
        to.entry(r.get("child_id")).or_default().push(r.get("code"));
    }
    Ok(kids
        .iter()
        .filter_map(|r| {
            let id: i64 = r.get("id");
            let birth = mang_domain::registry::parse_date(&r.get::<String, _>("birth_date"))?;
            Some((
                id,
                r.get("full_name"),
                Facts {
                    age_years: mang_domain::registry::age_years(birth, day),
                    special: special.remove(&id).unwrap_or_default(),
                    risks: risks.remove(&id).unwrap_or_default(),
                    poverty: r.get::<Option<String>, _>("poverty").unwrap_or_default(),
                    disability_severity: r
                        .get::<Option<String>, _>("disability_severity")
                        .unwrap_or_default(),
                    active: r.get::<String, _>("status") == "active",
                },
            ))
        })
        .collect())
}

/// The reconciliation of a commune for a month (`yyyy-mm`), facts taken on its last day.
pub async fn reconcile(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    commune: &Unit,
    month: &str,
) -> Result<Reconciliation> {
    let path = commune.path();
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let code = path.commune.clone().ok_or(StoreError::NotFound)?;
    let (_, last) = month_bounds(month).ok_or_else(bad_month)?;
    let month = format!("{:04}-{:02}", last.year(), u8::from(last.month()));
    let children = facts(store, &code, last).await?;
    let payments = sqlx::query(
        "SELECT id, child_id, policy, amount FROM benefit_payments WHERE commune_code = $1 AND month = $2 ORDER BY id",
    )
    .bind(code.clone())
    .bind(month.clone())
    .fetch_all(store.pool())
    .await?;
    let by_id: HashMap<i64, (&String, &Facts)> =
        children.iter().map(|(id, n, f)| (*id, (n, f))).collect();
    let mut paid: HashMap<(i64, String), Vec<(i64, i64)>> = HashMap::new();
    for p in &payments {
        paid.entry((p.get("child_id"), p.get("policy")))
            .or_default()
            .push((p.get("id"), p.get("amount")));
    }
    let name_of = |code: &str| dom::policy(code).map_or(code.to_owned(), |p| p.name.clone());
    let mut out = Reconciliation {
        month: month.clone(),
        unpaid: Vec::new(),
        ineligible: Vec::new(),
        duplicates: Vec::new(),
        totals: Vec::new(),
    };
    for (id, name, f) in &children {
        for p in dom::policies() {
            if dom::eligible(p, f).is_ok() && !paid.contains_key(&(*id, p.code.clone())) {
                out.unpaid.push(Line {
                    child_id: *id,
                    child_name: name.clone(),
                    policy: p.code.clone(),
                    policy_name: p.name.clone(),
                    amount: p.amount,
                    payment_id: None,
                    reason: String::new(),
                });
            }
        }
    }
    let mut keys: Vec<&(i64, String)> = paid.keys().collect();
    keys.sort();
    for key in keys {
        let list = &paid[key];
        let (child, policy) = key;
        let (name, reason) = match (by_id.get(child), dom::policy(policy)) {
            (None, _) => (String::new(), "Trẻ không thuộc xã này".to_owned()),
            (Some((n, _)), None) => ((*n).clone(), "Chính sách không tồn tại".to_owned()),
            (Some((n, f)), Some(p)) => {
                ((*n).clone(), dom::eligible(p, f).err().unwrap_or_default())
            }
        };
        let line = |(pid, amount): (i64, i64), reason: String| Line {
            child_id: *child,
            child_name: name.clone(),
            policy: policy.clone(),
            policy_name: name_of(policy),
            amount,
            payment_id: Some(pid),
            reason,
        };
        if !reason.is_empty() {
            for p in list {
                out.ineligible.push(line(*p, reason.clone()));
            }
        }
        if list.len() > 1 {
            for p in &list[1..] {
                out.duplicates
                    .push(line(*p, format!("Chi {} lần trong tháng", list.len())));
            }
        }
    }
    let mut totals: HashMap<String, (i64, i64)> = HashMap::new();
    for p in &payments {
        let t = totals.entry(p.get("policy")).or_default();
        t.0 += 1;
        t.1 += p.get::<i64, _>("amount");
    }
    let mut totals: Vec<(String, String, i64, i64)> = totals
        .into_iter()
        .map(|(k, (n, a))| (k.clone(), name_of(&k), n, a))
        .collect();
    totals.sort();
    out.totals = totals;
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &path,
        "view",
        "benefit_reconciliation",
        &format!("{code}:{month}"),
        serde_json::json!({ "unpaid": out.unpaid.len(), "ineligible": out.ineligible.len(), "duplicates": out.duplicates.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// A payment's policy, month (`yyyy-mm`), amount and day, checked (`month` also takes
/// `mm/yyyy`).
pub(crate) fn check_payment(
    input: &NewPayment,
    today: Date,
) -> Result<(&'static dom::Policy, String, i64, Date)> {
    let p = dom::policy(input.policy.trim()).ok_or(StoreError::Invalid {
        field: "policy",
        message: "Chọn chính sách".into(),
    })?;
    let raw_month = input.month.trim();
    let raw_month = match raw_month.split_once('/') {
        Some((m, y)) => format!("{y}-{m}"),
        None => raw_month.to_owned(),
    };
    let (_, last) = month_bounds(&raw_month).ok_or_else(bad_month)?;
    let month = format!("{:04}-{:02}", last.year(), u8::from(last.month()));
    let amount: i64 = if input.amount.trim().is_empty() {
        p.amount
    } else {
        input
            .amount
            .trim()
            .replace('.', "")
            .parse()
            .ok()
            .filter(|a| *a > 0)
            .ok_or(StoreError::Invalid {
                field: "amount",
                message: "Số tiền phải là số dương (đồng)".into(),
            })?
    };
    let paid_on = if input.paid_on.trim().is_empty() {
        today
    } else {
        mang_domain::registry::parse_date(input.paid_on.trim())
            .filter(|d| *d <= today)
            .ok_or(StoreError::Invalid {
                field: "paid_on",
                message: "Ngày chi không hợp lệ (dạng dd/mm/yyyy, không ở tương lai)".into(),
            })?
    };
    Ok((p, month, amount, paid_on))
}

/// Record a payment to a child in the caller's scope (eligible or not: the
/// reconciliation shows what does not fit).
pub async fn record(
    store: &Store,
    scoped: &Scoped<RecordPayments>,
    input: &NewPayment,
    today: Date,
) -> Result<i64> {
    let (p, month, amount, paid_on) = check_payment(input, today)?;
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(
        "SELECT province_code, commune_code, village_code FROM children WHERE id = $1 AND status <> 'merged'",
    )
    .bind(input.child_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let path = mang_domain::units::UnitPath {
        province: row.get("province_code"),
        commune: row.get("commune_code"),
        village: row.get("village_code"),
    };
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let id = insert(
        &mut tx,
        &path,
        input.child_id,
        &p.code,
        &month,
        amount,
        paid_on,
        &grant.actor().username,
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "benefit_payment",
        &id.to_string(),
        serde_json::json!({ "child": input.child_id, "policy": p.code, "month": month, "amount": amount }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// `yyyy-mm` of a date.
fn month_of(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// Indicator 29, per commune of `province` (or one commune): children in special
/// circumstances eligible on `day` for at least one policy for a special group, and those
/// of them paid under such a policy in a month between `from` and `to`:
/// (commune, covered, eligible).
pub async fn coverage_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    from: Date,
    to: Date,
    day: Date,
) -> Result<Vec<(String, i64, i64)>> {
    // Only the children with an open special circumstance matter: read those.
    let rows = sqlx::query(
        "SELECT c.id, c.commune_code, c.birth_date, c.status, c.disability_severity, p.status AS poverty, k.code \
         FROM child_circumstances k JOIN children c ON c.id = k.child_id \
         LEFT JOIN household_poverty p ON p.household_id = c.household_id AND p.year = $3 \
         WHERE k.province_code = $1 AND ($2 = '' OR k.commune_code = $2) AND k.kind = 'special' \
         AND k.start_date <= $4 AND (k.end_date IS NULL OR k.end_date >= $4)",
    )
    .bind(province.to_owned())
    .bind(commune.unwrap_or("").to_owned())
    .bind(i64::from(day.year()))
    .bind(day.to_string())
    .fetch_all(store.pool())
    .await?;
    let mut kids: HashMap<i64, (String, Facts)> = HashMap::new();
    for r in &rows {
        let id: i64 = r.get("id");
        let Some(birth) = mang_domain::registry::parse_date(&r.get::<String, _>("birth_date"))
        else {
            continue;
        };
        let e = kids.entry(id).or_insert_with(|| {
            (
                r.get("commune_code"),
                Facts {
                    age_years: mang_domain::registry::age_years(birth, day),
                    special: Vec::new(),
                    risks: Vec::new(),
                    poverty: r.get::<Option<String>, _>("poverty").unwrap_or_default(),
                    disability_severity: r
                        .get::<Option<String>, _>("disability_severity")
                        .unwrap_or_default(),
                    active: r.get::<String, _>("status") == "active",
                },
            )
        });
        e.1.special.push(r.get("code"));
    }
    let paid: std::collections::HashSet<(i64, String)> = sqlx::query(
        "SELECT child_id, policy FROM benefit_payments WHERE province_code = $1 AND ($2 = '' OR commune_code = $2) \
         AND month >= $3 AND month <= $4",
    )
    .bind(province.to_owned())
    .bind(commune.unwrap_or("").to_owned())
    .bind(month_of(from))
    .bind(month_of(to))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get("child_id"), r.get("policy")))
    .collect();
    let mut by: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (id, (c, f)) in &kids {
        let mine: Vec<&dom::Policy> = dom::policies()
            .iter()
            .filter(|p| !dom::is_emergency(p))
            .filter(|p| dom::eligible(p, f).is_ok())
            .collect();
        if mine.is_empty() {
            continue;
        }
        let e = by.entry(c.clone()).or_default();
        e.1 += 1;
        if mine.iter().any(|p| paid.contains(&(*id, p.code.clone()))) {
            e.0 += 1;
        }
    }
    Ok(by.into_iter().map(|(c, (n, d))| (c, n, d)).collect())
}

/// Indicator 36, per commune: children recorded as affected by a disaster (risk
/// `disaster_affected` starting between `from` and `to`), and those of them given
/// emergency support within [`dom::RELIEF_WITHIN_DAYS`] days: (commune, relieved,
/// affected). A payment's day is the one it was recorded on (`paid_on`).
pub async fn relief_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    from: Date,
    to: Date,
) -> Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT k.child_id, k.commune_code, MIN(k.start_date) AS start_date FROM child_circumstances k \
         WHERE k.province_code = $1 AND ($2 = '' OR k.commune_code = $2) AND k.code = 'disaster_affected' \
         AND k.start_date >= $3 AND k.start_date <= $4 GROUP BY k.child_id, k.commune_code",
    )
    .bind(province.to_owned())
    .bind(commune.unwrap_or("").to_owned())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(store.pool())
    .await?;
    let emergency: Vec<String> = dom::policies()
        .iter()
        .filter(|p| dom::is_emergency(p))
        .map(|p| p.code.clone())
        .collect();
    let mut payments: HashMap<i64, Vec<Date>> = HashMap::new();
    for r in sqlx::query(
        "SELECT child_id, policy, paid_on FROM benefit_payments WHERE province_code = $1 AND ($2 = '' OR commune_code = $2) \
         AND paid_on >= $3",
    )
    .bind(province.to_owned())
    .bind(commune.unwrap_or("").to_owned())
    .bind(from.to_string())
    .fetch_all(store.pool())
    .await?
    {
        if !emergency.contains(&r.get::<String, _>("policy")) {
            continue;
        }
        if let Some(d) = mang_domain::registry::parse_date(&r.get::<String, _>("paid_on")) {
            payments.entry(r.get("child_id")).or_default().push(d);
        }
    }
    let mut by: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for r in &rows {
        let Some(start) = mang_domain::registry::parse_date(&r.get::<String, _>("start_date"))
        else {
            continue;
        };
        let e = by.entry(r.get("commune_code")).or_default();
        e.1 += 1;
        let child: i64 = r.get("child_id");
        if payments.get(&child).is_some_and(|ds| {
            ds.iter()
                .any(|d| *d >= start && (*d - start).whole_days() <= dom::RELIEF_WITHIN_DAYS)
        }) {
            e.0 += 1;
        }
    }
    Ok(by.into_iter().map(|(c, (n, d))| (c, n, d)).collect())
}

/// Write a checked payment to a child at `path` (the child's commune and village); one
/// statement of the caller's transaction (the form and the spreadsheet import).
pub(crate) async fn insert(
    tx: &mut crate::Tx,
    path: &mang_domain::units::UnitPath,
    child_id: i64,
    policy: &str,
    month: &str,
    amount: i64,
    paid_on: Date,
    by: &str,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO benefit_payments (child_id, policy, month, amount, paid_on, province_code, commune_code, \
         village_code, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(child_id)
    .bind(policy.to_owned())
    .bind(month.to_owned())
    .bind(amount)
    .bind(paid_on.to_string())
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(path.village.clone())
    .bind(by.to_owned())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?
    .get(0))
}
