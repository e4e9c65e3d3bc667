//! A child's special circumstances and risk factors: dated, sourced, ended rather than
//! deleted, every change audited in the same transaction.

use crate::audit::{self, Actor};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditChildRecord, Scoped, ViewChildRecord};
use mang_domain::circumstances::{self, Kind};
use mang_domain::registry::{FieldError, parse_date};
use mang_domain::text;
use mang_domain::units::UnitPath;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildCircumstance {
    pub id: i64,
    pub child_id: i64,
    pub code: String,
    /// `special` (Luật Trẻ em Art. 10) or `risk`.
    pub kind: String,
    pub label: String,
    /// ISO dates.
    pub start_date: String,
    pub end_date: Option<String>,
    pub source: String,
    pub note: Option<String>,
}

/// Input for recording a circumstance (dates as dd/mm/yyyy).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewCircumstance {
    pub code: String,
    pub start_date: String,
    /// Where the information comes from (verification by the commune officer, a decision, a document…).
    pub source: String,
    pub note: String,
}

/// Input for ending one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EndCircumstance {
    pub end_date: String,
    pub reason: String,
}

fn fields_err(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Fields(vec![FieldError {
        field,
        message: message.into(),
    }])
}

async fn child_path(
    tx: &mut crate::Tx,
    scope: &mang_domain::access::Scope,
    child_id: i64,
) -> Result<(UnitPath, String)> {
    let (cond, vals) = scope_filter(scope, "c", 2);
    let mut all = vec![Val::Int(child_id)];
    all.extend(vals);
    let r = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT c.province_code, c.commune_code, c.village_code, c.birth_date, c.status FROM children c WHERE c.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    if r.get::<String, _>(4) == mang_domain::merge::MERGED {
        return Err(StoreError::Conflict {
            field: "child_id",
            message: mang_domain::merge::NOT_EDITABLE.into(),
        });
    }
    Ok((
        UnitPath {
            province: r.get(0),
            commune: r.get(1),
            village: r.get(2),
        },
        r.get(3),
    ))
}

/// Record a circumstance of a child inside the caller's scope.
pub async fn add(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    child_id: i64,
    input: &NewCircumstance,
    as_of: time::Date,
) -> Result<ChildCircumstance> {
    let rec = circumstances::check(
        &circumstances::RawCircumstance {
            code: input.code.clone(),
            start_date: input.start_date.clone(),
            end_date: String::new(),
            source: input.source.clone(),
            note: input.note.clone(),
        },
        as_of,
    )
    .map_err(StoreError::Fields)?;
    let (c, start, source) = (rec.circumstance, rec.start, rec.source);
    let mut tx = store.begin_write().await?;
    let (path, birth) = child_path(&mut tx, scoped.scope(), child_id).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    if start.to_string() < birth {
        return Err(fields_err(
            "start_date",
            "Ngày bắt đầu trước ngày sinh của trẻ",
        ));
    }
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_circumstances WHERE child_id = $1 AND code = $2 AND end_date IS NULL")
        .bind(child_id)
        .bind(&c.code)
        .fetch_one(&mut *tx)
        .await?;
    if open > 0 {
        return Err(StoreError::Conflict {
            field: "code",
            message: format!("Trẻ đang có «{}» (chưa kết thúc)", c.label),
        });
    }
    let kind = if c.kind == Kind::Special {
        "special"
    } else {
        "risk"
    };
    let note = rec.note.unwrap_or_default();
    let now = now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO child_circumstances (child_id, code, kind, start_date, source, note, province_code, commune_code, village_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(child_id)
    .bind(&c.code)
    .bind(kind)
    .bind(start.to_string())
    .bind(&source)
    .bind((!note.is_empty()).then_some(note.clone()))
    .bind(&path.province)
    .bind(&path.commune)
    .bind(&path.village)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "child_circumstance",
        &id.to_string(),
        serde_json::json!({ "child_id": child_id, "code": c.code, "start_date": start.to_string(), "source": source }),
    )
    .await?;
    tx.commit().await?;
    Ok(ChildCircumstance {
        id,
        child_id,
        code: c.code.clone(),
        kind: kind.into(),
        label: c.label.clone(),
        start_date: start.to_string(),
        end_date: None,
        source,
        note: (!note.is_empty()).then_some(note),
    })
}

/// End a circumstance (records are closed, never deleted).
/// Returns the child's id.
pub async fn end(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    id: i64,
    input: &EndCircumstance,
    as_of: time::Date,
) -> Result<i64> {
    let end = parse_date(&input.end_date)
        .ok_or_else(|| fields_err("end_date", "Ngày kết thúc không hợp lệ (dạng dd/mm/yyyy)"))?;
    if end > as_of {
        return Err(fields_err("end_date", "Ngày kết thúc ở tương lai"));
    }
    let reason = text::clean(&input.reason);
    if reason.is_empty() {
        return Err(fields_err("reason", "Cần ghi lý do kết thúc"));
    }
    let (cond, vals) = scope_filter(scoped.scope(), "x", 2);
    let mut tx = store.begin_write().await?;
    let mut all = vec![Val::Int(id)];
    all.extend(vals);
    let r = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT x.start_date, x.end_date, x.province_code, x.commune_code, x.village_code, x.child_id FROM child_circumstances x WHERE x.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let path = UnitPath {
        province: r.get(2),
        commune: r.get(3),
        village: r.get(4),
    };
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    if r.get::<Option<String>, _>(1).is_some() {
        return Err(StoreError::Conflict {
            field: "end_date",
            message: "Hoàn cảnh này đã kết thúc".into(),
        });
    }
    if end.to_string() < r.get::<String, _>(0) {
        return Err(fields_err("end_date", "Ngày kết thúc trước ngày bắt đầu"));
    }
    sqlx::query("UPDATE child_circumstances SET end_date = $1, updated_at = $2 WHERE id = $3")
        .bind(end.to_string())
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "update",
        "child_circumstance",
        &id.to_string(),
        serde_json::json!({ "end_date": end.to_string(), "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(r.get(5))
}

/// A child's circumstances, open ones first. The caller has already read (and audited)
/// the child through `registry::get_child`.
pub async fn of_child(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child_id: i64,
) -> Result<Vec<ChildCircumstance>> {
    let (cond, vals) = scope_filter(scoped.scope(), "x", 2);
    let mut all = vec![Val::Int(child_id)];
    all.extend(vals);
    let rows = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT x.id, x.code, x.kind, x.start_date, x.end_date, x.source, x.note FROM child_circumstances x \
             WHERE x.child_id = $1 AND {cond} ORDER BY (x.end_date IS NULL) DESC, x.start_date DESC, x.id"
        ))),
        all,
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let code: String = r.get(1);
            ChildCircumstance {
                id: r.get(0),
                child_id,
                label: circumstances::find(&code)
                    .map(|c| c.label.clone())
                    .unwrap_or_else(|| code.clone()),
                code,
                kind: r.get(2),
                start_date: r.get(3),
                end_date: r.get(4),
                source: r.get(5),
                note: r.get(6),
            }
        })
        .collect())
}
