//! Quantitative targets (chỉ tiêu) of the five 2026 plans and the indicators they measure
//! (BRIEF §1), kept as data so that a new plan adds rows, not code:
//!
//! - [`INDICATORS_CSV`] (`data/indicators.csv`): the merged catalogue of 60 indicators
//!   (BRIEF §1.3) with their Vietnamese names, numerator and denominator, unit, where Măng
//!   gets the figure ([`Source`]), disaggregations and the plans that use them;
//! - [`TARGETS_CSV`] (`data/targets.csv`): every target of `HP-SYT`, `HN-UBND`, `NB-SYT`,
//!   `HD-WARD` and `HUE-UBND` (BRIEF §1.2: 91 targets; `HN-28` names two indicators and is
//!   stored as the two rows `HN-28a`, `HN-28b`, so the file has 92 rows), each with its
//!   comparator (BRIEF §1.1), threshold, period, the clause of the plan it comes from, and
//!   the values BRIEF §1.4 flags as suspicious (`HN-10`, `NB-02`, `HUE-06..08`), which are
//!   reproduced as written and flagged, never corrected.
//!
//! Evaluation ([`evaluate`]) compares a [`Value`] (numerator and denominator, never a bare
//! rate: BRIEF §1.4 "small numbers" asks to show counts next to rates and to compute rates
//! of larger units from summed numerators and denominators) with a [`Target`]. Periods use
//! the DHIS2 notation ([`Period`]: `2026`, `2026S1`, `2026Q1`, `202603`, `2026-2030`).

use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;
use time::{Date, Month};

/// The indicator catalogue (`no,id,name_vi,name_en,numerator_vi,denominator_vi,unit,source,
/// disaggregations,used_by`), BRIEF §1.3.
pub const INDICATORS_CSV: &str = include_str!("../../../data/indicators.csv");

/// The targets of the five plans (`target_id,plan,indicator_id,comparator,threshold,unit,
/// period,maintain,baseline_year,source_clause,suspicious,note`), BRIEF §1.2.
pub const TARGETS_CSV: &str = include_str!("../../../data/targets.csv");

const INDICATOR_COLUMNS: [&str; 10] = [
    "no",
    "id",
    "name_vi",
    "name_en",
    "numerator_vi",
    "denominator_vi",
    "unit",
    "source",
    "disaggregations",
    "used_by",
];

const TARGET_COLUMNS: [&str; 12] = [
    "target_id",
    "plan",
    "indicator_id",
    "comparator",
    "threshold",
    "unit",
    "period",
    "maintain",
    "baseline_year",
    "source_clause",
    "suspicious",
    "note",
];

/// The five source plans by the codes BRIEF uses, with the short code of the "used by"
/// column of the catalogue (BRIEF §1.3) and the prefix of their target ids.
pub const PLANS: [(&str, &str); 5] = [
    ("HP-SYT", "HP"),
    ("HN-UBND", "HN"),
    ("NB-SYT", "NB"),
    ("HD-WARD", "HD"),
    ("HUE-UBND", "HUE"),
];

/// Disaggregation codes of the catalogue: sex (Sx), age group (Ag), ethnicity (Et,
/// sensitive personal data, BRIEF §8), commune (Cm, with province roll-up), and `group`:
/// the indicator's own breakdown (CNSC group, form of abuse or harm, injury cause,
/// disability type, policy), which is multi-response (BRIEF §1.4).
pub const DISAGGREGATIONS: [&str; 5] = ["sex", "age", "ethnicity", "commune", "group"];

/// The short plan code (`HN`) of a plan (`HN-UBND`).
pub fn plan_short(plan: &str) -> Option<&'static str> {
    PLANS.iter().find(|(p, _)| *p == plan).map(|(_, s)| *s)
}

/// A malformed catalogue or target list. Lines are numbered from 1 (the header); columns
/// are named by their header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    #[error("dòng 1: tiêu đề phải là \"{expected}\" (đang là \"{found}\")")]
    Header { expected: String, found: String },
    #[error("dòng {line}: có {found} cột, cần {expected} cột")]
    Columns {
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error("dòng {line}, cột {column}: {message}")]
    Field {
        line: usize,
        column: &'static str,
        message: String,
    },
    #[error("dòng {line}, cột {column}: \"{value}\" đã có ở dòng {first_line}")]
    Duplicate {
        line: usize,
        column: &'static str,
        value: String,
        first_line: usize,
    },
}

/// Unit of an indicator (BRIEF §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Percent (tỷ lệ %).
    Pct,
    /// Per 1,000 live births (‰, *trên 1.000 trẻ đẻ sống*).
    Permille,
    /// Per 100,000 children (*trên 100.000 trẻ em*).
    Per100k,
    /// A count (số trường hợp, số vụ, số xã).
    Count,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Pct, Unit::Permille, Unit::Per100k, Unit::Count];

    /// What numerator ÷ denominator is multiplied by (1 for counts, which have none).
    pub fn factor(self) -> f64 {
        match self {
            Unit::Pct => 100.0,
            Unit::Permille => 1000.0,
            Unit::Per100k => 100_000.0,
            Unit::Count => 1.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Pct => "pct",
            Unit::Permille => "permille",
            Unit::Per100k => "per100k",
            Unit::Count => "count",
        }
    }

    /// `pct`, `permille`, `per100k` or `count` (surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.as_str() == s.trim())
    }

    /// The unit as written after a number in a column heading or legend.
    pub fn label_vi(self) -> &'static str {
        match self {
            Unit::Pct => "%",
            Unit::Permille => "‰",
            Unit::Per100k => "/100.000 trẻ em",
            Unit::Count => "",
        }
    }
}

/// Where Măng primarily gets an indicator's figure (BRIEF §1.3 "data" column: I and I\*
/// that Măng holds are computed; otherwise the first of A, S, F listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Computed from the individual records Măng holds (children, births, deaths,
    /// injuries, growth, immunisation, cases).
    Computed,
    /// An aggregate count entered per unit and period (facility or school statistics).
    Aggregate,
    /// A survey estimate (sample based).
    Survey,
    /// A checklist per school or commune (yes/no per unit).
    Checklist,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Computed,
        Source::Aggregate,
        Source::Survey,
        Source::Checklist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Computed => "computed",
            Source::Aggregate => "aggregate",
            Source::Survey => "survey",
            Source::Checklist => "checklist",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Source::Computed => "Tính từ dữ liệu cá nhân",
            Source::Aggregate => "Nhập số tổng hợp",
            Source::Survey => "Số liệu điều tra",
            Source::Checklist => "Danh mục kiểm tra theo đơn vị",
        }
    }
}

/// One indicator of the catalogue (BRIEF §1.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// Row number of BRIEF §1.3 (1–60).
    pub no: u32,
    /// Stable identifier (`infant_mortality_rate`).
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    /// What is counted (tử số).
    pub numerator_vi: String,
    /// What it is divided by (mẫu số); empty for counts.
    pub denominator_vi: String,
    pub unit: Unit,
    pub source: Source,
    /// Codes of [`DISAGGREGATIONS`].
    pub disaggregations: Vec<String>,
    /// Short plan codes of [`PLANS`] (`HP`, `HN`, `NB`, `HD`, `HUE`).
    pub used_by: Vec<String>,
}

/// How a value is compared with the threshold (BRIEF §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// "đạt X%", "X% trở lên", "ít nhất X%".
    Ge,
    /// "trên X%".
    Gt,
    /// "dưới X%", "giảm … xuống dưới X".
    Lt,
    /// "giảm … xuống (mức / còn) X", "khống chế ≤ X".
    Le,
    /// "100%", "đạt 100%": no exception.
    Eq100,
    /// "không có trường hợp", "không để xảy ra", "không còn": count = 0.
    Zero,
    /// "giảm thiểu tối đa … so với năm 2025": count below the baseline year's.
    LtBaseline,
}

