//! Anthropometric z-scores (chỉ số Z) exactly as WHO's own software computes them: the WHO
//! Child Growth Standards 2006 for 0 to under 60 months as in the R package `anthro` 1.1.0,
//! and the WHO Growth Reference 2007 for 5–19 years as in `anthroplus` 1.0.0.
//!
//! The rules are those of the project's reference note `reference/who-growth/README.md`
//! (cited below as "README §n"); the tables are `data/who-growth/` (provenance there),
//! embedded and parsed once. Every z-score is rounded to 2 decimals with R's `round`, and
//! the plausibility flags are read off the rounded value (README §9–10). How the tests'
//! expected values were derived by hand is in `docs/anthro-validation.md`.
//!
//! Pure: no I/O, no clock. Ages are given in days (measurement date − birth date).

use rand::RngCore;
use std::fmt;
use std::sync::OnceLock;

#[cfg(test)]
mod tests;

/// Days in a month as WHO counts them (365.25 / 12).
pub const DAYS_PER_MONTH: f64 = 30.4375;

// ---------------------------------------------------------------------------------------
// Checked input values
// ---------------------------------------------------------------------------------------

/// Why a text cell is not an acceptable value (messages name the rule, callers add the
/// file, row and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("không phải là số")]
    NotANumber,
    #[error("phải lớn hơn 0")]
    NotPositive,
    #[error("không được âm")]
    Negative,
    #[error("giới tính phải là 1 (nam) hoặc 2 (nữ), hoặc để trống")]
    Sex,
    #[error("tư thế đo phải là l (nằm) hoặc h (đứng), hoặc để trống")]
    Measure,
    #[error("phù phải là y (có) hoặc n (không), hoặc để trống")]
    Oedema,
}

/// Sex as WHO codes it: 1 = male, 2 = female.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `1`/`m` → male, `2`/`f` → female (either case, as `anthro` accepts); empty or `NA`
    /// → unknown, and then nothing is computed (README §7).
    pub fn parse(text: &str) -> Result<Option<Sex>, ValueError> {
        match text.trim() {
            "1" | "m" | "M" => Ok(Some(Sex::Male)),
            "2" | "f" | "F" => Ok(Some(Sex::Female)),
            t if is_missing(t) => Ok(None),
            _ => Err(ValueError::Sex),
        }
    }

    /// WHO's code: 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Sex::Male => 1,
            Sex::Female => 2,
        }
    }

    fn index(self) -> usize {
        usize::from(self.code() - 1)
    }
}

/// The measuring position of a length/height (README §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Measure {
    /// `l`: recumbent length.
    Lying,
    /// `h`: standing height.
    Standing,
    /// Not recorded: the position that suits the age is assumed.
    #[default]
    Unknown,
}

impl Measure {
    /// `l`/`h` in either case; empty or `NA` → unknown.
    pub fn parse(text: &str) -> Result<Measure, ValueError> {
        match text.trim() {
            "l" | "L" => Ok(Measure::Lying),
            "h" | "H" => Ok(Measure::Standing),
            t if is_missing(t) => Ok(Measure::Unknown),
            _ => Err(ValueError::Measure),
        }
    }
}

/// Oedema (phù): `y`/`1` yes, `n`/`2` no, either case; missing means no (README §7).
pub fn parse_oedema(text: &str) -> Result<bool, ValueError> {
    match text.trim() {
        "y" | "Y" | "1" => Ok(true),
        "n" | "N" | "2" => Ok(false),
        t if is_missing(t) => Ok(false),
        _ => Err(ValueError::Oedema),
    }
}

fn is_missing(t: &str) -> bool {
    t.is_empty() || t.eq_ignore_ascii_case("na")
}

