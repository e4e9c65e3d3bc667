//! Indicator tallies: counts kept at write time so that a province's scorecard sums a few
//! thousand rows instead of reading every child, dose and weighing (issue "Indicators":
//! 2.5 million children in under a second). Design and invariants: docs/indicator-tallies.md.
//!
//! - Kind `child` (the registry: age bands, birth registration, insurance, the cohort's
//!   "fully immunised before one") is kept by SQL triggers on `children` (migration 0024).
//! - Kinds `birth`, `nut`, `vita` and `chk` need the domain's rules (WHO z-scores, the EPI
//!   schedule), so they are computed here, per child, from the child's own records: the
//!   triggers only queue the child in `indicator_dirty`, and [`settle`] — run before every
//!   computation, and by `mang migrate` / `mang demo` — recomputes the queued children's
//!   facts, applies the difference to `indicator_tally` and stores the new facts. Nothing is
//!   computed nightly; a write shows on the next read.
//!
//! A period fact is kept for every calendar period that contains a record: the year, its
//! half, its quarter, its month and its five-year stage (`2026`, `2026S1`, `2026Q1`,
//! `202601`, `2026-2030`). Other multi-year spans are computed from the records
//! (`indicators`).

use crate::{Result, Store, dialect::Backend};
use mang_domain::growth::{self, GrowthMeasurement};
use mang_domain::immunization::{self, Given};
use mang_domain::registry::parse_date;
use mang_domain::targets::Period;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use time::Date;

/// Children recomputed per transaction.
const BATCH: usize = 2000;

/// One child's contribution to one tally row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Fact {
    kind: &'static str,
    period: String,
    province: String,
    commune: String,
    /// The child's birth date for `vita` and `chk` (the tally keeps its month; the split
    /// months of a reading are counted from the dates), empty for the others.
    birth: String,
    active: i64,
    flags: [i64; 5],
}

/// The calendar periods a record's date counts in: its year, half, quarter, month and
/// five-year stage, with the first year of each (for the vitamin A round bits).
fn periods_of(d: Date) -> [(String, i32); 5] {
    let (y, m) = (d.year(), u8::from(d.month()));
    let stage = Period::stage_of(y);
    [
        (Period::Year(y).code(), y),
        (Period::Half(y, if m <= 6 { 1 } else { 2 }).code(), y),
        (Period::Quarter(y, (m - 1) / 3 + 1).code(), y),
        (Period::Month(y, m).code(), y),
        (stage.code(), stage.start().year()),
    ]
}

/// The bit of a vitamin A round (a half of a year) in a period starting in `first_year`:
/// two bits a year, the first half first.
pub fn round_bit(first_year: i32, (year, half): (i32, u8)) -> i64 {
    1i64 << ((year - first_year).clamp(0, 30) * 2 + i32::from(half) - 1)
}

/// Whether a period's facts are kept: every calendar period, and multi-year ones that are a
/// five-year stage (others are computed from the records).
pub fn keeps(period: &Period) -> bool {
    match *period {
        Period::Years(a, b) => Period::stage_of(a) == Period::Years(a, b),
        _ => true,
    }
}

/// `yyyy-mm` of a date (the `birth_month` and `x` columns).
pub fn month_of(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// A SQL string literal (values here are codes and dates, quoted all the same).
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// How many children wait for their facts to be recomputed.
pub async fn pending(store: &Store) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM indicator_dirty")
            .fetch_one(store.pool())
            .await?,
    )
}