impl Comparator {
    pub const ALL: [Comparator; 7] = [
        Comparator::Ge,
        Comparator::Gt,
        Comparator::Lt,
        Comparator::Le,
        Comparator::Eq100,
        Comparator::Zero,
        Comparator::LtBaseline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Ge => "ge",
            Comparator::Gt => "gt",
            Comparator::Lt => "lt",
            Comparator::Le => "le",
            Comparator::Eq100 => "eq100",
            Comparator::Zero => "zero",
            Comparator::LtBaseline => "lt_baseline",
        }
    }

    pub fn parse(s: &str) -> Option<Comparator> {
        Comparator::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// The sign shown before a threshold. `= 100%` follows BRIEF §9 (no space before `%`).
    pub fn label_vi(self) -> &'static str {
        match self {
            Comparator::Ge => "≥",
            Comparator::Gt => ">",
            Comparator::Lt => "<",
            Comparator::Le => "≤",
            Comparator::Eq100 => "= 100%",
            Comparator::Zero => "= 0",
            Comparator::LtBaseline => "< năm gốc",
        }
    }

    /// Whether the comparator takes a numeric threshold (`eq100` has the fixed 100).
    fn needs_threshold(self) -> bool {
        matches!(
            self,
            Comparator::Ge | Comparator::Gt | Comparator::Lt | Comparator::Le | Comparator::Eq100
        )
    }
}

/// A reporting period in DHIS2 notation: a year (`2026`), a half-year (`2026S1`,
/// `2026S2`; plans report "6 tháng" and the year), a quarter (`2026Q1`), a month
/// (`202603`) or several whole years (`2026-2030`, a programme period such as `HD-WARD`'s).
///
/// Parse with [`Period::parse`], which accepts halves 1–2, quarters 1–4, months 1–12 and
/// year ranges with the first year before the last; values built directly outside those
/// ranges are clamped by [`Period::start`] and [`Period::end`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Half(i32, u8),
    Quarter(i32, u8),
    Month(i32, u8),
    /// First and last year, both included.
    Years(i32, i32),
}

const ROMAN_QUARTERS: [&str; 4] = ["I", "II", "III", "IV"];

fn month_of(m: u8) -> Month {
    Month::try_from(m.clamp(1, 12)).unwrap_or(Month::January)
}

/// A calendar date, with the year clamped to the range `time` supports and the day to the
/// month's length.
fn ymd(year: i32, month: u8, day: u8) -> Date {
    let year = year.clamp(-9999, 9999);
    let month = month_of(month);
    let day = day.clamp(1, month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
}

fn last_day(year: i32, month: u8) -> Date {
    ymd(year, month, 31)
}

fn four_digit_year(s: &str) -> Option<i32> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl Period {
    /// `2026`, `2026S1`, `2026S2`, `2026Q1`–`2026Q4`, `202601`–`202612` or `2026-2030`
    /// (surrounding spaces ignored); anything else is `None`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        if let Some((a, b)) = s.split_once('-') {
            let (a, b) = (four_digit_year(a)?, four_digit_year(b)?);
            return (a < b).then_some(Period::Years(a, b));
        }
        if !s.is_ascii() {
            return None;
        }
        match s.len() {
            4 => four_digit_year(s).map(Period::Year),
            6 => {
                let year = four_digit_year(&s[..4])?;
                let rest = &s[4..];
                let n = |t: &str| -> Option<u8> {
                    if t.bytes().all(|b| b.is_ascii_digit()) {
                        t.parse().ok()
                    } else {
                        None
                    }
                };
                match (rest.as_bytes()[0], n(&rest[1..])) {
                    (b'S', Some(h @ 1..=2)) => Some(Period::Half(year, h)),
                    (b'Q', Some(q @ 1..=4)) => Some(Period::Quarter(year, q)),
                    (b'0'..=b'9', _) => match n(rest)? {
                        m @ 1..=12 => Some(Period::Month(year, m)),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The DHIS2 code, as [`Period::parse`] reads it.
    /// The five-year stage a year belongs to (2021–2025, 2026–2030: the stages of the
    /// national programmes for children and of the example plans).
    pub fn stage_of(year: i32) -> Period {
        let start = 2021 + (year - 2021).div_euclid(5) * 5;
        Period::Years(start, start + 4)
    }

    pub fn code(&self) -> String {
        match *self {
            Period::Year(y) => format!("{y:04}"),
            Period::Half(y, h) => format!("{y:04}S{h}"),
            Period::Quarter(y, q) => format!("{y:04}Q{q}"),
            Period::Month(y, m) => format!("{y:04}{m:02}"),
            Period::Years(a, b) => format!("{a:04}-{b:04}"),
        }
    }

    /// First day.
    pub fn start(&self) -> Date {
        match *self {
            Period::Year(y) | Period::Years(y, _) => ymd(y, 1, 1),
            Period::Half(y, h) => ymd(y, if h >= 2 { 7 } else { 1 }, 1),
            Period::Quarter(y, q) => ymd(y, 3 * q.clamp(1, 4) - 2, 1),
            Period::Month(y, m) => ymd(y, m, 1),
        }
    }

    /// Last day (included).
    pub fn end(&self) -> Date {
        match *self {
            Period::Year(y) => ymd(y, 12, 31),
            Period::Years(a, b) => ymd(a.max(b), 12, 31),
            Period::Half(y, h) => last_day(y, if h >= 2 { 12 } else { 6 }),
            Period::Quarter(y, q) => last_day(y, 3 * q.clamp(1, 4)),
            Period::Month(y, m) => last_day(y, m),
        }
    }

    /// "năm 2026", "6 tháng đầu năm 2026", "6 tháng cuối năm 2026", "quý I/2026",
    /// "tháng 3/2026", "giai đoạn 2026–2030".
    pub fn label_vi(&self) -> String {
        match *self {
            Period::Year(y) => format!("năm {y}"),
            Period::Half(y, h) if h >= 2 => format!("6 tháng cuối năm {y}"),
            Period::Half(y, _) => format!("6 tháng đầu năm {y}"),
            Period::Quarter(y, q) => {
                format!("quý {}/{y}", ROMAN_QUARTERS[usize::from(q.clamp(1, 4)) - 1])
            }
            Period::Month(y, m) => format!("tháng {}/{y}", m.clamp(1, 12)),
            Period::Years(a, b) => format!("giai đoạn {a}–{b}"),
        }
    }

    /// Whether `date` falls in the period (both ends included).
    pub fn contains(&self, date: Date) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// The period of the same kind just before (a year range moves back by its length:
    /// `2026-2030` → `2021-2025`).
    pub fn previous(&self) -> Period {
        match *self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Half(y, h) if h >= 2 => Period::Half(y, 1),
            Period::Half(y, _) => Period::Half(y - 1, 2),
            Period::Quarter(y, q) if q > 1 => Period::Quarter(y, q.min(4) - 1),
            Period::Quarter(y, _) => Period::Quarter(y - 1, 4),
            Period::Month(y, m) if m > 1 => Period::Month(y, m.min(12) - 1),
            Period::Month(y, _) => Period::Month(y - 1, 12),
            Period::Years(a, b) => {
                let len = b - a + 1;
                Period::Years(a - len, b - len)
            }
        }
    }

    /// The months of the period, in order (for monthly trend charts).
    pub fn months(&self) -> Vec<Period> {
        let (start, end) = (self.start(), self.end());
        let mut out = Vec::new();
        let (mut y, mut m) = (start.year(), u8::from(start.month()));
        while (y, m) <= (end.year(), u8::from(end.month())) {
            out.push(Period::Month(y, m));
            if m == 12 {
                y += 1;
                m = 1;
            } else {
                m += 1;
            }
        }
        out
    }

    /// Number of days in the period.
    pub fn days(&self) -> i64 {
        (self.end() - self.start()).whole_days() + 1
    }

    /// Share of the period already elapsed on `today`: whole days before `today` ÷ days in
    /// the period, in 0..=1. `today` itself is still running, so the first day gives 0 and
    /// the period is complete (1) from the day after its last day.
    pub fn fraction_elapsed(&self, today: Date) -> f64 {
        let elapsed = (today - self.start()).whole_days().clamp(0, self.days());
        elapsed as f64 / self.days() as f64
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

/// One target of a plan (BRIEF §1.2, stored as data per §1.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// `HP-03`, `HN-28a`.
    pub id: String,
    /// A plan code of [`PLANS`] (`HN-UBND`).
    pub plan: String,
    pub indicator_id: String,
    pub comparator: Comparator,
    /// `None` for `zero` and `lt_baseline`; 100 for `eq100`.
    pub threshold: Option<f64>,
    /// The indicator's unit (repeated so that a target reads on its own).
    pub unit: Unit,
    pub period: Period,
    /// "Duy trì …": already achieved, to be kept.
    pub maintain: bool,
    /// The year compared with for `lt_baseline` (2025 for `HN-24`).
    pub baseline_year: Option<i32>,
    /// Where in the plan the target is written (`Mục II.2`).
    pub source_clause: String,
    /// A value BRIEF §1.4 doubts; shown with a warning, the reason in `note`.
    pub suspicious: bool,
    /// Vietnamese note: definition differences, ambiguity, reason for `suspicious`.
    pub note: String,
}

/// Whether a target is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::NoData => "no_data",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Met => "Đạt",
            Status::NotMet => "Chưa đạt",
            Status::NoData => "Không có số liệu",
        }
    }
}

/// An indicator's figure for one unit and period: the numerator and, for rates, the
/// denominator (BRIEF §1.4: keep both, sum them to roll up, never average rates).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Value {
    pub numerator: f64,
    pub denominator: Option<f64>,
}