/// A number in a cell: `12.5`, or `12,5` with a decimal comma as Vietnamese spreadsheets
/// write it; empty or `NA` is missing. Infinities and NaN are not numbers here.
pub fn parse_number(text: &str) -> Result<Option<f64>, ValueError> {
    let t = text.trim();
    if is_missing(t) {
        return Ok(None);
    }
    let value = if t.contains(',') {
        // One decimal comma, no point: the Vietnamese way. Anything else is not a number.
        if t.contains('.') || t.matches(',').count() != 1 || t.len() > 40 {
            return Err(ValueError::NotANumber);
        }
        let mut buf = [0u8; 40];
        let bytes = &mut buf[..t.len()];
        bytes.copy_from_slice(t.as_bytes());
        for b in bytes.iter_mut() {
            if *b == b',' {
                *b = b'.';
            }
        }
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
    } else {
        t.parse::<f64>().ok()
    };
    match value {
        // `parse` also reads "inf" and "NaN"; digits are required here.
        Some(v) if v.is_finite() && t.bytes().any(|b| b.is_ascii_digit()) => Ok(Some(v)),
        _ => Err(ValueError::NotANumber),
    }
}

/// An age in days since birth, possibly fractional, never negative (README §3: the R
/// package refuses negative ages).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct AgeDays(f64);

impl AgeDays {
    pub fn new(days: f64) -> Result<AgeDays, ValueError> {
        if !days.is_finite() {
            Err(ValueError::NotANumber)
        } else if days < 0.0 {
            Err(ValueError::Negative)
        } else {
            Ok(AgeDays(days))
        }
    }

    pub fn parse(text: &str) -> Result<Option<AgeDays>, ValueError> {
        parse_number(text)?.map(AgeDays::new).transpose()
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// Unrounded age in months (README §3 and §8).
    pub fn months(self) -> f64 {
        self.0 / DAYS_PER_MONTH
    }

    /// The table row: the age rounded half up to a whole day, as `anthro`'s `round_up`
    /// does it (floor, then up when the rest is at least 0.5).
    pub fn rounded(self) -> i32 {
        let floor = floor_non_negative(self.0);
        let up = if self.0 - floor >= 0.5 { 1.0 } else { 0.0 };
        // Saturating conversion; ages that large are never in range anyway.
        (floor + up) as i32
    }
}

/// A weight (kg), length/height or circumference (cm): finite and above zero. The R
/// package computes nonsense for 0 or negative values (README §7); they are refused here.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Measurement(f64);

impl Measurement {
    pub fn new(value: f64) -> Result<Measurement, ValueError> {
        if !value.is_finite() {
            Err(ValueError::NotANumber)
        } else if value <= 0.0 {
            Err(ValueError::NotPositive)
        } else {
            Ok(Measurement(value))
        }
    }

