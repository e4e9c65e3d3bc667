//! Registry import and export over the web, under the same scope and audit rules.

mod common;

use common::{Browser, TestApp, hidden};
use serde_json::Value;

/// The job page an upload was sent to (303 to `/registry/import/jobs/{key}`).
fn job_of(r: &reqwest::Response) -> String {
    assert_eq!(r.status(), 303, "the upload is sent on to its job page");
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/registry/import/jobs/"), "{to}");
    to
}

/// The status JSON of an import job.
async fn status_of(browser: &Browser, job: &str) -> Value {
    let (status, body) = browser.get(&format!("{job}/status")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Poll a job's status until `until` holds (at most 60 s); that status.
async fn wait_for(browser: &Browser, job: &str, until: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let v = status_of(browser, job).await;
        if until(&v) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("import job {job} did not get there");
}

/// Wait for a job to finish: its last status and the job page, which then shows the report.
async fn finish(browser: &Browser, job: &str) -> (Value, String) {
    let v = wait_for(browser, job, |v| v["finished"] == true).await;
    let (status, html) = browser.get(job).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("http-equiv=\"refresh\""),
        "a finished job stops refreshing"
    );
    (v, html)
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_reports_rows_outside_the_scope_and_imports_the_rest_once() {
    let app = TestApp::spawn(100).await;
    let a = app.demo_commune("xa").await;
    let b = app.demo_commune("xa2").await;
    let browser = app.browser("xa", "mang-demo-2026").await;
    let (status, page) = browser.get("/registry/import").await;
    assert_eq!(status, 200);
    let csrf = hidden(&page, "_csrf");
    let csv = format!(
        "Mã hộ,Mã xã,Chủ hộ,Địa chỉ\nWEB-1,{a},Lê Văn Tâm,Số 9\nWEB-2,{b},Phạm Văn Khách,Số 1\nWEB-3,99999,Trần Văn Lạ,Số 2\n"
    );
    let upload = |csv: String, csrf: String| {
        let form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("ho.csv"),
        );
        browser
            .client
            .post(app.url("/registry/import"))
            .multipart(form)
            .send()
    };
    // Hold the write lock (SQLite) and the audit head (PostgreSQL) so that the import waits
    // while writing, and the page of the running job can be seen.
    let mut hold = app.store.begin_write().await.unwrap();
    sqlx::query("UPDATE audit_head SET last_hash = last_hash WHERE id = 1")
        .execute(&mut *hold)
        .await
        .unwrap();
    let job = job_of(&upload(csv.clone(), csrf.clone()).await.unwrap());
    let running = wait_for(&browser, &job, |v| v["phase"] == "apply").await;
    assert_eq!(running["finished"], false);
    assert_eq!(running["total"], 1, "one household to write");
    let (status, page) = browser.get(&job).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<progress id=\"import-progress\" max=\"1\" value=\""),
        "{page}"
    );
    assert!(page.contains(&format!("data-status=\"{job}/status\"")));
    assert!(page.contains("Đang ghi vào cơ sở dữ liệu…"));
    assert!(
        page.contains("<noscript><meta http-equiv=\"refresh\" content=\"1\"></noscript>"),
        "refreshes itself without JavaScript"
    );
    hold.rollback().await.unwrap();
    let (done, html) = finish(&browser, &job).await;
    assert_eq!(done["phase"], "done");
    assert_eq!(done["total"], 3, "three rows read");
    assert_eq!(done["done"], done["total"]);
    assert_eq!(done["error"], Value::Null);
    assert!(html.contains("Kết quả nhập ho.csv"));
    let stat = |value: &str, label: &str| {
        format!(
            "<span class=\"stat-value\">{value}</span><span class=\"stat-label\">{label}</span>"
        )
    };
    for (value, label) in [("3", "dòng đã đọc"), ("1", "hộ mới"), ("2", "lỗi")] {
        assert!(html.contains(&stat(value, label)), "{value} {label}");
    }
    assert!(
        html.contains("ngoài phạm vi"),
        "commune B is outside xa's scope"
    );
    assert!(html.contains("Không có xã, phường mã 99999"));
    assert!(
        html.contains("/registry/import/errors/"),
        "error report offered"
    );
    let key = html
        .split("/registry/import/errors/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let rep = browser
        .client
        .get(app.url(&format!("/registry/import/errors/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(rep.status(), 200);
    assert!(
        rep.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE code LIKE 'WEB-%'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 1, "only the row inside the scope");
    // Again: nothing new.
    let again = job_of(&upload(csv, csrf.clone()).await.unwrap());
    let html = finish(&browser, &again).await.1;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE code LIKE 'WEB-%'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(html.contains(&stat("0", "hộ mới")));
    assert!(html.contains(&stat("1", "đã có sẵn, bỏ qua")));
    // Another user cannot fetch xa's error report.
    let other = app.browser("xa2", "mang-demo-2026").await;
    assert_eq!(
        other
            .client
            .get(app.url(&format!("/registry/import/errors/{key}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Nor see xa's import job.
    assert_eq!(other.get(&job).await.0, 404);
    assert_eq!(other.get(&format!("{job}/status")).await.0, 404);
    // A file that cannot be read ends the job with the reason, shown above the form.
    let bad = {
        let form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("ho.txt"),
        );
        browser
            .client
            .post(app.url("/registry/import"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    };
    let bad = job_of(&bad);
    let (v, html) = finish(&browser, &bad).await;
    assert!(
        v["error"].as_str().unwrap().contains("không được hỗ trợ"),
        "{v}"
    );
    assert!(html.contains("alert-error") && html.contains("không được hỗ trợ"));
    // Without the CSRF token the upload is refused.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.csv"),
    );
    let r = browser
        .client
        .post(app.url("/registry/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_are_for_authorised_roles_and_audited() {
    let app = TestApp::spawn(300).await;
    let a = app.demo_commune("xa").await;
    let b = app.demo_commune("xa2").await;
    let officer = app.browser("xa", "mang-demo-2026").await;
    let r = officer
        .client
        .get(app.url(&format!("/registry/export?unit={a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an .xlsx");
    let r = officer
        .client
        .get(app.url(&format!("/registry/export?unit={a}&format=csv")))
        .send()
        .await
        .unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("Họ và tên"));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'registry'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(audited, 2);
    // Outside the scope: not found. Roles without the export right: refused.
    assert_eq!(
        officer
            .client
            .get(app.url(&format!("/registry/export?unit={b}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    for user in [
        "yte", "congan", "truong", "ctv", "lanhdao", "kiemtra", "admin",
    ] {
        let bw = app.browser(user, "mang-demo-2026").await;
        let s = bw
            .client
            .get(app.url(&format!("/registry/export?unit={a}")))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, 403, "{user} may not export personal data");
    }
    let api = app.api_for_demo("tinh").await;
    let (status, _) = api.get("/api/v1/registry/export?unit=31&format=csv").await;
    assert_eq!(status, 200, "a province officer exports the province");
}