/// Denominators below which a rate is shown with a "small numbers" caution (BRIEF §1.4:
/// one infant death in a ward of ~300 births is 3,3 ‰). These are Măng's choice, not a
/// legal rule: 30 for percentages (the usual minimum for a stable proportion), 1.000 live
/// births for ‰ (one event moves the rate by 1 ‰ or more), 10.000 children for
/// /100.000 (one event moves it by 10 or more).
pub const SMALL_DENOMINATOR_PCT: f64 = 30.0;
pub const SMALL_DENOMINATOR_PERMILLE: f64 = 1000.0;
pub const SMALL_DENOMINATOR_PER100K: f64 = 10_000.0;

impl Value {
    /// A count (no denominator).
    pub fn count(n: f64) -> Value {
        Value {
            numerator: n,
            denominator: None,
        }
    }

    /// A rate's numerator and denominator.
    pub fn ratio(numerator: f64, denominator: f64) -> Value {
        Value {
            numerator,
            denominator: Some(denominator),
        }
    }

    /// The value in `unit`: numerator ÷ denominator × [`Unit::factor`]; for counts the
    /// numerator. `None` when a rate has no denominator or a denominator of 0 (or less).
    pub fn rate(&self, unit: Unit) -> Option<f64> {
        match (unit, self.denominator) {
            (Unit::Count, _) => Some(self.numerator),
            (_, Some(d)) if d > 0.0 => Some(self.numerator / d * unit.factor()),
            _ => None,
        }
    }

    /// Whether the rate rests on too few cases to read on its own (see
    /// [`SMALL_DENOMINATOR_PCT`] and the others). Counts are never small; a missing
    /// denominator is not small either (there is no rate to caution about).
    pub fn small_denominator(&self, unit: Unit) -> bool {
        let limit = match unit {
            Unit::Pct => SMALL_DENOMINATOR_PCT,
            Unit::Permille => SMALL_DENOMINATOR_PERMILLE,
            Unit::Per100k => SMALL_DENOMINATOR_PER100K,
            Unit::Count => return false,
        };
        self.denominator.is_some_and(|d| d < limit)
    }
}

/// Tolerance of the comparisons, so that 7 ÷ 2000 × 1000 (3,5000000000000004 in floating
/// point) meets "≤ 3,5".
const EPSILON: f64 = 1e-9;

/// Whether `value` meets `target`. Rates are compared exactly (with a 1e-9 tolerance for
/// floating point), not as displayed: 3,54 ‰ shows as "3,5‰" but does not meet "≤ 3,5".
///
/// - `ge`, `gt`, `lt`, `le`: the rate in the target's unit against the threshold;
/// - `eq100`: rate ≥ 100 − 1e-9;
/// - `zero`: numerator = 0;
/// - `lt_baseline`: numerator below the baseline's numerator; `NoData` without a baseline.
///
/// `NoData` when there is no value or no rate (no or zero denominator).
pub fn evaluate(target: &Target, value: Option<&Value>, baseline: Option<&Value>) -> Status {
    let Some(value) = value else {
        return Status::NoData;
    };
    let met = match target.comparator {
        Comparator::Zero => value.numerator == 0.0,
        Comparator::LtBaseline => match baseline {
            Some(b) => value.numerator < b.numerator,
            None => return Status::NoData,
        },
        Comparator::Eq100 => match value.rate(target.unit) {
            Some(r) => r >= 100.0 - EPSILON,
            None => return Status::NoData,
        },
        c => {
            let (Some(r), Some(t)) = (value.rate(target.unit), target.threshold) else {
                return Status::NoData;
            };
            match c {
                Comparator::Ge => r >= t - EPSILON,
                Comparator::Gt => r > t + EPSILON,
                Comparator::Lt => r < t - EPSILON,
                _ => r <= t + EPSILON,
            }
        }
    };
    if met { Status::Met } else { Status::NotMet }
}

/// The expected end-of-period value of a running `period` from the value so far: a rate
/// stays as it is (numerator and denominator grow together); a count is scaled by
/// 1 ÷ [`Period::fraction_elapsed`]. `None` before any whole day has elapsed, or when the
/// rate has no denominator.
pub fn project(target: &Target, value: &Value, period: &Period, today: Date) -> Option<f64> {
    match target.unit {
        Unit::Count => {
            let f = period.fraction_elapsed(today);
            (f > 0.0).then(|| value.numerator / f)
        }
        unit => value.rate(unit),
    }
}

/// A value as Vietnamese readers expect it (BRIEF §9): `6,4%`, `1,5‰`, `80/100.000`,
/// `1.234`. Rates are rounded to one decimal and a trailing ",0" is dropped (`95%`, as the
/// plans write whole thresholds); counts are rounded to whole numbers. Not-a-number and
/// infinities show as "—".
pub fn format_value(unit: Unit, v: f64) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    match unit {
        Unit::Pct => format!("{}%", crate::vi::decimal_rounded(v, 1)),
        Unit::Permille => format!("{}‰", crate::vi::decimal_rounded(v, 1)),
        Unit::Per100k => format!("{}/100.000", crate::vi::decimal_rounded(v, 1)),
        Unit::Count => crate::vi::decimal_rounded(v, 0),
    }
}

/// The target as a short text: "≤ 3,5‰", "≥ 95%", "> 99%", "= 100%", "= 0", "≥ 79",
/// "< năm 2025".
pub fn format_threshold(t: &Target) -> String {
    match t.comparator {
        Comparator::Eq100 | Comparator::Zero => t.comparator.label_vi().to_owned(),
        Comparator::LtBaseline => match t.baseline_year {
            Some(y) => format!("< năm {y}"),
            None => Comparator::LtBaseline.label_vi().to_owned(),
        },
        c => match t.threshold {
            Some(v) => format!("{} {}", c.label_vi(), format_value(t.unit, v)),
            None => c.label_vi().to_owned(),
        },
    }
}

/// The catalogue of 60 indicators, in the order of BRIEF §1.3. Parsed once; panics only if
/// the embedded file is malformed, which a test rules out.
pub fn catalogue() -> &'static [Indicator] {
    static LIST: OnceLock<Vec<Indicator>> = OnceLock::new();
    LIST.get_or_init(|| {
        parse_indicators(INDICATORS_CSV).unwrap_or_else(|e| panic!("data/indicators.csv: {e}"))
    })
}

/// An indicator of the catalogue by id.
pub fn indicator(id: &str) -> Option<&'static Indicator> {
    catalogue().iter().find(|i| i.id == id.trim())
}

/// Every target of the five plans, in file order (plan by plan). Parsed once; panics only
/// if the embedded file is malformed, which a test rules out.
pub fn targets() -> &'static [Target] {
    static LIST: OnceLock<Vec<Target>> = OnceLock::new();
    LIST.get_or_init(|| {
        parse_targets(TARGETS_CSV).unwrap_or_else(|e| panic!("data/targets.csv: {e}"))
    })
}

