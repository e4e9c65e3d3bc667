//! Indicators 29, 36, 55 and 60 from the registers, on a hand-computed world of three
//! communes of Hải Phòng in 2026 (seen on 26/11/2026):
//!
//! - 29 (children in special circumstances covered by a policy they are eligible for):
//!   commune A has two orphans eligible for Decree 20's monthly allowance, one paid in
//!   March → 1/2; a third child (in conflict with the law, household not poor) is eligible
//!   for no policy and counts nowhere.
//! - 36 (disaster-affected children relieved in time, ≤ 30 days): in A one child paid 19
//!   days after being recorded (in time), one 44 days after (late) → 1/2; in B one child
//!   never paid → 0/1. Province 1/3.
//! - 55 (communes with a play venue): A says yes, B no, C did not assess → every commune
//!   of the province in the denominator, A alone in the numerator.
//! - 60 (communes that issued their plan on time): the province plan HP-SYT requires
//!   communes' plans (no date, so by the reference day); A issued one on 01/02/2026, B
//!   keeps a draft, C has none → A alone.

use mang_domain::access::{EditChildRecord, EditRegisters, ManagePlans, RecordPayments, Role};
use mang_domain::targets::{Period, Value};
use mang_store::circumstances::NewCircumstance;
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store, benefits, child_friendly, circumstances, indicators, plans};
use time::OffsetDateTime;
use time::macros::{date, datetime};

const NOW: OffsetDateTime = datetime!(2026-11-26 03:00 UTC);

fn v(n: f64, d: f64) -> Value {
    Value {
        numerator: n,
        denominator: Some(d),
    }
}

async fn child(store: &Store, commune: &str, name: &str, birth: &str) -> i64 {
    mang_store::testing::child(store, commune, name, "female", birth)
        .await
        .0
}

