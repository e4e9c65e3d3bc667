//! The Vietnamese working-day calendar (lịch ngày làm việc), for legal deadlines counted in
//! working days, such as the support plan due within 05 working days of receiving the
//! information (Nghị định 56/2017/NĐ-CP Điều 28).
//!
//! A working day (ngày làm việc) is Monday to Friday, except public holidays (ngày nghỉ lễ,
//! Tết, Bộ luật Lao động 2019 Điều 112, with the compensating day off, nghỉ bù, when one falls
//! on the weekly rest day, Điều 111 khoản 3) and the weekdays swapped off by the Government;
//! a make-up working day (ngày làm bù, a Saturday worked instead) is a working day.
//!
//! The holidays are data, per year: [`HOLIDAYS_CSV`] (`data/holidays-vn.csv`, described in
//! `docs/holidays.md`) ships 2025–2027, and administrators edit the list in the app, stored
//! as rows of the same shape ([`SpecialDay`]). Only days whose status differs from the
//! ordinary week are listed.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// The shipped list of weekday holidays and make-up working days (`date,kind,name`).
pub const HOLIDAYS_CSV: &str = include_str!("../../../data/holidays-vn.csv");

/// What a listed day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A day off on a weekday: holiday, Tết, compensating or swapped day (ngày nghỉ lễ, Tết).
    Holiday,
    /// A make-up working day on a weekend (ngày làm bù).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// `holiday` or `workday` (surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DayKind::Holiday => "Ngày nghỉ lễ, Tết",
            DayKind::Workday => "Ngày làm bù",
        }
    }
}

/// One row of the list: a date whose working status differs from the ordinary week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecialDay {
    /// Serialised as `yyyy-mm-dd`.
    #[serde(serialize_with = "serialize_iso_date")]
    pub date: Date,
    pub kind: DayKind,
    /// Vietnamese name, e.g. `Tết Nguyên đán`, `Làm bù cho ngày 02/01/2026`.
    pub name: String,
}

fn serialize_iso_date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso(*d))
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A malformed holiday list. Lines are numbered from 1 (the header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("dòng 1: tiêu đề phải là \"date,kind,name\" (đang là \"{found}\")")]
    Header { found: String },
    #[error("dòng {line}, cột {column}: {message}")]
    Field {
        line: usize,
        column: &'static str,
        message: String,
    },
    #[error("dòng {line}, cột date: ngày {date} đã có ở dòng {first_line}")]
    Duplicate {
        line: usize,
        first_line: usize,
        date: String,
    },
}

fn field_error(line: usize, column: &'static str, message: String) -> CalendarError {
    CalendarError::Field {
        line,
        column,
        message,
    }
}

/// A strict `yyyy-mm-dd` date.
fn parse_iso(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() != 10 {
        return None;
    }
    Date::parse(s, &fmt).ok()
}

/// A CSV field: trimmed, and unquoted if it is in double quotes (`""` inside is one `"`).
fn unquote(s: &str) -> String {
    let t = s.trim();
    match t.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => t.to_owned(),
    }
}

