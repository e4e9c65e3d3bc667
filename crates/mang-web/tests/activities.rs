//! Activities through the page and the API: checked counts, the year's totals, scope.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn activities_are_checked_listed_and_scoped() {
    let app = TestApp::spawn(20).await;
    let a = app.demo_commune("xa").await;
    let b = app.browser("xa", DEMO_PASSWORD).await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let d = format!(
        "{:02}/{:02}/{}",
        today.day(),
        u8::from(today.month()),
        today.year()
    );
    let (status, page) = b
        .post(
            &format!("/activities?unit={a}"),
            &[
                ("kind", "forum"),
                ("title", "Diễn đàn"),
                ("date", d.as_str()),
                ("children", "5"),
                ("children_7plus_consulted", "9"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("không được lớn hơn số trẻ tham gia"));
    let (status, _) = b
        .post(
            &format!("/activities?unit={a}"),
            &[
                ("kind", "swimming"),
                ("title", "Lớp dạy bơi hè"),
                ("date", d.as_str()),
                ("children", "40"),
                ("adults", "3"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = b.get(&format!("/activities?unit={a}")).await;
    assert!(page.contains("Lớp dạy bơi hè") && page.contains("id=\"act-children\">40<"));
    let api = app.api_for_demo("xa").await;
    let (status, body) = api.get(&format!("/api/v1/units/{a}/activities")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Lớp dạy bơi hè"));
    let other = app.api_for_demo("xa2").await;
    let (status, _) = other
        .send(
            Method::POST,
            &format!("/api/v1/units/{a}/activities"),
            Some(json!({ "kind": "forum", "title": "x", "date": d, "children": "1" })),
        )
        .await;
    assert_eq!(status, 404);
}
