//! Indicators computed from the registers (issue "Indicators"): for every commune of a
//! province and a period, the numerator and denominator of each indicator Măng can
//! compute from individual records. Province and national values are sums of the
//! communes' numerators and denominators — never averaged rates (BRIEF §1.4).
//!
//! Every indicator is one pass over its rows in the province (grouped by commune in SQL,
//! or read once and classified in Rust where the rule is the domain's: WHO z-scores, the
//! EPI schedule's validity rules, case time limits). Results are cached per province and
//! period and thrown away when any record of the province changes (`data_versions`,
//! bumped by every audited write): a change shows on the next page load.

use crate::{Result, Store};
use futures_util::TryStreamExt;
use mang_domain::anthro::{Deficit, Excess};
use mang_domain::growth::{self, GrowthMeasurement};
use mang_domain::immunization::{self, Given};
use mang_domain::registry::parse_date;
use mang_domain::targets::{Period, Value};
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use time::{Date, Duration, OffsetDateTime};

/// The indicators this module computes (catalogue ids), in catalogue order.
pub const COMPUTED: &[&str] = &[
    "neonatal_mortality_rate",
    "infant_mortality_rate",
    "under5_mortality_rate",
    "low_birth_weight_pct",
    "early_essential_newborn_care_pct",
    "early_breastfeeding_1h_pct",
    "newborn_screening_5_diseases_pct",
    "fully_immunized_under1_pct",
    "underweight_under5_pct",
    "stunting_under5_pct",
    "wasting_under5_pct",
    "overweight_obesity_under5_pct",
    "vitamin_a_6_35m_twice_yearly_pct",
    "under5_periodic_checkup_pct",
    "free_health_insurance_under6_pct",
    "cnsc_prevalence_pct",
    "cnsc_supported_pct",
    "cnsc_eligible_policy_coverage_pct",
    "abused_children_prevalence_pct",
    "harmed_children_timely_intervention_pct",
    "abandoned_children_count",
    "child_injury_rate_per_100k",
    "child_injury_mortality_per_100k",
    "disaster_affected_children_relief_pct",
    "birth_registration_under5_pct",
    "drowning_risk_sites_mitigated_pct",
    "communes_with_child_play_space_pct",
    "children_7plus_consulted_pct",
    "children_participation_awareness_pct",
    "children_11plus_in_participation_models_pct",
    "child_friendly_communes",
    "communes_with_child_plan_pct",
];

/// Values by commune code, then indicator id.
pub type ByCommune = BTreeMap<String, BTreeMap<&'static str, Value>>;

/// The reference date of a period for ages and "active at": its last day, or `today`
/// while the period runs.
pub fn reference_date(period: &Period, today: Date) -> Date {
    period.end().min(today)
}

fn years_before(d: Date, years: i32) -> Date {
    d.replace_year(d.year() - years)
        .unwrap_or_else(|_| d - Duration::days(i64::from(years) * 365))
}

fn months_before(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 - months;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let month = time::Month::try_from(m as u8).unwrap_or(time::Month::January);
    let last = time::util::days_in_month(month, y);
    Date::from_calendar_date(y, month, d.day().min(last)).unwrap_or(d)
}

struct Acc<'a> {
    out: &'a mut ByCommune,
}

impl Acc<'_> {
    fn add(&mut self, commune: &str, id: &'static str, num: f64, den: Option<f64>) {
        let v = self
            .out
            .entry(commune.to_owned())
            .or_default()
            .entry(id)
            .or_insert(Value {
                numerator: 0.0,
                denominator: den.map(|_| 0.0),
            });
        v.numerator += num;
        if let Some(d) = den {
            *v.denominator.get_or_insert(0.0) += d;
        }
    }

    /// Make sure a commune has a (0 / d) entry, so a denominator without events shows.
    fn den(&mut self, commune: &str, id: &'static str, den: f64) {
        self.add(commune, id, 0.0, Some(den));
    }
}

/// `AND <col> = $n` when the computation is for one commune, nothing for the province.
fn only(col: &str, n: usize, commune: Option<&str>) -> String {
    if commune.is_some() {
        format!(" AND {col} = ${n}")
    } else {
        String::new()
    }
}

/// Bind the commune of a one-commune computation (see [`only`]).
fn bind_commune<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    commune: Option<&str>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match commune {
        Some(c) => q.bind(c.to_owned()),
        None => q,
    }
}

/// Compute every indicator of [`COMPUTED`] for every commune of `province` in `period`.
pub async fn compute(
    store: &Store,
    province: &str,
    period: &Period,
    now: OffsetDateTime,
) -> Result<ByCommune> {
    compute_in(store, province, None, period, now).await
}

/// [`compute`] for the whole province (`commune` none) or for one of its communes. The
/// heavy sections are read from the tallies ([`crate::tally`]), settled first.
pub async fn compute_in(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    period: &Period,
    now: OffsetDateTime,
) -> Result<ByCommune> {
    crate::tally::settle(store).await?;
    compute_with(store, province, commune, period, now, Mode::Tallies).await
}

/// [`compute_in`] reading every record instead of the tallies: the reference the tallies
/// are tested against (tens of seconds on a 2.5-million-child province).
pub async fn compute_from_records(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    period: &Period,
    now: OffsetDateTime,
) -> Result<ByCommune> {
    compute_with(store, province, commune, period, now, Mode::Records).await
}

