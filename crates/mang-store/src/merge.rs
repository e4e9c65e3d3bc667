//! Merging duplicate child records: the review (both records and the fields that differ),
//! the merge, and its undo, each in one transaction with both children audited. The rules
//! are the domain's (`mang_domain::merge`); this module keeps in `child_merges` what an undo
//! needs to put everything back exactly.

use crate::audit::{self, Actor};
use crate::registry::{self, CHILD_SELECT, Child, RECORD_COLS};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditChildRecord, Grant, Scope, Scoped, ViewChildRecord};
use mang_domain::merge::{self as rules, Party, Refusal};
use mang_domain::registry::{FieldError, parse_child};
use mang_domain::text;
use mang_domain::verification::Status;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// One field on which the two records disagree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldChoice {
    pub field: String,
    /// Vietnamese name of the field.
    pub label: String,
    /// The kept record's value (dates ISO, codes as stored; empty = not given).
    pub keep: String,
    /// The other record's value.
    pub other: String,
    /// `keep` or `other`: what the kept record takes unless the reviewer chooses.
    pub default: String,
}

/// What a reviewer sees before merging `other` into `keep`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MergePreview {
    pub keep: Child,
    pub other: Child,
    /// The fields that differ, in form order.
    pub differences: Vec<FieldChoice>,
    /// Circumstances recorded for the other child; the merge moves them to the kept one.
    pub other_circumstances: i64,
}

/// A merge as the reviewer confirms it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MergeRequest {
    /// The record that stays.
    pub keep_id: i64,
    /// The record merged into it (marked `merged`, hidden from lists and counts).
    pub other_id: i64,
    /// The versions shown on the review; a newer stored version is refused (409).
    pub keep_version: i64,
    pub other_version: i64,
    /// Per differing field, `keep` or `other`; fields left out take the default.
    #[serde(default)]
    pub choices: BTreeMap<String, String>,
    /// Why these two records are the same child (required).
    #[serde(default)]
    pub reason: String,
}

/// A recorded merge.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MergeRecord {
    pub id: i64,
    pub kept_id: i64,
    pub kept_name: String,
    pub merged_id: i64,
    pub merged_name: String,
    pub reason: String,
    pub merged_by: String,
    /// RFC 3339 UTC.
    pub merged_at: String,
    pub undone_by: Option<String>,
    pub undone_at: Option<String>,
    /// Why an undo is not possible now (absent when it is).
    pub undo_blocked: Option<String>,
}

/// The merge done: its record and the kept child as it is now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MergeOutcome {
    pub merge: MergeRecord,
    pub kept: Child,
}

/// The undo done: both children as they are again.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UndoOutcome {
    pub merge: MergeRecord,
    pub kept: Child,
    pub restored: Child,
}

fn refused(r: Refusal) -> StoreError {
    StoreError::Conflict {
        field: r.field(),
        message: r.to_string(),
    }
}

fn party(c: &Child) -> (i64, i64, String, mang_domain::units::UnitPath) {
    (c.id, c.version, c.status.clone(), c.path())
}

fn as_party(p: &(i64, i64, String, mang_domain::units::UnitPath)) -> Party<'_> {
    Party {
        id: p.0,
        version: p.1,
        status: &p.2,
        path: &p.3,
    }
}

/// A child inside `scope` whatever its status (a merged record too), else `NotFound`.
async fn load(tx: &mut crate::Tx, scope: &Scope, id: i64) -> Result<Child> {
    let (cond, vals) = scope_filter(scope, "c", 2);
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
    row.as_ref()
        .map(registry::child)
        .ok_or(StoreError::NotFound)
}

/// Both children of a merge, each with the grant to change it (`NotFound` if either lies
/// outside the caller's scope: a merge never reveals a record the caller cannot see).
async fn load_pair(
    tx: &mut crate::Tx,
    scoped: &Scoped<EditChildRecord>,
    a: i64,
    b: i64,
) -> Result<[(Child, Grant<EditChildRecord>); 2]> {
    let mut out = Vec::with_capacity(2);
    for id in [a, b] {
        let c = load(tx, scoped.scope(), id).await?;
        let g = scoped.grant(&c.path()).map_err(|_| StoreError::NotFound)?;
        out.push((c, g));
    }
    let second = out.pop().expect("two");
    let first = out.pop().expect("two");
    Ok([first, second])
}

