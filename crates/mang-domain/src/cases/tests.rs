use super::*;
use rand::{Rng, SeedableRng};
use time::macros::datetime;

fn form(step: Step) -> StepForm {
    match step {
        Step::Verify => StepForm::Verify {
            confirmed: true,
            findings: "Có dấu hiệu bạo lực".into(),
        },
        Step::AssessInitial => StepForm::AssessInitial {
            serious_risk: true,
            harm_level: "high".into(),
            findings: "Nhiều vết bầm".into(),
            immediate_needs: "Nơi ở an toàn".into(),
        },
        Step::ApplyEmergency => StepForm::ApplyEmergency {
            measures: vec!["safe_shelter".into()],
            separated: true,
            place: "Nhà bà ngoại".into(),
            note: String::new(),
        },
        Step::AssessSpecific => StepForm::AssessSpecific {
            child_state: "Sợ hãi".into(),
            family_situation: "Cha nghiện rượu".into(),
            protective_capacity: "low".into(),
            risk_factors: String::new(),
            needs: "Tâm lý".into(),
            meeting_on: "2026-03-02".into(),
            participants: "UBND xã, công an".into(),
            child_participated: true,
        },
        Step::DraftPlan => StepForm::DraftPlan {
            goals: "An toàn".into(),
            review_on: "2026-06-01".into(),
            measures: vec![],
        },
        Step::ReturnPlan => StepForm::ReturnPlan {
            comment: "Bổ sung".into(),
        },
        Step::ApprovePlan => StepForm::ApprovePlan {
            decision_no: "12/QĐ-UBND".into(),
            decided_on: "2026-03-05".into(),
        },
        Step::StartPlan => StepForm::StartPlan {
            note: String::new(),
        },
        Step::Review => StepForm::Review {
            harm_now: "low".into(),
            abuser_access: "low".into(),
            obstacles: "low".into(),
            self_protection: "high".into(),
            recovery: "high".into(),
            recommendation: Recommendation::Close,
            summary: "Ổn định".into(),
        },
        Step::Close => StepForm::Close {
            reason: "safe_and_stable".into(),
            note: String::new(),
        },
        Step::Reopen => StepForm::Reopen {
            reason: "Tái diễn".into(),
        },
    }
}

#[test]
fn a_serious_case_walks_every_step_to_closure() {
    let path = [
        (Step::Verify, Actor::Worker, Stage::Verified),
        (Step::AssessInitial, Actor::Worker, Stage::InitialAssessed),
        (
            Step::ApplyEmergency,
            Actor::Chairman,
            Stage::EmergencyApplied,
        ),
        (Step::AssessSpecific, Actor::Worker, Stage::SpecificAssessed),
        (Step::DraftPlan, Actor::Worker, Stage::PlanDrafted),
        (Step::ReturnPlan, Actor::Chairman, Stage::SpecificAssessed),
        (Step::DraftPlan, Actor::Worker, Stage::PlanDrafted),
        (Step::ApprovePlan, Actor::Chairman, Stage::PlanApproved),
        (Step::StartPlan, Actor::Worker, Stage::InProgress),
        (Step::Review, Actor::Worker, Stage::Reviewed),
        (Step::Close, Actor::Chairman, Stage::Closed),
        (Step::Reopen, Actor::Worker, Stage::Verified),
    ];
    let (mut stage, mut facts) = (Stage::Reported, Facts::default());
    for (step, actor, to) in path {
        (stage, facts) = apply(stage, &facts, &form(step), actor).unwrap();
        assert_eq!(stage, to, "{step:?}");
    }
    assert_eq!(
        facts.serious_risk, None,
        "a reopened case is assessed again"
    );
}