    pub fn parse(text: &str) -> Result<Option<Measurement>, ValueError> {
        parse_number(text)?.map(Measurement::new).transpose()
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

// ---------------------------------------------------------------------------------------
// Z-scores and flags
// ---------------------------------------------------------------------------------------

/// A z-score rounded to 2 decimals as WHO's packages report it, kept in hundredths so that
/// cut-offs and flags compare exactly (−2.00 is not below −2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZScore(i32);

impl ZScore {
    pub fn from_hundredths(hundredths: i32) -> ZScore {
        ZScore(hundredths)
    }

    pub fn hundredths(self) -> i32 {
        self.0
    }

    /// The value as R holds it after rounding (the double nearest to hundredths / 100).
    pub fn value(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// R's `round(z, 2)` (R ≥ 4.0.0, `fround.c`): of the two 2-decimal neighbours of `z`,
    /// the nearer one in double arithmetic, an exact tie going to the even last digit.
    /// `None` for NaN or infinity. Saturates at about ±21 million, far beyond any flag.
    pub fn round(z: f64) -> Option<ZScore> {
        if !z.is_finite() {
            return None;
        }
        if z == 0.0 {
            return Some(ZScore(0));
        }
        let (sign, x) = if z < 0.0 { (-1.0, -z) } else { (1.0, z) };
        let x10 = 100.0 * x;
        let down = floor_non_negative(x10);
        let up = if down < x10 { down + 1.0 } else { down };
        let du = up / 100.0 - x;
        let dd = x - down / 100.0;
        let k = if du < dd || (du == dd && (down as i64) & 1 == 1) {
            up
        } else {
            down
        };
        Some(ZScore((sign * k) as i32))
    }
}

impl fmt::Display for ZScore {
    /// `-1.23`, `0.05`, `3.00`: always two decimals, a point, no sign for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// One indicator's result: the rounded z-score and its flag for a biologically implausible
/// value (README §10). Flagged scores are kept, as WHO's output keeps them; prevalences and
/// [`classify`] leave them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub z: ZScore,
    pub flagged: bool,
}

/// The plausible range of an indicator in hundredths: flagged when z < low or z > high.
#[derive(Debug, Clone, Copy)]
struct FlagRange {
    low: i32,
    high: i32,
}

/// `zlen`, `zhfa`: z < −6 or z > 6.
const FLAG_6_6: FlagRange = FlagRange {
    low: -600,
    high: 600,
};
/// `zwei`, `zwfa`: z < −6 or z > 5.
const FLAG_6_5: FlagRange = FlagRange {
    low: -600,
    high: 500,
};
/// `zwfl`, `zbmi`, `zhc`, `zac`, `zbfa`: z < −5 or z > 5.
const FLAG_5_5: FlagRange = FlagRange {
    low: -500,
    high: 500,
};

/// Round first, then flag the rounded value (README §9: 5.004 → 5.00 is not flagged).
fn score(z: f64, flags: FlagRange) -> Option<Score> {
    let z = ZScore::round(z)?;
    Some(Score {
        z,
        flagged: z.0 < flags.low || z.0 > flags.high,
    })
}

/// `floor` (= `trunc`) of a value ≥ 0 by integer conversion: the baseline x86-64 target
/// has no rounding instruction and would call libm in the hot loop. Exact below 2^63;
/// saturates above, far beyond any table.
fn floor_non_negative(x: f64) -> f64 {
    debug_assert!(x >= 0.0);
    (x as i64) as f64
}

/// One row of an LMS table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lms {
    pub l: f64,
    pub m: f64,
    pub s: f64,
}

impl Lms {
    /// README §1: z = ((y / M)^L − 1) / (L × S), evaluated in the order `anthro` does.
    pub fn z(self, y: f64) -> f64 {
        if self.l == 1.0 {
            // The normal tables (length/height, head): x^1 is x exactly, so this is the
            // same double as the general formula, without a `pow` call.
            return (y / self.m - 1.0) / self.s;
        }
        ((y / self.m).powf(self.l) - 1.0) / (self.s * self.l)
    }

    /// The measurement at `k` SD: M × (1 + L × S × k)^(1/L).
    pub fn at_sd(self, k: f64) -> f64 {
        self.m * (1.0 + self.l * self.s * k).powf(1.0 / self.l)
    }

    /// README §2: beyond ±3 SD the distance is measured in units of the 2–3 SD interval
    /// on that side (WHO's restricted application of the LMS method).
    pub fn z_restricted(self, y: f64) -> f64 {
        let z = self.z(y);
        if z > 3.0 {
            let sd3 = self.at_sd(3.0);
            let sd23 = sd3 - self.at_sd(2.0);
            3.0 + (y - sd3) / sd23
        } else if z < -3.0 {
            let sd3 = self.at_sd(-3.0);
            let sd23 = self.at_sd(-2.0) - sd3;
            -3.0 + (y - sd3) / sd23
        } else {
            z
        }
    }

    /// Each of L, M and S linearly between two rows: X = X_lo + f × (X_hi − X_lo).
    fn towards(self, hi: Lms, f: f64) -> Lms {
        Lms {
            l: self.l + f * (hi.l - self.l),
            m: self.m + f * (hi.m - self.m),
            s: self.s + f * (hi.s - self.s),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------------------

/// One sex's table with consecutive keys: days, months or millimetres (length in 0.1 cm).
#[derive(Debug)]
pub struct Table {
    first: i32,
    rows: Box<[Lms]>,
}

impl Table {
    /// Parse a `data/who-growth` file. Panics on a malformed embedded table (a test reads
    /// them all).
    fn parse(name: &str, text: &str, sex: Sex, key_in_tenths: bool) -> Table {
        let mut first = None;
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let mut next = |what: &str| {
                cols.next()
                    .unwrap_or_else(|| panic!("{name} line {}: no {what}", i + 1))
            };
            let num = |s: &str| -> f64 {
                s.parse()
                    .unwrap_or_else(|_| panic!("{name} line {}: bad number {s:?}", i + 1))
            };
            assert_eq!(
                next("sex"),
                sex.code().to_string(),
                "{name} line {}: sex",
                i + 1
            );
            let key = num(next("key"));
            let key = if key_in_tenths {
                (key * 10.0).round() as i32
            } else {
                key as i32
            };
            let (l, m, s) = (num(next("L")), num(next("M")), num(next("S")));
            let first = *first.get_or_insert(key);
            assert_eq!(
                key,
                first + rows.len() as i32,
                "{name} line {}: keys not consecutive",
                i + 1
            );
            rows.push(Lms { l, m, s });
        }
        Table {
            first: first.unwrap_or_else(|| panic!("{name}: empty")),
            rows: rows.into_boxed_slice(),
        }
    }

    /// The row at `key`, if the table has one.
    pub fn row(&self, key: i32) -> Option<Lms> {
        let i = usize::try_from(key.checked_sub(self.first)?).ok()?;
        self.rows.get(i).copied()
    }

    /// First and last key.
    pub fn keys(&self) -> (i32, i32) {
        (self.first, self.first + self.rows.len() as i32 - 1)
    }
}

/// A table for each sex, indexed by [`Sex`].
#[derive(Debug)]
pub struct BySex([Table; 2]);

impl BySex {
    pub fn get(&self, sex: Sex) -> &Table {
        &self.0[sex.index()]
    }
}

/// All embedded tables, parsed on first use.
#[derive(Debug)]
pub struct Tables {
    /// 2006 weight-for-age, by day 0–1826.
    pub wfa: BySex,
    /// 2006 length/height-for-age, by day 0–1826 (length rows to 730, height from 731).
    pub lhfa: BySex,
    /// 2006 BMI-for-age, by day 0–1826.
    pub bmifa: BySex,
    /// 2006 weight-for-length, 45.0–110.0 cm by mm.
    pub wfl: BySex,
    /// 2006 weight-for-height, 65.0–120.0 cm by mm.
    pub wfh: BySex,
    /// 2006 head circumference-for-age, by day 0–1826.
    pub hcfa: BySex,
    /// 2006 arm circumference-for-age, by day 91–1826.
    pub acfa: BySex,
    /// 2007 height-for-age, by month 60–229 (229 repeats 228).
    pub hfa2007: BySex,
    /// 2007 weight-for-age, by month 60–121 (121 repeats 120).
    pub wfa2007: BySex,
    /// 2007 BMI-for-age, by month 60–229 (229 repeats 228).
    pub bfa2007: BySex,
}

macro_rules! who_table {
    ($stem:literal, $tenths:expr) => {
        BySex([
            Table::parse(
                concat!($stem, "_male"),
                include_str!(concat!("../../../data/who-growth/", $stem, "_male.tsv")),
                Sex::Male,
                $tenths,
            ),
            Table::parse(
                concat!($stem, "_female"),
                include_str!(concat!("../../../data/who-growth/", $stem, "_female.tsv")),
                Sex::Female,
                $tenths,
            ),
        ])
    };
}

pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        wfa: who_table!("who2006_wfa", false),
        lhfa: who_table!("who2006_lhfa", false),
        bmifa: who_table!("who2006_bmifa", false),
        wfl: who_table!("who2006_wfl", true),
        wfh: who_table!("who2006_wfh", true),
        hcfa: who_table!("who2006_hcfa", false),
        acfa: who_table!("who2006_acfa", false),
        hfa2007: who_table!("who2007_hfa", false),
        wfa2007: who_table!("who2007_wfa", false),
        bfa2007: who_table!("who2007_bfa", false),
    })
}

// ---------------------------------------------------------------------------------------
// 0 to under 60 months: WHO Child Growth Standards 2006
// ---------------------------------------------------------------------------------------

/// One child's measurements (0–5 years). Ages and measurements are checked values; a
/// missing one only leaves the indicators that need it empty.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Input {
    /// Missing: nothing is computed.
    pub sex: Option<Sex>,
    pub age_days: Option<AgeDays>,
    pub weight_kg: Option<Measurement>,
    /// Length or height as measured, in the position `measure`.
    pub lenhei_cm: Option<Measurement>,
    pub measure: Measure,
    pub oedema: bool,
    pub headc_cm: Option<Measurement>,
    pub armc_cm: Option<Measurement>,
}

/// The indicators of `anthro` (output names `zlen`/`flen`, `zwei`/`fwei`, `zwfl`/`fwfl`,
/// `zbmi`/`fbmi`, `zhc`/`fhc`, `zac`/`fac`) and the cleaned values they came from.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Output {
    /// Length/height-for-age.
    pub len: Option<Score>,
    /// Weight-for-age.
    pub wei: Option<Score>,
    /// Weight-for-length (under 731 days) or weight-for-height.
    pub wfl: Option<Score>,
    /// BMI-for-age.
    pub bmi: Option<Score>,
    /// Head circumference-for-age.
    pub hc: Option<Score>,
    /// Arm circumference-for-age (from 91 days).
    pub ac: Option<Score>,
    /// `clenhei`: the length/height after the 0.7 cm conversion (README §4).
    pub clenhei: Option<f64>,
    /// `cbmi`: weight / (clenhei / 100)².
    pub cbmi: Option<f64>,
    /// `cmeasure`: the position used (unknown after the under-9-months rule).
    pub cmeasure: Measure,
    /// `c9mo_flag`: standing height recorded under 9 months, position discarded.
    pub c9mo: bool,
}

