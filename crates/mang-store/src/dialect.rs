//! Everything that differs between SQLite and PostgreSQL, in one place.

use crate::{OpenMode, Result, StoreError};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool};
use sqlx::{Executor, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

pub fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Path of a SQLite URL (`sqlite://x.db` → `x.db`).
pub fn sqlite_path(url: &str) -> &str {
    let p = url.trim_start_matches("sqlite:").trim_start_matches("//");
    p.split('?').next().unwrap_or(p)
}

/// Turn the user's location into the URL to connect with. For SQLite, `Existing` refuses a
/// missing file (sqlx would otherwise fail with a less helpful message), and
/// `CreateOrMigrate` adds `mode=rwc` so the file is created.
pub fn prepare(url: &str, backend: Backend, mode: OpenMode) -> Result<String> {
    match backend {
        Backend::Postgres => Ok(url.to_owned()),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::Invalid {
                    field: "db",
                    message: "cần đường dẫn tới một tệp SQLite".into(),
                });
            }
            match mode {
                OpenMode::Existing if !std::path::Path::new(path).exists() => {
                    Err(StoreError::MissingFile(path.to_owned()))
                }
                OpenMode::Existing => Ok(format!("sqlite://{path}")),
                OpenMode::CreateOrMigrate => Ok(format!("sqlite://{path}?mode=rwc")),
            }
        }
    }
}

/// Per-connection settings. SQLite: WAL (persistent in the file), foreign keys (also the
/// sqlx default), `synchronous=NORMAL` (durable in WAL mode except on power loss of the
/// last transactions), a busy timeout so writers queue instead of failing, a 64 MiB page
/// cache, and a second sorter thread for index builds (temporary files stay on disk, so
/// building an index over millions of rows does not hold them in memory).
pub async fn after_connect(conn: &mut AnyConnection, backend: Backend) -> sqlx::Result<()> {
    match backend {
        Backend::Sqlite => {
            conn.execute(
                "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                 PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; \
                 PRAGMA cache_size = -65536; PRAGMA threads = 2; PRAGMA wal_autocheckpoint = 16384;",
            )
            .await?;
        }
        Backend::Postgres => {
            conn.execute("SET TIME ZONE 'UTC'; SET client_min_messages = WARNING;")
                .await?;
        }
    }
    Ok(())
}

pub fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// Has Măng's schema been applied here?
pub async fn is_initialised(pool: &AnyPool, backend: Backend) -> Result<bool> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await?;
    Ok(n > 0)
}

/// `(table, column)` pairs of the application schema, sorted — for the test that both
/// backends end up with the same tables and columns.
pub async fn schema_columns(pool: &AnyPool, backend: Backend) -> Result<Vec<(String, String)>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' \
             ORDER BY t, c"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
             ORDER BY t, c"
        }
    };
    let rows = sqlx::query(sql).fetch_all(pool).await?;
    let mut out: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.get::<String, _>("t"), r.get::<String, _>("c")))
        .collect();
    out.sort();
    Ok(out)
}

/// Online backup of a SQLite database into a new file (`VACUUM INTO` makes a consistent,
/// compacted copy while readers and writers go on).
pub async fn sqlite_backup(pool: &AnyPool, backend: Backend, out: &str) -> Result<()> {
    if backend != Backend::Sqlite {
        return Err(StoreError::Invalid {
            field: "db",
            message: "sao lưu trực tuyến chỉ dành cho SQLite; với PostgreSQL hãy dùng pg_dump"
                .into(),
        });
    }
    if std::path::Path::new(out).exists() {
        return Err(StoreError::Invalid {
            field: "out",
            message: format!("tệp {out} đã tồn tại; chọn tên khác để không ghi đè"),
        });
    }
    sqlx::query("VACUUM INTO $1")
        .bind(out)
        .execute(pool)
        .await?;
    Ok(())
}

/// Column type of a bulk insert, for the casts PostgreSQL needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Real,
    Text,
}

/// Source of rows for a bulk insert: one bound JSON text (`$1`, an array of row arrays),
/// exposing each row as `j.value`. One parameter per row set avoids sqlx's per-parameter
/// name lookup on SQLite, which is quadratic in the number of `$n` placeholders.
/// SQLite's `jsonb_each` hands each row over as JSONB, so `->>` does not re-parse text.
/// A test that text `haystack` contains the text bound as parameter `needle` (`$n`):
/// `instr` in SQLite, `strpos` in PostgreSQL (neither knows the other's name). Several
/// times faster than `LIKE '%…%'` in SQLite.
pub fn contains(backend: Backend, haystack: &str, needle: &str) -> String {
    match backend {
        Backend::Sqlite => format!("instr({haystack}, {needle}) > 0"),
        Backend::Postgres => format!("strpos({haystack}, {needle}) > 0"),
    }
}

pub fn json_rows_source(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "jsonb_each($1) AS j",
        Backend::Postgres => "jsonb_array_elements($1::jsonb) AS j(value)",
    }
}

/// Element `i` of the current JSON row, as a column of type `t`.
pub fn json_col(backend: Backend, i: usize, t: ColType) -> String {
    match (backend, t) {
        (Backend::Postgres, ColType::Int) => format!("(j.value ->> {i})::bigint"),
        (Backend::Postgres, ColType::Real) => format!("(j.value ->> {i})::double precision"),
        _ => format!("j.value ->> {i}"),
    }
}

/// Make a SQLite connection read the current schema before DDL: a pooled connection
/// whose schema predates a `DROP TRIGGER` on another connection refused to create the
/// trigger again ("already exists") until it read the catalogue. PostgreSQL: nothing.
pub async fn refresh_schema(tx: &mut crate::Tx, backend: Backend) -> Result<()> {
    if backend == Backend::Sqlite {
        sqlx::query("SELECT COUNT(*) FROM sqlite_master")
            .fetch_one(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The DDL of a trigger (to drop it for a bulk load and create it again after), and the
/// statement that drops it.
pub async fn trigger_ddl(
    tx: &mut crate::Tx,
    backend: Backend,
    table: &str,
    name: &str,
) -> Result<Option<(String, String)>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1 AND name = $2"
        }
        Backend::Postgres => {
            "SELECT pg_get_triggerdef(t.oid)::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE c.relname = $1 AND t.tgname = $2 AND pg_table_is_visible(c.oid)"
        }
    };
    let ddl: Option<String> = sqlx::query_scalar(sql)
        .bind(table)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?;
    // Names come from the caller's constants, never from input.
    Ok(ddl.map(|d| {
        let drop = match backend {
            Backend::Sqlite => format!("DROP TRIGGER {name}"),
            Backend::Postgres => format!("DROP TRIGGER {name} ON {table}"),
        };
        (d, drop)
    }))
}

/// Secondary (non-unique, non-primary-key) indexes of `table` as `(name, CREATE INDEX …)`.
pub async fn secondary_indexes(
    tx: &mut crate::Tx,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, String)>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
             AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT i.indexname::text, i.indexdef::text FROM pg_indexes i \
             JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid \
             WHERE i.schemaname = current_schema() AND i.tablename = $1 AND NOT x.indisunique ORDER BY 1"
        }
    };
    let rows = sqlx::query(sql).bind(table).fetch_all(&mut **tx).await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect())
}
