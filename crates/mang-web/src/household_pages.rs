//! Household pages: the list of a commune or village, the create and edit forms (field-
//! named errors, optimistic version), and the printable household child-tracking book
//! (Sổ theo dõi trẻ em trong hộ gia đình).

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use crate::registry_pages::{fields_message, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use mang_domain::access::{EditChildRecord, ViewChildRecord};
use mang_domain::demo::PovertyStatus;
use mang_domain::life::{ChildStatus, EventKind};
use mang_domain::vi;
use mang_store::StoreError;
use mang_store::households::{self, HouseholdFilter, HouseholdInput};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", get(list))
        .route("/households/new", get(new_form).post(create))
        .route("/households/{id}/edit", get(edit_form).post(update))
        .route("/households/{id}/book", get(book))
}

fn poverty_label(status: Option<&str>, year: Option<i64>) -> String {
    match (status.and_then(PovertyStatus::parse), year) {
        (Some(s), Some(y)) => format!("{} ({y})", s.label_vi()),
        _ => "—".into(),
    }
}

pub struct HouseholdRow {
    pub id: i64,
    pub code: String,
    pub head_name: String,
    pub address: String,
    pub village: String,
    pub children: i64,
    pub poverty: String,
}

#[derive(Template)]
#[template(path = "households.html")]
struct ListPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    code: String,
    /// Communes to pick from (province users), as (code, name).
    communes: Vec<(String, String)>,
    rows: Vec<HouseholdRow>,
    next: Option<String>,
    may_add: bool,
    error: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(f): Query<HouseholdFilter>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let p = principal(&u);
    let scoped = p.scoped::<ViewChildRecord>().map_err(|_| denied(&u))?;
    let unit_code = f
        .unit
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| p.unit.to_string());
    let unit = mang_store::units::get(&st.store, &unit_code)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let (rows, next, error, communes) = match households::list(&st.store, &scoped, &f).await {
        Ok(page) => (page.households, page.next, None, Vec::new()),
        Err(e @ StoreError::Fields(_)) => {
            let communes = match unit.path().province {
                Some(province) if unit.path().commune.is_none() => {
                    mang_store::units::communes_of(&st.store, &province)
                        .await
                        .map_err(|e| store_fail(&u, e))?
                        .into_iter()
                        .map(|c| (c.code().to_string(), c.name))
                        .collect()
                }
                _ => Vec::new(),
            };
            let msg = fields_message(&e);
            (Vec::new(), None, Some(msg), communes)
        }
        Err(e) => return Err(store_fail(&u, e)),
    };
    let view = ListPage {
        layout: layout(&u, "/households"),
        may_add: p.authorize::<EditChildRecord>(&unit.path()).is_ok()
            && unit.path().commune.is_some(),
        unit_name: unit.name,
        unit_code,
        code: f.code.clone().unwrap_or_default(),
        communes,
        rows: rows
            .into_iter()
            .map(|h| HouseholdRow {
                id: h.id,
                poverty: poverty_label(h.poverty_status.as_deref(), h.poverty_year),
                code: h.code,
                head_name: h.head_name,
                address: h.address,
                village: h.village_name.unwrap_or_default(),
                children: h.children,
            })
            .collect(),
        next: next.map(|n| url_encode(&n)),
        error,
    };
    Ok(render(&view))
}

/// One field of the household form.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
    pub error: Option<String>,
    /// Options of a select, as (value, label, selected).
    pub options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "household_form.html")]
struct FormPage {
    layout: Layout,
    title: String,
    action: String,
    version: Option<i64>,
    fields: Vec<Field>,
    form_error: Option<String>,
    cancel: String,
}