/// Rounded age in days from which lengths become heights (24 months).
const HEIGHT_FROM_DAY: i32 = 731;
/// The 0.7 cm between recumbent length and standing height (WHO 2006, chapter on methods).
const LYING_MINUS_STANDING_CM: f64 = 0.7;

/// All 0–5 indicators for one child (README §3–7, §9–10).
pub fn zscores(input: &Input) -> Output {
    let t = tables();
    let months = input.age_days.map(AgeDays::months);
    let day = input.age_days.map(AgeDays::rounded);
    // §3: z-scores only while the unrounded age is under 60 months.
    let age_ok = months.is_some_and(|m| m < 60.0);

    // §4: standing height under 9 months is an implausible position: forget it.
    let c9mo = input.measure == Measure::Standing && months.is_some_and(|m| m < 9.0);
    let cmeasure = if c9mo {
        Measure::Unknown
    } else {
        input.measure
    };
    let clenhei = input.lenhei_cm.map(|x| {
        let x = x.get();
        match (day, cmeasure) {
            (Some(d), Measure::Standing) if d < HEIGHT_FROM_DAY => x + LYING_MINUS_STANDING_CM,
            (Some(d), Measure::Lying) if d >= HEIGHT_FROM_DAY => x - LYING_MINUS_STANDING_CM,
            _ => x,
        }
    });
    // A tiny lying length minus 0.7 cm can reach zero: no length then (README §7).
    let clenhei_ok = clenhei.filter(|h| *h > 0.0);
    let weight = input.weight_kg.map(Measurement::get);
    let cbmi = match (weight, clenhei_ok) {
        (Some(w), Some(h)) => {
            let m = h / 100.0;
            Some(w / (m * m))
        }
        _ => None,
    };
    let mut out = Output {
        clenhei,
        cbmi,
        cmeasure,
        c9mo,
        ..Output::default()
    };
    let Some(sex) = input.sex else {
        return out;
    };
    // §7: oedema leaves the weight-based indicators empty.
    let weight_ok = weight.filter(|_| !input.oedema);

    if let (true, Some(d)) = (age_ok, day) {
        let at = |table: &BySex| table.get(sex).row(d);
        out.len = clenhei_ok
            .zip(at(&t.lhfa))
            .and_then(|(y, lms)| score(lms.z(y), FLAG_6_6));
        out.wei = weight_ok
            .zip(at(&t.wfa))
            .and_then(|(y, lms)| score(lms.z_restricted(y), FLAG_6_5));
        out.bmi = cbmi
            .filter(|_| !input.oedema)
            .zip(at(&t.bmifa))
            .and_then(|(y, lms)| score(lms.z_restricted(y), FLAG_5_5));
        out.hc = input
            .headc_cm
            .zip(at(&t.hcfa))
            .and_then(|(y, lms)| score(lms.z(y.get()), FLAG_5_5));
        // The arm circumference table starts at 91 days: `row` is None before.
        out.ac = input
            .armc_cm
            .zip(at(&t.acfa))
            .and_then(|(y, lms)| score(lms.z_restricted(y.get()), FLAG_5_5));
    }

    // §5: weight-for-length/height also without an age, but not at 60 months or more.
    if let (true, Some(w), Some(h)) = (age_ok || day.is_none(), weight_ok, clenhei_ok) {
        let use_length = match day {
            Some(d) => d < HEIGHT_FROM_DAY,
            None => match cmeasure {
                Measure::Lying => true,
                Measure::Standing => false,
                Measure::Unknown => h < 87.0,
            },
        };
        let (table, low, high) = if use_length {
            (&t.wfl, 45.0, 110.0)
        } else {
            (&t.wfh, 65.0, 120.0)
        };
        if (low..=high).contains(&h) {
            out.wfl = lms_by_length(table.get(sex), h)
                .and_then(|lms| score(lms.z_restricted(w), FLAG_5_5));
        }
    }
    out
}