async fn circumstance_count(tx: &mut crate::Tx, child_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM child_circumstances WHERE child_id = $1")
            .bind(child_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Both records side by side with the fields that differ. Needs the right to edit both;
/// the views of both records are audited.
pub async fn merge_preview(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    keep_id: i64,
    other_id: i64,
) -> Result<MergePreview> {
    let mut tx = store.begin_write().await?;
    let [(keep, kg), (other, og)] = load_pair(&mut tx, scoped, keep_id, other_id).await?;
    let (k, o) = (party(&keep), party(&other));
    rules::check_pair(&as_party(&k), &as_party(&o)).map_err(refused)?;
    let other_circumstances = circumstance_count(&mut tx, other.id).await?;
    for (c, g, with) in [(&keep, &kg, other.id), (&other, &og, keep.id)] {
        audit::append(
            &mut tx,
            &Actor::from(g.actor()),
            g.path(),
            "view",
            "child",
            &c.id.to_string(),
            serde_json::json!({ "merge_review_with": with }),
        )
        .await?;
    }
    tx.commit().await?;
    let differences = rules::differences(&keep.to_raw(), &other.to_raw())
        .into_iter()
        .map(|d| FieldChoice {
            field: d.field.into(),
            label: d.label.into(),
            keep: d.keep,
            other: d.other,
            default: d.default.as_str().into(),
        })
        .collect();
    Ok(MergePreview {
        keep,
        other,
        differences,
        other_circumstances,
    })
}

/// The stored values of the record columns and the verification status, exactly as they
/// are (what an undo writes back).
async fn record_snapshot(tx: &mut crate::Tx, id: i64) -> Result<serde_json::Value> {
    let cols: Vec<&str> = RECORD_COLS
        .iter()
        .copied()
        .chain(["verification_status"])
        .collect();
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {} FROM children WHERE id = $1",
        cols.join(", ")
    )))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let mut out = serde_json::Map::new();
    for (i, col) in cols.iter().enumerate() {
        let v = match row.try_get::<Option<String>, _>(i) {
            Ok(s) => serde_json::json!(s),
            Err(_) => serde_json::json!(row.try_get::<Option<i64>, _>(i)?),
        };
        out.insert((*col).to_owned(), v);
    }
    Ok(serde_json::Value::Object(out))
}

/// Write the snapshot back over the record at `version` (a concurrent change in between is
/// refused, not overwritten).
async fn write_snapshot(
    tx: &mut crate::Tx,
    id: i64,
    version: i64,
    snap: &serde_json::Value,
) -> Result<()> {
    let Some(obj) = snap.as_object() else {
        return Err(StoreError::Invalid {
            field: "kept_before",
            message: "Bản lưu trước khi gộp bị hỏng".into(),
        });
    };
    let mut sets = Vec::new();
    let mut vals = Vec::new();
    for (col, v) in obj {
        // Column names are checked against the known list, never taken from input as is.
        let Some(col) = RECORD_COLS
            .iter()
            .chain(&["verification_status"])
            .find(|c| **c == col.as_str())
        else {
            continue;
        };
        vals.push(match v {
            serde_json::Value::Number(n) => Val::Int(n.as_i64().unwrap_or_default()),
            serde_json::Value::String(s) => Val::Text(s.clone()),
            _ => Val::OptText(None),
        });
        sets.push(format!("{col} = ${}", vals.len()));
    }
    let n = vals.len();
    vals.extend([Val::Text(now_text()), Val::Int(id), Val::Int(version)]);
    let done = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE children SET {}, version = version + 1, updated_at = ${} WHERE id = ${} AND version = ${}",
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3
        ))),
        vals,
    )
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleVersion {
            expected: version,
            found: version + 1,
        });
    }
    Ok(())
}

fn fields_err(field: &'static str, message: &str) -> StoreError {
    StoreError::Fields(vec![FieldError {
        field,
        message: message.into(),
    }])
}

