//! Care facilities: an informal one is listed as unresolved until it is closed (its
//! children's stays end) or licensed; a deadline to fix shows as overdue once past.

use mang_domain::access::Role;
use mang_store::facilities::{self, NewFacility};
use mang_store::testing::{TestDb, child, user};
use mang_store::{OpenMode, Store};
use time::macros::date;

#[tokio::test]
async fn an_informal_facility_stays_on_the_list_until_resolved() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    let commune = mang_store::units::communes_of(&store, "31").await.unwrap()[0].clone();
    let officer = user(&store, "canbo", Role::CommuneOfficer, &commune.code).await;
    let province = mang_store::units::get(&store, "31").await.unwrap();
    let tinh = user(&store, "tinh", Role::ProvinceOfficer, "31").await;
    let today = date!(2026 - 11 - 26);
    let e = facilities::create(
        &store,
        &officer.scoped().unwrap(),
        &commune,
        &NewFacility {
            name: "Mái ấm".into(),
            kind: "private".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("giấy phép"), "{e}");
    let id = facilities::create(
        &store,
        &officer.scoped().unwrap(),
        &commune,
        &NewFacility {
            name: "Nhóm trẻ gia đình chưa phép".into(),
            kind: "informal".into(),
            capacity: "12".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (kid, _) = child(&store, &commune.code, "Hà Thị Mơ", "female", "2022-02-02").await;
    facilities::place_child(&store, &officer.scoped().unwrap(), id, kid, today)
        .await
        .unwrap();
    facilities::inspect(
        &store,
        &officer.scoped().unwrap(),
        id,
        "01/10/2026",
        "Không có giấy phép, thiếu lối thoát hiểm",
        "01/11/2026",
        today,
    )
    .await
    .unwrap();
    let open = facilities::list(&store, &tinh.scoped().unwrap(), &province, true, today)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].children_in_care, open[0].overdue_fixes), (1, 1));
    assert!(open[0].unresolved_informal);
    // Licensing needs the licence number; closing ends the child's stay.
    assert!(
        facilities::resolve(
            &store,
            &officer.scoped().unwrap(),
            id,
            "licensed",
            "",
            today
        )
        .await
        .is_err()
    );
    facilities::resolve(&store, &officer.scoped().unwrap(), id, "closed", "", today)
        .await
        .unwrap();
    let open = facilities::list(&store, &tinh.scoped().unwrap(), &province, true, today)
        .await
        .unwrap();
    assert!(open.is_empty());
    let all = facilities::list(&store, &tinh.scoped().unwrap(), &province, false, today)
        .await
        .unwrap();
    assert_eq!(
        (all[0].resolution.as_str(), all[0].children_in_care),
        ("closed", 0)
    );
}
