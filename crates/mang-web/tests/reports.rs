//! Plans and reports through the pages and the API on the demo province (Hải Phòng, plan
//! HP-SYT): a commune's 6-month report and the consolidated provincial report as .docx
//! (converted to PDF by LibreOffice and read back) and .xlsx (read back and compared with
//! the dashboard), the review round trip, access across communes and provinces, and
//! agencies updating their tasks.

mod common;

use common::{TestApp, hidden};
use mang_store::demo::DEMO_PASSWORD;

async fn setup() -> TestApp {
    let app = TestApp::spawn(300).await;
    let as_of = time::macros::date!(2026 - 06 - 30);
    mang_store::demo_plans::run(&app.store, "31", 11, as_of)
        .await
        .unwrap();
    app
}

async fn half_year_schedule(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT s.id FROM report_schedules s JOIN plans p ON p.id = s.plan_id \
         WHERE p.code = 'HP-SYT' AND s.kind = 'half'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap()
}

async fn bytes(client: &reqwest::Client, url: String) -> (u16, String, Vec<u8>) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

/// A row of the indicator sheet: (indicator id, numerator, denominator, value).
type SheetRow = (String, Option<f64>, Option<f64>, Option<f64>);

/// The "Chỉ tiêu" sheet of an appendix.
fn sheet_figures(xlsx: &[u8]) -> Vec<SheetRow> {
    let tables = mang_docs::read_bytes("phu-luc.xlsx", xlsx).unwrap();
    let t = tables
        .iter()
        .find(|t| t.name == mang_store::report_docs::FIGURES_SHEET)
        .expect("indicator sheet");
    let header = t.rows.iter().position(|r| r[0] == "STT").unwrap();
    let num = |s: &String| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
    t.rows[header + 1..]
        .iter()
        .map(|r| (r[1].clone(), num(&r[4]), num(&r[5]), num(&r[6])))
        .collect()
}

/// Every figure of the appendix equals the dashboard's for the same unit and period.
async fn assert_equals_dashboard(app: &TestApp, unit: &str, xlsx: &[u8]) {
    let api = app.api_for_demo("tinh").await;
    let (status, body) = api
        .get(&format!("/api/v1/indicators?unit={unit}&period=2026S1"))
        .await;
    assert_eq!(status, 200, "{body}");
    let board: serde_json::Value = serde_json::from_str(&body).unwrap();
    let figures = board["figures"].as_array().unwrap();
    let sheet = sheet_figures(xlsx);
    assert_eq!(sheet.len(), figures.len());
    let mut with_values = 0;
    for f in figures {
        let id = f["indicator_id"].as_str().unwrap();
        let row = sheet.iter().find(|r| r.0 == id).unwrap();
        assert_eq!(row.1, f["numerator"].as_f64(), "{unit} {id} numerator");
        assert_eq!(row.2, f["denominator"].as_f64(), "{unit} {id} denominator");
        assert_eq!(row.3, f["value"].as_f64(), "{unit} {id} value");
        with_values += usize::from(row.3.is_some());
    }
    assert!(
        with_values >= 10,
        "only {with_values} indicators with values"
    );
}

fn pdf_text(docx: &[u8]) -> Option<String> {
    if !mang_docs::testing::pdf_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "LibreOffice and pdftotext are required in CI"
        );
        eprintln!("PDF checks skipped: soffice or pdftotext missing");
        return None;
    }
    let text = mang_docs::testing::docx_to_pdf_text(docx).unwrap();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test(flavor = "multi_thread")]
