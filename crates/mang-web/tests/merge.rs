//! Duplicate children: a pair found by the data-quality page is reviewed and merged (the
//! merged record leaves lists, checks and counts; its circumstances move; both children are
//! audited), then the merge is undone and both records are exactly as before. Refused
//! merges — stale versions, other communes, roles without edit rights, outside the scope —
//! change nothing.

mod common;

use common::{TestApp, hidden};
use reqwest::Method;
use serde_json::{Value, json};

const DEMO: &str = "mang-demo-2026";

/// A fixture child and a second record of the same child in the same household (same
/// name and birth date, no personal ID, an insurance card and an ethnicity the first lacks),
/// with a circumstance recorded on the second.
async fn duplicate_pair(app: &TestApp, commune: &str, tag: &str) -> (i64, i64) {
    let f = app.fixture(commune, None, tag).await;
    let api = app.api_for_demo("xa").await;
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/households/{}/children", f.household_id),
            Some(
                json!({ "full_name": f.child_name, "sex": "Nữ", "birth_date": "08/03/2019",
                "ethnicity": "Tày", "insurance_card": "TE1310123456789" }),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let other: i64 = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{other}/circumstances"),
            Some(json!({ "code": "disabled", "start_date": "01/01/2024", "source": "Xác minh tại hộ" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (f.child_id, other)
}

async fn json_of(api: &common::Api, path: &str) -> Value {
    let (status, body) = api.get(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// A child's record without what every write changes (version, time of the change).
fn record(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("version");
    o.remove("updated_at");
    v
}

async fn audit_count(app: &TestApp, action: &str, id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'child' AND action = $1 AND entity_id = $2",
    )
    .bind(action)
    .bind(id.to_string())
    .fetch_one(app.store.pool())
    .await
    .unwrap()
}

fn duplicate_ids(checks: &Value) -> Vec<i64> {
    checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "duplicate")
        .unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_pair_is_reviewed_merged_and_undone_exactly() {
    let app = TestApp::spawn(50).await;
    let a = app.demo_commune("xa").await;
    let (keep, other) = duplicate_pair(&app, &a, "GM").await;
    let api = app.api_for_demo("xa").await;
    let b = app.browser("xa", DEMO).await;

    // The quality page finds the pair and links each side to the review.
    let checks = json_of(&api, &format!("/api/v1/units/{a}/quality")).await;
    let dups = duplicate_ids(&checks);
    assert!(dups.contains(&keep) && dups.contains(&other), "{dups:?}");
    let (status, page) = b.get(&format!("/units/{a}/quality")).await;
    assert_eq!(status, 200);
    let link = format!("/children/merge?keep={keep}&amp;other={other}");
    assert!(
        page.contains(&link) && page.contains("Xem xét gộp"),
        "{page}"
    );

    let before_keep = json_of(&api, &format!("/api/v1/children/{keep}")).await;
    let before_other = json_of(&api, &format!("/api/v1/children/{other}")).await;
    let before_keep_circ = json_of(&api, &format!("/api/v1/children/{keep}/circumstances")).await;
    let before_other_circ = json_of(&api, &format!("/api/v1/children/{other}/circumstances")).await;
    assert_eq!(before_other_circ.as_array().unwrap().len(), 1);
    let unit_before = json_of(&api, &format!("/api/v1/units/{a}")).await;

    // The review: both records side by side, a choice per differing field with defaults
    // (own values; empty ones filled from the other), a required reason.
    let (status, review) = b
        .get(&format!("/children/merge?keep={keep}&other={other}"))
        .await;
    assert_eq!(status, 200, "{review}");
    assert!(review.contains("Xem xét gộp hồ sơ trùng lặp") && review.contains("Gộp hồ sơ"));
    assert!(review.contains("name=\"choice_ethnicity\" value=\"other\" checked"));
    assert!(review.contains("name=\"choice_personal_id\" value=\"keep\" checked"));
    assert!(review.contains("08/03/2019"), "dates as dd/mm/yyyy");
    assert!(review.contains("1 mục, chuyển sang hồ sơ giữ lại"));
    let keep_version = hidden(&review, "keep_version");
    let other_version = hidden(&review, "other_version");
    let (ks, os) = (keep.to_string(), other.to_string());
    let form = |reason: &'static str| {
        vec![
            ("keep_id", ks.clone()),
            ("other_id", os.clone()),
            ("keep_version", keep_version.clone()),
            ("other_version", other_version.clone()),
            ("choice_ethnicity", "other".to_owned()),
            ("choice_insurance_card", "other".to_owned()),
            ("choice_personal_id", "keep".to_owned()),
            ("reason", reason.to_owned()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let b = &b;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post("/children/merge", &f).await
        }
    };

    // Without a reason nothing happens; the page says why and keeps the choices.
    let (status, page) = post(form("   ")).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Cần ghi lý do gộp"), "{page}");
    assert_eq!(
        json_of(&api, &format!("/api/v1/children/{keep}")).await,
        before_keep
    );
    assert_eq!(audit_count(&app, "merge", keep).await, 0);

    let (status, _) = post(form("Cùng một trẻ: đã xác minh tại hộ ngày 02/06/2026")).await;
    assert_eq!(status, 303, "merged, back to the kept child");

    // The kept record took the chosen values; the other is marked merged.
    let kept = json_of(&api, &format!("/api/v1/children/{keep}")).await;
    assert_eq!(kept["ethnicity"], "Tày");
    assert_eq!(kept["insurance_card"], "TE1310123456789");
    assert_eq!(kept["personal_id"], before_keep["personal_id"]);
    assert_eq!(
        kept["version"].as_i64().unwrap(),
        before_keep["version"].as_i64().unwrap() + 1
    );
    let gone = json_of(&api, &format!("/api/v1/children/{other}")).await;
    assert_eq!(gone["status"], "merged");

    // Gone from the list, the quality page and the counts.
    let name = before_keep["full_name"].as_str().unwrap();
    let q = mang_domain::text::fold(name).replace(' ', "%20");
    let list = json_of(&api, &format!("/api/v1/children?unit={a}&q={q}")).await;
    let ids: Vec<i64> = list["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&keep) && !ids.contains(&other), "{ids:?}");
    let dups = duplicate_ids(&json_of(&api, &format!("/api/v1/units/{a}/quality")).await);
    assert!(!dups.contains(&keep) && !dups.contains(&other), "{dups:?}");
    let unit_after = json_of(&api, &format!("/api/v1/units/{a}")).await;
    assert_eq!(
        unit_after["children"].as_i64().unwrap(),
        unit_before["children"].as_i64().unwrap() - 1
    );
    let household = json_of(
        &api,
        &format!("/api/v1/households/{}", kept["household_id"]),
    )
    .await;
    assert!(!household.to_string().contains(&format!("\"id\":{other},")));

    // The circumstance moved to the kept child.
    let kept_circ = json_of(&api, &format!("/api/v1/children/{keep}/circumstances")).await;
    assert_eq!(
        kept_circ.as_array().unwrap().len(),
        before_keep_circ.as_array().unwrap().len() + 1
    );
    assert!(
        json_of(&api, &format!("/api/v1/children/{other}/circumstances"))
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Both children audited in the merge; the history and the undo link on the kept page.
    assert_eq!(audit_count(&app, "merge", keep).await, 1);
    assert_eq!(audit_count(&app, "merge", other).await, 1);
    assert!(mang_store::audit::verify(&app.store).await.unwrap().is_ok());
    let merges = json_of(&api, &format!("/api/v1/children/{keep}/merges")).await;
    let merge_id = merges[0]["id"].as_i64().unwrap();
    assert_eq!(merges[0]["merged_id"], other);
    assert!(merges[0]["undo_blocked"].is_null());
    let (_, page) = b.get(&format!("/children/{keep}")).await;
    assert!(
        page.contains(&format!("Gộp hồ sơ #{other} vào hồ sơ này")),
        "history: {page}"
    );
    assert!(
        page.contains("Dân tộc:  → Tày"),
        "field changes in the history"
    );
    assert!(page.contains(&format!("/merges/{merge_id}/undo")) && page.contains("Hoàn tác gộp"));
    // The merged record is read-only and says where it went.
    let (_, page) = b.get(&format!("/children/{other}")).await;
    assert!(
        page.contains("Hồ sơ này đã được gộp vào hồ sơ") && !page.contains("id=\"save-child\"")
    );
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{other}"),
            Some(json!({ "version": gone["version"], "nationality": "Lào" })),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/api/v1/children/{other}/circumstances"),
            Some(json!({ "code": "abandoned", "start_date": "01/01/2024", "source": "x" })),
        )
        .await;
    assert_eq!(status, 409);

    // Undo, after a confirmation page.
    let (status, confirm) = b.get(&format!("/merges/{merge_id}/undo")).await;
    assert_eq!(status, 200, "{confirm}");
    assert!(confirm.contains("Xác nhận hoàn tác gộp"));
    let (status, _) = b.post(&format!("/merges/{merge_id}/undo"), &[]).await;
    assert_eq!(status, 303);
    assert_eq!(
        record(json_of(&api, &format!("/api/v1/children/{keep}")).await),
        record(before_keep.clone()),
        "the kept record is back to its values before the merge"
    );
    assert_eq!(
        record(json_of(&api, &format!("/api/v1/children/{other}")).await),
        record(before_other.clone()),
        "the merged record is active again, unchanged"
    );
    assert_eq!(
        json_of(&api, &format!("/api/v1/children/{keep}/circumstances")).await,
        before_keep_circ
    );
    assert_eq!(
        json_of(&api, &format!("/api/v1/children/{other}/circumstances")).await,
        before_other_circ
    );
    let circ_village: Option<String> =
        sqlx::query_scalar("SELECT village_code FROM child_circumstances WHERE child_id = $1")
            .bind(other)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(
        circ_village,
        before_other["village_code"].as_str().map(Into::into)
    );
    assert_eq!(audit_count(&app, "unmerge", keep).await, 1);
    assert_eq!(audit_count(&app, "unmerge", other).await, 1);
    let dups = duplicate_ids(&json_of(&api, &format!("/api/v1/units/{a}/quality")).await);
    assert!(dups.contains(&keep) && dups.contains(&other));
    assert_eq!(
        json_of(&api, &format!("/api/v1/units/{a}")).await["children"],
        unit_before["children"]
    );
    let (_, page) = b.get(&format!("/children/{keep}")).await;
    assert!(
        page.contains(&format!("Hoàn tác gộp hồ sơ #{other}")) && page.contains("Đã hoàn tác lúc")
    );
    // Not twice.
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/merges/{merge_id}/undo"),
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("đã được hoàn tác"), "{body}");
    assert!(mang_store::audit::verify(&app.store).await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_merges_with_choices_and_refuses_stale_versions_and_late_undos() {
    let app = TestApp::spawn(50).await;
    let a = app.demo_commune("xa").await;
    let (keep, other) = duplicate_pair(&app, &a, "AM").await;
    let api = app.api_for_demo("xa").await;
    let preview = json_of(
        &api,
        &format!("/api/v1/merges/preview?keep={keep}&other={other}"),
    )
    .await;
    let fields: Vec<&str> = preview["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["personal_id", "ethnicity", "insurance_card"]);
    assert_eq!(preview["differences"][0]["default"], "keep");
    assert_eq!(preview["differences"][1]["default"], "other");
    assert_eq!(preview["other_circumstances"], 1);
    let (kv, ov) = (
        preview["keep"]["version"].clone(),
        preview["other"]["version"].clone(),
    );

    // Someone edits the kept record after the review was opened: the merge is refused.
    let (status, _) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{keep}"),
            Some(json!({ "version": kv, "nationality": "Việt Nam", "school_status": "preschool" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = api
        .send(
            Method::POST,
            "/api/v1/merges",
            Some(json!({ "keep_id": keep, "other_id": other, "keep_version": kv, "other_version": ov, "reason": "trùng" })),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let e: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["field"], "version");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("đã được sửa sau khi bạn mở trang xem xét")
    );
    assert_eq!(audit_count(&app, "merge", keep).await, 0);
    assert_eq!(app.child_version(other).await, ov.as_i64().unwrap());

    // Unknown choices are named; then a merge at the current versions succeeds.
    let kv = app.child_version(keep).await;
    let (status, body) = api
        .send(
            Method::POST,
            "/api/v1/merges",
            Some(
                json!({ "keep_id": keep, "other_id": other, "keep_version": kv, "other_version": ov,
                "reason": "trùng", "choices": { "status": "other" } }),
            ),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = api
        .send(
            Method::POST,
            "/api/v1/merges",
            Some(
                json!({ "keep_id": keep, "other_id": other, "keep_version": kv, "other_version": ov,
                "reason": "Cùng họ tên, ngày sinh, hộ", "choices": { "ethnicity": "keep" } }),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let out: Value = serde_json::from_str(&body).unwrap();
    assert!(
        out["kept"]["ethnicity"].is_null(),
        "the reviewer kept the empty value"
    );
    assert_eq!(out["kept"]["insurance_card"], "TE1310123456789");
    let merge_id = out["merge"]["id"].as_i64().unwrap();
    // A merged record cannot be merged again, nor kept.
    let (status, _) = api
        .get(&format!("/api/v1/merges/preview?keep={other}&other={keep}"))
        .await;
    assert_eq!(status, 409);

    // An edit of the kept record after the merge blocks the undo (it would be lost).
    let v = app.child_version(keep).await;
    let (status, _) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/children/{keep}"),
            Some(json!({ "version": v, "school_status": "primary" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/merges/{merge_id}/undo"),
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("không thể hoàn tác tự động"), "{body}");
    assert_eq!(
        json_of(&api, &format!("/api/v1/children/{other}")).await["status"],
        "merged",
        "a refused undo changes nothing"
    );
    assert_eq!(audit_count(&app, "unmerge", keep).await, 0);
    // The page says why instead of offering the undo.
    let b = app.browser("xa", DEMO).await;
    let (_, page) = b.get(&format!("/children/{keep}")).await;
    assert!(
        page.contains("không thể hoàn tác tự động")
            && !page.contains(&format!("/merges/{merge_id}/undo"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn merges_outside_the_scope_or_without_edit_rights_are_refused_and_change_nothing() {
    let app = TestApp::spawn(50).await;
    let a = app.demo_commune("xa").await;
    let b_commune = app.demo_commune("xa2").await;
    assert_ne!(a, b_commune);
    let (keep, other) = duplicate_pair(&app, &a, "SC").await;
    let elsewhere = app.fixture(&b_commune, None, "SX").await.child_id;
    let api = app.api_for_demo("xa").await;
    let snapshot = || async {
        (
            json_of(&api, &format!("/api/v1/children/{keep}")).await,
            json_of(&api, &format!("/api/v1/children/{other}")).await,
            json_of(&api, &format!("/api/v1/children/{other}/circumstances")).await,
        )
    };
    let before = snapshot().await;
    let (kv, ov) = (
        app.child_version(keep).await,
        app.child_version(other).await,
    );
    let body = json!({ "keep_id": keep, "other_id": other, "keep_version": kv, "other_version": ov, "reason": "trùng" });

    // The other commune's officer does not even see the pair; the village collaborator's
    // scope is a village (the pair lives outside it); health worker and leader may not edit.
    for (user, want) in [("xa2", 404), ("ctv", 404), ("yte", 403), ("lanhdao", 403)] {
        let other_api = app.api_for_demo(user).await;
        let (status, b) = other_api
            .get(&format!("/api/v1/merges/preview?keep={keep}&other={other}"))
            .await;
        assert_eq!(status, want, "{user} preview: {b}");
        let (status, b) = other_api
            .send(Method::POST, "/api/v1/merges", Some(body.clone()))
            .await;
        assert_eq!(status, want, "{user} merge: {b}");
    }
    let xa2 = app.browser("xa2", DEMO).await;
    assert_eq!(
        xa2.get(&format!("/children/merge?keep={keep}&other={other}"))
            .await
            .0,
        404
    );
    let (ks, os, kvs, ovs) = (
        keep.to_string(),
        other.to_string(),
        kv.to_string(),
        ov.to_string(),
    );
    let form = [
        ("keep_id", ks.as_str()),
        ("other_id", os.as_str()),
        ("keep_version", kvs.as_str()),
        ("other_version", ovs.as_str()),
        ("reason", "trùng"),
    ];
    assert_eq!(xa2.post("/children/merge", &form).await.0, 404);
    // A form without the session's CSRF token is refused.
    let xa = app.browser("xa", DEMO).await;
    let mut no_csrf = form.to_vec();
    no_csrf.push(("_csrf", "0"));
    let r = xa
        .client
        .post(format!("{}/children/merge", xa.base))
        .form(&no_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Rules: not with itself, not across communes (even for the province officer).
    let (status, _) = api
        .get(&format!("/api/v1/merges/preview?keep={keep}&other={keep}"))
        .await;
    assert_eq!(status, 409);
    let tinh = app.api_for_demo("tinh").await;
    let ev = app.child_version(elsewhere).await;
    let (status, b) = tinh
        .send(
            Method::POST,
            "/api/v1/merges",
            Some(json!({ "keep_id": keep, "other_id": elsewhere, "keep_version": kv, "other_version": ev, "reason": "trùng" })),
        )
        .await;
    assert_eq!(status, 409, "{b}");
    assert!(b.contains("hai xã, phường khác nhau"), "{b}");

    // Nothing changed: records, circumstances, no merge rows, no merge audit entries.
    let after = snapshot().await;
    assert_eq!(after, before);
    let merges: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_merges")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(merges, 0);
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('merge', 'unmerge')")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(audited, 0);

    // An undo outside the scope is not found either.
    let (status, b) = api
        .send(Method::POST, "/api/v1/merges", Some(body.clone()))
        .await;
    assert_eq!(status, 201, "{b}");
    let merge_id = serde_json::from_str::<Value>(&b).unwrap()["merge"]["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .api_for_demo("xa2")
        .await
        .send(
            Method::POST,
            &format!("/api/v1/merges/{merge_id}/undo"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(xa2.get(&format!("/merges/{merge_id}/undo")).await.0, 404);
    assert_eq!(
        json_of(&api, &format!("/api/v1/children/{other}")).await["status"],
        "merged"
    );
}
