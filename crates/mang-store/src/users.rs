//! Users and server-side sessions. Session tokens are random 256-bit values; only their
//! SHA-256 is stored, so a copy of the database does not hand out live sessions.

use crate::audit::{self, Actor};
use crate::units::{self, Unit};
use crate::{Result, Store, StoreError, now_text, password, timestamp};
use mang_domain::access::{ManageUsers, Principal, Role, Scoped};
use mang_domain::text;
use mang_domain::units::UnitCode;
use rand::TryRngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

/// How long a session lives without being renewed.
pub const SESSION_HOURS: i64 = 8;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_code: String,
    pub unit_name: String,
    pub active: bool,
}

fn user_from_row(r: &AnyRow) -> User {
    User {
        id: r.get("id"),
        username: r.get("username"),
        display_name: r.get("display_name"),
        role: r.get("role"),
        unit_code: r.get("unit_code"),
        unit_name: r.get("unit_name"),
        active: r.get::<i64, _>("active") == 1,
    }
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.unit_code, \
    a.name AS unit_name, u.active, u.password_hash, a.province_code, a.commune_code, a.level \
    FROM users u JOIN admin_units a ON a.code = u.unit_code";

/// Input for a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub unit: UnitCode,
}

fn check_username(u: &str) -> Result<String> {
    let u = u.trim().to_lowercase();
    let ok = (2..=40).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(u)
    } else {
        Err(StoreError::Invalid {
            field: "username",
            message: "Tên đăng nhập gồm 2–40 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch nối, gạch dưới".into(),
        })
    }
}

/// Create a user. `by` is `None` for the command line (an operator on the server), else the
/// capability of the signed-in user, who may only create users inside their own scope.
pub async fn create(store: &Store, by: Option<&Scoped<ManageUsers>>, new: NewUser) -> Result<User> {
    let username = check_username(&new.username)?;
    password::check_new(&new.password).map_err(|m| StoreError::Invalid {
        field: "password",
        message: m,
    })?;
    let unit = units::get(store, new.unit.as_str())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid {
                field: "unit",
                message: format!("Không có đơn vị hành chính mã {}", new.unit),
            },
            e => e,
        })?;
    if !new.role.allowed_levels().contains(&unit.level()) {
        return Err(StoreError::Invalid {
            field: "role",
            message: format!(
                "Vai trò «{}» không gắn được với {}",
                new.role.label_vi(),
                unit.name
            ),
        });
    }
    let actor = match by {
        Some(scoped) => {
            if !scoped
                .actor()
                .may_create_user(new.role, &unit.code(), &unit.path())
            {
                return Err(StoreError::Denied);
            }
            Actor::from(scoped.actor())
        }
        None => Actor::system("cli"),
    };
    let display = text::clean(&new.display_name);
    let display = if display.is_empty() {
        username.clone()
    } else {
        display
    };
    let hash = password::hash(&new.password);
    let now = now_text();
    let mut tx = store.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, unit_code, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id",
    )
    .bind(&username)
    .bind(&display)
    .bind(&hash)
    .bind(new.role.as_str())
    .bind(&unit.code)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() {
            StoreError::Conflict { field: "username", message: format!("Tên đăng nhập «{username}» đã có người dùng") }
        } else {
            e
        }
    })?;
    audit::append(
        &mut tx,
        &actor,
        &unit.path(),
        "create",
        "user",
        &id.to_string(),
        serde_json::json!({ "username": username, "role": new.role.as_str(), "unit": unit.code }),
    )
    .await?;
    tx.commit().await?;
    Ok(User {
        id,
        username,
        display_name: display,
        role: new.role.as_str().into(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        active: true,
    })
}

/// Users whose unit lies inside the caller's scope.
pub async fn list(store: &Store, scoped: &Scoped<ManageUsers>) -> Result<Vec<User>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{USER_SELECT} ORDER BY u.unit_code, u.username"
    )))
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let unit = unit_of_row(r);
        if scoped.scope().contains(&unit.path()) {
            out.push(user_from_row(r));
        }
    }
    Ok(out)
}

/// The principal of an active user, by name (demo data and batch tools act as a named
/// user, so that their writes are authorised and audited like anyone's).
pub async fn principal_by_username(store: &Store, username: &str) -> Result<Option<Principal>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "{USER_SELECT} WHERE u.username = $1 AND u.active = 1"
    )))
    .bind(username.to_owned())
    .fetch_optional(store.pool())
    .await?;
    Ok(row.as_ref().and_then(principal_of_row))
}