/// README §5: L, M, S at a length between the table's 0.1 cm rows, interpolated with the
/// same arithmetic as `anthro` (`trunc(x × 10) / 10` and `trunc(x × 10 + 1) / 10` as the
/// rows, `(x − lo) / 0.1` as the fraction).
fn lms_by_length(table: &Table, cm: f64) -> Option<Lms> {
    let tenths = cm * 10.0;
    let lo_key = floor_non_negative(tenths);
    let hi_key = floor_non_negative(tenths + 1.0);
    let f = (cm - lo_key / 10.0) / 0.1;
    let lo = table.row(lo_key as i32)?;
    if f > 0.0 {
        Some(lo.towards(table.row(hi_key as i32)?, f))
    } else {
        Some(lo)
    }
}

// ---------------------------------------------------------------------------------------
// 5–19 years: WHO Growth Reference 2007
// ---------------------------------------------------------------------------------------

/// One child's measurements (5–19 years). Height is always standing height: no conversion.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Input2007 {
    pub sex: Option<Sex>,
    pub age_days: Option<AgeDays>,
    pub weight_kg: Option<Measurement>,
    pub height_cm: Option<Measurement>,
    pub oedema: bool,
}

/// The indicators of `anthroplus` (`zhfa`/`fhfa`, `zwfa`/`fwfa`, `zbfa`/`fbfa`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Output2007 {
    /// Height-for-age, 60–228 months.
    pub hfa: Option<Score>,
    /// Weight-for-age, 60–120 months.
    pub wfa: Option<Score>,
    /// BMI-for-age, 60–228 months.
    pub bfa: Option<Score>,
    /// `cbmi`: weight / (height / 100)².
    pub cbmi: Option<f64>,
}

