//! Benefits reconciliation on a small world: one eligible child not paid ("không bỏ
//! sót"), one payment to a child who is not eligible ("không nhầm"), one paid twice
//! ("không trục lợi"), and the totals.

use mang_domain::access::{Principal, Role};
use mang_store::benefits::{self, NewPayment};
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store};
use time::macros::date;

async fn user(store: &Store, name: &str, role: Role, unit: &str) -> Principal {
    mang_store::testing::user(store, name, role, unit).await
}

async fn child(
    store: &Store,
    commune: &str,
    name: &str,
    birth: &str,
    poverty: Option<&str>,
) -> i64 {
    let (cid, hid) = mang_store::testing::child(store, commune, name, "female", birth).await;
    if let Some(p) = poverty {
        sqlx::query(
            "INSERT INTO household_poverty (household_id, year, status) VALUES ($1, 2026, $2)",
        )
        .bind(hid)
        .bind(p)
        .execute(store.pool())
        .await
        .unwrap();
    }
    cid
}

#[tokio::test]
async fn the_unpaid_the_ineligible_and_the_double_payments_are_reported() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    let unit = mang_store::units::communes_of(&store, "31").await.unwrap()[0].clone();
    let officer = user(&store, "canbo", Role::CommuneOfficer, &unit.code).await;
    let today = date!(2026 - 11 - 26);
    // An orphan of 7 (eligible for the national allowance), paid; an orphan of 9 in a
    // poor household (eligible for both the national and the local policy), paid the
    // national one only; a child in no special circumstance, paid anyway.
    let a = child(&store, &unit.code, "Vũ Thị An", "2019-05-01", None).await;
    let b = child(&store, &unit.code, "Vũ Văn Bảo", "2017-03-01", Some("poor")).await;
    let c = child(&store, &unit.code, "Vũ Thị Chi", "2018-01-01", None).await;
    for id in [a, b] {
        mang_store::circumstances::add(
            &store,
            &officer.scoped().unwrap(),
            id,
            &mang_store::circumstances::NewCircumstance {
                code: "orphan_both".into(),
                start_date: "01/01/2024".into(),
                source: "Giấy chứng tử của cha mẹ".into(),
                ..Default::default()
            },
            today,
        )
        .await
        .unwrap();
    }
    let pay = |child: i64, policy: &'static str| {
        let store = store.clone();
        let officer = officer.clone();
        async move {
            benefits::record(
                &store,
                &officer.scoped().unwrap(),
                &NewPayment {
                    child_id: child,
                    policy: policy.into(),
                    month: "2026-11".into(),
                    ..Default::default()
                },
                today,
            )
            .await
            .unwrap()
        }
    };
    pay(a, "nd20_no_carer").await;
    pay(a, "nd20_no_carer").await; // twice
    pay(b, "nd20_no_carer").await;
    let wrong = pay(c, "nd20_no_carer").await;
    let r = benefits::reconcile(&store, &officer.scoped().unwrap(), &unit, "2026-11")
        .await
        .unwrap();
    let unpaid: Vec<(i64, &str)> = r
        .unpaid
        .iter()
        .map(|l| (l.child_id, l.policy.as_str()))
        .collect();
    assert_eq!(unpaid, [(b, "hp_nq55_cnsc_poor")], "không bỏ sót");
    assert_eq!(r.ineligible.len(), 1, "không nhầm");
    assert_eq!(r.ineligible[0].payment_id, Some(wrong));
    assert_eq!(r.ineligible[0].child_id, c);
    assert_eq!(
        r.ineligible[0].reason,
        "Không thuộc nhóm hoàn cảnh đặc biệt của chính sách"
    );
    assert_eq!(r.duplicates.len(), 1, "không trục lợi");
    assert_eq!(r.duplicates[0].child_id, a);
    assert_eq!(
        r.totals,
        [(
            "nd20_no_carer".to_owned(),
            mang_domain::benefits::policy("nd20_no_carer")
                .unwrap()
                .name
                .clone(),
            4,
            3_000_000
        )]
    );
    // Indicator 28: both children in special circumstances had a payment in the period.
    let values = mang_store::indicators::compute(
        &store,
        "31",
        &mang_domain::targets::Period::parse("2026").unwrap(),
        time::macros::datetime!(2026-11-26 03:00 UTC),
    )
    .await
    .unwrap();
    assert_eq!(
        values[&unit.code]["cnsc_supported_pct"],
        mang_domain::targets::Value {
            numerator: 2.0,
            denominator: Some(2.0)
        }
    );
    // Another commune's officer cannot pay these children.
    let other = mang_store::units::communes_of(&store, "31").await.unwrap()[1].clone();
    let officer_b = user(&store, "canbo2", Role::CommuneOfficer, &other.code).await;
    assert!(
        benefits::record(
            &store,
            &officer_b.scoped().unwrap(),
            &NewPayment {
                child_id: a,
                policy: "nd20_no_carer".into(),
                month: "2026-11".into(),
                ..Default::default()
            },
            today,
        )
        .await
        .is_err()
    );
}
