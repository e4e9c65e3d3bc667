//! Growth measurements of children under five: recorded by the health station (audited on
//! the child), read back with their WHO z-scores and nutrition status computed on reading.

use crate::audit::{self, Actor};
use crate::registry::Child;
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{RecordHealthData, Scoped, ViewChildRecord};
use mang_domain::anthro::{Measure, Score, Sex};
use mang_domain::growth::{self, GrowthMeasurement, RawMeasurement};
use mang_domain::registry::parse_date;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Input for a measurement (numbers with a decimal comma or point).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(default)]
pub struct NewMeasurement {
    /// dd/mm/yyyy.
    pub date: String,
    pub weight_kg: String,
    /// Length (lying) or height (standing), cm.
    pub lenhei_cm: String,
    /// `l` lying, `h` standing, empty if not known.
    pub measure: String,
    /// `1` if bilateral pitting oedema.
    pub oedema: String,
    /// Mid-upper arm circumference, cm.
    pub muac_cm: String,
    pub headc_cm: String,
}

impl NewMeasurement {
    fn raw(&self) -> RawMeasurement {
        RawMeasurement {
            date: self.date.clone(),
            weight_kg: self.weight_kg.clone(),
            lenhei_cm: self.lenhei_cm.clone(),
            measure: self.measure.clone(),
            oedema: self.oedema.clone(),
            muac_cm: self.muac_cm.clone(),
            headc_cm: self.headc_cm.clone(),
        }
    }
}

/// A z-score rounded to 2 decimals, with WHO's implausibility flag.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Z {
    pub z: f64,
    pub flagged: bool,
}

fn z(s: Option<Score>) -> Option<Z> {
    s.map(|s| Z {
        z: s.z.value(),
        flagged: s.flagged,
    })
}

/// A measurement with its assessment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeasurementRow {
    pub id: i64,
    /// ISO date.
    pub measured_on: String,
    pub age_days: i64,
    pub age_label: String,
    pub weight_kg: Option<f64>,
    pub lenhei_cm: Option<f64>,
    /// The length/height after the WHO 0.7 cm position conversion (`clenhei`): lengths
    /// under 24 months, heights from 24 months. The weight-for-length/height chart's x.
    pub clenhei_cm: Option<f64>,
    pub measure: String,
    pub oedema: bool,
    pub muac_cm: Option<f64>,
    pub headc_cm: Option<f64>,
    /// Weight-for-age.
    pub zwei: Option<Z>,
    /// Length/height-for-age.
    pub zlen: Option<Z>,
    /// Weight-for-length/height.
    pub zwfl: Option<Z>,
    pub zbmi: Option<Z>,
    pub zhc: Option<Z>,
    pub zac: Option<Z>,
    /// "Nhẹ cân; Thấp còi", "Bình thường"…
    pub status: String,
}

pub(crate) fn sex_of(child: &Child) -> Sex {
    if child.sex == "female" {
        Sex::Female
    } else {
        Sex::Male
    }
}

/// The assessment of a measurement of a child (also for the entry form, before saving).
pub fn assess_row(sex: Sex, birth: time::Date, id: i64, m: &GrowthMeasurement) -> MeasurementRow {
    let a = growth::assess(sex, birth, m);
    MeasurementRow {
        id,
        measured_on: m.date.to_string(),
        age_days: a.age_days,
        age_label: growth::age_vi(a.age_days),
        weight_kg: m.weight_kg,
        lenhei_cm: m.lenhei_cm,
        clenhei_cm: a.output.clenhei,
        measure: match m.measure {
            Measure::Lying => "l",
            Measure::Standing => "h",
            Measure::Unknown => "",
        }
        .into(),
        oedema: m.oedema,
        muac_cm: m.muac_cm,
        headc_cm: m.headc_cm,
        zwei: z(a.output.wei),
        zlen: z(a.output.len),
        zwfl: z(a.output.wfl),
        zbmi: z(a.output.bmi),
        zhc: z(a.output.hc),
        zac: z(a.output.ac),
        status: growth::status_vi(&a.nutrition),
    }
}