async fn form_fields(
    st: &AppState,
    commune: &str,
    values: &BTreeMap<String, String>,
    errors: &[mang_domain::registry::FieldError],
    creating: bool,
) -> Vec<Field> {
    let err = |n: &str| {
        let m: Vec<&str> = errors
            .iter()
            .filter(|e| e.field == n)
            .map(|e| e.message.as_str())
            .collect();
        (!m.is_empty()).then(|| m.join("; "))
    };
    let val = |n: &str| values.get(n).cloned().unwrap_or_default();
    let villages: Vec<(String, String, bool)> = mang_store::units::villages_of(&st.store, commune)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            let code = v.code().to_string();
            let selected = code == val("village_code");
            (code, v.name, selected)
        })
        .collect();
    let mut villages_opt = vec![(
        String::new(),
        "— Chưa rõ —".to_owned(),
        val("village_code").is_empty(),
    )];
    villages_opt.extend(villages);
    let f = |name: &'static str, label: &'static str, hint: &'static str| Field {
        name,
        label,
        value: val(name),
        hint,
        error: err(name),
        options: Vec::new(),
    };
    let mut out = Vec::new();
    if creating {
        out.push(f(
            "household_code",
            "Mã hộ",
            "Để trống để hệ thống cấp mã tiếp theo của xã",
        ));
    }
    out.push(Field {
        options: villages_opt,
        ..f("village_code", "Thôn, tổ dân phố", "")
    });
    out.push(f("head_name", "Họ và tên chủ hộ", ""));
    out.push(f("address", "Địa chỉ", "Số nhà, đường, xóm"));
    out.push(f("phone", "Điện thoại", ""));
    out.push(f(
        "poverty_year",
        "Năm xét hộ nghèo, cận nghèo",
        "Ví dụ: 2026",
    ));
    let status = val("poverty_status");
    let mut poverty = vec![(String::new(), "— Không —".to_owned(), status.is_empty())];
    for s in [
        PovertyStatus::Poor,
        PovertyStatus::NearPoor,
        PovertyStatus::Escaped,
    ] {
        let label = s.label_vi().to_owned();
        poverty.push((label.clone(), label.clone(), status == label));
    }
    out.push(Field {
        options: poverty,
        ..f("poverty_status", "Tình trạng nghèo của năm đó", "")
    });
    out
}

async fn new_form(State(st): State<AppState>, m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    render_new(&st, &u, BTreeMap::new(), Vec::new(), StatusCode::OK).await
}

async fn render_new(
    st: &AppState,
    u: &SignedIn,
    values: BTreeMap<String, String>,
    errors: Vec<mang_domain::registry::FieldError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let scoped = p.scoped::<EditChildRecord>().map_err(|_| denied(u))?;
    let Some(commune) = scoped.scope().path.commune.clone() else {
        return Err(crate::pages::fail(
            u,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Hộ gia đình do cán bộ cấp xã hoặc cộng tác viên thêm (chọn xã trước).",
        ));
    };
    let view = FormPage {
        layout: layout(u, "/households"),
        title: "Thêm hộ gia đình".into(),
        action: "/households/new".into(),
        version: None,
        form_error: (!errors.is_empty())
            .then(|| format!("Chưa lưu: {} trường cần sửa (xem bên dưới)", errors.len())),
        fields: form_fields(st, &commune, &values, &errors, true).await,
        cancel: "/households".into(),
    };
    Ok((status, render(&view)).into_response())
}

fn form_input(mut form: BTreeMap<String, String>) -> (String, HouseholdInput) {
    let csrf = form.remove("_csrf").unwrap_or_default();
    let version = form.remove("version").and_then(|v| v.parse().ok());
    (
        csrf,
        HouseholdInput {
            version,
            fields: form,
        },
    )
}

fn field_errors(e: &StoreError) -> Vec<mang_domain::registry::FieldError> {
    match e {
        StoreError::Fields(errs) => errs.clone(),
        _ => Vec::new(),
    }
}