/// Bring the tallies up to date: recompute the facts of every queued child. Returns how many
/// children were recomputed. `progress(done, total)` after each batch.
pub async fn settle_with(store: &Store, mut progress: impl FnMut(u64, u64)) -> Result<u64> {
    let mut total = pending(store).await? as u64;
    if total == 0 {
        return Ok(0);
    }
    let mut done = 0u64;
    loop {
        let mut tx = store.begin_write().await?;
        if store.backend() == Backend::Postgres {
            // One settler at a time: two would both read a child's old facts.
            sqlx::query("SELECT pg_advisory_xact_lock(7203)")
                .execute(&mut *tx)
                .await?;
        }
        let ids: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT child_id FROM indicator_dirty ORDER BY child_id LIMIT {BATCH}"
        )))
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            tx.commit().await?;
            break;
        }
        let list = id_list(&ids);
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM indicator_dirty WHERE child_id IN ({list})"
        )))
        .execute(&mut *tx)
        .await?;
        refresh(&mut tx, &ids, &list).await?;
        tx.commit().await?;
        done += ids.len() as u64;
        total = total.max(done);
        progress(done, total);
    }
    Ok(done)
}

/// [`settle_with`] without progress.
pub async fn settle(store: &Store) -> Result<u64> {
    settle_with(store, |_, _| {}).await
}

struct Child {
    province: String,
    commune: String,
    birth: Date,
    birth_text: String,
    active: i64,
    female: bool,
    full_by_one: i64,
}

