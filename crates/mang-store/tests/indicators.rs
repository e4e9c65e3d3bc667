//! Indicators on a hand-computed world: two communes of Hải Phòng, fourteen children,
//! their births, deaths, doses, measurements, check-ups, injuries, circumstances and
//! cases, written through the store's own functions (so every write is checked and
//! audited as in use). Every expected number below is worked out by hand in the comments.

use mang_domain::access::{Principal, Role};
use mang_domain::cases::{RawCaseChild, RawStep};
use mang_domain::targets::{Period, Value};
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store, indicators};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

/// "Now" for the whole test: Thursday 26 November 2026, 10:00 in Vietnam. The period
/// 2026 is running, so ages are taken at 26/11/2026.
const NOW: OffsetDateTime = datetime!(2026-11-26 03:00 UTC);
const TODAY: Date = date!(2026 - 11 - 26);

async fn user(store: &Store, name: &str, role: Role, unit: &str) -> Principal {
    mang_store::testing::user(store, name, role, unit).await
}

async fn child(store: &Store, commune: &str, name: &str, sex: &str, birth: &str) -> i64 {
    mang_store::testing::child(store, commune, name, sex, birth)
        .await
        .0
}

fn v(n: f64, d: f64) -> Value {
    Value {
        numerator: n,
        denominator: Some(d),
    }
}

fn count(n: f64) -> Value {
    Value {
        numerator: n,
        denominator: None,
    }
}