#[test]
fn refusals_say_why_in_vietnamese() {
    let facts = Facts::default();
    let e = next(Stage::Reported, &facts, Step::ApprovePlan, Actor::Worker).unwrap_err();
    assert_eq!(
        e.0,
        "Bước «Phê duyệt kế hoạch (Mẫu 05)» do Chủ tịch Ủy ban nhân dân cấp xã thực hiện."
    );
    let e = next(Stage::Reported, &facts, Step::ApprovePlan, Actor::Chairman).unwrap_err();
    assert!(e.0.contains("chưa có kế hoạch chờ phê duyệt"), "{e}");
    // Serious risk: the specific assessment waits for the emergency measures.
    let serious = Facts {
        confirmed: Some(true),
        serious_risk: Some(true),
        recommendation: None,
    };
    let e = next(
        Stage::InitialAssessed,
        &serious,
        Step::AssessSpecific,
        Actor::Worker,
    )
    .unwrap_err();
    assert!(e.0.contains("12 giờ"), "{e}");
    // No serious risk: no emergency measures, straight to the specific assessment.
    let calm = Facts {
        serious_risk: Some(false),
        ..serious
    };
    assert!(
        next(
            Stage::InitialAssessed,
            &calm,
            Step::ApplyEmergency,
            Actor::Worker
        )
        .is_err()
    );
    assert_eq!(
        next(
            Stage::InitialAssessed,
            &calm,
            Step::AssessSpecific,
            Actor::Worker
        ),
        Ok(Stage::SpecificAssessed)
    );
    // Nobody else acts.
    assert!(next(Stage::Reported, &facts, Step::Verify, Actor::Other).is_err());
}

#[test]
fn closing_reasons_fit_the_stage() {
    let f = Facts::default();
    let safe = StepForm::Close {
        reason: "safe_and_stable".into(),
        note: String::new(),
    };
    let e = apply(Stage::InProgress, &f, &safe, Actor::Chairman).unwrap_err();
    assert!(e.0.contains("Điều 30"), "{e}");
    let died = StepForm::Close {
        reason: "died".into(),
        note: String::new(),
    };
    assert_eq!(
        apply(Stage::InProgress, &f, &died, Actor::Chairman)
            .unwrap()
            .0,
        Stage::Closed
    );
    let unfounded = StepForm::Close {
        reason: "unfounded".into(),
        note: String::new(),
    };
    let not_confirmed = Facts {
        confirmed: Some(false),
        ..f
    };
    assert!(apply(Stage::Verified, &f, &unfounded, Actor::Chairman).is_err());
    assert!(apply(Stage::Verified, &not_confirmed, &unfounded, Actor::Chairman).is_ok());
    assert!(
        next(
            Stage::Verified,
            &not_confirmed,
            Step::AssessInitial,
            Actor::Worker
        )
        .is_err(),
        "an unconfirmed report is not assessed"
    );
}

/// The allowed edges, written out independently of `next`: (from, step, to).
const EDGES: &[(Stage, Step, Stage)] = &[
    (Stage::Reported, Step::Verify, Stage::Verified),
    (Stage::Verified, Step::AssessInitial, Stage::InitialAssessed),
    (
        Stage::InitialAssessed,
        Step::ApplyEmergency,
        Stage::EmergencyApplied,
    ),
    (
        Stage::InitialAssessed,
        Step::AssessSpecific,
        Stage::SpecificAssessed,
    ),
    (
        Stage::EmergencyApplied,
        Step::AssessSpecific,
        Stage::SpecificAssessed,
    ),
    (Stage::SpecificAssessed, Step::DraftPlan, Stage::PlanDrafted),
    (
        Stage::PlanDrafted,
        Step::ReturnPlan,
        Stage::SpecificAssessed,
    ),
    (Stage::PlanDrafted, Step::ApprovePlan, Stage::PlanApproved),
    (Stage::PlanApproved, Step::StartPlan, Stage::InProgress),
    (Stage::InProgress, Step::Review, Stage::Reviewed),
    (Stage::Reviewed, Step::DraftPlan, Stage::PlanDrafted),
    (Stage::Closed, Step::Reopen, Stage::Verified),
];

fn has_diacritics(s: &str) -> bool {
    !s.is_ascii()
}

