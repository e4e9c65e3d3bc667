//! Pages of the child registry: the list in register order with search, a child's record
//! with its edit form and history, a household with its children and an add-child form.

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::error::classify;
use crate::pages::{
    Layout, PageError, check_csrf, denied, iso_to_vn, layout, principal, render, require,
    sex_label, store_fail,
};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use mang_domain::access::{EditChildRecord, ViewChildRecord};
use mang_domain::codes::{
    self, DISABILITY_SEVERITIES, DISABILITY_TYPES, ETHNICITIES, SCHOOL_STATUSES,
};
use mang_domain::registry::{FieldError, RawChild, field_label};
use mang_store::StoreError;
use mang_store::registry::{self, ChildEdit, ChildFilter};
use mang_store::units;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children", get(children))
        .route("/children/{id}", get(child).post(edit_child))
        .route("/children/{id}/circumstances", post(add_circumstance))
        .route("/circumstances/{id}/end", post(end_circumstance))
        .route("/children/{id}/verify", post(verify_child))
        .route("/units/{code}/quality", get(quality_page))
        .route("/households/{id}", get(household))
        .route("/households/{id}/children", post(add_child))
}

// ---------- form fields ----------

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One labelled input of a record form, with its error.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
    /// Empty for a text input; else the choices of a `<select>`.
    pub options: Vec<Opt>,
    pub list: &'static str,
    pub inputmode: &'static str,
    pub error: Option<String>,
}

fn opts(list: &[(&str, &str)], value: &str, blank: bool) -> Vec<Opt> {
    let mut out = Vec::new();
    if blank {
        out.push(Opt {
            value: String::new(),
            label: "—".into(),
            selected: value.is_empty(),
        });
    }
    out.extend(list.iter().map(|(v, l)| Opt {
        value: (*v).into(),
        label: (*l).into(),
        selected: *v == value,
    }));
    out
}

fn code_opts(list: &'static [codes::Code], value: &str) -> Vec<Opt> {
    let pairs: Vec<(&str, &str)> = list.iter().map(|c| (c.code, c.label)).collect();
    opts(&pairs, value, true)
}

/// The fields of a child record form, filled from `raw`, errors attached by field.
fn child_fields(raw: &RawChild, errors: &[FieldError]) -> Vec<FormField> {
    let err = |name: &str| {
        let msgs: Vec<&str> = errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("; "))
    };
    let date_vn = |s: &str| {
        if s.len() == 10 && s.as_bytes()[4] == b'-' {
            iso_to_vn(s)
        } else {
            s.to_owned()
        }
    };
    let f = |name: &'static str, value: String, hint: &'static str| FormField {
        name,
        label: field_label(name),
        value,
        hint,
        options: Vec::new(),
        list: "",
        inputmode: "",
        error: err(name),
    };
    let mut fields = vec![
        f(
            "full_name",
            raw.full_name.clone(),
            "Ghi đúng như trên giấy khai sinh",
        ),
        FormField {
            options: opts(
                &[("male", "Nam"), ("female", "Nữ")],
                &raw.sex,
                raw.sex.is_empty(),
            ),
            ..f("sex", raw.sex.clone(), "")
        },
        f(
            "birth_date",
            date_vn(&raw.birth_date),
            "dd/mm/yyyy, ví dụ 05/02/2015",
        ),
        FormField {
            inputmode: "numeric",
            ..f(
                "personal_id",
                raw.personal_id.clone(),
                "12 chữ số; để trống nếu chưa có",
            )
        },
        f(
            "id_override_reason",
            raw.id_override_reason.clone(),
            "Chỉ cần khi số định danh không khớp giới tính hoặc năm sinh mà vẫn giữ số này",
        ),
        FormField {
            list: "ethnicities",
            ..f("ethnicity", raw.ethnicity.clone(), "Một trong 54 dân tộc")
        },
        f("nationality", raw.nationality.clone(), ""),
        FormField {
            options: opts(
                &[("1", "Có"), ("0", "Không")],
                if raw.birth_registered.is_empty() {
                    "1"
                } else {
                    &raw.birth_registered
                },
                false,
            ),
            ..f("birth_registered", raw.birth_registered.clone(), "")
        },
        f(
            "insurance_card",
            raw.insurance_card.clone(),
            "15 ký tự, ví dụ TE1310123456789",
        ),
        f(
            "insurance_valid_to",
            date_vn(&raw.insurance_valid_to),
            "dd/mm/yyyy",
        ),
        FormField {
            options: code_opts(&DISABILITY_TYPES, &raw.disability_type),
            ..f("disability_type", raw.disability_type.clone(), "")
        },
        FormField {
            options: code_opts(&DISABILITY_SEVERITIES, &raw.disability_severity),
            ..f("disability_severity", raw.disability_severity.clone(), "")
        },
        FormField {
            options: code_opts(&SCHOOL_STATUSES, &raw.school_status),
            ..f("school_status", raw.school_status.clone(), "")
        },
    ];
    for field in &mut fields {
        if field.error.is_none() && field.name == "full_name" {
            field.error = err("fields");
        }
    }
    fields
}