async fn commune_and_province_reports_as_documents_equal_the_dashboard() {
    let app = setup().await;
    let sid = half_year_schedule(&app).await;
    let a = app.demo_commune("xa").await;
    let xa = app.browser("xa", DEMO_PASSWORD).await;
    let (status, page) = xa.get("/reports").await;
    assert_eq!(status, 200);
    assert!(page.contains("Báo cáo 6 tháng") && page.contains("15/05/2026"));
    // Past the due date and not sent: a reminder on the home page.
    let (_, home) = xa.get("/").await;
    assert!(home.contains("Quá hạn"), "reminder on the home page");

    let (status, _) = xa
        .post(&format!("/reports/schedules/{sid}/open"), &[])
        .await;
    assert_eq!(status, 303);
    let id: i64 = sqlx::query_scalar("SELECT id FROM reports WHERE unit_code = $1")
        .bind(a.clone())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (_, page) = xa.get(&format!("/reports/{id}")).await;
    let v = hidden(&page, "row_version");
    let (status, page) = xa
        .post(
            &format!("/reports/{id}"),
            &[
                ("action", "submit"),
                ("row_version", &v),
                (
                    "results",
                    "Đã rà soát danh sách trẻ em có hoàn cảnh đặc biệt.",
                ),
                ("difficulties", ""),
                ("proposals", ""),
                ("doc_number", "12"),
                ("signer", "Lê Văn Tâm"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = xa.get(&format!("/reports/{id}")).await;
    assert!(page.contains("data-status=\"submitted\""));

    let (status, kind, xlsx) = bytes(&xa.client, app.url(&format!("/reports/{id}/xlsx"))).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"));
    assert_equals_dashboard(&app, &a, &xlsx).await;
    let (status, kind, docx) = bytes(&xa.client, app.url(&format!("/reports/{id}/docx"))).await;
    assert_eq!(status, 200);
    assert!(kind.contains("wordprocessingml"));
    let content: serde_json::Value = serde_json::from_str(
        &app.api_for_demo("xa")
            .await
            .get(&format!("/api/v1/reports/{id}/content"))
            .await
            .1,
    )
    .unwrap();
    if let Some(text) = pdf_text(&docx) {
        for expected in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: 12/BC-UBND",
            "BÁO CÁO",
            "Lê Văn Tâm",
        ] {
            assert!(
                text.contains(expected),
                "«{expected}» not in the commune PDF"
            );
        }
        let shown: Vec<&str> = content["figures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !f["value"].is_null())
            .map(|f| f["value_text"].as_str().unwrap())
            .collect();
        assert!(!shown.is_empty());
        for v in shown {
            assert!(text.contains(v), "indicator value {v} not in the PDF");
        }
    }

    // The province's own report consolidates the communes' approved ones.
    let tinh = app.browser("tinh", DEMO_PASSWORD).await;
    let (_, page) = tinh.get(&format!("/reports/schedules/{sid}?unit=31")).await;
    assert!(page.contains("id=\"completeness\""));
    let (status, _) = tinh
        .post(&format!("/reports/schedules/{sid}/open"), &[])
        .await;
    assert_eq!(status, 303);
    let pid: i64 = sqlx::query_scalar("SELECT id FROM reports WHERE unit_code = '31'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (status, _, xlsx) = bytes(&tinh.client, app.url(&format!("/reports/{pid}/xlsx"))).await;
    assert_eq!(status, 200);
    assert_equals_dashboard(&app, "31", &xlsx).await;
    let tables = mang_docs::read_bytes("phu-luc.xlsx", &xlsx).unwrap();
    assert!(
        tables
            .iter()
            .any(|t| t.name == mang_store::report_docs::CONSOLIDATED_SHEET)
    );
    let (status, _, docx) = bytes(&tinh.client, app.url(&format!("/reports/{pid}/docx"))).await;
    assert_eq!(status, 200);
    if let Some(text) = pdf_text(&docx) {
        for expected in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "SỞ Y TẾ",
            "/BC-SYT",
            "Tình hình báo cáo của cấp xã",
            "PHỤ LỤC",
        ] {
            assert!(
                text.contains(expected),
                "«{expected}» not in the province PDF"
            );
        }
    }
    // The CLI-equivalent plan document downloads too.
    let plan: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE code = 'HP-SYT'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (status, kind, _) = bytes(&tinh.client, app.url(&format!("/plans/{plan}/docx"))).await;
    assert_eq!((status, kind.contains("wordprocessingml")), (200, true));
}

#[tokio::test(flavor = "multi_thread")]
async fn review_round_trip_and_access_through_the_api() {
    let app = setup().await;
    let sid = half_year_schedule(&app).await;
    let xa = app.api_for_demo("xa").await;
    let (status, body) = xa
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/report-schedules/{sid}/open"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id: i64 = body.parse().unwrap();
    let row_version = |body: &str| {
        serde_json::from_str::<serde_json::Value>(body).unwrap()["row_version"]
            .as_i64()
            .unwrap()
    };
    let (_, body) = xa.get(&format!("/api/v1/reports/{id}")).await;
    let act = |action: &str, v: i64, comment: &str| serde_json::json!({ "action": action, "row_version": v, "results": "Kết quả 6 tháng.", "comment": comment });
    let (status, _) = xa
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/actions"),
            Some(act("submit", row_version(&body), "")),
        )
        .await;
    assert_eq!(status, 200);
    // The commune's chairman cannot approve the commune's own report; another commune
    // and another province do not see it.
    let (_, body) = xa.get(&format!("/api/v1/reports/{id}")).await;
    let v = row_version(&body);
    let chutich = app.api_for_demo("chutich").await;
    let (status, _) = chutich
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/actions"),
            Some(act("approve", v, "")),
        )
        .await;
    assert_eq!(status, 403);
    let xa2 = app.api_for_demo("xa2").await;
    let (status, _) = xa2
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/actions"),
            Some(act("approve", v, "")),
        )
        .await;
    assert_eq!(status, 404);
    app.add_user("tinh_hn", mang_domain::access::Role::ProvinceOfficer, "01")
        .await;
    let hn = app.api("tinh_hn").await;
    let (status, _) = hn.get(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(status, 404);
    let tinh = app.api_for_demo("tinh").await;
    let (status, body) = tinh
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/actions"),
            Some(act("return", v, "")),
        )
        .await;
    assert_eq!(status, 422, "a comment is required: {body}");
    let (status, _) = tinh
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/actions"),
            Some(act("return", v, "Bổ sung số liệu tai nạn thương tích.")),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = xa.get(&format!("/api/v1/reports/{id}")).await;
    assert!(body.contains("\"status\":\"returned\"") && body.contains("Bổ sung số liệu"));
    let (status, _) = xa
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/actions"),
            Some(act("submit", row_version(&body), "")),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = tinh.get(&format!("/api/v1/reports/{id}")).await;
    let (status, _) = tinh
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/actions"),
            Some(act("approve", row_version(&body), "")),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = tinh
        .get(&format!(
            "/api/v1/report-schedules/{sid}/completeness?unit=31"
        ))
        .await;
    let c: serde_json::Value = serde_json::from_str(&body).unwrap();
    let a = app.demo_commune("xa").await;
    let mine = c["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == a.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["status"], "approved");
    assert_eq!(mine["timeliness"], "late");
    // The documents through the API too.
    for (path, kind) in [
        (format!("/api/v1/reports/{id}/docx"), "wordprocessingml"),
        (format!("/api/v1/reports/{id}/xlsx"), "spreadsheetml"),
    ] {
        let r = tinh
            .client
            .get(app.url(&path))
            .bearer_auth(&tinh.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().contains(kind));
        assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    }
    // Every report action was audited.
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'report' AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(n, 5, "create, submit, return, submit, approve");
}

#[tokio::test(flavor = "multi_thread")]
async fn agencies_update_their_own_tasks_only() {
    let app = setup().await;
    let cdc = app.api_for_demo("cdc").await;
    let tasks: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.id, t.lead_key FROM plan_tasks t JOIN plans p ON p.id = t.plan_id WHERE p.code = 'HP-SYT' ORDER BY t.id",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    let theirs = tasks.iter().find(|t| t.1 == "CDC").unwrap().0;
    let other = tasks.iter().find(|t| t.1 == "UBNDX").unwrap().0;
    let update = serde_json::json!({ "status": "done", "progress": "100", "note": "Đã tổ chức chiến dịch tiêm bổ sung", "evidence": "Báo cáo 31/BC-CDC" });
    let (status, body) = cdc
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/tasks/{theirs}"),
            Some(update.clone()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"done\""));
    let (status, _) = cdc
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/tasks/{other}"),
            Some(update.clone()),
        )
        .await;
    assert_eq!(status, 403);
    // The agency's own list: its tasks only.
    let (status, body) = cdc.get("/api/v1/tasks").await;
    assert_eq!(status, 200);
    let mine: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|t| {
        t["task"]["lead_key"] == "CDC"
            || t["task"]["partner_keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == "CDC")
    }));
    // Through the page: the form is shown to the agency, with field errors in Vietnamese.
    let b = app.browser("cdc", DEMO_PASSWORD).await;
    let (status, page) = b.get("/tasks").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"my-tasks\"") && page.contains("Trung tâm Kiểm soát bệnh tật"));
    let (_, page) = b.get(&format!("/tasks/{theirs}")).await;
    assert!(page.contains("id=\"task-update\""));
    let (status, page) = b
        .post(
            &format!("/tasks/{theirs}"),
            &[
                ("status", "in_progress"),
                ("progress", "140"),
                ("note", "x"),
                ("evidence", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Tiến độ «140» không hợp lệ"));
    let (_, page) = b.get(&format!("/tasks/{other}")).await;
    assert!(!page.contains("id=\"task-update\""));
    // The plan page lists the tasks and the communes' own plans.
    let plan: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE code = 'HP-SYT'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (status, page) = b.get(&format!("/plans/{plan}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"tasks\"") && page.contains("Chế độ báo cáo"));
    // A commune officer makes the commune's own plan from the province's.
    let xa = app.browser("xa", DEMO_PASSWORD).await;
    let (_, page) = xa.get(&format!("/plans/{plan}")).await;
    assert!(page.contains("id=\"new-sub-plan\""));
    let (status, page) = xa
        .post(
            &format!("/plans/{plan}/sub-plans"),
            &[
                ("title", ""),
                ("number", "15"),
                ("issued_on", "32/01/2026"),
                ("signer", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Ngày ban hành «32/01/2026» không hợp lệ"));
    let (status, _) = xa
        .post(
            &format!("/plans/{plan}/sub-plans"),
            &[
                ("title", ""),
                ("number", "15"),
                ("issued_on", "20/01/2026"),
                ("signer", "Lê Văn Tâm"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = xa.get(&format!("/plans/{plan}")).await;
    assert!(page.contains("id=\"own-plan\""));
}