/// All 5–19 indicators for one child (README §8, with §1–2, §7, §9–10).
pub fn zscores_2007(input: &Input2007) -> Output2007 {
    let t = tables();
    let cbmi = match (input.weight_kg, input.height_cm) {
        (Some(w), Some(h)) => {
            let m = h.get() / 100.0;
            Some(w.get() / (m * m))
        }
        _ => None,
    };
    let mut out = Output2007 {
        cbmi,
        ..Output2007::default()
    };
    let (Some(sex), Some(months)) = (input.sex, input.age_days.map(AgeDays::months)) else {
        return out;
    };
    // §8: 60 ≤ age ≤ 228 months (120 for weight-for-age), both ends included.
    let to_228 = (60.0..=228.0).contains(&months);
    let to_120 = (60.0..=120.0).contains(&months);
    let at = |table: &BySex| lms_by_month(table.get(sex), months);
    if to_228 {
        out.hfa = input
            .height_cm
            .zip(at(&t.hfa2007))
            .and_then(|(y, lms)| score(lms.z(y.get()), FLAG_6_6));
    }
    if to_120 && !input.oedema {
        out.wfa = input
            .weight_kg
            .zip(at(&t.wfa2007))
            .and_then(|(y, lms)| score(lms.z_restricted(y.get()), FLAG_6_5));
    }
    if to_228 && !input.oedema {
        out.bfa = cbmi
            .zip(at(&t.bfa2007))
            .and_then(|(y, lms)| score(lms.z_restricted(y), FLAG_5_5));
    }
    out
}

