//! `mang bench search`: the registry list and search timings of BENCHMARKS.md, measured
//! through the same store calls the pages and the API make (scope, plan, audit included).
//! Run on a demo database (`mang demo --children 2500000`); each search and each list view
//! appends an audit entry, as in production.

use anyhow::{Context, Result};
use mang_domain::access::{Principal, Role, ViewChildRecord};
use mang_store::registry::{self, ChildFilter};
use mang_store::{OpenMode, Store};
use sqlx::Row;
use std::time::Instant;

/// Timings of one kind of request, in milliseconds.
struct Series {
    name: &'static str,
    ms: Vec<f64>,
    rows: usize,
}

impl Series {
    fn new(name: &'static str) -> Series {
        Series {
            name,
            ms: Vec::new(),
            rows: 0,
        }
    }

    fn quantile(&self, q: f64) -> f64 {
        let mut v = self.ms.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return 0.0;
        }
        v[((v.len() as f64 - 1.0) * q).round() as usize]
    }
}

async fn principal(store: &Store, role: Role, unit: &str) -> Result<Principal> {
    let u = mang_store::units::get(store, unit)
        .await
        .with_context(|| format!("không có đơn vị {unit}"))?;
    Ok(Principal {
        user_id: 0,
        username: format!("bench-{}", role.as_str()),
        role,
        unit: u.code(),
        unit_path: u.path(),
    })
}

async fn time(
    store: &Store,
    p: &Principal,
    f: ChildFilter,
    s: &mut Series,
) -> Result<registry::ChildPage> {
    let scoped = p.scoped::<ViewChildRecord>().expect("role may view");
    let t = Instant::now();
    let page = registry::list_children(store, &scoped, &f).await?;
    s.ms.push(t.elapsed().as_secs_f64() * 1000.0);
    s.rows += page.children.len();
    Ok(page)
}

pub async fn search(db: &str, samples: usize) -> Result<()> {
    let store = Store::open(db, OpenMode::Existing).await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
        .fetch_one(store.pool())
        .await?;
    let max_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM children")
        .fetch_one(store.pool())
        .await?;
    anyhow::ensure!(
        total > 0,
        "cơ sở dữ liệu chưa có trẻ em (chạy `mang demo` trước)"
    );
    // An even spread of children over the id range: the same sample on every run.
    let step = (max_id / samples as i64).max(1);
    let mut picked = Vec::new();
    for i in 0..samples as i64 {
        if let Some(r) = sqlx::query(
            "SELECT full_name, province_code, commune_code, personal_id FROM children WHERE id >= $1 ORDER BY id LIMIT 1",
        )
        .bind(1 + i * step)
        .fetch_optional(store.pool())
        .await?
        {
            picked.push((
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
                r.get::<Option<String>, _>(3),
            ));
        }
    }
    let province = picked[0].1.clone();
    let officer = principal(&store, Role::ProvinceOfficer, &province).await?;
    let mut series = [
        Series::new("province: full name"),
        Series::new("province: family + given name"),
        Series::new("province: given name only"),
        Series::new("province: a name nobody has"),
        Series::new("province: personal ID"),
        Series::new("commune: full name"),
        Series::new("province list: first page"),
        Series::new("province list: pages 2-20"),
        Series::new("commune list: first page"),
    ];
    let q = |s: &str| ChildFilter {
        q: Some(s.to_owned()),
        ..ChildFilter::default()
    };
    for (name, _, commune, pid) in &picked {
        let words: Vec<&str> = name.split_whitespace().collect();
        let (family, given) = (words[0], words[words.len() - 1]);
        time(&store, &officer, q(name), &mut series[0]).await?;
        time(
            &store,
            &officer,
            q(&format!("{family} {given}")),
            &mut series[1],
        )
        .await?;
        time(&store, &officer, q(given), &mut series[2]).await?;
        time(
            &store,
            &officer,
            q(&format!("{family} {given}qz")),
            &mut series[3],
        )
        .await?;
        if let Some(pid) = pid.as_deref().filter(|p| p.len() == 12) {
            time(&store, &officer, q(pid), &mut series[4]).await?;
        }
        let local = principal(&store, Role::CommuneOfficer, commune).await?;
        time(&store, &local, q(name), &mut series[5]).await?;
        time(&store, &local, ChildFilter::default(), &mut series[8]).await?;
    }
    for _ in 0..samples.div_ceil(20).max(1) {
        let mut page = time(&store, &officer, ChildFilter::default(), &mut series[6]).await?;
        for _ in 2..=20 {
            let Some(next) = page.next.clone() else { break };
            let f = ChildFilter {
                after: Some(next),
                ..ChildFilter::default()
            };
            page = time(&store, &officer, f, &mut series[7]).await?;
        }
    }
    println!(
        "{} children in the database; {} sampled children",
        total,
        picked.len()
    );
    println!("| request | n | rows/request | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for s in &series {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            s.name,
            s.ms.len(),
            s.rows as f64 / s.ms.len().max(1) as f64,
            s.quantile(0.5),
            s.quantile(0.95),
            s.quantile(1.0)
        );
    }
    Ok(())
}

