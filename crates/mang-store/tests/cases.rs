//! Child-protection cases on a real database (SQLite, and PostgreSQL in CI's second run),
//! with time as a parameter: nothing sleeps.

use mang_domain::access::{Principal, Role, ViewCases};
use mang_domain::cases::{RawCaseChild, RawStep, VN};
use mang_store::cases::{self, CaseFilter, NewCase, NewReferral};
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store, StoreError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

struct World {
    _db: TestDb,
    store: Store,
    a: String,
    b: String,
    officer: Principal,
    chairman: Principal,
    school: Principal,
    other_school: Principal,
    officer_b: Principal,
    province: Principal,
    admin: Principal,
}

async fn user(store: &Store, name: &str, role: Role, unit: &str) -> Principal {
    mang_store::testing::user(store, name, role, unit).await
}

async fn world() -> World {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    let communes = mang_store::units::communes_of(&store, "31").await.unwrap();
    let (a, b) = (communes[0].code.clone(), communes[1].code.clone());
    World {
        officer: user(&store, "canbo", Role::CommuneOfficer, &a).await,
        chairman: user(&store, "chutich", Role::CommuneChairman, &a).await,
        school: user(&store, "truong", Role::School, &a).await,
        other_school: user(&store, "truong2", Role::School, &a).await,
        officer_b: user(&store, "canbob", Role::CommuneOfficer, &b).await,
        province: user(&store, "tinh", Role::ProvinceOfficer, "31").await,
        admin: user(&store, "quantri", Role::Admin, "31").await,
        _db: db,
        store,
        a,
        b,
    }
}

fn local(t: OffsetDateTime) -> String {
    let l = t.to_offset(VN);
    format!(
        "{} {:02}:{:02}",
        mang_domain::vi::date(l.date()),
        l.hour(),
        l.minute()
    )
}

fn vc(p: &Principal) -> mang_domain::access::Scoped<ViewCases> {
    p.scoped::<ViewCases>().unwrap()
}

async fn intake(w: &World, by: &Principal, received: OffsetDateTime) -> i64 {
    let input = NewCase {
        received_at: local(received),
        channel: "hotline_111".into(),
        reporter_name: "Bà Hàng Xóm".into(),
        reporter_phone: "0912345678".into(),
        place: "Nhà riêng".into(),
        harms: vec!["violence".into()],
        description: "Trẻ bị đánh nhiều lần".into(),
        perpetrator: "parent".into(),
        children: vec![RawCaseChild {
            name: "Trẻ Thử Nghiệm".into(),
            sex: "Nữ".into(),
            age_years: "9".into(),
            ..RawCaseChild::default()
        }],
        ..NewCase::default()
    };
    cases::intake(
        &w.store,
        &by.scoped().unwrap(),
        &input,
        received + Duration::minutes(1),
    )
    .await
    .unwrap()
}

fn step(code: &str) -> RawStep {
    RawStep {
        step: code.into(),
        ..RawStep::default()
    }
}

fn verify() -> RawStep {
    RawStep {
        confirmed: "1".into(),
        findings: "Có căn cứ".into(),
        ..step("verify")
    }
}

fn assess(serious: bool) -> RawStep {
    RawStep {
        serious_risk: if serious { "1" } else { "0" }.into(),
        harm_level: "high".into(),
        findings: "Nhiều vết bầm".into(),
        ..step("assess_initial")
    }
}

fn specific(on: OffsetDateTime) -> RawStep {
    RawStep {
        child_state: "Sợ hãi".into(),
        family_situation: "Cha nghiện rượu".into(),
        protective_capacity: "low".into(),
        needs: "Tâm lý".into(),
        meeting_on: mang_domain::vi::date(on.to_offset(VN).date()),
        ..step("assess_specific")
    }
}

async fn take(w: &World, by: &Principal, id: i64, raw: RawStep, at: OffsetDateTime) {
    cases::take_step(&w.store, &vc(by), id, &raw, None, at)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", raw.step));
}

async fn overdue_codes(w: &World, p: &Principal, now: OffsetDateTime) -> Vec<String> {
    cases::list(
        &w.store,
        &vc(p),
        &CaseFilter {
            due: "overdue".into(),
            ..CaseFilter::default()
        },
        now,
    )
    .await
    .unwrap()
    .into_iter()
    .map(|c| c.code)
    .collect()
}

