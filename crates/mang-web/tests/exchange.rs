//! Registry import and export over the web, under the same scope and audit rules.

mod common;

use common::{TestApp, hidden};

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
    let r = upload(csv.clone(), csrf.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
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
    let html = upload(csv, csrf).await.unwrap().text().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE code LIKE 'WEB-%'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(html.contains("hộ mới"));
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