/// Property test: random sequences of steps by random actors. Every accepted step is an
/// edge of the graph above (or a closure), taken by the right person, with the
/// preconditions held; every refused one leaves the case unchanged and says why in
/// Vietnamese.
#[test]
fn random_step_sequences_follow_the_graph() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(56_2017);
    let actors = [Actor::Worker, Actor::Chairman, Actor::Other];
    let mut reached = std::collections::HashSet::new();
    for _ in 0..2_000 {
        let (mut stage, mut facts) = (Stage::Reported, Facts::default());
        for _ in 0..60 {
            let mut step = STEPS[rng.random_range(0..STEPS.len())];
            let actor = actors[rng.random_range(0..actors.len())];
            // Half the time, a step this actor is offered, so that walks get deep.
            let offered = possible_steps(stage, &facts, actor);
            if rng.random_bool(0.5) && !offered.is_empty() {
                step = offered[rng.random_range(0..offered.len())];
            }
            let mut f = form(step);
            match &mut f {
                StepForm::Verify { confirmed, .. } => *confirmed = rng.random_bool(0.8),
                StepForm::AssessInitial { serious_risk, .. } => {
                    *serious_risk = rng.random_bool(0.5)
                }
                StepForm::Review { recommendation, .. } => {
                    *recommendation = if rng.random_bool(0.5) {
                        Recommendation::Close
                    } else {
                        Recommendation::NewPlan
                    }
                }
                StepForm::Close { reason, .. } => {
                    *reason = CLOSE_REASONS[rng.random_range(0..CLOSE_REASONS.len())]
                        .as_str()
                        .into()
                }
                _ => {}
            }
            match apply(stage, &facts, &f, actor) {
                Ok((to, new_facts)) => {
                    assert_ne!(actor, Actor::Other, "{step:?} by nobody");
                    let chairman_only =
                        matches!(step, Step::ApprovePlan | Step::ReturnPlan | Step::Close);
                    if chairman_only {
                        assert_eq!(actor, Actor::Chairman, "{step:?}");
                    }
                    if step == Step::Close {
                        assert_eq!(to, Stage::Closed);
                        assert_ne!(stage, Stage::Closed);
                    } else {
                        assert!(
                            EDGES.contains(&(stage, step, to)),
                            "{stage:?} --{step:?}--> {to:?} is not an edge"
                        );
                    }
                    if step == Step::AssessSpecific && stage == Stage::InitialAssessed {
                        assert_eq!(facts.serious_risk, Some(false), "emergency skipped");
                    }
                    if step == Step::AssessInitial {
                        assert_eq!(facts.confirmed, Some(true), "unconfirmed assessed");
                    }
                    reached.insert((stage, step));
                    stage = to;
                    facts = new_facts;
                }
                Err(e) => {
                    assert!(!e.0.is_empty() && has_diacritics(&e.0), "{e}");
                    assert!(
                        e.0.starts_with("Không thể")
                            || e.0.starts_with("Bước «")
                            || e.0.starts_with("Chỉ")
                            || e.0.starts_with("Chọn"),
                        "{e}"
                    );
                }
            }
        }
    }
    for (from, step, _) in EDGES {
        assert!(
            reached.contains(&(*from, *step)),
            "the random walk never took {from:?} --{step:?}"
        );
    }
}

#[test]
fn possible_steps_offer_only_what_is_allowed() {
    let f = Facts::default();
    assert_eq!(
        possible_steps(Stage::Reported, &f, Actor::Worker),
        vec![Step::Verify]
    );
    assert_eq!(
        possible_steps(Stage::Reported, &f, Actor::Chairman),
        vec![Step::Close],
        "the chairman may close for death, moving away, age"
    );
    assert!(possible_steps(Stage::Reported, &f, Actor::Other).is_empty());
}

