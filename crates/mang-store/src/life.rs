//! A child's life events (moved in/out, died, aged out), caregivers, the police check of
//! the personal ID and manual name splits. Each change is one transaction with its audit
//! entry (which is also what the child's history shows).

use crate::audit::{self, Actor};
use crate::registry::{Child, child_for_edit, child_in_tx};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditChildRecord, Scoped, VerifyPersonalId, ViewChildRecord};
use mang_domain::life::{self, ChildStatus, RawCaregiver, RawEvent};
use mang_domain::names::NameParts;
use mang_domain::registry::FieldError;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

/// A recorded life event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildEvent {
    pub id: i64,
    /// `moved_in`, `moved_out`, `died`, `aged_out`.
    pub kind: String,
    /// ISO date.
    pub event_date: String,
    pub place: Option<String>,
    pub note: Option<String>,
    pub status_before: String,
    pub status_after: String,
    pub recorded_by: String,
    pub created_at: String,
}

/// Input for a life event, made against the child's `version`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewEvent {
    pub version: i64,
    /// `moved_in` (chuyển đến), `moved_out` (chuyển đi), `died` (tử vong), `aged_out` (đủ 16 tuổi).
    pub kind: String,
    /// dd/mm/yyyy.
    pub date: String,
    /// For a move: the commune or place moved from / to.
    pub place: String,
    pub note: String,
}

/// A caregiver of a child (người chăm sóc).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildCaregiver {
    pub id: i64,
    pub child_id: i64,
    pub full_name: String,
    pub relationship: String,
    pub relationship_label: String,
    pub birth_year: Option<i64>,
    pub phone: Option<String>,
    pub lives_with: bool,
    /// ISO date the person stopped caring for the child; absent while they do.
    pub ended_at: Option<String>,
}

/// Input for a caregiver.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewCaregiver {
    pub full_name: String,
    /// `father`, `mother`, `stepfather`, `stepmother`, `grandparent`, `sibling`,
    /// `relative`, `guardian`, `foster_carer`, `other`.
    pub relationship: String,
    pub birth_year: String,
    pub phone: String,
    /// `1` (default) if the child lives with this person, `0` if not.
    pub lives_with: String,
}

/// Input for a manual name split, made against the child's `version`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NameSplit {
    pub version: i64,
    /// Họ (may be empty); the words must come from the full name.
    pub family: String,
    /// Tên (required). Empty family and given together clear the manual split.
    pub given: String,
}

fn stale(expected: i64, found: i64) -> StoreError {
    StoreError::StaleVersion { expected, found }
}

fn checked_version(c: &Child, version: i64) -> Result<()> {
    if c.version == version {
        Ok(())
    } else {
        Err(stale(version, c.version))
    }
}