/// README §8: rows `trunc(age)` and `trunc(age + 1)`, fraction `age − trunc(age)`.
fn lms_by_month(table: &Table, months: f64) -> Option<Lms> {
    let lo_key = floor_non_negative(months);
    let hi_key = floor_non_negative(months + 1.0);
    let f = months - lo_key;
    let lo = table.row(lo_key as i32)?;
    if f > 0.0 {
        Some(lo.towards(table.row(hi_key as i32)?, f))
    } else {
        Some(lo)
    }
}

// ---------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------

/// Below the −2 SD cut-off (README §11, strict: −2.00 is not below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deficit {
    /// z ≥ −2.
    No,
    /// −3 ≤ z < −2.
    Moderate,
    /// z < −3 (or oedema, for the weight-based indicators).
    Severe,
}

impl Deficit {
    fn of(z: ZScore) -> Deficit {
        if z.0 < -300 {
            Deficit::Severe
        } else if z.0 < -200 {
            Deficit::Moderate
        } else {
            Deficit::No
        }
    }

    /// Counts in the "below −2 SD" prevalence (severe included).
    pub fn present(self) -> bool {
        self != Deficit::No
    }
}

/// Above the overweight cut-off, and above the obesity cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Excess {
    No,
    /// Above the overweight cut-off, not above the obesity one.
    Overweight,
    /// Above the obesity cut-off.
    Obese,
}

impl Excess {
    fn of(z: ZScore, overweight_above: i32, obese_above: i32) -> Excess {
        if z.0 > obese_above {
            Excess::Obese
        } else if z.0 > overweight_above {
            Excess::Overweight
        } else {
            Excess::No
        }
    }

    /// Counts in the overweight prevalence (obese included, as WHO reports it).
    pub fn overweight(self) -> bool {
        self != Excess::No
    }
}

/// Nutritional status of a child under five. `None`: the indicator is missing or flagged
/// (WHO leaves flagged values out of prevalences), and oedema does not stand in for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nutrition {
    /// Nhẹ cân: weight-for-age < −2 (severe < −3).
    pub underweight: Option<Deficit>,
    /// Thấp còi: length/height-for-age < −2 (severe < −3).
    pub stunting: Option<Deficit>,
    /// Gầy còm: weight-for-length/height < −2 (severe < −3).
    pub wasting: Option<Deficit>,
    /// Thừa cân: weight-for-length/height > +2; béo phì: > +3.
    pub overweight: Option<Excess>,
}

fn plausible(s: Option<Score>) -> Option<ZScore> {
    s.filter(|s| !s.flagged).map(|s| s.z)
}

/// README §11. A child with oedema counts as below −3 SD on the weight-based indicators
/// (as `anthro`'s prevalence sets them to −3.1) wherever that indicator's age range
/// applies: weight-for-age under 60 months, weight-for-length/height also without age.
pub fn classify(input: &Input, out: &Output) -> Nutrition {
    let age_ok = input.age_days.map(|a| a.months() < 60.0);
    let oedema = input.oedema;
    let wasting_oedema = oedema && age_ok != Some(false);
    Nutrition {
        underweight: if oedema && age_ok == Some(true) {
            Some(Deficit::Severe)
        } else {
            plausible(out.wei).map(Deficit::of)
        },
        stunting: plausible(out.len).map(Deficit::of),
        wasting: if wasting_oedema {
            Some(Deficit::Severe)
        } else {
            plausible(out.wfl).map(Deficit::of)
        },
        overweight: if wasting_oedema {
            Some(Excess::No)
        } else {
            plausible(out.wfl).map(|z| Excess::of(z, 200, 300))
        },
    }
}

/// Status of a child of 5–19 years on WHO's usual reading of the 2007 reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nutrition2007 {
    /// Height-for-age < −2 (severe < −3).
    pub stunting: Option<Deficit>,
    /// Weight-for-age < −2 (severe < −3), to 120 months.
    pub underweight: Option<Deficit>,
    /// Gầy: BMI-for-age < −2 (severe < −3).
    pub thinness: Option<Deficit>,
    /// BMI-for-age > +1 overweight, > +2 obese.
    pub overweight: Option<Excess>,
}

