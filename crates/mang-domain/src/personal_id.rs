//! Personal identification number (số định danh cá nhân), BRIEF §7: 12 digits =
//! 3-digit code of the (pre-2025) province where the birth was registered, a
//! century-and-sex digit, the last two digits of the birth year, 6 random digits.
//! No checksum exists. Sources: Nghị định 137/2015/NĐ-CP Art. 13, TT 07/2016/TT-BCA,
//! TT 59/2021/TT-BCA, Luật Căn cước 2023 Art. 12.

use crate::units::legacy_provinces;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::OnceLock;

/// A syntactically valid personal ID number (12 ASCII digits, kept as text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonalId(String);

/// Why a value is not a personal ID number at all (blocks saving).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalIdError {
    #[error("Số định danh cá nhân phải gồm đúng 12 chữ số (đang có {0} ký tự)")]
    Length(usize),
    #[error("Số định danh cá nhân chỉ được chứa chữ số 0–9")]
    NotDigits,
}

/// An inconsistency with the rest of the record: a warning an officer may override with a
/// recorded reason (data-entry errors in birth date or sex are common).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalIdWarning {
    /// The first three digits are not one of the 63 legacy province codes (birth
    /// registered abroad, or a typing error).
    UnknownPrefix,
    /// Digit 4 is even for males and odd for females.
    SexMismatch,
    /// Digit 4 (century) and digits 5–6 do not give the year of birth.
    BirthYearMismatch,
}

impl PersonalIdWarning {
    pub fn code(self) -> &'static str {
        match self {
            PersonalIdWarning::UnknownPrefix => "unknown_prefix",
            PersonalIdWarning::SexMismatch => "sex_mismatch",
            PersonalIdWarning::BirthYearMismatch => "birth_year_mismatch",
        }
    }

    pub fn message_vi(self) -> &'static str {
        match self {
            PersonalIdWarning::UnknownPrefix => {
                "3 chữ số đầu không phải mã tỉnh nơi đăng ký khai sinh (mã tỉnh cũ trước 01/7/2025)"
            }
            PersonalIdWarning::SexMismatch => {
                "Chữ số thứ 4 không khớp giới tính (số chẵn: nam, số lẻ: nữ)"
            }
            PersonalIdWarning::BirthYearMismatch => {
                "Chữ số thứ 4–6 không khớp năm sinh (thế kỷ và 2 số cuối của năm sinh)"
            }
        }
    }
}

fn prefixes() -> &'static HashSet<String> {
    static P: OnceLock<HashSet<String>> = OnceLock::new();
    P.get_or_init(|| {
        legacy_provinces()
            .into_iter()
            .map(|p| p.id_prefix)
            .collect()
    })
}

impl PersonalId {
    /// Parse user input: spaces and dots that people type between groups are ignored.
    pub fn parse(input: &str) -> Result<PersonalId, PersonalIdError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(PersonalIdError::NotDigits);
        }
        if s.len() != 12 {
            return Err(PersonalIdError::Length(s.chars().count()));
        }
        Ok(PersonalId(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn prefix(&self) -> &str {
        &self.0[..3]
    }

    /// `(is_female, birth_year)` encoded in digits 4–6.
    pub fn encoded_sex_and_year(&self) -> (bool, i32) {
        let d = |i: usize| i32::from(self.0.as_bytes()[i] - b'0');
        let g = d(3);
        let century = 1900 + (g / 2) * 100;
        (g % 2 == 1, century + d(4) * 10 + d(5))
    }

    /// Check against the child's sex and birth year.
    pub fn check(&self, is_female: bool, birth_year: i32) -> Vec<PersonalIdWarning> {
        let mut w = Vec::new();
        if !prefixes().contains(self.prefix()) {
            w.push(PersonalIdWarning::UnknownPrefix);
        }
        let (f, year) = self.encoded_sex_and_year();
        if f != is_female {
            w.push(PersonalIdWarning::SexMismatch);
        }
        if year != birth_year {
            w.push(PersonalIdWarning::BirthYearMismatch);
        }
        w
    }

    /// Masked for lists: `031******123`.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..3], &self.0[9..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PersonalIdWarning::*;

    #[test]
    fn rejects_what_is_not_an_id() {
        assert_eq!(
            PersonalId::parse("03121400004"),
            Err(PersonalIdError::Length(11))
        );
        assert_eq!(
            PersonalId::parse("0312140000421"),
            Err(PersonalIdError::Length(13))
        );
        assert_eq!(
            PersonalId::parse("03121400004a"),
            Err(PersonalIdError::NotDigits)
        );
        assert_eq!(
            PersonalId::parse("０３１２１４００００４２"),
            Err(PersonalIdError::NotDigits),
            "full-width digits"
        );
        assert_eq!(PersonalId::parse(""), Err(PersonalIdError::Length(0)));
        assert_eq!(
            PersonalId::parse("031 214 000 042").unwrap().as_str(),
            "031214000042"
        );
        assert_eq!(
            PersonalId::parse("031.214.000.042").unwrap().as_str(),
            "031214000042"
        );
    }

    #[test]
    fn decodes_century_and_sex() {
        let id = PersonalId::parse("031214000042").unwrap();
        assert_eq!(id.encoded_sex_and_year(), (false, 2014));
        assert_eq!(
            PersonalId::parse("030309999999")
                .unwrap()
                .encoded_sex_and_year(),
            (true, 2009)
        );
        assert_eq!(
            PersonalId::parse("001199000001")
                .unwrap()
                .encoded_sex_and_year(),
            (true, 1999)
        );
        assert_eq!(
            PersonalId::parse("001098000001")
                .unwrap()
                .encoded_sex_and_year(),
            (false, 1998)
        );
        assert_eq!(
            PersonalId::parse("001500000001")
                .unwrap()
                .encoded_sex_and_year(),
            (true, 2100)
        );
    }

    #[test]
    fn warnings_for_inconsistencies() {
        let id = PersonalId::parse("031214000042").unwrap();
        assert!(id.check(false, 2014).is_empty());
        assert_eq!(id.check(true, 2014), vec![SexMismatch]);
        assert_eq!(id.check(false, 2015), vec![BirthYearMismatch]);
        assert_eq!(id.check(true, 2013), vec![SexMismatch, BirthYearMismatch]);
        // 030 is former Hải Dương (now Hải Phòng): valid; 099 is no province.
        assert!(
            PersonalId::parse("030314123456")
                .unwrap()
                .check(true, 2014)
                .is_empty()
        );
        assert_eq!(
            PersonalId::parse("099214000042")
                .unwrap()
                .check(false, 2014),
            vec![UnknownPrefix]
        );
        assert_eq!(id.masked(), "031******042");
    }
}