#[test]
fn step_forms_are_checked_field_by_field() {
    let today = time::macros::date!(2026 - 03 - 10);
    let raw = RawStep {
        step: "draft_plan".into(),
        goals: "Trẻ an toàn".into(),
        review_on: "01/02/2026".into(),
        m_measure: vec!["psychological".into(), "".into()],
        m_activity: vec!["Tư vấn tâm lý hằng tuần".into(), "".into()],
        m_responsible: vec!["".into(), "".into()],
        m_start: vec!["10/03/2026".into(), "".into()],
        m_end: vec!["01/03/2026".into(), "".into()],
        ..RawStep::default()
    };
    let errors = check_step(&raw, today).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        ["review_on", "m_responsible", "m_end"],
        "{errors:?}"
    );
    assert!(errors[1].message.starts_with("Dòng 1:"));
    let ok = RawStep {
        review_on: "01/06/2026".into(),
        m_responsible: vec!["Trạm Y tế xã".into()],
        m_end: vec!["31/05/2026".into()],
        ..raw
    };
    let StepForm::DraftPlan {
        review_on,
        measures,
        ..
    } = check_step(&ok, today).unwrap()
    else {
        panic!("a plan")
    };
    assert_eq!(review_on, "2026-06-01");
    assert_eq!(measures.len(), 1);
    assert_eq!(measures[0].start, "2026-03-10");
    let e = check_step(
        &RawStep {
            step: "verify".into(),
            ..RawStep::default()
        },
        today,
    )
    .unwrap_err();
    assert_eq!(e.len(), 2);
    assert!(check_step(&RawStep::default(), today).is_err());
}

fn clock(stage: Stage, serious: Option<bool>, started: OffsetDateTime) -> Clock {
    Clock {
        stage,
        facts: Facts {
            confirmed: Some(true),
            serious_risk: serious,
            recommendation: None,
        },
        started,
        plan_drafted: None,
        review_on: None,
    }
}

#[test]
fn a_serious_case_untouched_for_12_hours_is_overdue() {
    let cal = WorkCalendar::shipped();
    let limits = Limits::default();
    // Received at 21:00 local on Friday 6 March 2026.
    let received = datetime!(2026-03-06 14:00 UTC);
    let c = clock(Stage::InitialAssessed, Some(true), received);
    let d = next_deadline(&c, &cal, &limits).unwrap();
    assert_eq!(d.kind, DeadlineKind::Emergency);
    assert_eq!(
        d.due,
        datetime!(2026-03-07 02:00 UTC),
        "12 calendar hours, weekend or not"
    );
    assert_eq!(
        d.urgency(received + Duration::hours(11), &limits),
        Urgency::Near
    );
    let late = received + Duration::hours(12) + Duration::minutes(1);
    assert_eq!(d.urgency(late, &limits), Urgency::Overdue);
    assert_eq!(d.left_vi(late), "quá hạn 1 phút");
    assert_eq!(d.left_vi(received), "còn 12 giờ 0 phút");
    assert_eq!(d.due_vi(), "07/03/2026 09:00");
    // A shorter local limit (Hà Nội ward: 8 h) is configuration.
    let mut short = limits.clone();
    assert!(short.set("emergency_hours", 8));
    assert!(!short.set("emergency_hours", 0) && !short.set("nope", 3));
    let d = next_deadline(&c, &cal, &short).unwrap();
    assert_eq!(d.due, received + Duration::hours(8));
}

