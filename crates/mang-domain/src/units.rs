//! Administrative units (đơn vị hành chính) after the two-level reform of 1 July 2025
//! (BRIEF §6.2): the nation, 34 provinces, 3,321 communes/wards/special zones, and the
//! villages / residential groups (thôn, tổ dân phố) that communes add themselves.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Code of the national root unit (cả nước).
pub const NATIONAL_CODE: &str = "VN";

/// Reference list shipped with the binary (`data/admin-units/units.csv`, NSO codes).
pub const UNITS_CSV: &str = include_str!("../../../data/admin-units/units.csv");
/// The 63 pre-2025 provinces with their personal-ID prefixes.
pub const LEGACY_PROVINCES_CSV: &str =
    include_str!("../../../data/admin-units/legacy-provinces-2025-06.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    National,
    Province,
    Commune,
    Village,
}

impl UnitLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::National => "national",
            UnitLevel::Province => "province",
            UnitLevel::Commune => "commune",
            UnitLevel::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "national" => UnitLevel::National,
            "province" => UnitLevel::Province,
            "commune" => UnitLevel::Commune,
            "village" => UnitLevel::Village,
            _ => return None,
        })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitLevel::National => "Trung ương",
            UnitLevel::Province => "Cấp tỉnh",
            UnitLevel::Commune => "Cấp xã",
            UnitLevel::Village => "Thôn, tổ dân phố",
        }
    }

    pub fn child(self) -> Option<Self> {
        match self {
            UnitLevel::National => Some(UnitLevel::Province),
            UnitLevel::Province => Some(UnitLevel::Commune),
            UnitLevel::Commune => Some(UnitLevel::Village),
            UnitLevel::Village => None,
        }
    }
}

/// A checked administrative-unit code, kept as zero-padded text: `VN`, `31` (province),
/// `31006` (commune), `31006-003` (village, commune code + 3-digit serial).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Mã đơn vị hành chính không hợp lệ: «{0}» (dạng đúng: VN, 2 chữ số, 5 chữ số hoặc 5 chữ số-3 chữ số)"
)]
pub struct InvalidUnitCode(pub String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<Self, InvalidUnitCode> {
        let s = s.trim();
        let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
        let ok = s == NATIONAL_CODE
            || digits(s, 2)
            || digits(s, 5)
            || (s.len() == 9 && digits(&s[..5], 5) && &s[5..6] == "-" && digits(&s[6..], 3));
        if ok {
            Ok(UnitCode(s.to_owned()))
        } else {
            Err(InvalidUnitCode(s.to_owned()))
        }
    }

    pub fn national() -> Self {
        UnitCode(NATIONAL_CODE.to_owned())
    }

    /// The level is implied by the shape of the code.
    pub fn level(&self) -> UnitLevel {
        match self.0.len() {
            2 if self.0 == NATIONAL_CODE => UnitLevel::National,
            2 => UnitLevel::Province,
            5 => UnitLevel::Commune,
            _ => UnitLevel::Village,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Code of a new village under this commune with the given serial (1-based).
    pub fn village(&self, serial: u32) -> Option<UnitCode> {
        (self.level() == UnitLevel::Commune && (1..=999).contains(&serial))
            .then(|| UnitCode(format!("{}-{serial:03}", self.0)))
    }
}

impl TryFrom<String> for UnitCode {
    type Error = InvalidUnitCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UnitCode::parse(&s)
    }
}

impl From<UnitCode> for String {
    fn from(c: UnitCode) -> String {
        c.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a record sits in the hierarchy. Every child-level row stores this path so that
/// a scope check is one indexed equality (`province_code = $1`, `commune_code = $1`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPath {
    pub province: Option<String>,
    pub commune: Option<String>,
    pub village: Option<String>,
}

impl UnitPath {
    pub fn code_at(&self, level: UnitLevel) -> Option<&str> {
        match level {
            UnitLevel::National => Some(NATIONAL_CODE),
            UnitLevel::Province => self.province.as_deref(),
            UnitLevel::Commune => self.commune.as_deref(),
            UnitLevel::Village => self.village.as_deref(),
        }
    }
}

/// One row of the reference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceUnit {
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub parent_code: String,
    pub kind: String,
}

/// Parse the embedded reference list, with the national root first.
pub fn reference_units() -> Vec<ReferenceUnit> {
    let mut out = vec![ReferenceUnit {
        code: NATIONAL_CODE.into(),
        name: "Việt Nam".into(),
        level: UnitLevel::National,
        parent_code: String::new(),
        kind: "quốc gia".into(),
    }];
    for line in UNITS_CSV.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        // The file has no quoted fields (checked by a test below).
        let f: Vec<&str> = line.split(',').collect();
        let level = UnitLevel::parse(f[2]).expect("units.csv level");
        out.push(ReferenceUnit {
            code: f[0].into(),
            name: f[1].into(),
            level,
            parent_code: if level == UnitLevel::Province {
                NATIONAL_CODE.into()
            } else {
                f[3].into()
            },
            kind: f[4].into(),
        });
    }
    out
}