/// Recompute the facts of `ids` inside `tx`.
async fn refresh(tx: &mut crate::Tx, ids: &[i64], list: &str) -> Result<()> {
    let mut children: HashMap<i64, Child> = HashMap::new();
    for row in sqlx::query(AssertSqlSafe(format!(
        "SELECT id, province_code, commune_code, birth_date, status, sex, full_by_one FROM children \
         WHERE id IN ({list}) AND status <> 'merged'"
    )))
    .fetch_all(&mut **tx)
    .await?
    {
        let birth_text: String = row.get("birth_date");
        let Some(birth) = parse_date(&birth_text) else {
            continue;
        };
        children.insert(
            row.get("id"),
            Child {
                province: row.get("province_code"),
                commune: row.get("commune_code"),
                birth,
                birth_text: birth_text.clone(),
                active: i64::from(row.get::<String, _>("status") == "active"),
                female: row.get::<String, _>("sex") == "female",
                full_by_one: row.get("full_by_one"),
            },
        );
    }
    let mut new: BTreeMap<i64, Vec<Fact>> = BTreeMap::new();
    let fact = |c: &Child, kind: &'static str, period: String, commune: &str, flags: [i64; 5]| {
        let per_child = matches!(kind, "vita" | "chk");
        Fact {
            kind,
            period,
            province: c.province.clone(),
            commune: commune.to_owned(),
            birth: if per_child {
                c.birth_text.clone()
            } else {
                String::new()
            },
            active: if per_child { c.active } else { 0 },
            flags,
        }
    };

    // Doses: "fully immunised before one" (children.full_by_one, counted by the triggers)
    // and vitamin A by period (a = the rounds with a dose, `round_bit`).
    let mut given: HashMap<i64, Vec<Given>> = HashMap::new();
    let mut vita: HashMap<(i64, String), i64> = HashMap::new();
    for row in sqlx::query(AssertSqlSafe(format!(
        "SELECT child_id, antigen, dose, given_on FROM child_doses WHERE child_id IN ({list})"
    )))
    .fetch_all(&mut **tx)
    .await?
    {
        let child: i64 = row.get("child_id");
        let Some(date) = parse_date(&row.get::<String, _>("given_on")) else {
            continue;
        };
        let antigen: String = row.get("antigen");
        if antigen == "vitamin_a" {
            let half = immunization::half_year(date);
            for (p, first_year) in periods_of(date) {
                *vita.entry((child, p)).or_default() |= round_bit(first_year, half);
            }
        } else {
            given.entry(child).or_default().push(Given {
                antigen,
                dose: u8::try_from(row.get::<i64, _>("dose")).unwrap_or(0),
                date,
            });
        }
    }
    for ((child, period), mask) in vita {
        if let Some(c) = children.get(&child) {
            new.entry(child).or_default().push(fact(
                c,
                "vita",
                period,
                &c.commune,
                [mask, 0, 0, 0, 0],
            ));
        }
    }
    let mut full_changes: Vec<(i64, i64)> = Vec::new();
    for (&id, c) in &children {
        let full = i64::from(immunization::fully_immunised_under_1(
            c.birth,
            given.get(&id).map_or(&[][..], Vec::as_slice),
        ));
        if full != c.full_by_one {
            full_changes.push((id, full));
        }
    }

    // Check-ups: the periods with one.
    let mut checked: HashSet<(i64, String)> = HashSet::new();
    for row in sqlx::query(AssertSqlSafe(format!(
        "SELECT child_id, checked_on FROM child_health_checks WHERE child_id IN ({list})"
    )))
    .fetch_all(&mut **tx)
    .await?
    {
        if let Some(date) = parse_date(&row.get::<String, _>("checked_on")) {
            for (p, _) in periods_of(date) {
                checked.insert((row.get("child_id"), p));
            }
        }
    }
    for (child, period) in checked {
        if let Some(c) = children.get(&child) {
            new.entry(child)
                .or_default()
                .push(fact(c, "chk", period, &c.commune, [0; 5]));
        }
    }

    // Weighings: each period's latest, classified (WHO 2006); a..d = underweight, stunting,
    // wasting, overweight (1 yes, 0 no, -1 cannot be computed).
    struct Latest {
        key: (String, i64),
        commune: String,
        m: GrowthMeasurement,
    }
    let mut latest: HashMap<(i64, String), Latest> = HashMap::new();
    for row in sqlx::query(AssertSqlSafe(format!(
        "SELECT id, child_id, commune_code, measured_on, weight_kg, lenhei_cm, measure, oedema \
         FROM child_measurements WHERE child_id IN ({list})"
    )))
    .fetch_all(&mut **tx)
    .await?
    {
        let measured: String = row.get("measured_on");
        let Some(date) = parse_date(&measured) else {
            continue;
        };
        let child: i64 = row.get("child_id");
        let key = (measured, row.get::<i64, _>("id"));
        for (p, _) in periods_of(date) {
            let slot = (child, p);
            if latest.get(&slot).is_some_and(|prev| prev.key >= key) {
                continue;
            }
            latest.insert(
                slot,
                Latest {
                    key: key.clone(),
                    commune: row.get("commune_code"),
                    m: GrowthMeasurement {
                        date,
                        weight_kg: row.get("weight_kg"),
                        lenhei_cm: row.get("lenhei_cm"),
                        measure: mang_domain::anthro::Measure::parse(
                            &row.get::<String, _>("measure"),
                        )
                        .unwrap_or_default(),
                        oedema: row.get::<i64, _>("oedema") == 1,
                        muac_cm: None,
                        headc_cm: None,
                    },
                },
            );
        }
    }
    for ((child, period), l) in latest {
        let Some(c) = children.get(&child) else {
            continue;
        };
        let sex = if c.female {
            mang_domain::anthro::Sex::Female
        } else {
            mang_domain::anthro::Sex::Male
        };
        let n = growth::assess(sex, c.birth, &l.m).nutrition;
        let flag = |v: Option<bool>| v.map_or(-1, i64::from);
        let deficit = |d: Option<mang_domain::anthro::Deficit>| {
            flag(d.map(|d| d != mang_domain::anthro::Deficit::No))
        };
        let flags = [
            deficit(n.underweight),
            deficit(n.stunting),
            deficit(n.wasting),
            flag(n.overweight.map(|x| x != mang_domain::anthro::Excess::No)),
            0,
        ];
        new.entry(child)
            .or_default()
            .push(fact(c, "nut", period, &l.commune, flags));
    }

    // Birth records: in the month of birth; a = low birth weight (-1 not weighed),
    // b = born in a facility, c = early essential newborn care, d = breastfed in the first
    // hour, e = screened for all five diseases.
    for row in sqlx::query(AssertSqlSafe(format!(
        "SELECT child_id, commune_code, birth_weight_g, eenc, breastfed_1h, screening, birth_place \
         FROM child_births WHERE child_id IN ({list})"
    )))
    .fetch_all(&mut **tx)
    .await?
    {
        let child: i64 = row.get("child_id");
        let Some(c) = children.get(&child) else {
            continue;
        };
        let yes = |col: &str| i64::from(row.get::<Option<i64>, _>(col) == Some(1));
        let screened: String = row
            .get::<Option<String>, _>("screening")
            .unwrap_or_default();
        let all = mang_domain::births::SCREENING
            .iter()
            .all(|(code, _)| screened.split(',').any(|s| s.trim() == *code));
        let flags = [
            row.get::<Option<i64>, _>("birth_weight_g")
                .map_or(-1, |w| i64::from(w < 2500)),
            i64::from(row.get::<String, _>("birth_place") == "facility"),
            yes("eenc"),
            yes("breastfed_1h"),
            i64::from(all),
        ];
        let period = Period::Month(c.birth.year(), u8::from(c.birth.month())).code();
        let commune: String = row.get("commune_code");
        new.entry(child)
            .or_default()
            .push(fact(c, "birth", period, &commune, flags));
    }

    // The difference with the stored facts, applied to the tallies.
    let mut old: BTreeMap<i64, Vec<Fact>> = BTreeMap::new();
    for row in sqlx::query(AssertSqlSafe(format!(
        "SELECT child_id, kind, period, province_code, commune_code, birth_date, active, a, b, c, d, e \
         FROM indicator_facts WHERE child_id IN ({list})"
    )))
    .fetch_all(&mut **tx)
    .await?
    {
        let kind = match row.get::<String, _>("kind").as_str() {
            "birth" => "birth",
            "nut" => "nut",
            "vita" => "vita",
            _ => "chk",
        };
        old.entry(row.get("child_id")).or_default().push(Fact {
            kind,
            period: row.get("period"),
            province: row.get("province_code"),
            commune: row.get("commune_code"),
            birth: row.get("birth_date"),
            active: row.get("active"),
            flags: [
                row.get("a"),
                row.get("b"),
                row.get("c"),
                row.get("d"),
                row.get("e"),
            ],
        });
    }
    // Tally rows: (province, kind, period, commune, birth month, active, flags).
    type Key<'a> = (
        &'a str,
        &'static str,
        &'a str,
        &'a str,
        &'a str,
        i64,
        [i64; 5],
    );
    fn key(f: &Fact) -> Key<'_> {
        (
            &f.province,
            f.kind,
            &f.period,
            &f.commune,
            f.birth.get(..7).unwrap_or(""),
            f.active,
            f.flags,
        )
    }
    let mut delta: HashMap<Key<'_>, i64> = HashMap::new();
    let mut changed: Vec<i64> = Vec::new();
    for id in ids {
        let mut before = old.get(id).cloned().unwrap_or_default();
        let mut after = new.get(id).cloned().unwrap_or_default();
        before.sort();
        after.sort();
        if before != after {
            changed.push(*id);
        }
    }
    for id in &changed {
        for f in old.get(id).into_iter().flatten() {
            *delta.entry(key(f)).or_default() -= 1;
        }
        for f in new.get(id).into_iter().flatten() {
            *delta.entry(key(f)).or_default() += 1;
        }
    }
    let deltas: Vec<(Key<'_>, i64)> = delta.into_iter().filter(|(_, n)| *n != 0).collect();
    for chunk in deltas.chunks(400) {
        let values: Vec<String> = chunk
            .iter()
            .map(
                |((province, kind, period, commune, month, active, flags), n)| {
                    format!(
                        "({}, {}, {}, {}, {}, {active}, '', {}, {}, {}, {}, {}, {n})",
                        lit(province),
                        lit(kind),
                        lit(period),
                        lit(commune),
                        lit(month),
                        flags[0],
                        flags[1],
                        flags[2],
                        flags[3],
                        flags[4]
                    )
                },
            )
            .collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO indicator_tally ({KEY}, n) VALUES {} \
             ON CONFLICT ({KEY}) DO UPDATE SET n = indicator_tally.n + excluded.n",
            values.join(", ")
        )))
        .execute(&mut **tx)
        .await?;
    }
    if !changed.is_empty() {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM indicator_facts WHERE child_id IN ({})",
            id_list(&changed)
        )))
        .execute(&mut **tx)
        .await?;
        let rows: Vec<String> = changed
            .iter()
            .flat_map(|id| {
                new.get(id).into_iter().flatten().map(move |f| {
                    format!(
                        "({id}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                        lit(f.kind),
                        lit(&f.period),
                        lit(&f.province),
                        lit(&f.commune),
                        lit(&f.birth),
                        f.active,
                        f.flags[0],
                        f.flags[1],
                        f.flags[2],
                        f.flags[3],
                        f.flags[4]
                    )
                })
            })
            .collect();
        for chunk in rows.chunks(400) {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO indicator_facts (child_id, kind, period, province_code, commune_code, \
                 birth_date, active, a, b, c, d, e) VALUES {}",
                chunk.join(", ")
            )))
            .execute(&mut **tx)
            .await?;
        }
    }
    // The triggers on children move the child tally with the flag.
    for (id, full) in full_changes {
        sqlx::query("UPDATE children SET full_by_one = $1 WHERE id = $2")
            .bind(full)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Name of the trigger that counts a new child; a bulk load may drop it
/// ([`crate::defer_triggers`]) and count its chunks itself (`demo`: [`add_new_children`]).
pub const CHILD_INSERT_TRIGGER: &str = "children_tally_insert";

/// Count new active, birth-registered children without an insurance card or
/// immunisation flag (as a bulk load writes them) into the `child` tally: `json` is an
/// array of `[commune, "yyyy-mm", n]`. What the insert trigger would have done row by row.
pub async fn add_new_children(
    tx: &mut crate::Tx,
    backend: Backend,
    province: &str,
    json: &str,
) -> Result<()> {
    let src = crate::dialect::json_rows_source(backend);
    let col = |i, t| crate::dialect::json_col(backend, i, t);
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO indicator_tally ({KEY}, n) SELECT $2, 'child', '', {}, {}, 1, '', 1, 0, 0, 0, 0, {} \
         FROM {src} WHERE true ON CONFLICT ({KEY}) DO UPDATE SET n = indicator_tally.n + excluded.n",
        col(0, crate::dialect::ColType::Text),
        col(1, crate::dialect::ColType::Text),
        col(2, crate::dialect::ColType::Int),
    )))
    .bind(json)
    .bind(province)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The key columns of `indicator_tally`.