/// The targets set on one indicator, in every plan.
pub fn targets_for(indicator_id: &str) -> impl Iterator<Item = &'static Target> {
    targets()
        .iter()
        .filter(move |t| t.indicator_id == indicator_id)
}

/// One CSV record split into fields: double-quoted fields may hold commas, `""` is a quote.
/// A quote left open gives the index of the field it opened.
fn split_record(line: &str) -> Result<Vec<String>, usize> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err(out.len());
    }
    out.push(cur);
    Ok(out)
}

/// The data rows of a CSV text with the expected header: `(line number, fields trimmed)`,
/// empty lines skipped.
fn records(text: &str, columns: &[&'static str]) -> Result<Vec<(usize, Vec<String>)>, DataError> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, l)| l.trim_start_matches('\u{feff}').trim())
        .unwrap_or("");
    let found: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    if found != columns {
        return Err(DataError::Header {
            expected: columns.join(","),
            found: header.to_owned(),
        });
    }
    let mut out = Vec::new();
    for (i, raw) in lines {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let fields = split_record(raw).map_err(|index| DataError::Field {
            line,
            column: columns[index.min(columns.len() - 1)],
            message: "dấu ngoặc kép (\") chưa được đóng".to_owned(),
        })?;
        if fields.len() != columns.len() {
            return Err(DataError::Columns {
                line,
                found: fields.len(),
                expected: columns.len(),
            });
        }
        out.push((
            line,
            fields.into_iter().map(|f| f.trim().to_owned()).collect(),
        ));
    }
    Ok(out)
}

fn field_error(line: usize, column: &'static str, message: String) -> DataError {
    DataError::Field {
        line,
        column,
        message,
    }
}

/// A `|`-separated list, each element one of `allowed`, none repeated.
fn code_list(
    s: &str,
    allowed: &[&str],
    line: usize,
    column: &'static str,
) -> Result<Vec<String>, DataError> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for code in s.split('|').map(str::trim) {
        if !allowed.contains(&code) {
            return Err(field_error(
                line,
                column,
                format!(
                    "\"{code}\" không phải mã hợp lệ (một trong: {})",
                    allowed.join(", ")
                ),
            ));
        }
        if out.iter().any(|c| c == code) {
            return Err(field_error(line, column, format!("mã \"{code}\" bị lặp")));
        }
        out.push(code.to_owned());
    }
    Ok(out)
}

fn required(s: &str, line: usize, column: &'static str) -> Result<(), DataError> {
    if s.is_empty() {
        Err(field_error(line, column, "thiếu giá trị".to_owned()))
    } else {
        Ok(())
    }
}

fn flag(s: &str, line: usize, column: &'static str) -> Result<bool, DataError> {
    match s {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(field_error(
            line,
            column,
            format!("\"{s}\" phải là 1 (có) hoặc 0 (không)"),
        )),
    }
}

/// An id of lower-case letters, digits and `_`.
fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Parse the indicator catalogue. Errors name the line and the column; numbers must run
/// 1, 2, 3… in order, ids are unique, rates need a denominator and counts have none.
pub fn parse_indicators(text: &str) -> Result<Vec<Indicator>, DataError> {
    let short: Vec<&str> = PLANS.iter().map(|(_, s)| *s).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<Indicator> = Vec::new();
    for (line, f) in records(text, &INDICATOR_COLUMNS)? {
        let no: u32 = f[0]
            .parse()
            .map_err(|_| field_error(line, "no", format!("\"{}\" không phải số thứ tự", f[0])))?;
        let expected = out.len() as u32 + 1;
        if no != expected {
            return Err(field_error(
                line,
                "no",
                format!("số thứ tự {no} không liền mạch (cần {expected})"),
            ));
        }
        let id = f[1].clone();
        if !valid_id(&id) {
            return Err(field_error(
                line,
                "id",
                format!("\"{id}\" chỉ được gồm chữ thường không dấu, chữ số và dấu gạch dưới"),
            ));
        }
        if let Some(first_line) = seen.insert(id.clone(), line) {
            return Err(DataError::Duplicate {
                line,
                column: "id",
                value: id,
                first_line,
            });
        }
        for (i, column) in [(2, "name_vi"), (3, "name_en"), (4, "numerator_vi")] {
            required(&f[i], line, column)?;
        }
        let unit = Unit::parse(&f[6]).ok_or_else(|| {
            field_error(
                line,
                "unit",
                format!("\"{}\" phải là pct, permille, per100k hoặc count", f[6]),
            )
        })?;
        if unit != Unit::Count {
            required(&f[5], line, "denominator_vi")?;
        }
        let source = Source::parse(&f[7]).ok_or_else(|| {
            field_error(
                line,
                "source",
                format!(
                    "\"{}\" phải là computed, aggregate, survey hoặc checklist",
                    f[7]
                ),
            )
        })?;
        let disaggregations = code_list(&f[8], &DISAGGREGATIONS, line, "disaggregations")?;
        let used_by = code_list(&f[9], &short, line, "used_by")?;
        if used_by.is_empty() {
            return Err(field_error(line, "used_by", "thiếu giá trị".to_owned()));
        }
        out.push(Indicator {
            no,
            id,
            name_vi: f[2].clone(),
            name_en: f[3].clone(),
            numerator_vi: f[4].clone(),
            denominator_vi: f[5].clone(),
            unit,
            source,
            disaggregations,
            used_by,
        });
    }
    Ok(out)
}