async fn compute_with(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    period: &Period,
    now: OffsetDateTime,
    mode: Mode,
) -> Result<ByCommune> {
    // Nutrition, vitamin A and check-ups are tallied per calendar period and five-year
    // stage; other multi-year spans are read from the records.
    let by_record = mode == Mode::Records || !crate::tally::keeps(period);
    let today = now.to_offset(mang_domain::cases::VN).date();
    let r = reference_date(period, today);
    let (s, e) = (period.start(), period.end().min(today.max(period.start())));
    let (ss, es, rs) = (s.to_string(), e.to_string(), r.to_string());
    let mut out = ByCommune::new();
    let mut acc = Acc { out: &mut out };
    let pool = store.pool();

    // Section timings on stderr with MANG_TRACE_INDICATORS=1 (for the benchmark).
    let trace = std::env::var_os("MANG_TRACE_INDICATORS").is_some();
    let mut t0 = std::time::Instant::now();
    let mut lap = |what: &str| {
        if trace {
            eprintln!("  {what}: {:.0} ms", t0.elapsed().as_secs_f64() * 1000.0);
        }
        t0 = std::time::Instant::now();
    };
    // Children by age band at the reference date (denominators), and the cohort of
    // indicator 8 (first birthday in the period) with whether each was fully immunised
    // before it (`children.full_by_one`, kept by `tally`).
    let bounds = Bounds {
        a16: years_before(r, 16),
        a5: years_before(r, 5),
        a6: years_before(r, 6),
        m6: months_before(r, 6),
        m36: months_before(r, 36),
        a7: years_before(r, 7),
        a11: years_before(r, 11),
        r,
        c_from: years_before(s, 1),
        c_to: years_before(r, 1),
    };
    let bands = match mode {
        Mode::Records => {
            let mut out = BandRows::new();
            add_band_rows(
                &mut out,
                store,
                &format!(
                    "FROM children WHERE province_code = $1 AND status <> 'merged'{}",
                    only("commune_code", 2, commune)
                ),
                &bounds.sums(&Cols::CHILDREN),
                province,
                commune,
            )
            .await?;
            out
        }
        Mode::Tallies => tallied_bands(store, province, commune, &bounds).await?,
    };
    for (c, b) in &bands {
        let n = |col: &str| b[BANDS.iter().position(|x| *x == col).unwrap_or(0)] as f64;
        if n("coh") > 0.0 && mode == Mode::Tallies {
            acc.add(
                c,
                "fully_immunized_under1_pct",
                n("coh_full"),
                Some(n("coh")),
            );
        }
        if n("act") == 0.0 {
            continue; // no active child: no denominators (as for a commune without children)
        }
        acc.add(
            c,
            "birth_registration_under5_pct",
            n("u5_reg"),
            Some(n("u5")),
        );
        acc.add(
            c,
            "free_health_insurance_under6_pct",
            n("u6_ins"),
            Some(n("u6")),
        );
        for id in [
            "cnsc_prevalence_pct",
            "abused_children_prevalence_pct",
            "child_injury_rate_per_100k",
            "child_injury_mortality_per_100k",
        ] {
            acc.den(c, id, n("u16"));
        }
        acc.den(c, "under5_periodic_checkup_pct", n("u5"));
        acc.add(c, "abandoned_children_count", 0.0, None);
        acc.den(c, "vitamin_a_6_35m_twice_yearly_pct", n("m6_35"));
        acc.den(c, "children_7plus_consulted_pct", n("a7_15"));
        acc.den(c, "children_participation_awareness_pct", n("u16"));
        acc.den(
            c,
            "children_11plus_in_participation_models_pct",
            n("a11_15"),
        );
    }

    lap("base");
    // Live births in the period: the children born then (alive or not).
    let rows = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT commune_code, COUNT(*) AS n FROM children WHERE province_code = $1 \
         AND status <> 'merged' AND birth_date >= $2 AND birth_date <= $3{} GROUP BY commune_code",
            only("commune_code", 4, commune)
        )))
        .bind(province.to_owned())
        .bind(ss.clone())
        .bind(es.clone()),
        commune,
    )
    .fetch_all(pool)
    .await?;
    for row in &rows {
        let c: String = row.get("commune_code");
        let n = row.get::<i64, _>("n") as f64;
        for id in [
            "neonatal_mortality_rate",
            "infant_mortality_rate",
            "under5_mortality_rate",
        ] {
            acc.den(&c, id, n);
        }
    }

    lap("births");
    // Deaths in the period, by age at death (BRIEF §1.4: age in completed months).
    let rows = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT commune_code, age_days, cause FROM child_deaths WHERE province_code = $1 \
         AND death_date >= $2 AND death_date <= $3{}",
            only("commune_code", 4, commune)
        )))
        .bind(province.to_owned())
        .bind(ss.clone())
        .bind(es.clone()),
        commune,
    )
    .fetch_all(pool)
    .await?;
    for row in &rows {
        let c: String = row.get("commune_code");
        let days: i64 = row.get("age_days");
        let cause: String = row.get("cause");
        if days <= 27 {
            acc.add(&c, "neonatal_mortality_rate", 1.0, None);
        }
        if days < 365 {
            acc.add(&c, "infant_mortality_rate", 1.0, None);
        }
        if days < 1826 {
            acc.add(&c, "under5_mortality_rate", 1.0, None);
        }
        if days < 16 * 365 + 4 && matches!(cause.as_str(), "drowning" | "traffic" | "other_injury")
        {
            acc.add(&c, "child_injury_mortality_per_100k", 1.0, None);
        }
    }

    lap("deaths");
    // Newborns born in the period with a birth record.
    if mode == Mode::Tallies {
        tallied_newborns(&mut acc, store, province, commune, s, e).await?;
    } else {
        let rows = bind_commune(sqlx::query(AssertSqlSafe(format!(
            "SELECT b.commune_code, b.birth_weight_g, b.eenc, b.breastfed_1h, b.screening, b.birth_place \
             FROM child_births b JOIN children c ON c.id = b.child_id \
             WHERE b.province_code = $1 AND c.status <> 'merged' AND c.birth_date >= $2 AND c.birth_date <= $3{}",
            only("b.commune_code", 4, commune)
        )))
        .bind(province.to_owned())
        .bind(ss.clone())
        .bind(es.clone()), commune)
        .fetch_all(pool)
        .await?;
        for row in &rows {
            let c: String = row.get("commune_code");
            let yes = |col: &str| row.get::<Option<i64>, _>(col) == Some(1);
            if let Some(w) = row.get::<Option<i64>, _>("birth_weight_g") {
                acc.add(
                    &c,
                    "low_birth_weight_pct",
                    f64::from(u8::from(w < 2500)),
                    Some(1.0),
                );
            }
            if row.get::<String, _>("birth_place") == "facility" {
                acc.add(
                    &c,
                    "early_essential_newborn_care_pct",
                    f64::from(u8::from(yes("eenc"))),
                    Some(1.0),
                );
            }
            acc.add(
                &c,
                "early_breastfeeding_1h_pct",
                f64::from(u8::from(yes("breastfed_1h"))),
                Some(1.0),
            );
            let screened: String = row
                .get::<Option<String>, _>("screening")
                .unwrap_or_default();
            let all = mang_domain::births::SCREENING
                .iter()
                .all(|(code, _)| screened.split(',').any(|s| s.trim() == *code));
            acc.add(
                &c,
                "newborn_screening_5_diseases_pct",
                f64::from(u8::from(all)),
                Some(1.0),
            );
        }
    }

    lap("newborns");
    // In the tallies' mode the cohort came with the age bands.
    if mode == Mode::Records {
        for (c, _, full) in immunisation_rows(store, province, commune, s, r).await? {
            acc.add(
                &c,
                "fully_immunized_under1_pct",
                f64::from(u8::from(full)),
                Some(1.0),
            );
        }
    }
    lap("immunisation");
    if by_record {
        for (c, _, n) in nutrition_rows(store, province, commune, s, e).await? {
            for (id, yes) in nutrition_flags(&n) {
                acc.add(&c, id, f64::from(u8::from(yes)), Some(1.0));
            }
        }
    } else {
        tallied_nutrition(&mut acc, store, province, commune, period).await?;
    }

    lap("nutrition");
    // Vitamin A: children 6–35 months at the reference date with a dose in every
    // campaign round of the period that has come (around 1/6 and 1/12; twice in a year).
    let halves: HashSet<(i32, u8)> = {
        let mut h = HashSet::new();
        for year in s.year()..=e.year() {
            for (half, month) in [(1u8, time::Month::June), (2, time::Month::December)] {
                if let Ok(round) = Date::from_calendar_date(year, month, 1)
                    && round >= s
                    && round <= r
                {
                    h.insert((year, half));
                }
            }
        }
        h
    };
    if by_record {
        let rows = bind_commune(sqlx::query(AssertSqlSafe(format!(
            "SELECT d.child_id, c.commune_code, d.given_on FROM child_doses d JOIN children c ON c.id = d.child_id \
             WHERE d.province_code = $1 AND d.antigen = 'vitamin_a' AND d.given_on >= $2 AND d.given_on <= $3 \
             AND c.status = 'active' AND c.birth_date <= $4 AND c.birth_date > $5{}",
            only("d.commune_code", 6, commune)
        )))
        .bind(province.to_owned())
        .bind(ss.clone())
        .bind(es.clone())
        .bind(bounds.m6.to_string())
        .bind(bounds.m36.to_string()), commune)
        .fetch_all(pool)
        .await?;
        let mut vit: HashMap<(i64, String), HashSet<(i32, u8)>> = HashMap::new();
        for row in &rows {
            if let Some(d) = parse_date(&row.get::<String, _>("given_on")) {
                vit.entry((row.get("child_id"), row.get("commune_code")))
                    .or_default()
                    .insert(immunization::half_year(d));
            }
        }
        for ((_, c), got) in &vit {
            if !halves.is_empty() && halves.iter().all(|h| got.contains(h)) {
                acc.add(c, "vitamin_a_6_35m_twice_yearly_pct", 1.0, None);
            }
        }
    } else if !halves.is_empty() {
        let first = period.start().year();
        let mask: i64 = halves
            .iter()
            .map(|h| crate::tally::round_bit(first, *h))
            .sum();
        for (c, n) in tallied_period_children(
            store,
            province,
            commune,
            "vita",
            period,
            bounds.m36,
            Some(bounds.m6),
            mask,
        )
        .await?
        {
            acc.add(&c, "vitamin_a_6_35m_twice_yearly_pct", n as f64, None);
        }
    }

    lap("vitamin_a");
    // Periodic check-ups: children under 5 at the reference date checked in the period.
    if by_record {
        let rows = bind_commune(sqlx::query(AssertSqlSafe(format!(
            "SELECT c.commune_code, COUNT(DISTINCT h.child_id) AS n FROM child_health_checks h \
             JOIN children c ON c.id = h.child_id WHERE h.province_code = $1 AND c.status = 'active' \
             AND h.checked_on >= $2 AND h.checked_on <= $3 AND c.birth_date > $4{} GROUP BY c.commune_code",
            only("h.commune_code", 5, commune)
        )))
        .bind(province.to_owned())
        .bind(ss.clone())
        .bind(es.clone())
        .bind(bounds.a5.to_string()), commune)
        .fetch_all(pool)
        .await?;
        for row in &rows {
            let c: String = row.get("commune_code");
            acc.add(
                &c,
                "under5_periodic_checkup_pct",
                row.get::<i64, _>("n") as f64,
                None,
            );
        }
    } else {
        for (c, n) in
            tallied_period_children(store, province, commune, "chk", period, bounds.a5, None, 0)
                .await?
        {
            acc.add(&c, "under5_periodic_checkup_pct", n as f64, None);
        }
    }

    lap("checkups");
    // Children in special circumstances at the reference date (distinct children).
    let rows = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT c.commune_code, COUNT(DISTINCT ci.child_id) AS n, \
           COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM benefit_payments bp WHERE bp.child_id = ci.child_id \
             AND bp.month >= $4 AND bp.month <= $5) THEN ci.child_id END) AS supported \
         FROM child_circumstances ci \
         JOIN children c ON c.id = ci.child_id WHERE ci.province_code = $1 AND ci.kind = 'special' \
         AND ci.start_date <= $2 AND (ci.end_date IS NULL OR ci.end_date >= $2) \
         AND c.status = 'active' AND c.birth_date > $3{} GROUP BY c.commune_code",
            only("ci.commune_code", 6, commune)
        )))
        .bind(province.to_owned())
        .bind(rs.clone())
        .bind(bounds.a16.to_string())
        .bind(format!("{:04}-{:02}", s.year(), u8::from(s.month())))
        .bind(format!("{:04}-{:02}", e.year(), u8::from(e.month()))),
        commune,
    )
    .fetch_all(pool)
    .await?;
    for row in &rows {
        let c: String = row.get("commune_code");
        let n = row.get::<i64, _>("n") as f64;
        acc.add(&c, "cnsc_prevalence_pct", n, None);
        // Indicator 28: those with a support payment in the period (benefits register).
        acc.add(
            &c,
            "cnsc_supported_pct",
            row.get::<i64, _>("supported") as f64,
            Some(n),
        );
    }
    // Newly abandoned children (a count).
    let rows = bind_commune(sqlx::query(AssertSqlSafe(format!(
        "SELECT commune_code, COUNT(DISTINCT child_id) AS n FROM child_circumstances \
         WHERE province_code = $1 AND code = 'abandoned' AND start_date >= $2 AND start_date <= $3{} \
         GROUP BY commune_code",
        only("commune_code", 4, commune)
    )))
    .bind(province.to_owned())
    .bind(ss.clone())
    .bind(es.clone()), commune)
    .fetch_all(pool)
    .await?;
    for row in &rows {
        let c: String = row.get("commune_code");
        acc.add(
            &c,
            "abandoned_children_count",
            row.get::<i64, _>("n") as f64,
            None,
        );
    }

    lap("circumstances");
    // Injured children (distinct; a child not on the register counts once per event).
    let rows = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT commune_code, child_id, id FROM child_injuries WHERE province_code = $1 \
         AND injury_date >= $2 AND injury_date <= $3 AND age_years < 16{}",
            only("commune_code", 4, commune)
        )))
        .bind(province.to_owned())
        .bind(ss.clone())
        .bind(es.clone()),
        commune,
    )
    .fetch_all(pool)
    .await?;
    let mut injured = HashSet::new();
    for row in &rows {
        let c: String = row.get("commune_code");
        let key = row.get::<Option<i64>, _>("child_id").map_or_else(
            || format!("row{}", row.get::<i64, _>("id")),
            |id| format!("child{id}"),
        );
        if injured.insert(key) {
            acc.add(&c, "child_injury_rate_per_100k", 1.0, None);
        }
    }

    lap("injuries");
    // Cases: children with a case opened in the period, and those handled in time.
    let by_commune = crate::cases::counts_by_commune(store, province, commune, s, e, now).await?;
    for (c, k) in by_commune {
        acc.add(
            &c,
            "abused_children_prevalence_pct",
            k.children_abused as f64,
            None,
        );
        acc.add(
            &c,
            "harmed_children_timely_intervention_pct",
            k.children_in_time as f64,
            Some(k.children as f64),
        );
    }
    lap("cases");
    // Participation (indicators 56–58), from the activities' counts.
    for (c, aware, consulted, models) in
        crate::activities::counts_by_commune(store, province, commune, s, e).await?
    {
        acc.add(&c, "children_7plus_consulted_pct", consulted as f64, None);
        acc.add(
            &c,
            "children_participation_awareness_pct",
            aware as f64,
            None,
        );
        acc.add(
            &c,
            "children_11plus_in_participation_models_pct",
            models as f64,
            None,
        );
    }
    // Communes recognised child-friendly in the period's last year (indicator 59).
    for (c, yes) in
        crate::child_friendly::recognised_by_commune(store, province, commune, period.end().year())
            .await?
    {
        acc.add(
            &c,
            "child_friendly_communes",
            f64::from(u8::from(yes)),
            None,
        );
    }
    // Children in special circumstances eligible for a policy and paid under it (29).
    for (c, covered, eligible) in
        crate::benefits::coverage_by_commune(store, province, commune, s, e, r).await?
    {
        acc.add(
            &c,
            "cnsc_eligible_policy_coverage_pct",
            covered as f64,
            Some(eligible as f64),
        );
    }
    // Children hit by a disaster given emergency support in time (36).
    for (c, relieved, affected) in
        crate::benefits::relief_by_commune(store, province, commune, s, e).await?
    {
        acc.add(
            &c,
            "disaster_affected_children_relief_pct",
            relieved as f64,
            Some(affected as f64),
        );
    }
    // Communes with a play or culture venue for children (55) and communes that issued
    // their plan on time (60): one in every commune's denominator.
    // Read for the whole province even when computing one commune, so that whether the
    // indicator has values at all does not depend on which commune is recomputed.
    let venues: BTreeMap<String, bool> =
        crate::child_friendly::play_venues_by_commune(store, province, None, period.end().year())
            .await?
            .into_iter()
            .collect();
    let plans_on_time =
        crate::plans::on_time_by_commune(store, province, commune, period, r).await?;
    if !venues.is_empty() || plans_on_time.is_some() {
        for u in crate::units::communes_of(store, province).await? {
            if commune.is_some_and(|c| c != u.code) {
                continue;
            }
            if !venues.is_empty() {
                let has = venues.get(&u.code).copied().unwrap_or(false);
                acc.add(
                    &u.code,
                    "communes_with_child_play_space_pct",
                    f64::from(u8::from(has)),
                    Some(1.0),
                );
            }
        }
    }
    for (c, ok) in plans_on_time.unwrap_or_default() {
        acc.add(
            &c,
            "communes_with_child_plan_pct",
            f64::from(u8::from(ok)),
            Some(1.0),
        );
    }
    // Drowning-risk sites with preventive measures (indicator 41).
    for (c, done, n) in crate::sites::progress_by_commune(store, province, commune).await? {
        acc.add(
            &c,
            "drowning_risk_sites_mitigated_pct",
            done as f64,
            Some(n as f64),
        );
    }
    // Figures entered for the indicators the registers cannot compute: a commune's (or
    // its villages', summed) under the commune, the province's own under its code.
    for (unit, of_commune, id, val) in
        crate::aggregates::of_province(store, province, period).await?
    {
        let Some(ind) = mang_domain::targets::indicator(&id) else {
            continue;
        };
        if commune.is_some() && of_commune.as_deref() != commune {
            continue;
        }
        match of_commune {
            Some(c) => acc.add(&c, ind.id.as_str(), val.numerator, val.denominator),
            None if unit == province && commune.is_none() => {
                acc.out
                    .entry(province.to_owned())
                    .or_default()
                    .insert(ind.id.as_str(), val);
            }
            None => {}
        }
    }
    lap("aggregates");
    Ok(out)
}