const KEY: &str =
    "province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e";

/// The `child` tally key of a child row (as the triggers of migration 0024 compute it),
/// and the same without its constants, to group by.
const CHILD_KEY: &str = "province_code, 'child' AS kind, '' AS period, commune_code, \
    substr(birth_date, 1, 7) AS birth_month, \
    CAST(CASE WHEN status = 'active' THEN 1 ELSE 0 END AS BIGINT) AS active, \
    CASE WHEN insurance_card IS NULL OR insurance_card = '' OR insurance_valid_to IS NULL THEN '' \
    ELSE substr(insurance_valid_to, 1, 7) END AS x, birth_registered AS a, full_by_one AS b, \
    CAST(0 AS BIGINT) AS c, CAST(0 AS BIGINT) AS d, CAST(0 AS BIGINT) AS e";
const CHILD_GROUP: &str = "province_code, commune_code, substr(birth_date, 1, 7), \
    CASE WHEN status = 'active' THEN 1 ELSE 0 END, \
    CASE WHEN insurance_card IS NULL OR insurance_card = '' OR insurance_valid_to IS NULL THEN '' \
    ELSE substr(insurance_valid_to, 1, 7) END, birth_registered, full_by_one";

/// Throw the tallies away and start counting them again from the records (`mang tallies
/// rebuild`): the child tally by one pass over `children`; every child with records is
/// queued, for [`settle`] to compute. For a database written with the triggers off.
pub async fn reset(store: &Store) -> Result<()> {
    let mut tx = store.begin_write().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7203)")
            .execute(&mut *tx)
            .await?;
    }
    for sql in [
        "UPDATE children SET full_by_one = 0 WHERE full_by_one <> 0",
        "DELETE FROM indicator_tally",
        "DELETE FROM indicator_facts",
        "DELETE FROM indicator_dirty",
    ] {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO indicator_tally ({KEY}, n) SELECT {CHILD_KEY}, COUNT(*) FROM children \
         WHERE status <> 'merged' GROUP BY {CHILD_GROUP}"
    )))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO indicator_dirty (child_id) \
         SELECT child_id FROM child_doses UNION SELECT child_id FROM child_measurements \
         UNION SELECT child_id FROM child_health_checks UNION SELECT child_id FROM child_births",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Rows of the tallies that disagree with a recount from the records (kind `child`) and
