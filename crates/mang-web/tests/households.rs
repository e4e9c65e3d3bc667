//! Households: the commune list, create and edit (field-named errors, optimistic version,
//! children follow the household's village), the printable child-tracking book, and scope.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

fn v(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn households_are_listed_created_edited_and_printed() {
    let app = TestApp::spawn(100).await;
    let commune = app.demo_commune("xa").await;
    let villages = mang_store::units::villages_of(&app.store, &commune)
        .await
        .unwrap();
    assert!(villages.len() >= 2, "demo communes have villages");
    let (v1, v2) = (
        villages[0].code().to_string(),
        villages[1].code().to_string(),
    );
    let b = app.browser("xa", DEMO_PASSWORD).await;

    let (status, page) = b.get("/households").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"households\""),
        "the commune's households"
    );

    // A head of household needs two words; the error names the field, nothing is saved.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (status, page) = b
        .post(
            "/households/new",
            &[
                ("village_code", &v1),
                ("head_name", "Hộ"),
                ("address", "Số 5"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Họ tên chủ hộ phải có ít nhất hai từ"),
        "{page}"
    );
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(before, after);

    let (status, _) = b
        .post(
            "/households/new",
            &[
                ("household_code", ""),
                ("village_code", &v1),
                ("head_name", "Trần Văn Hộ"),
                ("address", "Số 5, xóm Đông"),
                ("phone", "0912345678"),
                ("poverty_year", "2026"),
                ("poverty_status", "Hộ nghèo"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (id, code): (i64, String) =
        sqlx::query_as("SELECT id, code FROM households WHERE head_name = 'Trần Văn Hộ'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert!(
        code.starts_with(&format!("{commune}-H")),
        "generated code {code}"
    );

    // Add a child and a caregiver, then edit the household: the child follows the village.
    let api = app.api_for_demo("xa").await;
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/households/{id}/children"),
            Some(json!({ "full_name": "Trần Thị Bông", "sex": "Nữ", "birth_date": "01/02/2020" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let child = v(&body)["id"].as_i64().unwrap();
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{child}/caregivers"),
            Some(json!({ "full_name": "Trần Văn Hộ", "relationship": "father" })),
        )
        .await;
    assert_eq!(status, 201);
    let (_, body) = api.get(&format!("/api/v1/households/{id}")).await;
    let version = v(&body)["version"].as_i64().unwrap();
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/households/{id}"),
            Some(json!({ "version": version, "village_code": v2, "address": "Số 7, xóm Tây" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(v(&body)["village_code"], v2.as_str());
    let (_, body) = api.get(&format!("/api/v1/children/{child}")).await;
    assert_eq!(v(&body)["village_code"], v2.as_str(), "children follow");
    let (status, _) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/households/{id}"),
            Some(json!({ "version": version, "address": "Số 9" })),
        )
        .await;
    assert_eq!(status, 409, "stale version");
    // The same conflict on the page: a clear message, the stored record shown.
    let (status, page) = b
        .post(
            &format!("/households/{id}/edit"),
            &[
                ("version", &version.to_string()),
                ("head_name", "Trần Văn Hộ"),
                ("address", "Số 9"),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Số 7, xóm Tây"), "stored value shown");

    // The household's history names the changes.
    let (_, page) = b.get(&format!("/households/{id}")).await;
    assert!(page.contains("Lịch sử thay đổi của hộ"));
    assert!(
        page.contains("Địa chỉ: Số 5, xóm Đông → Số 7, xóm Tây"),
        "history of the edit"
    );
    assert!(page.contains("Hộ nghèo (2026)"));

    // The book, printable, and its JSON.
    let (status, page) = b.get(&format!("/households/{id}/book")).await;
    assert_eq!(status, 200);
    assert!(page.contains("SỔ THEO DÕI TRẺ EM TRONG HỘ GIA ĐÌNH"));
    assert!(page.contains("Trần Thị Bông") && page.contains("Trần Văn Hộ (Cha)"));
    assert!(page.contains("Hộ nghèo (2026)"));
    let (status, body) = api.get(&format!("/api/v1/households/{id}/book")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        v(&body)["children"][0]["caregivers"][0]["relationship"],
        "father"
    );

    // Scope: the other commune cannot see or edit it; a leader sees no households.
    let other = app.api_for_demo("xa2").await;
    let (status, _) = other
        .get(&format!("/api/v1/households?unit={commune}"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = other
        .send(
            Method::PATCH,
            &format!("/api/v1/households/{id}"),
            Some(json!({ "version": version + 1, "address": "Số 1" })),
        )
        .await;
    assert_eq!(status, 404);
    let leader = app.browser("lanhdao", DEMO_PASSWORD).await;
    assert_eq!(leader.get("/households").await.0, 403);

    // A province officer picks a commune first.
    let tinh = app.browser("tinh", DEMO_PASSWORD).await;
    let (_, page) = tinh.get("/households").await;
    assert!(page.contains("id=\"communes\""), "commune picker");
    let (_, page) = tinh
        .get(&format!("/households?unit={commune}&code={code}"))
        .await;
    assert!(page.contains("Trần Văn Hộ"));
    // Every view of these records was audited.
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity IN ('household', 'household_list') AND actor = 'tinh'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert!(n >= 1);
}