#[tokio::test]
async fn a_serious_case_not_handled_in_12_hours_is_overdue_for_officer_and_chairman() {
    let w = world().await;
    let t = datetime!(2026-03-06 14:00 UTC); // Friday 21:00 in Vietnam
    let id = intake(&w, &w.officer, t).await;
    take(&w, &w.officer, id, verify(), t + Duration::hours(1)).await;
    take(&w, &w.officer, id, assess(true), t + Duration::hours(2)).await;
    let code = cases::get(&w.store, &vc(&w.officer), id, t + Duration::hours(3))
        .await
        .unwrap()
        .summary
        .code;
    // 11 hours after receipt: near, not overdue.
    let at11 = t + Duration::hours(11);
    assert!(overdue_codes(&w, &w.officer, at11).await.is_empty());
    let near = cases::due_soon(&w.store, &vc(&w.chairman), at11)
        .await
        .unwrap();
    assert_eq!(near[0].urgency, "near");
    assert_eq!(near[0].next_due_kind, "Can thiệp khẩn cấp (nguy cơ cao)");
    // 12 hours and a minute: overdue, for the officer and for the chairman, on the
    // weekend too (calendar hours).
    let late = t + Duration::hours(12) + Duration::minutes(1);
    assert_eq!(
        overdue_codes(&w, &w.officer, late).await,
        vec![code.clone()]
    );
    assert_eq!(
        overdue_codes(&w, &w.chairman, late).await,
        vec![code.clone()]
    );
    let home = cases::due_soon(&w.store, &vc(&w.officer), late)
        .await
        .unwrap();
    assert_eq!(home[0].urgency, "overdue");
    assert_eq!(home[0].time_left, "quá hạn 1 phút");
    let summary = cases::daily_summary(&w.store, Some("31"), late)
        .await
        .unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].code, code);
    assert_eq!(summary[0].urgency, "Quá hạn");
    // The emergency measures taken: the next limit is the plan, 5 working days on.
    take(
        &w,
        &w.chairman,
        id,
        RawStep {
            measures: vec!["safe_shelter".into()],
            ..step("apply_emergency")
        },
        late,
    )
    .await;
    assert!(overdue_codes(&w, &w.officer, late).await.is_empty());
    let c = cases::get(&w.store, &vc(&w.officer), id, late)
        .await
        .unwrap();
    assert_eq!(c.summary.next_due_kind, "Xây dựng kế hoạch");
    // Received Friday 6 March: Mon 9 … Fri 13.
    assert_eq!(c.summary.next_due_label, "hết ngày 13/03/2026");
}