#[tokio::test]
async fn every_computed_indicator_matches_the_hand_computed_world() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    let communes = mang_store::units::communes_of(&store, "31").await.unwrap();
    let (a, b) = (communes[0].code.clone(), communes[1].code.clone());
    let yte_a = user(&store, "yte_a", Role::HealthWorker, &a).await;
    let yte_b = user(&store, "yte_b", Role::HealthWorker, &b).await;
    let xa_b = user(&store, "xa_b", Role::CommuneOfficer, &b).await;
    let h = |p: &Principal| p.scoped::<mang_domain::access::RecordHealthData>().unwrap();

    // ---- Commune A --------------------------------------------------------------------
    let a1 = child(&store, &a, "Lê Thị An", "female", "2026-01-10").await;
    let a2 = child(&store, &a, "Lê Văn Bình", "male", "2026-03-05").await;
    let a3 = child(&store, &a, "Lê Thị Cúc", "female", "2026-06-01").await;
    let a4 = child(&store, &a, "Lê Văn Dũng", "male", "2025-02-01").await;
    let a5 = child(&store, &a, "Lê Thị Én", "female", "2025-05-10").await;
    let a6 = child(&store, &a, "Lê Văn Giang", "male", "2023-04-01").await;
    let a7 = child(&store, &a, "Lê Thị Hoa", "female", "2024-01-15").await;
    let a8 = child(&store, &a, "Lê Văn Khoa", "male", "2022-08-01").await;
    // ---- Commune B --------------------------------------------------------------------
    let b1 = child(&store, &b, "Trần Văn Long", "male", "2026-02-02").await;
    let b2 = child(&store, &b, "Trần Thị Mai", "female", "2026-07-07").await;
    let b3 = child(&store, &b, "Trần Văn Nam", "male", "2019-01-01").await;
    let b4 = child(&store, &b, "Trần Thị Oanh", "female", "2015-05-05").await;
    // Not a child any more (17): in no denominator.
    child(&store, &b, "Trần Văn Phúc", "male", "2009-01-01").await;

    // Births. a1: 2 400 g at a facility, EENC, breastfed in the first hour, all five
    // screened. a2: 3 100 g at home, no EENC, not breastfed in the hour, 3 of 5 screened.
    // b1: 2 600 g at a facility, no EENC, breastfed, all five.
    let all5 = "hypothyroidism,g6pd,cah,pku,galactosemia";
    for (p, id, place, w, eenc, bf, scr) in [
        (&yte_a, a1, "facility", "2400", "1", "1", all5),
        (
            &yte_a,
            a2,
            "home",
            "3100",
            "0",
            "0",
            "hypothyroidism,g6pd,cah",
        ),
        (&yte_b, b1, "facility", "2600", "0", "1", all5),
    ] {
        mang_store::births::record(
            &store,
            &h(p),
            id,
            &mang_store::births::NewBirth {
                place: place.into(),
                birth_weight_g: w.into(),
                gestational_weeks: "39".into(),
                eenc: eenc.into(),
                breastfed_1h: bf.into(),
                vitamin_k1: "1".into(),
                hepb_24h: "1".into(),
                screening: scr.into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("birth {id}: {e}"));
    }
    // Deaths: a2 on 20/03/2026 (15 days old: neonatal); in B a baby not on the register,
    // born 13/02/2026, died 01/09/2026 (200 days: infant, not neonatal).
    mang_store::deaths::record_for_child(
        &store,
        &h(&yte_a),
        a2,
        &mang_store::deaths::NewDeath {
            date: "20/03/2026".into(),
            cause: "perinatal".into(),
            place: "facility".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    let unit_b = mang_store::units::get(&store, &b).await.unwrap();
    mang_store::deaths::record_for_unit(
        &store,
        &h(&yte_b),
        &unit_b,
        &mang_store::deaths::NewDeath {
            date: "01/09/2026".into(),
            cause: "pneumonia".into(),
            place: "home".into(),
            sex: "Nam".into(),
            birth_date: "13/02/2026".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();

    // Doses. a4 (born 01/02/2025): every dose of the first year, valid and in time.
    // a5 (born 10/05/2025): the same without measles.
    let first_year = |birth: Date, measles: bool| {
        let d = |days: i64| mang_domain::vi::date(birth + time::Duration::days(days));
        let mut v = vec![
            ("bcg", 1, d(0)),
            ("penta", 1, d(60)),
            ("opv", 1, d(60)),
            ("penta", 2, d(90)),
            ("opv", 2, d(90)),
            ("penta", 3, d(120)),
            ("opv", 3, d(120)),
        ];
        if measles {
            v.push(("measles", 1, d(273)));
        }
        v
    };
    for (id, birth, measles) in [
        (a4, date!(2025 - 02 - 01), true),
        (a5, date!(2025 - 05 - 10), false),
    ] {
        for (antigen, dose, on) in first_year(birth, measles) {
            mang_store::immunization::record_dose(
                &store,
                &h(&yte_a),
                id,
                &mang_store::immunization::NewDose {
                    antigen: antigen.into(),
                    dose,
                    date: on,
                    ..Default::default()
                },
                TODAY,
            )
            .await
            .unwrap_or_else(|e| panic!("{antigen} {dose}: {e}"));
        }
    }
    // Vitamin A: a4 in both rounds of 2026, a5 only in the first.
    for (id, on) in [(a4, "01/06/2026"), (a4, "01/11/2026"), (a5, "01/06/2026")] {
        mang_store::immunization::record_dose(
            &store,
            &h(&yte_a),
            id,
            &mang_store::immunization::NewDose {
                antigen: "vitamin_a".into(),
                dose: 1,
                date: on.into(),
                ..Default::default()
            },
            TODAY,
        )
        .await
        .unwrap();
    }

    // Measurements (WHO 2006; the values are far from every cut-off):
    // a6, boy 37 months, 10,5 kg, 84 cm standing: weight-for-age < −2 (−2 SD ≈ 11,3 kg),
    //   height-for-age < −3 (−3 SD ≈ 85 cm), weight-for-height ≈ −1: underweight and
    //   stunted, not wasted, not overweight.
    // a7, girl: 8,0 kg in January (underweight), then 12,0 kg and 88 cm at 28 months in
    //   May (all normal): the latest counts, so normal.
    // a8, boy 45 months, 22 kg, 100 cm standing: weight-for-height > +3 (obese), weight-
    //   and height-for-age normal.
    for (id, on, w, l, m) in [
        (a6, "01/05/2026", "10,5", "84", "h"),
        (a7, "10/01/2026", "8,0", "85", "h"),
        (a7, "20/05/2026", "12,0", "88", "h"),
        (a8, "05/05/2026", "22", "100", "h"),
    ] {
        mang_store::growth::record(
            &store,
            &h(&yte_a),
            id,
            &mang_store::growth::NewMeasurement {
                date: on.into(),
                weight_kg: w.into(),
                lenhei_cm: l.into(),
                measure: m.into(),
                oedema: "0".into(),
                ..Default::default()
            },
            TODAY,
        )
        .await
        .unwrap_or_else(|e| panic!("measurement {id}: {e}"));
    }
    // A check-up of a6; insurance for a1; a3's birth not registered.
    mang_store::checks::record(
        &store,
        &h(&yte_a),
        a6,
        &mang_store::checks::NewCheck {
            date: "01/04/2026".into(),
            result: "normal".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    sqlx::query(
        "UPDATE children SET insurance_card = 'TE1313100000001', insurance_valid_to = '2027-12-31' WHERE id = $1",
    )
    .bind(a1)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE children SET birth_registered = 0 WHERE id = $1")
        .bind(a3)
        .execute(store.pool())
        .await
        .unwrap();
    // B: b2 fell (01/08/2026), b3 near-drowned (01/06/2026, treated); b3 is disabled.
    for (id, on, kind, place) in [
        (b2, "01/08/2026", "fall", "home"),
        (b3, "01/06/2026", "drowning", "water_body"),
    ] {
        mang_store::injuries::record_for_child(
            &store,
            &h(&yte_b),
            id,
            &mang_store::injuries::NewInjury {
                date: on.into(),
                kind: kind.into(),
                place: place.into(),
                outcome: "treated".into(),
                ..Default::default()
            },
            TODAY,
        )
        .await
        .unwrap();
    }
    mang_store::circumstances::add(
        &store,
        &xa_b.scoped().unwrap(),
        b3,
        &mang_store::circumstances::NewCircumstance {
            code: "disabled".into(),
            start_date: "01/01/2025".into(),
            source: "Xác nhận khuyết tật".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    // Cases in B: b3 (violence) received 02/03/2026 08:00 and handled in time; b4 (only
    // "at risk") received 01/04/2026 and never assessed: late.
    let case = |child: i64, harm: &'static str, received: &'static str| {
        let store = store.clone();
        let xa_b = xa_b.clone();
        async move {
            mang_store::cases::intake(
                &store,
                &xa_b.scoped().unwrap(),
                &mang_store::cases::NewCase {
                    received_at: received.into(),
                    channel: "hotline_111".into(),
                    harms: vec![harm.into()],
                    description: "Mô tả".into(),
                    children: vec![RawCaseChild {
                        child_id: child.to_string(),
                        ..RawCaseChild::default()
                    }],
                    ..Default::default()
                },
                NOW,
            )
            .await
            .unwrap()
        }
    };
    let k3 = case(b3, "violence", "02/03/2026 08:00").await;
    case(b4, "at_risk", "01/04/2026 08:00").await;
    let vc = xa_b.scoped().unwrap();
    for (raw, at) in [
        (
            RawStep {
                step: "verify".into(),
                confirmed: "1".into(),
                findings: "Đúng".into(),
                ..RawStep::default()
            },
            datetime!(2026-03-02 02:00 UTC),
        ),
        (
            RawStep {
                step: "assess_initial".into(),
                serious_risk: "0".into(),
                harm_level: "medium".into(),
                findings: "Trung bình".into(),
                ..RawStep::default()
            },
            datetime!(2026-03-02 04:00 UTC),
        ),
        (
            RawStep {
                step: "assess_specific".into(),
                child_state: "Ổn".into(),
                family_situation: "Ổn".into(),
                needs: "Tư vấn".into(),
                protective_capacity: "medium".into(),
                meeting_on: "03/03/2026".into(),
                ..RawStep::default()
            },
            datetime!(2026-03-03 02:00 UTC),
        ),
        (
            RawStep {
                step: "draft_plan".into(),
                goals: "An toàn".into(),
                review_on: "01/06/2026".into(),
                m_measure: vec!["parenting_skills".into()],
                m_activity: vec!["Tư vấn".into()],
                m_responsible: vec!["Hội Phụ nữ".into()],
                m_start: vec!["05/03/2026".into()],
                m_end: vec!["30/05/2026".into()],
                ..RawStep::default()
            },
            datetime!(2026-03-04 02:00 UTC),
        ),
    ] {
        mang_store::cases::take_step(&store, &vc, k3, &raw, None, at)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", raw.step));
    }
    let chairman = user(&store, "ct_b", Role::CommuneChairman, &b).await;
    mang_store::cases::take_step(
        &store,
        &chairman.scoped().unwrap(),
        k3,
        &RawStep {
            step: "approve_plan".into(),
            decision_no: "1/QĐ-UBND".into(),
            decided_on: "05/03/2026".into(),
            ..RawStep::default()
        },
        None,
        datetime!(2026-03-05 02:00 UTC),
    )
    .await
    .unwrap();
    // A children's forum in B: 3 children, 2 of them (aged 7 and over) consulted, 1 (aged
    // 11 and over) in the commune's children's council.
    mang_store::activities::create(
        &store,
        &xa_b.scoped().unwrap(),
        &unit_b,
        &mang_store::activities::NewActivity {
            kind: "forum".into(),
            title: "Diễn đàn trẻ em xã".into(),
            date: "01/06/2026".into(),
            children: "3".into(),
            children_7plus_consulted: "2".into(),
            children_11plus_in_models: "1".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();

    // ---- The values ---------------------------------------------------------------------
    let period = Period::parse("2026").unwrap();
    let got = indicators::compute(&store, "31", &period, NOW)
        .await
        .unwrap();
    // Children at 26/11/2026 (active: a2 died): A under 16, under 5 and under 6 = a1, a3,
    // a4, a5, a6, a7, a8 = 7; 6–35 months = a1 (10 m), a4 (21 m), a5 (18 m), a7 (34 m)
    // = 4. B under 16 = b1, b2, b3, b4 = 4; under 5 and under 6 = b1, b2 = 2; 6–35 months
    // = b1 (9 m) = 1. Live births in 2026: A a1, a2, a3 = 3; B b1, b2 = 2.
    let expect_a: &[(&str, Value)] = &[
        ("neonatal_mortality_rate", v(1.0, 3.0)), // a2
        ("infant_mortality_rate", v(1.0, 3.0)),
        ("under5_mortality_rate", v(1.0, 3.0)),
        ("low_birth_weight_pct", v(1.0, 2.0)), // a1 < 2 500 g of a1, a2
        ("early_essential_newborn_care_pct", v(1.0, 1.0)), // facility births: a1
        ("early_breastfeeding_1h_pct", v(1.0, 2.0)),
        ("newborn_screening_5_diseases_pct", v(1.0, 2.0)),
        ("fully_immunized_under1_pct", v(1.0, 2.0)), // cohort a4, a5; a4 complete
        ("underweight_under5_pct", v(1.0, 3.0)),     // measured a6, a7, a8; a6
        ("stunting_under5_pct", v(1.0, 3.0)),        // a6
        ("wasting_under5_pct", v(0.0, 3.0)),
        ("overweight_obesity_under5_pct", v(1.0, 3.0)), // a8
        // By 26/11 only the June round has come: a4 and a5 took it.
        ("vitamin_a_6_35m_twice_yearly_pct", v(2.0, 4.0)),
        ("under5_periodic_checkup_pct", v(1.0, 7.0)), // a6
        ("free_health_insurance_under6_pct", v(1.0, 7.0)), // a1
        ("birth_registration_under5_pct", v(6.0, 7.0)), // all but a3
        ("cnsc_prevalence_pct", v(0.0, 7.0)),
        ("abused_children_prevalence_pct", v(0.0, 7.0)),
        ("child_injury_rate_per_100k", v(0.0, 7.0)),
        ("child_injury_mortality_per_100k", v(0.0, 7.0)),
        ("abandoned_children_count", count(0.0)),
    ];
    let expect_b: &[(&str, Value)] = &[
        ("neonatal_mortality_rate", v(0.0, 2.0)),
        ("infant_mortality_rate", v(1.0, 2.0)), // the baby not on the register
        ("under5_mortality_rate", v(1.0, 2.0)),
        ("low_birth_weight_pct", v(0.0, 1.0)),
        ("early_essential_newborn_care_pct", v(0.0, 1.0)),
        ("early_breastfeeding_1h_pct", v(1.0, 1.0)),
        ("newborn_screening_5_diseases_pct", v(1.0, 1.0)),
        ("vitamin_a_6_35m_twice_yearly_pct", v(0.0, 1.0)),
        ("under5_periodic_checkup_pct", v(0.0, 2.0)),
        ("free_health_insurance_under6_pct", v(0.0, 2.0)),
        ("birth_registration_under5_pct", v(2.0, 2.0)),
        ("cnsc_prevalence_pct", v(1.0, 4.0)),            // b3
        ("abused_children_prevalence_pct", v(1.0, 4.0)), // b3 (b4 only at risk)
        ("harmed_children_timely_intervention_pct", v(1.0, 2.0)), // b3 of b3, b4
        ("child_injury_rate_per_100k", v(2.0, 4.0)),     // b2, b3
        ("child_injury_mortality_per_100k", v(0.0, 4.0)),
        ("abandoned_children_count", count(0.0)),
        // Children 7–15: b3 (7), b4 (11); 11–15: b4.
        ("children_7plus_consulted_pct", v(2.0, 2.0)),
        ("children_participation_awareness_pct", v(3.0, 4.0)),
        ("children_11plus_in_participation_models_pct", v(1.0, 1.0)),
    ];
    for (commune, expect) in [(&a, expect_a), (&b, expect_b)] {
        let values = got
            .get(commune)
            .unwrap_or_else(|| panic!("no values for {commune}"));
        for (id, want) in expect {
            assert_eq!(values.get(id), Some(want), "{commune} {id}");
        }
    }
    // Nothing measured, no cohort in B: no value rather than 0 %.
    let vb = &got[&b];
    for id in [
        "fully_immunized_under1_pct",
        "underweight_under5_pct",
        "stunting_under5_pct",
    ] {
        assert_eq!(vb.get(id), None, "B {id}");
    }
    // The province: sums of numerators and denominators, never averaged rates.
    let province = indicators::sum(got.values());
    assert_eq!(province["infant_mortality_rate"], v(2.0, 5.0)); // 400 ‰
    assert_eq!(province["neonatal_mortality_rate"], v(1.0, 5.0)); // 200 ‰
    assert_eq!(province["low_birth_weight_pct"], v(1.0, 3.0));
    assert_eq!(province["early_breastfeeding_1h_pct"], v(2.0, 3.0));
    assert_eq!(province["child_injury_rate_per_100k"], v(2.0, 11.0));
    assert_eq!(province["underweight_under5_pct"], v(1.0, 3.0));
    let imr = province["infant_mortality_rate"]
        .rate(mang_domain::targets::Unit::Permille)
        .unwrap();
    assert!((imr - 400.0).abs() < 1e-9);
    // Other communes: nothing at all.
    assert_eq!(got.len(), 2);
    // After the year, both rounds count: only a4 took vitamin A twice; at 31/12 a3 (born
    // 01/06/2026) is 6 months old too, so 1 of 5.
    let after = indicators::compute(&store, "31", &period, datetime!(2027-01-05 03:00 UTC))
        .await
        .unwrap();
    assert_eq!(
        after[&a].get("vitamin_a_6_35m_twice_yearly_pct"),
        Some(&v(1.0, 5.0))
    );
}

#[tokio::test]
async fn one_new_death_or_measurement_shows_on_the_next_read() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    let a = mang_store::units::communes_of(&store, "31").await.unwrap()[0]
        .code
        .clone();
    let yte = user(&store, "yte", Role::HealthWorker, &a).await;
    let h = yte
        .scoped::<mang_domain::access::RecordHealthData>()
        .unwrap();
    let k1 = child(&store, &a, "Phạm Văn Quân", "male", "2026-02-01").await;
    let k2 = child(&store, &a, "Phạm Thị Sen", "female", "2024-03-01").await;
    // Another commune with a weighing of its own: untouched by the changes below.
    let b = mang_store::units::communes_of(&store, "31").await.unwrap()[1]
        .code
        .clone();
    let yte_b = user(&store, "yte_b", Role::HealthWorker, &b).await;
    let kb = child(&store, &b, "Đỗ Văn Tài", "male", "2023-05-01").await;
    mang_store::growth::record(
        &store,
        &yte_b.scoped().unwrap(),
        kb,
        &mang_store::growth::NewMeasurement {
            date: "01/03/2026".into(),
            weight_kg: "14".into(),
            lenhei_cm: "95".into(),
            measure: "h".into(),
            oedema: "0".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    let cache = indicators::Cache::default();
    let period = Period::parse("2026").unwrap();
    let read = |id: &'static str| {
        let (store, cache, period, a) = (store.clone(), &cache, period, a.clone());
        async move {
            indicators::values(&store, cache, "31", &period, NOW)
                .await
                .unwrap()
                .get(&a)
                .and_then(|m| m.get(id).copied())
        }
    };
    assert_eq!(read("infant_mortality_rate").await, Some(v(0.0, 1.0)));
    assert_eq!(read("underweight_under5_pct").await, None);
    mang_store::deaths::record_for_child(
        &store,
        &h,
        k1,
        &mang_store::deaths::NewDeath {
            date: "01/05/2026".into(),
            cause: "pneumonia".into(),
            place: "home".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    assert_eq!(read("infant_mortality_rate").await, Some(v(1.0, 1.0)));
    mang_store::growth::record(
        &store,
        &h,
        k2,
        &mang_store::growth::NewMeasurement {
            date: "01/06/2026".into(),
            weight_kg: "8".into(),
            lenhei_cm: "80".into(),
            measure: "h".into(),
            oedema: "0".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    assert_eq!(read("underweight_under5_pct").await, Some(v(1.0, 1.0)));
    // The cache recomputed only that commune; the result is the full computation's.
    let cached = indicators::values(&store, &cache, "31", &period, NOW)
        .await
        .unwrap();
    let full = indicators::compute(&store, "31", &period, NOW)
        .await
        .unwrap();
    assert_eq!(*cached, full);
    assert_eq!(
        cached[&b]["underweight_under5_pct"],
        v(0.0, 1.0),
        "the other commune kept its values"
    );
}

/// A "reduce compared with 2025" target (HN-24, abandoned children in Hà Nội) is judged
/// against the same unit's 2025 figure.
#[tokio::test]
async fn a_baseline_year_target_compares_with_that_year() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    let hn = mang_store::units::communes_of(&store, "01").await.unwrap()[0]
        .code
        .clone();
    let officer = user(&store, "canbo_hn", Role::CommuneOfficer, &hn).await;
    let add = async |name: &str, start: &str| {
        let id = child(&store, &hn, name, "female", "2020-01-01").await;
        sqlx::query("UPDATE children SET province_code = '01' WHERE id = $1")
            .bind(id)
            .execute(store.pool())
            .await
            .unwrap();
        mang_store::circumstances::add(
            &store,
            &officer.scoped().unwrap(),
            id,
            &mang_store::circumstances::NewCircumstance {
                code: "abandoned".into(),
                start_date: start.into(),
                source: "Biên bản".into(),
                ..Default::default()
            },
            TODAY,
        )
        .await
        .unwrap();
    };
    add("Bé Một", "01/03/2025").await;
    add("Bé Hai", "01/04/2025").await;
    add("Bé Ba", "01/05/2026").await;
    let unit = mang_store::units::get(&store, "01").await.unwrap();
    let cache = indicators::Cache::default();
    let status = |b: &mang_store::scorecard::Board| {
        let f = b
            .figures
            .iter()
            .find(|f| f.indicator_id == "abandoned_children_count")
            .unwrap();
        (f.numerator, f.target_id.clone(), f.status.clone())
    };
    let b =
        mang_store::scorecard::board(&store, &cache, &unit, &Period::parse("2026").unwrap(), NOW)
            .await
            .unwrap();
    assert_eq!(
        status(&b),
        (Some(1.0), Some("HN-24".into()), "met".into()),
        "1 < 2"
    );
    add("Bé Bốn", "01/06/2026").await;
    add("Bé Năm", "01/07/2026").await;
    let b =
        mang_store::scorecard::board(&store, &cache, &unit, &Period::parse("2026").unwrap(), NOW)
            .await
            .unwrap();
    assert_eq!(status(&b).2, "not_met", "3 is not below 2");
}

#[test]
fn the_engine_computes_exactly_the_catalogues_computed_indicators() {
    let catalogue: Vec<&str> = mang_domain::targets::catalogue()
        .iter()
        .filter(|i| i.source == mang_domain::targets::Source::Computed)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(catalogue, indicators::COMPUTED);
}

/// The tallies kept at write time give exactly what reading every record gives: on a
/// demo province with health records, for every kind of period, with "today" inside a
/// running period, at a month's end and after the year, and again after writes of every
/// kind the tallies follow (a weighing, a dose, a check-up, a death, a change of birth
/// date, a move to another commune).
#[tokio::test]
async fn the_tallies_equal_a_full_reading_of_the_records() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    // Records up to 20/10/2026; "today" is never before it (records cannot be dated in the
    // future, and a reading from the records stops at today).
    let as_of = date!(2026 - 10 - 20);
    mang_store::demo::run(
        &store,
        &mang_store::demo::DemoParams {
            province: "31".into(),
            children: 4000,
            seed: 7,
            as_of,
        },
        |_, _| {},
    )
    .await
    .unwrap();
    mang_store::demo_health::run(&store, "31", 7, as_of)
        .await
        .unwrap();
    assert!(mang_store::tally::pending(&store).await.unwrap() > 0);
    mang_store::tally::settle(&store).await.unwrap();
    assert_eq!(mang_store::tally::pending(&store).await.unwrap(), 0);
    assert_eq!(
        mang_store::tally::discrepancies(&store, "31")
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    let periods = [
        "2026",
        "2026S1",
        "2026S2",
        "2026Q2",
        "2026Q4",
        "202606",
        "202611",
        "202612",
        "2025",
        "2025S2",
        "2024",
        "2021-2025",
        "2026-2030",
        "2022-2024",
    ];
    let nows = [
        datetime!(2026-10-31 05:00 UTC), // 2026 running, at a month's end
        NOW,                             // 26/11/2026: 2026 running, mid-month
        datetime!(2027-01-15 05:00 UTC), // 2026 over
    ];
    let check = |when: &str| {
        let store = store.clone();
        let when = when.to_owned();
        async move {
            for now in nows {
                for p in periods {
                    let period = Period::parse(p).unwrap();
                    let fast = indicators::compute_in(&store, "31", None, &period, now)
                        .await
                        .unwrap();
                    let slow = indicators::compute_from_records(&store, "31", None, &period, now)
                        .await
                        .unwrap();
                    let mut diffs = Vec::new();
                    for c in fast
                        .keys()
                        .chain(slow.keys())
                        .collect::<std::collections::BTreeSet<_>>()
                    {
                        let (f, s) = (
                            fast.get(c).cloned().unwrap_or_default(),
                            slow.get(c).cloned().unwrap_or_default(),
                        );
                        for id in f
                            .keys()
                            .chain(s.keys())
                            .collect::<std::collections::BTreeSet<_>>()
                        {
                            if f.get(id) != s.get(id) {
                                diffs.push(format!(
                                    "{c} {id}: tallies {:?}, records {:?}",
                                    f.get(id),
                                    s.get(id)
                                ));
                            }
                        }
                    }
                    assert!(diffs.is_empty(), "{when}: period {p} at {now}: {diffs:#?}");
                    let some = slow.keys().find(|c| c.as_str() != "31").unwrap().clone();
                    let one = indicators::compute_in(&store, "31", Some(&some), &period, now)
                        .await
                        .unwrap();
                    assert_eq!(
                        one.get(&some),
                        slow.get(&some),
                        "{when}: {p} commune {some}"
                    );
                }
            }
        }
    };
    check("demo").await;
    // The demo must have given the sections something to count.
    let all =
        indicators::compute_from_records(&store, "31", None, &Period::parse("2026").unwrap(), NOW)
            .await
            .unwrap();
    let total = indicators::sum(all.values());
    for id in [
        "fully_immunized_under1_pct",
        "underweight_under5_pct",
        "vitamin_a_6_35m_twice_yearly_pct",
        "under5_periodic_checkup_pct",
        "low_birth_weight_pct",
    ] {
        assert!(total[id].numerator > 0.0, "{id}: {:?}", total[id]);
    }

    // Writes of every kind, through the store's own functions where there is one.
    let kid: (i64, String, String) = sqlx::query_as(
        "SELECT c.id, c.commune_code, c.birth_date FROM children c WHERE c.province_code = '31' \
         AND c.status = 'active' AND EXISTS (SELECT 1 FROM child_measurements m WHERE m.child_id = c.id) \
         ORDER BY c.id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let yte = user(&store, "yte_t", Role::HealthWorker, &kid.1).await;
    mang_store::growth::record(
        &store,
        &yte.scoped().unwrap(),
        kid.0,
        &mang_store::growth::NewMeasurement {
            date: "25/10/2026".into(),
            weight_kg: "6".into(),
            lenhei_cm: "99".into(),
            measure: "h".into(),
            oedema: "0".into(),
            ..Default::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    check("after a weighing").await;
    // A dose deleted, a check-up and a vitamin A dose moved to another child, a birth date
    // changed, a child moved to another commune, a child died (status), all in plain SQL:
    // the tallies must follow whatever path wrote.
    let other: (i64, String) = sqlx::query_as(
        "SELECT id, commune_code FROM children WHERE province_code = '31' AND commune_code <> $1 \
         AND status = 'active' AND birth_date > '2023-01-01' ORDER BY id LIMIT 1",
    )
    .bind(&kid.1)
    .fetch_one(store.pool())
    .await
    .unwrap();
    for sql in [
        "DELETE FROM child_doses WHERE id = (SELECT MIN(id) FROM child_doses WHERE antigen <> 'vitamin_a')",
        "UPDATE child_doses SET child_id = $1 WHERE id = (SELECT MIN(id) FROM child_doses WHERE antigen = 'vitamin_a')",
        "UPDATE child_health_checks SET child_id = $1 WHERE id = (SELECT MIN(id) FROM child_health_checks)",
    ] {
        sqlx::query(sql)
            .bind(other.0)
            .execute(store.pool())
            .await
            .unwrap();
    }
    sqlx::query("UPDATE children SET birth_date = '2025-06-15' WHERE id = $1")
        .bind(kid.0)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE children SET commune_code = $1 WHERE id = $2")
        .bind(&kid.1)
        .bind(other.0)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE children SET status = 'died' WHERE id = (SELECT MAX(child_id) FROM child_measurements)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    check("after plain writes").await;
    assert_eq!(
        mang_store::tally::discrepancies(&store, "31")
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    // A write with the triggers off leaves the tallies wrong; the check says so, and a
    // rebuild counts them again from the records.
    let period = Period::parse("2026").unwrap();
    let before = indicators::compute_in(&store, "31", None, &period, NOW)
        .await
        .unwrap();
    mang_store::defer_triggers(
        &store,
        "children",
        &[mang_store::tally::CHILD_INSERT_TRIGGER],
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO children (household_id, full_name, name_folded, sex, birth_date, province_code, \
         commune_code, created_at, updated_at) SELECT household_id, 'Trẻ thêm tay', 'tre them tay', 'male', \
         '2026-09-09', province_code, commune_code, created_at, updated_at FROM children WHERE id = $1",
    )
    .bind(kid.0)
    .execute(store.pool())
    .await
    .unwrap();
    mang_store::restore_deferred_indexes(&store).await.unwrap();
    assert_eq!(
        mang_store::tally::discrepancies(&store, "31")
            .await
            .unwrap()
            .len(),
        1
    );
    mang_store::tally::reset(&store).await.unwrap();
    mang_store::tally::settle(&store).await.unwrap();
    assert_eq!(
        mang_store::tally::discrepancies(&store, "31")
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    check("after a rebuild").await;
    let after = indicators::compute_in(&store, "31", None, &period, NOW)
        .await
        .unwrap();
    let u5 = |m: &indicators::ByCommune| {
        indicators::sum(m.values())["birth_registration_under5_pct"].denominator
    };
    assert_eq!(u5(&after), u5(&before).map(|d| d + 1.0));
}