/// Check and assess a measurement without saving it, from the child's sex (`male` /
/// `female`) and birth date alone: the entry form's z-scores while typing. Pure
/// computation: reads and writes nothing.
pub fn assess(
    sex: &str,
    birth: &str,
    input: &NewMeasurement,
    today: time::Date,
) -> Result<MeasurementRow> {
    let sex = match sex {
        "male" => Sex::Male,
        "female" => Sex::Female,
        _ => {
            return Err(StoreError::Fields(vec![
                mang_domain::registry::FieldError {
                    field: "sex",
                    message: "Giới tính phải là male hoặc female".into(),
                },
            ]));
        }
    };
    let birth = parse_date(birth).ok_or_else(|| {
        StoreError::Fields(vec![mang_domain::registry::FieldError {
            field: "birth",
            message: "Ngày sinh không hợp lệ".into(),
        }])
    })?;
    let m = growth::check(&input.raw(), birth, today).map_err(StoreError::Fields)?;
    Ok(assess_row(sex, birth, 0, &m))
}

/// Record a measurement of a child in the caller's scope; audited on the child.
pub async fn record(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    child_id: i64,
    input: &NewMeasurement,
    today: time::Date,
) -> Result<MeasurementRow> {
    let mut tx = store.begin_write().await?;
    let (c, grant) = crate::registry::child_for_edit(&mut tx, scoped, child_id).await?;
    let path = c.path();
    let birth = parse_date(&c.birth_date).unwrap_or(today);
    let sex = sex_of(&c);
    let m = growth::check(&input.raw(), birth, today).map_err(StoreError::Fields)?;
    let row = assess_row(sex, birth, 0, &m);
    let id: i64 = sqlx::query(
        "INSERT INTO child_measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, oedema, muac_cm, headc_cm, \
         recorded_by, province_code, commune_code, village_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(child_id)
    .bind(m.date.to_string())
    .bind(m.weight_kg)
    .bind(m.lenhei_cm)
    .bind(row.measure.clone())
    .bind(i64::from(m.oedema))
    .bind(m.muac_cm)
    .bind(m.headc_cm)
    .bind(grant.actor().username.clone())
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(path.village.clone())
    .bind(now_text())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    let num = |v: Option<f64>| {
        v.map(mang_domain::vi::decimal)
            .unwrap_or_else(|| "—".into())
    };
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "measurement",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "measurement": { "old": "", "new": format!(
            "ngày {}: {} kg, {} cm — {}",
            mang_domain::vi::date(m.date),
            num(m.weight_kg),
            num(m.lenhei_cm),
            row.status
        ) } }),
    )
    .await?;
    tx.commit().await?;
    Ok(MeasurementRow { id, ..row })
}

/// The child's measurements with their assessment, oldest first. The caller has read the
/// child (audited) already.
pub async fn of_child(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child: &Child,
) -> Result<Vec<MeasurementRow>> {
    scoped
        .grant(&child.path())
        .map_err(|_| StoreError::NotFound)?;
    let Some(birth) = parse_date(&child.birth_date) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(
        "SELECT id, measured_on, weight_kg, lenhei_cm, measure, oedema, muac_cm, headc_cm \
         FROM child_measurements WHERE child_id = $1 ORDER BY measured_on, id",
    )
    .bind(child.id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let m = GrowthMeasurement {
                date: parse_date(&r.get::<String, _>("measured_on"))?,
                weight_kg: r.get("weight_kg"),
                lenhei_cm: r.get("lenhei_cm"),
                measure: Measure::parse(&r.get::<String, _>("measure")).unwrap_or_default(),
                oedema: r.get::<i64, _>("oedema") == 1,
                muac_cm: r.get("muac_cm"),
                headc_cm: r.get("headc_cm"),
            };
            Some(assess_row(sex_of(child), birth, r.get("id"), &m))
        })
        .collect())
}