/// How [`compute_with`] reads the heavy sections: from the tallies kept at write time
/// (every page), or from every record (the reference the tallies are tested against, and
/// multi-year periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Tallies,
    Records,
}

/// The age-band sums of the base section, in the order of the SQL columns.
const BANDS: [&str; 11] = [
    "act", "u16", "u5", "u6", "u5_reg", "u6_ins", "m6_35", "a7_15", "a11_15", "coh", "coh_full",
];

/// Column expressions the band sums are written over: the children table itself, or the
/// child tally (one row per commune, birth month and facts, `n` children; the first day of
/// the birth month stands for every birth date in it, see [`Bounds::exact_months`]).
struct Cols {
    birth: &'static str,
    active: &'static str,
    registered: &'static str,
    /// An insurance card; its last day is compared with the reference date.
    card: &'static str,
    valid_to: &'static str,
    full: &'static str,
    weight: &'static str,
}

impl Cols {
    const CHILDREN: Cols = Cols {
        birth: "birth_date",
        active: "status = 'active'",
        registered: "birth_registered = 1",
        card: "insurance_card IS NOT NULL AND insurance_card <> '' AND insurance_valid_to IS NOT NULL",
        valid_to: "insurance_valid_to",
        full: "full_by_one = 1",
        weight: "1",
    };
    const TALLY: Cols = Cols {
        birth: "(birth_month || '-01')",
        active: "active = 1",
        registered: "a = 1",
        card: "x <> ''",
        valid_to: "(x || '-01')",
        full: "b = 1",
        weight: "n",
    };
}

