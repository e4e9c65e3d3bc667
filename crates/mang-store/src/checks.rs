//! Periodic health checks (khám sức khỏe định kỳ; TT 23/2017/TT-BYT for children of 0–59
//! months) and the commune's health follow-up: children under five checked this year, and
//! children under six without a valid health-insurance card (thẻ BHYT miễn phí).

use crate::audit::{self, Actor};
use crate::registry::Child;
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{RecordHealthData, Scoped, ViewChildRecord};
use mang_domain::registry::{FieldError, parse_date};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

/// Results of a check: code and label.
pub const RESULTS: [(&str, &str); 3] = [
    ("normal", "Bình thường"),
    ("follow_up", "Cần theo dõi thêm"),
    ("referred", "Chuyển tuyến trên"),
];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewCheck {
    /// dd/mm/yyyy.
    pub date: String,
    /// `normal`, `follow_up`, `referred`.
    pub result: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckRow {
    /// ISO date.
    pub checked_on: String,
    pub result: String,
    pub result_label: String,
    pub note: Option<String>,
    pub recorded_by: String,
}

/// Record a health check of a child in the caller's scope; audited on the child.
pub async fn record(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    child_id: i64,
    input: &NewCheck,
    today: time::Date,
) -> Result<()> {
    let mut errors = Vec::new();
    let date = parse_date(input.date.trim());
    match date {
        None => errors.push(FieldError {
            field: "date",
            message: "Ngày khám không hợp lệ (dạng dd/mm/yyyy)".into(),
        }),
        Some(d) if d > today => errors.push(FieldError {
            field: "date",
            message: "Ngày khám ở tương lai".into(),
        }),
        _ => {}
    }
    let result = RESULTS.iter().find(|r| r.0 == input.result.trim());
    if result.is_none() {
        errors.push(FieldError {
            field: "result",
            message: "Chọn kết luận khám".into(),
        });
    }
    if !errors.is_empty() {
        return Err(StoreError::Fields(errors));
    }
    let (date, result) = (date.expect("checked"), result.expect("checked"));
    let mut tx = store.begin_write().await?;
    let (c, grant) = crate::registry::child_for_edit(&mut tx, scoped, child_id).await?;
    if parse_date(&c.birth_date).is_some_and(|b| date < b) {
        return Err(StoreError::Fields(vec![FieldError {
            field: "date",
            message: "Ngày khám trước ngày sinh của trẻ".into(),
        }]));
    }
    let note = Some(mang_domain::text::clean(&input.note)).filter(|n| !n.is_empty());
    sqlx::query(
        "INSERT INTO child_health_checks (child_id, checked_on, result, note, recorded_by, province_code, commune_code, village_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(child_id)
    .bind(date.to_string())
    .bind(result.0)
    .bind(note)
    .bind(grant.actor().username.clone())
    .bind(c.province_code.clone())
    .bind(c.commune_code.clone())
    .bind(c.village_code.clone())
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "health_check",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "health_check": { "old": "", "new": format!("ngày {}: {}", mang_domain::vi::date(date), result.1) } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The child's checks, newest first. The caller has read the child (audited) already.
pub async fn of_child(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
) -> Result<Vec<CheckRow>> {
    scoped.grant(&c.path()).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT checked_on, result, note, recorded_by FROM child_health_checks WHERE child_id = $1 ORDER BY checked_on DESC, id DESC",
    )
    .bind(c.id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let result: String = r.get(1);
            CheckRow {
                checked_on: r.get(0),
                result_label: RESULTS
                    .iter()
                    .find(|x| x.0 == result)
                    .map_or("", |x| x.1)
                    .into(),
                result,
                note: r.get(2),
                recorded_by: r.get(3),
            }
        })
        .collect())
}

/// A child to follow up on the commune's health page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    pub child_id: i64,
    pub full_name: String,
    pub birth_date: String,
    pub insurance_card: Option<String>,
    pub insurance_valid_to: Option<String>,
}

/// The commune's health follow-up on `today`: children under five and how many were
/// checked this year; children under six and those without a valid insurance card (named,
/// register order, at most 500).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HealthSummary {
    pub under_5: i64,
    pub under_5_checked_this_year: i64,
    pub under_6: i64,
    pub under_6_insured: i64,
    pub uninsured: Vec<FollowUp>,
}

pub async fn summary(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    unit: &crate::units::Unit,
    today: time::Date,
) -> Result<HealthSummary> {
    let path = unit.path();
    if !scoped.scope().contains(&path) || path.commune.is_none() {
        return Err(StoreError::NotFound);
    }
    let scope = mang_domain::access::Scope::new(&unit.code(), &path);
    let (cond, vals) = scope_filter(&scope, "c", 4);
    let five = (today - time::Duration::days(1826)).to_string();
    let six = today
        .replace_year(today.year() - 6)
        .unwrap_or(today - time::Duration::days(2191))
        .to_string();
    let year_start = format!("{}-01-01", today.year());
    let mut all = vec![
        Val::Text(six.clone()),
        Val::Text(five.clone()),
        Val::Text(year_start),
    ];
    all.extend(vals);
    let r = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT \
             SUM(CASE WHEN c.birth_date > $2 THEN 1 ELSE 0 END) AS u5, \
             SUM(CASE WHEN c.birth_date > $2 AND EXISTS (SELECT 1 FROM child_health_checks k WHERE k.child_id = c.id AND k.checked_on >= $3) THEN 1 ELSE 0 END) AS u5c, \
             COUNT(*) AS u6 \
             FROM children c WHERE c.status = 'active' AND c.birth_date > $1 AND {cond}"
        ))),
        all,
    )
    .fetch_one(store.pool())
    .await?;
    let (cond, vals) = scope_filter(&scope, "c", 3);
    let mut all = vec![Val::Text(six), Val::Text(today.to_string())];
    all.extend(vals);
    let uninsured_rows = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT c.id, c.full_name, c.birth_date, c.insurance_card, c.insurance_valid_to FROM children c \
             WHERE c.status = 'active' AND c.birth_date > $1 AND {cond} \
             AND (c.insurance_card IS NULL OR c.insurance_valid_to IS NULL OR c.insurance_valid_to < $2) \
             ORDER BY c.name_key, c.id"
        ))),
        all,
    )
    .fetch_all(store.pool())
    .await?;
    let under_6: i64 = r.get::<i64, _>("u6");
    let out = HealthSummary {
        under_5: r.get::<Option<i64>, _>("u5").unwrap_or(0),
        under_5_checked_this_year: r.get::<Option<i64>, _>("u5c").unwrap_or(0),
        under_6,
        under_6_insured: under_6 - uninsured_rows.len() as i64,
        uninsured: uninsured_rows
            .iter()
            .take(500)
            .map(|r| FollowUp {
                child_id: r.get(0),
                full_name: r.get(1),
                birth_date: r.get(2),
                insurance_card: r.get(3),
                insurance_valid_to: r.get(4),
            })
            .collect(),
    };
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &path,
        "view",
        "health_summary",
        unit.code().as_str(),
        serde_json::json!({ "rows": out.uninsured.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
