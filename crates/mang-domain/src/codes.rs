//! Coded values of the registry, kept as data (code, Vietnamese label) so that a new list
//! can replace one without touching the rules. Codes are stored; labels are shown.

/// A coded value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub label: &'static str,
}

const fn c(code: &'static str, label: &'static str) -> Code {
    Code { code, label }
}

/// The 54 ethnic groups of Viet Nam (dân tộc). Ethnicity is sensitive personal data
/// (Nghị định 356/2025/NĐ-CP, BRIEF §8).
pub const ETHNICITIES: [&str; 54] = [
    "Kinh",
    "Tày",
    "Thái",
    "Mường",
    "Khmer",
    "Hoa",
    "Nùng",
    "Mông",
    "Dao",
    "Gia Rai",
    "Ê Đê",
    "Ba Na",
    "Sán Chay",
    "Chăm",
    "Cơ Ho",
    "Xơ Đăng",
    "Sán Dìu",
    "Hrê",
    "Ra Glai",
    "Mnông",
    "Thổ",
    "Xtiêng",
    "Khơ Mú",
    "Bru-Vân Kiều",
    "Cơ Tu",
    "Giáy",
    "Tà Ôi",
    "Mạ",
    "Giẻ-Triêng",
    "Co",
    "Chơ Ro",
    "Xinh Mun",
    "Hà Nhì",
    "Chu Ru",
    "Lào",
    "La Chí",
    "Kháng",
    "Phù Lá",
    "La Hủ",
    "La Ha",
    "Pà Thẻn",
    "Lự",
    "Ngái",
    "Chứt",
    "Lô Lô",
    "Mảng",
    "Cơ Lao",
    "Bố Y",
    "Cống",
    "Si La",
    "Pu Péo",
    "Rơ Măm",
    "Brâu",
    "Ơ Đu",
];

/// Find an ethnic group by name, ignoring case, diacritics and the "H'Mông"/"Mông" spelling.
pub fn ethnicity(input: &str) -> Option<&'static str> {
    let f = crate::text::fold(input).replace(['-', '\''], " ");
    let f = f.split_whitespace().collect::<Vec<_>>().join(" ");
    let f = if f == "h mong" || f == "hmong" {
        "mong".to_owned()
    } else {
        f
    };
    ETHNICITIES.into_iter().find(|e| {
        let k = crate::text::fold(e).replace(['-', '\''], " ");
        k.split_whitespace().collect::<Vec<_>>().join(" ") == f
    })
}

/// Disability type (dạng tật), after Luật Người khuyết tật 2010 Art. 3.
pub const DISABILITY_TYPES: [Code; 6] = [
    c("mobility", "Khuyết tật vận động"),
    c("hearing_speech", "Khuyết tật nghe, nói"),
    c("vision", "Khuyết tật nhìn"),
    c("mental", "Khuyết tật thần kinh, tâm thần"),
    c("intellectual", "Khuyết tật trí tuệ"),
    c("other", "Khuyết tật khác"),
];

/// Disability severity (mức độ khuyết tật), Luật Người khuyết tật 2010 Art. 3.
pub const DISABILITY_SEVERITIES: [Code; 3] = [
    c("especially_severe", "Đặc biệt nặng"),
    c("severe", "Nặng"),
    c("mild", "Nhẹ"),
];

/// School status (tình trạng đi học).
pub const SCHOOL_STATUSES: [Code; 8] = [
    c("not_of_age", "Chưa đến tuổi đi học"),
    c("preschool", "Mầm non"),
    c("primary", "Tiểu học"),
    c("lower_secondary", "Trung học cơ sở"),
    c("upper_secondary", "Trung học phổ thông"),
    c("vocational", "Giáo dục nghề nghiệp"),
    c("dropped_out", "Bỏ học"),
    c("never_attended", "Chưa từng đi học"),
];

/// Look a code up by its code or its label (case- and diacritic-insensitive), so that
/// spreadsheets may carry either.
pub fn find(list: &'static [Code], input: &str) -> Option<&'static Code> {
    let f = crate::text::fold(input);
    list.iter()
        .find(|x| x.code == input.trim() || crate::text::fold(x.label) == f)
}

pub fn label(list: &'static [Code], code: &str) -> &'static str {
    list.iter()
        .find(|x| x.code == code)
        .map(|x| x.label)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethnic_groups_are_54_and_found_loosely() {
        let set: std::collections::HashSet<_> = ETHNICITIES.iter().collect();
        assert_eq!(set.len(), 54);
        assert_eq!(ethnicity("kinh"), Some("Kinh"));
        assert_eq!(ethnicity("H'Mông"), Some("Mông"));
        assert_eq!(ethnicity("e de"), Some("Ê Đê"));
        assert_eq!(ethnicity("Bru Vân Kiều"), Some("Bru-Vân Kiều"));
        assert_eq!(ethnicity("Kinhh"), None);
    }

    #[test]
    fn codes_are_found_by_code_or_label() {
        assert_eq!(find(&DISABILITY_TYPES, "vision").unwrap().code, "vision");
        assert_eq!(
            find(&DISABILITY_TYPES, "khuyết tật nhìn").unwrap().code,
            "vision"
        );
        assert_eq!(find(&SCHOOL_STATUSES, "Tieu hoc").unwrap().code, "primary");
        assert!(find(&SCHOOL_STATUSES, "đại học").is_none());
        assert_eq!(label(&DISABILITY_SEVERITIES, "mild"), "Nhẹ");
    }
}
