//! Drowning-risk sites through the pages and the API: an officer records a site and an
//! inspection that adds a fence, the commune's progress and indicator 41 follow; input is
//! checked by field; other communes and read-only roles cannot write.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

fn v(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_gets_a_fence_and_the_commune_progress_follows() {
    let app = TestApp::spawn(20).await;
    let a = app.demo_commune("xa").await;
    let xa = app.browser("xa", DEMO_PASSWORD).await;
    let (status, page) = xa.get(&format!("/sites?unit={a}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"new-site\""));
    // Swapped coordinates: named, nothing saved.
    let (status, page) = xa
        .post(
            &format!("/sites?unit={a}"),
            &[
                ("name", "Ao làng"),
                ("kind", "pond"),
                ("risk", "high"),
                ("lat", "106,68"),
                ("lon", "20,86"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Vĩ độ phải trong khoảng"), "lat named");
    let (status, _) = xa
        .post(
            &format!("/sites?unit={a}"),
            &[
                ("name", "Ao làng cạnh trường"),
                ("kind", "pond"),
                ("risk", "high"),
                ("lat", "20,86"),
                ("lon", "106,68"),
                ("measures", "sign"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = xa
        .post(
            &format!("/sites?unit={a}"),
            &[
                ("name", "Giếng bỏ hoang"),
                ("kind", "well"),
                ("risk", "medium"),
                ("lat", "20,861"),
                ("lon", "106,682"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let api = app.api_for_demo("xa").await;
    let (_, body) = api.get(&format!("/api/v1/units/{a}/risk-sites")).await;
    let list = v(&body);
    assert_eq!(
        (list["with_measures"].as_i64(), list["total"].as_i64()),
        (Some(1), Some(2))
    );
    let well = list["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "well")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // The inspection finds a cover put on: 2 of 2.
    let today = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date();
    let d = format!(
        "{:02}/{:02}/{}",
        today.day(),
        u8::from(today.month()),
        today.year()
    );
    let (status, _) = xa
        .post(
            &format!("/sites/{well}/inspections"),
            &[
                ("date", d.as_str()),
                ("findings", "Đã đậy nắp giếng"),
                ("measures", "cover"),
                ("measures", "fence"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = xa.get(&format!("/sites?unit={a}")).await;
    assert!(
        page.contains("2/2") && page.contains("100%"),
        "progress on the page"
    );
    let (_, page) = xa.get(&format!("/sites/{well}")).await;
    assert!(page.contains("Đã đậy nắp giếng") && page.contains("Rào chắn, Nắp đậy"));
    // Indicator 41 in the scorecard, at once.
    let y = today.year();
    let (_, body) = api
        .get(&format!("/api/v1/indicators?unit={a}&period={y}"))
        .await;
    let f = v(&body)["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator_id"] == "drowning_risk_sites_mitigated_pct")
        .unwrap()
        .clone();
    assert_eq!(
        (f["numerator"].as_f64(), f["denominator"].as_f64()),
        (Some(2.0), Some(2.0))
    );
    // Another commune's officer: not found, cannot write; a leader reads, cannot write.
    let xa2 = app.api_for_demo("xa2").await;
    let (status, _) = xa2.get(&format!("/api/v1/risk-sites/{well}")).await;
    assert_eq!(status, 404);
    let (status, _) = xa2
        .send(
            Method::POST,
            &format!("/api/v1/risk-sites/{well}/inspections"),
            Some(json!({ "date": d, "findings": "x", "measures": [] })),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = xa2
        .send(
            Method::POST,
            &format!("/api/v1/units/{a}/risk-sites"),
            Some(json!({ "name": "x", "kind": "pond", "risk": "low", "lat": "20.8", "lon": "106.6" })),
        )
        .await;
    assert_eq!(status, 404);
    let leader = app.api_for_demo("lanhdao").await;
    let (status, _) = leader.get(&format!("/api/v1/units/{a}/risk-sites")).await;
    assert_eq!(status, 200);
    let (status, _) = leader
        .send(
            Method::POST,
            &format!("/api/v1/units/{a}/risk-sites"),
            Some(json!({ "name": "x", "kind": "pond", "risk": "low", "lat": "20.8", "lon": "106.6" })),
        )
        .await;
    assert_eq!(status, 403);
}

/// Import sites from a spreadsheet in the registry's conventions: every error by row and
/// column and nothing written, then the corrected file imported in full; the export
/// reads back; another commune's officer cannot import into this commune.
#[tokio::test(flavor = "multi_thread")]
async fn sites_import_all_or_nothing_and_export() {
    let app = TestApp::spawn(20).await;
    let a = app.demo_commune("xa").await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM risk_sites")
            .fetch_one(app.store.pool())
            .await
            .unwrap()
    };
    let before = count().await;
    let file = |rows: Vec<Vec<&str>>| {
        mang_docs::write_xlsx(&[mang_docs::SheetOut {
            name: mang_store::register_exchange::SITE_SHEET.into(),
            headers: mang_store::register_exchange::SITE_HEADERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(str::to_owned).collect())
                .collect(),
            lists: Vec::new(),
            widths: Vec::new(),
        }])
        .unwrap()
    };
    let upload = |bytes: Vec<u8>, user: &'static str, unit: String| {
        let app = &app;
        async move {
            let api = app.api_for_demo(user).await;
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("diem.xlsx"),
            );
            let r = api
                .client
                .post(app.url(&format!("/api/v1/units/{unit}/risk-sites/import")))
                .bearer_auth(&api.token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let bad = file(vec![
        vec![
            "",
            "Ao nhà văn hóa",
            "Ao",
            "Cao",
            "20,86",
            "106,68",
            "Rào chắn; Biển cảnh báo",
            "",
            "",
        ],
        vec![
            "",
            "Hố vôi công trình",
            "Hố sâu",
            "Cao",
            "abc",
            "106,68",
            "Lưới",
            "",
            "",
        ],
    ]);
    let (status, body) = upload(bad, "xa", a.clone()).await;
    assert_eq!(status, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["added"], 0);
    let errors = r["errors"].as_array().unwrap();
    let at = |col: &str| errors.iter().find(|e| e["row"] == 3 && e["column"] == col);
    assert!(
        at("C").is_some(),
        "the unknown type is reported in C3: {body}"
    );
    assert!(
        at("C").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("«Hố sâu» không có trong danh mục (Ao, Hồ"),
        "{body}"
    );
    assert!(
        at("E").is_some(),
        "the bad latitude is reported in E3: {body}"
    );
    assert!(
        at("G").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("Lưới")
    );
    assert_eq!(count().await, before, "nothing written");

    let good = file(vec![
        vec![
            "",
            "Ao nhà văn hóa",
            "Ao",
            "Cao",
            "20,86",
            "106,68",
            "Rào chắn; Biển cảnh báo",
            "",
            "",
        ],
        vec![
            "",
            "Kênh tưới tiêu",
            "canal",
            "medium",
            "20.861",
            "106.681",
            "",
            "",
            "Chưa có rào",
        ],
    ]);
    let (status, body) = upload(good.clone(), "xa", a.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"added\":2"), "{body}");
    assert_eq!(count().await, before + 2);
    // Another commune's officer: not found.
    let (status, _) = upload(good, "xa2", a.clone()).await;
    assert_eq!(status, 404);

    let xa = app.browser("xa", DEMO_PASSWORD).await;
    let r = xa
        .client
        .get(app.url(&format!("/sites/export.xlsx?unit={a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let tables = mang_docs::read_bytes("x.xlsx", &r.bytes().await.unwrap()).unwrap();
    let rows = &tables[0].rows;
    assert!(
        rows.iter()
            .any(|r| r[1] == "Kênh tưới tiêu" && r[2] == "Kênh, mương")
    );
    assert!(
        rows.iter()
            .any(|r| r[1] == "Ao nhà văn hóa" && r[6].contains("Rào chắn"))
    );
}
