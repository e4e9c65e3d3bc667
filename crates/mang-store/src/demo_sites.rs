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
    let today = time::OffsetDateTime::now_utc().date();
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
