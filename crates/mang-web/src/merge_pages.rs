//! Pages for merging duplicate child records: the review (both records side by side, a
//! choice per differing field, a required reason) and the undo with its confirmation.
//! Plain forms: everything works without JavaScript.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::error::classify;
use crate::pages::{
    Layout, PageError, check_csrf, denied, fail, iso_to_vn, layout, principal, render, require,
    sex_label, store_fail,
};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use mang_domain::access::EditChildRecord;
use mang_domain::codes::{self, DISABILITY_SEVERITIES, DISABILITY_TYPES, SCHOOL_STATUSES};
use mang_domain::merge::FIELDS;
use mang_domain::registry::field_label;
use mang_store::StoreError;
use mang_store::merge::{self, MergePreview, MergeRecord, MergeRequest};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children/merge", get(review).post(do_merge))
        .route("/merges/{id}/undo", get(undo_confirm).post(do_undo))
}

/// A stored field value as people read it: dd/mm/yyyy, Nam/Nữ, Có/Không, code labels.
pub fn show_value(field: &str, v: &str) -> String {
    if v.is_empty() {
        return "—".into();
    }
    match field {
        "sex" => sex_label(v).into(),
        "birth_date" | "insurance_valid_to" => iso_to_vn(v),
        "birth_registered" => if v == "1" { "Có" } else { "Không" }.into(),
        "disability_type" => codes::label(&DISABILITY_TYPES, v).into(),
        "disability_severity" => codes::label(&DISABILITY_SEVERITIES, v).into(),
        "school_status" => codes::label(&SCHOOL_STATUSES, v).into(),
        _ => v.into(),
    }
}

/// One row of the review table.
pub struct ReviewRow {
    pub field: &'static str,
    pub label: &'static str,
    pub keep: String,
    pub other: String,
    /// Only differing fields get a choice.
    pub differs: bool,
    pub take_other: bool,
}