/// A pre-2025 province: the 3-digit prefix of personal ID numbers (BRIEF §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyProvince {
    pub legacy_code: String,
    pub id_prefix: String,
    pub name: String,
    pub merged_into: String,
}

pub fn legacy_provinces() -> Vec<LegacyProvince> {
    LEGACY_PROVINCES_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            LegacyProvince {
                legacy_code: f[0].into(),
                id_prefix: f[1].into(),
                name: f[2].into(),
                merged_into: f[4].into(),
            }
        })
        .collect()
}

/// Name without the type prefix, so users can search "Ba Đình" for "Phường Ba Đình".
pub fn short_name(name: &str) -> &str {
    for prefix in ["Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu "] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_list_has_34_provinces_and_3321_communes() {
        let units = reference_units();
        assert!(UNITS_CSV.lines().all(|l| !l.contains('"')));
        let count = |lvl| units.iter().filter(|u| u.level == lvl).count();
        assert_eq!(count(UnitLevel::Province), 34);
        assert_eq!(count(UnitLevel::Commune), 3321);
        let hp: Vec<_> = units.iter().filter(|u| u.parent_code == "31").collect();
        assert_eq!(hp.len(), 114, "Hải Phòng has 114 communes");
        for u in &units {
            assert!(UnitCode::parse(&u.code).is_ok(), "{}", u.code);
            assert_eq!(UnitCode::parse(&u.code).unwrap().level(), u.level);
        }
        assert_eq!(legacy_provinces().len(), 63);
        assert!(
            legacy_provinces()
                .iter()
                .any(|p| p.id_prefix == "030" && p.merged_into == "31")
        );
    }

    #[test]
    fn unit_codes_are_parsed_not_guessed() {
        for bad in [
            "",
            "1",
            "123",
            "3100",
            "31006-1",
            "31006_001",
            "ab",
            "vn",
            "310060001",
        ] {
            assert!(UnitCode::parse(bad).is_err(), "{bad:?} must be rejected");
        }
        assert_eq!(UnitCode::parse("01").unwrap().level(), UnitLevel::Province);
        assert_eq!(
            UnitCode::parse("00004").unwrap().level(),
            UnitLevel::Commune
        );
        assert_eq!(
            UnitCode::parse("00004-012").unwrap().level(),
            UnitLevel::Village
        );
        assert_eq!(UnitCode::parse("VN").unwrap().level(), UnitLevel::National);
        let c = UnitCode::parse("31006").unwrap();
        assert_eq!(c.village(7).unwrap().as_str(), "31006-007");
        assert!(c.village(0).is_none());
        assert!(UnitCode::parse("31").unwrap().village(1).is_none());
    }

    #[test]
    fn short_names_drop_the_type_prefix() {
        assert_eq!(short_name("Phường Ba Đình"), "Ba Đình");
        assert_eq!(short_name("Thành phố Hải Phòng"), "Hải Phòng");
        assert_eq!(short_name("Đặc khu Phú Quốc"), "Phú Quốc");
    }
}