async fn create(
    State(st): State<AppState>,
    m: MaybeUser,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (csrf, input) = form_input(form);
    check_csrf(&u, &csrf)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    match households::create(&st.store, &scoped, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(e @ StoreError::Fields(_)) => {
            render_new(
                &st,
                &u,
                input.fields,
                field_errors(&e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

async fn edit_form(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    render_edit(&st, &u, id, None, Vec::new(), None, StatusCode::OK).await
}

async fn render_edit(
    st: &AppState,
    u: &SignedIn,
    id: i64,
    typed: Option<BTreeMap<String, String>>,
    errors: Vec<mang_domain::registry::FieldError>,
    form_error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = principal(u);
    let view_scope = p.scoped::<ViewChildRecord>().map_err(|_| denied(u))?;
    let h = mang_store::registry::get_household(&st.store, &view_scope, id)
        .await
        .map_err(|e| store_fail(u, e))?;
    let path = mang_domain::units::UnitPath {
        province: Some(h.province_code.clone()),
        commune: Some(h.commune_code.clone()),
        village: h.village_code.clone(),
    };
    p.authorize::<EditChildRecord>(&path)
        .map_err(|_| denied(u))?;
    let latest = h.poverty.first();
    let mut values = BTreeMap::from([
        (
            "village_code".to_owned(),
            h.village_code.clone().unwrap_or_default(),
        ),
        ("head_name".to_owned(), h.head_name.clone()),
        ("address".to_owned(), h.address.clone()),
        ("phone".to_owned(), h.phone.clone().unwrap_or_default()),
        (
            "poverty_year".to_owned(),
            latest.map(|p| p.year.to_string()).unwrap_or_default(),
        ),
        (
            "poverty_status".to_owned(),
            latest
                .and_then(|p| PovertyStatus::parse(&p.status))
                .map(|s| s.label_vi().to_owned())
                .unwrap_or_default(),
        ),
    ]);
    if let Some(t) = typed {
        values.extend(t);
    }
    let form_error = form_error.or_else(|| {
        (!errors.is_empty())
            .then(|| format!("Chưa lưu: {} trường cần sửa (xem bên dưới)", errors.len()))
    });
    let view = FormPage {
        layout: layout(u, "/households"),
        title: format!("Sửa hộ gia đình {}", h.code),
        action: format!("/households/{id}/edit"),
        version: Some(h.version),
        form_error,
        fields: form_fields(st, &h.commune_code, &values, &errors, false).await,
        cancel: format!("/households/{id}"),
    };
    Ok((status, render(&view)).into_response())
}

async fn update(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let (csrf, input) = form_input(form);
    check_csrf(&u, &csrf)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    match households::update(&st.store, &scoped, id, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(e @ StoreError::Fields(_)) => {
            render_edit(
                &st,
                &u,
                id,
                Some(input.fields),
                field_errors(&e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ StoreError::StaleVersion { .. }) => {
            // Show the stored record (not what was typed) with the conflict message.
            render_edit(
                &st,
                &u,
                id,
                None,
                Vec::new(),
                Some(crate::error::classify(&e).1),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(store_fail(&u, e)),
    }
}

pub struct BookRow {
    pub id: i64,
    pub full_name: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub ethnicity: String,
    pub personal_id: String,
    pub insurance: String,
    pub circumstances: String,
    pub disability: String,
    pub school: String,
    pub caregivers: String,
    pub events: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "household_book.html")]
struct BookPage {
    layout: Layout,
    h: mang_store::registry::Household,
    village: String,
    poverty: String,
    rows: Vec<BookRow>,
    printed: String,
}

async fn book(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let scoped = principal(&u)
        .scoped::<ViewChildRecord>()
        .map_err(|_| denied(&u))?;
    let b = households::book(&st.store, &scoped, id)
        .await
        .map_err(|e| store_fail(&u, e))?;
    let rows = b
        .children
        .into_iter()
        .map(|x| {
            let c = x.child;
            BookRow {
                id: c.id,
                sex: if c.sex == "female" { "Nữ" } else { "Nam" },
                birth_date: vi::iso_date(&c.birth_date),
                ethnicity: c.ethnicity.clone().unwrap_or_default(),
                personal_id: c.personal_id.clone().unwrap_or_default(),
                insurance: match (&c.insurance_card, &c.insurance_valid_to) {
                    (Some(card), Some(to)) => format!("{card} (đến {})", vi::iso_date(to)),
                    (Some(card), None) => card.clone(),
                    _ => String::new(),
                },
                circumstances: x.circumstances.join("; "),
                disability: [c.disability_type.clone(), c.disability_severity.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                school: c.school_status.clone().unwrap_or_default(),
                caregivers: x
                    .caregivers
                    .iter()
                    .filter(|g| g.ended_at.is_none())
                    .map(|g| format!("{} ({})", g.full_name, g.relationship_label))
                    .collect::<Vec<_>>()
                    .join("; "),
                events: x
                    .events
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            EventKind::parse(&e.kind)
                                .map(EventKind::label_vi)
                                .unwrap_or(""),
                            vi::iso_date(&e.event_date)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                status: ChildStatus::parse(&c.status)
                    .unwrap_or(ChildStatus::Active)
                    .label_vi(),
                full_name: c.full_name,
            }
        })
        .collect();
    let h = b.household;
    let view = BookPage {
        layout: layout(&u, "/households"),
        village: h.village_name.clone().unwrap_or_default(),
        poverty: h
            .poverty
            .iter()
            .map(|p| poverty_label(Some(&p.status), Some(p.year)))
            .collect::<Vec<_>>()
            .join(", "),
        rows,
        printed: vi::date(crate::api::today()),
        h,
    };
    Ok(render(&view))
}