/// Merge `other` into `keep` in one transaction: the kept record takes the chosen values
/// (checked like any edit; version bumped), the other's circumstances move to it, the other
/// is marked `merged`, `child_merges` keeps what an undo needs, and both children are
/// audited (`merge`). Refused without change when a rule or a version says no.
pub async fn merge(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    req: &MergeRequest,
    as_of: time::Date,
) -> Result<MergeOutcome> {
    let reason = text::clean(&req.reason);
    if reason.is_empty() {
        return Err(fields_err(
            "reason",
            "Cần ghi lý do gộp (ví dụ: cùng số định danh, đã xác minh tại hộ)",
        ));
    }
    if reason.chars().count() > 500 {
        return Err(fields_err("reason", "Lý do quá dài (tối đa 500 ký tự)"));
    }
    let mut tx = store.begin_write().await?;
    let [(keep, kg), (other, og)] = load_pair(&mut tx, scoped, req.keep_id, req.other_id).await?;
    let (k, o) = (party(&keep), party(&other));
    rules::check_merge(
        &as_party(&k),
        &as_party(&o),
        req.keep_version,
        req.other_version,
    )
    .map_err(refused)?;
    let old_raw = keep.to_raw();
    let raw = rules::merged(&old_raw, &other.to_raw(), &req.choices).map_err(StoreError::Fields)?;
    let rec = parse_child(&raw, as_of).map_err(StoreError::Fields)?;
    let kept_before = record_snapshot(&mut tx, keep.id).await?;
    let now = now_text();

    // 1. The kept record takes the chosen values.
    let n = RECORD_COLS.len();
    let sets: Vec<String> = RECORD_COLS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let status = Status::parse(&keep.verification_status).unwrap_or(Status::Collected);
    let changed = !rules::differences(&old_raw, &raw).is_empty();
    let next_status = if changed { status.after_edit() } else { status };
    let mut vals = registry::record_values(&rec);
    vals.extend([
        Val::Text(now.clone()),
        Val::Text(next_status.as_str().to_owned()),
        Val::Int(keep.id),
        Val::Int(keep.version),
    ]);
    let done = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE children SET {}, version = version + 1, updated_at = ${}, verification_status = ${} \
             WHERE id = ${} AND version = ${}",
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3,
            n + 4
        ))),
        vals,
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleVersion {
            expected: keep.version,
            found: keep.version + 1,
        });
    }

    // 2. The other's circumstances move to the kept child (and to its place, so that the
    //    scope columns keep following the child); their old place is kept for the undo.
    let moved: Vec<serde_json::Value> = sqlx::query(
        "SELECT id, province_code, commune_code, village_code FROM child_circumstances WHERE child_id = $1 ORDER BY id",
    )
    .bind(other.id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        serde_json::json!({
            "id": r.get::<i64, _>(0),
            "province_code": r.get::<String, _>(1),
            "commune_code": r.get::<String, _>(2),
            "village_code": r.get::<Option<String>, _>(3),
        })
    })
    .collect();
    let kp = keep.path();
    let moved_ids: Vec<i64> = moved.iter().filter_map(|m| m["id"].as_i64()).collect();
    // Row by row, exactly the rows recorded for the undo.
    for id in &moved_ids {
        sqlx::query(
            "UPDATE child_circumstances SET child_id = $1, province_code = $2, commune_code = $3, village_code = $4, updated_at = $5 \
             WHERE id = $6 AND child_id = $7",
        )
        .bind(keep.id)
        .bind(&kp.province)
        .bind(&kp.commune)
        .bind(&kp.village)
        .bind(&now)
        .bind(id)
        .bind(other.id)
        .execute(&mut *tx)
        .await?;
    }

    // 3. The other record is marked merged (kept, for the history and the undo).
    let done = sqlx::query(
        "UPDATE children SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(rules::MERGED)
    .bind(&now)
    .bind(other.id)
    .bind(other.version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleVersion {
            expected: other.version,
            found: other.version + 1,
        });
    }

    // 4. What an undo needs.
    let merge_id: i64 = sqlx::query_scalar(
        "INSERT INTO child_merges (kept_id, merged_id, kept_before, kept_version_after, merged_before, moved_rows, reason, \
         merged_by, merged_at, province_code, commune_code, village_code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(keep.id)
    .bind(other.id)
    .bind(kept_before.to_string())
    .bind(keep.version + 1)
    .bind(serde_json::to_string(&other).unwrap_or_default())
    .bind(serde_json::json!({ "child_circumstances": moved }).to_string())
    .bind(&reason)
    .bind(&kg.actor().username)
    .bind(&now)
    .bind(&kp.province)
    .bind(&kp.commune)
    .bind(&kp.village)
    .fetch_one(&mut *tx)
    .await?;

    // 5. Both children audited, in the same transaction.
    let kept = registry::child_in_tx(&mut tx, keep.id).await?;
    let mut detail = registry::diff(&old_raw, &kept.to_raw());
    if let Some(obj) = detail.as_object_mut() {
        obj.insert(
            "merge".into(),
            serde_json::json!({ "id": merge_id, "role": "kept", "other_id": other.id, "reason": reason, "circumstances_moved": moved_ids }),
        );
        if !rec.id_warnings.is_empty() {
            obj.insert(
                "id_warnings_accepted".into(),
                serde_json::json!(rec.id_warnings.iter().map(|w| w.code()).collect::<Vec<_>>()),
            );
        }
    }
    audit::append(
        &mut tx,
        &Actor::from(kg.actor()),
        kg.path(),
        "merge",
        "child",
        &keep.id.to_string(),
        detail,
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(og.actor()),
        og.path(),
        "merge",
        "child",
        &other.id.to_string(),
        serde_json::json!({
            "merge": { "id": merge_id, "role": "merged", "other_id": keep.id, "reason": reason },
            "status": { "old": rules::ACTIVE, "new": rules::MERGED },
        }),
    )
    .await?;
    let record = record_in_tx(&mut tx, merge_id).await?;
    tx.commit().await?;
    Ok(MergeOutcome {
        merge: record,
        kept,
    })
}