/// The dates the age bands are cut at.
struct Bounds {
    a16: Date,
    a5: Date,
    a6: Date,
    m6: Date,
    m36: Date,
    a7: Date,
    a11: Date,
    r: Date,
    c_from: Date,
    c_to: Date,
}

/// The month of a cut `birth > d` / `birth <= d` when the cut splits it (`d` is not its
/// last day): its children are counted one by one.
fn split_month(d: Date) -> Option<String> {
    (d.day() != time::util::days_in_month(d.month(), d.year())).then(|| crate::tally::month_of(d))
}

impl Bounds {
    /// `SUM(...)` columns named as [`BANDS`].
    fn sums(&self, c: &Cols) -> String {
        let (b, act) = (c.birth, c.active);
        let band = |lo: Date, hi: Date| format!("{act} AND {b} > '{lo}' AND {b} <= '{hi}'");
        let u5 = band(self.a5, self.r);
        let u6 = band(self.a6, self.r);
        let coh = format!("{b} >= '{}' AND {b} <= '{}'", self.c_from, self.c_to);
        let conds = [
            act.to_owned(),
            band(self.a16, self.r),
            u5.clone(),
            u6.clone(),
            format!("{u5} AND {}", c.registered),
            format!("{u6} AND {} AND {} >= '{}'", c.card, c.valid_to, self.r),
            format!("{act} AND {b} <= '{}' AND {b} > '{}'", self.m6, self.m36),
            band(self.a16, self.a7),
            band(self.a16, self.a11),
            coh.clone(),
            format!("{coh} AND {}", c.full),
        ];
        conds
            .iter()
            .zip(BANDS)
            .map(|(cond, name)| {
                format!(
                    "CAST(SUM(CASE WHEN {cond} THEN {} ELSE 0 END) AS BIGINT) AS {name}",
                    c.weight
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The birth months whose children do not all fall on the same side of every cut:
    /// those are counted child by child; every other month's first day stands for all of
    /// it. A cut on a month's last day (`>`, `<=`) or first day (`>=`) splits nothing.
    fn exact_months(&self) -> std::collections::BTreeSet<String> {
        let mut out: std::collections::BTreeSet<String> = [
            self.a16, self.a5, self.a6, self.m6, self.m36, self.a7, self.a11, self.r, self.c_to,
        ]
        .into_iter()
        .filter_map(split_month)
        .collect();
        // The cohort's lower cut is `>=`: a first day splits nothing.
        if self.c_from.day() != 1 {
            out.insert(crate::tally::month_of(self.c_from));
        }
        out
    }
}

/// `AND birth_month NOT IN (...)` for a set of exact months, and one
/// `AND <birth> >= 'yyyy-mm-01' AND <birth> <= 'yyyy-mm-31'` per month: each month is its
/// own query, because SQLite reads an OR of ranges by scanning the whole province.
fn month_filters(
    months: &std::collections::BTreeSet<String>,
    birth: &str,
) -> (String, Vec<String>) {
    let list = months
        .iter()
        .map(|m| format!("'{m}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let ranges = months
        .iter()
        .map(|m| format!(" AND {birth} >= '{m}-01' AND {birth} <= '{m}-31'"))
        .collect();
    (
        if list.is_empty() {
            String::new()
        } else {
            format!(" AND birth_month NOT IN ({list})")
        },
        ranges,
    )
}

type BandRows = BTreeMap<String, [i64; BANDS.len()]>;

/// Run a band query (`SELECT commune_code, <sums> <from> GROUP BY commune_code`) and add its
/// rows into `out`.
async fn add_band_rows(
    out: &mut BandRows,
    store: &Store,
    from: &str,
    sums: &str,
    province: &str,
    commune: Option<&str>,
) -> Result<()> {
    let rows = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT commune_code, {sums} {from} GROUP BY commune_code"
        )))
        .bind(province.to_owned()),
        commune,
    )
    .fetch_all(store.pool())
    .await?;
    for row in &rows {
        let e = out
            .entry(row.get("commune_code"))
            .or_insert([0; BANDS.len()]);
        for (i, name) in BANDS.iter().enumerate() {
            e[i] += row.get::<Option<i64>, _>(*name).unwrap_or(0);
        }
    }
    Ok(())
}

/// The band sums from the child tally, with the months a cut splits (and those with an
/// insurance card ending in the reference month) counted from the children themselves.
async fn tallied_bands(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    bounds: &Bounds,
) -> Result<BandRows> {
    let mut exact = bounds.exact_months();
    let split_by_card: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT birth_month FROM indicator_tally WHERE province_code = $1 \
         AND kind = 'child' AND period = '' AND x = $2 AND n > 0",
    )
    .bind(province.to_owned())
    .bind(crate::tally::month_of(bounds.r))
    .fetch_all(store.pool())
    .await?;
    exact.extend(split_by_card);
    let (not_exact, in_exact) = month_filters(&exact, "birth_date");
    let mut out = BandRows::new();
    add_band_rows(
        &mut out,
        store,
        &format!(
            "FROM indicator_tally WHERE province_code = $1 AND kind = 'child' AND period = '' \
             AND n > 0{not_exact}{}",
            only("commune_code", 2, commune)
        ),
        &bounds.sums(&Cols::TALLY),
        province,
        commune,
    )
    .await?;
    let sums = bounds.sums(&Cols::CHILDREN);
    for range in in_exact {
        add_band_rows(
            &mut out,
            store,
            &format!(
                "FROM children WHERE province_code = $1{range} AND status <> 'merged'{}",
                only("commune_code", 2, commune)
            ),
            &sums,
            province,
            commune,
        )
        .await?;
    }
    Ok(out)
}

/// Children of a period kind (`vita`, `chk`) counted from the tally: active children with
/// a birth date in (`after`, `until`] (`until` none: no upper cut) whose fact's `a` has all
/// the bits of `mask`, by commune. The months a cut splits are counted child by child.
async fn tallied_period_children(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    kind: &str,
    period: &Period,
    after: Date,
    until: Option<Date>,
    mask: i64,
) -> Result<BTreeMap<String, i64>> {
    let exact = std::iter::once(after)
        .chain(until)
        .filter_map(split_month)
        .collect();
    let (not_exact, in_exact) = month_filters(&exact, "birth_date");
    let cut = |birth: &str| {
        let mut s = format!("{birth} > '{after}'");
        if let Some(u) = until {
            s.push_str(&format!(" AND {birth} <= '{u}'"));
        }
        s
    };
    let mut out = BTreeMap::new();
    let mut queries = vec![format!(
        "SELECT commune_code, CAST(SUM(n) AS BIGINT) AS n FROM indicator_tally \
             WHERE province_code = $1 AND kind = '{kind}' AND period = $2 AND n > 0 AND active = 1 \
             AND (a & {mask}) = {mask} AND {}{not_exact}{} GROUP BY commune_code",
        cut("(birth_month || '-01')"),
        only("commune_code", 3, commune)
    )];
    // The split months child by child, from the facts' birth dates (a partial index per
    // kind: contiguous, and no child record read).
    for range in in_exact {
        queries.push(format!(
            "SELECT commune_code, COUNT(*) AS n FROM indicator_facts \
             WHERE province_code = $1 AND kind = '{kind}' AND period = $2{range} AND active = 1 \
             AND (a & {mask}) = {mask} AND {}{} GROUP BY commune_code",
            cut("birth_date"),
            only("commune_code", 3, commune)
        ));
    }
    for sql in queries {
        for row in bind_commune(
            sqlx::query(AssertSqlSafe(sql))
                .bind(province.to_owned())
                .bind(period.code()),
            commune,
        )
        .fetch_all(store.pool())
        .await?
        {
            *out.entry(row.get::<String, _>("commune_code")).or_default() +=
                row.get::<Option<i64>, _>("n").unwrap_or(0);
        }
    }
    Ok(out)
}

/// Newborn care (indicators 4–7) from the birth tally: births of the period's months.
async fn tallied_newborns(
    acc: &mut Acc<'_>,
    store: &Store,
    province: &str,
    commune: Option<&str>,
    s: Date,
    e: Date,
) -> Result<()> {
    let month = |d: Date| Period::Month(d.year(), u8::from(d.month())).code();
    let rows = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT commune_code, a, b, c, d, e, CAST(SUM(n) AS BIGINT) AS n FROM indicator_tally \
             WHERE province_code = $1 AND kind = 'birth' AND period >= $2 AND period <= $3 AND n > 0{} \
             GROUP BY commune_code, a, b, c, d, e",
            only("commune_code", 4, commune)
        )))
        .bind(province.to_owned())
        .bind(month(s))
        .bind(month(e.max(s))),
        commune,
    )
    .fetch_all(store.pool())
    .await?;
    for row in &rows {
        let c: String = row.get("commune_code");
        let n = row.get::<i64, _>("n") as f64;
        let f = |col: &str| row.get::<i64, _>(col);
        if f("a") >= 0 {
            acc.add(&c, "low_birth_weight_pct", f("a") as f64 * n, Some(n));
        }
        if f("b") == 1 {
            acc.add(
                &c,
                "early_essential_newborn_care_pct",
                f("c") as f64 * n,
                Some(n),
            );
        }
        acc.add(&c, "early_breastfeeding_1h_pct", f("d") as f64 * n, Some(n));
        acc.add(
            &c,
            "newborn_screening_5_diseases_pct",
            f("e") as f64 * n,
            Some(n),
        );
    }
    Ok(())
}

