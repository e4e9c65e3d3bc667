//! Sign-in, sessions, CSRF, throttling, the Vietnamese shell, audit of views, and edits
//! that never silently overwrite each other.

mod common;

use common::{PASSWORD, TestApp, hidden};
use mang_domain::access::Role;

#[tokio::test(flavor = "multi_thread")]
async fn health_assets_and_the_login_page_are_served_from_the_binary() {
    let app = TestApp::spawn(200).await;
    let c = reqwest::Client::new();
    assert_eq!(
        c.get(app.url("/healthz")).send().await.unwrap().status(),
        200
    );
    for (path, ctype) in [
        ("/assets/mang.css", "text/css"),
        ("/assets/mang.js", "javascript"),
        ("/assets/logo.svg", "image/svg+xml"),
        (
            "/assets/fonts/be-vietnam-pro-vietnamese-400-normal.woff2",
            "font/woff2",
        ),
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains(ctype),
            "{path}"
        );
    }
    assert_eq!(
        c.get(app.url("/assets/nope.css"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let login = c.get(app.url("/login")).send().await.unwrap();
    assert!(
        login.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let html = login.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(
        html.contains("Đăng nhập") && html.contains("Mật khẩu") && html.contains("Tên đăng nhập")
    );
    assert!(html.contains("<label for=\"username\">") && html.contains("<label for=\"password\">"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources"
    );
    let api = c.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(api.status(), 200);
    let doc: serde_json::Value = api.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/children/{id}"]["get"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn login_home_in_vietnamese_then_logout() {
    let app = TestApp::spawn(1200).await;
    let b = app.browser("xa", "mang-demo-2026").await;
    assert_eq!(b.login_status, 303);
    let (status, home) = b.get("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("<h1>Trang chủ</h1>"), "{home}");
    assert!(home.contains("Cán bộ cấp xã"), "role shown");
    assert!(home.contains("class=\"user-unit\">Phường") || home.contains("class=\"user-unit\">Xã"));
    assert!(home.contains("Thôn, tổ dân phố"));
    assert!(home.contains("trẻ em 0–15 tuổi"));
    // Counts use the Vietnamese thousands separator when large enough; at least one village row.
    assert!(home.contains("/children?unit="));
    assert!(home.contains("Tổ dân phố 1") || home.contains("Thôn 1"));
    let (status, _) = b.post("/logout", &[]).await;
    assert_eq!(status, 303);
    let (status, _) = b.get("/").await;
    assert_eq!(status, 303, "after logout the session is gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_are_refused_then_throttled() {
    let app = TestApp::spawn(200).await;
    let b = app.browser("xa", "sai-mat-khau").await;
    assert_eq!(b.login_status, 401);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut last = 0;
    let mut body = String::new();
    for _ in 0..6 {
        let page = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden(&page, "_csrf");
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("username", "xa"),
                ("password", "sai"),
                ("_csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
        body = r.text().await.unwrap();
    }
    assert_eq!(last, 429, "throttled after repeated failures");
    assert!(body.contains("quá nhiều lần"));
    // Even the right password is refused while throttled.
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "_csrf");
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("username", "xa"),
            ("password", "mang-demo-2026"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let failures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert!(failures >= 5, "failed logins are audited");
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_without_the_session_csrf_token_are_refused() {
    let app = TestApp::spawn(300).await;
    let mut b = app.browser("xa", "mang-demo-2026").await;
    let commune = app.demo_commune("xa").await;
    b.csrf = "0".repeat(64);
    let (status, body) = b
        .post(
            &format!("/units/{commune}/villages"),
            &[("name", "Thôn Giả Mạo")],
        )
        .await;
    assert_eq!(status, 403);
    assert!(body.contains("hết hạn hoặc không hợp lệ"));
    // Login form without its cookie token.
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "xa"),
            ("password", "mang-demo-2026"),
            ("_csrf", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // API with the cookie session but no X-CSRF-Token header.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_units WHERE name = 'Thôn Giả Mạo'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
    let r = b
        .client
        .post(app.url(&format!("/api/v1/units/{commune}/villages")))
        .json(&serde_json::json!({"name": "Thôn Giả Mạo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn viewing_a_child_is_audited_and_edits_show_in_the_history() {
    let app = TestApp::spawn(300).await;
    let commune = app.demo_commune("xa").await;
    let f = app.fixture(&commune, None, "V").await;
    let b = app.browser("xa", "mang-demo-2026").await;
    let views_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'view' AND entity = 'child' AND entity_id = $1")
        .bind(f.child_id.to_string())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (status, page) = b.get(&format!("/children/{}", f.child_id)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&f.child_name));
    assert!(page.contains("08/03/2019"), "dates as dd/mm/yyyy");
    let views: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'view' AND entity = 'child' AND entity_id = $1")
        .bind(f.child_id.to_string())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(views, views_before + 1);

    let version = hidden(&page, "version");
    let (status, _) = b
        .post(
            &format!("/children/{}", f.child_id),
            &[
                ("full_name", "Đoàn Thị Ánh Dương"),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = b.get(&format!("/children/{}", f.child_id)).await;
    assert!(
        page.contains(&format!("Họ và tên: {} → Đoàn Thị Ánh Dương", f.child_name)),
        "history shows old → new"
    );
    // A second editor who loaded the old version is told, not silently overwritten.
    let (status, body) = b
        .post(
            &format!("/children/{}", f.child_id),
            &[
                ("full_name", "Đoàn Thị Khác"),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(body.contains("đã được người khác sửa"));
    assert_eq!(app.child_name(f.child_id).await, "Đoàn Thị Ánh Dương");
    // Bad input names the field.
    let api = app.api_for_demo("xa").await;
    let v = app.child_version(f.child_id).await;
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/children/{}", f.child_id),
            Some(serde_json::json!({"full_name": "Một", "version": v})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("\"field\":\"full_name\""), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn password_change_and_user_admin() {
    let app = TestApp::spawn(200).await;
    app.add_user(
        "cb.moi",
        Role::CommuneOfficer,
        &app.demo_commune("xa").await,
    )
    .await;
    let b = app.browser("cb.moi", PASSWORD).await;
    let other = app.browser("cb.moi", PASSWORD).await;
    let (status, body) = b
        .post(
            "/account/password",
            &[("current", "sai"), ("new", "mat-khau-moi-123")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("Mật khẩu hiện tại không đúng"));
    let (status, body) = b
        .post(
            "/account/password",
            &[("current", PASSWORD), ("new", "mat-khau-moi-123")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Đã đổi mật khẩu"));
    assert_eq!(other.get("/").await.0, 303, "other sessions are closed");
    assert_eq!(app.browser("cb.moi", PASSWORD).await.login_status, 401);
    assert_eq!(
        app.browser("cb.moi", "mat-khau-moi-123").await.login_status,
        303
    );

    // A province officer creates a commune officer, but cannot create an admin.
    let tinh = app.browser("tinh", "mang-demo-2026").await;
    let commune = app.demo_commune("xa").await;
    let (status, _) = tinh
        .post(
            "/users",
            &[
                ("username", "cb.xa.moi"),
                ("display_name", "Nguyễn Thị Hoà"),
                ("password", "mat-khau-dai"),
                ("role", "commune_officer"),
                ("unit", commune.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, list) = tinh.get("/users").await;
    assert!(list.contains("cb.xa.moi") && list.contains("Nguyễn Thị Hoà"));
    let (status, _) = tinh
        .post(
            "/users",
            &[
                ("username", "sieu.quan.tri"),
                ("password", "mat-khau-dai"),
                ("role", "admin"),
                ("unit", "31"),
            ],
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = tinh
        .post(
            "/users",
            &[
                ("username", "cb.xa.moi"),
                ("password", "mat-khau-dai"),
                ("role", "commune_officer"),
                ("unit", commune.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(body.contains("đã có người dùng"));
}
