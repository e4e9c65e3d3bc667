//! The child registry through the API and pages: register order and diacritic-insensitive
//! search over names with every Vietnamese letter, field-named validation, personal-ID
//! warnings with a recorded override, adding a child to a household.

mod common;

use common::TestApp;
use reqwest::Method;

/// Given names chosen to cover a ă â đ ê ô ơ ư and the five tones, with the order the
/// Vietnamese alphabet gives (tên first, then đệm, then họ).
const ORDERED: [&str; 16] = [
    "Lý Thị An",
    "Phạm Văn An",
    "Bùi Thị Ánh",
    "Hồ Thị Ăn",
    "Lê Văn Ẩn",
    "Trịnh Thị Âu",
    "Nguyễn Văn Dũng",
    "Đỗ Minh Đức",
    "Vũ Thị Ê",
    "Ngô Văn Ổn",
    "Dương Thị Ơn",
    "Hoàng Thị Thủy",
    "Tạ Thị Thuỷ",
    "Đặng Văn Uy",
    "Phan Thị Ửng",
    "Mai Văn Ước",
];

async fn household_in(app: &TestApp, commune: &str) -> i64 {
    app.fixture(commune, None, "REG").await.household_id
}

#[tokio::test(flavor = "multi_thread")]
async fn register_order_and_search_over_every_diacritic() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("xa").await;
    let hh = household_in(&app, &commune).await;
    let api = app.api_for_demo("xa").await;
    // Add in reverse order so that insertion order cannot pass for sorting.
    for (i, name) in ORDERED.iter().rev().enumerate() {
        let sex = if name.contains(" Thị ") {
            "Nữ"
        } else {
            "Nam"
        };
        let (status, body) = api
            .send(
                Method::POST,
                &format!("/api/v1/households/{hh}/children"),
                Some(serde_json::json!({ "full_name": name, "sex": sex, "birth_date": format!("{:02}/03/2018", i + 1) })),
            )
            .await;
        assert_eq!(status, 201, "{name}: {body}");
    }
    // Enough others in the commune for several pages.
    let (family, given) = (["Trần", "Lâm", "Kiều"], ["Khang", "Minh", "Nga", "Phúc"]);
    for i in 0..110 {
        let name = format!("{} Văn {}", family[i % 3], given[(i / 3) % 4]);
        let (status, body) = api
            .send(
                Method::POST,
                &format!("/api/v1/households/{hh}/children"),
                Some(serde_json::json!({ "full_name": name, "sex": "Nam", "birth_date": format!("{:02}/04/2017", i % 28 + 1) })),
            )
            .await;
        assert_eq!(status, 201, "{name}: {body}");
    }
    // Demo children share the commune; walk every page and check ours relative to each other.
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let q = after
            .as_ref()
            .map(|a| format!("&after={a}"))
            .unwrap_or_default();
        let (_, body) = api
            .get(&format!("/api/v1/children?unit={commune}{q}"))
            .await;
        let p: serde_json::Value = serde_json::from_str(&body).unwrap();
        for c in p["children"].as_array().unwrap() {
            all.push(c["full_name"].as_str().unwrap().to_owned());
        }
        match p["next"].as_str() {
            Some(n) => after = Some(n.to_owned()),
            None => break,
        }
    }
    let ours_in_order: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|n| ORDERED.contains(n))
        .collect();
    assert_eq!(ours_in_order, ORDERED, "register order across pages");
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE commune_code = $1")
        .bind(&commune)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(
        total > 2 * 50,
        "the commune needs several pages, has {total}"
    );
    assert_eq!(
        all.len() as i64,
        total,
        "paging visits every child exactly once"
    );
    // Province-wide the cursor crosses communes: every child once, none repeated.
    let tinh = app.api_for_demo("tinh").await;
    let mut ids = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let q = after
            .as_ref()
            .map(|a| format!("?after={a}"))
            .unwrap_or_default();
        let (status, body) = tinh.get(&format!("/api/v1/children{q}")).await;
        assert_eq!(status, 200, "{body}");
        let p: serde_json::Value = serde_json::from_str(&body).unwrap();
        for c in p["children"].as_array().unwrap() {
            assert!(ids.insert(c["id"].as_i64().unwrap()), "repeated {c}");
        }
        match p["next"].as_str() {
            Some(n) => after = Some(n.to_owned()),
            None => break,
        }
    }
    let province_total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(ids.len() as i64, province_total, "province-wide paging");

    // Search: folded, case-insensitive, đ → d, tone placement neutral.
    let search = |q: &'static str| {
        let api = &api;
        let commune = commune.clone();
        async move {
            let (_, body) = api
                .get(&format!("/api/v1/children?unit={commune}&q={q}"))
                .await;
            let p: serde_json::Value = serde_json::from_str(&body).unwrap();
            p["children"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["full_name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(
        search("nguyen%20van%20dung")
            .await
            .contains(&"Nguyễn Văn Dũng".to_owned())
    );
    assert!(
        search("DO%20MINH%20DUC")
            .await
            .contains(&"Đỗ Minh Đức".to_owned())
    );
    let thuy = search("thi%20thuy").await;
    assert!(
        thuy.contains(&"Hoàng Thị Thủy".to_owned()) && thuy.contains(&"Tạ Thị Thuỷ".to_owned()),
        "{thuy:?}"
    );
    assert!(search("uoc").await.contains(&"Mai Văn Ước".to_owned()));
    assert!(search("xyzxyz").await.is_empty());
    // The given name is matched by its beginning, whatever the diacritics: "an" finds
    // An, Ăn, Ẩn, Ánh; a family name alone is not a given name.
    let an = search("an").await;
    for name in ["Lý Thị An", "Hồ Thị Ăn", "Lê Văn Ẩn", "Bùi Thị Ánh"] {
        assert!(an.contains(&name.to_owned()), "{name} in {an:?}");
    }
    assert!(
        !search("ly%20thi%20thuy")
            .await
            .contains(&"Lý Thị An".to_owned())
    );
    assert!(search("ly%20an").await.contains(&"Lý Thị An".to_owned()));

    // Other filters: birth date, household, personal ID, group; bad input is named.
    let filtered = |query: String| {
        let api = &api;
        async move {
            let (status, body) = api.get(&format!("/api/v1/children?{query}")).await;
            assert_eq!(status, 200, "{query}: {body}");
            let p: serde_json::Value = serde_json::from_str(&body).unwrap();
            p["children"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["full_name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        filtered(format!("unit={commune}&q=uoc&birth=01/03/2018")).await,
        ["Mai Văn Ước"]
    );
    assert!(
        filtered(format!("unit={commune}&q=uoc&birth=02/03/2018"))
            .await
            .is_empty()
    );
    let hh_code: String = sqlx::query_scalar("SELECT code FROM households WHERE id = $1")
        .bind(hh)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let in_household = filtered(format!("household={hh_code}&q=an")).await;
    assert!(
        in_household.contains(&"Lý Thị An".to_owned()),
        "{in_household:?}"
    );
    let (id, pid, name): (i64, String, String) = sqlx::query_as(
        "SELECT id, personal_id, full_name FROM children WHERE commune_code = $1 AND personal_id IS NOT NULL AND length(personal_id) = 12 ORDER BY id LIMIT 1",
    )
    .bind(&commune)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    let by_id = filtered(format!("q={pid}")).await;
    assert!(by_id.contains(&name), "{id} {name} by ID: {by_id:?}");
    let (status, body) = api.get("/api/v1/children?q=0312").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("12 chữ số"), "{body}");
    let (status, body) = api.get("/api/v1/children?birth=31/02/2018").await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_are_checked_field_by_field_and_id_overrides_are_recorded() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("xa").await;
    let f = app.fixture(&commune, None, "ED").await;
    let api = app.api_for_demo("xa").await;
    let v = app.child_version(f.child_id).await;
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{}", f.child_id),
            Some(serde_json::json!({ "version": v, "birth_date": "31/02/2019", "sex": "khác", "ethnicity": "Kinhh" })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let e: serde_json::Value = serde_json::from_str(&body).unwrap();
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["sex", "birth_date", "ethnicity"]);
    assert_eq!(e["errors"][1]["label"], "Ngày sinh");
    assert_eq!(
        app.child_version(f.child_id).await,
        v,
        "nothing half-applied"
    );

    // The fixture girl born 2019 has ID 031319…; a boy's code (2) is a warning needing a reason.
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{}", f.child_id),
            Some(serde_json::json!({ "version": v, "personal_id": "031219123456" })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("giới tính"), "{body}");
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{}", f.child_id),
            Some(serde_json::json!({ "version": v, "personal_id": "031219123456", "id_override_reason": "Công an xã xác nhận" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE entity = 'child' AND entity_id = $1 AND action = 'update' ORDER BY seq DESC LIMIT 1")
        .bind(f.child_id.to_string())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(
        detail.contains("sex_mismatch") && detail.contains("Công an xã xác nhận"),
        "{detail}"
    );

    // Page: the form shows each error beside its field and keeps what was typed.
    let b = app.browser("xa", "mang-demo-2026").await;
    let (_, page) = b.get(&format!("/children/{}", f.child_id)).await;
    let version = common::hidden(&page, "version");
    let (status, page) = b
        .post(
            &format!("/children/{}", f.child_id),
            &[
                ("version", version.as_str()),
                ("birth_date", "32/13/2019"),
                ("full_name", "Đoàn Thị Hoa"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"e-birth_date\""),
        "error next to the field"
    );
    assert!(
        page.contains("value=\"32/13/2019\""),
        "the typed value is kept"
    );
    assert!(page.contains("value=\"Đoàn Thị Hoa\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_a_child_through_the_household_page() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("xa").await;
    let f = app.fixture(&commune, None, "HH").await;
    let b = app.browser("xa", "mang-demo-2026").await;
    let (status, page) = b.get(&format!("/households/{}", f.household_id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Thêm trẻ em vào hộ"));
    let (status, page) = b
        .post(
            &format!("/households/{}/children", f.household_id),
            &[("full_name", "Ánh")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"e-sex\"")
            && page.contains("id=\"e-birth_date\"")
            && page.contains("id=\"e-full_name\"")
    );
    let (status, _) = b
        .post(
            &format!("/households/{}/children", f.household_id),
            &[
                ("full_name", "Đoàn Ngọc Ánh"),
                ("sex", "female"),
                ("birth_date", "1/6/2024"),
                ("ethnicity", "Kinh"),
                ("school_status", "not_of_age"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = b.get(&format!("/households/{}", f.household_id)).await;
    assert!(page.contains("Đoàn Ngọc Ánh") && page.contains("01/06/2024"));
    // A leader reads aggregates only.
    let leader = app.browser("lanhdao", "mang-demo-2026").await;
    assert_eq!(
        leader
            .get(&format!("/households/{}", f.household_id))
            .await
            .0,
        403
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn special_circumstances_are_dated_sourced_ended_and_scoped() {
    let app = TestApp::spawn(100).await;
    let a = app.demo_commune("xa").await;
    let b = app.demo_commune("xa2").await;
    let f = app.fixture(&a, None, "CI").await;
    let out = app.fixture(&b, None, "CO").await;
    let api = app.api_for_demo("xa").await;
    let path = format!("/api/v1/children/{}/circumstances", f.child_id);
    let (status, body) = api
        .send(Method::POST, &path, Some(serde_json::json!({ "code": "orphan_both", "start_date": "01/03/2024", "source": "Xác minh tại hộ" })))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    // The child is found by its group (an open circumstance), province-wide too.
    let by_group = |who: &'static str| {
        let app = &app;
        async move {
            let api = app.api_for_demo(who).await;
            let (status, body) = api.get("/api/v1/children?group=orphan_both").await;
            assert_eq!(status, 200, "{body}");
            body.contains(&format!("\"id\":{},", f.child_id))
        }
    };
    assert!(by_group("xa").await);
    assert!(by_group("tinh").await);
    let (status, _) = api
        .send(Method::POST, &path, Some(serde_json::json!({ "code": "orphan_both", "start_date": "01/04/2024", "source": "x" })))
        .await;
    assert_eq!(status, 409, "already open");
    let (status, body) = api
        .send(
            Method::POST,
            &path,
            Some(serde_json::json!({ "code": "khong-co", "start_date": "31/02/2024" })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("\"code\"") && body.contains("start_date") && body.contains("source"),
        "{body}"
    );
    let (status, body) = api.get(&path).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Trẻ em mồ côi cả cha và mẹ") && body.contains("\"end_date\":null"),
        "{body}"
    );
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/api/v1/circumstances/{id}/end"),
            Some(
                serde_json::json!({ "end_date": "01/01/2025", "reason": "Được nhận làm con nuôi" }),
            ),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/api/v1/circumstances/{id}/end"),
            Some(serde_json::json!({ "end_date": "01/01/2025", "reason": "lại" })),
        )
        .await;
    assert_eq!(status, 409, "ended once");
    // Outside the scope, or without the right: nothing.
    let (status, _) = api
        .send(Method::POST, &format!("/api/v1/children/{}/circumstances", out.child_id), Some(serde_json::json!({ "code": "disabled", "start_date": "01/01/2024", "source": "x" })))
        .await;
    assert_eq!(status, 404);
    let yte = app.api_for_demo("yte").await;
    let (status, _) = yte.send(Method::POST, &path, Some(serde_json::json!({ "code": "disabled", "start_date": "01/01/2024", "source": "x" }))).await;
    assert_eq!(status, 403);
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'child_circumstance'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(audited, 2, "created and ended");
    // The page shows it with its dates.
    let b = app.browser("xa", "mang-demo-2026").await;
    let (_, page) = b.get(&format!("/children/{}", f.child_id)).await;
    assert!(
        page.contains("Trẻ em mồ côi cả cha và mẹ")
            && page.contains("01/03/2024")
            && page.contains("01/01/2025")
    );
    let (status, _) = b
        .post(
            &format!("/children/{}/circumstances", f.child_id),
            &[
                ("code", "poor_household"),
                ("start_date", "1/1/2026"),
                ("source", "Danh sách hộ nghèo 2026"),
            ],
        )
        .await;
    assert_eq!(status, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_workflow_and_data_quality_page() {
    let app = TestApp::spawn(300).await;
    let a = app.demo_commune("xa").await;
    let f = app.fixture(&a, None, "VQ").await;
    // Problems for the quality page: a child with no ID, one whose ID contradicts sex and
    // birth year, and a duplicate of the fixture (same household, name, birth date).
    let hh = f.household_id;
    let api = app.api_for_demo("xa").await;
    for body in [
        serde_json::json!({ "full_name": "Đoàn Văn Không Số", "sex": "Nam", "birth_date": "01/01/2020" }),
        serde_json::json!({ "full_name": "Đoàn Thị Lệch Số", "sex": "Nữ", "birth_date": "01/01/2020", "personal_id": "031214000001", "id_override_reason": "tạm giữ" }),
    ] {
        let (status, b) = api
            .send(
                Method::POST,
                &format!("/api/v1/households/{hh}/children"),
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{b}");
    }
    // A contradicting ID written without a reason (as an old import might have left it).
    sqlx::query(
        "UPDATE children SET personal_id = '031214000002' WHERE full_name = 'Đoàn Văn Không Số'",
    )
    .execute(app.store.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE children SET personal_id = NULL WHERE full_name = 'Đoàn Thị Lệch Số'")
        .execute(app.store.pool())
        .await
        .unwrap();
    let (status, body) = api.get(&format!("/api/v1/units/{a}/quality")).await;
    assert_eq!(status, 200, "{body}");
    let checks: serde_json::Value = serde_json::from_str(&body).unwrap();
    let find = |code: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()
            .clone()
    };
    assert!(
        find("missing_id")["items"]
            .to_string()
            .contains("Đoàn Thị Lệch Số")
    );
    let conflict = find("id_conflict");
    assert!(
        conflict["items"].to_string().contains("Đoàn Văn Không Số"),
        "{conflict}"
    );
    assert!(conflict["items"].to_string().contains("năm sinh"));
    assert!(find("not_checked")["count"].as_u64().unwrap() > 0);

    // Workflow: the commune checks, the province re-checks, then asks for a correction; an
    // edit marks the record corrected.
    let path = format!("/api/v1/children/{}/verify", f.child_id);
    let (status, body) = api
        .send(
            Method::POST,
            &path,
            Some(serde_json::json!({ "step": "recheck" })),
        )
        .await;
    assert_eq!(status, 409, "a commune officer does not re-check: {body}");
    let (status, body) = api
        .send(
            Method::POST,
            &path,
            Some(serde_json::json!({ "step": "check" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"verification_status\":\"checked\"")
            && body.contains("\"checked_by\":\"xa\"")
    );
    let tinh = app.api_for_demo("tinh").await;
    let (status, _) = tinh
        .send(
            Method::POST,
            &path,
            Some(serde_json::json!({ "step": "recheck" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = tinh
        .send(
            Method::POST,
            &path,
            Some(serde_json::json!({ "step": "request_correction" })),
        )
        .await;
    assert_eq!(status, 422, "a correction request says what to correct");
    let (status, _) = tinh.send(Method::POST, &path, Some(serde_json::json!({ "step": "request_correction", "note": "Kiểm tra lại ngày sinh" }))).await;
    assert_eq!(status, 200);
    let v = app.child_version(f.child_id).await;
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{}", f.child_id),
            Some(serde_json::json!({ "version": v, "birth_date": "09/03/2019" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"verification_status\":\"corrected\""),
        "{body}"
    );
    let ctv = app.api_for_demo("ctv").await;
    let (status, _) = ctv
        .send(
            Method::POST,
            &path,
            Some(serde_json::json!({ "step": "check" })),
        )
        .await;
    assert!(
        status == 404 || status == 403 || status == 409,
        "a collaborator does not check records of another village: {status}"
    );
    // The page shows the quality lists and the workflow buttons.
    let b = app.browser("xa", "mang-demo-2026").await;
    let (status, page) = b.get(&format!("/units/{a}/quality")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Chưa có số định danh cá nhân") && page.contains("Đoàn Thị Lệch Số"));
    let (_, page) = b.get(&format!("/children/{}", f.child_id)).await;
    assert!(page.contains("Đã chỉnh sửa") && page.contains("value=\"check\""));
    // Leaders see no child lists.
    let leader = app.browser("lanhdao", "mang-demo-2026").await;
    assert_eq!(leader.get(&format!("/units/{a}/quality")).await.0, 403);
}