/// Record a life event: checked against the child's status and birth date, the status
/// changed, the version bumped, audited; one transaction.
pub async fn add_event(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    child_id: i64,
    input: &NewEvent,
    today: time::Date,
) -> Result<Child> {
    let mut tx = store.begin_write().await?;
    let (c, grant) = child_for_edit(&mut tx, scoped, child_id).await?;
    checked_version(&c, input.version)?;
    let status = ChildStatus::parse(&c.status).unwrap_or(ChildStatus::Active);
    let birth = mang_domain::registry::parse_date(&c.birth_date).unwrap_or(today);
    let raw = RawEvent {
        kind: input.kind.clone(),
        date: input.date.clone(),
        place: input.place.clone(),
        note: input.note.clone(),
    };
    let ev = life::check_event(&raw, status, birth, today).map_err(StoreError::Fields)?;
    write_event(&mut tx, &c, &grant.actor().username, &ev, status).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "event",
        "child",
        &child_id.to_string(),
        serde_json::json!({
            "status": { "old": status.as_str(), "new": ev.status_after.as_str() },
            "event": { "old": "", "new": format!("{} {}{}", ev.kind.label_vi(), mang_domain::vi::date(ev.date),
                ev.place.as_deref().map(|p| format!(" ({p})")).unwrap_or_default()) },
        }),
    )
    .await?;
    let after = child_in_tx(&mut tx, child_id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Write a checked event and the child's new status (version bumped) in the caller's
/// transaction, which has loaded `c` under its write lock and checked the version.
pub(crate) async fn write_event(
    tx: &mut crate::Tx,
    c: &Child,
    by: &str,
    ev: &life::Event,
    status: ChildStatus,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO child_events (child_id, kind, event_date, place, note, status_before, status_after, \
         recorded_by, province_code, commune_code, village_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(c.id)
    .bind(ev.kind.as_str())
    .bind(ev.date.to_string())
    .bind(ev.place.clone())
    .bind(ev.note.clone())
    .bind(status.as_str())
    .bind(ev.status_after.as_str())
    .bind(by.to_owned())
    .bind(c.province_code.clone())
    .bind(c.commune_code.clone())
    .bind(c.village_code.clone())
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE children SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(ev.status_after.as_str())
    .bind(now_text())
    .bind(c.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The child's events, oldest first. The caller has read the child (audited) already.
pub async fn events_of(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child: &Child,
) -> Result<Vec<ChildEvent>> {
    scoped
        .grant(&child.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT id, kind, event_date, place, note, status_before, status_after, recorded_by, created_at \
         FROM child_events WHERE child_id = $1 ORDER BY event_date, id",
    )
    .bind(child.id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| ChildEvent {
            id: r.get("id"),
            kind: r.get("kind"),
            event_date: r.get("event_date"),
            place: r.get("place"),
            note: r.get("note"),
            status_before: r.get("status_before"),
            status_after: r.get("status_after"),
            recorded_by: r.get("recorded_by"),
            created_at: r.get("created_at"),
        })
        .collect())
}

fn caregiver(r: &sqlx::any::AnyRow) -> ChildCaregiver {
    let rel: String = r.get("relationship");
    ChildCaregiver {
        id: r.get("id"),
        child_id: r.get("child_id"),
        full_name: r.get("full_name"),
        relationship_label: life::Relationship::parse(&rel)
            .map(|x| x.label_vi().to_owned())
            .unwrap_or_else(|| rel.clone()),
        relationship: rel,
        birth_year: r.get("birth_year"),
        phone: r.get("phone"),
        lives_with: r.get::<i64, _>("lives_with") == 1,
        ended_at: r.get("ended_at"),
    }
}

const CAREGIVER_COLS: &str =
    "id, child_id, full_name, relationship, birth_year, phone, lives_with, ended_at";

/// The child's caregivers, current ones first.
pub async fn caregivers_of(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child: &Child,
) -> Result<Vec<ChildCaregiver>> {
    scoped
        .grant(&child.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CAREGIVER_COLS} FROM child_caregivers WHERE child_id = $1 \
         ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, id"
    )))
    .bind(child.id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(caregiver).collect())
}

/// Add a caregiver to a child in the caller's scope; audited on the child.
pub async fn add_caregiver(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    child_id: i64,
    input: &NewCaregiver,
    today: time::Date,
) -> Result<ChildCaregiver> {
    let cg = life::check_caregiver(
        &RawCaregiver {
            full_name: input.full_name.clone(),
            relationship: input.relationship.clone(),
            birth_year: input.birth_year.clone(),
            phone: input.phone.clone(),
            lives_with: input.lives_with.clone(),
        },
        today,
    )
    .map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let (c, grant) = child_for_edit(&mut tx, scoped, child_id).await?;
    let now = now_text();
    let id: i64 = sqlx::query(
        "INSERT INTO child_caregivers (child_id, full_name, relationship, birth_year, phone, lives_with, \
         province_code, commune_code, village_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(child_id)
    .bind(cg.full_name.clone())
    .bind(cg.relationship.as_str())
    .bind(cg.birth_year.map(i64::from))
    .bind(cg.phone.clone())
    .bind(i64::from(cg.lives_with))
    .bind(c.province_code.clone())
    .bind(c.commune_code.clone())
    .bind(c.village_code.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "caregiver",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "caregiver": { "old": "", "new": format!("{} ({})", cg.full_name, cg.relationship.label_vi()) } }),
    )
    .await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CAREGIVER_COLS} FROM child_caregivers WHERE id = $1"
    )))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(caregiver(&row))
}