#[test]
fn five_working_days_skip_weekends_and_tet() {
    let cal = WorkCalendar::shipped();
    let limits = Limits::default();
    // Received Thursday 5 March 2026, 10:00 local: Fri 6, Mon 9, Tue 10, Wed 11, Thu 12.
    let c = clock(
        Stage::SpecificAssessed,
        Some(false),
        datetime!(2026-03-05 03:00 UTC),
    );
    let d = next_deadline(&c, &cal, &limits).unwrap();
    assert_eq!(d.kind, DeadlineKind::PlanDraft);
    assert_eq!(
        d.due.to_offset(VN).date(),
        time::macros::date!(2026 - 03 - 13)
    );
    assert_eq!(
        d.due.to_offset(VN).time(),
        time::Time::MIDNIGHT,
        "end of Thursday 12"
    );
    // Received Friday 13 February 2026, the day before Tết Bính Ngọ: 16–20/02 are
    // holidays, so the five days are 23–27/02.
    let c = clock(
        Stage::SpecificAssessed,
        Some(false),
        datetime!(2026-02-13 02:00 UTC),
    );
    let d = next_deadline(&c, &cal, &limits).unwrap();
    assert_eq!(
        d.due.to_offset(VN).date(),
        time::macros::date!(2026 - 02 - 28)
    );
    // Without the holidays it would be Friday 20.
    let plain = WorkCalendar::new(&[]);
    let d = next_deadline(&c, &plain, &limits).unwrap();
    assert_eq!(
        d.due.to_offset(VN).date(),
        time::macros::date!(2026 - 02 - 21)
    );
}

#[test]
fn deadlines_follow_the_stage() {
    let cal = WorkCalendar::shipped();
    let limits = Limits::default();
    let t = datetime!(2026-03-02 01:00 UTC);
    let kind = |c: &Clock| next_deadline(c, &cal, &limits).map(|d| d.kind);
    assert_eq!(
        kind(&clock(Stage::Reported, None, t)),
        Some(DeadlineKind::InitialAssessment)
    );
    assert_eq!(
        kind(&clock(Stage::InitialAssessed, Some(false), t)),
        Some(DeadlineKind::PlanDraft)
    );
    let mut c = clock(Stage::PlanDrafted, Some(false), t);
    c.plan_drafted = Some(datetime!(2026-03-06 08:00 UTC));
    let d = next_deadline(&c, &cal, &limits).unwrap();
    assert_eq!(d.kind, DeadlineKind::PlanApproval);
    assert_eq!(
        d.due.to_offset(VN).date(),
        time::macros::date!(2026 - 03 - 11)
    );
    let mut c = clock(Stage::InProgress, Some(false), t);
    c.review_on = Some(time::macros::date!(2026 - 06 - 01));
    let d = next_deadline(&c, &cal, &limits).unwrap();
    assert_eq!(d.kind, DeadlineKind::PlanReview);
    assert_eq!(d.due, datetime!(2026-06-01 17:00 UTC));
    assert_eq!(kind(&clock(Stage::Closed, Some(false), t)), None);
}

#[test]
fn handled_in_time_is_computed_from_the_timestamps() {
    let cal = WorkCalendar::shipped();
    let limits = Limits::default();
    let received = datetime!(2026-03-02 01:00 UTC); // Monday 08:00 local
    let taken = |step: Step, hours: i64| Taken {
        step,
        at: received + Duration::hours(hours),
        form: form(step),
    };
    let good = vec![
        taken(Step::Verify, 1),
        taken(Step::AssessInitial, 3),
        taken(Step::ApplyEmergency, 10),
        taken(Step::AssessSpecific, 30),
        taken(Step::DraftPlan, 72),
        taken(Step::ApprovePlan, 96),
    ];
    let later = received + Duration::days(30);
    assert!(handled_in_time(received, &good, later, &cal, &limits));
    // Emergency measures after 13 hours: not in time.
    let mut late = good.clone();
    late[2] = taken(Step::ApplyEmergency, 13);
    assert!(!handled_in_time(received, &late, later, &cal, &limits));
    // Nothing done yet: in time for 12 hours, then not.
    assert!(handled_in_time(
        received,
        &[],
        received + Duration::hours(11),
        &cal,
        &limits
    ));
    assert!(!handled_in_time(
        received,
        &[],
        received + Duration::hours(13),
        &cal,
        &limits
    ));
    // The fifth working day after Monday 2 March is Monday 9 March: a draft that day is
    // in time, one on Tuesday 10 is late.
    let mut slow = good.clone();
    slow[4] = taken(Step::DraftPlan, 24 * 7 + 2);
    slow[5] = taken(Step::ApprovePlan, 24 * 7 + 4);
    assert!(handled_in_time(received, &slow, later, &cal, &limits));
    slow[4] = taken(Step::DraftPlan, 24 * 8 + 2);
    slow[5] = taken(Step::ApprovePlan, 24 * 8 + 4);
    assert!(!handled_in_time(received, &slow, later, &cal, &limits));
    // Unfounded after verification: only the initial limit applied, and it was met.
    let unfounded = vec![
        Taken {
            step: Step::Verify,
            at: received + Duration::hours(2),
            form: StepForm::Verify {
                confirmed: false,
                findings: "Không có".into(),
            },
        },
        Taken {
            step: Step::Close,
            at: received + Duration::hours(5),
            form: form(Step::Close),
        },
    ];
    assert!(handled_in_time(received, &unfounded, later, &cal, &limits));
}