/// Undo a merge in one transaction: the kept record's values from before the merge, the
/// merged record active again, the moved circumstances back where they were, both children
/// audited (`unmerge`). Refused if the kept record changed since the merge (its later edits
/// would be lost silently).
pub async fn undo_merge(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    merge_id: i64,
) -> Result<UndoOutcome> {
    let mut tx = store.begin_write().await?;
    let (cond, vals) = scope_filter(scoped.scope(), "m", 2);
    let mut all = vec![Val::Int(merge_id)];
    all.extend(vals);
    let m = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT m.kept_id, m.merged_id, m.kept_before, m.kept_version_after, m.moved_rows, m.undone_at \
             FROM child_merges m WHERE m.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let (kept_id, merged_id): (i64, i64) = (m.get(0), m.get(1));
    let [(kept, kg), (merged, mg)] = load_pair(&mut tx, scoped, kept_id, merged_id).await?;
    let (k, g) = (party(&kept), party(&merged));
    rules::check_undo(
        m.get::<Option<String>, _>(5).is_some(),
        &as_party(&k),
        m.get(3),
        &as_party(&g),
    )
    .map_err(refused)?;
    let now = now_text();

    // 1. The kept record's values from before the merge.
    let before: serde_json::Value =
        serde_json::from_str(&m.get::<String, _>(2)).unwrap_or_default();
    write_snapshot(&mut tx, kept.id, kept.version, &before).await?;

    // 2. The moved circumstances back to the merged child and their old place (those
    //    recorded for the kept child after the merge stay with it).
    let moved: serde_json::Value = serde_json::from_str(&m.get::<String, _>(4)).unwrap_or_default();
    let mut moved_back = Vec::new();
    for row in moved["child_circumstances"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(id) = row["id"].as_i64() else {
            continue;
        };
        let text = |k: &str| row[k].as_str().map(str::to_owned);
        sqlx::query(
            "UPDATE child_circumstances SET child_id = $1, province_code = $2, commune_code = $3, village_code = $4, updated_at = $5 \
             WHERE id = $6 AND child_id = $7",
        )
        .bind(merged.id)
        .bind(text("province_code"))
        .bind(text("commune_code"))
        .bind(text("village_code"))
        .bind(&now)
        .bind(id)
        .bind(kept.id)
        .execute(&mut *tx)
        .await?;
        moved_back.push(id);
    }

    // 3. The merged record active again; the merge marked undone (each only from the state
    //    checked above, so that two concurrent undos cannot both pass).
    let reactivated = sqlx::query(
        "UPDATE children SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(rules::ACTIVE)
    .bind(&now)
    .bind(merged.id)
    .bind(merged.version)
    .execute(&mut *tx)
    .await?;
    let marked = sqlx::query(
        "UPDATE child_merges SET undone_by = $1, undone_at = $2 WHERE id = $3 AND undone_at IS NULL",
    )
    .bind(&kg.actor().username)
    .bind(&now)
    .bind(merge_id)
    .execute(&mut *tx)
    .await?;
    if reactivated.rows_affected() != 1 || marked.rows_affected() != 1 {
        return Err(refused(Refusal::AlreadyUndone));
    }

    // 4. Both children audited.
    let kept_after = registry::child_in_tx(&mut tx, kept.id).await?;
    let mut detail = registry::diff(&kept.to_raw(), &kept_after.to_raw());
    if let Some(obj) = detail.as_object_mut() {
        obj.insert(
            "unmerge".into(),
            serde_json::json!({ "id": merge_id, "role": "kept", "other_id": merged.id, "circumstances_moved_back": moved_back }),
        );
    }
    audit::append(
        &mut tx,
        &Actor::from(kg.actor()),
        kg.path(),
        "unmerge",
        "child",
        &kept.id.to_string(),
        detail,
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(mg.actor()),
        mg.path(),
        "unmerge",
        "child",
        &merged.id.to_string(),
        serde_json::json!({
            "unmerge": { "id": merge_id, "role": "merged", "other_id": kept.id },
            "status": { "old": rules::MERGED, "new": rules::ACTIVE },
        }),
    )
    .await?;
    let restored = registry::child_in_tx(&mut tx, merged.id).await?;
    let record = record_in_tx(&mut tx, merge_id).await?;
    tx.commit().await?;
    Ok(UndoOutcome {
        merge: record,
        kept: kept_after,
        restored,
    })
}

const RECORD_SELECT: &str = "SELECT m.id, m.kept_id, k.full_name AS kept_name, m.merged_id, o.full_name AS merged_name, \
    m.reason, m.merged_by, m.merged_at, m.undone_by, m.undone_at, m.kept_version_after, \
    k.version AS kept_version, k.status AS kept_status, o.version AS merged_version, o.status AS merged_status, \
    k.province_code, k.commune_code, k.village_code, o.village_code AS merged_village_code \
    FROM child_merges m JOIN children k ON k.id = m.kept_id JOIN children o ON o.id = m.merged_id";

/// Where the kept and the merged child live (one commune, perhaps two villages).
fn paths(r: &AnyRow) -> [mang_domain::units::UnitPath; 2] {
    let at = |village: &str| mang_domain::units::UnitPath {
        province: r.get("province_code"),
        commune: r.get("commune_code"),
        village: r.get(village),
    };
    [at("village_code"), at("merged_village_code")]
}

/// Is every child of this merge inside `scope`? (A merge names both children.)
fn visible(scope: &Scope, r: &AnyRow) -> bool {
    paths(r).iter().all(|p| scope.contains(p))
}

fn record(r: &AnyRow) -> MergeRecord {
    let [path, _] = paths(r);
    let (kept_status, merged_status): (String, String) =
        (r.get("kept_status"), r.get("merged_status"));
    let undone_at: Option<String> = r.get("undone_at");
    let undo_blocked = rules::check_undo(
        undone_at.is_some(),
        &Party {
            id: r.get("kept_id"),
            version: r.get("kept_version"),
            status: &kept_status,
            path: &path,
        },
        r.get("kept_version_after"),
        &Party {
            id: r.get("merged_id"),
            version: r.get("merged_version"),
            status: &merged_status,
            path: &path,
        },
    )
    .err()
    .map(|e| e.to_string());
    MergeRecord {
        id: r.get("id"),
        kept_id: r.get("kept_id"),
        kept_name: r.get("kept_name"),
        merged_id: r.get("merged_id"),
        merged_name: r.get("merged_name"),
        reason: r.get("reason"),
        merged_by: r.get("merged_by"),
        merged_at: r.get("merged_at"),
        undone_by: r.get("undone_by"),
        undone_at,
        undo_blocked,
    }
}

async fn record_in_tx(tx: &mut crate::Tx, id: i64) -> Result<MergeRecord> {
    let row = sqlx::query(AssertSqlSafe(format!("{RECORD_SELECT} WHERE m.id = $1")))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(record(&row))
}

/// The merges a child took part in (kept or merged), newest first. The caller has already
/// read (and audited) the child through `registry::get_child`.
pub async fn merges_of_child(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child: &Child,
) -> Result<Vec<MergeRecord>> {
    scoped
        .grant(&child.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{RECORD_SELECT} WHERE m.kept_id = $1 OR m.merged_id = $1 ORDER BY m.id DESC"
    )))
    .bind(child.id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .filter(|r| visible(scoped.scope(), r))
        .map(record)
        .collect())
}

/// One merge inside the caller's scope (for the undo confirmation), the view audited.
pub async fn get_merge(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    id: i64,
) -> Result<MergeRecord> {
    let (cond, vals) = scope_filter(scoped.scope(), "m", 2);
    let mut all = vec![Val::Int(id)];
    all.extend(vals);
    let row = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "{RECORD_SELECT} WHERE m.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    if !visible(scoped.scope(), &row) {
        return Err(StoreError::NotFound);
    }
    let [path, _] = paths(&row);
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let r = record(&row);
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "view",
        "child_merge",
        &r.id.to_string(),
        serde_json::json!({ "kept_id": r.kept_id, "merged_id": r.merged_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}