/// from the stored facts (the other kinds): empty when the tallies are right. For tests and
/// `mang check`-style audits; reads the whole province.
pub async fn discrepancies(store: &Store, province: &str) -> Result<Vec<String>> {
    settle(store).await?;
    let recount = format!(
        "SELECT {CHILD_KEY}, COUNT(*) AS n FROM children WHERE province_code = $1 \
         AND status <> 'merged' GROUP BY {CHILD_GROUP} \
         UNION ALL SELECT province_code, kind, period, commune_code, substr(birth_date, 1, 7) AS birth_month, \
         active, '' AS x, a, b, c, d, e, COUNT(*) AS n \
         FROM indicator_facts WHERE province_code = $1 \
         GROUP BY province_code, kind, period, commune_code, substr(birth_date, 1, 7), active, a, b, c, d, e"
    );
    let line = |r: &sqlx::any::AnyRow| {
        format!(
            "{} {} {} {} {} {} {} {} {} {} {}",
            r.get::<String, _>("kind"),
            r.get::<String, _>("period"),
            r.get::<String, _>("commune_code"),
            r.get::<String, _>("birth_month"),
            r.get::<i64, _>("active"),
            r.get::<String, _>("x"),
            r.get::<i64, _>("a"),
            r.get::<i64, _>("b"),
            r.get::<i64, _>("c"),
            r.get::<i64, _>("d"),
            r.get::<i64, _>("e"),
        )
    };
    let mut want: BTreeMap<String, i64> = BTreeMap::new();
    for r in sqlx::query(AssertSqlSafe(recount))
        .bind(province.to_owned())
        .fetch_all(store.pool())
        .await?
    {
        want.insert(line(&r), r.get("n"));
    }
    let mut have: BTreeMap<String, i64> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT kind, period, commune_code, birth_month, active, x, a, b, c, d, e, n \
         FROM indicator_tally WHERE province_code = $1 AND n <> 0",
    )
    .bind(province.to_owned())
    .fetch_all(store.pool())
    .await?
    {
        have.insert(line(&r), r.get("n"));
    }
    let mut out = Vec::new();
    for (k, n) in &want {
        if have.get(k) != Some(n) {
            out.push(format!("{k}: tally {:?}, records {n}", have.get(k)));
        }
    }
    for (k, n) in &have {
        if !want.contains_key(k) {
            out.push(format!("{k}: tally {n}, records none"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_date_counts_in_its_year_half_quarter_month_and_stage() {
        let codes: Vec<String> = periods_of(date!(2026 - 05 - 31))
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(codes, ["2026", "2026S1", "2026Q2", "202605", "2026-2030"]);
        assert_eq!(
            periods_of(date!(2025 - 12 - 01))[4],
            ("2021-2025".into(), 2021)
        );
        assert_eq!(Period::stage_of(2020), Period::Years(2016, 2020));
    }

    #[test]
    fn rounds_are_two_bits_a_year_from_the_periods_first_year() {
        assert_eq!(round_bit(2026, (2026, 1)), 1);
        assert_eq!(round_bit(2026, (2026, 2)), 2);
        assert_eq!(round_bit(2021, (2023, 2)), 1 << 5);
        assert!(keeps(&Period::Years(2021, 2025)));
        assert!(!keeps(&Period::Years(2022, 2024)));
        assert!(keeps(&Period::Month(2026, 3)));
    }
}
