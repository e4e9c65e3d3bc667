//! The parts of the child page about what happens to the child: life events (biến động),
//! caregivers, the police check of the personal ID and a manual name split. Forms post
//! here and come back to the child page (with the section's error when refused).

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::pages::{PageError, check_csrf, denied, principal, require, store_fail};
use crate::registry_pages::child_form_outcome;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use axum::routing::post;
use mang_domain::access::{EditChildRecord, Scoped, VerifyPersonalId, ViewChildRecord};
use mang_domain::life::{ChildStatus, EVENT_KINDS, EventKind, RELATIONSHIPS};
use mang_domain::names::NameParts;
use mang_domain::vi;
use mang_store::life::{self, NameSplit, NewCaregiver, NewEvent};
use mang_store::registry::Child;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children/{id}/events", post(add_event))
        .route("/children/{id}/caregivers", post(add_caregiver))
        .route("/caregivers/{id}/end", post(end_caregiver))
        .route("/children/{id}/verify-id", post(verify_id))
        .route("/children/{id}/name-parts", post(name_parts))
}

pub struct EventRow {
    pub kind: &'static str,
    pub date: String,
    pub place: String,
    pub note: String,
    pub by: String,
}

pub struct CaregiverRow {
    pub id: i64,
    pub full_name: String,
    pub relationship: String,
    pub birth_year: String,
    pub phone: String,
    pub lives_with: bool,
    pub ended: String,
}

/// What the child page shows and offers about life events and caregivers.
pub struct LifeView {
    pub error: Option<String>,
    pub events: Vec<EventRow>,
    pub caregivers: Vec<CaregiverRow>,
    /// Events that can be recorded now, as (code, label).
    pub event_kinds: Vec<(&'static str, &'static str)>,
    pub relationships: Vec<(&'static str, &'static str)>,
    pub may_edit: bool,
    pub may_verify_id: bool,
    pub family: String,
    pub middle: String,
    pub given: String,
    pub manual_split: bool,
}

pub(crate) async fn life_view(
    st: &AppState,
    u: &SignedIn,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
    error: Option<String>,
) -> Result<LifeView, PageError> {
    let p = principal(u);
    let events = life::events_of(&st.store, scoped, c)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|e| EventRow {
            kind: EventKind::parse(&e.kind)
                .map(EventKind::label_vi)
                .unwrap_or("—"),
            date: vi::iso_date(&e.event_date),
            place: e.place.unwrap_or_default(),
            note: e.note.unwrap_or_default(),
            by: e.recorded_by,
        })
        .collect();
    let caregivers = life::caregivers_of(&st.store, scoped, c)
        .await
        .map_err(|e| store_fail(u, e))?
        .into_iter()
        .map(|g| CaregiverRow {
            id: g.id,
            full_name: g.full_name,
            relationship: g.relationship_label,
            birth_year: g.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            phone: g.phone.unwrap_or_default(),
            lives_with: g.lives_with,
            ended: g.ended_at.as_deref().map(vi::iso_date).unwrap_or_default(),
        })
        .collect();
    let status = ChildStatus::parse(&c.status).unwrap_or(ChildStatus::Active);
    let event_kinds = EVENT_KINDS
        .into_iter()
        .filter(|k| match status {
            ChildStatus::Active => true,
            ChildStatus::MovedOut => matches!(k, EventKind::MovedIn | EventKind::Died),
            _ => false,
        })
        .map(|k| (k.as_str(), k.label_vi()))
        .collect();
    let parts = NameParts::of_record(&c.full_name, c.name_parts.as_deref());
    Ok(LifeView {
        error,
        events,
        caregivers,
        event_kinds,
        relationships: RELATIONSHIPS
            .into_iter()
            .map(|r| (r.as_str(), r.label_vi()))
            .collect(),
        may_edit: p.authorize::<EditChildRecord>(&c.path()).is_ok()
            && c.status != mang_domain::merge::MERGED,
        may_verify_id: c.personal_id.is_some()
            && p.authorize::<VerifyPersonalId>(&c.path()).is_ok(),
        family: parts.family,
        middle: parts.middle,
        given: parts.given,
        manual_split: c.name_parts.is_some(),
    })
}

#[derive(serde::Deserialize)]
struct WithCsrf<T> {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: T,
}

fn editor(u: &SignedIn) -> Result<Scoped<EditChildRecord>, PageError> {
    principal(u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(u))
}

/// Forms with a version are not flattened (serde cannot read numbers from a flattened form).
#[derive(serde::Deserialize)]
struct EventForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    note: String,
}

async fn add_event(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<EventForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = editor(&u)?;
    let input = NewEvent {
        version: f.version,
        kind: f.kind,
        date: f.date,
        place: f.place,
        note: f.note,
    };
    let r = life::add_event(&st.store, &scoped, id, &input, crate::api::today())
        .await
        .map(|c| c.id);
    child_form_outcome(&st, &u, id, "life", r).await
}

async fn add_caregiver(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<WithCsrf<NewCaregiver>>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = editor(&u)?;
    let r = life::add_caregiver(&st.store, &scoped, id, &f.input, crate::api::today())
        .await
        .map(|g| g.child_id);
    child_form_outcome(&st, &u, id, "life", r).await
}

#[derive(serde::Deserialize)]
struct EndForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    child_id: i64,
}

async fn end_caregiver(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = editor(&u)?;
    let r = life::end_caregiver(&st.store, &scoped, id, crate::api::today()).await;
    child_form_outcome(&st, &u, f.child_id, "life", r).await
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn verify_id(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = principal(&u)
        .scoped::<VerifyPersonalId>()
        .map_err(|_| denied(&u))?;
    let r = life::verify_personal_id(&st.store, &scoped, id)
        .await
        .map(|c| c.id);
    child_form_outcome(&st, &u, id, "life", r).await
}

#[derive(serde::Deserialize)]
struct SplitForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    family: String,
    #[serde(default)]
    given: String,
}

async fn name_parts(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(id): Path<i64>,
    Form(f): Form<SplitForm>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    check_csrf(&u, &f.csrf)?;
    let scoped = editor(&u)?;
    let input = NameSplit {
        version: f.version,
        family: f.family,
        given: f.given,
    };
    let r = life::set_name_parts(&st.store, &scoped, id, &input)
        .await
        .map(|c| c.id);
    child_form_outcome(&st, &u, id, "life", r).await
}
