//! Immunisation through the pages and the API: a health worker records a dose, the
//! child's schedule and the commune's vaccination-day list follow; bad input is named;
//! only the health station and commune officers record, inside their scope.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

fn v(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// Add a child to a household through the API (a user who keeps the registry); its id.
async fn add_child(api: &common::Api, household: i64, child: Value) -> i64 {
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/households/{household}/children"),
            Some(child),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    v(&body)["id"].as_i64().unwrap()
}

fn vn(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_health_worker_records_doses_and_the_due_list_follows() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "TC").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let birth = today - time::Duration::days(75);
    let api = app.api_for_demo("yte").await;
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/children", f.household_id),
            Some(json!({ "full_name": "Đoàn Văn Tiêm", "sex": "Nam", "birth_date": vn(birth) })),
        )
        .await;
    // A health worker does not keep the registry: the child is added by the commune officer.
    assert_eq!(status, 403, "{body}");
    let xa = app.api_for_demo("xa").await;
    assert_eq!(app.demo_commune("xa").await, commune);
    let id = add_child(
        &xa,
        f.household_id,
        json!({ "full_name": "Đoàn Văn Tiêm", "sex": "Nam", "birth_date": vn(birth) }),
    )
    .await;

    let state = |body: &str, antigen: &str, dose: i64| {
        v(body)["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["antigen"] == antigen && d["dose"] == dose)
            .unwrap()["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (_, body) = api
        .get(&format!("/api/v1/children/{id}/immunization"))
        .await;
    assert_eq!(state(&body, "bcg", 1), "overdue");
    assert_eq!(state(&body, "penta", 1), "due");
    assert_eq!(state(&body, "penta", 2), "upcoming");
    assert!(v(&body)["fully_immunised_under_1"].is_null(), "not yet one");

    let in_list = |period: &'static str| {
        let api = &api;
        let commune = commune.clone();
        async move {
            let (status, body) = api
                .get(&format!(
                    "/api/v1/units/{commune}/immunization-due?period={period}"
                ))
                .await;
            assert_eq!(status, 200, "{body}");
            v(&body)
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["child_id"] == id)
                .map(|c| {
                    c["doses"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| format!("{}{}", d["antigen"].as_str().unwrap(), d["dose"]))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    let week = in_list("week").await;
    assert!(
        week.contains(&"bcg1".to_owned()) && week.contains(&"penta1".to_owned()),
        "{week:?}"
    );
    assert!(
        !week.contains(&"penta2".to_owned()),
        "due in 15 days: not this week"
    );
    assert!(in_list("month").await.contains(&"penta2".to_owned()));

    // Record BCG and penta 1 through the child page form (the health worker's phone).
    let b = app.browser("yte", DEMO_PASSWORD).await;
    let (status, page) = b.get(&format!("/children/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"record-dose\""), "the dose form");
    for (vaccine, date) in [
        ("bcg:1", vn(birth + time::Duration::days(2))),
        ("penta:1", vn(today)),
    ] {
        let (status, page) = b
            .post(
                &format!("/children/{id}/doses"),
                &[
                    ("vaccine", vaccine),
                    ("date", &date),
                    ("place", "Trạm y tế xã"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{vaccine}: {page}");
    }
    let (_, body) = api
        .get(&format!("/api/v1/children/{id}/immunization"))
        .await;
    assert_eq!(state(&body, "bcg", 1), "done");
    assert_eq!(state(&body, "penta", 1), "done");
    let week = in_list("week").await;
    assert!(
        !week.contains(&"bcg1".to_owned()) && !week.contains(&"penta1".to_owned()),
        "{week:?}"
    );
    // Penta 2 now waits 28 days after penta 1 (given late, today): beyond this week.
    let (_, body) = api
        .get(&format!("/api/v1/children/{id}/immunization"))
        .await;
    let p2 = v(&body)["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["antigen"] == "penta" && d["dose"] == 2)
        .unwrap()["due"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(p2, (today + time::Duration::days(28)).to_string());
    let (_, page) = b.get(&format!("/children/{id}")).await;
    assert!(
        page.contains("Tiêm chủng:  → BCG (phòng lao) ngày"),
        "history names the dose"
    );
    let (status, page) = b.get(&format!("/immunization?unit={commune}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"due-list\""));

    // Bad input is named; the same dose twice is refused; nothing else is written.
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/doses"),
            Some(
                json!({ "antigen": "xyz", "dose": 1, "date": vn(today + time::Duration::days(3)) }),
            ),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("antigen") && body.contains("date"), "{body}");
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/doses"),
            Some(json!({ "antigen": "penta", "dose": 1, "date": vn(today) })),
        )
        .await;
    assert_eq!(status, 409);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_doses WHERE child_id = $1")
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 2);

    // Who records: not a collaborator, police or leader; not another commune's officer.
    for who in ["ctv", "congan", "lanhdao", "xa2"] {
        let other = app.api_for_demo(who).await;
        let (status, _) = other
            .send(
                Method::POST,
                &format!("/api/v1/children/{id}/doses"),
                Some(json!({ "antigen": "opv", "dose": 1, "date": vn(today) })),
            )
            .await;
        assert!(status == 403 || status == 404, "{who}: {status}");
    }
    let (status, _) = app
        .api_for_demo("xa2")
        .await
        .get(&format!("/api/v1/units/{commune}/immunization-due"))
        .await;
    assert_eq!(status, 404, "another commune's list");
}

#[tokio::test(flavor = "multi_thread")]
async fn injuries_are_recorded_for_known_and_unknown_children_and_counted() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "TN").await;
    let b = app.browser("yte", DEMO_PASSWORD).await;
    let year = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date()
        .year();
    let day = format!("02/01/{year}");
    // On the child's page: a drowning; the child's age and sex come from the record.
    let (status, page) = b
        .post(
            &format!("/children/{}/injuries", f.child_id),
            &[
                ("date", &day),
                ("kind", "drowning"),
                ("place", "water_body"),
                ("outcome", "hospitalised"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    // A child not on the register: sex and age are required.
    let (status, page) = b
        .post(
            &format!("/injuries?unit={commune}"),
            &[
                ("date", &day),
                ("kind", "traffic"),
                ("place", "road"),
                ("outcome", "death"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Chọn giới tính") && page.contains("Tuổi của trẻ"),
        "{page}"
    );
    let (status, _) = b
        .post(
            &format!("/injuries?unit={commune}"),
            &[
                ("date", &day),
                ("kind", "traffic"),
                ("place", "road"),
                ("outcome", "death"),
                ("sex", "Nam"),
                ("age_years", "7"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, page) = b
        .get(&format!("/injuries?unit={commune}&year={year}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Đuối nước") && page.contains("Chưa có trong sổ"),
        "{page}"
    );
    let api = app.api_for_demo("xa").await;
    let (_, body) = api
        .get(&format!("/api/v1/units/{commune}/injuries?year={year}"))
        .await;
    let rows = v(&body);
    assert_eq!(rows.as_array().unwrap().len(), 2, "{body}");
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["child_id"] == f.child_id
                && r["sex"] == "female"
                && r["age_years"].as_i64().unwrap() >= 6)
    );
    let (_, page) = b.get(&format!("/children/{}", f.child_id)).await;
    assert!(
        page.contains("Tai nạn, thương tích:  → Đuối nước ngày"),
        "history"
    );
    // Another commune sees none of it; a collaborator may not record.
    let (status, _) = app
        .api_for_demo("xa2")
        .await
        .get(&format!("/api/v1/units/{commune}/injuries"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .api_for_demo("ctv")
        .await
        .send(
            Method::POST,
            &format!("/api/v1/children/{}/injuries", f.child_id),
            Some(json!({ "date": day, "kind": "fall", "place": "home", "outcome": "treated" })),
        )
        .await;
    assert!(status == 403 || status == 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn measurements_show_their_who_z_scores_status_and_chart() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "TT").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let birth = today - time::Duration::days(800);
    let xa = app.api_for_demo("xa").await;
    let id = add_child(
        &xa,
        f.household_id,
        json!({ "full_name": "Đoàn Văn Cân", "sex": "Nam", "birth_date": vn(birth) }),
    )
    .await;
    let b = app.browser("yte", DEMO_PASSWORD).await;

    // Live z-scores for the form: computed, nothing stored.
    let api = app.api_for_demo("yte").await;
    let at = birth + time::Duration::days(731);
    let (status, body) = api
        .get(&format!(
            "/api/v1/growth/assess?sex=male&birth={birth}&date={}&weight_kg=9,0&lenhei_cm=80&measure=h",
            vn(at)
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let live = v(&body);
    assert!(live["zwei"]["z"].as_f64().unwrap() < -2.0, "{body}");
    assert!(
        live["status"].as_str().unwrap().contains("Nhẹ cân"),
        "{body}"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_measurements")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);

    // Saved through the page: the same z-scores on the child page, with the chart.
    let (status, page) = b
        .post(
            &format!("/children/{id}/measurements"),
            &[
                ("date", &vn(at)),
                ("weight_kg", "9,0"),
                ("lenhei_cm", "80"),
                ("measure", "h"),
                ("oedema", "0"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = b.get(&format!("/children/{id}")).await;
    assert!(
        page.contains("id=\"measurements\"") && page.contains("<svg"),
        "table and chart"
    );
    // At 24 months a standing 80 cm is a height: the weight-for-height chart, with the point.
    assert!(
        page.contains("cân nặng theo chiều cao") && page.contains("80 cm: 9 kg"),
        "weight-for-height chart"
    );
    let shown = format!("{:.2}", live["zwei"]["z"].as_f64().unwrap()).replace('.', ",");
    assert!(page.contains(&shown), "z {shown} on the page");
    assert!(page.contains("Cân, đo:  → ngày"), "history");
    let (_, body) = api
        .get(&format!("/api/v1/children/{id}/measurements"))
        .await;
    assert_eq!(v(&body)[0]["zwei"], live["zwei"]);

    // Field-named errors; a collaborator may not record.
    let (status, page) = b
        .post(
            &format!("/children/{id}/measurements"),
            &[("date", &vn(today)), ("weight_kg", "900"), ("measure", "x")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Cân nặng (kg) «900» ngoài khoảng hợp lý"),
        "{page}"
    );
    let (status, _) = app
        .api_for_demo("ctv")
        .await
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/measurements"),
            Some(json!({ "date": vn(today), "weight_kg": "12" })),
        )
        .await;
    assert!(status == 403 || status == 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn vitamin_a_once_per_half_year_for_6_to_36_months() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "VA").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let xa = app.api_for_demo("xa").await;
    let mut ids = Vec::new();
    for (name, days) in [("Đoàn Văn Sáu", 400), ("Đoàn Văn Bé", 60)] {
        ids.push(add_child(&xa, f.household_id, json!({ "full_name": name, "sex": "Nam", "birth_date": vn(today - time::Duration::days(days)) })).await);
    }
    let api = app.api_for_demo("yte").await;
    let (_, body) = api
        .get(&format!("/api/v1/children/{}/immunization", ids[0]))
        .await;
    assert_eq!(v(&body)["vitamin_a"], "due", "{body}");
    let due = |id: i64| {
        let api = &api;
        let commune = commune.clone();
        async move {
            let (_, body) = api
                .get(&format!("/api/v1/units/{commune}/immunization-due"))
                .await;
            v(&body)
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["child_id"] == id)
                .is_some_and(|c| {
                    c["doses"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|d| d["antigen"] == "vitamin_a")
                })
        }
    };
    assert!(due(ids[0]).await, "on the list");
    let give = |id: i64| {
        let api = &api;
        async move {
            api.send(
                Method::POST,
                &format!("/api/v1/children/{id}/doses"),
                Some(json!({ "antigen": "vitamin_a", "dose": 0, "date": vn(today) })),
            )
            .await
        }
    };
    assert_eq!(give(ids[0]).await.0, 201);
    let (status, body) = give(ids[0]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("đã uống vitamin A trong đợt"), "{body}");
    let (_, body) = api
        .get(&format!("/api/v1/children/{}/immunization", ids[0]))
        .await;
    assert_eq!(v(&body)["vitamin_a"], "done");
    assert!(!due(ids[0]).await, "off the list");
    // Two months old: not yet.
    let (status, body) = give(ids[1]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("từ 6 đến dưới 36 tháng"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_death_closes_the_record_and_counts_with_unregistered_ones() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "TV").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let year = today.year();
    let b = app.browser("yte", DEMO_PASSWORD).await;
    let day = format!("03/01/{year}");
    // The fixture child (born 2019) dies: the record moves to "Đã mất" with the event.
    let (status, page) = b
        .post(
            &format!("/children/{}/death", f.child_id),
            &[("date", &day), ("cause", "drowning"), ("place", "other")],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let api = app.api_for_demo("xa").await;
    let (_, body) = api.get(&format!("/api/v1/children/{}", f.child_id)).await;
    assert_eq!(v(&body)["status"], "died");
    let (_, body) = api
        .get(&format!("/api/v1/children/{}/events", f.child_id))
        .await;
    assert_eq!(v(&body)[0]["kind"], "died");
    // Twice is refused; the page offers no death form any more.
    let (status, _) = b
        .post(
            &format!("/children/{}/death", f.child_id),
            &[("date", &day), ("cause", "drowning"), ("place", "other")],
        )
        .await;
    assert_eq!(status, 422);
    let (_, page) = b.get(&format!("/children/{}", f.child_id)).await;
    assert!(!page.contains("id=\"record-death\""));
    // A newborn not on the register: birth date and sex required; counted under 1.
    let (status, page) = b
        .post(
            &format!("/deaths?unit={commune}"),
            &[
                ("date", &day),
                ("cause", "perinatal"),
                ("place", "facility"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Chọn giới tính") && page.contains("Ngày sinh của trẻ"),
        "{page}"
    );
    let (status, _) = b
        .post(
            &format!("/deaths?unit={commune}"),
            &[
                ("date", &day),
                ("cause", "perinatal"),
                ("place", "facility"),
                ("sex", "Nữ"),
                ("birth_date", &format!("01/01/{year}")),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, body) = api
        .get(&format!("/api/v1/units/{commune}/deaths?year={year}"))
        .await;
    let list = v(&body);
    assert_eq!(list["deaths"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(
        (
            list["neonatal"].as_i64(),
            list["under_1"].as_i64(),
            list["under_5"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert!(
        list["deaths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["age_days"] == 2)
    );
    let (status, page) = b.get(&format!("/deaths?unit={commune}&year={year}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Chưa có trong sổ") && page.contains("Đuối nước"));
    // Outside the scope: nothing.
    let (status, _) = app
        .api_for_demo("xa2")
        .await
        .get(&format!("/api/v1/units/{commune}/deaths"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_birth_creates_or_links_the_child_and_records_the_birth_dose() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "SS").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let born = today - time::Duration::days(3);
    // The commune officer records a birth that creates the child.
    let xa = app.api_for_demo("xa").await;
    let (status, body) = xa
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/births", f.household_id),
            Some(json!({
                "child": { "full_name": "Đoàn Thị Sơ Sinh", "sex": "Nữ", "birth_date": vn(born) },
                "birth": { "place": "facility", "birth_weight_g": "2400", "gestational_weeks": "38",
                           "eenc": "1", "breastfed_1h": "1", "vitamin_k1": "1", "hepb_24h": "1", "screening": "g6pd,hypothyroidism" }
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = v(&body)["id"].as_i64().unwrap();
    let (_, body) = xa.get(&format!("/api/v1/children/{id}/birth")).await;
    let b = v(&body);
    assert_eq!(
        (b["low_birth_weight"].as_bool(), b["preterm"].as_bool()),
        (Some(true), Some(false))
    );
    // The hepatitis B birth dose is in the schedule.
    let (_, body) = xa.get(&format!("/api/v1/children/{id}/immunization")).await;
    let hepb = v(&body)["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["antigen"] == "hepb0")
        .unwrap()
        .clone();
    assert_eq!(hepb["state"], "done", "{hepb}");
    // A bad birth with a good child: nothing is created.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (status, body) = xa
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/births", f.household_id),
            Some(json!({ "child": { "full_name": "Đoàn Văn Mới", "sex": "Nam", "birth_date": vn(born) }, "birth": { "place": "", "birth_weight_g": "20" } })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(before, after);
    // The health station links a birth to a child already on the register, once.
    let b = app.browser("yte", DEMO_PASSWORD).await;
    let (status, page) = b
        .post(
            &format!("/children/{}/birth", f.child_id),
            &[
                ("place", "home"),
                ("birth_weight_g", "3.100"),
                ("screening", "pku"),
                ("screening", "cah"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = b.get(&format!("/children/{}", f.child_id)).await;
    assert!(
        page.contains("id=\"birth-facts\"")
            && page.contains("3.100 g")
            && page.contains("Phenylketon niệu"),
        "birth shown"
    );
    let (status, _) = app
        .api_for_demo("yte")
        .await
        .send(
            Method::POST,
            &format!("/api/v1/children/{}/birth", f.child_id),
            Some(json!({ "place": "home" })),
        )
        .await;
    assert_eq!(status, 409, "one birth per child");
    // A health worker does not create children.
    let (status, _) = app
        .api_for_demo("yte")
        .await
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/births", f.household_id),
            Some(json!({ "child": { "full_name": "Đoàn Văn Khác", "sex": "Nam", "birth_date": vn(born) }, "birth": { "place": "home" } })),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn health_checks_and_insurance_follow_up() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "KS").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let xa = app.api_for_demo("xa").await;
    let mut ids = Vec::new();
    for (name, card) in [("Đoàn Văn Khám", ""), ("Đoàn Thị Thẻ", "TE1310123456789")] {
        let mut child = json!({ "full_name": name, "sex": if name.contains("Thị") { "Nữ" } else { "Nam" }, "birth_date": vn(today - time::Duration::days(700)) });
        if !card.is_empty() {
            child["insurance_card"] = json!(card);
            child["insurance_valid_to"] = json!(vn(today + time::Duration::days(300)));
        }
        ids.push(add_child(&xa, f.household_id, child).await);
    }
    let summary = || {
        let xa = &xa;
        let commune = commune.clone();
        async move {
            v(&xa
                .get(&format!("/api/v1/units/{commune}/health-summary"))
                .await
                .1)
        }
    };
    let before = summary().await;
    let b = app.browser("yte", DEMO_PASSWORD).await;
    let (status, page) = b
        .post(
            &format!("/children/{}/checks", ids[0]),
            &[
                ("date", &vn(today)),
                ("result", "follow_up"),
                ("note", "Thiếu máu nhẹ"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (status, _) = b
        .post(
            &format!("/children/{}/checks", ids[0]),
            &[("date", "31/02/2026"), ("result", "normal")],
        )
        .await;
    assert_eq!(status, 422);
    let after = summary().await;
    assert_eq!(
        after["under_5_checked_this_year"].as_i64().unwrap(),
        before["under_5_checked_this_year"].as_i64().unwrap() + 1
    );
    let uninsured: Vec<i64> = after["uninsured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["child_id"].as_i64().unwrap())
        .collect();
    assert!(
        uninsured.contains(&ids[0]) && !uninsured.contains(&ids[1]),
        "{uninsured:?}"
    );
    let (status, page) = b.get(&format!("/health?unit={commune}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Đoàn Văn Khám") && page.contains("id=\"uninsured\""));
    let (_, page) = b.get(&format!("/children/{}", ids[0])).await;
    assert!(page.contains("Cần theo dõi thêm") && page.contains("Thiếu máu nhẹ"));
    let (status, _) = app
        .api_for_demo("xa2")
        .await
        .get(&format!("/api/v1/units/{commune}/health-summary"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_household_page_records_a_newborn_with_its_birth() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("xa").await;
    let f = app.fixture(&commune, None, "NB").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let b = app.browser("xa", DEMO_PASSWORD).await;
    let (_, page) = b.get(&format!("/households/{}", f.household_id)).await;
    assert!(page.contains("id=\"record-newborn\""));
    // Refused: no name, an impossible weight — both named, nothing created.
    let (status, page) = b
        .post(
            &format!("/households/{}/births", f.household_id),
            &[
                ("full_name", ""),
                ("sex", "Nữ"),
                ("birth_date", &vn(today)),
                ("place", "facility"),
                ("birth_weight_g", "20"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"newborn-error\"") && page.contains("Cân nặng khi sinh (gam) «20»"),
        "{page}"
    );
    let (status, page) = b
        .post(
            &format!("/households/{}/births", f.household_id),
            &[
                ("full_name", "Đoàn Thị Mới Sinh"),
                ("sex", "Nữ"),
                ("birth_date", &vn(today)),
                ("place", "facility"),
                ("birth_weight_g", "3200"),
                ("hepb_24h", "1"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = b.get(&format!("/households/{}", f.household_id)).await;
    assert!(page.contains("Đoàn Thị Mới Sinh"));
}
