//! Demo child-protection cases (synthetic): in the demo users' two communes, cases in
//! every step of the process — from a hotline call received an hour ago to a closed case
//! — with realistic delays, some past their deadline. Written through the same store
//! calls as the pages, as the demo users (`xa`, `xa2`, `chutich`, `truong`, `tinh`), so
//! they are authorised, checked by the state machine and audited like real work.

use crate::cases::{self, NewCase};
use crate::{Result, Store};
use mang_domain::access::{Principal, ReportCase, ViewCases};
use mang_domain::cases::{RawCaseChild, RawStep, VN};
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};

/// How far each demo case goes, and how long ago it was received.
const PLAN: &[(&str, i64, bool)] = &[
    // (last step, hours since receipt, serious risk)
    ("", 1, true),
    ("", 14, true), // a serious report untouched for 14 hours: overdue
    ("verify", 5, false),
    ("assess_initial", 10, true), // serious, emergency measures not yet taken
    ("assess_initial", 30, false),
    ("apply_emergency", 20, true),
    ("assess_specific", 24 * 3, false),
    ("assess_specific", 24 * 12, false), // plan late
    ("draft_plan", 24 * 6, true),
    ("approve_plan", 24 * 15, false),
    ("start_plan", 24 * 40, true),
    ("start_plan", 24 * 70, false), // review date passed
    ("review", 24 * 80, false),
    ("close", 24 * 120, false),
];

const FIRST: &[&str] = &[
    "Minh", "Lan", "Hùng", "Mai", "Tuấn", "Ngọc", "Khánh", "Thảo",
];
const FAMILY: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"];
const DESCRIPTIONS: &[&str] = &[
    "Hàng xóm nghe thấy trẻ bị đánh, kêu khóc nhiều lần vào buổi tối.",
    "Giáo viên phát hiện trẻ có nhiều vết bầm tím trên tay và lưng.",
    "Trẻ bỏ học, theo người quen đi làm thuê tại xưởng may.",
    "Trẻ thường xuyên ở nhà một mình, không được chăm sóc, ăn uống thất thường.",
    "Trẻ kể với cô giáo bị người lớn có hành vi sàm sỡ.",
    "Cha mẹ đi làm ăn xa, trẻ ở với ông bà già yếu, có dấu hiệu bị bắt nạt.",
];

/// Create the demo cases once (a second run sees them and adds nothing). Returns how
/// many were created.
pub async fn run(store: &Store, seed: u64, now: OffsetDateTime) -> Result<usize> {
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(store.pool())
        .await?;
    if done > 0 {
        return Ok(0);
    }
    let user =
        |name: &'static str| async move { crate::users::principal_by_username(store, name).await };
    let (Some(xa), Some(chutich), Some(truong), Some(xa2)) = (
        user("xa").await?,
        user("chutich").await?,
        user("truong").await?,
        user("xa2").await?,
    ) else {
        return Ok(0);
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x0056_2017);
    let mut n = 0;
    for (i, (last, hours, serious)) in PLAN.iter().enumerate() {
        let received = now - Duration::hours(*hours) - Duration::minutes(rng.random_range(0..50));
        // The school reports a few; the commune officer records the rest (hotline calls).
        let reporter = if i % 4 == 1 { &truong } else { &xa };
        let id = intake(store, reporter, &mut rng, received, i).await?;
        if reporter.user_id != xa.user_id {
            cases::assign(
                store,
                &scoped(&chutich),
                id,
                xa.user_id,
                received + Duration::minutes(20),
            )
            .await?;
        }
        walk(store, id, &xa, &chutich, last, *serious, received, &mut rng).await?;
        n += 1;
    }
    // The second commune: cases its officer handles alone (no chairman user there), one
    // waiting for approval past its limit.
    for (last, hours) in [("", 3), ("assess_specific", 24 * 4), ("draft_plan", 24 * 9)] {
        let received = now - Duration::hours(hours);
        let id = intake(store, &xa2, &mut rng, received, n).await?;
        walk(store, id, &xa2, &chutich, last, false, received, &mut rng).await?;
        n += 1;
    }
    Ok(n)
}

fn scoped(p: &Principal) -> mang_domain::access::Scoped<ViewCases> {
    p.scoped::<ViewCases>().expect("demo users may view cases")
}

async fn intake(
    store: &Store,
    p: &Principal,
    rng: &mut rand::rngs::StdRng,
    received: OffsetDateTime,
    i: usize,
) -> Result<i64> {
    let local = received.to_offset(VN);
    let harms = [
        "violence",
        "neglect",
        "exploitation",
        "sexual_abuse",
        "at_risk",
        "abandonment",
    ];
    let channels = [
        "hotline_111",
        "school",
        "citizen",
        "police",
        "commune_staff",
    ];
    let sex = if rng.random_bool(0.5) { "Nam" } else { "Nữ" };
    let input = NewCase {
        received_at: format!(
            "{} {:02}:{:02}",
            mang_domain::vi::date(local.date()),
            local.hour(),
            local.minute()
        ),
        channel: if p.role == mang_domain::access::Role::School {
            "school".into()
        } else {
            channels[i % channels.len()].into()
        },
        reporter_name: format!("Người báo tin {}", i + 1),
        reporter_phone: format!("09{:08}", rng.random_range(0..100_000_000u32)),
        reporter_note: "Hàng xóm".into(),
        place: "Tại nhà riêng".into(),
        harms: vec![harms[i % harms.len()].into()],
        description: DESCRIPTIONS[i % DESCRIPTIONS.len()].into(),
        perpetrator: [
            "parent",
            "step_parent",
            "relative",
            "acquaintance",
            "unknown",
        ][i % 5]
            .into(),
        children: vec![RawCaseChild {
            child_id: String::new(),
            name: format!(
                "{} {}",
                FAMILY[rng.random_range(0..FAMILY.len())],
                FIRST[rng.random_range(0..FIRST.len())]
            ),
            sex: sex.into(),
            age_years: rng.random_range(3..16).to_string(),
        }],
        ..NewCase::default()
    };
    let s = p.scoped::<ReportCase>().expect("demo reporters may report");
    cases::intake(store, &s, &input, received + Duration::minutes(2)).await
}

