//! Life events, caregivers, the police ID check and manual name splits, through the API
//! and the child page: status changes follow the rules, stale versions are refused, every
//! change is in the child's history, and only the right roles in scope may act.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

fn v(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn events_move_a_child_off_and_back_onto_the_register() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("xa").await;
    let f = app.fixture(&commune, None, "EV").await;
    let api = app.api_for_demo("xa").await;
    let id = f.child_id;
    let version = app.child_version(id).await;

    // A move needs its place; the error names the field.
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/events"),
            Some(json!({ "version": version, "kind": "moved_out", "date": "01/09/2026" })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("place"), "{body}");

    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/events"),
            Some(json!({ "version": version, "kind": "moved_out", "date": "01/09/2026", "place": "Xã Tân Dân, Hà Nội" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let child = v(&body);
    assert_eq!(child["status"], "moved_out");
    assert_eq!(child["version"], version + 1);

    // Off the default list, on the list of everyone.
    let in_list = |status: &'static str| {
        let api = &api;
        let q = format!("/api/v1/children?unit={commune}&q=an%20danh&status={status}",);
        async move {
            let (_, body) = api.get(&q).await;
            v(&body)["children"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id)
        }
    };
    assert!(!in_list("").await, "moved away: not on the active list");
    assert!(in_list("all").await, "still on the list of all children");

    // The old version is stale now.
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/events"),
            Some(json!({ "version": version, "kind": "moved_in", "date": "01/10/2026", "place": "Hà Nội" })),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/events"),
            Some(json!({ "version": version + 1, "kind": "moved_in", "date": "01/10/2026", "place": "Hà Nội" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(v(&body)["status"], "active");
    assert!(in_list("").await, "back on the active list");

    // Died is final: nothing follows it.
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/events"),
            Some(json!({ "version": version + 2, "kind": "died", "date": "02/10/2026" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/events"),
            Some(json!({ "version": version + 3, "kind": "moved_out", "date": "03/10/2026", "place": "Hà Nội" })),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    let (status, body) = api.get(&format!("/api/v1/children/{id}/events")).await;
    assert_eq!(status, 200, "{body}");
    let kinds: Vec<String> = v(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["moved_out", "moved_in", "died"]);

    // The child page shows the events and the history names them.
    let b = app.browser("xa", DEMO_PASSWORD).await;
    let (status, page) = b.get(&format!("/children/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"events\""), "events table");
    assert!(page.contains("Tử vong") && page.contains("Xã Tân Dân, Hà Nội"));
    assert!(
        page.contains("Tình trạng: Đang theo dõi → Đã mất"),
        "history"
    );

    // Another commune's officer cannot record an event on this child.
    let other = app.api_for_demo("xa2").await;
    let (status, _) = other
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/events"),
            Some(json!({ "version": version + 3, "kind": "died", "date": "02/10/2026" })),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn caregivers_id_checks_and_name_splits() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("xa").await;
    let f = app.fixture(&commune, None, "CG").await;
    let id = f.child_id;
    let b = app.browser("xa", DEMO_PASSWORD).await;

    // Caregivers through the page form: a bad phone is named, a good one is listed.
    let (status, page) = b
        .post(
            &format!("/children/{id}/caregivers"),
            &[
                ("full_name", "Đoàn Văn Bố"),
                ("relationship", "father"),
                ("phone", "123"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Số điện thoại «123» không hợp lệ"), "{page}");
    let (status, _) = b
        .post(
            &format!("/children/{id}/caregivers"),
            &[
                ("full_name", "Đoàn Văn Bố"),
                ("relationship", "father"),
                ("birth_year", "1988"),
                ("phone", "0912 345 678"),
                ("lives_with", "1"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let api = app.api_for_demo("xa").await;
    let (_, body) = api.get(&format!("/api/v1/children/{id}/caregivers")).await;
    let list = v(&body);
    assert_eq!(list[0]["full_name"], "Đoàn Văn Bố");
    assert_eq!(list[0]["relationship_label"], "Cha");
    assert_eq!(list[0]["phone"], "0912345678");
    let cg = list[0]["id"].as_i64().unwrap();
    let (status, _) = api
        .send(Method::POST, &format!("/api/v1/caregivers/{cg}/end"), None)
        .await;
    assert_eq!(status, 204);
    let (_, body) = api.get(&format!("/api/v1/children/{id}/caregivers")).await;
    assert!(v(&body)[0]["ended_at"].is_string());

    // Only the police may confirm an ID, and only in their commune.
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/verify-id"),
            None,
        )
        .await;
    assert_eq!(status, 403, "a commune officer does not verify IDs");
    let police = app.api_for_demo("congan").await;
    let police_commune = app.demo_commune("congan").await;
    assert_eq!(police_commune, commune, "demo police share the commune");
    let (status, body) = police
        .send(
            Method::POST,
            &format!("/api/v1/children/{id}/verify-id"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(v(&body)["id_verified_at"].is_string());
    assert_eq!(v(&body)["id_verified_by"], "congan");
    let pb = app.browser("congan", DEMO_PASSWORD).await;
    let (_, page) = pb.get(&format!("/children/{id}")).await;
    assert!(page.contains("Đã xác minh"), "shown on the page");
    // Changing the ID clears the check.
    let version = app.child_version(id).await;
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{id}"),
            Some(json!({ "version": version, "personal_id": "031319654321" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(v(&body)["id_verified_at"].is_null());

    // A name that does not follow họ – đệm – tên: the split decides the register order.
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/children", f.household_id),
            Some(json!({ "full_name": "H' Hen Niê", "sex": "Nữ", "birth_date": "05/05/2019" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let hen = v(&body);
    let hen_id = hen["id"].as_i64().unwrap();
    let found = |q: &'static str| {
        let api = &api;
        let commune = commune.clone();
        async move {
            let (_, body) = api
                .get(&format!(
                    "/api/v1/children?unit={commune}&q={q}&household=&status=all"
                ))
                .await;
            v(&body)["children"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == hen_id)
        }
    };
    assert!(found("nie").await, "default split: given name Niê");
    let (status, body) = api
        .send(
            Method::PUT,
            &format!("/api/v1/children/{hen_id}/name-parts"),
            Some(json!({ "version": hen["version"], "family": "Niê", "given": "H' Bảy" })),
        )
        .await;
    assert_eq!(status, 422, "words not in the name: {body}");
    let (status, body) = api
        .send(
            Method::PUT,
            &format!("/api/v1/children/{hen_id}/name-parts"),
            Some(json!({ "version": hen["version"], "family": "Niê", "given": "H' Hen" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(v(&body)["name_parts"], "Niê||H' Hen");
    assert!(found("h").await, "given name now H' Hen");
    assert!(!found("nie").await);
    let (_, page) = b.get(&format!("/children/{hen_id}")).await;
    assert!(page.contains("Tách họ, tên"), "history names the split");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_child_with_the_same_mother_in_two_households_is_a_probable_duplicate() {
    let app = TestApp::spawn(50).await;
    let commune = app.demo_commune("xa").await;
    let api = app.api_for_demo("xa").await;
    let mut ids = Vec::new();
    for tag in ["M1", "M2"] {
        let f = app.fixture(&commune, None, tag).await;
        let (status, body) = api
            .send(
                Method::POST,
                &format!("/api/v1/households/{}/children", f.household_id),
                Some(
                    json!({ "full_name": "Phan Thị Mận", "sex": "Nữ", "birth_date": "07/07/2021" }),
                ),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let id = v(&body)["id"].as_i64().unwrap();
        // The mother's name typed with and without diacritics: folded alike.
        let mother = if tag == "M1" {
            "Lê Thị Hồng"
        } else {
            "Le Thi Hong"
        };
        let (status, _) = api
            .send(
                Method::POST,
                &format!("/api/v1/children/{id}/caregivers"),
                Some(json!({ "full_name": mother, "relationship": "mother" })),
            )
            .await;
        assert_eq!(status, 201);
        ids.push(id);
    }
    let (status, body) = api.get(&format!("/api/v1/units/{commune}/quality")).await;
    assert_eq!(status, 200, "{body}");
    let checks = v(&body);
    let dup = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "duplicate")
        .unwrap();
    for id in &ids {
        let item = dup["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == *id)
            .unwrap_or_else(|| panic!("{id} not flagged: {dup}"));
        assert_eq!(item["detail"], "cùng mẹ, họ tên (không dấu) và ngày sinh");
    }
}
