//! Child-protection cases through the pages and the API: a case walked from intake to
//! closure by the right roles, confidentiality (a reporting school sees the status only;
//! another commune cannot find the case, whatever the role), every read audited, and the
//! overdue case on the officer's and the chairman's home pages.

mod common;

use common::{PASSWORD, TestApp};
use mang_domain::access::ALL_ROLES;
use mang_store::demo::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

fn v(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn local(t: time::OffsetDateTime) -> String {
    let l = t.to_offset(mang_domain::cases::VN);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        l.day(),
        u8::from(l.month()),
        l.year(),
        l.hour(),
        l.minute()
    )
}

fn today_vn() -> String {
    let l = time::OffsetDateTime::now_utc().to_offset(mang_domain::cases::VN);
    format!("{:02}/{:02}/{}", l.day(), u8::from(l.month()), l.year())
}

async fn intake(api: &common::Api, hours_ago: i64) -> Value {
    let received = time::OffsetDateTime::now_utc() - time::Duration::hours(hours_ago);
    let (status, body) = api
        .send(
            Method::POST,
            "/api/v1/cases",
            Some(json!({
                "received_at": local(received),
                "channel": "hotline_111",
                "reporter_name": "Người Báo Tin Bí Mật",
                "reporter_phone": "0987654321",
                "harms": ["violence"],
                "description": "Mô tả bảo mật: trẻ bị đánh",
                "perpetrator": "parent",
                "children": [{ "name": "Trẻ Bảo Mật", "sex": "Nữ", "age_years": "8" }]
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    v(&body)
}

async fn step(api: &common::Api, id: i64, body: Value) -> Value {
    let (status, resp) = api
        .send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 200, "{body} → {resp}");
    v(&resp)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_from_intake_to_closure_by_the_right_roles() {
    let app = TestApp::spawn(30).await;
    let xa = app.api_for_demo("xa").await;
    let chutich = app.api_for_demo("chutich").await;
    let c = intake(&xa, 1).await;
    let id = c["summary"]["id"].as_i64().unwrap();
    assert_eq!(
        c["summary"]["visibility"], "reporter",
        "the recording officer is assigned"
    );
    assert_eq!(c["steps"], json!(["verify"]));
    let today = today_vn();
    step(
        &xa,
        id,
        json!({ "step": "verify", "confirmed": "1", "findings": "Đúng" }),
    )
    .await;
    let c = step(
        &xa,
        id,
        json!({ "step": "assess_initial", "serious_risk": "1", "harm_level": "high", "findings": "Nguy cơ cao" }),
    )
    .await;
    assert_eq!(
        c["summary"]["next_due_kind"],
        "Can thiệp khẩn cấp (nguy cơ cao)"
    );
    // The worker may not skip the emergency measures; the refusal says why.
    let (status, body) = xa
        .send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(json!({ "step": "assess_specific", "child_state": "x", "family_situation": "x", "needs": "x", "protective_capacity": "low", "meeting_on": today })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        v(&body)["error"].as_str().unwrap().contains("12 giờ"),
        "{body}"
    );
    step(
        &chutich,
        id,
        json!({ "step": "apply_emergency", "measures": ["safe_shelter"], "separated": "1" }),
    )
    .await;
    step(&xa, id, json!({ "step": "assess_specific", "child_state": "Sợ hãi", "family_situation": "Khó khăn", "needs": "Tâm lý", "protective_capacity": "low", "meeting_on": today })).await;
    let review = time::OffsetDateTime::now_utc()
        .to_offset(mang_domain::cases::VN)
        .date()
        + time::Duration::days(30);
    let review = format!(
        "{:02}/{:02}/{}",
        review.day(),
        u8::from(review.month()),
        review.year()
    );
    step(&xa, id, json!({ "step": "draft_plan", "goals": "An toàn", "review_on": review,
        "m_measure": ["psychological"], "m_activity": ["Tư vấn tâm lý"], "m_responsible": ["Trạm Y tế xã"],
        "m_place": [""], "m_start": [today], "m_end": [review], "m_resources": [""] })).await;
    // Only the chairman approves.
    let (status, _) = xa
        .send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(
                json!({ "step": "approve_plan", "decision_no": "1/QĐ-UBND", "decided_on": today }),
            ),
        )
        .await;
    assert_eq!(status, 422);
    // The chairman approves through the page form.
    let b = app.browser("chutich", DEMO_PASSWORD).await;
    let (_, page) = b.get(&format!("/cases/{id}")).await;
    assert!(
        page.contains("id=\"step-approve\""),
        "approval form for the chairman"
    );
    let version = common::hidden(&page, "version");
    let (status, _) = b
        .post(
            &format!("/cases/{id}/steps"),
            &[
                ("version", version.as_str()),
                ("step", "approve_plan"),
                ("decision_no", "2/QĐ-UBND"),
                ("decided_on", today.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let c = step(&xa, id, json!({ "step": "start_plan" })).await;
    let mid = c["measures"][0]["id"].as_i64().unwrap();
    let (status, body) = xa
        .send(
            Method::POST,
            &format!("/api/v1/cases/{id}/measures/{mid}"),
            Some(json!({ "status": "done", "progress": "Đã tư vấn 4 buổi" })),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    step(&xa, id, json!({ "step": "review", "harm_now": "low", "abuser_access": "low", "obstacles": "low",
        "self_protection": "high", "recovery": "high", "recommendation": "close", "summary": "Ổn định" })).await;
    let c = step(
        &chutich,
        id,
        json!({ "step": "close", "reason": "safe_and_stable" }),
    )
    .await;
    assert_eq!(c["summary"]["stage"], "closed");
    assert_eq!(c["summary"]["next_due"], Value::Null);
    let steps: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "intake",
            "verify",
            "assess_initial",
            "apply_emergency",
            "assess_specific",
            "draft_plan",
            "approve_plan",
            "start_plan",
            "measure",
            "review",
            "close"
        ]
    );
    assert_eq!(c["measures"][0]["status"], "done");
    // The page shows the timeline in Vietnamese.
    let (_, page) = b.get(&format!("/cases/{id}")).await;
    assert!(page.contains("Phê duyệt kế hoạch (Mẫu 05)") && page.contains("2/QĐ-UBND"));
    assert!(page.contains("Trẻ an toàn, ổn định"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_school_reports_and_sees_the_status_not_the_content() {
    let app = TestApp::spawn(30).await;
    let b = app.browser("truong", DEMO_PASSWORD).await;
    let (status, page) = b.get("/cases/new").await;
    assert_eq!(status, 200);
    assert!(page.contains("Tiếp nhận thông tin"));
    // A form with a missing field: named, nothing saved.
    let (status, page) = b
        .post(
            "/cases",
            &[("channel", "school"), ("description", "Trẻ có vết bầm")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Chọn ít nhất một hình thức"), "harms named");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
    let (status, _) = b
        .post(
            "/cases",
            &[
                ("channel", "school"),
                ("harms", "violence"),
                ("harms", "neglect"),
                ("description", "Nội dung bảo mật của nhà trường"),
                ("reporter_name", "Cô Giáo Chủ Nhiệm"),
                ("child_name", "Học Sinh Bảo Mật"),
                ("child_sex", "Nam"),
                ("child_age", "10"),
                ("child_name", ""),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM cases")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let harms: String = sqlx::query_scalar("SELECT harms FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(harms, "violence,neglect");
    let (status, page) = b.get(&format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"status-only\""));
    assert!(!page.contains("Nội dung bảo mật") && !page.contains("Học Sinh Bảo Mật"));
    assert!(
        !page.contains("Cô Giáo Chủ Nhiệm"),
        "not even their own name back"
    );
    // The commune officer takes it and sees everything, the reporter included.
    let xb = app.browser("xa", DEMO_PASSWORD).await;
    let (_, page) = xb.get(&format!("/cases/{id}")).await;
    assert!(page.contains("id=\"take\"") && !page.contains("Nội dung bảo mật"));
    let me = common::hidden(&page[page.find("id=\"take\"").unwrap()..], "user_id");
    let (status, _) = xb
        .post(&format!("/cases/{id}/assign"), &[("user_id", me.as_str())])
        .await;
    assert_eq!(status, 303);
    let (_, page) = xb.get(&format!("/cases/{id}")).await;
    assert!(page.contains("Nội dung bảo mật") && page.contains("Cô Giáo Chủ Nhiệm"));
    assert!(page.contains("Học Sinh Bảo Mật"));
    // Exports: the chairman may (recorded, never the reporter); the officer and the
    // school may not.
    for (user, ok) in [("chutich", true), ("xa", false), ("truong", false)] {
        let br = app.browser(user, DEMO_PASSWORD).await;
        let r = br
            .client
            .get(app.url("/cases/export.xlsx?stage=all"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), if ok { 200 } else { 403 }, "{user}");
        if ok {
            let bytes = r.bytes().await.unwrap();
            let tables = mang_docs::read_bytes("x.xlsx", &bytes).unwrap();
            let text = format!("{:?}", tables[0].rows);
            assert!(text.contains("Học Sinh Bảo Mật"), "{text}");
            assert!(
                !text.contains("Cô Giáo Chủ Nhiệm"),
                "no reporter in exports"
            );
        }
    }
    let exports: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'case_list'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(exports, 1);
}

async fn audit_views(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND action = 'view' AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(app.store.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_role_of_another_commune_finds_the_case_and_every_read_is_audited() {
    let app = TestApp::spawn(30).await;
    let a = app.demo_commune("xa").await;
    let b = app.demo_commune("xa2").await;
    assert_ne!(a, b);
    let xa = app.api_for_demo("xa").await;
    let c = intake(&xa, 2).await;
    let id = c["summary"]["id"].as_i64().unwrap();
    let code = c["summary"]["code"].as_str().unwrap().to_owned();
    let steps_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_steps")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let views = audit_views(&app, id).await;
    let mut checked = 0;
    for role in ALL_ROLES {
        for unit in [b.as_str(), "01"] {
            let u = mang_domain::units::UnitCode::parse(unit).unwrap();
            if !role.allowed_levels().contains(&u.level()) {
                continue;
            }
            let name = format!("{}.{}", role.as_str().replace('_', ""), unit);
            app.add_user(&name, role, unit).await;
            let who = format!("{name} ({})", role.as_str());
            let br = app.browser(&name, PASSWORD).await;
            let api = app.api(&name).await;
            for (status, body) in [
                br.get(&format!("/cases/{id}")).await,
                api.get(&format!("/api/v1/cases/{id}")).await,
            ] {
                assert!(matches!(status, 403 | 404), "{who}: {status}");
                assert!(
                    !body.contains("Mô tả bảo mật") && !body.contains(&code),
                    "{who}"
                );
            }
            let (status, body) = br.get("/cases?stage=all").await;
            assert!(matches!(status, 200 | 403), "{who}: {status}");
            assert!(!body.contains(&code), "{who} lists the case");
            let (status, body) = api.get("/api/v1/cases?stage=all").await;
            assert!(matches!(status, 200 | 403), "{who}: {status}");
            assert!(!body.contains(&code), "{who} lists the case");
            let (status, _) = br
                .post(
                    &format!("/cases/{id}/steps"),
                    &[("step", "verify"), ("confirmed", "1"), ("findings", "x")],
                )
                .await;
            assert!(matches!(status, 403 | 404), "{who} POST step: {status}");
            let (status, _) = api
                .send(
                    Method::POST,
                    &format!("/api/v1/cases/{id}/referrals"),
                    Some(json!({ "kind": "referral", "to_agency": "x", "reason": "x" })),
                )
                .await;
            assert!(matches!(status, 403 | 404), "{who} POST referral: {status}");
            checked += 1;
        }
    }
    assert_eq!(
        checked, 15,
        "every role at every level it may have, elsewhere"
    );
    let steps_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_steps")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(steps_after, steps_before, "nothing written");
    assert_eq!(audit_views(&app, id).await, views, "nothing read");
    // Reads by those who may: each one audited (page and API alike).
    let chutich = app.browser("chutich", DEMO_PASSWORD).await;
    let (_, page) = chutich.get(&format!("/cases/{id}")).await;
    assert!(
        page.contains("Người Báo Tin Bí Mật"),
        "the chairman sees the reporter"
    );
    xa.get(&format!("/api/v1/cases/{id}")).await;
    let tinh = app.api_for_demo("tinh").await;
    let (_, body) = tinh.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v(&body)["summary"]["visibility"], "content");
    assert!(
        !body.contains("Người Báo Tin Bí Mật"),
        "the province does not see the reporter"
    );
    assert_eq!(audit_views(&app, id).await, views + 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overdue_case_is_on_the_officer_and_chairman_home_pages() {
    let app = TestApp::spawn(30).await;
    let xa = app.api_for_demo("xa").await;
    // Received 13 hours ago, serious risk, no emergency measures yet.
    let c = intake(&xa, 13).await;
    let id = c["summary"]["id"].as_i64().unwrap();
    step(
        &xa,
        id,
        json!({ "step": "verify", "confirmed": "1", "findings": "Đúng" }),
    )
    .await;
    step(&xa, id, json!({ "step": "assess_initial", "serious_risk": "1", "harm_level": "high", "findings": "Nguy cơ cao" })).await;
    for user in ["xa", "chutich"] {
        let b = app.browser(user, DEMO_PASSWORD).await;
        let (_, home) = b.get("/").await;
        let due = &home[home.find("id=\"due-cases\"").expect(user)..];
        assert!(
            due.contains("data-urgency=\"overdue\"") && due.contains("quá hạn"),
            "{user}"
        );
        let (_, list) = b.get("/cases?due=overdue").await;
        assert!(
            list.contains(&format!("/cases/{id}\"")),
            "{user} overdue list"
        );
    }
    // Not on the school's or the second commune's home page.
    for user in ["truong", "xa2"] {
        let b = app.browser(user, DEMO_PASSWORD).await;
        let (_, home) = b.get("/").await;
        assert!(!home.contains("id=\"due-cases\""), "{user}");
    }
    // The admin sees and edits the calendar; the officer only sees it.
    let admin = app.browser("admin", DEMO_PASSWORD).await;
    let (status, page) = admin.get("/settings/cases").await;
    assert_eq!(status, 200);
    assert!(page.contains("Tết Nguyên đán") && page.contains("id=\"holiday-form\""));
    let (status, _) = admin
        .post(
            "/settings/cases/limits",
            &[("key", "emergency_hours"), ("value", "8")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = app
        .browser("xa", DEMO_PASSWORD)
        .await
        .get("/settings/cases")
        .await;
    assert!(!page.contains("id=\"holiday-form\"") && page.contains("8 giờ"));
    let (status, _) = app
        .browser("xa", DEMO_PASSWORD)
        .await
        .post(
            "/settings/cases/limits",
            &[("key", "emergency_hours"), ("value", "48")],
        )
        .await;
    assert_eq!(status, 403);
}