#[tokio::test]
async fn the_plan_limit_skips_weekends_and_the_tet_week() {
    let w = world().await;
    // Friday 13 February 2026, 09:00 in Vietnam: Tết Bính Ngọ closes 16–20 February.
    let t = datetime!(2026-02-13 02:00 UTC);
    let id = intake(&w, &w.officer, t).await;
    take(&w, &w.officer, id, verify(), t + Duration::hours(1)).await;
    take(&w, &w.officer, id, assess(false), t + Duration::hours(2)).await;
    let c = cases::get(&w.store, &vc(&w.officer), id, t + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(c.summary.next_due_label, "hết ngày 27/02/2026");
    // Still in time on Friday 27 in the afternoon, overdue on Saturday 28.
    assert!(
        overdue_codes(&w, &w.officer, datetime!(2026-02-27 09:00 UTC))
            .await
            .is_empty()
    );
    assert_eq!(
        overdue_codes(&w, &w.officer, datetime!(2026-02-27 17:01 UTC)).await,
        vec![c.summary.code.clone()]
    );
    // An admin declares Monday 23 February a holiday: the limit moves to Monday 2 March.
    cases::set_holiday(
        &w.store,
        &w.admin.scoped().unwrap(),
        "23/02/2026",
        "holiday",
        "Ngày nghỉ bù (thử nghiệm)",
    )
    .await
    .unwrap();
    let c = cases::get(&w.store, &vc(&w.officer), id, t + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(c.summary.next_due_label, "hết ngày 02/03/2026");
    // The officer may not change the calendar.
    assert!(
        w.officer
            .scoped::<mang_domain::access::ManageSettings>()
            .is_err()
    );
}

async fn audit_views(w: &World, id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND action = 'view' AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(w.store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn confidentiality_and_audit_of_every_read() {
    let w = world().await;
    let t = OffsetDateTime::now_utc() - Duration::hours(2);
    let id = intake(&w, &w.school, t).await;
    let now = OffsetDateTime::now_utc();
    // The reporting school: status, no content, no reporter.
    let c = cases::get(&w.store, &vc(&w.school), id, now).await.unwrap();
    assert_eq!(c.summary.visibility, "status");
    assert!(c.description.is_empty() && c.children.is_empty() && c.timeline.is_empty());
    assert!(c.summary.harms.is_empty() && c.reporter.is_none());
    assert_eq!(c.summary.stage_label, "Tiếp nhận thông tin");
    // Another school of the commune, and an officer of another commune: not found, and
    // not in their lists.
    for p in [&w.other_school, &w.officer_b] {
        assert!(matches!(
            cases::get(&w.store, &vc(p), id, now).await,
            Err(StoreError::NotFound)
        ));
        let all = CaseFilter {
            stage: "all".into(),
            ..CaseFilter::default()
        };
        assert!(
            cases::list(&w.store, &vc(p), &all, now)
                .await
                .unwrap()
                .is_empty()
        );
    }
    // The officer of the commune before taking it: status only; then the reporter too.
    let c = cases::get(&w.store, &vc(&w.officer), id, now)
        .await
        .unwrap();
    assert_eq!(c.summary.visibility, "status");
    assert!(c.may_take);
    cases::assign(&w.store, &vc(&w.officer), id, w.officer.user_id, now)
        .await
        .unwrap();
    let c = cases::get(&w.store, &vc(&w.officer), id, now)
        .await
        .unwrap();
    assert_eq!(c.summary.visibility, "reporter");
    assert_eq!(c.reporter.unwrap().name, "Bà Hàng Xóm");
    assert_eq!(c.description, "Trẻ bị đánh nhiều lần");
    assert_eq!(c.steps, ["verify"]);
    // The province: content without the reporter. The chairman: everything.
    let c = cases::get(&w.store, &vc(&w.province), id, now)
        .await
        .unwrap();
    assert_eq!(c.summary.visibility, "content");
    assert!(c.reporter.is_none() && !c.description.is_empty());
    let c = cases::get(&w.store, &vc(&w.chairman), id, now)
        .await
        .unwrap();
    assert!(c.reporter.is_some());
    // Admins, leaders: no case access at all.
    assert!(w.admin.scoped::<ViewCases>().is_err());
    // Every read wrote an audit entry: school, officer ×2, province, chairman (the
    // refused reads found nothing to audit against).
    assert_eq!(audit_views(&w, id).await, 5);
    // The school cannot act on the case.
    let e = cases::take_step(&w.store, &vc(&w.school), id, &verify(), None, now)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("người làm công tác bảo vệ trẻ em"),
        "{e}"
    );
}

#[tokio::test]
async fn refused_steps_change_nothing_and_say_why() {
    let w = world().await;
    let t = OffsetDateTime::now_utc() - Duration::hours(3);
    let id = intake(&w, &w.officer, t).await;
    let now = OffsetDateTime::now_utc();
    let approve = RawStep {
        decision_no: "1/QĐ-UBND".into(),
        decided_on: mang_domain::vi::date(now.to_offset(VN).date()),
        ..step("approve_plan")
    };
    let e = cases::take_step(&w.store, &vc(&w.officer), id, &approve, None, now)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Bước «Phê duyệt kế hoạch (Mẫu 05)» do Chủ tịch Ủy ban nhân dân cấp xã thực hiện."
    );
    let e = cases::take_step(&w.store, &vc(&w.chairman), id, &approve, None, now)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("chưa có kế hoạch chờ phê duyệt"),
        "{e}"
    );
    // A stale version is refused.
    let v = cases::get(&w.store, &vc(&w.officer), id, now)
        .await
        .unwrap()
        .version;
    take(&w, &w.officer, id, verify(), now).await;
    let e = cases::take_step(&w.store, &vc(&w.officer), id, &assess(false), Some(v), now)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::StaleVersion { .. }), "{e}");
    let c = cases::get(&w.store, &vc(&w.officer), id, now)
        .await
        .unwrap();
    assert_eq!(c.summary.stage, "verified");
    // Steps: intake and verify only.
    assert_eq!(c.timeline.len(), 2);
}