fn date(t: OffsetDateTime) -> String {
    mang_domain::vi::date(t.to_offset(VN).date())
}

/// Take the steps up to `last`, each a realistic while after the one before.
#[allow(clippy::too_many_arguments)]
async fn walk(
    store: &Store,
    id: i64,
    worker: &Principal,
    chairman: &Principal,
    last: &str,
    serious: bool,
    received: OffsetDateTime,
    rng: &mut rand::rngs::StdRng,
) -> Result<()> {
    if last.is_empty() {
        return Ok(());
    }
    let mut t = received;
    let review_day = received + Duration::days(60);
    let steps: Vec<(RawStep, bool)> = {
        let s = |step: &str| RawStep {
            step: step.into(),
            ..RawStep::default()
        };
        let mut v = vec![(
            RawStep {
                confirmed: "1".into(),
                findings: "Đã gặp trẻ và gia đình; thông tin cơ bản đúng.".into(),
                ..s("verify")
            },
            false,
        )];
        v.push((
            RawStep {
                serious_risk: if serious { "1" } else { "0" }.into(),
                harm_level: if serious { "high" } else { "medium" }.into(),
                findings: "Trẻ có dấu hiệu bị tổn hại về thể chất và tinh thần.".into(),
                immediate_needs: "Chăm sóc y tế, nơi ở an toàn".into(),
                ..s("assess_initial")
            },
            false,
        ));
        if serious {
            v.push((
                RawStep {
                    measures: vec!["safe_shelter".into(), "medical_care".into()],
                    separated: "1".into(),
                    place: "Nhà người thân (bà ngoại)".into(),
                    ..s("apply_emergency")
                },
                false,
            ));
        }
        v.push((
            RawStep {
                child_state: "Trẻ sợ hãi, ít nói; sức khỏe ổn định sau khám.".into(),
                family_situation: "Cha mẹ thường xuyên mâu thuẫn; kinh tế khó khăn.".into(),
                protective_capacity: "low".into(),
                risk_factors: "Người gây tổn hại vẫn sống cùng nhà".into(),
                needs: "Hỗ trợ tâm lý; tư vấn cho cha mẹ; hỗ trợ học tập".into(),
                meeting_on: String::new(),
                participants: "UBND xã, Công an xã, Trạm Y tế, nhà trường, gia đình".into(),
                child_participated: "1".into(),
                ..s("assess_specific")
            },
            false,
        ));
        v.push((
            RawStep {
                goals: "Trẻ an toàn, ổn định tâm lý, tiếp tục đi học".into(),
                review_on: date(review_day),
                m_measure: vec!["psychological".into(), "parenting_skills".into()],
                m_activity: vec![
                    "Tư vấn tâm lý hằng tuần".into(),
                    "Tư vấn kỹ năng làm cha mẹ".into(),
                ],
                m_responsible: vec![
                    "Trung tâm Công tác xã hội tỉnh".into(),
                    "Hội Liên hiệp Phụ nữ xã".into(),
                ],
                m_place: vec!["Tại nhà".into(), "Nhà văn hóa thôn".into()],
                m_start: vec![date(received + Duration::days(7)); 2],
                m_end: vec![date(review_day); 2],
                m_resources: vec!["Ngân sách xã".into(), String::new()],
                ..s("draft_plan")
            },
            false,
        ));
        v.push((
            RawStep {
                decision_no: format!("{id}/QĐ-UBND"),
                ..s("approve_plan")
            },
            true,
        ));
        v.push((s("start_plan"), false));
        v.push((
            RawStep {
                harm_now: "low".into(),
                abuser_access: "low".into(),
                obstacles: "low".into(),
                self_protection: "high".into(),
                recovery: "high".into(),
                recommendation: "close".into(),
                summary: "Trẻ ổn định, đi học đều; gia đình hợp tác.".into(),
                ..s("review")
            },
            false,
        ));
        v.push((
            RawStep {
                reason: "safe_and_stable".into(),
                ..s("close")
            },
            true,
        ));
        v
    };
    for (mut raw, by_chairman) in steps {
        // Delays: hours for the first steps, days for the plan, weeks for the review.
        let hours = match raw.step.as_str() {
            "verify" => 1,
            "assess_initial" | "apply_emergency" => 2,
            "assess_specific" => 20,
            _ => 24,
        };
        let when = match raw.step.as_str() {
            "review" => t.max(review_day) + Duration::hours(2),
            "close" => t.max(review_day) + Duration::hours(26),
            _ => t + Duration::hours(hours) + Duration::minutes(rng.random_range(5..55)),
        };
        t = when;
        if raw.step == "assess_specific" {
            raw.meeting_on = date(when);
        }
        if raw.step == "approve_plan" {
            raw.decided_on = date(when);
        }
        let who = if by_chairman { chairman } else { worker };
        cases::take_step(store, &scoped(who), id, &raw, None, when).await?;
        if raw.step == last {
            break;
        }
    }
    Ok(())
}
