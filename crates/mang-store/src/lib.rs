//! Măng storage: one set of queries that runs on SQLite (embedded default, WAL) and on
//! PostgreSQL, through sqlx's `Any` driver with `$1` placeholders. Dialect differences
//! (connection set-up, write-transaction start, migrations folder, schema introspection,
//! backup) live in [`dialect`] and nowhere else.

pub mod activities;
pub mod aggregates;
pub mod audit;
pub mod benefits;
pub mod births;
pub mod cases;
pub mod checks;
pub mod child_friendly;
pub mod circumstances;
pub mod deaths;
pub mod demo;
pub mod demo_cases;
pub mod demo_health;
pub mod demo_plans;
pub mod demo_sites;
pub mod dialect;
mod error;
pub mod facilities;
pub mod growth;
pub mod households;
pub mod immunization;
pub mod import;
mod import_links;
pub mod indicators;
pub mod injuries;
pub mod life;
pub mod merge;
pub mod password;
pub mod plans;
pub mod register_exchange;
pub mod registry;
pub mod report_docs;
pub mod reports;
pub mod scorecard;
pub mod sites;
mod sql;
pub mod tally;
pub mod testing;
pub mod units;
pub mod users;

pub use dialect::Backend;
pub use error::StoreError;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, Transaction};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
pub type Tx = Transaction<'static, Any>;

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The database must exist and carry Măng's schema (`serve`, `users`, `audit`…): a
    /// mistyped path or URL is an error, never a new empty database.
    Existing,
    /// Create the SQLite file if missing and apply migrations (`demo`, `migrate`).
    CreateOrMigrate,
}

/// The one handle on the database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

/// A database location given on the command line: a SQLite file path or a URL.
pub fn normalise_location(location: &str) -> String {
    if location.starts_with("postgres://")
        || location.starts_with("postgresql://")
        || location.starts_with("sqlite:")
    {
        location.to_owned()
    } else {
        format!("sqlite://{location}")
    }
}

impl Store {
    pub async fn open(location: &str, mode: OpenMode) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let url = normalise_location(location);
        let backend = Backend::of_url(&url);
        let connect_url = dialect::prepare(&url, backend, mode)?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _meta| Box::pin(dialect::after_connect(conn, backend)))
            .connect(&connect_url)
            .await
            .map_err(|e| StoreError::Open {
                location: redact(&url),
                source: e,
            })?;
        let store = Store { pool, backend, url };
        match mode {
            OpenMode::CreateOrMigrate => store.migrate().await?,
            OpenMode::Existing => {
                if !dialect::is_initialised(&store.pool, store.backend).await? {
                    return Err(StoreError::NotInitialised {
                        location: redact(&store.url),
                    });
                }
                store.migrate().await?;
            }
        }
        Ok(store)
    }

    /// Apply the embedded migrations (each in its own transaction; a database that has a
    /// migration this binary does not know — a downgrade — is refused), then load the
    /// reference administrative units if the table is empty.
    pub async fn migrate(&self) -> Result<()> {
        let before: i64 = if dialect::is_initialised(&self.pool, self.backend).await? {
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                .fetch_one(&self.pool)
                .await?
        } else {
            0
        };
        dialect::migrator(self.backend).run(&self.pool).await?;
        units::ensure_reference_units(self).await?;
        // Rows from before migration 0002 have no register key; every later write sets it,
        // so the (full-scan) backfill runs only when that migration was applied just now.
        if before < 2 {
            registry::backfill_name_keys(self).await?;
        }
        // The shipped public holidays, once, when the table is created (admins edit them).
        if before < 13 {
            cases::seed_holidays(self).await?;
        }
        restore_deferred_indexes(self).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Location for messages, with any password removed.
    pub fn location(&self) -> String {
        redact(&self.url)
    }

    /// A read-write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`) so that a read followed by a write never fails with SQLITE_BUSY.
    pub async fn begin_write(&self) -> Result<Tx> {
        Ok(self
            .pool
            .begin_with(dialect::begin_write(self.backend))
            .await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Remove the password from a database URL before it appears in any message.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
    {
        let user = creds.split(':').next().unwrap_or("");
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

/// Current time as stored: RFC 3339 UTC with seconds.
pub fn now_text() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Drop the named secondary indexes of `table`, keeping their DDL (read from the catalog)
/// in `deferred_indexes` in the same transaction, for a bulk load.
/// [`restore_deferred_indexes`] builds them again.
pub async fn defer_indexes(store: &Store, table: &str, names: &[&str]) -> Result<usize> {
    let mut tx = store.begin_write().await?;
    dialect::refresh_schema(&mut tx, store.backend).await?;
    let defs: Vec<(String, String)> = dialect::secondary_indexes(&mut tx, store.backend, table)
        .await?
        .into_iter()
        .filter(|(n, _)| names.contains(&n.as_str()))
        .collect();
    for (name, ddl) in &defs {
        sqlx::query("INSERT INTO deferred_indexes (name, ddl) VALUES ($1, $2)")
            .bind(name)
            .bind(ddl)
            .execute(&mut *tx)
            .await?;
        // Index names come from the catalog, never from input.
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .persistent(false)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(defs.len())
}

/// Drop triggers of `table` for a bulk load that does their work itself, keeping their DDL
/// in `deferred_indexes` so that [`restore_deferred_indexes`] creates them again (also
/// after a load was killed midway: the next open does it).
pub async fn defer_triggers(store: &Store, table: &str, names: &[&str]) -> Result<usize> {
    let mut tx = store.begin_write().await?;
    dialect::refresh_schema(&mut tx, store.backend).await?;
    let mut n = 0;
    for name in names {
        if let Some((ddl, drop)) = dialect::trigger_ddl(&mut tx, store.backend, table, name).await?
        {
            sqlx::query("INSERT INTO deferred_indexes (name, ddl) VALUES ($1, $2)")
                .bind(*name)
                .bind(ddl)
                .execute(&mut *tx)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .persistent(false)
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}

/// Build every index a bulk load deferred (also after a load was killed midway), and
/// create again the triggers it dropped.
pub async fn restore_deferred_indexes(store: &Store) -> Result<usize> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT name, ddl FROM deferred_indexes ORDER BY name")
            .fetch_all(store.pool())
            .await?;
    for (name, ddl) in &rows {
        let mut tx = store.begin_write().await?;
        dialect::refresh_schema(&mut tx, store.backend).await?;
        sqlx::query(sqlx::AssertSqlSafe(ddl.clone()))
            .persistent(false)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM deferred_indexes WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
        assert_eq!(normalise_location("mang.db"), "sqlite://mang.db");
    }
}