#[tokio::test]
async fn a_transfer_moves_the_case_when_the_receiving_commune_accepts() {
    let w = world().await;
    let t = OffsetDateTime::now_utc() - Duration::hours(5);
    let id = intake(&w, &w.officer, t).await;
    let now = OffsetDateTime::now_utc();
    take(&w, &w.officer, id, verify(), t + Duration::hours(1)).await;
    let e = cases::refer(
        &w.store,
        &vc(&w.officer),
        id,
        &NewReferral {
            kind: "transfer".into(),
            reason: "Trẻ chuyển đến ở với bà nội".into(),
            ..NewReferral::default()
        },
        now,
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("xã, phường nơi trẻ chuyển đến"),
        "{e}"
    );
    let fid = cases::refer(
        &w.store,
        &vc(&w.officer),
        id,
        &NewReferral {
            kind: "transfer".into(),
            to_commune_code: w.b.clone(),
            reason: "Trẻ chuyển đến ở với bà nội".into(),
            ..NewReferral::default()
        },
        now,
    )
    .await
    .unwrap();
    let inbox = cases::inbox(&w.store, &vc(&w.officer_b)).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].id, fid);
    assert!(
        cases::inbox(&w.store, &vc(&w.officer))
            .await
            .unwrap()
            .is_empty()
    );
    // Declining needs a reason; accepting moves the case, assigned to the one who accepted.
    assert!(
        cases::decide(&w.store, &vc(&w.officer_b), fid, false, "", now)
            .await
            .is_err()
    );
    cases::decide(&w.store, &vc(&w.officer_b), fid, true, "Đã nhận", now)
        .await
        .unwrap();
    let c = cases::get(&w.store, &vc(&w.officer_b), id, now)
        .await
        .unwrap();
    assert_eq!(c.summary.commune_code, w.b);
    assert_eq!(c.summary.visibility, "reporter");
    assert_eq!(
        c.summary.stage, "verified",
        "the process goes on where it was"
    );
    assert!(
        c.timeline.iter().any(|e| e.step == "transfer_accepted"),
        "{:?}",
        c.timeline.iter().map(|e| &e.step).collect::<Vec<_>>()
    );
    // The first commune's officer recorded the report: status only from now on.
    let c = cases::get(&w.store, &vc(&w.officer), id, now)
        .await
        .unwrap();
    assert_eq!(c.summary.visibility, "status");
}

#[tokio::test]
async fn indicator_input_counts_children_and_those_handled_in_time() {
    let w = world().await;
    let t = datetime!(2026-03-02 01:00 UTC); // Monday 08:00
    // In time: every step within its limit.
    let good = intake(&w, &w.officer, t).await;
    take(&w, &w.officer, good, verify(), t + Duration::hours(1)).await;
    take(&w, &w.officer, good, assess(false), t + Duration::hours(2)).await;
    take(&w, &w.officer, good, specific(t), t + Duration::hours(20)).await;
    let plan = RawStep {
        goals: "An toàn".into(),
        review_on: "01/06/2026".into(),
        m_measure: vec!["psychological".into()],
        m_activity: vec!["Tư vấn".into()],
        m_responsible: vec!["Trạm Y tế".into()],
        m_start: vec!["05/03/2026".into()],
        m_end: vec!["30/05/2026".into()],
        ..step("draft_plan")
    };
    take(&w, &w.officer, good, plan, t + Duration::hours(48)).await;
    let approve = RawStep {
        decision_no: "5/QĐ-UBND".into(),
        decided_on: "05/03/2026".into(),
        ..step("approve_plan")
    };
    take(&w, &w.chairman, good, approve, t + Duration::hours(72)).await;
    // Late: the initial assessment after 15 hours.
    let late = intake(&w, &w.officer, t + Duration::hours(1)).await;
    take(&w, &w.officer, late, verify(), t + Duration::hours(14)).await;
    take(&w, &w.officer, late, assess(false), t + Duration::hours(16)).await;
    // Outside the period.
    intake(&w, &w.officer, datetime!(2026-04-02 01:00 UTC)).await;
    let path = mang_store::units::get(&w.store, &w.a).await.unwrap().path();
    let counts = cases::counts(
        &w.store,
        &path,
        time::macros::date!(2026 - 03 - 01),
        time::macros::date!(2026 - 03 - 31),
        datetime!(2026-04-10 00:00 UTC),
    )
    .await
    .unwrap();
    assert_eq!(counts.cases, 2);
    assert_eq!(counts.children, 2);
    assert_eq!(counts.children_in_time, 1);
    // The province sums its communes.
    let province = mang_store::units::get(&w.store, "31").await.unwrap().path();
    let p = cases::counts(
        &w.store,
        &province,
        time::macros::date!(2026 - 01 - 01),
        time::macros::date!(2026 - 12 - 31),
        datetime!(2026-04-10 00:00 UTC),
    )
    .await
    .unwrap();
    assert_eq!((p.cases, p.children), (3, 3));
    // The third case, never touched, is past its 12 hours: not in time.
    assert_eq!(p.children_in_time, 1);
}
