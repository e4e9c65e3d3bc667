//! The national immunisation schedule (Tiêm chủng mở rộng, TCMR; Thông tư 10/2024/TT-BYT,
//! IPV since QĐ 2144/QĐ-BYT 2016; BRIEF §5) kept as data (`data/epi-schedule.csv`, with the
//! dates each dose is in force, so a new circular replaces rows, not code), and the rules
//! on a child's doses: which are valid (minimum age, minimum interval after the previous
//! dose of the same vaccine), which are due or overdue, and whether the child was fully
//! immunised before the first birthday (1 BCG + 3 DPT-VGB-Hib + 3 OPV + 1 measles).

use std::sync::OnceLock;
use time::{Date, Duration};

/// One dose of the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledDose {
    pub antigen: String,
    pub dose: u8,
    pub label: String,
    /// Earliest age at which the dose counts.
    pub min_age_days: i64,
    /// Age at which it is given by the schedule (due from then).
    pub age_days: i64,
    /// Least time after the previous dose of the same vaccine.
    pub min_interval_days: Option<i64>,
    /// Part of "fully immunised under 1".
    pub counts_full: bool,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub source: String,
}

pub const SCHEDULE_CSV: &str = include_str!("../../../data/epi-schedule.csv");

/// A dose given later than this after its due date is reported overdue (missed).
pub const OVERDUE_AFTER_DAYS: i64 = 28;

fn iso(s: &str) -> Option<Date> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE).ok()
}

/// The whole schedule, in file order (by age).
pub fn schedule() -> &'static [ScheduledDose] {
    static LIST: OnceLock<Vec<ScheduledDose>> = OnceLock::new();
    LIST.get_or_init(|| {
        SCHEDULE_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                ScheduledDose {
                    antigen: f[0].into(),
                    dose: f[1].parse().expect("dose number"),
                    label: f[2].into(),
                    min_age_days: f[3].parse().expect("min age"),
                    age_days: f[4].parse().expect("age"),
                    min_interval_days: f[5].parse().ok(),
                    counts_full: f[6] == "1",
                    valid_from: iso(f[7]).expect("valid_from"),
                    valid_to: iso(f[8]),
                    source: f[9].into(),
                }
            })
            .collect()
    })
}

/// The doses that apply to a child born on `birth`: every dose not withdrawn before the
/// birth (`valid_from` records the circular now in force; earlier circulars had the same
/// doses, so it does not exclude older children).
pub fn schedule_for(birth: Date) -> Vec<&'static ScheduledDose> {
    schedule()
        .iter()
        .filter(|d| d.valid_to.is_none_or(|t| birth < t))
        .collect()
}

pub fn find(antigen: &str, dose: u8) -> Option<&'static ScheduledDose> {
    schedule()
        .iter()
        .find(|d| d.antigen == antigen && d.dose == dose)
}

/// A dose the child received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub antigen: String,
    pub dose: u8,
    pub date: Date,
}

/// Where one scheduled dose stands for a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoseState {
    /// Given and valid.
    Done,
    /// Given, but too early (before the minimum age or interval): does not count.
    Invalid,
    /// Not given, not yet due.
    Upcoming,
    /// Due now (from the due date, for four weeks).
    Due,
    /// Not given four weeks after its due date.
    Overdue,
}