#[derive(Template)]
#[template(path = "merge.html")]
struct ReviewPage {
    layout: Layout,
    p: MergePreview,
    rows: Vec<ReviewRow>,
    facts: Vec<(&'static str, String, String)>,
    reason: String,
    error: Option<String>,
}

fn review_page(
    u: &SignedIn,
    p: MergePreview,
    choices: &BTreeMap<String, String>,
    reason: String,
    error: Option<String>,
) -> ReviewPage {
    let (keep, other) = (p.keep.to_raw(), p.other.to_raw());
    let rows = FIELDS
        .iter()
        .map(|&field| {
            let d = p.differences.iter().find(|d| d.field == field);
            let value = |raw| mang_domain::merge::value(raw, field).unwrap_or("").trim();
            ReviewRow {
                field,
                label: field_label(field),
                keep: show_value(field, value(&keep)),
                other: show_value(field, value(&other)),
                differs: d.is_some(),
                take_other: d.is_some_and(|d| {
                    choices
                        .get(field)
                        .map(String::as_str)
                        .unwrap_or(d.default.as_str())
                        == "other"
                }),
            }
        })
        .collect();
    let place = |c: &mang_store::registry::Child| {
        c.village_name
            .clone()
            .map(|v| format!("{v}, {}", c.commune_name))
            .unwrap_or_else(|| c.commune_name.clone())
    };
    let verification = |c: &mang_store::registry::Child| {
        mang_domain::verification::Status::parse(&c.verification_status)
            .map(|s| s.label_vi())
            .unwrap_or("")
            .to_owned()
    };
    let facts = vec![
        (
            "Hộ gia đình",
            p.keep.household_code.clone(),
            p.other.household_code.clone(),
        ),
        ("Nơi cư trú", place(&p.keep), place(&p.other)),
        (
            "Kiểm tra dữ liệu",
            verification(&p.keep),
            verification(&p.other),
        ),
        (
            "Hoàn cảnh, nguy cơ",
            "giữ nguyên".into(),
            if p.other_circumstances == 0 {
                "không có".into()
            } else {
                format!("{} mục, chuyển sang hồ sơ giữ lại", p.other_circumstances)
            },
        ),
    ];
    ReviewPage {
        layout: layout(u, "/children"),
        p,
        rows,
        facts,
        reason,
        error,
    }
}

#[derive(serde::Deserialize)]
struct ReviewQuery {
    #[serde(default)]
    keep: String,
    #[serde(default)]
    other: String,
}

fn id_of(u: &SignedIn, s: &str) -> Result<i64, PageError> {
    s.trim().parse().map_err(|_| {
        fail(
            u,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Cần chọn hai hồ sơ để xem xét gộp",
        )
    })
}

async fn review(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (keep, other) = (id_of(&u, &q.keep)?, id_of(&u, &q.other)?);
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let p = merge::merge_preview(&st.store, &scoped, keep, other)
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(render(&review_page(
        &u,
        p,
        &BTreeMap::new(),
        String::new(),
        None,
    )))
}

async fn do_merge(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let num = |k: &str| form.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    let (Some(keep_id), Some(other_id)) = (num("keep_id"), num("other_id")) else {
        return Err(fail(
            &u,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Cần chọn hai hồ sơ để gộp",
        ));
    };
    let req = MergeRequest {
        keep_id,
        other_id,
        keep_version: num("keep_version").unwrap_or(0),
        other_version: num("other_version").unwrap_or(0),
        choices: form
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("choice_")?.to_owned(), v.clone())))
            .collect(),
        reason: form.get("reason").cloned().unwrap_or_default(),
    };
    match merge::merge(&st.store, &scoped, &req, crate::api::today()).await {
        Ok(_) => Ok(Redirect::to(&format!("/children/{keep_id}")).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Conflict { .. })) => {
            let (status, _, _) = classify(&e);
            let message = match &e {
                StoreError::Fields(errs) => errs
                    .iter()
                    .map(|x| {
                        let label = field_label(x.field);
                        if label.is_empty() {
                            x.message.clone()
                        } else {
                            format!("{label}: {}", x.message)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            // Show the records as they are now (a stale version shows the newer values),
            // with what the reviewer chose and wrote.
            let p = merge::merge_preview(&st.store, &scoped, keep_id, other_id)
                .await
                .map_err(|e| store_fail(&u, e))?;
            Ok((
                status,
                render(&review_page(
                    &u,
                    p,
                    &req.choices,
                    req.reason.clone(),
                    Some(format!("Chưa gộp: {message}")),
                )),
            )
                .into_response())
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

#[derive(Template)]
#[template(path = "merge_undo.html")]
struct UndoPage {
    layout: Layout,
    m: MergeRecord,
    merged_at: String,
    error: Option<String>,
}

async fn undo_confirm(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let rec = merge::get_merge(&st.store, &scoped, id)
        .await
        .map_err(|e| store_fail(&u, e))?;
    Ok(render(&UndoPage {
        layout: layout(&u, "/children"),
        merged_at: mang_domain::vi::timestamp(&rec.merged_at),
        m: rec,
        error: None,
    }))
}

#[derive(serde::Deserialize)]
struct UndoForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn do_undo(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<UndoForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    match merge::undo_merge(&st.store, &scoped, id).await {
        Ok(out) => Ok(Redirect::to(&format!("/children/{}", out.kept.id)).into_response()),
        Err(e @ StoreError::Conflict { .. }) => {
            let rec = merge::get_merge(&st.store, &scoped, id)
                .await
                .map_err(|e| store_fail(&u, e))?;
            Ok((
                StatusCode::CONFLICT,
                render(&UndoPage {
                    layout: layout(&u, "/children"),
                    merged_at: mang_domain::vi::timestamp(&rec.merged_at),
                    m: rec,
                    error: Some(e.to_string()),
                }),
            )
                .into_response())
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// A merge as the child page lists it.
pub struct MergeView {
    pub id: i64,
    pub at: String,
    /// Was this child the one kept?
    pub kept: bool,
    pub other_id: i64,
    pub other_name: String,
    pub reason: String,
    pub by: String,
    /// "Đã hoàn tác lúc … bởi …" once undone.
    pub undone: Option<String>,
    /// Why an undo is not possible now (while not undone).
    pub blocked: Option<String>,
}

impl MergeView {
    pub fn of(m: &MergeRecord, child_id: i64) -> MergeView {
        let kept = m.kept_id == child_id;
        let undone = m.undone_at.as_deref().map(|at| {
            format!(
                "Đã hoàn tác lúc {}, bởi {}",
                mang_domain::vi::timestamp(at),
                m.undone_by.clone().unwrap_or_default()
            )
        });
        MergeView {
            id: m.id,
            at: mang_domain::vi::timestamp(&m.merged_at),
            kept,
            other_id: if kept { m.merged_id } else { m.kept_id },
            other_name: if kept {
                m.merged_name.clone()
            } else {
                m.kept_name.clone()
            },
            reason: m.reason.clone(),
            by: m.merged_by.clone(),
            blocked: if undone.is_none() {
                m.undo_blocked.clone()
            } else {
                None
            },
            undone,
        }
    }
}

/// The history line of a merge or an undo (audit detail keys `merge` / `unmerge`).
pub fn describe_merge(detail: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let (m, undo) = match (detail.get("merge"), detail.get("unmerge")) {
        (Some(m), _) => (m, false),
        (None, Some(m)) => (m, true),
        _ => return None,
    };
    let other = m.get("other_id").and_then(|v| v.as_i64()).unwrap_or(0);
    let kept = m.get("role").and_then(|v| v.as_str()) == Some("kept");
    let reason = m
        .get("reason")
        .and_then(|v| v.as_str())
        .map(|r| format!(" (lý do: {r})"))
        .unwrap_or_default();
    Some(match (undo, kept) {
        (false, true) => format!("Gộp hồ sơ #{other} vào hồ sơ này{reason}"),
        (false, false) => format!("Hồ sơ được gộp vào hồ sơ #{other}{reason}"),
        (true, true) => format!("Hoàn tác gộp hồ sơ #{other}: trả lại giá trị trước khi gộp"),
        (true, false) => format!("Hoàn tác gộp: hồ sơ hoạt động trở lại, tách khỏi hồ sơ #{other}"),
    })
}
