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

/// Care facilities from Excel: a wrong capacity stops the file with its cell; the
/// corrected file is imported; the export reads back (counts in care, no names).
#[tokio::test(flavor = "multi_thread")]
async fn facilities_import_all_or_nothing_and_export() {
    use mang_store::register_exchange::{FACILITY_HEADERS, FACILITY_SHEET};
    let app = TestApp::spawn(20).await;
    let a = app.demo_commune("xa").await;
    let file = |rows: Vec<Vec<&str>>| {
        mang_docs::write_xlsx(&[mang_docs::SheetOut {
            name: FACILITY_SHEET.into(),
            headers: FACILITY_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
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
                reqwest::multipart::Part::bytes(bytes).file_name("co-so.xlsx"),
            );
            let r = api
                .client
                .post(app.url(&format!("/api/v1/units/{a}/facilities/import")))
                .bearer_auth(&api.token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, body) = upload(file(vec![
        vec![
            "",
            "Nhóm trẻ Hoa Sen",
            "Cơ sở chưa được cấp phép",
            "",
            "12",
            "Thôn 1",
        ],
        vec!["", "Mái ấm Bình Minh", "Tôn giáo", "", "mười", "Thôn 2"],
    ]))
    .await;
    assert_eq!(status, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["added"], 0, "{body}");
    assert!(
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["row"] == 3 && e["column"] == "E"),
        "{body}"
    );
    // A wrong type names the allowed ones.
    assert!(
        r["errors"].as_array().unwrap().iter().any(|e| e["row"] == 3
            && e["column"] == "C"
            && e["message"]
                .as_str()
                .unwrap()
                .contains("Cơ sở do tổ chức tôn giáo quản lý")),
        "{body}"
    );
    let (status, body) = upload(file(vec![
        vec![
            "",
            "Nhóm trẻ Hoa Sen",
            "Cơ sở chưa được cấp phép",
            "",
            "12",
            "Thôn 1",
        ],
        vec!["", "Mái ấm Bình Minh", "religious", "", "10", "Thôn 2"],
    ]))
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"added\":2"), "{body}");
    let r = api
        .client
        .get(app.url(&format!("/api/v1/units/{a}/facilities/export")))
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
            .any(|r| r[1] == "Mái ấm Bình Minh" && r[4] == "10")
    );
}