/// Nutrition (indicators 9–12) from the tally: each child's latest weighing of the period.
async fn tallied_nutrition(
    acc: &mut Acc<'_>,
    store: &Store,
    province: &str,
    commune: Option<&str>,
    period: &Period,
) -> Result<()> {
    let rows = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT commune_code, a, b, c, d, CAST(SUM(n) AS BIGINT) AS n FROM indicator_tally \
             WHERE province_code = $1 AND kind = 'nut' AND period = $2 AND n > 0{} \
             GROUP BY commune_code, a, b, c, d",
            only("commune_code", 3, commune)
        )))
        .bind(province.to_owned())
        .bind(period.code()),
        commune,
    )
    .fetch_all(store.pool())
    .await?;
    for row in &rows {
        let c: String = row.get("commune_code");
        let n = row.get::<i64, _>("n") as f64;
        for (col, id) in [
            ("a", "underweight_under5_pct"),
            ("b", "stunting_under5_pct"),
            ("c", "wasting_under5_pct"),
            ("d", "overweight_obesity_under5_pct"),
        ] {
            let f = row.get::<i64, _>(col);
            if f >= 0 {
                acc.add(&c, id, f as f64 * n, Some(n));
            }
        }
    }
    Ok(())
}

/// A province's own values: its communes' summed, and where the province entered its own
/// aggregate figure (stored under the province's code), that one.
pub fn province_total(values: &ByCommune, province: &str) -> BTreeMap<&'static str, Value> {
    let mut own = sum(values
        .iter()
        .filter(|(k, _)| k.as_str() != province)
        .map(|(_, v)| v));
    if let Some(entered) = values.get(province) {
        for (id, v) in entered {
            own.insert(id, *v);
        }
    }
    own
}

