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
