//! `mang`: the one binary. Operational subcommands (serve, demo, users, audit, backup,
//! restore, migrate, export-openapi) that tests and CI use themselves.

mod anthro_cmd;
mod bench;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use mang_domain::access::Role;
use mang_domain::units::UnitCode;
use mang_store::{OpenMode, Store, demo, users};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "mang",
    version,
    about = "Măng — hệ thống thông tin chăm sóc, bảo vệ trẻ em"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Clone)]
struct DbArg {
    /// SQLite file or postgres:// URL
    #[arg(long, env = "MANG_DB")]
    db: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the web server.
    Serve {
        /// SQLite file or postgres:// URL (default mang-demo.db with --demo)
        #[arg(long, env = "MANG_DB")]
        db: Option<String>,
        /// Address to listen on (port 0 picks a free port)
        #[arg(long, env = "MANG_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Create and seed the SQLite file with demo data if it does not exist
        #[arg(long)]
        demo: bool,
    },
    /// Create (or resume) a synthetic demo province.
    Demo {
        #[command(flatten)]
        db: DbArg,
        /// Province code (default 31, Hải Phòng)
        #[arg(long, default_value = "31")]
        province: String,
        /// Number of children aged 0–15
        #[arg(long, default_value_t = 50_000)]
        children: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Reference date for ages (YYYY-MM-DD); default today
        #[arg(long)]
        as_of: Option<String>,
        /// Also health data for the children under five (births, doses, weighings,
        /// injuries, check-ups); `serve --demo` always adds it
        #[arg(long)]
        health: bool,
    },
    /// Create the database (if SQLite), apply migrations and load the example plans.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Online backup of a SQLite database to a new file.
    Backup {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        out: String,
    },
    /// Restore a SQLite database from a backup file (the target must not be in use).
    Restore {
        #[command(flatten)]
        db: DbArg,
        /// The backup file
        #[arg(long = "from")]
        from: String,
        /// Replace an existing target file
        #[arg(long)]
        force: bool,
    },
    /// Import the registry from .xlsx (sheets "Hộ gia đình" and "Trẻ em") or CSV.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export the registry of a unit to .xlsx or .csv.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Write the registry import template (.xlsx with drop-down lists).
    Template {
        #[arg(long)]
        out: String,
    },
    /// Print the OpenAPI document of the JSON API.
    ExportOpenapi,
    /// Indicators of a unit and period, one row per indicator of the catalogue:
    /// `indicator_id, unit_code, period, numerator, denominator, value, target, status`.
    Indicators {
        #[command(flatten)]
        db: DbArg,
        /// Unit code: `VN`, a province (`31`) or a commune (`10507`)
        #[arg(long)]
        unit: String,
        /// Period as DHIS2 writes it: `2026`, `2026S1`, `2026S2`, `2026Q1`, `202603`
        #[arg(long)]
        period: String,
        /// `csv` (default) or `json`
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// A unit's periodic report (6-month `2026S1`, annual `2026`) as the official .docx
    /// (Decree 30/2020) or its .xlsx appendix: the current version (frozen figures once
    /// submitted), or a preview with today's figures if the unit has not started it.
    Report {
        #[command(flatten)]
        db: DbArg,
        /// Unit code: a province (`31`) or a commune (`10507`)
        #[arg(long)]
        unit: String,
        /// `2026S1` (6-month report) or `2026` (annual report)
        #[arg(long)]
        period: String,
        /// `docx` or `xlsx`
        #[arg(long)]
        format: String,
        /// The file to write
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Child-protection cases: the daily summary of cases near or past a deadline.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Indicator tallies (docs/indicator-tallies.md): check them against the records, or
    /// count them again.
    Tallies {
        #[command(subcommand)]
        command: TalliesCommand,
    },
    /// Benchmarks of BENCHMARKS.md run against a demo database.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// WHO z-scores for a survey CSV (WHO anthro's columns and conventions).
    Anthro(anthro_cmd::AnthroArgs),
    /// Check that the server answers /healthz.
    Healthcheck {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Child list and name search timings (p50/p95) on a sample of the database's children.
    Search {
        #[command(flatten)]
        db: DbArg,
        /// How many children to sample (each gives one request of every kind)
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// The commune vaccination-day list (month), timed for the first N communes.
    Due {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value_t = 30)]
        communes: usize,
    },
    /// The full indicator scorecard of a province (every indicator × every commune):
    /// the first computation (cold), then cached reads (warm), and after one write.
    Indicators {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value = "31")]
        province: String,
        #[arg(long, default_value = "2026")]
        period: String,
        /// Warm reads to time
        #[arg(long, default_value_t = 20)]
        samples: usize,
    },
}

