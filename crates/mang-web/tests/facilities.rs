//! Care facilities through the page: added, inspected, listed as unresolved until
//! licensed; the list by API for the province.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;

#[tokio::test(flavor = "multi_thread")]
async fn an_informal_facility_until_it_is_licensed() {
    let app = TestApp::spawn(20).await;
    let a = app.demo_commune("xa").await;
    let xa = app.browser("xa", DEMO_PASSWORD).await;
    let (status, _) = xa
        .post(
            &format!("/facilities?unit={a}"),
            &[
                ("name", "Nhóm trẻ Ánh Dương"),
                ("kind", "informal"),
                ("capacity", "15"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = xa
        .get(&format!("/facilities?unit={a}&unresolved=true"))
        .await;
    assert!(page.contains("Nhóm trẻ Ánh Dương"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM care_facilities")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (status, page) = xa
        .post(
            &format!("/facilities/{id}/resolution?unit={a}"),
            &[("resolution", "licensed"), ("licence", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Cần số giấy phép"));
    let (status, _) = xa
        .post(
            &format!("/facilities/{id}/resolution?unit={a}"),
            &[("resolution", "licensed"), ("licence", "12/GP-SYT")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = xa
        .get(&format!("/facilities?unit={a}&unresolved=true"))
        .await;
    assert!(!page.contains("Nhóm trẻ Ánh Dương"));
    let api = app.api_for_demo("tinh").await;
    let (status, body) = api.get("/api/v1/units/31/facilities").await;
    assert_eq!(status, 200);
    assert!(body.contains("12/GP-SYT") && body.contains("\"kind\":\"private\""));
    let xa2 = app.browser("xa2", DEMO_PASSWORD).await;
    let (status, _) = xa2
        .post(
            &format!("/facilities/{id}/resolution?unit={a}"),
            &[("resolution", "closed")],
        )
        .await;
    assert_eq!(status, 404);
}
