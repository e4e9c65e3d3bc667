//! Injuries and accidents: recorded on a child's record, or for a commune when the child is
//! not on the register; listed per commune and year. Every write and list is audited.

use crate::audit::{self, Actor};
use crate::registry::Child;
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{RecordHealthData, Scoped, ViewChildRecord};
use mang_domain::injuries::{self, Injury, Kind, Outcome, Place, RawInjury};
use mang_domain::units::UnitPath;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

/// Input for an injury (dates dd/mm/yyyy; codes or Vietnamese labels).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewInjury {
    pub date: String,
    /// `drowning`, `traffic`, `fall`, `burn`, `poisoning`, `choking`, `animal_bite`,
    /// `electric_shock`, `violence`, `other`.
    pub kind: String,
    /// `home`, `school`, `water_body`, `road`, `farm`, `other`.
    pub place: String,
    /// `treated`, `hospitalised`, `disability`, `death`.
    pub outcome: String,
    /// Only for a child not on the register: `Nam`/`Nữ` and age in years.
    pub sex: String,
    pub age_years: String,
    /// Only for a child not on the register: the village, if known.
    pub village_code: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InjuryRow {
    pub id: i64,
    pub child_id: Option<i64>,
    pub child_name: Option<String>,
    /// ISO date.
    pub injury_date: String,
    pub kind: String,
    pub kind_label: String,
    pub place: String,
    pub place_label: String,
    pub outcome: String,
    pub outcome_label: String,
    pub sex: String,
    pub age_years: i64,
    pub village_code: Option<String>,
}

const COLS: &str = "i.id, i.child_id, c.full_name AS child_name, i.injury_date, i.kind, i.place, \
    i.outcome, i.sex, i.age_years, i.village_code";

fn row(r: &sqlx::any::AnyRow) -> InjuryRow {
    let (kind, place, outcome): (String, String, String) =
        (r.get("kind"), r.get("place"), r.get("outcome"));
    InjuryRow {
        id: r.get("id"),
        child_id: r.get("child_id"),
        child_name: r.get("child_name"),
        injury_date: r.get("injury_date"),
        kind_label: Kind::parse(&kind).map_or("", Kind::label_vi).into(),
        place_label: Place::parse(&place).map_or("", Place::label_vi).into(),
        outcome_label: Outcome::parse(&outcome)
            .map_or("", Outcome::label_vi)
            .into(),
        kind,
        place,
        outcome,
        sex: r.get("sex"),
        age_years: r.get("age_years"),
        village_code: r.get("village_code"),
    }
}

fn raw(input: &NewInjury) -> RawInjury {
    RawInjury {
        date: input.date.clone(),
        kind: input.kind.clone(),
        place: input.place.clone(),
        outcome: input.outcome.clone(),
        sex: input.sex.clone(),
        age_years: input.age_years.clone(),
        note: input.note.clone(),
    }
}

async fn insert(
    tx: &mut crate::Tx,
    child_id: Option<i64>,
    i: &Injury,
    by: &str,
    path: &UnitPath,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO child_injuries (child_id, injury_date, kind, place, outcome, sex, age_years, note, \
         recorded_by, province_code, commune_code, village_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(child_id)
    .bind(i.date.to_string())
    .bind(i.kind.as_str())
    .bind(i.place.as_str())
    .bind(i.outcome.as_str())
    .bind(i.sex)
    .bind(i64::from(i.age_years))
    .bind(i.note.clone())
    .bind(by.to_owned())
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(path.village.clone())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?
    .get(0))
}

fn summary(i: &Injury) -> String {
    format!(
        "{} ngày {}, {}, {}",
        i.kind.label_vi(),
        mang_domain::vi::date(i.date),
        i.place.label_vi(),
        i.outcome.label_vi()
    )
}

/// Record an injury of a child on the register (in the caller's scope).
pub async fn record_for_child(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    child_id: i64,
    input: &NewInjury,
    today: time::Date,
) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let (c, grant) = crate::registry::child_for_edit(&mut tx, scoped, child_id).await?;
    let path = c.path();
    let birth = mang_domain::registry::parse_date(&c.birth_date).unwrap_or(today);
    let sex = if c.sex == "female" { "female" } else { "male" };
    let i = injuries::check(&raw(input), Some((sex, birth)), today).map_err(StoreError::Fields)?;
    let id = insert(&mut tx, Some(child_id), &i, &grant.actor().username, &path).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "injury",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "injury": { "old": "", "new": summary(&i) } }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Record an injury of a child who is not on the register, in a commune (or village) of
/// the caller's scope; sex and age are required.
pub async fn record_for_unit(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    unit: &crate::units::Unit,
    input: &NewInjury,
    today: time::Date,
) -> Result<i64> {
    let path = crate::units::path_in_commune(store, unit, &input.village_code).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let i = injuries::check(&raw(input), None, today).map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let id = insert(&mut tx, None, &i, &grant.actor().username, &path).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "injury",
        &id.to_string(),
        serde_json::json!({ "injury": summary(&i), "sex": i.sex, "age_years": i.age_years }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A child's injuries, newest first. The caller has read the child (audited) already.
pub async fn of_child(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child: &Child,
) -> Result<Vec<InjuryRow>> {
    scoped
        .grant(&child.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM child_injuries i LEFT JOIN children c ON c.id = i.child_id \
         WHERE i.child_id = $1 ORDER BY i.injury_date DESC, i.id DESC"
    )))
    .bind(child.id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(row).collect())
}

/// The injuries of a commune or village in a year, newest first; the view audited.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    unit: &crate::units::Unit,
    year: i32,
) -> Result<Vec<InjuryRow>> {
    let path = unit.path();
    if !scoped.scope().contains(&path) {
        return Err(StoreError::NotFound);
    }
    let scope = mang_domain::access::Scope::new(&unit.code(), &path);
    let (cond, vals) = scope_filter(&scope, "i", 3);
    let mut all = vec![
        Val::Text(format!("{year}-01-01")),
        Val::Text(format!("{year}-12-31")),
    ];
    all.extend(vals);
    let rows = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLS} FROM child_injuries i LEFT JOIN children c ON c.id = i.child_id \
             WHERE i.injury_date >= $1 AND i.injury_date <= $2 AND {cond} ORDER BY i.injury_date DESC, i.id DESC"
        ))),
        all,
    )
    .fetch_all(store.pool())
    .await?;
    let out: Vec<InjuryRow> = rows.iter().map(row).collect();
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &path,
        "view",
        "injury_list",
        unit.code().as_str(),
        serde_json::json!({ "year": year, "rows": out.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
