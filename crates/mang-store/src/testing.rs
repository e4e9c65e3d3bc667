//! Fresh databases for tests: a temporary SQLite file by default, or a new PostgreSQL
//! database on the server named by `MANG_TEST_PG_URL` when `MANG_TEST_BACKEND=postgres`.
//! `.ci/run` runs the whole suite once each way.

use sqlx::{AnyConnection, Connection, Executor};
use std::path::PathBuf;

/// A database that lives as long as this value (SQLite files are removed on drop; the CI
/// PostgreSQL server is thrown away as a whole).
#[derive(Debug)]
pub struct TestDb {
    pub location: String,
    file: Option<PathBuf>,
}

fn random_suffix() -> String {
    use rand::TryRngCore;
    let mut b = [0u8; 8];
    rand::rngs::OsRng
        .try_fill_bytes(&mut b)
        .expect("randomness");
    hex::encode(b)
}

pub fn wants_postgres() -> bool {
    std::env::var("MANG_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

impl TestDb {
    pub async fn new() -> TestDb {
        if wants_postgres() {
            let base = std::env::var("MANG_TEST_PG_URL")
                .expect("MANG_TEST_BACKEND=postgres needs MANG_TEST_PG_URL (see .ci/run)");
            sqlx::any::install_default_drivers();
            let name = format!("mang_t_{}", random_suffix());
            let mut conn = AnyConnection::connect(&base)
                .await
                .expect("connect to the test PostgreSQL server");
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .expect("create test database");
            conn.close().await.ok();
            let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
            TestDb {
                location: format!("{prefix}/{name}"),
                file: None,
            }
        } else {
            let path = std::env::temp_dir().join(format!("mang-test-{}.db", random_suffix()));
            TestDb {
                location: path.to_string_lossy().into_owned(),
                file: Some(path),
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.file.is_none()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

/// A user for tests (a test password), with the principal the web layer would build.
pub async fn user(
    store: &crate::Store,
    name: &str,
    role: mang_domain::access::Role,
    unit: &str,
) -> mang_domain::access::Principal {
    crate::users::create(
        store,
        None,
        crate::users::NewUser {
            username: name.into(),
            display_name: format!("Người dùng {name}"),
            password: "mat-khau-thu-nghiem-2026".into(),
            role,
            unit: mang_domain::units::UnitCode::parse(unit).expect("unit code"),
        },
    )
    .await
    .expect("create test user");
    crate::users::principal_by_username(store, name)
        .await
        .expect("read test user")
        .expect("test user exists")
}

/// A child in a household of its own in a commune of province 31, written straight into
/// the database (a fixture, not the registry's checks): (child id, household id).
pub async fn child(
    store: &crate::Store,
    commune: &str,
    name: &str,
    sex: &str,
    birth: &str,
) -> (i64, i64) {
    use sqlx::Row;
    let hid: i64 = sqlx::query(
        "INSERT INTO households (code, province_code, commune_code, head_name, address, created_at, updated_at) \
         VALUES ($1, '31', $2, 'Chủ Hộ', 'Số 1', 'x', 'x') RETURNING id",
    )
    .bind(format!("{commune}-{name}"))
    .bind(commune.to_owned())
    .fetch_one(store.pool())
    .await
    .expect("household fixture")
    .get(0);
    let cid: i64 = sqlx::query(
        "INSERT INTO children (household_id, full_name, name_folded, name_key, sex, birth_date, \
         province_code, commune_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, '31', $7, 'x', 'x') RETURNING id",
    )
    .bind(hid)
    .bind(name.to_owned())
    .bind(mang_domain::text::fold(name))
    .bind(mang_domain::names::sort_key(name))
    .bind(sex.to_owned())
    .bind(birth.to_owned())
    .bind(commune.to_owned())
    .fetch_one(store.pool())
    .await
    .expect("child fixture")
    .get(0);
    (cid, hid)
}
