//! Deaths of children: recorded on a child's record (the record moves to "died" with a
//! life event, in the same transaction) or for a commune when the child was not on the
//! register; listed per commune and year with the counts the mortality indicators use.

use crate::audit::{self, Actor};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{RecordHealthData, Scoped, ViewChildRecord};
use mang_domain::deaths::{self, Cause, Death, Place, RawDeath};
use mang_domain::life::{ChildStatus, RawEvent};
use mang_domain::units::UnitPath;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

/// Input for a death (dates dd/mm/yyyy; codes or Vietnamese labels).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewDeath {
    pub date: String,
    /// `perinatal`, `congenital`, `pneumonia`, `diarrhoea`, `other_infection`,
    /// `malnutrition`, `drowning`, `traffic`, `other_injury`, `other`, `unknown`.
    pub cause: String,
    /// `facility`, `home`, `transit`, `other`.
    pub place: String,
    /// Only for a child not on the register: `Nam`/`Nữ`, birth date, village.
    pub sex: String,
    pub birth_date: String,
    pub village_code: String,
    pub note: String,
}

impl NewDeath {
    fn raw(&self) -> RawDeath {
        RawDeath {
            date: self.date.clone(),
            cause: self.cause.clone(),
            place: self.place.clone(),
            sex: self.sex.clone(),
            birth_date: self.birth_date.clone(),
            note: self.note.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeathRow {
    pub id: i64,
    pub child_id: Option<i64>,
    pub child_name: Option<String>,
    /// ISO dates.
    pub death_date: String,
    pub birth_date: String,
    pub age_days: i64,
    pub sex: String,
    pub cause: String,
    pub cause_label: String,
    pub place: String,
    pub place_label: String,
}

/// A year's deaths of a commune or village, with the counts of the mortality indicators.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeathList {
    pub deaths: Vec<DeathRow>,
    pub neonatal: usize,
    pub under_1: usize,
    pub under_5: usize,
}

async fn insert(
    tx: &mut crate::Tx,
    child_id: Option<i64>,
    d: &Death,
    by: &str,
    path: &UnitPath,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO child_deaths (child_id, death_date, birth_date, age_days, sex, cause, place, note, \
         recorded_by, province_code, commune_code, village_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(child_id)
    .bind(d.date.to_string())
    .bind(d.birth_date.to_string())
    .bind(d.age_days)
    .bind(d.sex)
    .bind(d.cause.as_str())
    .bind(d.place.as_str())
    .bind(d.note.clone())
    .bind(by.to_owned())
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(path.village.clone())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?
    .get(0))
}

fn summary(d: &Death) -> String {
    format!(
        "ngày {} ({} ngày tuổi), {}, {}",
        mang_domain::vi::date(d.date),
        d.age_days,
        d.cause.label_vi(),
        d.place.label_vi()
    )
}

/// Record the death of a child on the register: the death, the life event "died" and the
/// record's new status, audited, in one transaction.
pub async fn record_for_child(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    child_id: i64,
    input: &NewDeath,
    today: time::Date,
) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let (c, grant) = crate::registry::child_for_edit(&mut tx, scoped, child_id).await?;
    let birth = mang_domain::registry::parse_date(&c.birth_date).unwrap_or(today);
    let sex = if c.sex == "female" { "female" } else { "male" };
    let d = deaths::check(&input.raw(), Some((sex, birth)), today).map_err(StoreError::Fields)?;
    let status = ChildStatus::parse(&c.status).unwrap_or(ChildStatus::Active);
    let ev = mang_domain::life::check_event(
        &RawEvent {
            kind: "died".into(),
            date: d.date.to_string(),
            place: d.place.label_vi().into(),
            note: d.cause.label_vi().into(),
        },
        status,
        birth,
        today,
    )
    .map_err(|_| StoreError::Conflict {
        field: "status",
        message: format!("Hồ sơ «{}» không ghi tử vong được.", status.label_vi()),
    })?;
    let id = insert(
        &mut tx,
        Some(child_id),
        &d,
        &grant.actor().username,
        &c.path(),
    )
    .await?;
    crate::life::write_event(&mut tx, &c, &grant.actor().username, &ev, status).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "death",
        "child",
        &child_id.to_string(),
        serde_json::json!({
            "status": { "old": status.as_str(), "new": ev.status_after.as_str() },
            "death": { "old": "", "new": summary(&d) },
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Record the death of a child who was not on the register, in a commune (or village) of
/// the caller's scope.
pub async fn record_for_unit(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    unit: &crate::units::Unit,
    input: &NewDeath,
    today: time::Date,
) -> Result<i64> {
    let path = crate::units::path_in_commune(store, unit, &input.village_code).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let d = deaths::check(&input.raw(), None, today).map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let id = insert(&mut tx, None, &d, &grant.actor().username, &path).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "death",
        &id.to_string(),
        serde_json::json!({ "death": summary(&d), "sex": d.sex }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A year's deaths of a commune or village, newest first; the view audited.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    unit: &crate::units::Unit,
    year: i32,
) -> Result<DeathList> {
    let path = unit.path();
    if !scoped.scope().contains(&path) {
        return Err(StoreError::NotFound);
    }
    let scope = mang_domain::access::Scope::new(&unit.code(), &path);
    let (cond, vals) = scope_filter(&scope, "d", 3);
    let mut all = vec![
        Val::Text(format!("{year}-01-01")),
        Val::Text(format!("{year}-12-31")),
    ];
    all.extend(vals);
    let rows = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT d.id, d.child_id, c.full_name AS child_name, d.death_date, d.birth_date, d.age_days, d.sex, d.cause, d.place \
             FROM child_deaths d LEFT JOIN children c ON c.id = d.child_id \
             WHERE d.death_date >= $1 AND d.death_date <= $2 AND {cond} ORDER BY d.death_date DESC, d.id DESC"
        ))),
        all,
    )
    .fetch_all(store.pool())
    .await?;
    let deaths: Vec<DeathRow> = rows
        .iter()
        .map(|r| {
            let (cause, place): (String, String) = (r.get("cause"), r.get("place"));
            DeathRow {
                id: r.get("id"),
                child_id: r.get("child_id"),
                child_name: r.get("child_name"),
                death_date: r.get("death_date"),
                birth_date: r.get("birth_date"),
                age_days: r.get("age_days"),
                sex: r.get("sex"),
                cause_label: Cause::parse(&cause).map_or("", Cause::label_vi).into(),
                place_label: Place::parse(&place).map_or("", Place::label_vi).into(),
                cause,
                place,
            }
        })
        .collect();
    let count = |days: i64| deaths.iter().filter(|d| d.age_days < days).count();
    let out = DeathList {
        neonatal: count(28),
        under_1: count(365),
        under_5: count(1826),
        deaths,
    };
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &path,
        "view",
        "death_list",
        unit.code().as_str(),
        serde_json::json!({ "year": year, "rows": out.deaths.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
