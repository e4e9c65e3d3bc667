//! Indicators through the pages and the API: the scorecard follows the data at once, a
//! sub-unit drills down to the children behind a number only for those who may read
//! child records, and another commune's figures are out of reach.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

fn v(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn figure<'a>(board: &'a Value, id: &str) -> &'a Value {
    board["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator_id"] == id)
        .unwrap()
}

fn year() -> String {
    time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .year()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_death_or_measurement_shows_on_the_next_load() {
    let app = TestApp::spawn(40).await;
    let commune = app.demo_commune("yte").await;
    let f = app.fixture(&commune, None, "CS").await;
    let yte = app.api_for_demo("yte").await;
    let tinh = app.api_for_demo("tinh").await;
    let y = year();
    // A child born this year, recorded through the API.
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let birth = time::Date::from_calendar_date(today.year(), time::Month::January, 2).unwrap();
    let vn = |d: time::Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let (status, body) = yte
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/children", f.household_id),
            Some(json!({ "full_name": "Ngô Văn Tí", "sex": "Nam", "birth_date": vn(birth) })),
        )
        .await;
    let kid = if status == 201 {
        v(&body)["id"].as_i64().unwrap()
    } else {
        // The health worker may not add children: the commune officer does.
        let xa = app.api_for_demo("xa").await;
        let (status, body) = xa
            .send(
                Method::POST,
                &format!("/api/v1/households/{}/children", f.household_id),
                Some(json!({ "full_name": "Ngô Văn Tí", "sex": "Nam", "birth_date": vn(birth) })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        v(&body)["id"].as_i64().unwrap()
    };
    let board = |unit: String| {
        let tinh = &tinh;
        let y = y.clone();
        async move {
            let (status, body) = tinh
                .get(&format!("/api/v1/indicators?unit={unit}&period={y}"))
                .await;
            assert_eq!(status, 200, "{body}");
            v(&body)
        }
    };
    let b0 = board(commune.clone()).await;
    let imr0 = figure(&b0, "infant_mortality_rate").clone();
    let uw0 = figure(&b0, "underweight_under5_pct").clone();
    // A death of the child.
    let (status, body) = yte
        .send(
            Method::POST,
            &format!("/api/v1/children/{kid}/death"),
            Some(json!({ "date": vn(birth + time::Duration::days(10)), "cause": "perinatal", "place": "facility" })),
        )
        .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let b1 = board(commune.clone()).await;
    let imr1 = figure(&b1, "infant_mortality_rate");
    assert_eq!(
        imr1["numerator"].as_f64().unwrap(),
        imr0["numerator"].as_f64().unwrap() + 1.0,
        "{imr0} → {imr1}"
    );
    assert_eq!(
        imr1["denominator"], imr0["denominator"],
        "the birth still counts"
    );
    // The province's figure is the sum of its communes'.
    let p = board("31".into()).await;
    let sum: f64 = p["subunits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["figures"][1]["numerator"].as_f64())
        .sum();
    assert_eq!(
        figure(&p, "infant_mortality_rate")["numerator"].as_f64(),
        Some(sum)
    );
    // A measurement of a toddler (the fixture child, born 2019, is too old), far below
    // −2 SD weight-for-age.
    let toddler_birth = today - time::Duration::days(700);
    let xa = app.api_for_demo("xa").await;
    let (status, body) = xa
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/children", f.household_id),
            Some(
                json!({ "full_name": "Ngô Thị Bé", "sex": "Nữ", "birth_date": vn(toddler_birth) }),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let toddler = v(&body)["id"].as_i64().unwrap();
    let (status, body) = yte
        .send(
            Method::POST,
            &format!("/api/v1/children/{toddler}/measurements"),
            Some(json!({ "date": vn(today), "weight_kg": "7,0", "lenhei_cm": "80", "measure": "l", "oedema": "0" })),
        )
        .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let b2 = board(commune.clone()).await;
    let uw2 = figure(&b2, "underweight_under5_pct");
    assert_eq!(
        uw2["numerator"].as_f64().unwrap_or(0.0),
        uw0["numerator"].as_f64().unwrap_or(0.0) + 1.0,
        "{uw0} → {uw2}"
    );
    // The page shows the same figure.
    let b = app.browser("tinh", DEMO_PASSWORD).await;
    let (status, page) = b
        .get(&format!(
            "/indicators/underweight_under5_pct?unit={commune}&period={y}"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains(uw2["value_text"].as_str().unwrap()),
        "value on the page"
    );
    assert!(
        page.contains("id=\"to-children\""),
        "the province officer may list the children"
    );
    let (status, page) = b
        .get(&format!(
            "/indicators/underweight_under5_pct/children?unit={commune}&period={y}"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Ngô Thị Bé"), "the child behind the number");
    let listed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'child_list' AND detail LIKE '%indicator:underweight%'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(listed, 1, "the list is audited");
}

#[tokio::test(flavor = "multi_thread")]
async fn who_sees_which_figures() {
    let app = TestApp::spawn(30).await;
    let a = app.demo_commune("xa").await;
    let b = app.demo_commune("xa2").await;
    let y = year();
    // Leaders see the scorecard (aggregates), not the children behind it.
    let leader = app.browser("lanhdao", DEMO_PASSWORD).await;
    let (status, page) = leader.get(&format!("/indicators?unit=31&period={y}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"scorecard\"") && page.contains("Tỷ suất tử vong trẻ em dưới 1 tuổi")
    );
    // Any period: a month and a five-year stage are offered and shown.
    let y_num: i32 = y.parse().unwrap();
    let stage = 2021 + (y_num - 2021).div_euclid(5) * 5;
    let (years, month) = (format!("{stage}-{}", stage + 4), format!("{y}01"));
    assert!(
        page.contains(&format!("<option value=\"{years}\"")),
        "five-year stage offered"
    );
    assert!(
        page.contains(&format!("<option value=\"{month}\"")),
        "January offered"
    );
    for (p, label) in [
        (years.clone(), format!("giai đoạn {stage}–{}", stage + 4)),
        (month.clone(), format!("tháng 1/{y}")),
    ] {
        let (status, page) = leader.get(&format!("/indicators?unit=31&period={p}")).await;
        assert_eq!(status, 200, "{p}");
        assert!(
            page.contains(&label) && page.contains("id=\"scorecard\""),
            "{p}"
        );
        let (status, page) = leader
            .get(&format!(
                "/indicators/infant_mortality_rate?unit=31&period={p}"
            ))
            .await;
        assert_eq!(status, 200, "{p}");
        assert!(page.contains(&label), "{p}");
    }
    let (_, page) = leader
        .get(&format!(
            "/indicators/underweight_under5_pct?unit={a}&period={y}"
        ))
        .await;
    assert!(!page.contains("id=\"to-children\""));
    let (status, _) = leader
        .get(&format!(
            "/indicators/underweight_under5_pct/children?unit={a}&period={y}"
        ))
        .await;
    assert!(matches!(status, 403 | 404), "{status}");
    // A commune officer sees their commune, not another one.
    let xa = app.browser("xa", DEMO_PASSWORD).await;
    let (status, _) = xa.get(&format!("/indicators?unit={a}&period={y}")).await;
    assert_eq!(status, 200);
    for path in [
        format!("/indicators?unit={b}&period={y}"),
        format!("/indicators/underweight_under5_pct?unit={b}&period={y}"),
        format!("/indicators/underweight_under5_pct/children?unit={b}&period={y}"),
        format!("/indicators?unit=31&period={y}"),
    ] {
        let (status, _) = xa.get(&path).await;
        assert!(matches!(status, 403 | 404), "{path}: {status}");
    }
    let api = app.api_for_demo("xa").await;
    let (status, _) = api.get(&format!("/api/v1/indicators?unit={b}")).await;
    assert!(matches!(status, 403 | 404));
    // A bad period is named.
    let (status, body) = api
        .get(&format!("/api/v1/indicators?unit={a}&period=2026H1"))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Kỳ không hợp lệ"));
    // The export.
    let r = xa
        .client
        .get(app.url(&format!("/indicators/export.xlsx?unit={a}&period={y}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tables = mang_docs::read_bytes("x.xlsx", &r.bytes().await.unwrap()).unwrap();
    assert_eq!(tables[0].rows.len(), 61, "header and 60 indicators");
}

#[tokio::test(flavor = "multi_thread")]
async fn aggregate_figures_are_checked_locked_after_approval_and_counted() {
    let app = TestApp::spawn(30).await;
    let a = app.demo_commune("xa").await;
    let y = year();
    let xa = app.browser("xa", DEMO_PASSWORD).await;
    let entry = format!("/indicators/entry?unit={a}&period={y}");
    let (status, page) = xa.get(&entry).await;
    assert_eq!(status, 200);
    assert!(page.contains("kindergarten_attendance_age5_pct"));
    // Numerator above the denominator: named, nothing saved.
    let (status, page) = xa
        .post(
            &entry,
            &[
                ("indicator_id", "kindergarten_attendance_age5_pct"),
                ("numerator", "120"),
                ("denominator", "100"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Tử số không được lớn hơn mẫu số"));
    let (status, _) = xa
        .post(
            &entry,
            &[
                ("indicator_id", "kindergarten_attendance_age5_pct"),
                ("numerator", "95"),
                ("denominator", "100"),
                ("note", "Báo cáo của trường mầm non"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    // Computed indicators are not entered by hand.
    let (status, _) = xa
        .post(
            &entry,
            &[
                ("indicator_id", "infant_mortality_rate"),
                ("numerator", "1"),
                ("denominator", "100"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    // The scorecard shows it, in the commune and summed in the province.
    let api = app.api_for_demo("tinh").await;
    let (_, body) = api
        .get(&format!("/api/v1/indicators?unit={a}&period={y}"))
        .await;
    let f = figure(&v(&body), "kindergarten_attendance_age5_pct").clone();
    assert_eq!(f["value_text"], "95%", "{f}");
    let (_, body) = api
        .get(&format!("/api/v1/indicators?unit=31&period={y}"))
        .await;
    let b = v(&body);
    assert_eq!(
        figure(&b, "kindergarten_attendance_age5_pct")["numerator"],
        95.0
    );
    assert!(
        b["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "kindergarten_attendance_age5_pct")
    );
    // The chairman approves: locked; the history keeps both steps.
    let chutich = app.browser("chutich", DEMO_PASSWORD).await;
    let (status, _) = chutich
        .post(
            &format!("/indicators/entry/approve?unit={a}&period={y}"),
            &[("indicator_id", "kindergarten_attendance_age5_pct")],
        )
        .await;
    assert_eq!(status, 303);
    let (status, page) = xa
        .post(
            &entry,
            &[
                ("indicator_id", "kindergarten_attendance_age5_pct"),
                ("numerator", "90"),
                ("denominator", "100"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("bị khóa"));
    let (_, page) = xa.get(&entry).await;
    assert!(page.contains("Đã phê duyệt") && page.contains("phê duyệt 95 / 100"));
    // A school may enter, a leader may not.
    let leader = app.api_for_demo("lanhdao").await;
    let (status, _) = leader
        .send(
            Method::POST,
            &format!("/api/v1/aggregates?unit={a}&period={y}"),
            Some(json!({ "indicator_id": "primary_dropout_count", "numerator": "0" })),
        )
        .await;
    assert_eq!(status, 403);
    let school = app.api_for_demo("truong").await;
    let (status, body) = school
        .send(
            Method::POST,
            &format!("/api/v1/aggregates?unit={a}&period={y}"),
            Some(json!({ "indicator_id": "primary_dropout_count", "numerator": "0" })),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dhis2_and_adx_exports_carry_numerators_and_denominators() {
    let app = TestApp::spawn(200).await;
    let tinh = app.api_for_demo("tinh").await;
    let y = year();
    let (status, body) = tinh
        .get(&format!("/api/v1/indicators?unit=31&period={y}"))
        .await;
    assert_eq!(status, 200);
    let board = v(&body);
    let births = figure(&board, "infant_mortality_rate")["denominator"]
        .as_f64()
        .unwrap();
    let (status, body) = tinh
        .get(&format!(
            "/api/v1/indicators-exchange?unit=31&period={y}&format=dhis2"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let j = v(&body);
    let de = j["dataValues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dataElement"] == "infant_mortality_rate_den" && d["orgUnit"] == "31")
        .unwrap()
        .clone();
    assert_eq!(de["value"], format!("{}", births as i64));
    assert_eq!(de["period"], y.as_str());
    let (status, xml) = tinh
        .get(&format!(
            "/api/v1/indicators-exchange?unit=31&period={y}S1&format=adx"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(
        xml.contains(&format!(r#"<group orgUnit="31" period="{y}-01-01/P6M""#)),
        "{xml}"
    );
    assert!(xml.matches("<group ").count() > 1, "sub-units too");
    let (status, _) = tinh
        .get(&format!(
            "/api/v1/indicators-exchange?unit=31&period={y}&format=csv"
        ))
        .await;
    assert_eq!(status, 422);
}
