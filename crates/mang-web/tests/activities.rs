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

/// Activities from a spreadsheet: a wrong row stops the whole file with its row and
/// column; the corrected file is imported and the participation counts follow; the export
/// reads back.
#[tokio::test(flavor = "multi_thread")]
async fn activities_import_all_or_nothing_and_export() {
    use mang_store::register_exchange::{ACTIVITY_HEADERS, ACTIVITY_SHEET};
    let app = TestApp::spawn(20).await;
    let a = app.demo_commune("xa").await;
    let file = |rows: Vec<Vec<&str>>| {
        mang_docs::write_xlsx(&[mang_docs::SheetOut {
            name: ACTIVITY_SHEET.into(),
            headers: ACTIVITY_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(str::to_owned).collect())
                .collect(),
            lists: Vec::new(),
            widths: Vec::new(),
        }])
        .unwrap()
    };
    let api = app.api_for_demo("xa").await;
    let upload = |bytes: Vec<u8>| {
        let (api, app, a) = (&api, &app, a.clone());
        async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("hoat-dong.xlsx"),
            );
            let r = api
                .client
                .post(app.url(&format!("/api/v1/units/{a}/activities/import")))
                .bearer_auth(&api.token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM activities WHERE commune_code = $1")
            .bind(a.clone())
            .fetch_one(app.store.pool())
            .await
            .unwrap()
    };
    let before = count().await;
    let (status, body) = upload(file(vec![
        vec![
            "",
            "Diễn đàn trẻ em",
            "Diễn đàn trẻ em xã",
            "01/06/2026",
            "120",
            "80",
            "40",
            "15",
            "",
        ],
        vec![
            "",
            "Diễn đàn trẻ em",
            "Hội thi",
            "31/02/2026",
            "nhiều",
            "",
            "",
            "",
            "",
        ],
    ]))
    .await;
    assert_eq!(status, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["added"], 0);
    let errors = r["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["row"] == 3 && e["column"] == "D"),
        "{body}"
    );
    assert!(
        errors.iter().any(|e| e["row"] == 3 && e["column"] == "E"),
        "{body}"
    );
    assert_eq!(count().await, before);
    let (status, body) = upload(file(vec![
        vec![
            "",
            "Diễn đàn trẻ em",
            "Diễn đàn trẻ em xã",
            "01/06/2026",
            "120",
            "80",
            "40",
            "15",
            "",
        ],
        vec![
            "",
            "forum",
            "Hội thi",
            "28/02/2026",
            "30",
            "",
            "",
            "",
            "Trường THCS",
        ],
    ]))
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"added\":2"), "{body}");
    assert_eq!(count().await, before + 2);
    let r = api
        .client
        .get(app.url(&format!("/api/v1/units/{a}/activities/export")))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let tables = mang_docs::read_bytes("x.xlsx", &r.bytes().await.unwrap()).unwrap();
    assert!(
        tables[0]
            .rows
            .iter()
            .any(|r| r[2] == "Diễn đàn trẻ em xã" && r[3] == "01/06/2026" && r[4] == "120")
    );
}