#[test]
fn every_limit_names_its_source() {
    let l = Limits::default();
    let d = l.describe();
    assert_eq!(d.len(), 5);
    for limit in &d {
        assert!(!limit.source.is_empty() && has_diacritics(limit.label));
        let mut m = l.clone();
        assert!(m.set(limit.key, limit.value + 1));
    }
    assert_eq!(d[1].value, 12);
    assert_eq!(d[2].unit, LimitUnit::WorkingDays);
}

#[test]
fn step_forms_serialise_with_their_step() {
    let f = form(Step::AssessInitial);
    let json = serde_json::to_string(&f).unwrap();
    assert!(
        json.starts_with(r#"{"step":"assess_initial","serious_risk":true"#),
        "{json}"
    );
    let back: StepForm = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f);
    for s in STEPS {
        assert_eq!(form(*s).step(), *s);
        assert_eq!(
            serde_json::to_value(form(*s)).unwrap()["step"],
            s.as_str(),
            "serde tag and code agree"
        );
    }
}

#[test]
fn who_sees_what_of_a_case() {
    use crate::access::{Principal, Role};
    use crate::units::{UnitCode, UnitPath};
    let path = |c: Option<&str>| UnitPath {
        province: Some("31".into()),
        commune: c.map(Into::into),
        village: None,
    };
    let user = |id: i64, role: Role, unit: &str| Principal {
        user_id: id,
        username: format!("u{id}"),
        role,
        unit: UnitCode::parse(unit).unwrap(),
        unit_path: path((unit.len() > 2).then_some(unit)),
    };
    let case = path(Some("31006"));
    let worker = user(1, Role::CommuneOfficer, "31006");
    let colleague = user(2, Role::CommuneOfficer, "31006");
    let elsewhere = user(3, Role::CommuneOfficer, "31012");
    let chairman = user(4, Role::CommuneChairman, "31006");
    let province = user(5, Role::ProvinceOfficer, "31");
    let school = user(6, Role::School, "31006");
    let other_school = user(7, Role::School, "31006");
    let leader = user(8, Role::Leader, "31");
    let v = |p: &Principal| access(p, &case, Some(1), 6);
    assert_eq!(v(&worker), Visibility::Reporter);
    assert_eq!(v(&chairman), Visibility::Reporter);
    assert_eq!(v(&province), Visibility::Content);
    assert_eq!(v(&colleague), Visibility::Status);
    assert_eq!(
        v(&school),
        Visibility::Status,
        "the reporting school sees the status"
    );
    assert_eq!(v(&other_school), Visibility::None);
    assert_eq!(v(&elsewhere), Visibility::None);
    assert_eq!(v(&leader), Visibility::None, "leaders see aggregates only");
    assert_eq!(actor_of(&worker, &case, Some(1)), Actor::Worker);
    assert_eq!(actor_of(&colleague, &case, Some(1)), Actor::Other);
    assert_eq!(actor_of(&chairman, &case, Some(1)), Actor::Chairman);
    assert_eq!(actor_of(&province, &case, Some(1)), Actor::Other);
    assert_eq!(
        actor_of(&user(9, Role::CommuneChairman, "31012"), &case, None),
        Actor::Other
    );
}