/// Parse the holiday list: a `date,kind,name` header, then one row per day (empty lines
/// skipped; the name is everything after the second comma, so it may hold commas). Errors
/// name the line and the column; a date listed twice is refused.
pub fn parse_csv(text: &str) -> Result<Vec<SpecialDay>, CalendarError> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, l)| l.trim_start_matches('\u{feff}').trim())
        .unwrap_or("");
    let columns: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    if columns != ["date", "kind", "name"] {
        return Err(CalendarError::Header {
            found: header.to_owned(),
        });
    }
    let mut seen: BTreeMap<Date, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, raw) in lines {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let mut f = raw.splitn(3, ',');
        let date_text = unquote(f.next().unwrap_or(""));
        let kind_text = f.next().map(unquote);
        let name_text = f.next().map(unquote);
        let date = parse_iso(&date_text).ok_or_else(|| {
            field_error(
                line,
                "date",
                format!("\"{date_text}\" không phải ngày hợp lệ (yyyy-mm-dd)"),
            )
        })?;
        let kind_text =
            kind_text.ok_or_else(|| field_error(line, "kind", "thiếu giá trị".to_owned()))?;
        let kind = DayKind::parse(&kind_text).ok_or_else(|| {
            field_error(
                line,
                "kind",
                format!(
                    "\"{kind_text}\" phải là holiday (ngày nghỉ lễ, Tết) hoặc workday (ngày làm bù)"
                ),
            )
        })?;
        let name = name_text.unwrap_or_default();
        if name.is_empty() {
            return Err(field_error(line, "name", "thiếu tên ngày".to_owned()));
        }
        if let Some(first_line) = seen.insert(date, line) {
            return Err(CalendarError::Duplicate {
                line,
                first_line,
                date: date_text,
            });
        }
        out.push(SpecialDay { date, kind, name });
    }
    Ok(out)
}

/// Which days are working days: Monday–Friday unless listed as a holiday, Saturday and
/// Sunday unless listed as a make-up working day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    special: BTreeMap<Date, DayKind>,
}

impl WorkCalendar {
    /// A calendar from the listed days. A date listed twice keeps its last entry
    /// ([`parse_csv`] refuses duplicates; stored rows have the date as key).
    pub fn new(days: &[SpecialDay]) -> Self {
        WorkCalendar {
            special: days.iter().map(|d| (d.date, d.kind)).collect(),
        }
    }

    /// The calendar of the shipped list ([`HOLIDAYS_CSV`]). Panics only if the embedded
    /// file is malformed, which a test rules out.
    pub fn shipped() -> Self {
        static SHIPPED: OnceLock<WorkCalendar> = OnceLock::new();
        SHIPPED
            .get_or_init(|| match parse_csv(HOLIDAYS_CSV) {
                Ok(days) => WorkCalendar::new(&days),
                Err(e) => panic!("data/holidays-vn.csv: {e}"),
            })
            .clone()
    }

    /// The listed status of a date, if it differs from (or restates) the ordinary week.
    pub fn special(&self, date: Date) -> Option<DayKind> {
        self.special.get(&date).copied()
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        match self.special(date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(date),
        }
    }

    /// The n-th working day strictly after `start` (`start` itself never counts: deadlines
    /// run "kể từ ngày nhận", from the day after receipt, as periods in days do under Bộ luật
    /// Dân sự 2015 Điều 147 khoản 1); `start` when `n` is 0. Stops at the last representable
    /// date.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            match day.next_day() {
                Some(next) => day = next,
                None => return day,
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The deadline of something received at `received` and due within `n` working days:
    /// the end of the n-th working day after the local date of receipt, i.e. midnight at the
    /// start of the following day, in local time (`offset`, UTC+7 in Vietnam).
    ///
    /// The day of receipt is the local date, not the UTC one: information received at 00:10
    /// on a Monday in Vietnam (Sunday 17:10 UTC) was received on Monday. Since the whole
    /// n-th working day is allowed (a period ends at 24:00 of its last day, Bộ luật Dân sự
    /// 2015 Điều 148 khoản 6), the deadline is the first instant after it (`00:00` of the
    /// next day), so "before the deadline" is a strict `<`. With `n` = 0 it is the end of
    /// the day of receipt. The result is expressed at `offset`.
    pub fn deadline_after_working_days(
        &self,
        received: OffsetDateTime,
        n: u32,
        offset: UtcOffset,
    ) -> OffsetDateTime {
        let local_date = received.to_offset(offset).date();
        let last = self.add_working_days(local_date, n);
        let end = last.next_day().unwrap_or(last);
        PrimitiveDateTime::new(end, Time::MIDNIGHT).assume_offset(offset)
    }