fn form_fields(form: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    form.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "_csrf" | "version"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn raw_from(form: &BTreeMap<String, String>) -> RawChild {
    serde_json::from_value(serde_json::to_value(form_fields(form)).unwrap_or_default())
        .unwrap_or_default()
}

// ---------- list ----------

pub struct ChildRowView {
    pub id: i64,
    pub full_name: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub personal_id: String,
    pub village: String,
}

#[derive(Template)]
#[template(path = "children.html")]
struct ChildrenPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    q: String,
    birth: String,
    household: String,
    group: String,
    all_status: bool,
    groups: Vec<(&'static str, String)>,
    /// The filter as a query string, for the next-page link.
    filter_url: String,
    error: Option<String>,
    rows: Vec<ChildRowView>,
    next: Option<String>,
    may_import: bool,
    may_export: bool,
}

async fn children(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(f): Query<ChildFilter>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(&u))?;
    let (page, error) = match registry::list_children(&st.store, &scoped, &f).await {
        Ok(page) => (page, None),
        Err(e @ StoreError::Fields(_)) => (
            registry::ChildPage {
                children: Vec::new(),
                next: None,
            },
            Some(fields_message(&e)),
        ),
        Err(e) => return Err(store_fail(&u, e)),
    };
    let unit_code = f
        .unit
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| p.unit.to_string());
    let unit_name = units::get(&st.store, &unit_code)
        .await
        .map(|x| x.name)
        .unwrap_or_default();
    let q = f.q.clone().unwrap_or_default();
    let view = ChildrenPage {
        layout: layout(&u, "/children"),
        next: page.next.map(|n| url_encode(&n)),
        may_import: p.may(mang_domain::access::Action::EditChildRecord),
        may_export: p.may(mang_domain::access::Action::ExportPersonalData),
        rows: page
            .children
            .into_iter()
            .map(|c| ChildRowView {
                id: c.id,
                full_name: c.full_name,
                sex: sex_label(&c.sex),
                birth_date: iso_to_vn(&c.birth_date),
                personal_id: c.personal_id_masked.unwrap_or_else(|| "—".into()),
                village: c.village_code.unwrap_or_default(),
            })
            .collect(),
        filter_url: [
            ("unit", unit_code.as_str()),
            ("q", q.as_str()),
            ("birth", f.birth.as_deref().unwrap_or_default()),
            ("household", f.household.as_deref().unwrap_or_default()),
            ("group", f.group.as_deref().unwrap_or_default()),
            ("status", f.status.as_deref().unwrap_or_default()),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&"),
        unit_code,
        unit_name,
        q,
        birth: f.birth.clone().unwrap_or_default(),
        household: f.household.clone().unwrap_or_default(),
        group: f.group.clone().unwrap_or_default(),
        all_status: f.status.as_deref() == Some("all"),
        groups: mang_domain::circumstances::all()
            .iter()
            .map(|c| {
                let label = if c.letter.is_empty() {
                    c.label.clone()
                } else {
                    format!("{}) {}", c.letter, c.label)
                };
                (c.code.as_str(), label)
            })
            .collect(),
        error,
    };
    let status = if view.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&view)).into_response())
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------- one child ----------

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "child.html")]
struct ChildView {
    layout: Layout,
    c: registry::Child,
    facts: Vec<Fact>,
    may_edit: bool,
    form_error: Option<String>,
    fields: Vec<FormField>,
    ethnicities: &'static [&'static str],
    history: Vec<(String, String, String)>,
    circumstances: Vec<CircumstanceView>,
    special_options: Vec<(&'static str, String)>,
    risk_options: Vec<(&'static str, String)>,
    circumstance_error: Option<String>,
    verification_label: &'static str,
    checked: String,
    steps: Vec<(&'static str, &'static str)>,
    life: crate::life_pages::LifeView,
    immunization: crate::health_pages::ImmunizationView,
    injuries: crate::health_pages::InjuryView,
    growth: crate::health_pages::GrowthView,
    death: crate::health_pages::DeathView,
    birth: crate::health_pages::BirthView,
    checks: crate::health_pages::CheckView,
    merges: Vec<crate::merge_pages::MergeView>,
    may_undo: bool,
}

pub struct CircumstanceView {
    pub id: i64,
    pub label: String,
    pub kind: &'static str,
    pub start: String,
    pub end: String,
    pub open: bool,
    pub source: String,
}

async fn child(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    render_child(&st, &u, id, None, None, StatusCode::OK).await
}

fn circumstance_options(kind: mang_domain::circumstances::Kind) -> Vec<(&'static str, String)> {
    mang_domain::circumstances::all()
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| {
            let label = if c.letter.is_empty() {
                c.label.clone()
            } else {
                format!("{}) {}", c.letter, c.label)
            };
            (c.code.as_str(), label)
        })
        .collect()
}

