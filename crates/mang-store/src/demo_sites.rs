//! Demo registers (synthetic): drowning-risk sites, activities and care facilities.
//! The sites: a few ponds, canals, wells and the like in every
//! commune of the demo province, around a made-up point per commune, about two in three
//! with preventive measures, some inspected. Written once (a second run adds nothing).

use crate::audit::{self, Actor};
use crate::{Result, Store, now_text};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

/// Create the demo sites; returns how many.
pub async fn run(store: &Store, province: &str, seed: u64) -> Result<usize> {
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risk_sites")
        .fetch_one(store.pool())
        .await?;
    if done > 0 {
        return Ok(0);
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0051_73e5);
    let kinds = [
        ("pond", "Ao"),
        ("canal", "Kênh, mương"),
        ("well", "Giếng"),
        ("river", "Bến sông"),
        ("pit", "Hố công trình"),
        ("lake", "Hồ"),
    ];
    let measures = ["fence", "sign", "cover", "lifebuoy"];
    let now = now_text();
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let mut n = 0;
    let mut tx = store.begin_write().await?;
    for commune in crate::units::communes_of(store, province).await? {
        let villages = crate::units::villages_of(store, &commune.code).await?;
        let (clat, clon) = (
            20.86 + rng.random_range(-0.25..0.25),
            106.68 + rng.random_range(-0.35..0.35),
        );
        for i in 0..rng.random_range(2..7) {
            let (kind, label) = kinds[rng.random_range(0..kinds.len())];
            let village = villages.get(rng.random_range(0..villages.len().max(1)));
            let with = rng.random_bool(0.65);
            let ms: Vec<&str> = if with {
                measures
                    .iter()
                    .copied()
                    .filter(|m| *m != "cover" || kind == "well")
                    .filter(|_| rng.random_bool(0.6))
                    .collect()
            } else {
                Vec::new()
            };
            let ms = if with && ms.is_empty() {
                vec!["sign"]
            } else {
                ms
            };
            let id: i64 = sqlx::query(
                "INSERT INTO risk_sites (province_code, commune_code, village_code, name, kind, risk, lat, lon, \
                 measures, note, status, version, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', 'active', 1, 'demo', $10, $10) RETURNING id",
            )
            .bind(province.to_owned())
            .bind(commune.code.clone())
            .bind(village.map(|v| v.code.clone()))
            .bind(format!(
                "{label} {}{}",
                i + 1,
                village.map(|v| format!(", {}", v.name)).unwrap_or_default()
            ))
            .bind(kind)
            .bind(["high", "medium", "low"][rng.random_range(0..3)])
            .bind(clat + rng.random_range(-0.012..0.012))
            .bind(clon + rng.random_range(-0.012..0.012))
            .bind(ms.join(","))
            .bind(now.clone())
            .fetch_one(&mut *tx)
            .await?
            .get::<i64, _>(0);
            if rng.random_bool(0.5) {
                let day = today - time::Duration::days(rng.random_range(5..200));
                sqlx::query(
                    "INSERT INTO risk_site_inspections (site_id, inspected_on, findings, measures, follow_up, inspected_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'demo', $6)",
                )
                .bind(id)
                .bind(day.to_string())
                .bind(if with { "Biện pháp còn tốt" } else { "Chưa có rào chắn, biển báo" })
                .bind(ms.join(","))
                .bind(if with { "" } else { "Đề nghị thôn làm rào, đặt biển báo" })
                .bind(now.clone())
                .execute(&mut *tx)
                .await?;
            }
            n += 1;
        }
    }
    audit::append(
        &mut tx,
        &Actor::system("demo"),
        &mang_domain::units::UnitPath {
            province: Some(province.to_owned()),
            commune: None,
            village: None,
        },
        "create",
        "risk_site",
        "demo",
        serde_json::json!({ "sites": n }),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Demo activities (a forum, the Month of Action, Mid-Autumn, a swimming class…) and
/// care facilities (a few informal ones still open) in every commune; written once.
/// Returns (activities, facilities).
pub async fn run_activities_and_facilities(
    store: &Store,
    province: &str,
    seed: u64,
    as_of: time::Date,
) -> Result<(usize, usize)> {
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activities")
        .fetch_one(store.pool())
        .await?;
    if done > 0 {
        return Ok((0, 0));
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x00ac_7171);
    let now = now_text();
    let year = as_of.year();
    let kinds = [
        ("forum", "Diễn đàn trẻ em", 6u8),
        ("action_month", "Tháng hành động vì trẻ em", 6),
        ("mid_autumn", "Vui Tết Trung thu", 9),
        ("swimming", "Lớp dạy bơi hè", 7),
        (
            "communication",
            "Truyền thông phòng chống xâm hại trẻ em",
            4,
        ),
        ("council", "Sinh hoạt hội đồng trẻ em", 3),
    ];
    let (mut acts, mut facs) = (0, 0);
    let mut tx = store.begin_write().await?;
    for commune in crate::units::communes_of(store, province).await? {
        for (kind, title, month) in kinds {
            if !rng.random_bool(0.7) {
                continue;
            }
            let Ok(m) = time::Month::try_from(month) else {
                continue;
            };
            let Ok(day) = time::Date::from_calendar_date(year, m, rng.random_range(1..28)) else {
                continue;
            };
            if day > as_of {
                continue;
            }
            let children: i64 = rng.random_range(20..300);
            let consulted = if matches!(kind, "forum" | "council") {
                children * rng.random_range(30..80) / 100
            } else {
                0
            };
            let models = if kind == "council" {
                children * rng.random_range(40..90) / 100
            } else {
                0
            };
            sqlx::query(
                "INSERT INTO activities (province_code, commune_code, kind, title, held_on, children, \
                 children_7plus_consulted, children_11plus_in_models, adults, note, recorded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', 'demo', $10)",
            )
            .bind(province.to_owned())
            .bind(commune.code.clone())
            .bind(kind)
            .bind(format!("{title} {year}"))
            .bind(day.to_string())
            .bind(children)
            .bind(consulted)
            .bind(models)
            .bind(rng.random_range(3..40i64))
            .bind(now.clone())
            .execute(&mut *tx)
            .await?;
            acts += 1;
        }
        if rng.random_bool(0.25) {
            let informal = rng.random_bool(0.5);
            sqlx::query(
                "INSERT INTO care_facilities (province_code, commune_code, name, kind, licence, capacity, address, \
                 resolution, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, '', 'open', 'demo', $7)",
            )
            .bind(province.to_owned())
            .bind(commune.code.clone())
            .bind(if informal {
                "Nhóm trẻ gia đình (chưa cấp phép)"
            } else {
                "Trung tâm bảo trợ xã hội"
            })
            .bind(if informal { "informal" } else { "public" })
            .bind(if informal { "" } else { "Quyết định thành lập (mẫu)" })
            .bind(rng.random_range(8..80i64))
            .bind(now.clone())
            .execute(&mut *tx)
            .await?;
            facs += 1;
        }
    }
    audit::append(
        &mut tx,
        &Actor::system("demo"),
        &mang_domain::units::UnitPath {
            province: Some(province.to_owned()),
            commune: None,
            village: None,
        },
        "create",
        "activity",
        "demo",
        serde_json::json!({ "activities": acts, "facilities": facs }),
    )
    .await?;
    tx.commit().await?;
    Ok((acts, facs))
}

/// Demo child-friendly self-assessments (last year's appraised, this year's self-assessed,
/// some just at or under the threshold, most with a play venue) and benefit payments for
/// the last three months to the children the registry makes eligible (about nine in ten
/// paid; in the demo accounts' commune one payment to a child not eligible and one paid
/// twice, for the reconciliation to show), and a few children hit by a storm in
/// September with emergency support, some late. Idempotent; deterministic for a seed.
pub async fn run_assessments_and_payments(
    store: &Store,
    province: &str,
    seed: u64,
    as_of: time::Date,
) -> Result<(usize, usize)> {
    use mang_domain::benefits as b;
    let done: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM child_friendly_assessments) + (SELECT COUNT(*) FROM benefit_payments)",
    )
    .fetch_one(store.pool())
    .await?;
    if done > 0 {
        return Ok((0, 0));
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x00cf_be7e);
    let now = now_text();
    let communes = crate::units::communes_of(store, province).await?;
    let criteria = mang_domain::child_friendly::criteria();
    let mut assessments = 0;
    let mut tx = store.begin_write().await?;
    for c in &communes {
        let kind = if c.kind == "phường" {
            mang_domain::child_friendly::CommuneType::UrbanWard
        } else {
            mang_domain::child_friendly::CommuneType::Other
        };
        for (year, status) in [
            (as_of.year() - 1, "appraised"),
            (as_of.year(), "self_assessed"),
        ] {
            if status == "self_assessed" && !rng.random_bool(0.6) {
                continue;
            }
            // Points near the maximum, some criteria lower: totals around the threshold.
            let points: Vec<(u32, u32)> = criteria
                .iter()
                .map(|k| {
                    let share = rng.random_range(0.78..1.0);
                    (
                        k.no,
                        ((f64::from(k.max_points) * share).round() as u32).max(1),
                    )
                })
                .collect();
            let Ok(outcome) = mang_domain::child_friendly::assess(kind, &points) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO child_friendly_assessments (province_code, commune_code, year, commune_type, points, \
                 evidence, total, recognised, status, assessed_by, assessed_at, appraised_by, appraised_at, play_venue) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'demo', $10, $11, $12, $13)",
            )
            .bind(province.to_owned())
            .bind(c.code.clone())
            .bind(i64::from(year))
            .bind(kind.as_str())
            .bind(serde_json::to_string(&points).unwrap_or_default())
            .bind("Biên bản tự đánh giá, báo cáo kết quả thực hiện các tiêu chí (dữ liệu mẫu)")
            .bind(i64::from(outcome.total))
            .bind(i64::from(outcome.recognised))
            .bind(status)
            .bind(now.clone())
            .bind((status == "appraised").then_some("tinh"))
            .bind((status == "appraised").then(|| now.clone()))
            .bind(i64::from(rng.random_bool(0.65)))
            .execute(&mut *tx)
            .await?;
            assessments += 1;
        }
    }
    tx.commit().await?;

    // Payments: the children with an open special circumstance, eligible for a policy.
    let day = as_of;
    let rows = sqlx::query(
        "SELECT c.id, c.commune_code, c.village_code, c.birth_date, c.status, c.disability_severity, \
         p.status AS poverty, k.code FROM child_circumstances k JOIN children c ON c.id = k.child_id \
         LEFT JOIN household_poverty p ON p.household_id = c.household_id AND p.year = $2 \
         WHERE k.province_code = $1 AND k.kind = 'special' AND k.start_date <= $3 \
         AND (k.end_date IS NULL OR k.end_date >= $3) ORDER BY c.id",
    )
    .bind(province.to_owned())
    .bind(i64::from(day.year()))
    .bind(day.to_string())
    .fetch_all(store.pool())
    .await?;
    let mut kids: Vec<(i64, String, Option<String>, b::Facts)> = Vec::new();
    for r in &rows {
        let id: i64 = r.get("id");
        if let Some(last) = kids.last_mut()
            && last.0 == id
        {
            last.3.special.push(r.get("code"));
            continue;
        }
        let Some(birth) = mang_domain::registry::parse_date(&r.get::<String, _>("birth_date"))
        else {
            continue;
        };
        kids.push((
            id,
            r.get("commune_code"),
            r.get("village_code"),
            b::Facts {
                age_years: mang_domain::registry::age_years(birth, day),
                special: vec![r.get("code")],
                risks: Vec::new(),
                poverty: r.get::<Option<String>, _>("poverty").unwrap_or_default(),
                disability_severity: r
                    .get::<Option<String>, _>("disability_severity")
                    .unwrap_or_default(),
                active: r.get::<String, _>("status") == "active",
            },
        ));
    }
    let months: Vec<time::Date> = (0..3)
        .rev()
        .filter_map(|back| {
            let m = i32::from(u8::from(day.month())) - back;
            let (y, m) = if m <= 0 {
                (day.year() - 1, m + 12)
            } else {
                (day.year(), m)
            };
            time::Date::from_calendar_date(y, time::Month::try_from(m as u8).ok()?, 10).ok()
        })
        .filter(|d| *d <= day)
        .collect();
    let demo_commune: Option<String> =
        sqlx::query_scalar("SELECT unit_code FROM users WHERE username = 'xa'")
            .fetch_optional(store.pool())
            .await?;
    let mut payments = 0;
    let mut tx = store.begin_write().await?;
    let pay = |child: i64,
               commune: String,
               village: Option<String>,
               policy: String,
               amount: i64,
               paid: time::Date| { (child, commune, village, policy, amount, paid) };
    let mut rows_out = Vec::new();
    for (id, commune, village, f) in &kids {
        for p in b::policies().iter().filter(|p| !b::is_emergency(p)) {
            if b::eligible(p, f).is_err() || !rng.random_bool(0.9) {
                continue;
            }
            for m in &months {
                rows_out.push(pay(
                    *id,
                    commune.clone(),
                    village.clone(),
                    p.code.clone(),
                    p.amount,
                    *m,
                ));
            }
        }
    }
    // In the demo commune: a payment to a child not eligible, and one paid twice.
    if let Some(dc) = &demo_commune {
        let not_eligible: Option<(i64, Option<String>)> = sqlx::query(
            "SELECT id, village_code FROM children WHERE commune_code = $1 AND status = 'active' \
             AND id NOT IN (SELECT child_id FROM child_circumstances) ORDER BY id LIMIT 1",
        )
        .bind(dc.clone())
        .fetch_optional(store.pool())
        .await?
        .map(|r| (r.get(0), r.get(1)));
        if let (Some((id, v)), Some(m)) = (not_eligible, months.last()) {
            rows_out.push(pay(id, dc.clone(), v, "nd20_no_carer".into(), 750_000, *m));
        }
        if let Some(first) = rows_out.iter().find(|r| &r.1 == dc).cloned() {
            rows_out.push(first);
        }
    }
    // A storm in September: some children of three communes recorded as affected.
    let storm = time::Date::from_calendar_date(as_of.year(), time::Month::September, 8)
        .ok()
        .filter(|d| *d <= as_of);
    if let Some(storm) = storm {
        for c in communes.iter().take(3) {
            let hit = sqlx::query(
                "SELECT id, village_code, birth_date FROM children WHERE commune_code = $1 AND status = 'active' \
                 ORDER BY id LIMIT 6",
            )
            .bind(c.code.clone())
            .fetch_all(store.pool())
            .await?;
            for r in &hit {
                let id: i64 = r.get("id");
                let village: Option<String> = r.get("village_code");
                sqlx::query(
                    "INSERT INTO child_circumstances (child_id, code, kind, start_date, end_date, source, note, \
                     province_code, commune_code, village_code, created_at, updated_at) \
                     VALUES ($1, 'disaster_affected', 'risk', $2, NULL, 'Danh sách hộ bị thiệt hại do bão (dữ liệu mẫu)', NULL, $3, $4, $5, $6, $6)",
                )
                .bind(id)
                .bind(storm.to_string())
                .bind(province.to_owned())
                .bind(c.code.clone())
                .bind(village.clone())
                .bind(now.clone())
                .execute(&mut *tx)
                .await?;
                // Most relieved within two weeks, some a month and a half later, some not yet.
                let after = match rng.random_range(0..10) {
                    0..6 => Some(rng.random_range(3..15)),
                    6..8 => Some(45),
                    _ => None,
                };
                if let Some(days) = after {
                    let paid = storm + time::Duration::days(days);
                    if paid <= as_of {
                        rows_out.push(pay(
                            id,
                            c.code.clone(),
                            village,
                            "nd20_emergency_disaster".into(),
                            1_000_000,
                            paid,
                        ));
                    }
                }
            }
        }
    }
    for (child, commune, village, policy, amount, paid) in rows_out {
        sqlx::query(
            "INSERT INTO benefit_payments (child_id, policy, month, amount, paid_on, province_code, commune_code, \
             village_code, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'demo', $9)",
        )
        .bind(child)
        .bind(policy)
        .bind(format!("{:04}-{:02}", paid.year(), u8::from(paid.month())))
        .bind(amount)
        .bind(paid.to_string())
        .bind(province.to_owned())
        .bind(commune)
        .bind(village)
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;
        payments += 1;
    }
    audit::append(
        &mut tx,
        &Actor::system("demo"),
        &mang_domain::units::UnitPath {
            province: Some(province.to_owned()),
            commune: None,
            village: None,
        },
        "create",
        "benefit_payment",
        province,
        serde_json::json!({ "payments": payments, "assessments": assessments }),
    )
    .await?;
    tx.commit().await?;
    Ok((assessments, payments))
}