#[tokio::test]
async fn indicators_29_36_55_60_from_the_registers() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    plans::seed_examples(&store).await.unwrap();
    let communes = mang_store::units::communes_of(&store, "31").await.unwrap();
    let n = communes.len() as f64;
    let (a, b, c) = (&communes[0], &communes[1], &communes[2]);
    let xa_a = mang_store::testing::user(&store, "xa_a", Role::CommuneOfficer, &a.code).await;
    let xa_b = mang_store::testing::user(&store, "xa_b", Role::CommuneOfficer, &b.code).await;
    let edit = |p: &mang_domain::access::Principal| p.scoped::<EditChildRecord>().unwrap();
    let pay = |p: &mang_domain::access::Principal| p.scoped::<RecordPayments>().unwrap();
    let today = date!(2026 - 11 - 26);
    let circ = |code: &str, start: &str| NewCircumstance {
        code: code.into(),
        start_date: start.into(),
        source: "Xác minh của cán bộ xã".into(),
        note: String::new(),
    };

    // ---- 29 --------------------------------------------------------------------------
    let a1 = child(&store, &a.code, "Vũ Thị Lan", "2018-01-01").await;
    let a2 = child(&store, &a.code, "Vũ Thị Mai", "2015-06-01").await;
    let a3 = child(&store, &a.code, "Vũ Văn Nam", "2012-02-02").await;
    for (id, code) in [
        (a1, "orphan_both"),
        (a2, "orphan_both"),
        (a3, "in_conflict_with_law"),
    ] {
        circumstances::add(&store, &edit(&xa_a), id, &circ(code, "10/01/2026"), today)
            .await
            .unwrap();
    }
    benefits::record(
        &store,
        &pay(&xa_a),
        &benefits::NewPayment {
            child_id: a1,
            policy: "nd20_no_carer".into(),
            month: "2026-03".into(),
            amount: String::new(),
            paid_on: "10/03/2026".into(),
        },
        today,
    )
    .await
    .unwrap();

    // ---- 36 --------------------------------------------------------------------------
    let a4 = child(&store, &a.code, "Vũ Thị Oanh", "2020-04-04").await;
    let a5 = child(&store, &a.code, "Vũ Văn Phúc", "2019-05-05").await;
    let b1 = child(&store, &b.code, "Đỗ Thị Quế", "2017-07-07").await;
    for (p, id, start) in [
        (&xa_a, a4, "01/09/2026"),
        (&xa_a, a5, "01/09/2026"),
        (&xa_b, b1, "01/10/2026"),
    ] {
        circumstances::add(
            &store,
            &edit(p),
            id,
            &circ("disaster_affected", start),
            today,
        )
        .await
        .unwrap();
    }
    for (id, month, paid_on) in [(a4, "2026-09", "20/09/2026"), (a5, "2026-10", "15/10/2026")] {
        benefits::record(
            &store,
            &pay(&xa_a),
            &benefits::NewPayment {
                child_id: id,
                policy: "nd20_emergency_disaster".into(),
                month: month.into(),
                amount: String::new(),
                paid_on: paid_on.into(),
            },
            today,
        )
        .await
        .unwrap();
    }

    // ---- 55 --------------------------------------------------------------------------
    let full: Vec<(u32, u32)> = mang_domain::child_friendly::criteria()
        .iter()
        .map(|c| (c.no, c.max_points))
        .collect();
    for (p, unit, venue) in [(&xa_a, a, true), (&xa_b, b, false)] {
        child_friendly::self_assess(
            &store,
            &p.scoped::<EditRegisters>().unwrap(),
            unit,
            2026,
            &child_friendly::NewAssessment {
                commune_type: "other".into(),
                points: full.clone(),
                evidence: "Biên bản tự đánh giá".into(),
                play_venue: venue,
            },
        )
        .await
        .unwrap();
    }

    // ---- 60 --------------------------------------------------------------------------
    let hp: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE code = 'HP-SYT'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    for (p, unit, issued) in [(&xa_a, a, "01/02/2026"), (&xa_b, b, "")] {
        plans::create_sub_plan(
            &store,
            &p.scoped::<ManagePlans>().unwrap(),
            hp,
            unit,
            &plans::NewSubPlan {
                issued_on: issued.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }

    let period = Period::Year(2026);
    let all = indicators::compute(&store, "31", &period, NOW)
        .await
        .unwrap();
    let get = |code: &str, id: &str| all.get(code).and_then(|m| m.get(id)).copied();
    assert_eq!(
        get(&a.code, "cnsc_eligible_policy_coverage_pct"),
        Some(v(1.0, 2.0))
    );
    assert_eq!(get(&b.code, "cnsc_eligible_policy_coverage_pct"), None);
    assert_eq!(
        get(&a.code, "disaster_affected_children_relief_pct"),
        Some(v(1.0, 2.0))
    );
    assert_eq!(
        get(&b.code, "disaster_affected_children_relief_pct"),
        Some(v(0.0, 1.0))
    );
    assert_eq!(
        get(&a.code, "communes_with_child_play_space_pct"),
        Some(v(1.0, 1.0))
    );
    assert_eq!(
        get(&b.code, "communes_with_child_play_space_pct"),
        Some(v(0.0, 1.0))
    );
    assert_eq!(
        get(&c.code, "communes_with_child_play_space_pct"),
        Some(v(0.0, 1.0))
    );
    assert_eq!(
        get(&a.code, "communes_with_child_plan_pct"),
        Some(v(1.0, 1.0))
    );
    assert_eq!(
        get(&b.code, "communes_with_child_plan_pct"),
        Some(v(0.0, 1.0))
    );
    assert_eq!(
        get(&c.code, "communes_with_child_plan_pct"),
        Some(v(0.0, 1.0))
    );
    let province = indicators::province_total(&all, "31");
    assert_eq!(
        province.get("disaster_affected_children_relief_pct"),
        Some(&v(1.0, 3.0))
    );
    assert_eq!(
        province.get("communes_with_child_play_space_pct"),
        Some(&v(1.0, n))
    );
    assert_eq!(
        province.get("communes_with_child_plan_pct"),
        Some(&v(1.0, n))
    );
    assert_eq!(
        province.get("cnsc_eligible_policy_coverage_pct"),
        Some(&v(1.0, 2.0))
    );
    // One commune recomputed alone gives the same figures (the cache relies on it).
    let only_a = indicators::compute_in(&store, "31", Some(&a.code), &period, NOW)
        .await
        .unwrap();
    assert_eq!(only_a.get(&a.code), all.get(&a.code));
    let only_c = indicators::compute_in(&store, "31", Some(&c.code), &period, NOW)
        .await
        .unwrap();
    assert_eq!(only_c.get(&c.code), all.get(&c.code));
    // A commune's values on their own (what its pages and reports use when the province's
    // were not computed) are the same, and follow a write in the commune at once.
    let cache = indicators::Cache::default();
    let alone = indicators::commune_values(&store, &cache, "31", &a.code, &period, NOW)
        .await
        .unwrap();
    assert_eq!(Some(&*alone), all.get(&a.code));
    benefits::record(
        &store,
        &pay(&xa_a),
        &benefits::NewPayment {
            child_id: a2,
            policy: "nd20_no_carer".into(),
            month: "2026-10".into(),
            amount: String::new(),
            paid_on: "10/10/2026".into(),
        },
        today,
    )
    .await
    .unwrap();
    let after = indicators::commune_values(&store, &cache, "31", &a.code, &period, NOW)
        .await
        .unwrap();
    assert_eq!(
        after.get("cnsc_eligible_policy_coverage_pct"),
        Some(&v(2.0, 2.0))
    );
    // Before the plan was issued (seen in January), A had not issued it on time yet.
    let january = indicators::compute(&store, "31", &Period::Month(2026, 1), NOW)
        .await
        .unwrap();
    assert_eq!(
        january
            .get(&a.code)
            .and_then(|m| m.get("communes_with_child_plan_pct"))
            .copied(),
        Some(v(0.0, 1.0))
    );
}