/// `mang bench due`: the vaccination-day list (month) of the first `communes` communes, as
/// each commune's officer, through the store call the page and the API make (audit
/// included). Reports the children under three looked at and the children listed.
pub async fn due(db: &str, communes: usize) -> Result<()> {
    let store = Store::open(db, OpenMode::Existing).await?;
    let province: String =
        sqlx::query_scalar("SELECT province_code FROM children ORDER BY id LIMIT 1")
            .fetch_optional(store.pool())
            .await?
            .context("cơ sở dữ liệu chưa có trẻ em (chạy `mang demo` trước)")?;
    let list = mang_store::units::communes_of(&store, &province).await?;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let mut s = Series::new("commune due list (month)");
    let mut children = 0i64;
    for unit in list.iter().take(communes) {
        let officer = principal(&store, Role::CommuneOfficer, unit.code().as_str()).await?;
        let scoped = officer.scoped::<ViewChildRecord>().expect("role may view");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE commune_code = $1")
            .bind(unit.code().as_str())
            .fetch_one(store.pool())
            .await?;
        children += n;
        let t = Instant::now();
        let due = mang_store::immunization::due_list(
            &store,
            &scoped,
            unit,
            today + time::Duration::days(30),
            today,
        )
        .await?;
        s.ms.push(t.elapsed().as_secs_f64() * 1000.0);
        s.rows += due.len();
    }
    println!(
        "{} communes, {} children in them on average",
        s.ms.len(),
        children / s.ms.len().max(1) as i64
    );
    println!("| request | n | children listed/request | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
        s.name,
        s.ms.len(),
        s.rows as f64 / s.ms.len().max(1) as f64,
        s.quantile(0.5),
        s.quantile(0.95),
        s.quantile(1.0)
    );
    Ok(())
}

/// `mang bench indicators`: the province scorecard (every indicator of the catalogue for
/// the province and each of its communes, with targets and status) as the page builds it:
/// cold (a fresh cache: every indicator computed from the records), warm (cached, only the
/// data version read), and once more after a write (the cache thrown away).
pub async fn indicators(db: &str, province: &str, period: &str, samples: usize) -> Result<()> {
    let period = mang_domain::targets::Period::parse(period)
        .with_context(|| format!("kỳ không hợp lệ «{period}»"))?;
    let store = Store::open(db, OpenMode::Existing).await?;
    let unit = mang_store::units::get(&store, province).await?;
    let children: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE province_code = $1")
            .bind(province.to_owned())
            .fetch_one(store.pool())
            .await?;
    let cache = mang_store::indicators::Cache::default();
    let now = time::OffsetDateTime::now_utc();
    let t = Instant::now();
    let b = mang_store::scorecard::board(&store, &cache, &unit, &period, now).await?;
    let cold = t.elapsed().as_secs_f64() * 1000.0;
    let cells = b.subunits.iter().map(|s| s.figures.len()).sum::<usize>() + b.figures.len();
    let mut warm = Series::new("warm");
    for _ in 0..samples.max(1) {
        let t = Instant::now();
        mang_store::scorecard::board(&store, &cache, &unit, &period, now).await?;
        warm.ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // One write in one commune (as a weighing or a death would be): the next read
    // recomputes that commune.
    let first = mang_store::units::communes_of(&store, province)
        .await?
        .into_iter()
        .next()
        .context("tỉnh không có xã")?;
    let mut tx = store.begin_write().await?;
    mang_store::audit::append(
        &mut tx,
        &mang_store::audit::Actor::system("bench"),
        &first.path(),
        "update",
        "bench",
        "indicators",
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    let t = Instant::now();
    mang_store::scorecard::board(&store, &cache, &unit, &period, now).await?;
    let after_write = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "Bảng chỉ tiêu {} ({} trẻ em), kỳ {}: {} ô ({} đơn vị × {} chỉ tiêu tính được + {} chỉ tiêu của tỉnh)",
        unit.name,
        mang_domain::vi::number(children),
        period.code(),
        cells,
        b.subunits.len(),
        mang_store::indicators::COMPUTED.len(),
        b.figures.len()
    );
    println!("  lần đầu (tính từ dữ liệu): {cold:.0} ms");
    println!(
        "  đọc lại (bộ nhớ đệm), {} lần: p50 {:.2} ms, p95 {:.2} ms",
        warm.ms.len(),
        warm.quantile(0.5),
        warm.quantile(0.95)
    );
    println!("  sau một lần ghi dữ liệu ở một xã: {after_write:.0} ms");
    store.close().await;
    Ok(())
}