/// Record that a caregiver no longer cares for the child (never deleted). Returns the child id.
pub async fn end_caregiver(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    caregiver_id: i64,
    today: time::Date,
) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let (cond, vals) = scope_filter(scoped.scope(), "g", 2);
    let mut all = vec![Val::Int(caregiver_id)];
    all.extend(vals);
    let row = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT g.child_id, g.full_name, g.relationship, g.ended_at FROM child_caregivers g WHERE g.id = $1 AND {cond}"
        ))),
        all,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let child_id: i64 = row.get("child_id");
    let (_, grant) = child_for_edit(&mut tx, scoped, child_id).await?;
    if row.get::<Option<String>, _>("ended_at").is_some() {
        return Err(StoreError::Fields(vec![FieldError {
            field: "caregiver",
            message: "Người này đã được ghi là thôi chăm sóc trẻ.".into(),
        }]));
    }
    sqlx::query("UPDATE child_caregivers SET ended_at = $1, updated_at = $2 WHERE id = $3")
        .bind(today.to_string())
        .bind(now_text())
        .bind(caregiver_id)
        .execute(&mut *tx)
        .await?;
    let name: String = row.get("full_name");
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "caregiver",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "caregiver": { "old": name, "new": format!("thôi chăm sóc từ {}", mang_domain::vi::date(today)) } }),
    )
    .await?;
    tx.commit().await?;
    Ok(child_id)
}

/// The police confirm the child's personal ID against the national population database.
pub async fn verify_personal_id(
    store: &Store,
    scoped: &Scoped<VerifyPersonalId>,
    child_id: i64,
) -> Result<Child> {
    let mut tx = store.begin_write().await?;
    let (c, grant) = child_for_edit(&mut tx, scoped, child_id).await?;
    if c.personal_id.is_none() {
        return Err(StoreError::Fields(vec![FieldError {
            field: "personal_id",
            message: "Trẻ chưa có số định danh cá nhân để xác minh.".into(),
        }]));
    }
    let now = now_text();
    sqlx::query(
        "UPDATE children SET id_verified_at = $1, id_verified_by = $2, version = version + 1, updated_at = $1 WHERE id = $3",
    )
    .bind(now.clone())
    .bind(grant.actor().username.clone())
    .bind(child_id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "verify_id",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "id_verified": { "old": "", "new": "Công an đã xác minh số định danh" } }),
    )
    .await?;
    let after = child_in_tx(&mut tx, child_id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Set (or clear, with both parts empty) a manual split of the child's name; the register
/// order key follows it.
pub async fn set_name_parts(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    child_id: i64,
    input: &NameSplit,
) -> Result<Child> {
    let mut tx = store.begin_write().await?;
    let (c, grant) = child_for_edit(&mut tx, scoped, child_id).await?;
    checked_version(&c, input.version)?;
    let (stored, parts) = if input.family.trim().is_empty() && input.given.trim().is_empty() {
        (None, NameParts::split(&c.full_name))
    } else {
        let p =
            NameParts::with_override(&c.full_name, &input.family, &input.given).map_err(|m| {
                StoreError::Fields(vec![FieldError {
                    field: "given",
                    message: m.to_owned(),
                }])
            })?;
        (Some(p.to_stored()), p)
    };
    sqlx::query(
        "UPDATE children SET name_parts = $1, name_key = $2, version = version + 1, updated_at = $3 WHERE id = $4",
    )
    .bind(stored.clone())
    .bind(parts.sort_key())
    .bind(now_text())
    .bind(child_id)
    .execute(&mut *tx)
    .await?;
    let show = |s: Option<&str>| {
        s.map(|s| s.replace('|', " · "))
            .unwrap_or_else(|| "tách mặc định".into())
    };
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "name_parts",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "name_parts": { "old": show(c.name_parts.as_deref()), "new": show(stored.as_deref()) } }),
    )
    .await?;
    let after = child_in_tx(&mut tx, child_id).await?;
    tx.commit().await?;
    Ok(after)
}