pub(crate) fn fields_message(e: &StoreError) -> String {
    match e {
        StoreError::Fields(errs) => errs
            .iter()
            .map(|x| x.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => classify(other).1,
    }
}

#[derive(serde::Deserialize)]
struct CircumstanceForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: mang_store::circumstances::NewCircumstance,
}

async fn add_circumstance(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<CircumstanceForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let r = mang_store::circumstances::add(&st.store, &scoped, id, &f.input, crate::api::today())
        .await
        .map(|_| id);
    child_form_outcome(&st, &u, id, "circumstances", r).await
}

#[derive(serde::Deserialize)]
struct EndForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: mang_store::circumstances::EndCircumstance,
    #[serde(default)]
    child_id: i64,
}

async fn end_circumstance(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    match mang_store::circumstances::end(&st.store, &scoped, id, &f.input, crate::api::today())
        .await
    {
        Ok(child_id) => Ok(Redirect::to(&format!("/children/{child_id}")).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Conflict { .. })) if f.child_id > 0 => {
            render_child_with(
                &st,
                &u,
                f.child_id,
                None,
                None,
                Some(("circumstances", fields_message(&e))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

fn facts(c: &registry::Child) -> Vec<Fact> {
    let or_dash = |v: &Option<String>| {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "—".into())
    };
    vec![
        Fact {
            label: "Giới tính",
            value: sex_label(&c.sex).into(),
        },
        Fact {
            label: "Ngày sinh",
            value: iso_to_vn(&c.birth_date),
        },
        Fact {
            label: "Tình trạng",
            value: mang_domain::life::ChildStatus::parse(&c.status)
                .map(|s| s.label_vi().to_owned())
                .unwrap_or_else(|| c.status.clone()),
        },
        Fact {
            label: "Số định danh cá nhân",
            value: c.personal_id.clone().unwrap_or_else(|| "Chưa có".into()),
        },
        Fact {
            label: "Công an xác minh số định danh",
            value: match (&c.id_verified_at, &c.id_verified_by) {
                (Some(at), Some(by)) => {
                    format!("Đã xác minh {} ({by})", mang_domain::vi::timestamp(at))
                }
                _ => "Chưa xác minh".into(),
            },
        },
        Fact {
            label: "Dân tộc",
            value: or_dash(&c.ethnicity),
        },
        Fact {
            label: "Quốc tịch",
            value: c.nationality.clone(),
        },
        Fact {
            label: "Đã đăng ký khai sinh",
            value: if c.birth_registered { "Có" } else { "Chưa" }.into(),
        },
        Fact {
            label: "Thẻ BHYT",
            value: match (&c.insurance_card, &c.insurance_valid_to) {
                (Some(card), Some(to)) => format!("{card} (đến {})", iso_to_vn(to)),
                (Some(card), None) => card.clone(),
                _ => "—".into(),
            },
        },
        Fact {
            label: "Khuyết tật",
            value: match &c.disability_type {
                Some(t) => {
                    let sev = c
                        .disability_severity
                        .as_deref()
                        .map(|s| codes::label(&DISABILITY_SEVERITIES, s))
                        .unwrap_or("");
                    format!(
                        "{}{}",
                        codes::label(&DISABILITY_TYPES, t),
                        if sev.is_empty() {
                            String::new()
                        } else {
                            format!(" — mức {sev}")
                        }
                    )
                }
                None => "Không".into(),
            },
        },
        Fact {
            label: "Tình trạng đi học",
            value: c
                .school_status
                .as_deref()
                .map(|s| codes::label(&SCHOOL_STATUSES, s).to_owned())
                .unwrap_or_else(|| "—".into()),
        },
        Fact {
            label: "Nơi cư trú",
            value: format!(
                "{}{}",
                c.village_name
                    .clone()
                    .map(|v| format!("{v}, "))
                    .unwrap_or_default(),
                c.commune_name
            ),
        },
    ]
}

async fn render_child(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    edit: Option<(BTreeMap<String, String>, Vec<FieldError>)>,
    form_error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    render_child_with(st, u, id, edit, form_error, None, status).await
}

/// After a form of the child page: back to the child at the form's section, or the page
/// again with the section's error (409 for a stale version, else 422).
pub(crate) async fn child_form_outcome(
    st: &AppState,
    u: &SignedIn,
    child_id: i64,
    section: &'static str,
    result: Result<i64, StoreError>,
) -> Result<Response, PageError> {
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/children/{id}#{section}")).into_response()),
        Err(
            e @ (StoreError::Fields(_)
            | StoreError::StaleVersion { .. }
            | StoreError::Conflict { .. }),
        ) => {
            let status = if matches!(e, StoreError::StaleVersion { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render_child_with(
                st,
                u,
                child_id,
                None,
                None,
                Some((section, fields_message(&e))),
                status,
            )
            .await
        }
        Err(e) => Err(store_fail(u, e)),
    }
}

/// The child page; `section_error` names the section (`circumstances`, `life`) whose form
/// was refused, with the message.
pub(crate) async fn render_child_with(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    edit: Option<(BTreeMap<String, String>, Vec<FieldError>)>,
    form_error: Option<String>,
    section_error: Option<(&'static str, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (mut circumstance_error, mut life_error, mut immunization_error, mut injury_error) =
        (None, None, None, None);
    let (mut growth_error, mut death_error, mut birth_error, mut checks_error) =
        (None, None, None, None);
    match section_error {
        Some(("circumstances", e)) => circumstance_error = Some(e),
        Some(("immunization", e)) => immunization_error = Some(e),
        Some(("injuries", e)) => injury_error = Some(e),
        Some(("growth", e)) => growth_error = Some(e),
        Some(("death", e)) => death_error = Some(e),
        Some(("birth", e)) => birth_error = Some(e),
        Some(("checks", e)) => checks_error = Some(e),
        Some((_, e)) => life_error = Some(e),
        None => {}
    }
    let p = principal(u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(u))?;
    let c = registry::get_child(&st.store, &scoped, id)
        .await
        .map_err(|e| store_fail(u, e))?;
    let history = registry::child_history(&st.store, &scoped, &c)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|(at, who, detail)| {
            (
                mang_domain::vi::timestamp(&at),
                who,
                describe_change(&detail),
            )
        })
        .collect();
    // After a rejected edit, show what the user typed over the stored record.
    let mut raw = c.to_raw();
    let errors = match edit {
        Some((typed, errors)) => {
            overlay(&mut raw, &raw_from(&typed), &typed);
            errors
        }
        None => Vec::new(),
    };
    let circumstances = mang_store::circumstances::of_child(&st.store, &scoped, c.id)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|x| CircumstanceView {
            id: x.id,
            label: x.label,
            kind: if x.kind == "special" {
                "Hoàn cảnh đặc biệt"
            } else {
                "Nguy cơ"
            },
            start: iso_to_vn(&x.start_date),
            open: x.end_date.is_none(),
            end: x.end_date.as_deref().map(iso_to_vn).unwrap_or_default(),
            source: x.source,
        })
        .collect();
    let vstatus = mang_domain::verification::Status::parse(&c.verification_status)
        .unwrap_or(mang_domain::verification::Status::Collected);
    let steps: Vec<(&'static str, &'static str)> = [
        ("check", mang_domain::verification::Step::Check),
        ("recheck", mang_domain::verification::Step::Recheck),
        (
            "request_correction",
            mang_domain::verification::Step::RequestCorrection,
        ),
    ]
    .into_iter()
    .filter(|(_, step)| mang_domain::verification::apply(vstatus, *step, p.role).is_ok())
    .map(|(code, step)| (code, step.label_vi()))
    .collect();
    let life = crate::life_pages::life_view(st, u, &scoped, &c, life_error).await?;
    let immunization =
        crate::health_pages::immunization_view(st, u, &scoped, &c, immunization_error).await?;
    let injuries = crate::health_pages::injury_view(st, u, &scoped, &c, injury_error).await?;
    let growth = crate::health_pages::growth_view(st, u, &scoped, &c, growth_error).await?;
    let death = crate::health_pages::death_view(u, &c, death_error);
    let birth = crate::health_pages::birth_view(st, u, &scoped, &c, birth_error).await?;
    let checks = crate::health_pages::check_view(st, u, &scoped, &c, checks_error).await?;
    let merges = mang_store::merge::merges_of_child(&st.store, &scoped, &c)
        .await
        .map_err(|e| store_fail(u, e))?
        .iter()
        .map(|m| crate::merge_pages::MergeView::of(m, c.id))
        .collect();
    let may_undo = p.authorize::<EditChildRecord>(&c.path()).is_ok();
    // A record merged into another is read-only until the merge is undone.
    let may_edit = may_undo && c.status != mang_domain::merge::MERGED;
    let view = ChildView {
        life,
        immunization,
        injuries,
        growth,
        death,
        birth,
        checks,
        verification_label: vstatus.label_vi(),
        checked: match (&c.checked_at, &c.checked_by) {
            (Some(at), Some(by)) => format!("lần cuối {} bởi {by}", iso_to_vn(&at[..10])),
            _ => "chưa kiểm tra".into(),
        },
        steps: if may_edit { steps } else { Vec::new() },
        circumstances,
        special_options: circumstance_options(mang_domain::circumstances::Kind::Special),
        risk_options: circumstance_options(mang_domain::circumstances::Kind::Risk),
        circumstance_error,
        layout: layout(u, "/children"),
        facts: facts(&c),
        may_edit,
        may_undo,
        merges,
        form_error,
        fields: child_fields(&raw, &errors),
        ethnicities: &ETHNICITIES,
        history,
        c,
    };
    Ok((status, render(&view)).into_response())
}

/// "Họ và tên: A → B; Ngày sinh: …" from an audit detail.
pub fn describe_change(detail: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(detail) else {
        return String::new();
    };
    let Some(obj) = v.as_object() else {
        return String::new();
    };
    let merge_note = crate::merge_pages::describe_merge(obj);
    let fields = obj
        .iter()
        .filter_map(|(field, change)| {
            let label = field_label(field);
            if label.is_empty() {
                return None;
            }
            let show = |x: Option<&serde_json::Value>| {
                let s = x.and_then(|x| x.as_str()).unwrap_or("");
                if s.len() == 10 && s.as_bytes()[4] == b'-' {
                    iso_to_vn(s)
                } else if field == "status" {
                    mang_domain::life::ChildStatus::parse(s)
                        .map(|x| x.label_vi().to_owned())
                        .unwrap_or_else(|| s.to_owned())
                } else {
                    s.to_owned()
                }
            };
            Some(format!(
                "{label}: {} → {}",
                show(change.get("old")),
                show(change.get("new"))
            ))
        })
        .collect::<Vec<_>>()
        .join("; ");
    match (merge_note, fields.is_empty()) {
        (Some(m), true) => m,
        (Some(m), false) => format!("{m}. {fields}"),
        (None, _) => fields,
    }
}

async fn edit_child(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let version = form
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let edit = ChildEdit {
        version,
        fields: form_fields(&form),
    };
    match registry::update_child(&st.store, &scoped, id, &edit, crate::api::today()).await {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(StoreError::Fields(errors)) => {
            let n = errors.len();
            render_child(
                &st,
                &u,
                id,
                Some((form_fields(&form), errors)),
                Some(format!("Chưa lưu: {n} trường cần sửa (xem bên dưới)")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ StoreError::StaleVersion { .. }) => {
            let (status, msg, _) = classify(&e);
            render_child(&st, &u, id, None, Some(msg), status).await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

/// Replace the fields the form carried.
fn overlay(raw: &mut RawChild, typed: &RawChild, form: &BTreeMap<String, String>) {
    let mut v = serde_json::to_value(&*raw).unwrap_or_default();
    let t = serde_json::to_value(typed).unwrap_or_default();
    if let (Some(v), Some(t)) = (v.as_object_mut(), t.as_object()) {
        for k in form.keys() {
            if let Some(x) = t.get(k) {
                v.insert(k.clone(), x.clone());
            }
        }
    }
    if let Ok(r) = serde_json::from_value(v) {
        *raw = r;
    }
}

// ---------- household ----------

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    layout: Layout,
    h: registry::Household,
    village: String,
    phone: String,
    poverty: String,
    children: Vec<ChildRowView>,
    may_add: bool,
    form_error: Option<String>,
    fields: Vec<FormField>,
    ethnicities: &'static [&'static str],
    history: Vec<(String, String, String)>,
    birth_error: Option<String>,
    birth_places: &'static [(&'static str, &'static str)],
}

async fn household(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    render_household(&st, &u, id, None, None, StatusCode::OK).await
}

/// The household page; `form` is a refused add-child form (typed values and errors),
/// `birth_error` the message of a refused birth form.
pub(crate) async fn render_household(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    form: Option<(RawChild, Vec<FieldError>)>,
    birth_error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(u))?;
    let h = registry::get_household(&st.store, &scoped, id)
        .await
        .map_err(|e| store_fail(u, e))?;
    let poverty = if h.poverty.is_empty() {
        "Không".to_owned()
    } else {
        h.poverty
            .iter()
            .map(|p| {
                let label = mang_domain::demo::PovertyStatus::parse(&p.status)
                    .map(|s| s.label_vi())
                    .unwrap_or("");
                format!("{label} ({})", p.year)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let path = mang_domain::units::UnitPath {
        province: Some(h.province_code.clone()),
        commune: Some(h.commune_code.clone()),
        village: h.village_code.clone(),
    };
    let (raw, errors) = form.unwrap_or_default();
    let form_error = (!errors.is_empty())
        .then(|| format!("Chưa thêm: {} trường cần sửa (xem bên dưới)", errors.len()));
    let history = mang_store::households::history(&st.store, &scoped, &h)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|(at, who, detail)| {
            (
                mang_domain::vi::timestamp(&at),
                who,
                describe_change(&detail),
            )
        })
        .collect();
    let view = HouseholdPage {
        history,
        birth_error,
        birth_places: &mang_domain::births::PLACES,
        layout: layout(u, "/households"),
        village: h.village_name.clone().unwrap_or_default(),
        phone: h.phone.clone().unwrap_or_else(|| "—".into()),
        poverty,
        children: h
            .children
            .iter()
            .map(|c| ChildRowView {
                id: c.id,
                full_name: c.full_name.clone(),
                sex: sex_label(&c.sex),
                birth_date: iso_to_vn(&c.birth_date),
                personal_id: c.personal_id_masked.clone().unwrap_or_else(|| "—".into()),
                village: String::new(),
            })
            .collect(),
        may_add: p.authorize::<EditChildRecord>(&path).is_ok(),
        form_error,
        fields: child_fields(&raw, &errors),
        ethnicities: &ETHNICITIES,
        h,
    };
    Ok((status, render(&view)).into_response())
}

async fn add_child(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let raw = raw_from(&form);
    match registry::create_child(&st.store, &scoped, id, &raw, crate::api::today()).await {
        Ok(c) => Ok(Redirect::to(&format!("/children/{}", c.id)).into_response()),
        Err(StoreError::Fields(errors)) => {
            render_household(
                &st,
                &u,
                id,
                Some((raw, errors)),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

#[derive(serde::Deserialize)]
struct VerifyForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    step: String,
    #[serde(default)]
    note: String,
}

async fn verify_child(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<VerifyForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let Some(step) = mang_domain::verification::Step::parse(&f.step) else {
        return Err(crate::pages::fail(
            &u,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bước kiểm tra không hợp lệ",
        ));
    };
    match registry::verify(&st.store, &scoped, id, step, &f.note).await {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(e @ (StoreError::Fields(_) | StoreError::Conflict { .. })) => {
            render_child(
                &st,
                &u,
                id,
                None,
                Some(fields_message(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityPage {
    layout: Layout,
    unit_name: String,
    unit_code: String,
    checks: Vec<registry::QualityCheck>,
    may_merge: bool,
}

async fn quality_page(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(&u))?;
    let agg = p
        .scoped::<mang_domain::access::ViewAggregates>()
        .map_err(|_| denied(&u))?;
    let unit = units::get_scoped(&st.store, &agg, &code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let mut checks = registry::quality(&st.store, &scoped, &unit, crate::api::today())
        .await
        .map_err(|e| store_fail(&u, e))?;
    for c in &mut checks {
        for i in &mut c.items {
            i.birth_date = iso_to_vn(&i.birth_date);
        }
    }
    let may_merge = p.authorize::<EditChildRecord>(&unit.path()).is_ok();
    Ok(render(&QualityPage {
        layout: layout(&u, "/children"),
        may_merge,
        unit_name: unit.name,
        unit_code: unit.code,
        checks,
    }))
}
