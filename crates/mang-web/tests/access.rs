//! Area-scoped access: every route, as every role, from inside and from outside the scope.
//! Outside the scope the answer is 403 or 404 with none of the record's data in the body,
//! pages and JSON API alike, including by guessing ids; nothing is changed.

mod common;

use common::{Fixture, PASSWORD, TestApp};
use mang_domain::access::{ALL_ROLES, Action, Role, role_allows};
use reqwest::Method;

/// Where a user sits and what lies inside / outside their scope.
struct Case {
    username: String,
    role: Role,
    /// Unit the user is bound to.
    unit: String,
    /// A record inside the scope, and the unit page / commune to act on inside.
    inside: Fixture,
    inside_unit: String,
    /// Records outside the scope.
    outside: Vec<Fixture>,
}

fn leaked(body: &str, f: &Fixture) -> Option<&'static str> {
    if body.contains(&f.child_name) {
        Some("child name")
    } else if body.contains(&f.household_code) {
        Some("household code")
    } else if body.contains(&f.head_name) {
        Some("household head")
    } else {
        None
    }
}

fn denied(status: u16) -> bool {
    status == 403 || status == 404
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_as_every_role_inside_and_outside_the_scope() {
    let app = TestApp::spawn(1500).await;
    let a = app.demo_commune("xa").await;
    let b = app.demo_commune("xa2").await;
    assert_ne!(a, b);
    let a1 = app.village(&a, 1).await;
    let a2 = app.village(&a, 2).await;
    let b1 = app.village(&b, 1).await;
    let in_a1 = app.fixture(&a, Some(&a1), "A1").await;
    let in_a2 = app.fixture(&a, Some(&a2), "A2").await;
    let in_b = app.fixture(&b, Some(&b1), "B").await;
    let in_hanoi = app.fixture("00004", None, "HN").await; // Hà Nội, another province

    let mut cases = Vec::new();
    for role in ALL_ROLES {
        for level_unit in [a.as_str(), "31", a1.as_str()] {
            let unit = mang_domain::units::UnitCode::parse(level_unit).unwrap();
            if !role.allowed_levels().contains(&unit.level()) {
                continue;
            }
            let username = format!(
                "{}.{}",
                role.as_str().replace('_', ""),
                level_unit.replace('-', "v")
            );
            app.add_user(&username, role, level_unit).await;
            let (inside, inside_unit, outside) = match unit.level() {
                mang_domain::units::UnitLevel::Province => {
                    (in_a1.clone(), "31".to_owned(), vec![in_hanoi.clone()])
                }
                mang_domain::units::UnitLevel::Commune => (
                    in_a1.clone(),
                    a.clone(),
                    vec![in_b.clone(), in_hanoi.clone()],
                ),
                _ => (
                    in_a1.clone(),
                    a1.clone(),
                    vec![in_a2.clone(), in_b.clone(), in_hanoi.clone()],
                ),
            };
            cases.push(Case {
                username,
                role,
                unit: level_unit.to_owned(),
                inside,
                inside_unit,
                outside,
            });
        }
    }
    assert_eq!(
        cases.len(),
        16,
        "every role at every level (province, commune, village) it may have"
    );

    let mut checked = 0usize;
    for case in &cases {
        let who = format!("{} ({}, {})", case.username, case.role.as_str(), case.unit);
        let browser = app.browser(&case.username, PASSWORD).await;
        assert_eq!(browser.login_status, 303, "{who} logs in");
        let api = app.api(&case.username).await;

        // ---------- outside the scope: nothing, whatever the route ----------
        for f in &case.outside {
            let commune_of_f = f.commune.clone();
            let before_name = app.child_name(f.child_id).await;
            let gets = [
                format!("/units/{}", f.province),
                format!("/units/{}", f.commune),
                format!("/children?unit={}", f.commune),
                format!("/children?q={}", f.child_name.replace(' ', "+")),
                format!("/children/{}", f.child_id),
                format!("/households/{}", f.household_id),
            ];
            for path in &gets {
                let (status, body) = browser.get(path).await;
                if path.starts_with("/units/") && f.province == "31" && case.unit == "31" {
                    continue; // a province user's own province is inside
                }
                if path.starts_with("/children?q=") {
                    // A search over one's own scope is allowed (or 403); it must not find the
                    // record (the page echoes the search text, so look for the record's link).
                    assert!(status == 200 || status == 403, "{who} GET {path}: {status}");
                    assert!(
                        !body.contains(&format!("/children/{}\"", f.child_id)),
                        "{who} search found an outside child"
                    );
                    assert!(!body.contains(&f.household_code));
                } else {
                    assert!(
                        denied(status),
                        "{who} GET {path} must be 403/404, got {status}"
                    );
                    assert_eq!(leaked(&body, f), None, "{who} GET {path} leaked data");
                }
                checked += 1;

                let api_path = format!("/api/v1{path}");
                let (status, body) = api.get(&api_path).await;
                if path.starts_with("/children?q=") {
                    assert!(
                        status == 200 || status == 403,
                        "{who} GET {api_path}: {status}"
                    );
                    if status == 200 {
                        assert!(
                            body.starts_with("{\"children\":[]"),
                            "{who} API search found an outside child: {body}"
                        );
                    }
                } else {
                    assert!(
                        denied(status),
                        "{who} GET {api_path} must be 403/404, got {status}"
                    );
                }
                assert_eq!(leaked(&body, f), None, "{who} GET {api_path} leaked data");
                checked += 1;
            }
            // Writes by guessing ids.
            let (status, body) = browser
                .post(
                    &format!("/units/{commune_of_f}/villages"),
                    &[("name", "Thôn Xâm Nhập")],
                )
                .await;
            assert!(
                denied(status),
                "{who} POST village in {commune_of_f}: {status}"
            );
            assert_eq!(leaked(&body, f), None);
            let (status, body) = browser
                .post(
                    &format!("/children/{}", f.child_id),
                    &[("full_name", "Tên Bị Đổi Trái Phép"), ("version", "1")],
                )
                .await;
            assert!(denied(status), "{who} POST rename outside: {status}");
            assert_eq!(leaked(&body, f), None);
            let (status, body) = api
                .send(
                    Method::POST,
                    &format!("/api/v1/units/{commune_of_f}/villages"),
                    Some(serde_json::json!({ "name": "Thôn Xâm Nhập" })),
                )
                .await;
            assert!(denied(status), "{who} API POST village outside: {status}");
            assert_eq!(leaked(&body, f), None);
            let (status, body) = api
                .send(
                    Method::PATCH,
                    &format!("/api/v1/children/{}", f.child_id),
                    Some(serde_json::json!({ "full_name": "Tên Bị Đổi Trái Phép", "version": 1 })),
                )
                .await;
            assert!(denied(status), "{who} API PATCH outside: {status}");
            assert_eq!(leaked(&body, f), None);
            // Merging an inside record with an outside one (review, page form, API).
            let inside = case.inside.child_id;
            let pair = format!("keep={inside}&other={}", f.child_id);
            let (status, body) = browser.get(&format!("/children/merge?{pair}")).await;
            assert!(denied(status), "{who} merge review outside: {status}");
            assert_eq!(leaked(&body, f), None);
            let (status, body) = api.get(&format!("/api/v1/merges/preview?{pair}")).await;
            assert!(denied(status), "{who} API merge preview outside: {status}");
            assert_eq!(leaked(&body, f), None);
            let (ks, os) = (inside.to_string(), f.child_id.to_string());
            let (status, body) = browser
                .post(
                    "/children/merge",
                    &[
                        ("keep_id", ks.as_str()),
                        ("other_id", os.as_str()),
                        ("keep_version", "1"),
                        ("other_version", "1"),
                        ("reason", "Gộp trái phép"),
                    ],
                )
                .await;
            assert!(denied(status), "{who} POST merge outside: {status}");
            assert_eq!(leaked(&body, f), None);
            let (status, body) = api
                .send(
                    Method::POST,
                    "/api/v1/merges",
                    Some(serde_json::json!({ "keep_id": inside, "other_id": f.child_id, "keep_version": 1, "other_version": 1, "reason": "Gộp trái phép" })),
                )
                .await;
            assert!(denied(status), "{who} API merge outside: {status}");
            assert_eq!(leaked(&body, f), None);
            checked += 8;
            // Households, the household book, life events, caregivers, ID checks and name
            // splits, by guessing ids.
            let (cid, hid) = (f.child_id, f.household_id);
            for path in [
                format!("/households/{hid}/book"),
                format!("/households/{hid}/edit"),
                format!("/households?unit={}", f.commune),
            ] {
                let (status, body) = browser.get(&path).await;
                assert!(denied(status), "{who} GET {path}: {status}");
                assert_eq!(leaked(&body, f), None, "{who} GET {path} leaked data");
            }
            for path in [
                format!("/api/v1/children/{cid}/events"),
                format!("/api/v1/children/{cid}/caregivers"),
                format!("/api/v1/households/{hid}/book"),
                format!("/api/v1/households?unit={}", f.commune),
                format!("/api/v1/children/{cid}/immunization"),
                format!("/api/v1/units/{}/immunization-due", f.commune),
                format!("/api/v1/children/{cid}/measurements"),
                format!("/api/v1/children/{cid}/injuries"),
                format!("/api/v1/units/{}/injuries", f.commune),
                format!("/api/v1/units/{}/deaths", f.commune),
            ] {
                let (status, body) = api.get(&path).await;
                assert!(denied(status), "{who} GET {path}: {status}");
                assert_eq!(leaked(&body, f), None, "{who} GET {path} leaked data");
            }
            let page_writes: [(String, Vec<(&str, &str)>); 9] = [
                (
                    format!("/children/{cid}/measurements"),
                    vec![("date", "01/01/2026"), ("weight_kg", "12")],
                ),
                (
                    format!("/children/{cid}/injuries"),
                    vec![
                        ("date", "01/01/2026"),
                        ("kind", "fall"),
                        ("place", "home"),
                        ("outcome", "treated"),
                    ],
                ),
                (
                    format!("/children/{cid}/death"),
                    vec![
                        ("date", "01/01/2026"),
                        ("cause", "unknown"),
                        ("place", "home"),
                    ],
                ),
                (
                    format!("/children/{cid}/doses"),
                    vec![("vaccine", "bcg:1"), ("date", "01/01/2026")],
                ),
                (
                    format!("/children/{cid}/events"),
                    vec![("version", "1"), ("kind", "died"), ("date", "01/01/2026")],
                ),
                (
                    format!("/children/{cid}/caregivers"),
                    vec![("full_name", "Người Lạ Mặt"), ("relationship", "father")],
                ),
                (format!("/children/{cid}/verify-id"), vec![]),
                (
                    format!("/children/{cid}/name-parts"),
                    vec![("version", "1"), ("given", "Danh")],
                ),
                (
                    format!("/households/{hid}/edit"),
                    vec![
                        ("version", "1"),
                        ("head_name", "Chủ Hộ Giả"),
                        ("address", "Số 0"),
                    ],
                ),
            ];
            for (path, form) in &page_writes {
                let (status, body) = browser.post(path, form).await;
                assert!(denied(status), "{who} POST {path}: {status}");
                assert_eq!(leaked(&body, f), None, "{who} POST {path} leaked data");
            }
            let api_writes = [
                (
                    Method::POST,
                    format!("/api/v1/children/{cid}/events"),
                    serde_json::json!({ "version": 1, "kind": "died", "date": "01/01/2026" }),
                ),
                (
                    Method::POST,
                    format!("/api/v1/children/{cid}/caregivers"),
                    serde_json::json!({ "full_name": "Người Lạ Mặt", "relationship": "father" }),
                ),
                (
                    Method::POST,
                    format!("/api/v1/children/{cid}/verify-id"),
                    serde_json::json!({}),
                ),
                (
                    Method::PUT,
                    format!("/api/v1/children/{cid}/name-parts"),
                    serde_json::json!({ "version": 1, "given": "Danh" }),
                ),
                (
                    Method::PATCH,
                    format!("/api/v1/households/{hid}"),
                    serde_json::json!({ "version": 1, "head_name": "Chủ Hộ Giả" }),
                ),
            ];
            for (method, path, body) in api_writes {
                let (status, resp) = api.send(method.clone(), &path, Some(body)).await;
                assert!(denied(status), "{who} {method} {path}: {status}");
                assert_eq!(leaked(&resp, f), None, "{who} {method} {path} leaked data");
            }
            let touched: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM child_events WHERE child_id = $1) \
                 + (SELECT COUNT(*) FROM child_caregivers WHERE child_id = $1) \
                 + (SELECT COUNT(*) FROM children WHERE id = $1 AND (id_verified_at IS NOT NULL OR name_parts IS NOT NULL)) \
                 + (SELECT COUNT(*) FROM households WHERE id = $2 AND head_name = 'Chủ Hộ Giả') \
                 + (SELECT COUNT(*) FROM child_doses WHERE child_id = $1) \
                 + (SELECT COUNT(*) FROM child_measurements WHERE child_id = $1) \
                 + (SELECT COUNT(*) FROM child_injuries WHERE child_id = $1 OR commune_code = $3) \
                 + (SELECT COUNT(*) FROM child_deaths WHERE child_id = $1 OR commune_code = $3)",
            )
            .bind(cid)
            .bind(hid)
            .bind(&f.commune)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
            assert_eq!(
                touched, 0,
                "{who} changed an outside record's events, caregivers, ID check, name split or household"
            );
            checked += 32;
            assert_eq!(
                app.child_name(f.child_id).await,
                before_name,
                "{who} changed a record outside the scope"
            );
        }

        // Lists that are not addressed by id must not carry outside records either.
        for path in ["/children", "/users", "/audit"] {
            let (_, body) = browser.get(path).await;
            for f in &case.outside {
                assert_eq!(leaked(&body, f), None, "{who} GET {path} leaked");
            }
            let (_, body) = api.get(&format!("/api/v1{path}")).await;
            for f in &case.outside {
                assert_eq!(leaked(&body, f), None, "{who} GET /api/v1{path} leaked");
            }
            checked += 2;
        }

        // ---------- inside the scope: exactly what the role allows ----------
        let f = &case.inside;
        let may_view = role_allows(case.role, Action::ViewChildRecord);
        let may_edit = role_allows(case.role, Action::EditChildRecord);
        let may_units = role_allows(case.role, Action::ManageUnits);

        let (status, body) = browser.get(&format!("/units/{}", case.inside_unit)).await;
        assert_eq!(status, 200, "{who} sees its own unit page");
        assert_eq!(leaked(&body, f), None, "unit pages show aggregates only");
        let (status, _) = api
            .get(&format!("/api/v1/units/{}", case.inside_unit))
            .await;
        assert_eq!(status, 200, "{who} API unit");

        for path in [
            format!("/children/{}", f.child_id),
            format!("/households/{}", f.household_id),
            format!("/children?unit={}", case.inside_unit),
        ] {
            let (status, body) = browser.get(&path).await;
            let (api_status, api_body) = api.get(&format!("/api/v1{path}")).await;
            if may_view {
                assert_eq!(status, 200, "{who} GET {path}");
                assert_eq!(api_status, 200, "{who} API GET {path}");
                if !path.contains('?') {
                    assert!(
                        body.contains(&f.child_name),
                        "{who} sees the child in {path}"
                    );
                    assert!(
                        api_body.contains(&f.child_name),
                        "{who} API sees the child in {path}"
                    );
                }
            } else {
                assert_eq!(status, 403, "{who} GET {path} must be refused");
                assert_eq!(api_status, 403, "{who} API GET {path} must be refused");
                assert_eq!(leaked(&body, f), None);
                assert_eq!(leaked(&api_body, f), None);
            }
            checked += 2;
        }

        // The household book and a child's events and caregivers: viewers only; the ID
        // check: the police only.
        for (path, api_path) in [
            (
                format!("/households/{}/book", f.household_id),
                format!("/api/v1/households/{}/book", f.household_id),
            ),
            (
                format!("/children/{}", f.child_id),
                format!("/api/v1/children/{}/caregivers", f.child_id),
            ),
        ] {
            let (status, body) = browser.get(&path).await;
            let (api_status, _) = api.get(&api_path).await;
            let want = if may_view { 200 } else { 403 };
            assert_eq!(status, want, "{who} GET {path}");
            assert_eq!(api_status, want, "{who} GET {api_path}");
            if !may_view {
                assert_eq!(leaked(&body, f), None);
            }
            checked += 2;
        }
        let (status, _) = api
            .send(
                Method::POST,
                &format!("/api/v1/children/{}/verify-id", f.child_id),
                None,
            )
            .await;
        assert_eq!(
            status,
            if role_allows(case.role, Action::VerifyPersonalId) {
                200
            } else {
                403
            },
            "{who} verifies an ID"
        );
        checked += 1;

        // Rename the inside child (page form, then API), against the current version.
        let version = app.child_version(f.child_id).await.to_string();
        let new_name = format!("{} Đổi Tên", f.child_name);
        let (status, _) = browser
            .post(
                &format!("/children/{}", f.child_id),
                &[
                    ("full_name", new_name.as_str()),
                    ("version", version.as_str()),
                ],
            )
            .await;
        assert_eq!(
            status,
            if may_edit { 303 } else { 403 },
            "{who} rename via page"
        );
        let version: i64 = app.child_version(f.child_id).await;
        let (status, _) = api
            .send(
                Method::PATCH,
                &format!("/api/v1/children/{}", f.child_id),
                Some(serde_json::json!({ "full_name": f.child_name, "version": version })),
            )
            .await;
        assert_eq!(
            status,
            if may_edit { 200 } else { 403 },
            "{who} rename via API"
        );

        // Add a village inside (only communes take villages; a village-bound user has none).
        if case.inside_unit.len() == 5 || case.unit == "31" {
            let commune = if case.unit == "31" {
                f.commune.clone()
            } else {
                case.inside_unit.clone()
            };
            let name = format!("Thôn {}", case.username);
            let (status, _) = browser
                .post(
                    &format!("/units/{commune}/villages"),
                    &[("name", name.as_str())],
                )
                .await;
            assert_eq!(
                status,
                if may_units { 303 } else { 403 },
                "{who} add village via page"
            );
            let (status, _) = api
                .send(
                    Method::POST,
                    &format!("/api/v1/units/{commune}/villages"),
                    Some(serde_json::json!({ "name": format!("{name} API") })),
                )
                .await;
            assert_eq!(
                status,
                if may_units { 201 } else { 403 },
                "{who} add village via API"
            );
            checked += 2;
        }
        checked += 4;
    }
    let merges: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_merges")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(merges, 0, "no merge across scopes");
    let intruders: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM admin_units WHERE name = 'Thôn Xâm Nhập'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(intruders, 0);
    assert!(mang_store::audit::verify(&app.store).await.unwrap().is_ok());
    println!(
        "checked {checked} route/role combinations over {} users",
        cases.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_requests_get_nothing() {
    let app = TestApp::spawn(300).await;
    let f = app.fixture(&app.demo_commune("xa").await, None, "AN").await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        "/",
        "/children",
        &format!("/children/{}", f.child_id),
        &format!("/households/{}", f.household_id),
        "/users",
        "/audit",
        "/units/31",
        &format!("/children/merge?keep={0}&other={0}", f.child_id),
        "/merges/1/undo",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path} redirects to the login page");
        assert_eq!(r.headers()["location"], "/login");
    }
    for path in [
        "/api/v1/me",
        "/api/v1/children",
        &format!("/api/v1/children/{}", f.child_id),
        "/api/v1/units/31",
        &format!("/api/v1/merges/preview?keep={0}&other={0}", f.child_id),
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        assert!(!r.text().await.unwrap().contains(&f.child_name));
    }
    let r = client
        .get(app.url("/api/v1/me"))
        .bearer_auth("0".repeat(64))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a guessed token is nobody");
}
