//! Store behaviour on a real database (SQLite by default, PostgreSQL in CI's second run).

use mang_domain::units::UnitPath;
use mang_store::audit::{self, Actor};
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store, StoreError, units};
use sqlx::Row;

async fn fresh() -> (TestDb, Store) {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .expect("open");
    (db, store)
}

/// Both backends must end up with the same tables and columns: each run compares its
/// backend's schema with the one committed list (`schema.txt`), so the SQLite run and the
/// PostgreSQL run together prove the two are the same.
#[tokio::test]
async fn schema_matches_the_committed_list() {
    let (_db, store) = fresh().await;
    let cols = mang_store::dialect::schema_columns(store.pool(), store.backend())
        .await
        .unwrap();
    let actual: String = cols.iter().map(|(t, c)| format!("{t}.{c}\n")).collect();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.txt");
    if std::env::var_os("MANG_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(path).expect("schema.txt (MANG_UPDATE_SCHEMA=1 writes it)");
    assert_eq!(
        actual,
        expected,
        "schema of {:?} differs from schema.txt",
        store.backend()
    );
}

#[tokio::test]
async fn reference_units_are_loaded_once() {
    let (db, store) = fresh().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_units")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 1 + 34 + 3321);
    store.close().await;
    let again = Store::open(&db.location, OpenMode::Existing).await.unwrap();
    let n2: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_units")
        .fetch_one(again.pool())
        .await
        .unwrap();
    assert_eq!(n2, n);
    let hp = units::get(&again, "31").await.unwrap();
    assert_eq!(hp.name, "Thành phố Hải Phòng");
    assert_eq!(units::communes_of(&again, "31").await.unwrap().len(), 114);
}

#[tokio::test]
async fn a_missing_sqlite_file_is_an_error_not_a_new_database() {
    if mang_store::testing::wants_postgres() {
        // The PostgreSQL counterpart: a database that does not exist is refused by the server.
        let db = TestDb::new().await;
        let bad = format!("{}_does_not_exist", db.location);
        assert!(Store::open(&bad, OpenMode::Existing).await.is_err());
        return;
    }
    let path = std::env::temp_dir().join("mang-no-such-dir/typo.db");
    let err = Store::open(path.to_str().unwrap(), OpenMode::Existing)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MissingFile(_)), "{err}");
    assert!(!path.exists());
    assert!(err.to_string().contains("không tìm thấy tệp"));
}

#[tokio::test]
async fn an_uninitialised_database_is_refused_by_serve_mode() {
    let db = TestDb::new().await;
    if !db.is_postgres() {
        std::fs::write(&db.location, b"").unwrap(); // an empty file: a valid, empty SQLite db
    }
    let err = Store::open(&db.location, OpenMode::Existing)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotInitialised { .. }), "{err}");
}

#[tokio::test]
async fn a_downgrade_is_refused() {
    let (db, store) = fresh().await;
    let checksum = match store.backend() {
        mang_store::Backend::Sqlite => "X'00'",
        mang_store::Backend::Postgres => "'\\x00'::bytea",
    };
    let sql = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99999, 'from a newer mang', TRUE, {checksum}, 0)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    let err = Store::open(&db.location, OpenMode::Existing)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Migrate(_)), "{err}");
}

fn commune_path() -> UnitPath {
    UnitPath {
        province: Some("31".into()),
        commune: Some("10507".into()),
        village: None,
    }
}

async fn audit_rows(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// A write that fails part-way leaves neither the change nor its audit entry behind.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_write_leaves_neither_change_nor_audit() {
    let (_db, store) = fresh().await;
    let commune = units::get(&store, "10507").await.unwrap();
    let before = audit_rows(&store).await;
    {
        let mut tx = store.begin_write().await.unwrap();
        let village = units::insert_village(&mut tx, &commune, "Thôn Thử Nghiệm")
            .await
            .unwrap();
        audit::append(
            &mut tx,
            &Actor::system("test"),
            &commune_path(),
            "create",
            "unit",
            &village.code,
            serde_json::json!({}),
        )
        .await
        .unwrap();
        // The next statement of the same write fails (a child pointing at no household).
        let err = sqlx::query(
            "INSERT INTO children (household_id, full_name, name_folded, sex, birth_date, province_code, commune_code, created_at, updated_at) \
             VALUES (424242, 'Lê Văn A', 'le van a', 'male', '2020-01-01', '31', '10507', 'x', 'x')",
        )
        .execute(&mut *tx)
        .await;
        assert!(err.is_err(), "the foreign key must reject the row");
        // The transaction is dropped without commit, as every store function does on `?`.
    }
    assert_eq!(
        audit_rows(&store).await,
        before,
        "no audit row survives a failed write"
    );
    let villages: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM admin_units WHERE parent_code = '10507'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(villages, 0, "no half-applied change");
    assert_eq!(audit::verify(&store).await.unwrap(), Ok(before));
}

#[tokio::test]
async fn the_audit_log_is_append_only_and_tampering_is_detected() {
    let (_db, store) = fresh().await;
    for i in 0..5 {
        let mut tx = store.begin_write().await.unwrap();
        audit::append(
            &mut tx,
            &Actor::system("test"),
            &commune_path(),
            "view",
            "child",
            &i.to_string(),
            serde_json::json!({ "i": i }),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let n = audit_rows(&store).await;
    assert_eq!(audit::verify(&store).await.unwrap(), Ok(n));

    // The application's own connection cannot change history.
    assert!(
        sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
            .execute(store.pool())
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log WHERE seq = 2")
            .execute(store.pool())
            .await
            .is_err()
    );

    // Someone with full database rights removes the guard and edits entry 3.
    let (disable, enable) = match store.backend() {
        mang_store::Backend::Sqlite => ("DROP TRIGGER audit_log_no_update", ""),
        mang_store::Backend::Postgres => (
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update",
        ),
    };
    sqlx::query(disable).execute(store.pool()).await.unwrap();
    sqlx::query("UPDATE audit_log SET entity_id = '999' WHERE seq = 3")
        .execute(store.pool())
        .await
        .unwrap();
    if !enable.is_empty() {
        sqlx::query(enable).execute(store.pool()).await.unwrap();
    }
    let broken = audit::verify(&store).await.unwrap().unwrap_err();
    assert_eq!(
        broken,
        mang_domain::audit::ChainError::HashMismatch { seq: 3 }
    );
    assert!(broken.to_string().contains("số 3"));
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_appends_keep_one_chain() {
    let (_db, store) = fresh().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for j in 0..5 {
                let mut tx = store.begin_write().await.unwrap();
                audit::append(
                    &mut tx,
                    &Actor::system("t"),
                    &commune_path(),
                    "view",
                    "child",
                    &format!("{i}-{j}"),
                    serde_json::json!({}),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = audit_rows(&store).await;
    assert_eq!(n, 40);
    assert_eq!(audit::verify(&store).await.unwrap(), Ok(40));
    let head: i64 = sqlx::query("SELECT last_seq FROM audit_head")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(head, 40);
}
