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
