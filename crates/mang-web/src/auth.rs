//! Authentication: server-side sessions in an HttpOnly, SameSite=Strict cookie (pages) or an
//! `Authorization: Bearer` token (API), a CSRF token per session checked on every form,
//! and login throttling. Authorisation itself is the domain's (`Principal::scoped`).

use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use mang_store::users::{self, Session};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "mang_session";
pub const LOGIN_CSRF_COOKIE: &str = "mang_login_csrf";

/// Read one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn session_cookie(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        users::SESSION_HOURS * 3600
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
}

/// The signed-in user of a request, or nothing.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<SignedIn>);

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub token: String,
    /// Cookie sessions need the CSRF token on state-changing requests; bearer tokens do not
    /// (a browser never attaches them on its own).
    pub via_cookie: bool,
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (token, via_cookie) = match (
            bearer(&parts.headers),
            cookie(&parts.headers, SESSION_COOKIE),
        ) {
            (Some(t), _) => (t, false),
            (None, Some(t)) => (t, true),
            (None, None) => return Ok(MaybeUser(None)),
        };
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(MaybeUser(None));
        }
        match users::session(&state.store, &token).await {
            Ok(Some(session)) => Ok(MaybeUser(Some(SignedIn {
                session,
                token,
                via_cookie,
            }))),
            Ok(None) => Ok(MaybeUser(None)),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                Ok(MaybeUser(None))
            }
        }
    }
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Login throttling: after `MAX_FAILURES` failed logins for one username or from one
/// address within `WINDOW`, further attempts are refused until the window has passed.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

pub const MAX_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

impl Throttle {
    pub fn is_blocked(&self, keys: &[String]) -> bool {
        let mut map = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        map.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        keys.iter()
            .any(|k| map.get(k).is_some_and(|(n, _)| *n >= MAX_FAILURES))
    }

    pub fn record_failure(&self, keys: &[String]) {
        let mut map = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        for k in keys {
            let e = map.entry(k.clone()).or_insert((0, now));
            e.0 += 1;
        }
    }

    pub fn clear(&self, keys: &[String]) {
        let mut map = self.failures.lock().expect("throttle lock");
        for k in keys {
            map.remove(k);
        }
    }
}

/// Throttle keys for a login attempt: the username and the client address.
pub fn throttle_keys(username: &str, addr: Option<std::net::SocketAddr>) -> Vec<String> {
    let mut keys = vec![format!("u:{}", username.trim().to_lowercase())];
    if let Some(a) = addr {
        keys.push(format!("ip:{}", a.ip()));
    }
    keys
}

/// A fresh random token for the login form's CSRF cookie.
pub fn random_hex() -> String {
    use rand::TryRngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut b)
        .expect("the operating system provides randomness");
    hex::encode(b)
}