/// Parse the target list. Errors name the line and the column. Checks: unique target ids,
/// a plan of [`PLANS`], an indicator of the [`catalogue`], a threshold (dot decimal) for
/// `ge`/`gt`/`lt`/`le`, exactly 100 for `eq100` and none for `zero`/`lt_baseline`, a
/// baseline year for `lt_baseline` only, a [`Period`] code, and a note for a suspicious
/// value.
pub fn parse_targets(text: &str) -> Result<Vec<Target>, DataError> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (line, f) in records(text, &TARGET_COLUMNS)? {
        let id = f[0].clone();
        required(&id, line, "target_id")?;
        if let Some(first_line) = seen.insert(id.clone(), line) {
            return Err(DataError::Duplicate {
                line,
                column: "target_id",
                value: id,
                first_line,
            });
        }
        let plan = f[1].clone();
        if plan_short(&plan).is_none() {
            let codes: Vec<&str> = PLANS.iter().map(|(p, _)| *p).collect();
            return Err(field_error(
                line,
                "plan",
                format!("\"{plan}\" phải là một trong: {}", codes.join(", ")),
            ));
        }
        let indicator_id = f[2].clone();
        if indicator(&indicator_id).is_none() {
            return Err(field_error(
                line,
                "indicator_id",
                format!("chỉ số \"{indicator_id}\" không có trong danh mục chỉ số"),
            ));
        }
        let comparator = Comparator::parse(&f[3]).ok_or_else(|| {
            field_error(
                line,
                "comparator",
                format!(
                    "\"{}\" phải là ge, gt, lt, le, eq100, zero hoặc lt_baseline",
                    f[3]
                ),
            )
        })?;
        let threshold = if comparator.needs_threshold() {
            let t: f64 = f[4]
                .parse()
                .ok()
                .filter(|t: &f64| t.is_finite() && *t >= 0.0)
                .ok_or_else(|| {
                    field_error(
                        line,
                        "threshold",
                        format!(
                            "\"{}\" không phải số không âm (dùng dấu chấm thập phân, ví dụ 3.5)",
                            f[4]
                        ),
                    )
                })?;
            if comparator == Comparator::Eq100 && t != 100.0 {
                return Err(field_error(
                    line,
                    "threshold",
                    format!("chỉ tiêu eq100 phải có ngưỡng 100 (đang là {})", f[4]),
                ));
            }
            Some(t)
        } else {
            if !f[4].is_empty() {
                return Err(field_error(
                    line,
                    "threshold",
                    format!(
                        "chỉ tiêu {} không có ngưỡng (để trống)",
                        comparator.as_str()
                    ),
                ));
            }
            None
        };
        let unit = Unit::parse(&f[5]).ok_or_else(|| {
            field_error(
                line,
                "unit",
                format!("\"{}\" phải là pct, permille, per100k hoặc count", f[5]),
            )
        })?;
        let period = Period::parse(&f[6]).ok_or_else(|| {
            field_error(
                line,
                "period",
                format!(
                    "\"{}\" không phải kỳ hợp lệ (2026, 2026S1, 2026Q1, 202603, 2026-2030)",
                    f[6]
                ),
            )
        })?;
        let maintain = flag(&f[7], line, "maintain")?;
        let baseline_year = match (comparator, f[8].as_str()) {
            (Comparator::LtBaseline, s) => Some(four_digit_year(s).ok_or_else(|| {
                field_error(
                    line,
                    "baseline_year",
                    format!("chỉ tiêu lt_baseline cần năm gốc 4 chữ số (đang là \"{s}\")"),
                )
            })?),
            (_, "") => None,
            (c, _) => {
                return Err(field_error(
                    line,
                    "baseline_year",
                    format!("chỉ tiêu {} không có năm gốc (để trống)", c.as_str()),
                ));
            }
        };
        let suspicious = flag(&f[10], line, "suspicious")?;
        if suspicious && f[11].is_empty() {
            return Err(field_error(
                line,
                "note",
                "giá trị đáng ngờ cần ghi lý do".to_owned(),
            ));
        }
        out.push(Target {
            id,
            plan,
            indicator_id,
            comparator,
            threshold,
            unit,
            period,
            maintain,
            baseline_year,
            source_clause: f[9].clone(),
            suspicious,
            note: f[11].clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn target(comparator: Comparator, threshold: Option<f64>, unit: Unit) -> Target {
        Target {
            id: "T-01".into(),
            plan: "HP-SYT".into(),
            indicator_id: "infant_mortality_rate".into(),
            comparator,
            threshold,
            unit,
            period: Period::Year(2026),
            maintain: false,
            baseline_year: (comparator == Comparator::LtBaseline).then_some(2025),
            source_clause: String::new(),
            suspicious: false,
            note: String::new(),
        }
    }

    fn find(id: &str) -> &'static Target {
        targets()
            .iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("target {id}"))
    }

    // --- embedded data -----------------------------------------------------------------

    #[test]
    fn catalogue_has_the_60_indicators_of_brief_1_3() {
        let c = catalogue();
        assert_eq!(c.len(), 60);
        for (i, ind) in c.iter().enumerate() {
            assert_eq!(ind.no as usize, i + 1);
        }
        let mut ids: Vec<&str> = c.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 60, "ids are unique");
        assert_eq!(c[0].id, "neonatal_mortality_rate");
        assert_eq!(c[59].id, "communes_with_child_plan_pct");
        let imr = indicator("infant_mortality_rate").unwrap();
        assert_eq!(imr.name_vi, "Tỷ suất tử vong trẻ em dưới 1 tuổi");
        assert_eq!(imr.unit, Unit::Permille);
        assert_eq!(imr.used_by, ["HP", "HN", "HD", "HUE"]);
        assert_eq!(
            indicator("child_friendly_communes").unwrap().unit,
            Unit::Count
        );
        assert!(indicator("nope").is_none());
    }

    #[test]
    fn catalogue_text_is_nfc_vietnamese() {
        use unicode_normalization::UnicodeNormalization;
        let nfc: String = INDICATORS_CSV.nfc().collect();
        assert_eq!(nfc, INDICATORS_CSV);
        let nfc: String = TARGETS_CSV.nfc().collect();
        assert_eq!(nfc, TARGETS_CSV);
        assert_eq!(
            indicator("cnsc_supported_pct").unwrap().name_vi,
            "Tỷ lệ trẻ em có hoàn cảnh đặc biệt được chăm sóc, nuôi dưỡng, trợ giúp"
        );
    }

    #[test]
    fn computed_indicators_are_those_from_records_mang_holds() {
        let computed: Vec<u32> = catalogue()
            .iter()
            .filter(|i| i.source == Source::Computed)
            .map(|i| i.no)
            .collect();
        assert_eq!(
            computed,
            [
                1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 17, 19, 27, 28, 29, 30, 31, 33, 34, 35,
                36, 39, 41, 55, 56, 57, 58, 59, 60
            ]
        );
        for i in catalogue() {
            assert_eq!(
                i.denominator_vi.is_empty(),
                i.unit == Unit::Count,
                "{}: counts and only counts have no denominator",
                i.id
            );
            assert!(i.disaggregations.iter().any(|d| d == "commune"), "{}", i.id);
        }
    }

    #[test]
    fn the_five_plans_have_91_targets_in_92_rows() {
        let all = targets();
        assert_eq!(
            all.len(),
            92,
            "91 targets, HN-28 split into HN-28a and HN-28b"
        );
        let numbered: std::collections::BTreeSet<&str> = all
            .iter()
            .map(|t| t.id.trim_end_matches(['a', 'b']))
            .collect();
        assert_eq!(numbered.len(), 91);
        let per_plan = |p: &str| all.iter().filter(|t| t.plan == p).count();
        assert_eq!(per_plan("HP-SYT"), 6);
        assert_eq!(per_plan("HN-UBND"), 46);
        assert_eq!(per_plan("NB-SYT"), 3);
        assert_eq!(per_plan("HD-WARD"), 17);
        assert_eq!(per_plan("HUE-UBND"), 20);
        assert_eq!(find("HN-28a").indicator_id, "child_marriage_cases");
        assert_eq!(find("HN-28b").indicator_id, "consanguineous_marriage_cases");
    }

    #[test]
    fn every_target_matches_its_indicator_and_plan() {
        for t in targets() {
            let ind = indicator(&t.indicator_id).unwrap();
            assert_eq!(t.unit, ind.unit, "{}: unit", t.id);
            let short = plan_short(&t.plan).unwrap();
            assert!(t.id.starts_with(&format!("{short}-")), "{}: prefix", t.id);
            assert!(
                ind.used_by.iter().any(|u| u == short),
                "{}: {} does not list {short}",
                t.id,
                ind.id
            );
            let expected_period = if t.plan == "HD-WARD" {
                Period::Years(2026, 2030)
            } else {
                Period::Year(2026)
            };
            assert_eq!(t.period, expected_period, "{}", t.id);
            assert!(!t.source_clause.is_empty(), "{}", t.id);
        }
        // Every plan listed in "used by" has a target on the indicator, and every
        // indicator has a target.
        for ind in catalogue() {
            for short in &ind.used_by {
                assert!(
                    targets_for(&ind.id).any(|t| plan_short(&t.plan) == Some(short.as_str())),
                    "{} is used by {short} but has no target there",
                    ind.id
                );
            }
        }
    }

    #[test]
    fn targets_read_as_the_brief_lists_them() {
        let hp03 = find("HP-03");
        assert_eq!(
            (hp03.comparator, hp03.threshold, hp03.unit),
            (Comparator::Le, Some(3.5), Unit::Permille)
        );
        assert_eq!(format_threshold(hp03), "≤ 3,5‰");
        assert_eq!(format_threshold(find("HP-01")), "≥ 95%");
        assert_eq!(format_threshold(find("HN-01")), "= 100%");
        assert_eq!(format_threshold(find("HN-02")), "≥ 79");
        assert_eq!(format_threshold(find("HN-12")), "≥ 95,1%");
        assert_eq!(format_threshold(find("HN-13")), "= 0");
        assert_eq!(format_threshold(find("HN-24")), "< năm 2025");
        assert_eq!(format_threshold(find("HN-25")), "≤ 80/100.000");
        assert_eq!(format_threshold(find("HN-29")), "> 99%");
        assert_eq!(format_threshold(find("HN-36")), "< 0,1%");
        assert_eq!(format_threshold(find("HD-13")), "< 3%");
        assert_eq!(format_threshold(find("NB-01")), "≤ 550/100.000");
        let hn24 = find("HN-24");
        assert_eq!(
            (hn24.comparator, hn24.baseline_year),
            (Comparator::LtBaseline, Some(2025))
        );
        let maintained: Vec<&str> = targets()
            .iter()
            .filter(|t| t.maintain)
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(
            maintained,
            [
                "HN-05", "HN-06", "HN-07", "HN-13", "HN-18", "HN-19", "HN-21", "HN-23", "HN-28a",
                "HN-28b", "HD-11", "HUE-10"
            ]
        );
    }

    #[test]
    fn suspicious_values_of_brief_1_4_are_flagged_with_a_reason() {
        let flagged: Vec<&str> = targets()
            .iter()
            .filter(|t| t.suspicious)
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(flagged, ["HN-10", "NB-02", "HUE-06", "HUE-07", "HUE-08"]);
        for id in flagged {
            assert!(find(id).note.starts_with("Giá trị đáng ngờ"), "{id}");
        }
        // Reproduced as written, not corrected.
        assert_eq!(find("HN-10").threshold, Some(1.0));
        assert_eq!(find("NB-02").threshold, Some(3.0));
        assert_eq!(find("HUE-07").threshold, Some(14.0));
    }

    // --- periods -------------------------------------------------------------------------

    #[test]
    fn periods_round_trip_through_their_codes() {
        for code in [
            "2026",
            "2026S1",
            "2026S2",
            "2026Q1",
            "2026Q4",
            "202601",
            "202612",
            "2026-2030",
        ] {
            let p = Period::parse(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!(p.code(), code);
            assert_eq!(p.to_string(), code);
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{code}\""));
        }
        assert_eq!(Period::parse(" 2026Q2 "), Some(Period::Quarter(2026, 2)));
        for bad in [
            "",
            "26",
            "2026S3",
            "2026S0",
            "2026Q5",
            "2026Q0",
            "202613",
            "202600",
            "2026-2026",
            "2030-2026",
            "2026W1",
            "2026-",
            "20261",
            "2026年",
            "2026Q१",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn periods_start_and_end_on_the_right_days() {
        let p = |s: &str| Period::parse(s).unwrap();
        assert_eq!(
            (p("2026").start(), p("2026").end()),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        assert_eq!(
            (p("2026S1").start(), p("2026S1").end()),
            (date!(2026 - 01 - 01), date!(2026 - 06 - 30))
        );
        assert_eq!(
            (p("2026S2").start(), p("2026S2").end()),
            (date!(2026 - 07 - 01), date!(2026 - 12 - 31))
        );
        assert_eq!(
            (p("2026Q1").start(), p("2026Q1").end()),
            (date!(2026 - 01 - 01), date!(2026 - 03 - 31))
        );
        assert_eq!(p("2026Q3").end(), date!(2026 - 09 - 30));
        assert_eq!(
            (p("202602").start(), p("202602").end()),
            (date!(2026 - 02 - 01), date!(2026 - 02 - 28))
        );
        assert_eq!(p("202802").end(), date!(2028 - 02 - 29));
        assert_eq!(p("202604").end(), date!(2026 - 04 - 30));
        assert_eq!(
            (p("2026-2030").start(), p("2026-2030").end()),
            (date!(2026 - 01 - 01), date!(2030 - 12 - 31))
        );
        assert_eq!(p("2028").days(), 366);
        assert!(p("2026S2").contains(date!(2026 - 07 - 01)));
        assert!(p("2026S2").contains(date!(2026 - 12 - 31)));
        assert!(!p("2026S2").contains(date!(2026 - 06 - 30)));
        // Out-of-range values built by hand are clamped, never panic.
        assert_eq!(Period::Month(2026, 13).end(), date!(2026 - 12 - 31));
        assert_eq!(Period::Quarter(2026, 0).start(), date!(2026 - 01 - 01));
    }

    #[test]
    fn periods_have_vietnamese_labels() {
        let label = |s: &str| Period::parse(s).unwrap().label_vi();
        assert_eq!(label("2026"), "năm 2026");
        assert_eq!(label("2026S1"), "6 tháng đầu năm 2026");
        assert_eq!(label("2026S2"), "6 tháng cuối năm 2026");
        assert_eq!(label("2026Q1"), "quý I/2026");
        assert_eq!(label("2026Q4"), "quý IV/2026");
        assert_eq!(label("202603"), "tháng 3/2026");
        assert_eq!(label("2026-2030"), "giai đoạn 2026–2030");
    }

    #[test]
    fn previous_periods_and_months() {
        let prev = |s: &str| Period::parse(s).unwrap().previous().code();
        assert_eq!(prev("2026"), "2025");
        assert_eq!(prev("2026S2"), "2026S1");
        assert_eq!(prev("2026S1"), "2025S2");
        assert_eq!(prev("2026Q3"), "2026Q2");
        assert_eq!(prev("2026Q1"), "2025Q4");
        assert_eq!(prev("202603"), "202602");
        assert_eq!(prev("202601"), "202512");
        assert_eq!(prev("2026-2030"), "2021-2025");
        let codes = |s: &str| -> Vec<String> {
            Period::parse(s)
                .unwrap()
                .months()
                .iter()
                .map(Period::code)
                .collect()
        };
        assert_eq!(codes("2026Q2"), ["202604", "202605", "202606"]);
        assert_eq!(codes("202603"), ["202603"]);
        assert_eq!(codes("2026").len(), 12);
        let s2 = codes("2026S2");
        assert_eq!((s2.len(), s2[0].as_str()), (6, "202607"));
        let years = codes("2026-2030");
        assert_eq!(
            (years.len(), years[0].as_str(), years[59].as_str()),
            (60, "202601", "203012")
        );
    }

    #[test]
    fn fraction_elapsed_counts_whole_days_before_today() {
        let y = Period::Year(2028);
        assert_eq!(y.fraction_elapsed(date!(2027 - 12 - 31)), 0.0);
        assert_eq!(y.fraction_elapsed(date!(2028 - 01 - 01)), 0.0);
        assert_eq!(y.fraction_elapsed(date!(2028 - 07 - 02)), 0.5);
        assert_eq!(y.fraction_elapsed(date!(2028 - 12 - 31)), 365.0 / 366.0);
        assert_eq!(y.fraction_elapsed(date!(2029 - 01 - 01)), 1.0);
        assert_eq!(y.fraction_elapsed(date!(2030 - 06 - 01)), 1.0);
        let m = Period::Month(2026, 2);
        assert_eq!(m.fraction_elapsed(date!(2026 - 02 - 15)), 0.5);
    }

    // --- values and evaluation -------------------------------------------------------------

    #[test]
    fn rates_use_the_unit_factor() {
        let v = Value::ratio(7.0, 2000.0);
        assert!((v.rate(Unit::Permille).unwrap() - 3.5).abs() < 1e-12);
        assert!((v.rate(Unit::Pct).unwrap() - 0.35).abs() < 1e-12);
        assert!((v.rate(Unit::Per100k).unwrap() - 350.0).abs() < 1e-9);
        assert_eq!(Value::count(4.0).rate(Unit::Count), Some(4.0));
        assert_eq!(Value::ratio(4.0, 0.0).rate(Unit::Pct), None);
        assert_eq!(Value::count(4.0).rate(Unit::Pct), None);
    }

    #[test]
    fn small_denominators_are_flagged() {
        assert!(Value::ratio(1.0, 29.0).small_denominator(Unit::Pct));
        assert!(!Value::ratio(1.0, 30.0).small_denominator(Unit::Pct));
        assert!(Value::ratio(1.0, 300.0).small_denominator(Unit::Permille));
        assert!(!Value::ratio(7.0, 2000.0).small_denominator(Unit::Permille));
        assert!(Value::ratio(1.0, 9_999.0).small_denominator(Unit::Per100k));
        assert!(!Value::ratio(1.0, 10_000.0).small_denominator(Unit::Per100k));
        assert!(!Value::count(1.0).small_denominator(Unit::Count));
        assert!(!Value::count(1.0).small_denominator(Unit::Pct));
    }

    #[test]
    fn le_is_met_at_the_threshold() {
        // IMR ≤ 3,5 ‰ (HP-03): 7 deaths in 2 000 births is exactly 3,5.
        let t = find("HP-03");
        let births = |d: f64| Value::ratio(d, 2000.0);
        assert_eq!(evaluate(t, Some(&births(7.0)), None), Status::Met);
        assert_eq!(evaluate(t, Some(&births(6.0)), None), Status::Met);
        assert_eq!(evaluate(t, Some(&births(8.0)), None), Status::NotMet);
    }

    #[test]
    fn strict_and_loose_comparators_differ_at_the_threshold() {
        let at = Value::ratio(95.0, 100.0);
        let above = Value::ratio(951.0, 1000.0);
        let below = Value::ratio(949.0, 1000.0);
        let ge = target(Comparator::Ge, Some(95.0), Unit::Pct);
        let gt = target(Comparator::Gt, Some(95.0), Unit::Pct);
        let lt = target(Comparator::Lt, Some(95.0), Unit::Pct);
        assert_eq!(evaluate(&ge, Some(&at), None), Status::Met);
        assert_eq!(evaluate(&ge, Some(&below), None), Status::NotMet);
        assert_eq!(evaluate(&gt, Some(&at), None), Status::NotMet);
        assert_eq!(evaluate(&gt, Some(&above), None), Status::Met);
        assert_eq!(evaluate(&lt, Some(&at), None), Status::NotMet);
        assert_eq!(evaluate(&lt, Some(&below), None), Status::Met);
        // HN-36: THCS dropout < 0,1 %.
        let hn36 = find("HN-36");
        assert_eq!(
            evaluate(hn36, Some(&Value::ratio(9.0, 10_000.0)), None),
            Status::Met
        );
        assert_eq!(
            evaluate(hn36, Some(&Value::ratio(10.0, 10_000.0)), None),
            Status::NotMet
        );
        // HN-02: at least 79 child-friendly communes (a count).
        let hn02 = find("HN-02");
        assert_eq!(evaluate(hn02, Some(&Value::count(79.0)), None), Status::Met);
        assert_eq!(
            evaluate(hn02, Some(&Value::count(78.0)), None),
            Status::NotMet
        );
    }

    #[test]
    fn eq100_needs_every_case() {
        let t = find("HN-22");
        assert_eq!(
            evaluate(t, Some(&Value::ratio(12.0, 12.0)), None),
            Status::Met
        );
        assert_eq!(
            evaluate(t, Some(&Value::ratio(999.0, 1000.0)), None),
            Status::NotMet
        );
        assert_eq!(
            evaluate(t, Some(&Value::ratio(0.0, 0.0)), None),
            Status::NoData
        );
    }

    #[test]
    fn zero_and_baseline_targets_compare_counts() {
        let hn13 = find("HN-13");
        assert_eq!(evaluate(hn13, Some(&Value::count(0.0)), None), Status::Met);
        assert_eq!(
            evaluate(hn13, Some(&Value::count(1.0)), None),
            Status::NotMet
        );
        let hn24 = find("HN-24");
        let last_year = Value::count(12.0);
        assert_eq!(
            evaluate(hn24, Some(&Value::count(11.0)), Some(&last_year)),
            Status::Met
        );
        assert_eq!(
            evaluate(hn24, Some(&Value::count(12.0)), Some(&last_year)),
            Status::NotMet
        );
        assert_eq!(
            evaluate(hn24, Some(&Value::count(0.0)), None),
            Status::NoData
        );
    }

    #[test]
    fn missing_values_and_denominators_give_no_data() {
        let t = find("HP-03");
        assert_eq!(evaluate(t, None, None), Status::NoData);
        assert_eq!(
            evaluate(t, Some(&Value::ratio(1.0, 0.0)), None),
            Status::NoData
        );
        assert_eq!(evaluate(t, Some(&Value::count(1.0)), None), Status::NoData);
        let no_threshold = target(Comparator::Le, None, Unit::Permille);
        assert_eq!(
            evaluate(&no_threshold, Some(&Value::ratio(1.0, 1000.0)), None),
            Status::NoData
        );
    }

    #[test]
    fn statuses_and_enums_have_codes_and_labels() {
        assert_eq!(Status::Met.as_str(), "met");
        assert_eq!(Status::NotMet.label_vi(), "Chưa đạt");
        assert_eq!(Status::NoData.label_vi(), "Không có số liệu");
        for s in [Status::Met, Status::NotMet, Status::NoData] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for c in Comparator::ALL {
            assert_eq!(Comparator::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        for u in Unit::ALL {
            assert_eq!(Unit::parse(u.as_str()), Some(u));
            assert_eq!(
                serde_json::to_string(&u).unwrap(),
                format!("\"{}\"", u.as_str())
            );
        }
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(Unit::Per100k.label_vi(), "/100.000 trẻ em");
        assert_eq!(
            Source::Checklist.label_vi(),
            "Danh mục kiểm tra theo đơn vị"
        );
        assert_eq!(Comparator::LtBaseline.label_vi(), "< năm gốc");
        let json = serde_json::to_value(find("HD-01")).unwrap();
        assert_eq!(json["period"], "2026-2030");
        assert_eq!(json["comparator"], "lt");
    }

    // --- projection and formatting ----------------------------------------------------------

    #[test]
    fn counts_are_projected_to_the_end_of_the_period() {
        let hn24 = find("HN-24");
        let year = Period::Year(2028);
        let v = Value::count(5.0);
        assert_eq!(project(hn24, &v, &year, date!(2028 - 07 - 02)), Some(10.0));
        assert_eq!(project(hn24, &v, &year, date!(2028 - 01 - 01)), None);
        assert_eq!(project(hn24, &v, &year, date!(2029 - 03 - 01)), Some(5.0));
        // Rates stay as they are.
        let hp03 = find("HP-03");
        let imr = Value::ratio(3.0, 1000.0);
        let projected = project(hp03, &imr, &year, date!(2028 - 07 - 02)).unwrap();
        assert!((projected - 3.0).abs() < 1e-12);
        assert_eq!(
            project(hp03, &Value::count(3.0), &year, date!(2028 - 07 - 02)),
            None
        );
    }

    #[test]
    fn values_are_formatted_the_vietnamese_way() {
        assert_eq!(format_value(Unit::Pct, 6.4), "6,4%");
        assert_eq!(format_value(Unit::Pct, 95.0), "95%");
        assert_eq!(format_value(Unit::Pct, 95.06), "95,1%");
        assert_eq!(format_value(Unit::Pct, 99.96), "100%");
        assert_eq!(format_value(Unit::Permille, 1.5), "1,5‰");
        assert_eq!(format_value(Unit::Permille, 7.0 / 2000.0 * 1000.0), "3,5‰");
        assert_eq!(format_value(Unit::Per100k, 80.0), "80/100.000");
        assert_eq!(format_value(Unit::Per100k, 1234.56), "1.234,6/100.000");
        assert_eq!(format_value(Unit::Count, 1234.0), "1.234");
        assert_eq!(format_value(Unit::Count, 9.6), "10");
        assert_eq!(format_value(Unit::Pct, f64::NAN), "—");
    }

    // --- parse errors -----------------------------------------------------------------------

    const IND_HEADER: &str =
        "no,id,name_vi,name_en,numerator_vi,denominator_vi,unit,source,disaggregations,used_by";
    const TGT_HEADER: &str = "target_id,plan,indicator_id,comparator,threshold,unit,period,maintain,baseline_year,source_clause,suspicious,note";

    fn ind_err(rows: &str) -> String {
        parse_indicators(&format!("{IND_HEADER}\n{rows}"))
            .unwrap_err()
            .to_string()
    }

    fn tgt_err(rows: &str) -> String {
        parse_targets(&format!("{TGT_HEADER}\n{rows}"))
            .unwrap_err()
            .to_string()
    }

    const GOOD_IND: &str =
        "1,x_pct,Tỷ lệ x,X rate,\"Số trẻ, x\",Số trẻ,pct,computed,sex|commune,HN";
    const GOOD_TGT: &str =
        "HN-99,HN-UBND,infant_mortality_rate,le,4,permille,2026,1,,\"Mục II, 1\",0,";

    #[test]
    fn well_formed_rows_parse() {
        let i = parse_indicators(&format!("{IND_HEADER}\n{GOOD_IND}\n\n")).unwrap();
        assert_eq!(i[0].numerator_vi, "Số trẻ, x");
        assert_eq!(i[0].disaggregations, ["sex", "commune"]);
        let t = parse_targets(&format!("{TGT_HEADER}\n{GOOD_TGT}\n")).unwrap();
        assert_eq!(t[0].source_clause, "Mục II, 1");
        assert!(t[0].maintain);
        assert_eq!(t[0].threshold, Some(4.0));
    }

    #[test]
    fn indicator_errors_name_line_and_column() {
        assert!(
            parse_indicators("no,id\n")
                .unwrap_err()
                .to_string()
                .starts_with("dòng 1: tiêu đề phải là")
        );
        assert_eq!(
            ind_err(&format!("{GOOD_IND}\n3,y,a,b,c,d,pct,survey,sex,HN")),
            "dòng 3, cột no: số thứ tự 3 không liền mạch (cần 2)"
        );
        assert_eq!(
            ind_err(&format!("{GOOD_IND}\n2,x_pct,a,b,c,d,pct,survey,sex,HN")),
            "dòng 3, cột id: \"x_pct\" đã có ở dòng 2"
        );
        assert_eq!(
            ind_err("1,x,a,b,c,d,percent,survey,sex,HN"),
            "dòng 2, cột unit: \"percent\" phải là pct, permille, per100k hoặc count"
        );
        assert!(ind_err("1,x,a,b,c,d,pct,registry,sex,HN").starts_with("dòng 2, cột source:"));
        assert!(
            ind_err("1,x,a,b,c,d,pct,survey,sex|province,HN")
                .starts_with("dòng 2, cột disaggregations: \"province\"")
        );
        assert!(ind_err("1,x,a,b,c,d,pct,survey,sex,HCM").starts_with("dòng 2, cột used_by:"));
        assert_eq!(
            ind_err("1,x,a,b,c,,pct,survey,sex,HN"),
            "dòng 2, cột denominator_vi: thiếu giá trị"
        );
        assert_eq!(
            ind_err("1,x,a,b,c,d,pct,survey,HN"),
            "dòng 2: có 9 cột, cần 10 cột"
        );
        assert_eq!(
            ind_err("1,x,\"a,b,c,d,pct,survey,sex,HN"),
            "dòng 2, cột name_vi: dấu ngoặc kép (\") chưa được đóng"
        );
    }

    #[test]
    fn target_errors_name_line_and_column() {
        assert_eq!(
            tgt_err(&format!("{GOOD_TGT}\n{GOOD_TGT}")),
            "dòng 3, cột target_id: \"HN-99\" đã có ở dòng 2"
        );
        assert!(
            tgt_err("X-1,NB-UBND,infant_mortality_rate,le,4,permille,2026,0,,,0,")
                .starts_with("dòng 2, cột plan: \"NB-UBND\"")
        );
        assert_eq!(
            tgt_err("X-1,HN-UBND,imr,le,4,permille,2026,0,,,0,"),
            "dòng 2, cột indicator_id: chỉ số \"imr\" không có trong danh mục chỉ số"
        );
        assert!(
            tgt_err("X-1,HN-UBND,infant_mortality_rate,atmost,4,permille,2026,0,,,0,")
                .starts_with("dòng 2, cột comparator:")
        );
        assert!(
            tgt_err("X-1,HN-UBND,infant_mortality_rate,le,\"3,5\",permille,2026,0,,,0,")
                .starts_with("dòng 2, cột threshold: \"3,5\" không phải số")
        );
        assert!(
            tgt_err("X-1,HN-UBND,hiv_mtct_cases,zero,0,count,2026,0,,,0,")
                .starts_with("dòng 2, cột threshold:")
        );
        assert!(
            tgt_err("X-1,HN-UBND,cnsc_supported_pct,eq100,95,pct,2026,0,,,0,")
                .starts_with("dòng 2, cột threshold: chỉ tiêu eq100")
        );
        assert!(
            tgt_err("X-1,HN-UBND,infant_mortality_rate,le,4,permille,2026Q5,0,,,0,")
                .starts_with("dòng 2, cột period:")
        );
        assert!(
            tgt_err("X-1,HN-UBND,infant_mortality_rate,le,4,permille,2026,yes,,,0,")
                .starts_with("dòng 2, cột maintain:")
        );
        assert!(
            tgt_err("X-1,HN-UBND,abandoned_children_count,lt_baseline,,count,2026,0,,,0,")
                .starts_with("dòng 2, cột baseline_year:")
        );
        assert!(
            tgt_err("X-1,HN-UBND,infant_mortality_rate,le,4,permille,2026,0,2025,,0,")
                .starts_with("dòng 2, cột baseline_year:")
        );
        assert_eq!(
            tgt_err("X-1,HN-UBND,infant_mortality_rate,le,4,permille,2026,0,,,1,"),
            "dòng 2, cột note: giá trị đáng ngờ cần ghi lý do"
        );
    }
}

/// Check an aggregate figure typed for an indicator (numbers with a decimal comma or
/// point): not negative; a rate needs a denominator above zero and, for a percentage, a
/// numerator not above it; a count has no denominator.
pub fn check_aggregate(
    ind: &Indicator,
    numerator: &str,
    denominator: &str,
) -> Result<Value, Vec<crate::registry::FieldError>> {
    let err = |field: &'static str, m: &str| crate::registry::FieldError {
        field,
        message: m.to_owned(),
    };
    let parse = |s: &str| -> Option<f64> {
        let t = s.trim().replace('.', "").replace(',', ".");
        let t = if s.contains(',') {
            t
        } else {
            s.trim().to_owned()
        };
        t.parse::<f64>().ok().filter(|v| v.is_finite())
    };
    let mut errors = Vec::new();
    let n = parse(numerator);
    match n {
        None => errors.push(err("numerator", "Tử số phải là một số")),
        Some(v) if v < 0.0 => errors.push(err("numerator", "Tử số không được âm")),
        _ => {}
    }
    let d = if denominator.trim().is_empty() {
        None
    } else {
        match parse(denominator) {
            None => {
                errors.push(err("denominator", "Mẫu số phải là một số"));
                None
            }
            Some(v) => Some(v),
        }
    };
    match (ind.unit, d) {
        (Unit::Count, Some(_)) => {
            errors.push(err("denominator", "Chỉ tiêu đếm số lượng không có mẫu số"))
        }
        (Unit::Count, None) => {}
        (_, None) => errors.push(err("denominator", "Cần nhập mẫu số")),
        (_, Some(v)) if v <= 0.0 => errors.push(err("denominator", "Mẫu số phải lớn hơn 0")),
        (Unit::Pct, Some(v)) if n.is_some_and(|n| n > v) => {
            errors.push(err("numerator", "Tử số không được lớn hơn mẫu số"))
        }
        _ => {}
    }
    match n {
        Some(n) if errors.is_empty() => Ok(Value {
            numerator: n,
            denominator: d,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod aggregate_tests {
    use super::*;

    #[test]
    fn aggregates_are_checked_against_the_unit() {
        let pct = indicator("kindergarten_attendance_age5_pct").unwrap();
        assert_eq!(
            check_aggregate(pct, "95", "100"),
            Ok(Value {
                numerator: 95.0,
                denominator: Some(100.0)
            })
        );
        assert_eq!(
            check_aggregate(pct, "1.234", "2.000,5").unwrap(),
            Value {
                numerator: 1.234,
                denominator: Some(2000.5)
            },
            "a dot alone is a decimal point; with a comma it groups thousands"
        );
        let e = check_aggregate(pct, "120", "100").unwrap_err();
        assert_eq!(e[0].field, "numerator");
        assert_eq!(e[0].message, "Tử số không được lớn hơn mẫu số");
        assert_eq!(
            check_aggregate(pct, "5", "").unwrap_err()[0].field,
            "denominator"
        );
        assert_eq!(
            check_aggregate(pct, "5", "0").unwrap_err()[0].message,
            "Mẫu số phải lớn hơn 0"
        );
        assert!(check_aggregate(pct, "-1", "10").is_err());
        assert!(check_aggregate(pct, "abc", "10").is_err());
        let count = indicator("child_marriage_cases").unwrap();
        assert_eq!(check_aggregate(count, "0", ""), Ok(Value::count(0.0)));
        assert!(check_aggregate(count, "2", "10").is_err());
    }
}