fn unit_of_row(r: &AnyRow) -> Unit {
    Unit {
        code: r.get("unit_code"),
        name: r.get("unit_name"),
        level: r.get("level"),
        parent_code: None,
        kind: String::new(),
        province_code: r.get("province_code"),
        commune_code: r.get("commune_code"),
    }
}

fn principal_of_row(r: &AnyRow) -> Option<Principal> {
    let unit = unit_of_row(r);
    Some(Principal {
        user_id: r.get("id"),
        username: r.get("username"),
        role: Role::parse(&r.get::<String, _>("role"))?,
        unit: UnitCode::parse(&unit.code).ok()?,
        unit_path: unit.path(),
    })
}

/// Outcome of a password check.
#[derive(Debug)]
pub enum LoginOutcome {
    Ok(Principal, String),
    Failed,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut b)
        .expect("the operating system provides randomness");
    hex::encode(b)
}

/// Check a password and open a session. Returns the session token (to put in a cookie or
/// an `Authorization: Bearer` header). Both outcomes are audited (no password is logged).
pub async fn login(store: &Store, username: &str, pw: &str) -> Result<LoginOutcome> {
    let username = username.trim().to_lowercase();
    let row = sqlx::query(AssertSqlSafe(format!(
        "{USER_SELECT} WHERE u.username = $1 AND u.active = 1"
    )))
    .bind(&username)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else {
        password::dummy_verify(pw);
        return Ok(LoginOutcome::Failed);
    };
    let principal = principal_of_row(&row).ok_or(StoreError::NotFound)?;
    let ok = password::verify(pw, &row.get::<String, _>("password_hash"));
    let mut tx = store.begin_write().await?;
    let actor = Actor::from(&principal);
    if !ok {
        audit::append(
            &mut tx,
            &actor,
            &principal.unit_path,
            "login_failed",
            "user",
            &principal.user_id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        return Ok(LoginOutcome::Failed);
    }
    let token = random_token();
    let now = time::OffsetDateTime::now_utc();
    let expires = timestamp(now + time::Duration::hours(SESSION_HOURS));
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash(&token))
        .bind(principal.user_id)
        .bind(random_token())
        .bind(timestamp(now))
        .bind(&expires)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &actor,
        &principal.unit_path,
        "login",
        "user",
        &principal.user_id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome::Ok(principal, token))
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub display_name: String,
    pub unit_name: String,
    pub csrf_token: String,
    pub expires_at: String,
}

/// Resolve a session token; expired sessions and deactivated users resolve to nothing.
pub async fn session(store: &Store, token: &str) -> Result<Option<Session>> {
    let sql = format!(
        "{USER_SELECT} JOIN sessions s ON s.user_id = u.id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1"
    );
    let sql = sql.replace("SELECT u.id,", "SELECT s.csrf_token, s.expires_at, u.id,");
    let row = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(token_hash(token))
        .bind(now_text())
        .fetch_optional(store.pool())
        .await?;
    Ok(row.and_then(|r| {
        Some(Session {
            principal: principal_of_row(&r)?,
            display_name: r.get("display_name"),
            unit_name: r.get("unit_name"),
            csrf_token: r.get("csrf_token"),
            expires_at: r.get("expires_at"),
        })
    }))
}

pub async fn logout(store: &Store, token: &str, principal: &Principal) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &Actor::from(principal),
        &principal.unit_path,
        "logout",
        "user",
        &principal.user_id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Change one's own password after checking the current one; ends the user's other sessions.
pub async fn change_password(
    store: &Store,
    principal: &Principal,
    current: &str,
    new: &str,
    keep_token: &str,
) -> Result<()> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(principal.user_id)
        .fetch_one(store.pool())
        .await?;
    if !password::verify(current, &hash) {
        return Err(StoreError::Invalid {
            field: "current",
            message: "Mật khẩu hiện tại không đúng".into(),
        });
    }
    password::check_new(new).map_err(|m| StoreError::Invalid {
        field: "new",
        message: m,
    })?;
    if new == current {
        return Err(StoreError::Invalid {
            field: "new",
            message: "Mật khẩu mới phải khác mật khẩu hiện tại".into(),
        });
    }
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password::hash(new))
        .bind(now_text())
        .bind(principal.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(principal.user_id)
        .bind(token_hash(keep_token))
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &Actor::from(principal),
        &principal.unit_path,
        "password_change",
        "user",
        &principal.user_id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Remove expired sessions (called now and then by the server).
pub async fn purge_expired_sessions(store: &Store) -> Result<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_text())
        .execute(store.pool())
        .await?;
    Ok(r.rows_affected())
}
