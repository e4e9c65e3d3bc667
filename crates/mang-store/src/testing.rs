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