    /// The number of working days in (`from`, `to`]: `from` excluded, `to` included, 0 if
    /// `to` is not after `from`. For "time left" displays: from today to the deadline's
    /// last working day.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to <= from {
            return 0;
        }
        let days = (to - from).whole_days();
        let (weeks, rest) = (days / 7, days % 7);
        let mut count = weeks * 5;
        let mut day = from;
        for _ in 0..rest {
            day += Duration::days(1);
            if !is_weekend(day) {
                count += 1;
            }
        }
        for (date, kind) in self.special.range(from.next_day().unwrap_or(from)..=to) {
            match (kind, is_weekend(*date)) {
                (DayKind::Holiday, false) => count -= 1,
                (DayKind::Workday, true) => count += 1,
                _ => {}
            }
        }
        count
    }
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, offset};

    const VN: UtcOffset = offset!(+7);

    fn shipped() -> WorkCalendar {
        WorkCalendar::shipped()
    }

    #[test]
    fn calendar_weekends_are_skipped() {
        let cal = WorkCalendar::default();
        // Thursday 06/03/2025 + 2 → Monday 10/03/2025.
        assert_eq!(
            cal.add_working_days(date!(2025 - 03 - 06), 2),
            date!(2025 - 03 - 10)
        );
        assert!(!cal.is_working_day(date!(2025 - 03 - 08)));
        assert!(!cal.is_working_day(date!(2025 - 03 - 09)));
        assert!(cal.is_working_day(date!(2025 - 03 - 10)));
        // Received on a Saturday: the next Monday is day 1.
        assert_eq!(
            cal.add_working_days(date!(2025 - 03 - 08), 1),
            date!(2025 - 03 - 10)
        );
    }

    #[test]
    fn calendar_zero_days_is_the_start() {
        let cal = shipped();
        assert_eq!(
            cal.add_working_days(date!(2026 - 02 - 14), 0),
            date!(2026 - 02 - 14)
        );
    }

    #[test]
    fn calendar_friday_plus_five_is_next_friday() {
        let cal = shipped();
        assert_eq!(
            cal.add_working_days(date!(2025 - 03 - 07), 5),
            date!(2025 - 03 - 14)
        );
    }

    #[test]
    fn calendar_tet_2026_week_is_skipped() {
        let cal = shipped();
        for d in 16..=20 {
            let day = Date::from_calendar_date(2026, time::Month::February, d).unwrap();
            assert!(!cal.is_working_day(day), "{day}");
        }
        // Received Friday 13/02/2026: 23, 24, 25, 26, 27 February.
        assert_eq!(
            cal.add_working_days(date!(2026 - 02 - 13), 5),
            date!(2026 - 02 - 27)
        );
    }

    #[test]
    fn calendar_make_up_saturday_counts() {
        let cal = shipped();
        assert!(cal.is_working_day(date!(2025 - 04 - 26)));
        assert!(!cal.is_working_day(date!(2025 - 04 - 27)));
        // Received Friday 25/04/2025: Saturday 26/04 (làm bù), Monday 28, Tuesday 29, then
        // 30/4, 1/5, 2/5 off and the weekend: Monday 05/05 is day 4.
        assert_eq!(
            cal.add_working_days(date!(2025 - 04 - 25), 1),
            date!(2025 - 04 - 26)
        );
        assert_eq!(
            cal.add_working_days(date!(2025 - 04 - 25), 4),
            date!(2025 - 05 - 05)
        );
    }

    #[test]
    fn calendar_april_may_2026() {
        let cal = shipped();
        assert!(!cal.is_working_day(date!(2026 - 04 - 27))); // nghỉ bù Giỗ Tổ
        assert!(!cal.is_working_day(date!(2026 - 04 - 30)));
        assert!(!cal.is_working_day(date!(2026 - 05 - 01)));
        // Received Wednesday 29/04/2026: Monday 04/05 is day 1, Friday 08/05 day 5.
        assert_eq!(
            cal.add_working_days(date!(2026 - 04 - 29), 1),
            date!(2026 - 05 - 04)
        );
        assert_eq!(
            cal.add_working_days(date!(2026 - 04 - 29), 5),
            date!(2026 - 05 - 08)
        );
        // Received Friday 24/04/2026: 28, 29 April, then 4, 5, 6 May.
        assert_eq!(
            cal.add_working_days(date!(2026 - 04 - 24), 5),
            date!(2026 - 05 - 06)
        );
    }

    #[test]
    fn calendar_shipped_covers_2025_to_2027() {
        let days = parse_csv(HOLIDAYS_CSV).expect("shipped list parses");
        for year in 2025..=2027 {
            for (m, d) in [(1, 1), (4, 30), (9, 2)] {
                let day =
                    Date::from_calendar_date(year, time::Month::try_from(m).unwrap(), d).unwrap();
                let listed = days.iter().any(|s| s.date == day);
                // A holiday on a weekday is listed; on a weekend it changes nothing.
                assert_eq!(listed, !is_weekend(day), "{day}");
            }
            assert!(
                days.iter()
                    .any(|s| s.date.year() == year && s.name == "Tết Nguyên đán"),
                "Tết {year}"
            );
            assert!(
                days.iter()
                    .any(|s| s.date.year() == year && s.name.contains("Giỗ Tổ Hùng Vương")),
                "Giỗ Tổ {year}"
            );
        }
        // Only days that change the ordinary week are listed.
        for s in &days {
            assert_eq!(
                s.kind == DayKind::Workday,
                is_weekend(s.date),
                "{} {}",
                s.date,
                s.name
            );
        }
        let cal = WorkCalendar::shipped();
        assert!(cal.is_working_day(date!(2026 - 01 - 10))); // làm bù cho 02/01/2026
        assert!(!cal.is_working_day(date!(2026 - 01 - 02)));
        assert!(cal.is_working_day(date!(2026 - 08 - 22))); // làm bù cho 31/08/2026
        assert!(!cal.is_working_day(date!(2026 - 08 - 31)));
    }

    #[test]
    fn calendar_parse_errors_name_line_and_column() {
        let text = "date,kind,name\n2026-01-01,holiday,Tết Dương lịch\n\n2026-02-30,holiday,X\n";
        let err = parse_csv(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dòng 4, cột date: \"2026-02-30\" không phải ngày hợp lệ (yyyy-mm-dd)"
        );
        let err = parse_csv("date,kind,name\n2026-01-01,nghỉ,Tết Dương lịch\n").unwrap_err();
        assert!(
            matches!(
                err,
                CalendarError::Field {
                    line: 2,
                    column: "kind",
                    ..
                }
            ),
            "{err}"
        );
        let err = parse_csv("date,kind,name\n2026-01-01,holiday,\n").unwrap_err();
        assert_eq!(err.to_string(), "dòng 2, cột name: thiếu tên ngày");
        let err = parse_csv("date,kind,name\n2026-01-01\n").unwrap_err();
        assert_eq!(err.to_string(), "dòng 2, cột kind: thiếu giá trị");
        let err = parse_csv("ngày,loại,tên\n").unwrap_err();
        assert!(matches!(err, CalendarError::Header { .. }), "{err}");
        assert!(parse_csv("").is_err());
        assert!(parse_csv("date,kind,name\n26/01/2026,holiday,X\n").is_err());
        assert!(parse_csv("date,kind,name\n2026-1-1,holiday,X\n").is_err());
    }

    #[test]
    fn calendar_parse_accepts_bom_crlf_and_quoted_names() {
        let text = "\u{feff}date,kind,name\r\n2026-01-01,holiday,\"Tết Dương lịch, 2026\"\r\n";
        let days = parse_csv(text).unwrap();
        assert_eq!(
            days,
            vec![SpecialDay {
                date: date!(2026 - 01 - 01),
                kind: DayKind::Holiday,
                name: "Tết Dương lịch, 2026".into(),
            }]
        );
        assert_eq!(
            serde_json::to_string(&days[0]).unwrap(),
            r#"{"date":"2026-01-01","kind":"holiday","name":"Tết Dương lịch, 2026"}"#
        );
    }

    #[test]
    fn calendar_duplicates_rejected() {
        let text =
            "date,kind,name\n2026-01-01,holiday,A\n2026-01-10,workday,B\n2026-01-01,holiday,C\n";
        let err = parse_csv(text).unwrap_err();
        assert_eq!(
            err,
            CalendarError::Duplicate {
                line: 4,
                first_line: 2,
                date: "2026-01-01".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "dòng 4, cột date: ngày 2026-01-01 đã có ở dòng 2"
        );
    }

    #[test]
    fn calendar_day_kind_codes_and_labels() {
        for k in [DayKind::Holiday, DayKind::Workday] {
            assert_eq!(DayKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(DayKind::parse("Holiday"), None);
        assert_eq!(DayKind::Holiday.label_vi(), "Ngày nghỉ lễ, Tết");
        assert_eq!(DayKind::Workday.label_vi(), "Ngày làm bù");
    }

    #[test]
    fn calendar_deadline_late_friday_evening() {
        let cal = shipped();
        // Friday 07/03/2025 23:30 in Vietnam, stored as UTC.
        let received = datetime!(2025-03-07 16:30 UTC);
        assert_eq!(
            cal.deadline_after_working_days(received, 5, VN),
            datetime!(2025-03-15 00:00 +7)
        );
    }

    #[test]
    fn calendar_deadline_just_after_local_midnight() {
        let cal = shipped();
        // Monday 10/03/2025 00:10 in Vietnam is still Sunday in UTC: the local date counts.
        let received = datetime!(2025-03-09 17:10 UTC);
        assert_eq!(
            cal.deadline_after_working_days(received, 5, VN),
            datetime!(2025-03-18 00:00 +7)
        );
        // Before Tết 2026: Friday 13/02/2026 00:10 local → end of Friday 27/02/2026.
        let received = datetime!(2026-02-13 00:10 +7);
        let deadline = cal.deadline_after_working_days(received, 5, VN);
        assert_eq!(deadline, datetime!(2026-02-28 00:00 +7));
        assert_eq!(deadline.offset(), VN);
        // n = 0: the end of the day of receipt.
        assert_eq!(
            cal.deadline_after_working_days(received, 0, VN),
            datetime!(2026-02-14 00:00 +7)
        );
    }

    #[test]
    fn calendar_working_days_between() {
        let cal = shipped();
        assert_eq!(
            cal.working_days_between(date!(2025 - 03 - 07), date!(2025 - 03 - 14)),
            5
        );
        assert_eq!(
            cal.working_days_between(date!(2026 - 02 - 13), date!(2026 - 02 - 27)),
            5
        );
        // The make-up Saturday counts; 30/4–2/5/2025 do not.
        assert_eq!(
            cal.working_days_between(date!(2025 - 04 - 25), date!(2025 - 05 - 05)),
            4
        );
        assert_eq!(
            cal.working_days_between(date!(2025 - 03 - 14), date!(2025 - 03 - 07)),
            0
        );
        assert_eq!(
            cal.working_days_between(date!(2025 - 03 - 07), date!(2025 - 03 - 07)),
            0
        );
        // Agrees with add_working_days and with counting day by day, over the whole list.
        let start = date!(2024 - 12 - 20);
        let mut day = start;
        let mut count = 0;
        while day < date!(2028 - 01 - 10) {
            day = day.next_day().unwrap();
            if cal.is_working_day(day) {
                count += 1;
                assert_eq!(cal.add_working_days(start, count as u32), day);
            }
            assert_eq!(cal.working_days_between(start, day), count, "{day}");
        }
    }
}