impl DoseState {
    pub fn label_vi(self) -> &'static str {
        match self {
            DoseState::Done => "Đã tiêm",
            DoseState::Invalid => "Tiêm sớm, không tính",
            DoseState::Upcoming => "Chưa đến hạn",
            DoseState::Due => "Đến hạn",
            DoseState::Overdue => "Quá hạn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseStatus {
    pub scheduled: &'static ScheduledDose,
    pub state: DoseState,
    /// When it is (or was) due: the schedule age, or the minimum interval after the
    /// previous dose of the same vaccine if that is later.
    pub due: Date,
    pub given: Option<Date>,
}

/// The child's schedule with each dose's state on `today`. A dose given more than once
/// counts by its first valid date.
pub fn status(birth: Date, given: &[Given], today: Date) -> Vec<DoseStatus> {
    let mut out: Vec<DoseStatus> = Vec::new();
    for s in schedule_for(birth) {
        let previous = out
            .iter()
            .filter(|x| x.scheduled.antigen == s.antigen && x.scheduled.dose < s.dose)
            .max_by_key(|x| x.scheduled.dose);
        let prev_date = previous.and_then(|p| {
            if p.state == DoseState::Done {
                p.given
            } else {
                None
            }
        });
        let by_age = birth + Duration::days(s.age_days);
        let due = match (s.min_interval_days, prev_date) {
            (Some(i), Some(p)) => by_age.max(p + Duration::days(i)),
            _ => by_age,
        };
        let valid = |d: Date| {
            d >= birth + Duration::days(s.min_age_days)
                && match (s.min_interval_days, prev_date) {
                    (Some(i), Some(p)) => d >= p + Duration::days(i),
                    (Some(_), None) => s.dose == 1 || previous.is_none(),
                    _ => true,
                }
        };
        let mut doses: Vec<Date> = given
            .iter()
            .filter(|g| g.antigen == s.antigen && g.dose == s.dose)
            .map(|g| g.date)
            .collect();
        doses.sort();
        let (state, given_on) = match (doses.iter().copied().find(|d| valid(*d)), doses.first()) {
            (Some(d), _) => (DoseState::Done, Some(d)),
            (None, Some(d)) => (DoseState::Invalid, Some(*d)),
            (None, None) if today < due => (DoseState::Upcoming, None),
            (None, None) if (today - due).whole_days() > OVERDUE_AFTER_DAYS => {
                (DoseState::Overdue, None)
            }
            (None, None) => (DoseState::Due, None),
        };
        out.push(DoseStatus {
            scheduled: s,
            state,
            due,
            given: given_on,
        });
    }
    out
}

/// Fully immunised before the first birthday: every dose that counts was valid and given
/// before the child turned one (BRIEF §5's operational definition).
pub fn fully_immunised_under_1(birth: Date, given: &[Given]) -> bool {
    let first_birthday = birth
        .replace_year(birth.year() + 1)
        .unwrap_or(birth + Duration::days(365));
    status(birth, given, first_birthday)
        .iter()
        .filter(|s| s.scheduled.counts_full)
        .all(|s| s.state == DoseState::Done && s.given.is_some_and(|d| d < first_birthday))
}

/// High-dose vitamin A (uống vitamin A liều cao): children from 6 to under 36 months, one
/// dose in each half-year campaign (rounds around 1/6 and 1/12). Recorded with the doses
/// as vaccine `vitamin_a`.
pub const VITAMIN_A: &str = "vitamin_a";

/// The half-year (campaign round) of a date: (year, 1 for January–June, 2 for July–December).
pub fn half_year(d: Date) -> (i32, u8) {
    (d.year(), if u8::from(d.month()) <= 6 { 1 } else { 2 })
}

/// Age in whole months.
fn months(birth: Date, on: Date) -> i32 {
    let mut m = (on.year() - birth.year()) * 12 + i32::from(u8::from(on.month()))
        - i32::from(u8::from(birth.month()));
    if on.day() < birth.day() {
        m -= 1;
    }
    m
}

/// Whether a child of this age may take vitamin A on `on` (6 to under 36 months).
pub fn vitamin_a_eligible(birth: Date, on: Date) -> bool {
    (6..36).contains(&months(birth, on))
}

/// Vitamin A this round: `None` if the child is not in the age range, else whether the
/// dose of the current half-year was taken (`Done`) or not yet (`Due`).
pub fn vitamin_a_state(birth: Date, taken: &[Date], today: Date) -> Option<DoseState> {
    if !vitamin_a_eligible(birth, today) {
        return None;
    }
    let round = half_year(today);
    Some(if taken.iter().any(|d| half_year(*d) == round) {
        DoseState::Done
    } else {
        DoseState::Due
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn g(antigen: &str, dose: u8, date: Date) -> Given {
        Given {
            antigen: antigen.into(),
            dose,
            date,
        }
    }

    #[test]
    fn the_schedule_parses_and_names_the_full_series() {
        let full: Vec<String> = schedule()
            .iter()
            .filter(|d| d.counts_full)
            .map(|d| format!("{}{}", d.antigen, d.dose))
            .collect();
        assert_eq!(
            full,
            [
                "bcg1", "penta1", "opv1", "penta2", "opv2", "penta3", "opv3", "measles1"
            ]
        );
        assert!(find("ipv", 1).is_some());
        assert!(schedule_for(date!(2025 - 01 - 01)).len() >= 10);
    }

    #[test]
    fn due_overdue_and_intervals() {
        let birth = date!(2026 - 01 - 01);
        // At 70 days: BCG, HepB0 overdue (never given), penta1 due (60 days), penta2 upcoming.
        let s = status(birth, &[], birth + Duration::days(70));
        let st = |a: &str, n: u8| {
            s.iter()
                .find(|x| x.scheduled.antigen == a && x.scheduled.dose == n)
                .unwrap()
                .state
        };
        assert_eq!(st("bcg", 1), DoseState::Overdue);
        assert_eq!(st("penta", 1), DoseState::Due);
        assert_eq!(st("penta", 2), DoseState::Upcoming);
        // Penta 1 given late (day 80): penta 2 is due 28 days after it, not at day 90.
        let given = [g("penta", 1, birth + Duration::days(80))];
        let s = status(birth, &given, birth + Duration::days(100));
        let p2 = s
            .iter()
            .find(|x| x.scheduled.antigen == "penta" && x.scheduled.dose == 2)
            .unwrap();
        assert_eq!(p2.due, birth + Duration::days(108));
        assert_eq!(p2.state, DoseState::Upcoming);
        // A dose before its minimum age, or too soon after the previous, does not count.
        let given = [
            g("penta", 1, birth + Duration::days(30)),
            g("opv", 1, birth + Duration::days(60)),
            g("opv", 2, birth + Duration::days(75)),
        ];
        let s = status(birth, &given, birth + Duration::days(100));
        let get = |a: &str, n: u8| {
            s.iter()
                .find(|x| x.scheduled.antigen == a && x.scheduled.dose == n)
                .unwrap()
        };
        assert_eq!(get("penta", 1).state, DoseState::Invalid);
        assert_eq!(get("opv", 1).state, DoseState::Done);
        assert_eq!(
            get("opv", 2).state,
            DoseState::Invalid,
            "15 days after opv 1"
        );
    }

    #[test]
    fn vitamin_a_once_per_half_year_from_6_to_36_months() {
        let birth = date!(2025 - 05 - 20);
        assert_eq!(
            vitamin_a_state(birth, &[], date!(2025 - 11 - 19)),
            None,
            "5 months"
        );
        assert_eq!(
            vitamin_a_state(birth, &[], date!(2025 - 11 - 20)),
            Some(DoseState::Due)
        );
        let taken = [date!(2025 - 12 - 01)];
        assert_eq!(
            vitamin_a_state(birth, &taken, date!(2025 - 12 - 20)),
            Some(DoseState::Done)
        );
        assert_eq!(
            vitamin_a_state(birth, &taken, date!(2026 - 06 - 01)),
            Some(DoseState::Due),
            "new round"
        );
        assert_eq!(
            vitamin_a_state(birth, &[], date!(2028 - 05 - 20)),
            None,
            "36 months"
        );
        assert_eq!(half_year(date!(2026 - 07 - 01)), (2026, 2));
    }

    #[test]
    fn fully_immunised_before_the_first_birthday() {
        let birth = date!(2025 - 03 - 10);
        let d = |n: i64| birth + Duration::days(n);
        let mut given = vec![
            g("bcg", 1, d(3)),
            g("penta", 1, d(61)),
            g("opv", 1, d(61)),
            g("penta", 2, d(92)),
            g("opv", 2, d(92)),
            g("penta", 3, d(125)),
            g("opv", 3, d(125)),
        ];
        assert!(!fully_immunised_under_1(birth, &given), "measles missing");
        given.push(g("measles", 1, d(366)));
        assert!(
            !fully_immunised_under_1(birth, &given),
            "measles after the birthday"
        );
        given.pop();
        given.push(g("measles", 1, d(280)));
        assert!(fully_immunised_under_1(birth, &given));
        // IPV and the birth dose of hepatitis B are not part of it.
        assert!(
            !schedule()
                .iter()
                .any(|s| s.counts_full && (s.antigen == "ipv" || s.antigen == "hepb0"))
        );
    }
}
