//! Births: the newborn record of a child, added to an existing record (health station)
//! or together with a new child record in a household (commune officer) in one
//! transaction. A hepatitis B dose within 24 hours is also recorded as the schedule's
//! birth dose.

use crate::audit::{self, Actor};
use crate::registry::{Child, child_in_tx, insert_child};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{EditChildRecord, RecordHealthData, Scoped, ViewChildRecord};
use mang_domain::births::{self, Birth, RawBirth};
use mang_domain::registry::{RawChild, parse_child};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Input for a birth (yes/no as `1`/`0`; screening codes comma-separated:
/// `hypothyroidism`, `g6pd`, `cah`, `pku`, `galactosemia`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewBirth {
    /// `facility`, `home`, `other`.
    pub place: String,
    pub birth_weight_g: String,
    pub gestational_weeks: String,
    /// Early essential newborn care (chăm sóc thiết yếu sớm).
    pub eenc: String,
    pub breastfed_1h: String,
    pub vitamin_k1: String,
    pub hepb_24h: String,
    pub screening: String,
}

impl NewBirth {
    fn raw(&self) -> RawBirth {
        RawBirth {
            place: self.place.clone(),
            birth_weight_g: self.birth_weight_g.clone(),
            gestational_weeks: self.gestational_weeks.clone(),
            eenc: self.eenc.clone(),
            breastfed_1h: self.breastfed_1h.clone(),
            vitamin_k1: self.vitamin_k1.clone(),
            hepb_24h: self.hepb_24h.clone(),
            screening: self.screening.clone(),
        }
    }
}

/// A birth with a child record to create (the child's fields as in the registry).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewBirthWithChild {
    #[schema(value_type = Object)]
    pub child: RawChild,
    pub birth: NewBirth,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BirthRecord {
    pub child_id: i64,
    pub place: String,
    pub birth_weight_g: Option<i64>,
    pub gestational_weeks: Option<i64>,
    pub low_birth_weight: bool,
    pub preterm: bool,
    pub eenc: bool,
    pub breastfed_1h: bool,
    pub vitamin_k1: bool,
    pub hepb_24h: bool,
    pub screening: Vec<String>,
}

async fn insert(tx: &mut crate::Tx, c: &Child, b: &Birth, by: &str) -> Result<()> {
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_births WHERE child_id = $1")
        .bind(c.id)
        .fetch_one(&mut **tx)
        .await?;
    if taken > 0 {
        return Err(StoreError::Conflict {
            field: "child_id",
            message: "Đã có thông tin khi sinh của trẻ này".into(),
        });
    }
    sqlx::query(
        "INSERT INTO child_births (child_id, birth_place, birth_weight_g, gestational_weeks, eenc, breastfed_1h, \
         vitamin_k1, hepb_24h, screening, recorded_by, province_code, commune_code, village_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(c.id)
    .bind(b.place)
    .bind(b.birth_weight_g)
    .bind(b.gestational_weeks)
    .bind(i64::from(b.eenc))
    .bind(i64::from(b.breastfed_1h))
    .bind(i64::from(b.vitamin_k1))
    .bind(i64::from(b.hepb_24h))
    .bind(b.screening.join(","))
    .bind(by.to_owned())
    .bind(c.province_code.clone())
    .bind(c.commune_code.clone())
    .bind(c.village_code.clone())
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    if b.hepb_24h {
        sqlx::query(
            "INSERT INTO child_doses (child_id, antigen, dose, given_on, place, note, recorded_by, \
             province_code, commune_code, village_code, created_at) \
             VALUES ($1, 'hepb0', 1, $2, $3, NULL, $4, $5, $6, $7, $8)",
        )
        .bind(c.id)
        .bind(c.birth_date.clone())
        .bind(births::PLACES.iter().find(|p| p.0 == b.place).map(|p| p.1))
        .bind(by.to_owned())
        .bind(c.province_code.clone())
        .bind(c.commune_code.clone())
        .bind(c.village_code.clone())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn summary(b: &Birth) -> String {
    format!(
        "{}{}{}",
        births::PLACES
            .iter()
            .find(|p| p.0 == b.place)
            .map_or("", |p| p.1),
        b.birth_weight_g
            .map(|w| format!(", {} g", mang_domain::vi::number(w)))
            .unwrap_or_default(),
        b.gestational_weeks
            .map(|w| format!(", {w} tuần"))
            .unwrap_or_default()
    )
}

/// Add the birth record of a child already on the register (health station).
pub async fn record(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    child_id: i64,
    input: &NewBirth,
) -> Result<()> {
    let b = births::check(&input.raw()).map_err(StoreError::Fields)?;
    let mut tx = store.begin_write().await?;
    let (c, grant) = crate::registry::child_for_edit(&mut tx, scoped, child_id).await?;
    insert(&mut tx, &c, &b, &grant.actor().username).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "birth",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "birth": { "old": "", "new": summary(&b) } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A birth that creates the child's record in a household (commune officer): the child
/// and the birth in one transaction.
pub async fn record_with_child(
    store: &Store,
    scoped: &Scoped<EditChildRecord>,
    household_id: i64,
    input: &NewBirthWithChild,
    today: time::Date,
) -> Result<Child> {
    let rec = parse_child(&input.child, today);
    let b = births::check(&input.birth.raw());
    let rec = match (rec, b) {
        (Ok(rec), Ok(b)) => (rec, b),
        (r, b) => {
            let mut errors = r.err().unwrap_or_default();
            errors.extend(b.err().unwrap_or_default());
            return Err(StoreError::Fields(errors));
        }
    };
    let (rec, b) = rec;
    let mut tx = store.begin_write().await?;
    let id = insert_child(&mut tx, scoped, household_id, &rec).await?;
    let c = child_in_tx(&mut tx, id).await?;
    let grant = scoped.grant(&c.path()).map_err(|_| StoreError::NotFound)?;
    insert(&mut tx, &c, &b, &grant.actor().username).await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "birth",
        "child",
        &id.to_string(),
        serde_json::json!({ "birth": { "old": "", "new": summary(&b) } }),
    )
    .await?;
    let after = child_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// The child's birth record, if any. The caller has read the child (audited) already.
pub async fn of_child(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    c: &Child,
) -> Result<Option<BirthRecord>> {
    scoped.grant(&c.path()).map_err(|_| StoreError::NotFound)?;
    let r = sqlx::query(
        "SELECT birth_place, birth_weight_g, gestational_weeks, eenc, breastfed_1h, vitamin_k1, hepb_24h, screening \
         FROM child_births WHERE child_id = $1",
    )
    .bind(c.id)
    .fetch_optional(store.pool())
    .await?;
    Ok(r.map(|r| {
        let w: Option<i64> = r.get(1);
        let g: Option<i64> = r.get(2);
        BirthRecord {
            child_id: c.id,
            place: r.get(0),
            birth_weight_g: w,
            gestational_weeks: g,
            low_birth_weight: w.is_some_and(|w| w < 2500),
            preterm: g.is_some_and(|g| g < 37),
            eenc: r.get::<i64, _>(3) == 1,
            breastfed_1h: r.get::<i64, _>(4) == 1,
            vitamin_k1: r.get::<i64, _>(5) == 1,
            hepb_24h: r.get::<i64, _>(6) == 1,
            screening: r
                .get::<String, _>(7)
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }))
}
