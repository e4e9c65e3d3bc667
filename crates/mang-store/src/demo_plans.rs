//! Demo plans and reports: the five shipped plans, the demo province's communes' own
//! plans (most issued in January–February), progress on some tasks, and the communes'
//! 6-month reports under the province plan — most sent on time and approved, some late
//! and waiting for review, some drafts, some missing — so that the completeness page and
//! the consolidated provincial report have something to show. The commune of the demo
//! accounts `xa` and `xa2` is left without a report and without its own plan, for users
//! (and the browser test) to make them.
//!
//! Deterministic for a seed; idempotent (a second run adds nothing).

use crate::audit::{self, Actor};
use crate::indicators::Cache;
use crate::reports::{self, ScheduleRow};
use crate::units::{self, Unit};
use crate::{Result, Store, timestamp};
use sqlx::Row;
use time::{Date, OffsetDateTime, Time};

/// What the demo added.
#[derive(Debug, Default, Clone, Copy)]
pub struct DemoPlans {
    pub plans: usize,
    pub commune_plans: usize,
    pub reports: usize,
}

fn roll(seed: u64, code: &str, salt: u64) -> u64 {
    // FNV-1a over the code, mixed with the seed: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
    for b in code.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % 100
}

fn at(d: Date, hour: u8) -> OffsetDateTime {
    d.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_offset(mang_domain::cases::VN)
}