#[derive(Subcommand, Debug)]
enum UsersCommand {
    /// Add a user.
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
        #[arg(long, env = "MANG_PASSWORD")]
        password: String,
        /// admin, province_officer, commune_officer, collaborator, health_worker, police, school, leader, auditor
        #[arg(long)]
        role: String,
        /// Administrative unit code (VN, province, commune or village)
        #[arg(long)]
        unit: String,
        #[arg(long, default_value = "")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Children (and their households): an .xlsx with both sheets, or a children CSV whose
    /// household codes already exist.
    Children {
        #[command(flatten)]
        db: DbArg,
        file: String,
        /// Where to write the error report (.xlsx); default FILE-loi.xlsx beside the input
        #[arg(long)]
        errors: Option<String>,
    },
    /// Households from a CSV (or the "Hộ gia đình" sheet of an .xlsx).
    Households {
        #[command(flatten)]
        db: DbArg,
        file: String,
        #[arg(long)]
        errors: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// Households and children of a unit (.xlsx: two sheets; .csv: the children).
    Children {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        out: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Verify the hash chain; exits non-zero naming the first broken entry.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
}

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MANG_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(cli))
}

/// Today in Vietnam (the demo's reference date by default).
fn today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date()
}

fn parse_date(s: &str) -> Result<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).with_context(|| format!("ngày không hợp lệ «{s}» (dạng YYYY-MM-DD)"))
}

#[derive(Subcommand, Debug)]
enum TalliesCommand {
    /// Recount a province's tallies from the records and the stored facts; list what
    /// differs (exit status 1 if anything does).
    Check {
        #[command(flatten)]
        db: DbArg,
        /// Province code
        #[arg(long)]
        province: String,
    },
    /// Throw the tallies away and count them again from the records.
    Rebuild {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand, Debug)]
enum CasesCommand {
    /// Open cases near or past their deadline, by commune (case codes only, no personal
    /// data): for the daily e-mail or a cron job.
    Due {
        #[command(flatten)]
        db: DbArg,
        /// Only this province
        #[arg(long)]
        province: Option<String>,
        /// The moment to evaluate, `dd/mm/yyyy hh:mm` Vietnam time (default: now)
        #[arg(long)]
        at: Option<String>,
    },
}

async fn report_cmd(
    db: &str,
    unit: &str,
    period: &str,
    format: &str,
    out: &std::path::Path,
) -> Result<()> {
    if !matches!(format, "docx" | "xlsx") {
        bail!("định dạng không hợp lệ «{format}»: dùng docx hoặc xlsx");
    }
    let store = Store::open(db, OpenMode::Existing).await?;
    let u = mang_store::units::get(&store, unit)
        .await
        .with_context(|| format!("không có đơn vị mã «{unit}»"))?;
    let s = mang_store::reports::schedule_for_period(&store, &u, period)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "{e}. Các kế hoạch mẫu (data/plans) được nạp bằng `mang migrate` hoặc `mang demo`."
            )
        })?;
    let cache = mang_store::indicators::Cache::default();
    let (meta, content) = mang_store::reports::parts_for_unit(
        &store,
        &cache,
        &u,
        &s,
        time::OffsetDateTime::now_utc(),
    )
    .await?;
    store.close().await;
    let bytes = match format {
        "docx" => mang_docs::official::to_docx(&mang_store::report_docs::report_document(
            &meta, &content,
        ))?,
        _ => mang_docs::appendix::to_xlsx(&mang_store::report_docs::report_appendix(
            &meta, &content,
        ))?,
    };
    std::fs::write(out, &bytes).with_context(|| format!("không ghi được tệp {}", out.display()))?;
    println!(
        "Đã ghi {} ({} byte): {} ({}) — {}, {}.",
        out.display(),
        mang_domain::vi::number(bytes.len() as i64),
        s.title,
        s.plan_code,
        u.name,
        meta.state
    );
    Ok(())
}