/// README §7 and §11 for 5–19: oedema counts as below −3 on BMI-for-age, and on
/// weight-for-age only to 120 months (as `anthroplus`'s prevalence does).
pub fn classify_2007(input: &Input2007, out: &Output2007) -> Nutrition2007 {
    let months = input.age_days.map(AgeDays::months);
    let oedema = input.oedema;
    let in_range = |hi: f64| months.is_some_and(|m| (60.0..=hi).contains(&m));
    let bmi_oedema = oedema && in_range(228.0);
    Nutrition2007 {
        stunting: plausible(out.hfa).map(Deficit::of),
        underweight: if oedema && in_range(120.0) {
            Some(Deficit::Severe)
        } else {
            plausible(out.wfa).map(Deficit::of)
        },
        thinness: if bmi_oedema {
            Some(Deficit::Severe)
        } else {
            plausible(out.bfa).map(Deficit::of)
        },
        overweight: if bmi_oedema {
            Some(Excess::No)
        } else {
            plausible(out.bfa).map(|z| Excess::of(z, 100, 200))
        },
    }
}

// ---------------------------------------------------------------------------------------
// Synthetic survey rows (benchmarks, demos)
// ---------------------------------------------------------------------------------------

/// A plausible survey row drawn from the 2006 tables: z-scores roughly normal around a
/// slightly stunted population (weight following length), measured to 0.1 kg / 0.1 cm,
/// with the irregularities real surveys have (missing values and positions, standing
/// under 9 months, lying after two years, oedema, ages past 60 months). Deterministic for
/// a seeded `rng`.
pub fn synthetic_input(rng: &mut impl RngCore) -> Input {
    let t = tables();
    let mut draw = Draw(rng);
    let sex = if draw.unit() < 0.5 {
        Sex::Male
    } else {
        Sex::Female
    };
    let roll = draw.unit();
    let day = if roll < 0.01 {
        1827.0 + (draw.unit() * 60.0).floor()
    } else {
        (draw.unit() * 1827.0).floor()
    };
    let d = day.min(1826.0) as i32;
    let by_z = |table: &BySex, z: f64| {
        table.get(sex).row(d).map(|lms| {
            let x = lms.m * (1.0 + lms.l * lms.s * z).max(0.05).powf(1.0 / lms.l);
            (x * 10.0).round() / 10.0
        })
    };
    // Short children are mostly light too: weight-for-age follows length-for-age.
    let z_len = draw.normal(-0.8, 1.2);
    let lenhei = by_z(&t.lhfa, z_len);
    let weight = by_z(&t.wfa, 0.75 * z_len + draw.normal(-0.1, 0.75));
    let headc = by_z(&t.hcfa, draw.normal(0.0, 1.1));
    let armc = by_z(&t.acfa, draw.normal(-0.2, 1.1));
    let natural = if d < HEIGHT_FROM_DAY {
        Measure::Lying
    } else {
        Measure::Standing
    };
    let position = draw.unit();
    let measure = if position < 0.03 {
        Measure::Unknown
    } else if position < 0.06 {
        match natural {
            Measure::Lying => Measure::Standing,
            _ => Measure::Lying,
        }
    } else {
        natural
    };
    Input {
        sex: Some(sex).filter(|_| draw.unit() > 0.002),
        age_days: Some(AgeDays(day)).filter(|_| roll <= 0.99),
        weight_kg: weight
            .filter(|_| draw.unit() > 0.01)
            .map(|w| Measurement(w.max(0.5))),
        lenhei_cm: lenhei
            .filter(|_| draw.unit() > 0.01)
            .map(|h| Measurement(h.max(30.0))),
        measure,
        oedema: draw.unit() < 0.005,
        headc_cm: headc.filter(|_| draw.unit() < 0.8).map(Measurement),
        armc_cm: armc.filter(|_| draw.unit() < 0.8).map(Measurement),
    }
}

struct Draw<'a, R>(&'a mut R);

impl<R: RngCore> Draw<'_, R> {
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Normal by Box–Muller.
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}
