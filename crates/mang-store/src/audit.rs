//! Writing and verifying the hash-chained audit log. `append` must be called with the
//! transaction that makes the change, so the entry and the change commit or fail together.

use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, Tx, now_text};
use mang_domain::access::{Principal, Scoped, ViewAudit};
use mang_domain::audit::{AuditEntry, ChainError, ChainVerifier, NewAuditEntry, chain_hash};
use mang_domain::units::UnitPath;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Who acts: a signed-in user, or the system itself (CLI, demo generator).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    pub role: String,
}

impl Actor {
    pub fn system(what: &str) -> Actor {
        Actor {
            id: None,
            name: format!("system:{what}"),
            role: "system".into(),
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Actor {
        Actor {
            id: Some(p.user_id),
            name: p.username.clone(),
            role: p.role.as_str().into(),
        }
    }
}

/// Append one entry inside `tx`. The head row is updated first: on PostgreSQL that row
/// lock serialises concurrent appenders; on SQLite the write transaction already does.
pub async fn append(
    tx: &mut Tx,
    actor: &Actor,
    path: &UnitPath,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> Result<i64> {
    let unit_code = path
        .village
        .as_ref()
        .or(path.commune.as_ref())
        .or(path.province.as_ref())
        .cloned()
        .unwrap_or_else(|| mang_domain::units::NATIONAL_CODE.to_owned());
    let entry = NewAuditEntry {
        at: now_text(),
        actor_id: actor.id,
        actor: actor.name.clone(),
        actor_role: actor.role.clone(),
        unit_code,
        province_code: path.province.clone().unwrap_or_default(),
        commune_code: path.commune.clone().unwrap_or_default(),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: entity_id.to_owned(),
        detail: detail.to_string(),
    };
    let row = sqlx::query(
        "UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash",
    )
    .fetch_one(&mut **tx)
    .await?;
    let seq: i64 = row.get(0);
    let prev: String = row.get(1);
    let hash = chain_hash(seq, &entry, &prev);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, actor_role, unit_code, province_code, \
         commune_code, action, entity, entity_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(seq)
    .bind(&entry.at)
    .bind(entry.actor_id)
    .bind(&entry.actor)
    .bind(&entry.actor_role)
    .bind(&entry.unit_code)
    .bind(&entry.province_code)
    .bind(&entry.commune_code)
    .bind(&entry.action)
    .bind(&entry.entity)
    .bind(&entry.entity_id)
    .bind(&entry.detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    // Every change (not a read) makes cached indicators stale: a commune's change its
    // commune's, a province-level change its province's, a national change (holidays,
    // limits) every province's ('*'). The rows share one table; codes do not collide.
    if !matches!(action, "view" | "export") {
        let province = if !entry.commune_code.is_empty() {
            entry.commune_code.clone()
        } else if !entry.province_code.is_empty() {
            entry.province_code.clone()
        } else {
            "*".to_owned()
        };
        sqlx::query(
            "INSERT INTO data_versions (province_code, n) VALUES ($1, 1) \
             ON CONFLICT (province_code) DO UPDATE SET n = data_versions.n + 1",
        )
        .bind(province)
        .execute(&mut **tx)
        .await?;
    }
    Ok(seq)
}

const COLS: &str = "seq, at, actor_id, actor, actor_role, unit_code, province_code, commune_code, \
                    action, entity, entity_id, detail, prev_hash, hash";

fn from_row(r: &AnyRow) -> AuditEntry {
    AuditEntry {
        seq: r.get("seq"),
        entry: NewAuditEntry {
            at: r.get("at"),
            actor_id: r.get("actor_id"),
            actor: r.get("actor"),
            actor_role: r.get("actor_role"),
            unit_code: r.get("unit_code"),
            province_code: r.get("province_code"),
            commune_code: r.get("commune_code"),
            action: r.get("action"),
            entity: r.get("entity"),
            entity_id: r.get("entity_id"),
            detail: r.get("detail"),
        },
        prev_hash: r.get("prev_hash"),
        hash: r.get("hash"),
    }
}

/// Walk the whole chain in pages and check every link. Returns the number of entries.
pub async fn verify(store: &Store) -> Result<std::result::Result<i64, ChainError>> {
    let mut verifier = ChainVerifier::default();
    let mut after = 0i64;
    loop {
        let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000");
        let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(after)
            .fetch_all(store.pool())
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let e = from_row(r);
            if let Err(err) = verifier.push(&e) {
                return Ok(Err(err));
            }
            after = e.seq;
        }
    }
    let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?;
    Ok(verifier.finish(head.get(0), &head.get::<String, _>(1)))
}

/// One row of the audit page / API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_role: String,
    pub unit_code: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
}

/// Newest entries in the auditor's scope (by the entry's province/commune), before `before`.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewAudit>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>> {
    let mut scope = scoped.scope().clone();
    // Audit rows carry province and commune, not village.
    if scope.level > mang_domain::units::UnitLevel::Commune {
        return Err(StoreError::Denied);
    }
    scope.path.village = None;
    let (cond, mut vals) = scope_filter(&scope, "a", 3);
    let sql = format!(
        "SELECT {COLS} FROM audit_log a WHERE a.seq < $1 AND {cond} ORDER BY a.seq DESC LIMIT $2"
    );
    let mut all = vec![Val::Int(before.unwrap_or(i64::MAX)), Val::Int(limit)];
    all.append(&mut vals);
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), all)
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let e = from_row(r);
            AuditRow {
                seq: e.seq,
                at: e.entry.at,
                actor: e.entry.actor,
                actor_role: e.entry.actor_role,
                unit_code: e.entry.unit_code,
                action: e.entry.action,
                entity: e.entry.entity,
                entity_id: e.entry.entity_id,
            }
        })
        .collect())
}