async fn indicators_cmd(db: &str, unit: &str, period: &str, format: &str) -> Result<()> {
    let period = mang_domain::targets::Period::parse(period).with_context(|| {
        format!("kỳ không hợp lệ «{period}» (ví dụ 2026, 2026S1, 2026Q1, 202603)")
    })?;
    if !matches!(format, "csv" | "json") {
        bail!("định dạng không hợp lệ «{format}»: dùng csv hoặc json");
    }
    let store = Store::open(db, OpenMode::Existing).await?;
    let u = mang_store::units::get(&store, unit)
        .await
        .with_context(|| format!("không có đơn vị mã «{unit}»"))?;
    let cache = mang_store::indicators::Cache::default();
    let b =
        mang_store::scorecard::board(&store, &cache, &u, &period, time::OffsetDateTime::now_utc())
            .await?;
    store.close().await;
    let rows: Vec<serde_json::Value> = b
        .figures
        .iter()
        .map(|f| {
            serde_json::json!({
                "indicator_id": f.indicator_id,
                "unit_code": b.unit_code,
                "period": b.period,
                "numerator": f.numerator,
                "denominator": f.denominator,
                "value": f.value.map(|v| (v * 1e6).round() / 1e6),
                "target": f.target_text,
                "status": f.status,
            })
        })
        .collect();
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record([
        "indicator_id",
        "unit_code",
        "period",
        "numerator",
        "denominator",
        "value",
        "target",
        "status",
    ])?;
    let num = |v: &serde_json::Value| match v.as_f64() {
        Some(x) => format!("{x}"),
        None => String::new(),
    };
    for r in &rows {
        w.write_record([
            r["indicator_id"].as_str().unwrap_or_default().to_owned(),
            r["unit_code"].as_str().unwrap_or_default().to_owned(),
            r["period"].as_str().unwrap_or_default().to_owned(),
            num(&r["numerator"]),
            num(&r["denominator"]),
            num(&r["value"]),
            r["target"].as_str().unwrap_or_default().to_owned(),
            r["status"].as_str().unwrap_or_default().to_owned(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

async fn cases_due(db: &str, province: Option<&str>, at: Option<&str>) -> Result<()> {
    let now = match at {
        Some(s) => mang_domain::cases::parse_local_time(s)
            .with_context(|| format!("thời điểm không hợp lệ «{s}» (dạng dd/mm/yyyy hh:mm)"))?,
        None => time::OffsetDateTime::now_utc(),
    };
    let store = Store::open(db, OpenMode::Existing).await?;
    let lines = mang_store::cases::daily_summary(&store, province, now).await?;
    let local = now.to_offset(mang_domain::cases::VN);
    println!(
        "Ca bảo vệ trẻ em sắp đến hạn hoặc quá hạn lúc {} {:02}:{:02}: {} ca",
        mang_domain::vi::date(local.date()),
        local.hour(),
        local.minute(),
        lines.len()
    );
    let mut commune = String::new();
    for l in &lines {
        if l.commune_code != commune {
            commune = l.commune_code.clone();
            println!("{} ({})", l.commune_name, l.commune_code);
        }
        println!(
            "  {:<16} {:<14} {} — hạn {} ({}) — {}",
            l.code, l.urgency, l.deadline, l.due, l.time_left, l.stage
        );
    }
    store.close().await;
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { db, addr, demo } => {
            let db = match (db, demo) {
                (Some(db), _) => db,
                (None, true) => "mang-demo.db".to_owned(),
                (None, false) => bail!("cần --db (tệp SQLite hoặc URL postgres://), hoặc --demo"),
            };
            let is_sqlite = !db.starts_with("postgres");
            let mut created = false;
            if demo && is_sqlite && !std::path::Path::new(&db).exists() {
                println!("Đang tạo dữ liệu mẫu trong {db} …");
                run_demo(&db, "31", 50_000, 2026, today(), true).await?;
                created = true;
            }
            let store = Store::open(&db, OpenMode::Existing).await?;
            if demo && !created {
                print_demo_logins(&store).await?;
            }
            // An upgrade may have queued every child's indicator facts: compute them here,
            // with progress, rather than in the first request that reads a dashboard.
            settle_tallies(&store).await?;
            mang_web::serve(store, &addr)
                .await
                .with_context(|| format!("không mở được cổng {addr}"))
        }
        Command::Demo {
            db,
            province,
            children,
            seed,
            as_of,
            health,
        } => {
            let as_of = match as_of {
                Some(s) => parse_date(&s)?,
                None => today(),
            };
            run_demo(&db.db, &province, children, seed, as_of, health).await
        }
        Command::Migrate { db } => {
            let store = Store::open(&db.db, OpenMode::CreateOrMigrate).await?;
            println!("Đã áp dụng lược đồ cho {}", store.location());
            // The shipped example plans (data/plans) with their reporting regimes.
            let n = mang_store::plans::seed_examples(&store).await?;
            if n > 0 {
                println!("Đã nạp {n} kế hoạch mẫu (data/plans) cùng chế độ báo cáo.");
            }
            settle_tallies(&store).await
        }
        Command::Users {
            command:
                UsersCommand::Add {
                    db,
                    username,
                    password,
                    role,
                    unit,
                    name,
                },
        } => {
            let store = Store::open(&db.db, OpenMode::Existing).await?;
            let role =
                Role::parse(&role).with_context(|| format!("vai trò không hợp lệ «{role}»"))?;
            let unit = UnitCode::parse(&unit)?;
            let user = users::create(
                &store,
                None,
                users::NewUser {
                    username,
                    display_name: name,
                    password,
                    role,
                    unit,
                },
            )
            .await?;
            println!(
                "Đã tạo người dùng {} ({}, {})",
                user.username,
                role.label_vi(),
                user.unit_name
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let store = Store::open(&db.db, OpenMode::Existing).await?;
            match mang_store::audit::verify(&store).await? {
                Ok(n) => {
                    println!("Nhật ký truy cập toàn vẹn: {n} mục, chuỗi băm khớp.");
                    Ok(())
                }
                Err(e) => bail!("NHẬT KÝ BỊ THAY ĐỔI: {e}"),
            }
        }
        Command::Backup { db, out } => {
            let store = Store::open(&db.db, OpenMode::Existing).await?;
            mang_store::dialect::sqlite_backup(store.pool(), store.backend(), &out).await?;
            println!("Đã sao lưu {} vào {out}", store.location());
            Ok(())
        }
        Command::Restore { db, from, force } => restore(&db.db, &from, force).await,
        Command::Import { command } => {
            let (db, file, errors) = match command {
                ImportCommand::Children { db, file, errors }
                | ImportCommand::Households { db, file, errors } => (db, file, errors),
            };
            import(&db.db, &file, errors).await
        }
        Command::Export {
            command: ExportCommand::Children { db, unit, out },
        } => {
            let store = Store::open(&db.db, OpenMode::Existing).await?;
            let sheets = mang_store::import::export_registry(&store, None, &unit).await?;
            let bytes = mang_store::import::export_file(
                &sheets,
                out.to_ascii_lowercase().ends_with(".csv"),
            )?;
            std::fs::write(&out, bytes).with_context(|| format!("không ghi được {out}"))?;
            println!(
                "Đã xuất {} hộ, {} trẻ em của đơn vị {unit} vào {out}",
                sheets[0].rows.len(),
                sheets[1].rows.len()
            );
            Ok(())
        }
        Command::Template { out } => {
            std::fs::write(
                &out,
                mang_docs::write_xlsx(&mang_store::import::template_sheets())?,
            )
            .with_context(|| format!("không ghi được {out}"))?;
            println!("Đã ghi mẫu nhập liệu vào {out}");
            Ok(())
        }
        Command::ExportOpenapi => {
            println!("{}", mang_web::openapi_json());
            Ok(())
        }
        Command::Healthcheck { addr } => healthcheck(&addr).await,
        Command::Anthro(args) => anthro_cmd::run(args),
        Command::Report {
            db,
            unit,
            period,
            format,
            out,
        } => report_cmd(&db.db, &unit, &period, &format, &out).await,
        Command::Indicators {
            db,
            unit,
            period,
            format,
        } => indicators_cmd(&db.db, &unit, &period, &format).await,
        Command::Tallies {
            command: TalliesCommand::Check { db, province },
        } => {
            let store = Store::open(&db.db, OpenMode::Existing).await?;
            let wrong = mang_store::tally::discrepancies(&store, &province).await?;
            if wrong.is_empty() {
                println!("Số liệu chỉ tiêu của tỉnh {province} khớp với hồ sơ.");
                Ok(())
            } else {
                for line in wrong.iter().take(50) {
                    println!("{line}");
                }
                anyhow::bail!(
                    "{} dòng số liệu chỉ tiêu không khớp với hồ sơ (chạy `mang tallies rebuild`)",
                    wrong.len()
                )
            }
        }
        Command::Tallies {
            command: TalliesCommand::Rebuild { db },
        } => {
            let store = Store::open(&db.db, OpenMode::Existing).await?;
            mang_store::tally::reset(&store).await?;
            println!("Đã xoá số liệu chỉ tiêu cũ và đếm lại trẻ em theo xã, tháng sinh.");
            settle_tallies(&store).await
        }
        Command::Cases {
            command: CasesCommand::Due { db, province, at },
        } => cases_due(&db.db, province.as_deref(), at.as_deref()).await,
        Command::Bench {
            command: BenchCommand::Search { db, samples },
        } => bench::search(&db.db, samples).await,
        Command::Bench {
            command: BenchCommand::Due { db, communes },
        } => bench::due(&db.db, communes).await,
        Command::Bench {
            command:
                BenchCommand::Indicators {
                    db,
                    province,
                    period,
                    samples,
                },
        } => bench::indicators(&db.db, &province, &period, samples).await,
    }
}

/// Seconds with one decimal and a decimal comma (`14,3`).
fn seconds_vi(secs: f64) -> String {
    format!("{secs:.1}").replace('.', ",")
}

/// Compute the indicator facts of every child whose records changed (mang_store::tally):
/// after a migration that queued a whole database, or a bulk load. Pages would do it on
/// their first read; here it shows progress.
async fn settle_tallies(store: &Store) -> Result<()> {
    let pending = mang_store::tally::pending(store).await?;
    if pending == 0 {
        return Ok(());
    }
    let started = Instant::now();
    let bar = ProgressBar::new(pending as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} trẻ: tính số liệu chỉ tiêu ({per_sec}, còn {eta})",
        )
        .expect("valid template"),
    );
    let n = mang_store::tally::settle_with(store, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "Đã tính số liệu chỉ tiêu của {} trẻ có hồ sơ thay đổi ({} giây).",
        mang_domain::vi::number(n as i64),
        seconds_vi(started.elapsed().as_secs_f64())
    );
    Ok(())
}

async fn run_demo(
    db: &str,
    province: &str,
    children: u64,
    seed: u64,
    as_of: time::Date,
    health: bool,
) -> Result<()> {
    let store = Store::open(db, OpenMode::CreateOrMigrate).await?;
    let bar = ProgressBar::new(children);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} trẻ em ({per_sec}, còn {eta})",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let params = demo::DemoParams {
        province: province.to_owned(),
        children,
        seed,
        as_of,
    };
    let outcome = demo::run(&store, &params, |done, _| bar.set_position(done)).await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if outcome.already_complete {
        println!(
            "Dữ liệu mẫu đã đầy đủ trong {} (không ghi thêm).",
            store.location()
        );
    } else {
        let resumed = if outcome.resumed_from > 0 {
            format!(
                " (tiếp tục từ phần {}/{})",
                outcome.resumed_from, outcome.chunks_total
            )
        } else {
            String::new()
        };
        println!(
            "Đã tạo dữ liệu mẫu: {} trẻ em, tỉnh {province}, hạt giống {seed}, ngày tham chiếu {}{resumed} trong {} giây ({} trẻ/giây).",
            mang_domain::vi::number(children as i64),
            mang_domain::vi::date(as_of),
            seconds_vi(secs),
            mang_domain::vi::number((children as f64 / secs.max(1e-9)) as i64)
        );
    }
    {
        // Cases are timed from "now": the reference day at 10:00 when it is not today.
        let now = if as_of == today() {
            time::OffsetDateTime::now_utc()
        } else {
            as_of
                .with_time(time::macros::time!(10:00))
                .assume_offset(mang_domain::cases::VN)
        };
        let n = mang_store::demo_cases::run(&store, seed, now).await?;
        if n > 0 {
            println!(
                "Ca bảo vệ trẻ em mẫu: {n} ca ở mọi bước xử lý, có ca quá hạn (tài khoản xa, chutich)."
            );
        }
        let sites = mang_store::demo_sites::run(&store, province, seed).await?;
        if sites > 0 {
            println!("Điểm nguy cơ đuối nước mẫu: {sites} điểm ở các xã, phường.");
        }
        let (acts, facs) =
            mang_store::demo_sites::run_activities_and_facilities(&store, province, seed, as_of)
                .await?;
        if acts > 0 {
            println!("Hoạt động mẫu: {acts} hoạt động, {facs} cơ sở chăm sóc trẻ em.");
        }
        let (assessments, payments) =
            mang_store::demo_sites::run_assessments_and_payments(&store, province, seed, as_of)
                .await?;
        if assessments + payments > 0 {
            println!(
                "Xã phù hợp với trẻ em và trợ giúp mẫu: {assessments} lượt tự đánh giá, {} lần chi trả.",
                mang_domain::vi::number(payments as i64)
            );
        }
    }
    if health {
        let t = Instant::now();
        let h = mang_store::demo_health::run(&store, province, seed, as_of).await?;
        if h.children > 0 {
            println!(
                "Dữ liệu y tế mẫu cho {} trẻ dưới 5 tuổi: {} lần sinh, {} mũi tiêm và vitamin A, {} lần cân đo, {} tai nạn, {} lần khám, {} trẻ tử vong ({} giây).",
                mang_domain::vi::number(h.children as i64),
                mang_domain::vi::number(h.births as i64),
                mang_domain::vi::number(h.doses as i64),
                mang_domain::vi::number(h.measurements as i64),
                mang_domain::vi::number(h.injuries as i64),
                mang_domain::vi::number(h.checks as i64),
                mang_domain::vi::number(h.deaths as i64),
                seconds_vi(t.elapsed().as_secs_f64())
            );
        }
    }
    settle_tallies(&store).await?;
    {
        let p = mang_store::demo_plans::run(&store, province, seed, as_of).await?;
        if p.plans + p.commune_plans + p.reports > 0 {
            println!(
                "Kế hoạch mẫu: {} kế hoạch mẫu, {} kế hoạch của xã, {} báo cáo 6 tháng của xã (tài khoản tinh duyệt, xa lập báo cáo; cdc cập nhật nhiệm vụ).",
                p.plans, p.commune_plans, p.reports
            );
        }
    }
    print_logins(&outcome.logins);
    store.close().await;
    Ok(())
}

fn print_logins(logins: &[demo::DemoLogin]) {
    println!("Tài khoản mẫu (mật khẩu chung: {}):", demo::DEMO_PASSWORD);
    for l in logins {
        println!(
            "  {:<10} {:<20} {} ({})",
            l.username,
            l.role.label_vi(),
            l.unit_name,
            l.unit_code
        );
    }
}

async fn print_demo_logins(store: &Store) -> Result<()> {
    let logins = demo::existing_logins(store).await?;
    if !logins.is_empty() {
        print_logins(&logins);
    }
    Ok(())
}

async fn restore(db: &str, from: &str, force: bool) -> Result<()> {
    if db.starts_with("postgres") {
        bail!("khôi phục chỉ dành cho SQLite; với PostgreSQL hãy dùng pg_restore");
    }
    // Open the backup first: it must be a Măng database whose audit chain verifies.
    let backup = Store::open(from, OpenMode::Existing)
        .await
        .with_context(|| format!("tệp sao lưu {from}"))?;
    if let Err(e) = mang_store::audit::verify(&backup).await? {
        bail!("tệp sao lưu {from} không toàn vẹn: {e}");
    }
    backup.close().await;
    let target = std::path::Path::new(db);
    if target.exists() && !force {
        bail!("{db} đã tồn tại; thêm --force để thay thế (hãy dừng máy chủ trước)");
    }
    let tmp = format!("{db}.restoring");
    std::fs::copy(from, &tmp).with_context(|| format!("không sao chép được {from}"))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{suffix}"));
    }
    std::fs::rename(&tmp, db)?;
    println!("Đã khôi phục {db} từ {from}");
    Ok(())
}