/// The four nutrition indicators a classification counts in: (indicator, in the
/// numerator); indicators it cannot be computed for (no length, 60 months…) are left out.
fn nutrition_flags(n: &mang_domain::anthro::Nutrition) -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    let deficit = |d: Option<Deficit>| d.map(|d| d != Deficit::No);
    if let Some(y) = deficit(n.underweight) {
        out.push(("underweight_under5_pct", y));
    }
    if let Some(y) = deficit(n.stunting) {
        out.push(("stunting_under5_pct", y));
    }
    if let Some(y) = deficit(n.wasting) {
        out.push(("wasting_under5_pct", y));
    }
    if let Some(x) = n.overweight {
        out.push(("overweight_obesity_under5_pct", x != Excess::No));
    }
    out
}

/// The children whose first birthday falls in [`s`, first birthday ≤ `r`] (the cohort of
/// indicator 8), with whether they were fully immunised before it: (commune, child, yes).
async fn immunisation_rows(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    s: Date,
    r: Date,
) -> Result<Vec<(String, i64, bool)>> {
    let (c_from, c_to) = (years_before(s, 1), years_before(r, 1));
    if c_to < c_from {
        return Ok(Vec::new());
    }
    let kids = bind_commune(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT id, commune_code, birth_date FROM children WHERE province_code = $1 \
             AND status <> 'merged' AND birth_date >= $2 AND birth_date <= $3{}",
            only("commune_code", 4, commune)
        )))
        .bind(province.to_owned())
        .bind(c_from.to_string())
        .bind(c_to.to_string()),
        commune,
    )
    .fetch_all(store.pool())
    .await?;
    // Streamed: a province's cohort has over a million doses.
    let sql = format!(
        "SELECT d.child_id, d.antigen, d.dose, d.given_on FROM child_doses d \
         JOIN children c ON c.id = d.child_id WHERE c.province_code = $1 \
         AND c.status <> 'merged' AND c.birth_date >= $2 AND c.birth_date <= $3 AND d.antigen <> 'vitamin_a'{}",
        only("c.commune_code", 4, commune)
    );
    let mut doses = bind_commune(
        sqlx::query(AssertSqlSafe(sql))
            .bind(province.to_owned())
            .bind(c_from.to_string())
            .bind(c_to.to_string()),
        commune,
    )
    .fetch(store.pool());
    let mut given: HashMap<i64, Vec<Given>> = HashMap::new();
    while let Some(d) = doses.try_next().await? {
        if let Some(date) = parse_date(&d.get::<String, _>("given_on")) {
            given.entry(d.get("child_id")).or_default().push(Given {
                antigen: d.get("antigen"),
                dose: u8::try_from(d.get::<i64, _>("dose")).unwrap_or(0),
                date,
            });
        }
    }
    Ok(kids
        .iter()
        .filter_map(|k| {
            let birth = parse_date(&k.get::<String, _>("birth_date"))?;
            let id: i64 = k.get("id");
            let full = immunization::fully_immunised_under_1(
                birth,
                given.get(&id).map_or(&[][..], Vec::as_slice),
            );
            Some((k.get("commune_code"), id, full))
        })
        .collect())
}

