//! The `mang` binary as operators and CI use it, against a real database (SQLite by
//! default, PostgreSQL when `MANG_TEST_BACKEND=postgres`).

use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn mang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mang"))
        .args(args)
        .env("MANG_TEST_CHEAP_HASH", "1")
        .env_remove("MANG_DB")
        .output()
        .expect("run mang")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn demo_prints_logins_and_is_deterministic_and_idempotent() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let out = mang(&[
        "demo",
        "--db",
        &db.location,
        "--children",
        "3000",
        "--seed",
        "7",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("3.000 trẻ em"), "{t}");
    for user in [
        "admin", "tinh", "xa", "ctv", "yte", "congan", "truong", "lanhdao", "kiemtra",
    ] {
        assert!(
            t.contains(&format!("  {user} ")),
            "login {user} printed: {t}"
        );
    }
    assert!(t.contains("mang-demo-2026"));
    // Running it again adds nothing.
    let again = mang(&[
        "demo",
        "--db",
        &db.location,
        "--children",
        "3000",
        "--seed",
        "7",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("đã đầy đủ"), "{}", text(&again));
    // Different parameters on the same database are refused.
    let other = mang(&[
        "demo",
        "--db",
        &db.location,
        "--children",
        "3000",
        "--seed",
        "8",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(!other.status.success());
    assert!(text(&other).contains("tham số khác"), "{}", text(&other));

    let (names, count) = rt.block_on(async {
        let store = Store::open(&db.location, OpenMode::Existing).await.unwrap();
        let names: Vec<String> =
            sqlx::query_scalar("SELECT full_name FROM children ORDER BY id LIMIT 20")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
            .fetch_one(store.pool())
            .await
            .unwrap();
        (names, count)
    });
    assert_eq!(count, 3000);
    // Same seed on a fresh database: the same children.
    let db2 = rt.block_on(TestDb::new());
    let out2 = mang(&[
        "demo",
        "--db",
        &db2.location,
        "--children",
        "3000",
        "--seed",
        "7",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out2.status.success(), "{}", text(&out2));
    let names2: Vec<String> = rt.block_on(async {
        let store = Store::open(&db2.location, OpenMode::Existing)
            .await
            .unwrap();
        sqlx::query_scalar("SELECT full_name FROM children ORDER BY id LIMIT 20")
            .fetch_all(store.pool())
            .await
            .unwrap()
    });
    assert_eq!(names, names2);
}

/// `mang demo` killed with SIGKILL midway, then run again: the database is consistent
/// (no household without its children, every chunk whole) and the run completes.
#[test]
fn demo_killed_midway_resumes_to_a_consistent_database() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let args = [
        "demo",
        "--db",
        db.location.as_str(),
        "--children",
        "400000",
        "--seed",
        "3",
        "--as-of",
        "2026-06-30",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_mang"))
        .args(args)
        .env("MANG_TEST_CHEAP_HASH", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a few chunks are committed, then kill it without warning.
    let started = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(30));
        // Watch with a plain connection: opening a `Store` would run migrations and rebuild
        // the indexes the running load has deferred.
        let done = rt.block_on(async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let url = mang_store::normalise_location(&db.location);
            let Ok(mut conn) = sqlx::AnyConnection::connect(&url).await else {
                return 0;
            };
            let n: Option<i64> =
                sqlx::query_scalar("SELECT chunks_done FROM demo_runs WHERE id = 1")
                    .fetch_optional(&mut conn)
                    .await
                    .ok()
                    .flatten();
            conn.close().await.ok();
            n.unwrap_or(0)
        });
        if done >= 3 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "demo finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "demo made no progress"
        );
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let check = |expect_complete: bool| {
        rt.block_on(async {
            let store = Store::open(&db.location, OpenMode::Existing).await.unwrap();
            let orphan_households: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM households h WHERE NOT EXISTS (SELECT 1 FROM children c WHERE c.household_id = h.id)",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children").fetch_one(store.pool()).await.unwrap();
            let chunks: i64 = sqlx::query_scalar("SELECT chunks_done FROM demo_runs").fetch_one(store.pool()).await.unwrap();
            let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'demo_chunk'")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(orphan_households, 0, "no half-written households");
            // Indexes the load had deferred are rebuilt as soon as the database is opened.
            let deferred: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deferred_indexes").fetch_one(store.pool()).await.unwrap();
            assert_eq!(deferred, 0);
            let mut tx = store.begin_write().await.unwrap();
            let names: Vec<String> = mang_store::dialect::secondary_indexes(&mut tx, store.backend(), "children")
                .await
                .unwrap()
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            drop(tx);
            for want in ["children_commune_name", "children_personal_id", "children_path", "children_household"] {
                assert!(names.iter().any(|n| n == want), "{want} present: {names:?}");
            }
            assert_eq!(audited, chunks, "one audit entry per committed chunk");
            assert!(mang_store::audit::verify(&store).await.unwrap().is_ok());
            if expect_complete {
                assert_eq!(children, 400_000);
            } else {
                assert!(children > 0 && children < 400_000, "killed midway: {children}");
            }
            store.close().await;
        })
    };
    check(false);
    let out = mang(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("tiếp tục từ phần"), "{}", text(&out));
    check(true);
}

#[test]
fn audit_verify_passes_then_names_the_edited_entry() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    assert!(
        mang(&[
            "demo",
            "--db",
            &db.location,
            "--children",
            "500",
            "--seed",
            "1"
        ])
        .status
        .success()
    );
    let ok = mang(&["audit", "verify", "--db", &db.location]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("toàn vẹn"));
    rt.block_on(async {
        let store = Store::open(&db.location, OpenMode::Existing).await.unwrap();
        let disable = match store.backend() {
            mang_store::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
            mang_store::Backend::Postgres => {
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"
            }
        };
        sqlx::query(disable).execute(store.pool()).await.unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'kẻ-giả-mạo' WHERE seq = 2")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    });
    let bad = mang(&["audit", "verify", "--db", &db.location]);
    assert!(!bad.status.success());
    let t = text(&bad);
    assert!(t.contains("số 2"), "names the broken entry: {t}");
}

#[test]
fn users_add_and_serve_refuse_bad_input_clearly() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    assert!(mang(&["migrate", "--db", &db.location]).status.success());
    let ok = mang(&[
        "users",
        "add",
        "--db",
        &db.location,
        "--username",
        "cb.thuy",
        "--password",
        "mat-khau-dai",
        "--role",
        "commune_officer",
        "--unit",
        "10507",
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    let dup = mang(&[
        "users",
        "add",
        "--db",
        &db.location,
        "--username",
        "cb.thuy",
        "--password",
        "mat-khau-dai",
        "--role",
        "commune_officer",
        "--unit",
        "10507",
    ]);
    assert!(!dup.status.success());
    assert!(text(&dup).contains("đã có người dùng"), "{}", text(&dup));
    let role = mang(&[
        "users",
        "add",
        "--db",
        &db.location,
        "--username",
        "x1",
        "--password",
        "mat-khau-dai",
        "--role",
        "root",
        "--unit",
        "10507",
    ]);
    assert!(
        text(&role).contains("vai trò không hợp lệ"),
        "{}",
        text(&role)
    );
    let unit = mang(&[
        "users",
        "add",
        "--db",
        &db.location,
        "--username",
        "x1",
        "--password",
        "mat-khau-dai",
        "--role",
        "commune_officer",
        "--unit",
        "99999",
    ]);
    assert!(text(&unit).contains("99999"), "{}", text(&unit));
    if !db.is_postgres() {
        let missing = format!("{}.typo", db.location);
        let serve = mang(&["serve", "--db", &missing, "--addr", "127.0.0.1:0"]);
        assert!(!serve.status.success());
        assert!(
            text(&serve).contains("không tìm thấy tệp"),
            "{}",
            text(&serve)
        );
        assert!(
            !std::path::Path::new(&missing).exists(),
            "serve must not create a database"
        );
    }
}

#[test]
fn backup_and_restore_round_trip_on_sqlite() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    if db.is_postgres() {
        // Backup/restore is the SQLite online backup; on PostgreSQL it says to use pg_dump.
        assert!(mang(&["migrate", "--db", &db.location]).status.success());
        let out = mang(&["backup", "--db", &db.location, "--out", "/tmp/never.db"]);
        assert!(!out.status.success());
        assert!(text(&out).contains("pg_dump"));
        return;
    }
    assert!(
        mang(&[
            "demo",
            "--db",
            &db.location,
            "--children",
            "800",
            "--seed",
            "2"
        ])
        .status
        .success()
    );
    let backup = format!("{}.backup", db.location);
    let out = mang(&["backup", "--db", &db.location, "--out", &backup]);
    assert!(out.status.success(), "{}", text(&out));
    let target = format!("{}.restored", db.location);
    let out = mang(&["restore", "--db", &target, "--from", &backup]);
    assert!(out.status.success(), "{}", text(&out));
    let out = mang(&["audit", "verify", "--db", &target]);
    assert!(out.status.success(), "{}", text(&out));
    let n: i64 = rt.block_on(async {
        let s = Store::open(&target, OpenMode::Existing).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM children")
            .fetch_one(s.pool())
            .await
            .unwrap()
    });
    assert_eq!(n, 800);
    let again = mang(&["restore", "--db", &target, "--from", &backup]);
    assert!(
        !again.status.success(),
        "refuses to overwrite without --force"
    );
    for f in [backup, target] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn the_committed_openapi_document_is_fresh() {
    let out = mang(&["export-openapi"]);
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
    if std::env::var_os("MANG_UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).expect("openapi.json at the repository root");
    assert!(
        committed == generated,
        "openapi.json is stale: run `MANG_UPDATE_OPENAPI=1 cargo test -p mang --test cli the_committed_openapi` and commit it"
    );
}

/// `mang demo --health`: health data for the children under five, with a realistic share
/// of stunting (by the WHO z-scores of the weighings) and of missed doses; a second run
/// adds nothing.
#[test]
fn demo_health_data_is_realistic_and_written_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let args = [
        "demo",
        "--db",
        &db.location,
        "--children",
        "4000",
        "--seed",
        "11",
        "--as-of",
        "2026-07-01",
        "--health",
    ];
    let out = mang(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Dữ liệu y tế mẫu"), "{}", text(&out));
    let as_of = time::macros::date!(2026 - 07 - 01);
    rt.block_on(async {
        let store = Store::open(&db.location, OpenMode::Existing).await.unwrap();
        let count = |t: &'static str| {
            let store = &store;
            async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM {t}"
                )))
                .fetch_one(store.pool())
                .await
                .unwrap()
            }
        };
        let (births, doses, weighings) = (
            count("child_births").await,
            count("child_doses").await,
            count("child_measurements").await,
        );
        assert!(
            births > 0 && doses > 0 && weighings > 0,
            "{births} {doses} {weighings}"
        );
        // Stunting share of the latest weighing per child, by the WHO tables.
        type Weighing = (String, String, String, Option<f64>, Option<f64>, String);
        let rows: Vec<Weighing> = sqlx::query_as(
            "SELECT c.sex, c.birth_date, m.measured_on, m.weight_kg, m.lenhei_cm, m.measure \
             FROM child_measurements m JOIN children c ON c.id = m.child_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let (mut stunted, mut assessed) = (0, 0);
        for (sex, birth, on, w, l, measure) in rows {
            let sex = if sex == "female" {
                mang_domain::anthro::Sex::Female
            } else {
                mang_domain::anthro::Sex::Male
            };
            let birth = mang_domain::registry::parse_date(&birth).unwrap();
            let m = mang_domain::growth::GrowthMeasurement {
                date: mang_domain::registry::parse_date(&on).unwrap(),
                weight_kg: w,
                lenhei_cm: l,
                measure: mang_domain::anthro::Measure::parse(&measure).unwrap(),
                oedema: false,
                muac_cm: None,
                headc_cm: None,
            };
            let a = mang_domain::growth::assess(sex, birth, &m);
            if let Some(s) = a.nutrition.stunting {
                assessed += 1;
                if s.present() {
                    stunted += 1;
                }
            }
        }
        let share = stunted as f64 / assessed.max(1) as f64;
        assert!(
            (0.10..0.35).contains(&share),
            "stunting share {share:.3} of {assessed}"
        );
        // Some doses are overdue (missed or late), most are not.
        let kids: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, birth_date FROM children WHERE birth_date > '2024-07-01'")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let (mut overdue, mut total) = (0, 0);
        for (id, birth) in kids {
            let given: Vec<mang_domain::immunization::Given> =
                sqlx::query_as::<_, (String, i64, String)>(
                    "SELECT antigen, dose, given_on FROM child_doses WHERE child_id = $1",
                )
                .bind(id)
                .fetch_all(store.pool())
                .await
                .unwrap()
                .into_iter()
                .map(|(a, d, g)| mang_domain::immunization::Given {
                    antigen: a,
                    dose: d as u8,
                    date: mang_domain::registry::parse_date(&g).unwrap(),
                })
                .collect();
            for s in mang_domain::immunization::status(
                mang_domain::registry::parse_date(&birth).unwrap(),
                &given,
                as_of,
            ) {
                total += 1;
                if s.state == mang_domain::immunization::DoseState::Overdue {
                    overdue += 1;
                }
            }
        }
        let share = overdue as f64 / total.max(1) as f64;
        assert!(
            (0.01..0.25).contains(&share),
            "overdue share {share:.3} of {total}"
        );
        // `mang tallies check`: the demo's tallies agree with its records; a rebuild keeps
        // them so.
        for args in [
            &["tallies", "check", "--db", &db.location, "--province", "31"][..],
            &["tallies", "rebuild", "--db", &db.location][..],
            &["tallies", "check", "--db", &db.location, "--province", "31"][..],
        ] {
            let out = mang(args);
            assert!(out.status.success(), "{args:?}: {}", text(&out));
        }
        let out = mang(&["tallies", "check", "--db", &db.location, "--province", "31"]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("khớp với hồ sơ"),
            "{}",
            text(&out)
        );
        // `mang indicators`: one CSV row per catalogue indicator, the same figures as JSON.
        let csv = mang(&[
            "indicators",
            "--db",
            &db.location,
            "--unit",
            "31",
            "--period",
            "2026",
        ]);
        assert!(csv.status.success(), "{}", text(&csv));
        let csv = String::from_utf8_lossy(&csv.stdout).to_string();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "indicator_id,unit_code,period,numerator,denominator,value,target,status"
        );
        assert_eq!(lines.len(), 61, "{csv}");
        let stunting = lines
            .iter()
            .find(|l| l.starts_with("stunting_under5_pct,31,2026,"))
            .unwrap();
        assert!(
            stunting.ends_with(",< 15%,not_met") || stunting.ends_with(",< 15%,met"),
            "{stunting}"
        );
        let json = mang(&[
            "indicators",
            "--db",
            &db.location,
            "--unit",
            "31",
            "--period",
            "2026",
            "--format",
            "json",
        ]);
        let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let s = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator_id"] == "stunting_under5_pct")
            .unwrap();
        let fields: Vec<&str> = stunting.split(',').collect();
        assert_eq!(s["numerator"].as_f64().unwrap().to_string(), fields[3]);
        assert_eq!(s["denominator"].as_f64().unwrap().to_string(), fields[4]);
        let bad = mang(&[
            "indicators",
            "--db",
            &db.location,
            "--unit",
            "31",
            "--period",
            "2026H1",
        ]);
        assert!(!bad.status.success());
        assert!(text(&bad).contains("kỳ không hợp lệ"), "{}", text(&bad));
        let before = doses;
        store.close().await;
        let again = mang(&args);
        assert!(again.status.success(), "{}", text(&again));
        let store = Store::open(&db.location, OpenMode::Existing).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_doses")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, before, "written once");
    });
}
