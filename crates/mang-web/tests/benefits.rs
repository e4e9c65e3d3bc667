//! Benefits through the pages and the API: an orphan appears as eligible and unpaid, the
//! officer records the payment from the list, a payment to a child not eligible is
//! reported; another commune cannot see or pay.

mod common;

use common::TestApp;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

fn v(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn unpaid_and_ineligible_are_listed_and_paid_from_the_list() {
    let app = TestApp::spawn(20).await;
    let a = app.demo_commune("xa").await;
    let f = app.fixture(&a, None, "TG").await; // a girl born in 2019
    let api = app.api_for_demo("xa").await;
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{}/circumstances", f.child_id),
            Some(json!({ "code": "orphan_both", "start_date": "01/01/2024", "source": "Giấy chứng tử" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let month = {
        let d = time::OffsetDateTime::now_utc()
            .to_offset(mang_domain::cases::VN)
            .date();
        format!("{:04}-{:02}", d.year(), u8::from(d.month()))
    };
    let r = rec(&api, &a, &month).await;
    assert!(
        r["unpaid"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["child_id"] == f.child_id && l["policy"] == "nd20_no_carer"),
        "{r}"
    );
    // Paid from the page's list.
    let b = app.browser("xa", DEMO_PASSWORD).await;
    let (status, page) = b.get(&format!("/benefits?unit={a}&month={month}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&f.child_name));
    let cid = f.child_id.to_string();
    let (status, _) = b
        .post(
            &format!("/benefits?unit={a}&month={month}"),
            &[("child_id", cid.as_str()), ("policy", "nd20_no_carer")],
        )
        .await;
    assert_eq!(status, 303);
    // A payment under a policy the child does not qualify for (not in a poor household).
    let (status, body) = api
        .send(
            Method::POST,
            "/api/v1/benefit-payments",
            Some(json!({ "child_id": f.child_id, "policy": "hp_nq55_cnsc_poor", "month": month })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let r = rec(&api, &a, &month).await;
    assert!(
        !r["unpaid"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["child_id"] == f.child_id && l["policy"] == "nd20_no_carer"),
        "paid now"
    );
    let wrong = &r["ineligible"][0];
    assert_eq!(wrong["child_id"], f.child_id);
    assert_eq!(wrong["policy"], "hp_nq55_cnsc_poor");
    // The second commune: not found.
    let api2 = app.api_for_demo("xa2").await;
    let (status, _) = api2
        .get(&format!("/api/v1/units/{a}/benefits?month={month}"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = api2
        .send(
            Method::POST,
            "/api/v1/benefit-payments",
            Some(json!({ "child_id": f.child_id, "policy": "nd20_no_carer", "month": month })),
        )
        .await;
    assert_eq!(status, 404);
}

async fn rec(api: &common::Api, a: &str, month: &str) -> Value {
    let (status, body) = api
        .get(&format!("/api/v1/units/{a}/benefits?month={month}"))
        .await;
    assert_eq!(status, 200, "{body}");
    v(&body)
}

/// A commune's payment list from Excel: an unknown child and a name that does not match
/// stop the whole file with their rows and columns; the corrected file is recorded; the
/// export (names: personal data) is for the roles that may export, and audited.
#[tokio::test(flavor = "multi_thread")]
async fn payments_import_all_or_nothing_and_restricted_export() {
    use mang_store::register_exchange::{PAYMENT_HEADERS, PAYMENT_SHEET};
    let app = common::TestApp::spawn(60).await;
    let a = app.demo_commune("xa").await;
    let (id, name): (i64, String) = sqlx::query_as(
        "SELECT id, full_name FROM children WHERE commune_code = $1 AND status = 'active' ORDER BY id LIMIT 1",
    )
    .bind(a.clone())
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    let id_text = id.to_string();
    let file = |rows: Vec<Vec<&str>>| {
        mang_docs::write_xlsx(&[mang_docs::SheetOut {
            name: PAYMENT_SHEET.into(),
            headers: PAYMENT_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
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
                reqwest::multipart::Part::bytes(bytes).file_name("chi-tra.xlsx"),
            );
            let r = api
                .client
                .post(app.url(&format!("/api/v1/units/{a}/benefit-payments/import")))
                .bearer_auth(&api.token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM benefit_payments")
            .fetch_one(app.store.pool())
            .await
            .unwrap()
    };
    let before = count().await;
    let (status, body) = upload(file(vec![
        vec![
            &id_text,
            "",
            &name,
            "nd20_no_carer",
            "10/2026",
            "",
            "10/10/2026",
        ],
        vec![
            "999999",
            "",
            "",
            "nd20_no_carer",
            "10/2026",
            "",
            "10/10/2026",
        ],
        vec![
            &id_text,
            "",
            "Tên Khác Hẳn",
            "nd20_no_carer",
            "10/2026",
            "",
            "10/10/2026",
        ],
        vec![&id_text, "", "", "không có", "13/2026", "", ""],
    ]))
    .await;
    assert_eq!(status, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["added"], 0);
    let at = |row: i64, col: &str| {
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["row"] == row && e["column"] == col)
    };
    assert!(at(3, "A") && at(4, "C") && at(5, "D"), "{body}");
    assert_eq!(count().await, before);
    let (status, body) = upload(file(vec![vec![
        &id_text,
        "",
        &name,
        "Trợ cấp xã hội hằng tháng: trẻ từ 4 đến dưới 16 tuổi không có nguồn nuôi dưỡng",
        "10/2026",
        "",
        "10/10/2026",
    ]]))
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"added\":1"), "{body}");
    assert_eq!(count().await, before + 1);

    let r = api
        .client
        .get(app.url(&format!("/api/v1/units/{a}/benefit-payments/export")))
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
            .any(|r| r[2] == name && r[4] == "10/2026")
    );
    let yte = app.api_for_demo("yte").await;
    let (status, _) = yte
        .get(&format!("/api/v1/units/{a}/benefit-payments/export"))
        .await;
    assert_eq!(status, 403);
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'benefit_payment' AND action = 'export'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1);
}