async fn insert_report(
    store: &Store,
    s: &ScheduleRow,
    unit: &Unit,
    status: &str,
    submitted: Option<OffsetDateTime>,
    approved: Option<OffsetDateTime>,
    content: Option<String>,
) -> Result<()> {
    let path = unit.path();
    let created =
        submitted.map_or_else(crate::now_text, |t| timestamp(t - time::Duration::days(3)));
    let sub = submitted.map(timestamp);
    let mut tx = store.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO reports (schedule_id, unit_code, province_code, commune_code, version, status, results, \
         difficulties, proposals, content, first_submitted_at, submitted_at, approved_at, signer, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(s.id)
    .bind(unit.code.clone())
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(status.to_owned())
    .bind(format!(
        "{} đã rà soát, cập nhật danh sách trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ; phối hợp với Trạm Y tế tổ chức tiêm chủng, cân đo trẻ dưới 5 tuổi; tuyên truyền phòng, chống đuối nước trước mùa hè.\n- Tổ chức 2 buổi truyền thông tại các thôn, tổ dân phố.\n- Kiểm tra các điểm có nguy cơ đuối nước.",
        unit.name
    ))
    .bind("Đội ngũ cộng tác viên thường xuyên thay đổi; kinh phí cho công tác trẻ em còn hạn chế.")
    .bind("Đề nghị Sở Y tế tổ chức tập huấn nghiệp vụ cho cộng tác viên.")
    .bind(content)
    .bind(sub.clone())
    .bind(approved.map(timestamp))
    .bind("Nguyễn Văn Bình")
    .bind(created.clone())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    let mut events = vec![(created, "create", "", "draft", "dữ liệu mẫu")];
    if let Some(t) = &sub {
        events.push((t.clone(), "submit", "draft", "submitted", "dữ liệu mẫu"));
    }
    if let Some(t) = approved {
        events.push((timestamp(t), "approve", "submitted", "approved", "tinh"));
    }
    for (when, action, from, to, who) in events {
        sqlx::query(
            "INSERT INTO report_events (report_id, at, username, role, action, from_status, to_status, comment) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, '')",
        )
        .bind(id)
        .bind(when)
        .bind(who.to_owned())
        .bind(if who == "tinh" {
            "province_officer"
        } else {
            "commune_officer"
        })
        .bind(action.to_owned())
        .bind(from.to_owned())
        .bind(to.to_owned())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Add the demo plans and reports for `province`, seen on `as_of`.
pub async fn run(store: &Store, province: &str, seed: u64, as_of: Date) -> Result<DemoPlans> {
    let mut out = DemoPlans {
        plans: crate::plans::seed_examples(store).await?,
        ..Default::default()
    };
    let Ok(prov) = units::get(store, province).await else {
        return Ok(out);
    };
    let plan: Option<(i64, String)> = sqlx::query(
        "SELECT id, code FROM plans WHERE unit_code = $1 AND parent_id IS NULL ORDER BY id LIMIT 1",
    )
    .bind(province.to_owned())
    .fetch_optional(store.pool())
    .await?
    .map(|r| (r.get(0), r.get(1)));
    let Some((plan_id, plan_code)) = plan else {
        return Ok(out);
    };
    let done: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reports r JOIN report_schedules s ON s.id = r.schedule_id WHERE s.plan_id = $1",
    )
    .bind(plan_id)
    .fetch_one(store.pool())
    .await?;
    if done > 0 {
        return Ok(out);
    }
    let communes = units::communes_of(store, province).await?;
    // The demo accounts' communes are left for users to work in.
    let demo_communes: Vec<String> =
        sqlx::query_scalar("SELECT unit_code FROM users WHERE username IN ('xa', 'xa2')")
            .fetch_all(store.pool())
            .await?;

    // Communes' own plans, issued in January and February.
    let officer = mang_domain::access::Principal {
        user_id: 0,
        username: "system:demo".into(),
        role: mang_domain::access::Role::CommuneOfficer,
        unit: mang_domain::units::UnitCode::national(),
        unit_path: mang_domain::units::UnitPath::default(),
    };
    for c in &communes {
        if demo_communes.contains(&c.code) || roll(seed, &c.code, 1) >= 75 {
            continue;
        }
        let day = 5 + roll(seed, &c.code, 2) as u8 % 50;
        let issued = Date::from_ordinal_date(2026, u16::from(day)).unwrap_or(as_of);
        if issued > as_of {
            continue;
        }
        let p = mang_domain::access::Principal {
            unit: mang_domain::units::UnitCode::parse(&c.code)
                .unwrap_or_else(|_| mang_domain::units::UnitCode::national()),
            unit_path: c.path(),
            ..officer.clone()
        };
        let scoped = p
            .scoped::<mang_domain::access::ManagePlans>()
            .map_err(|_| crate::StoreError::Denied)?;
        crate::plans::create_sub_plan(
            store,
            &scoped,
            plan_id,
            c,
            &crate::plans::NewSubPlan {
                number: (10 + roll(seed, &c.code, 3)).to_string(),
                issued_on: issued.to_string(),
                signer: "Trần Văn Cường".into(),
                ..Default::default()
            },
        )
        .await?;
        out.commune_plans += 1;
    }

    // The 6-month report under the province plan.
    let cache = Cache::default();
    let schedules = reports::schedules_of_plan(store, plan_id).await?;
    if let Some(s) = schedules.iter().find(|s| s.kind == "half") {
        let due = s.due().unwrap_or(as_of);
        let on_time = at(due - time::Duration::days(3), 10);
        let late = at(due + time::Duration::days(7), 15);
        let approved = at(due + time::Duration::days(5), 9);
        for c in &communes {
            if demo_communes.contains(&c.code) {
                continue;
            }
            let r = roll(seed, &c.code, 4);
            let (status, sub, appr) = match r {
                0..55 => ("approved", Some(on_time), Some(approved)),
                55..70 => ("submitted", Some(late), None),
                70..80 => ("draft", None, None),
                _ => continue,
            };
            if sub.is_some_and(|t| t.date() > as_of) {
                continue;
            }
            let content = match sub {
                Some(t) => Some(
                    serde_json::to_string(&reports::live_content(store, &cache, c, s, t).await?)
                        .map_err(|e| crate::StoreError::Invalid {
                            field: "content",
                            message: e.to_string(),
                        })?,
                ),
                None => None,
            };
            insert_report(
                store,
                s,
                c,
                status,
                sub,
                appr.filter(|t| t.date() <= as_of),
                content,
            )
            .await?;
            out.reports += 1;
        }
    }

    // Progress on some tasks of the province plan.
    let tasks: Vec<(i64, String)> =
        sqlx::query("SELECT id, no FROM plan_tasks WHERE plan_id = $1 ORDER BY id")
            .bind(plan_id)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    for (id, no) in tasks {
        let r = roll(seed, &no, 5);
        let (status, progress) = match r {
            0..30 => ("done", 100),
            30..70 => ("in_progress", 20 + (r as i64 % 6) * 10),
            _ => continue,
        };
        let when = timestamp(at(
            Date::from_ordinal_date(2026, 60 + r as u16).unwrap_or(as_of),
            9,
        ));
        sqlx::query(
            "INSERT INTO task_updates (task_id, at, username, agency_key, status, progress, note, evidence) \
             VALUES ($1, $2, 'tinh', 'CCDSTE', $3, $4, $5, '')",
        )
        .bind(id)
        .bind(when.clone())
        .bind(status)
        .bind(progress)
        .bind("Đã triển khai theo kế hoạch (dữ liệu mẫu).")
        .execute(store.pool())
        .await?;
        sqlx::query(
            "UPDATE plan_tasks SET status = $1, progress = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(status)
        .bind(progress)
        .bind(when)
        .bind(id)
        .execute(store.pool())
        .await?;
    }

    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::system("demo"),
        &prov.path(),
        "create",
        "report",
        &plan_code,
        serde_json::json!({ "demo_reports": out.reports, "commune_plans": out.commune_plans }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