/// Each child's latest measurement in [`s`, `e`], classified (WHO 2006): (commune,
/// child, nutrition status).
async fn nutrition_rows(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    s: Date,
    e: Date,
) -> Result<Vec<(String, i64, mang_domain::anthro::Nutrition)>> {
    // Streamed, keeping each child's latest measurement only.
    struct Latest {
        key: (String, i64),
        commune: String,
        sex: String,
        birth: String,
        weight: Option<f64>,
        length: Option<f64>,
        measure: String,
        oedema: bool,
    }
    let sql = format!(
        "SELECT m.id, m.child_id, m.commune_code, c.sex, c.birth_date, m.measured_on, m.weight_kg, \
         m.lenhei_cm, m.measure, m.oedema FROM child_measurements m JOIN children c ON c.id = m.child_id \
         WHERE m.province_code = $1 AND c.status <> 'merged' \
         AND m.measured_on >= $2 AND m.measured_on <= $3{}",
        only("m.commune_code", 4, commune)
    );
    let mut rows = bind_commune(
        sqlx::query(AssertSqlSafe(sql))
            .bind(province.to_owned())
            .bind(s.to_string())
            .bind(e.to_string()),
        commune,
    )
    .fetch(store.pool());
    let mut latest: HashMap<i64, Latest> = HashMap::new();
    while let Some(row) = rows.try_next().await? {
        let child: i64 = row.get("child_id");
        let key = (row.get::<String, _>("measured_on"), row.get::<i64, _>("id"));
        if latest.get(&child).is_some_and(|prev| prev.key >= key) {
            continue;
        }
        latest.insert(
            child,
            Latest {
                key,
                commune: row.get("commune_code"),
                sex: row.get("sex"),
                birth: row.get("birth_date"),
                weight: row.get("weight_kg"),
                length: row.get("lenhei_cm"),
                measure: row.get("measure"),
                oedema: row.get::<i64, _>("oedema") == 1,
            },
        );
    }
    drop(rows);
    let mut out: Vec<(String, i64, mang_domain::anthro::Nutrition)> = latest
        .into_iter()
        .filter_map(|(child, l)| {
            let birth = parse_date(&l.birth)?;
            let date = parse_date(&l.key.0)?;
            let sex = if l.sex == "female" {
                mang_domain::anthro::Sex::Female
            } else {
                mang_domain::anthro::Sex::Male
            };
            let m = GrowthMeasurement {
                date,
                weight_kg: l.weight,
                lenhei_cm: l.length,
                measure: mang_domain::anthro::Measure::parse(&l.measure).unwrap_or_default(),
                oedema: l.oedema,
                muac_cm: None,
                headc_cm: None,
            };
            Some((l.commune, child, growth::assess(sex, birth, &m).nutrition))
        })
        .collect();
    out.sort_by_key(|(_, id, _)| *id);
    Ok(out)
}

/// Indicators whose children can be listed (the drill-down to the children behind a
/// number), for users who may read child records.
pub const LISTABLE: &[&str] = &[
    "fully_immunized_under1_pct",
    "underweight_under5_pct",
    "stunting_under5_pct",
    "wasting_under5_pct",
    "overweight_obesity_under5_pct",
];