async fn healthcheck(addr: &str) -> Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .with_context(|| format!("không kết nối được {addr}"))?;
    s.write_all(
        format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).await?;
    if buf.starts_with("HTTP/1.1 200") {
        println!("ok");
        Ok(())
    } else {
        bail!("máy chủ trả lời: {}", buf.lines().next().unwrap_or(""))
    }
}

async fn import(db: &str, file: &str, errors_out: Option<String>) -> Result<()> {
    let store = Store::open(db, OpenMode::Existing).await?;
    let started = Instant::now();
    let bytes = std::fs::read(file).with_context(|| format!("không đọc được tệp {file}"))?;
    let name = std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file)
        .to_owned();
    // One bar for the whole import: rows done of the phase's total, the phase in words
    // (on stderr; indicatif hides it when stderr is not a terminal).
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {msg}")
            .expect("valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let report = mang_store::import::import_file(
        &store,
        mang_store::import::Importer::Operator,
        &name,
        bytes,
        today(),
        |p| {
            // While reading the total is not known (0): an empty bar, not a full one.
            bar.set_length(p.total.max(1));
            bar.set_position(p.done);
            bar.set_message(p.text_vi());
        },
    )
    .await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Đã đọc {} dòng trong {} giây: thêm {} hộ, {} trẻ em, {} người chăm sóc, {} hoàn cảnh/nguy cơ; đã có sẵn (bỏ qua) {} hộ, {} trẻ em, {} người chăm sóc, {} hoàn cảnh/nguy cơ; {} lỗi.",
        mang_domain::vi::number(report.rows_read as i64),
        seconds_vi(secs),
        mang_domain::vi::number(report.households_added as i64),
        mang_domain::vi::number(report.children_added as i64),
        mang_domain::vi::number(report.caregivers_added as i64),
        mang_domain::vi::number(report.circumstances_added as i64),
        mang_domain::vi::number(report.households_existing as i64),
        mang_domain::vi::number(report.children_existing as i64),
        mang_domain::vi::number(report.caregivers_existing as i64),
        mang_domain::vi::number(report.circumstances_existing as i64),
        mang_domain::vi::number(report.errors.len() as i64),
    );
    if !report.errors.is_empty() {
        for e in report.errors.iter().take(20) {
            println!(
                "  {} dòng {} cột {} ({}): «{}» — {}",
                e.sheet, e.row, e.column, e.field, e.value, e.message
            );
        }
        if report.errors.len() > 20 {
            println!("  … và {} lỗi khác", report.errors.len() - 20);
        }
        let out = errors_out.unwrap_or_else(|| {
            let p = std::path::Path::new(file);
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("nhap");
            p.with_file_name(format!("{stem}-loi.xlsx"))
                .to_string_lossy()
                .into_owned()
        });
        std::fs::write(&out, mang_store::import::error_report_xlsx(&report)?)
            .with_context(|| format!("không ghi được {out}"))?;
        println!(
            "Danh sách lỗi đầy đủ: {out} (các dòng lỗi không được nhập; sửa rồi nhập lại tệp, các dòng đã nhập sẽ được bỏ qua)"
        );
    }
    Ok(())
}
