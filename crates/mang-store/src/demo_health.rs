//! Health data for the demo province (`mang demo --health`, and `mang serve --demo`):
//! for the children under five already generated, births with newborn care, vaccine doses
//! with realistic delays and misses, vitamin A, weighings with a realistic share of
//! stunting and underweight (values drawn as WHO z-scores and turned into kilograms and
//! centimetres through the WHO tables), a few deaths (about 6 per 1.000 infants, fewer
//! after the first year; the record moves to "died"), a few injuries and periodic
//! check-ups. Synthetic
//! only; deterministic for a seed and date; written once (a second run adds nothing).

use crate::dialect::{ColType, json_col, json_rows_source};
use crate::{Result, Store, now_text};
use mang_domain::anthro::{Sex, tables};
use mang_domain::immunization::{self as epi, DoseState};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{AssertSqlSafe, Row};
use time::{Date, Duration};

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct HealthDemo {
    pub children: usize,
    pub births: usize,
    pub doses: usize,
    pub measurements: usize,
    pub injuries: usize,
    pub checks: usize,
    pub deaths: usize,
}

fn normal(rng: &mut StdRng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random::<f64>());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

struct Kid {
    id: i64,
    sex: Sex,
    birth: Date,
    path: (String, String, Option<String>),
}

pub async fn run(store: &Store, province: &str, seed: u64, as_of: Date) -> Result<HealthDemo> {
    let done: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM child_doses WHERE recorded_by = 'demo'")
            .fetch_one(store.pool())
            .await?;
    if done > 0 {
        return Ok(HealthDemo::default());
    }
    // Commune by commune, so that only one commune's rows are held at a time; all in one
    // transaction (a second run sees the doses and adds nothing).
    let mut out = HealthDemo::default();
    let t = tables();
    let b = store.backend();
    let src = json_rows_source(b);
    let c = |i, t| json_col(b, i, t);
    let scope_cols =
        |i: usize| format!("j.value -> {i} ->> 0, j.value -> {i} ->> 1, j.value -> {i} ->> 2");
    let now = now_text();
    let mut tx = store.begin_write().await?;
    for commune in crate::units::communes_of(store, province).await? {
        let kids: Vec<Kid> = sqlx::query(
        "SELECT id, sex, birth_date, province_code, commune_code, village_code FROM children \
         WHERE province_code = $1 AND commune_code = $3 AND status = 'active' AND birth_date > $2 ORDER BY id",
    )
    .bind(province)
    .bind((as_of - Duration::days(1826)).to_string())
    .bind(commune.code().to_string())
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .filter_map(|r| {
        Some(Kid {
            id: r.get(0),
            sex: if r.get::<String, _>(1) == "female" {
                Sex::Female
            } else {
                Sex::Male
            },
            birth: mang_domain::registry::parse_date(&r.get::<String, _>(2))?,
            path: (r.get(3), r.get(4), r.get(5)),
        })
    })
    .collect();
        out.children += kids.len();
        let (mut births, mut doses, mut weighings, mut injuries, mut checks) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut deaths = Vec::new();
        for k in &kids {
            let mut rng =
                StdRng::seed_from_u64(seed ^ (k.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let scope = serde_json::json!([k.path.0, k.path.1, k.path.2]);
            let age = (as_of - k.birth).whole_days();
            // Deaths in the last year: infants mostly (perinatal causes, pneumonia), a few
            // older children (drowning, traffic). Nothing else is recorded for them.
            let p_death = if age < 365 { 0.006 } else { 0.0006 };
            if rng.random::<f64>() < p_death {
                let back = rng.random_range(0..age.clamp(1, 330));
                let day = as_of - Duration::days(back);
                let age_days = (day - k.birth).whole_days().max(0);
                let cause = match (age_days, rng.random_range(0..10)) {
                    (0..=27, 0..=6) => "perinatal",
                    (0..=27, _) => "congenital",
                    (28..=364, 0..=4) => "pneumonia",
                    (28..=364, 5..=6) => "diarrhoea",
                    (28..=364, _) => "other_infection",
                    (_, 0..=4) => "drowning",
                    (_, 5..=6) => "traffic",
                    _ => "other_injury",
                };
                deaths.push(serde_json::json!([
                    k.id,
                    day.to_string(),
                    k.birth.to_string(),
                    age_days,
                    if k.sex == Sex::Female {
                        "female"
                    } else {
                        "male"
                    },
                    cause,
                    if age_days < 28 { "facility" } else { "home" },
                    scope
                ]));
                continue;
            }
            // Doses: most on time, some late, some missed; the first missed dose of a vaccine
            // stops its series (as in life).
            let careless = rng.random::<f64>() < 0.08;
            let mut given: Vec<epi::Given> = Vec::new();
            for s in epi::schedule_for(k.birth) {
                let status = epi::status(k.birth, &given, as_of);
                let Some(st) = status
                    .iter()
                    .find(|x| x.scheduled.antigen == s.antigen && x.scheduled.dose == s.dose)
                else {
                    continue;
                };
                if st.state == DoseState::Upcoming
                    || (careless && rng.random::<f64>() < 0.5)
                    || rng.random::<f64>() < 0.04
                {
                    continue;
                }
                let delay = if rng.random::<f64>() < 0.75 {
                    rng.random_range(0..10)
                } else {
                    rng.random_range(10..60)
                };
                let day = st.due + Duration::days(delay);
                if day > as_of {
                    continue;
                }
                given.push(epi::Given {
                    antigen: s.antigen.clone(),
                    dose: s.dose,
                    date: day,
                });
                doses.push(serde_json::json!([
                    k.id,
                    s.antigen,
                    s.dose,
                    day.to_string(),
                    "Trạm y tế xã",
                    scope
                ]));
            }
            if epi::vitamin_a_eligible(k.birth, as_of) && rng.random::<f64>() < 0.85 {
                let half_start = if u8::from(as_of.month()) <= 6 { 1 } else { 7 };
                let day = Date::from_calendar_date(
                    as_of.year(),
                    time::Month::try_from(half_start).unwrap_or(time::Month::June),
                    1,
                )
                .unwrap_or(as_of)
                .max(k.birth + Duration::days(183));
                if day <= as_of {
                    doses.push(serde_json::json!([
                        k.id,
                        epi::VITAMIN_A,
                        1,
                        day.to_string(),
                        "Trạm y tế xã",
                        scope
                    ]));
                }
                // The round before (twice a year), if the child was old enough then.
                let before = if half_start == 1 {
                    Date::from_calendar_date(as_of.year() - 1, time::Month::December, 1)
                } else {
                    Date::from_calendar_date(as_of.year(), time::Month::June, 1)
                };
                if let Ok(before) = before
                    && epi::vitamin_a_eligible(k.birth, before)
                    && rng.random::<f64>() < 0.9
                {
                    doses.push(serde_json::json!([
                        k.id,
                        epi::VITAMIN_A,
                        1,
                        before.to_string(),
                        "Trạm y tế xã",
                        scope
                    ]));
                }
            }
            // Births: for the youngest (recorded since the health module came).
            if age < 365 {
                let weight = (3100.0 + 450.0 * normal(&mut rng))
                    .round()
                    .clamp(1200.0, 4800.0) as i64;
                let weeks = (39.0 + 1.6 * normal(&mut rng)).round().clamp(30.0, 42.0) as i64;
                let facility = rng.random::<f64>() < 0.93;
                births.push(serde_json::json!([
                    k.id,
                    if facility { "facility" } else { "home" },
                    weight,
                    weeks,
                    i64::from(facility && rng.random::<f64>() < 0.85),
                    i64::from(rng.random::<f64>() < 0.75),
                    i64::from(facility && rng.random::<f64>() < 0.9),
                    i64::from(
                        given
                            .iter()
                            .any(|g| g.antigen == "hepb0" && (g.date - k.birth).whole_days() <= 1)
                    ),
                    match rng.random_range(0..100) {
                        0..=69 => "hypothyroidism,g6pd,cah,pku,galactosemia",
                        70..=89 => "g6pd,hypothyroidism",
                        _ => "",
                    },
                    scope
                ]));
            }
            // Weighings: one or two, z-scores drawn around the province's means (HAZ −0.9,
            // WAZ −0.7: about 20 % stunted and 12 % underweight), turned into values.
            let haz_base = -0.9 + 1.1 * normal(&mut rng);
            let waz_base = 0.6 * haz_base - 0.15 + 0.8 * normal(&mut rng);
            for back in [0i64, 180] {
                let day = as_of - Duration::days(back + rng.random_range(0..60));
                let age_days = (day - k.birth).whole_days();
                if age_days < 0 || (back > 0 && rng.random::<f64>() < 0.5) {
                    continue;
                }
                let (Some(w), Some(l)) = (
                    t.wfa.get(k.sex).row(age_days as i32),
                    t.lhfa.get(k.sex).row(age_days as i32),
                ) else {
                    continue;
                };
                let kg = (w.at_sd(waz_base + 0.2 * normal(&mut rng)) * 10.0).round() / 10.0;
                let cm = (l.at_sd(haz_base + 0.1 * normal(&mut rng)) * 10.0).round() / 10.0;
                let measure = if age_days < 731 { "l" } else { "h" };
                weighings.push(serde_json::json!([
                    k.id,
                    day.to_string(),
                    kg,
                    cm,
                    measure,
                    scope
                ]));
            }
            if rng.random::<f64>() < 0.006 {
                let kinds = [
                    "fall",
                    "burn",
                    "drowning",
                    "traffic",
                    "animal_bite",
                    "poisoning",
                ];
                let kind = kinds[rng.random_range(0..kinds.len())];
                let place = match kind {
                    "drowning" => "water_body",
                    "traffic" => "road",
                    _ => "home",
                };
                let day = as_of - Duration::days(rng.random_range(0..300));
                if day > k.birth {
                    let outcome = if kind == "drowning" && rng.random::<f64>() < 0.3 {
                        "hospitalised"
                    } else {
                        "treated"
                    };
                    injuries.push(serde_json::json!([
                        k.id,
                        day.to_string(),
                        kind,
                        place,
                        outcome,
                        if k.sex == Sex::Female {
                            "female"
                        } else {
                            "male"
                        },
                        mang_domain::registry::age_years(k.birth, day),
                        scope
                    ]));
                }
            }
            if rng.random::<f64>() < 0.7 {
                let day = as_of - Duration::days(rng.random_range(0..200));
                if day > k.birth {
                    let result = if rng.random::<f64>() < 0.9 {
                        "normal"
                    } else {
                        "follow_up"
                    };
                    checks.push(serde_json::json!([k.id, day.to_string(), result, scope]));
                }
            }
        }
        let mut write = async |sql: String, rows: &[serde_json::Value]| -> Result<usize> {
            for part in rows.chunks(5000) {
                sqlx::query(AssertSqlSafe(sql.clone()))
                    .bind(serde_json::Value::Array(part.to_vec()).to_string())
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(rows.len())
        };
        use ColType::{Int, Real, Text};
        out.births += write(
        format!(
            "INSERT INTO child_births (child_id, birth_place, birth_weight_g, gestational_weeks, eenc, breastfed_1h, vitamin_k1, hepb_24h, screening, recorded_by, province_code, commune_code, village_code, created_at) \
             SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, 'demo', {}, $2 FROM {src}",
            c(0, Int), c(1, Text), c(2, Int), c(3, Int), c(4, Int), c(5, Int), c(6, Int), c(7, Int), c(8, Text), scope_cols(9)
        ),
        &births,
    )
    .await?;
        out.doses += write(
        format!(
            "INSERT INTO child_doses (child_id, antigen, dose, given_on, place, note, recorded_by, province_code, commune_code, village_code, created_at) \
             SELECT {}, {}, {}, {}, {}, NULL, 'demo', {}, $2 FROM {src}",
            c(0, Int), c(1, Text), c(2, Int), c(3, Text), c(4, Text), scope_cols(5)
        ),
        &doses,
    )
    .await?;
        out.measurements += write(
        format!(
            "INSERT INTO child_measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, oedema, muac_cm, headc_cm, recorded_by, province_code, commune_code, village_code, created_at) \
             SELECT {}, {}, {}, {}, {}, 0, NULL, NULL, 'demo', {}, $2 FROM {src}",
            c(0, Int), c(1, Text), c(2, Real), c(3, Real), c(4, Text), scope_cols(5)
        ),
        &weighings,
    )
    .await?;
        out.injuries += write(
        format!(
            "INSERT INTO child_injuries (child_id, injury_date, kind, place, outcome, sex, age_years, note, recorded_by, province_code, commune_code, village_code, created_at) \
             SELECT {}, {}, {}, {}, {}, {}, {}, NULL, 'demo', {}, $2 FROM {src}",
            c(0, Int), c(1, Text), c(2, Text), c(3, Text), c(4, Text), c(5, Text), c(6, Int), scope_cols(7)
        ),
        &injuries,
    )
    .await?;
        out.deaths += write(
            format!(
                "INSERT INTO child_deaths (child_id, death_date, birth_date, age_days, sex, cause, place, note, recorded_by, province_code, commune_code, village_code, created_at) \
                 SELECT {}, {}, {}, {}, {}, {}, {}, NULL, 'demo', {}, $2 FROM {src}",
                c(0, Int), c(1, Text), c(2, Text), c(3, Int), c(4, Text), c(5, Text), c(6, Text), scope_cols(7)
            ),
            &deaths,
        )
        .await?;
        out.checks += write(
        format!(
            "INSERT INTO child_health_checks (child_id, checked_on, result, note, recorded_by, province_code, commune_code, village_code, created_at) \
             SELECT {}, {}, {}, NULL, 'demo', {}, $2 FROM {src}",
            c(0, Int), c(1, Text), c(2, Text), scope_cols(3)
        ),
        &checks,
    )
    .await?;
        for part in deaths.chunks(500) {
            let ids: Vec<String> = part.iter().map(|d| d[0].to_string()).collect();
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE children SET status = 'died' WHERE id IN ({})",
                ids.join(",")
            )))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(out)
}
