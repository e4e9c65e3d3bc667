//! Children in special circumstances (trẻ em có hoàn cảnh đặc biệt, Luật Trẻ em 2016
//! Art. 10: 14 groups) and risk factors (nguy cơ rơi vào hoàn cảnh đặc biệt), kept as data
//! (`data/circumstances.csv`) so that a new list — e.g. from QĐ 3955/QĐ-BYT — replaces it
//! without code changes. Plans count the two kinds separately (BRIEF §2).

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of the groups of Art. 10.
    Special,
    /// A risk factor, recorded and reviewed monthly or quarterly.
    Risk,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circumstance {
    pub code: String,
    pub kind: Kind,
    /// The letter of Art. 10(1) (a, b, c, d, đ, …) for special circumstances.
    pub letter: String,
    pub label: String,
    pub source: String,
}

pub const CIRCUMSTANCES_CSV: &str = include_str!("../../../data/circumstances.csv");

/// Split one CSV line with optional double-quoted fields.
fn fields(line: &str) -> Vec<String> {
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
    out.push(cur);
    out
}

/// The list, in file order (special groups in the order of the Law, then risk factors).
pub fn all() -> &'static [Circumstance] {
    static LIST: OnceLock<Vec<Circumstance>> = OnceLock::new();
    LIST.get_or_init(|| {
        CIRCUMSTANCES_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let f = fields(l);
                Circumstance {
                    code: f[0].clone(),
                    kind: if f[1] == "special" {
                        Kind::Special
                    } else {
                        Kind::Risk
                    },
                    letter: f[2].clone(),
                    label: f[3].clone(),
                    source: f[4].clone(),
                }
            })
            .collect()
    })
}

pub fn find(code: &str) -> Option<&'static Circumstance> {
    all().iter().find(|c| c.code == code.trim())
}

/// By code, or by its label as a spreadsheet's drop-down gives it (with or without the
/// letter of Art. 10, diacritics and case ignored).
pub fn find_code_or_label(input: &str) -> Option<&'static Circumstance> {
    find(input).or_else(|| {
        let f = crate::text::fold(input);
        all()
            .iter()
            .find(|c| crate::text::fold(&c.label) == f || crate::text::fold(&c.choice_label()) == f)
    })
}

impl Circumstance {
    /// "a) Trẻ em mồ côi cả cha và mẹ" — the label with its letter, as lists show it.
    pub fn choice_label(&self) -> String {
        if self.letter.is_empty() {
            self.label.clone()
        } else {
            format!("{}) {}", self.letter, self.label)
        }
    }
}

/// A circumstance as typed: code (or label), dates `dd/mm/yyyy`, source, note.
#[derive(Debug, Clone, Default)]
pub struct RawCircumstance {
    pub code: String,
    pub start_date: String,
    /// Empty while the circumstance lasts.
    pub end_date: String,
    pub source: String,
    pub note: String,
}

/// A checked circumstance record.
#[derive(Debug, Clone)]
pub struct CircumstanceRecord {
    pub circumstance: &'static Circumstance,
    pub start: time::Date,
    pub end: Option<time::Date>,
    pub source: String,
    pub note: Option<String>,
}

/// Check a circumstance record (form, API or spreadsheet row); errors are field-named.
/// The child's birth date and the open-duplicate rule are checked where the child is known.
pub fn check(
    raw: &RawCircumstance,
    as_of: time::Date,
) -> Result<CircumstanceRecord, Vec<crate::registry::FieldError>> {
    use crate::registry::{FieldError, parse_date};
    let mut errors = Vec::new();
    let c = find_code_or_label(&raw.code);
    if c.is_none() {
        errors.push(FieldError {
            field: "code",
            message: format!("Không có hoàn cảnh, nguy cơ mã «{}»", raw.code.trim()),
        });
    }
    let start = parse_date(&raw.start_date);
    match start {
        None => errors.push(FieldError {
            field: "start_date",
            message: "Ngày bắt đầu không hợp lệ (dạng dd/mm/yyyy)".into(),
        }),
        Some(d) if d > as_of => errors.push(FieldError {
            field: "start_date",
            message: "Ngày bắt đầu ở tương lai".into(),
        }),
        _ => {}
    }
    let end = match raw.end_date.trim() {
        "" => None,
        e => match parse_date(e) {
            Some(d) if d > as_of => {
                errors.push(FieldError {
                    field: "end_date",
                    message: "Ngày kết thúc ở tương lai".into(),
                });
                None
            }
            Some(d) if start.is_some_and(|s| d < s) => {
                errors.push(FieldError {
                    field: "end_date",
                    message: "Ngày kết thúc trước ngày bắt đầu".into(),
                });
                None
            }
            Some(d) => Some(d),
            None => {
                errors.push(FieldError {
                    field: "end_date",
                    message: "Ngày kết thúc không hợp lệ (dạng dd/mm/yyyy)".into(),
                });
                None
            }
        },
    };
    let source = crate::text::clean(&raw.source);
    if source.is_empty() {
        errors.push(FieldError {
            field: "source",
            message: "Cần ghi nguồn thông tin (ví dụ: xác minh tại hộ, quyết định, giấy tờ)".into(),
        });
    }
    let note = Some(crate::text::clean(&raw.note)).filter(|n| !n.is_empty());
    match (c, start) {
        (Some(circumstance), Some(start)) if errors.is_empty() => Ok(CircumstanceRecord {
            circumstance,
            start,
            end,
            source,
            note,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_law_has_14_groups_and_the_list_parses() {
        let special: Vec<_> = all().iter().filter(|c| c.kind == Kind::Special).collect();
        assert_eq!(special.len(), 14);
        let letters: Vec<&str> = special.iter().map(|c| c.letter.as_str()).collect();
        assert_eq!(
            letters,
            [
                "a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m", "n", "o"
            ]
        );
        assert!(all().iter().any(|c| c.kind == Kind::Risk));
        let m = find("migrant_refugee_unaccompanied").unwrap();
        assert!(
            m.label.contains("lánh nạn, tị nạn"),
            "quoted commas kept: {}",
            m.label
        );
        assert!(find("parents_migrated").unwrap().label.contains(", trẻ ở"));
        assert!(find("nope").is_none());
        let codes: std::collections::HashSet<_> = all().iter().map(|c| &c.code).collect();
        assert_eq!(codes.len(), all().len(), "codes are unique");
    }
}