/// The children behind an indicator in one commune and period: every child of the
/// denominator with whether it is in the numerator (child id, yes). Only for
/// [`LISTABLE`] indicators; the caller checks the scope and audits the list.
pub async fn members(
    store: &Store,
    province: &str,
    commune: &str,
    indicator: &str,
    period: &Period,
    now: OffsetDateTime,
) -> Result<Vec<(i64, bool)>> {
    let today = now.to_offset(mang_domain::cases::VN).date();
    let r = reference_date(period, today);
    let (s, e) = (period.start(), period.end().min(today.max(period.start())));
    Ok(match indicator {
        "fully_immunized_under1_pct" => immunisation_rows(store, province, Some(commune), s, r)
            .await?
            .into_iter()
            .map(|(_, id, yes)| (id, yes))
            .collect(),
        id if LISTABLE.contains(&id) => nutrition_rows(store, province, Some(commune), s, e)
            .await?
            .into_iter()
            .filter_map(|(_, child, n)| {
                nutrition_flags(&n)
                    .into_iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, yes)| (child, yes))
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// Sum communes' values (numerators and denominators) into one value per indicator.
pub fn sum<'a>(
    values: impl IntoIterator<Item = &'a BTreeMap<&'static str, Value>>,
) -> BTreeMap<&'static str, Value> {
    let mut out: BTreeMap<&'static str, Value> = BTreeMap::new();
    for m in values {
        for (id, v) in m {
            let t = out.entry(id).or_insert(Value {
                numerator: 0.0,
                denominator: v.denominator.map(|_| 0.0),
            });
            t.numerator += v.numerator;
            if let Some(d) = v.denominator {
                *t.denominator.get_or_insert(0.0) += d;
            }
        }
    }
    out
}

/// The cache: per (province, period, reference day), the data versions the values were
/// computed at and the values.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<CacheKey, (Versions, Arc<ByCommune>)>>,
    /// One commune's values when its province's were not computed: (commune, period
    /// code, day) → (shared counter, the commune's counter, values).
    communes: Mutex<HashMap<CacheKey, CommuneEntry>>,
}

type CommuneEntry = (i64, i64, Arc<BTreeMap<&'static str, Value>>);

/// (province, period code, reference day).
type CacheKey = (String, String, Date);

/// The change counters a computation depends on: national and province-level ('*' and
/// the province's own row), and each commune's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    pub shared: i64,
    pub communes: BTreeMap<String, i64>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("indicators::Cache")
    }
}

/// The change counters of a province (see [`Versions`]).
pub async fn data_versions(store: &Store, province: &str) -> Result<Versions> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT v.province_code, v.n FROM data_versions v \
         LEFT JOIN admin_units u ON u.code = v.province_code \
         WHERE v.province_code IN ('*', $1) OR u.province_code = $1",
    )
    .bind(province.to_owned())
    .fetch_all(store.pool())
    .await?;
    let mut out = Versions::default();
    for (code, n) in rows {
        if code == "*" || code == province {
            out.shared += n;
        } else {
            out.communes.insert(code, n);
        }
    }
    Ok(out)
}

/// [`compute`], served from the cache: recomputed for the whole province after a
/// national or province-level change, and for just the communes whose records changed
/// otherwise (a weighing in one commune recomputes that commune only).
pub async fn values(
    store: &Store,
    cache: &Cache,
    province: &str,
    period: &Period,
    now: OffsetDateTime,
) -> Result<Arc<ByCommune>> {
    let today = now.to_offset(mang_domain::cases::VN).date();
    let key = (province.to_owned(), period.to_string(), today);
    let versions = data_versions(store, province).await?;
    let cached = cache
        .entries
        .lock()
        .map_err(|_| crate::StoreError::NotFound)?
        .get(&key)
        .cloned();
    let values = match cached {
        Some((v, values)) if v == versions => return Ok(values),
        Some((v, values)) if v.shared == versions.shared => {
            let mut fresh = (*values).clone();
            for (commune, n) in &versions.communes {
                if v.communes.get(commune) == Some(n) {
                    continue;
                }
                fresh.remove(commune);
                fresh.extend(compute_in(store, province, Some(commune), period, now).await?);
            }
            Arc::new(fresh)
        }
        _ => Arc::new(compute(store, province, period, now).await?),
    };
    let mut entries = cache
        .entries
        .lock()
        .map_err(|_| crate::StoreError::NotFound)?;
    // Yesterday's figures of running periods are not asked for again.
    entries.retain(|(_, _, day), _| *day >= today);
    entries.insert(key, (versions, values.clone()));
    Ok(values)
}

/// One commune's values: from the province's cached figures when they are current for it,
/// else computed for that commune alone (a few hundred milliseconds on a 2.5-million-child
/// province, where the whole province takes tens of seconds) and kept until its counters
/// move. Commune pages and reports never wait for the whole province.
pub async fn commune_values(
    store: &Store,
    cache: &Cache,
    province: &str,
    commune: &str,
    period: &Period,
    now: OffsetDateTime,
) -> Result<Arc<BTreeMap<&'static str, Value>>> {
    let today = now.to_offset(mang_domain::cases::VN).date();
    let key = (province.to_owned(), period.to_string(), today);
    let versions = data_versions(store, province).await?;
    let mine = versions.communes.get(commune).copied().unwrap_or(0);
    if let Some((v, values)) = cache
        .entries
        .lock()
        .map_err(|_| crate::StoreError::NotFound)?
        .get(&key)
        && v.shared == versions.shared
        && v.communes.get(commune).copied().unwrap_or(0) == mine
    {
        return Ok(Arc::new(values.get(commune).cloned().unwrap_or_default()));
    }
    let ckey = (commune.to_owned(), period.to_string(), today);
    if let Some((shared, n, values)) = cache
        .communes
        .lock()
        .map_err(|_| crate::StoreError::NotFound)?
        .get(&ckey)
        && *shared == versions.shared
        && *n == mine
    {
        return Ok(values.clone());
    }
    let values = Arc::new(
        compute_in(store, province, Some(commune), period, now)
            .await?
            .remove(commune)
            .unwrap_or_default(),
    );
    let mut entries = cache
        .communes
        .lock()
        .map_err(|_| crate::StoreError::NotFound)?;
    entries.retain(|(_, _, day), _| *day >= today);
    entries.insert(ckey, (versions.shared, mine, values.clone()));
    Ok(values)
}
