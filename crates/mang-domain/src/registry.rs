//! Child registry rules (hệ thống quản lý thông tin trẻ em tại cơ sở, QĐ 3955/QĐ-BYT):
//! turning what a form, a spreadsheet row or an API call says into a checked child record.
//! Every input arrives as text, so pages, the API and imports share one parser and give
//! the same Vietnamese messages, each naming its field.

use crate::codes::{self, DISABILITY_SEVERITIES, DISABILITY_TYPES, SCHOOL_STATUSES};
use crate::personal_id::{PersonalId, PersonalIdWarning};
use crate::text;
use serde::{Deserialize, Serialize};
use time::Date;

/// Raw input for a child, every field as text (empty = not given).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RawChild {
    pub full_name: String,
    pub sex: String,
    pub birth_date: String,
    pub personal_id: String,
    pub ethnicity: String,
    pub nationality: String,
    pub birth_registered: String,
    pub insurance_card: String,
    pub insurance_valid_to: String,
    pub disability_type: String,
    pub disability_severity: String,
    pub school_status: String,
    /// Reason for keeping a personal ID that does not match sex or birth year.
    pub id_override_reason: String,
}

/// A checked child record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRecord {
    pub full_name: String,
    pub sex: &'static str,
    pub birth_date: Date,
    pub personal_id: Option<PersonalId>,
    pub ethnicity: Option<&'static str>,
    pub nationality: String,
    pub birth_registered: bool,
    pub insurance_card: Option<String>,
    pub insurance_valid_to: Option<Date>,
    pub disability_type: Option<&'static str>,
    pub disability_severity: Option<&'static str>,
    pub school_status: Option<&'static str>,
    /// Warnings the officer accepted, with the reason (recorded in the audit log).
    pub id_warnings: Vec<PersonalIdWarning>,
    pub id_override_reason: Option<String>,
}

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Vietnamese label of a field, for error reports (column headers use the same words).
pub fn field_label(field: &str) -> &'static str {
    match field {
        "full_name" => "Họ và tên",
        "sex" => "Giới tính",
        "birth_date" => "Ngày sinh",
        "personal_id" => "Số định danh cá nhân",
        "ethnicity" => "Dân tộc",
        "nationality" => "Quốc tịch",
        "birth_registered" => "Đã đăng ký khai sinh",
        "insurance_card" => "Số thẻ BHYT",
        "insurance_valid_to" => "BHYT có giá trị đến",
        "disability_type" => "Dạng khuyết tật",
        "disability_severity" => "Mức độ khuyết tật",
        "school_status" => "Tình trạng đi học",
        "id_override_reason" => "Lý do giữ số định danh",
        "household_code" => "Mã hộ",
        "commune_code" => "Mã xã",
        "village_code" => "Mã thôn, tổ",
        "head_name" => "Chủ hộ",
        "address" => "Địa chỉ",
        "phone" => "Điện thoại",
        "poverty" => "Hộ nghèo, cận nghèo",
        "dose" => "Tiêm chủng",
        "injury" => "Tai nạn, thương tích",
        "measurement" => "Cân, đo",
        "death" => "Tử vong",
        "birth" => "Thông tin khi sinh",
        "health_check" => "Khám sức khỏe",
        "status" => "Tình trạng",
        "event" => "Biến động",
        "caregiver" => "Người chăm sóc",
        "id_verified" => "Xác minh số định danh",
        "name_parts" => "Tách họ, tên",
        _ => "",
    }
}

/// `male` / `female` from `Nam` / `Nữ` (any case, with or without diacritics) or the code.
pub fn parse_sex(input: &str) -> Option<&'static str> {
    match text::fold(input).as_str() {
        "nam" | "male" | "m" => Some("male"),
        "nu" | "female" | "f" => Some("female"),
        _ => None,
    }
}

/// Parse a date written `dd/mm/yyyy`, `d/m/yyyy` (BRIEF §9) or ISO `yyyy-mm-dd`.
pub fn parse_date(input: &str) -> Option<Date> {
    let s = input.trim();
    let (d, m, y) = if let Some((y, rest)) = s.split_once('-') {
        let (m, d) = rest.split_once('-')?;
        (d, m, y)
    } else {
        let mut it = s.split(['/', '.']);
        let (d, m, y) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        (d, m, y)
    };
    if y.len() != 4 || d.is_empty() || d.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn yes_no(input: &str) -> Option<bool> {
    match text::fold(input).as_str() {
        "" => None,
        "co" | "x" | "1" | "true" | "yes" | "da dang ky" => Some(true),
        "khong" | "0" | "false" | "no" | "chua" | "chua dang ky" => Some(false),
        _ => None,
    }
}

/// Age in whole years at `as_of`.
pub fn age_years(birth: Date, as_of: Date) -> i32 {
    let mut age = as_of.year() - birth.year();
    if (as_of.month() as u8, as_of.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// Children are people under 16 (Luật Trẻ em Art. 1); records are kept up to 18 so that
/// support that continues past 16 is not lost.
pub const MAX_RECORD_AGE: i32 = 18;

/// Check raw input. Errors block; personal-ID inconsistencies are warnings that need a
/// reason (`id_override_reason`), else they are reported as errors of `personal_id`.
pub fn parse_child(raw: &RawChild, as_of: Date) -> Result<ChildRecord, Vec<FieldError>> {
    let mut errors = Vec::new();
    let full_name = text::clean(&raw.full_name);
    if full_name.is_empty() {
        errors.push(err("full_name", "Thiếu họ và tên"));
    } else if full_name.split(' ').count() < 2 {
        errors.push(err(
            "full_name",
            "Họ và tên phải có ít nhất hai từ (họ và tên)",
        ));
    } else if full_name.chars().count() > 120 {
        errors.push(err("full_name", "Họ và tên quá dài (tối đa 120 ký tự)"));
    } else if full_name
        .chars()
        .any(|c| c.is_ascii_digit() || "@#$%^&*_=+<>{}[]|\\/\"".contains(c))
    {
        errors.push(err("full_name", "Họ và tên chứa ký tự không hợp lệ"));
    }
    let sex = match parse_sex(&raw.sex) {
        Some(s) => Some(s),
        None if raw.sex.trim().is_empty() => {
            errors.push(err("sex", "Thiếu giới tính (Nam hoặc Nữ)"));
            None
        }
        _ => {
            errors.push(err(
                "sex",
                format!("Giới tính «{}» không hợp lệ (Nam hoặc Nữ)", raw.sex.trim()),
            ));
            None
        }
    };
    let birth_date = match parse_date(&raw.birth_date) {
        None if raw.birth_date.trim().is_empty() => {
            errors.push(err("birth_date", "Thiếu ngày sinh"));
            None
        }
        None => {
            errors.push(err(
                "birth_date",
                format!(
                    "Ngày sinh «{}» không hợp lệ (dạng dd/mm/yyyy)",
                    raw.birth_date.trim()
                ),
            ));
            None
        }
        Some(d) if d > as_of => {
            errors.push(err(
                "birth_date",
                format!("Ngày sinh {} ở tương lai", crate::vi::date(d)),
            ));
            None
        }
        Some(d) if age_years(d, as_of) >= MAX_RECORD_AGE => {
            errors.push(err(
                "birth_date",
                format!(
                    "Ngày sinh {}: đã {MAX_RECORD_AGE} tuổi trở lên, không thuộc sổ trẻ em",
                    crate::vi::date(d)
                ),
            ));
            None
        }
        Some(d) => Some(d),
    };
    let mut id_warnings = Vec::new();
    let personal_id = match raw.personal_id.trim() {
        "" => None,
        s => match PersonalId::parse(s) {
            Ok(id) => {
                if let (Some(sex), Some(bd)) = (sex, birth_date) {
                    id_warnings = id.check(sex == "female", bd.year());
                }
                Some(id)
            }
            Err(e) => {
                errors.push(err("personal_id", e.to_string()));
                None
            }
        },
    };
    let reason = text::clean(&raw.id_override_reason);
    if !id_warnings.is_empty() && reason.is_empty() {
        let msgs: Vec<&str> = id_warnings.iter().map(|w| w.message_vi()).collect();
        errors.push(err(
            "personal_id",
            format!("{}. Sửa lại, hoặc ghi lý do để giữ số này", msgs.join("; ")),
        ));
    }
    let ethnicity = match raw.ethnicity.trim() {
        "" => None,
        s => match codes::ethnicity(s) {
            Some(e) => Some(e),
            None => {
                errors.push(err(
                    "ethnicity",
                    format!("Dân tộc «{s}» không có trong danh mục 54 dân tộc"),
                ));
                None
            }
        },
    };
    let nationality = match text::clean(&raw.nationality) {
        n if n.is_empty() => "Việt Nam".to_owned(),
        n => n,
    };
    let birth_registered = match raw.birth_registered.trim() {
        "" => true,
        s => yes_no(s).unwrap_or_else(|| {
            errors.push(err(
                "birth_registered",
                format!("«{s}» không hợp lệ (Có hoặc Không)"),
            ));
            false
        }),
    };
    let insurance_card = match raw.insurance_card.trim().replace(' ', "") {
        s if s.is_empty() => None,
        s if s.len() == 15
            && s[..2].chars().all(|c| c.is_ascii_alphabetic())
            && s[2..].chars().all(|c| c.is_ascii_digit()) =>
        {
            Some(s.to_ascii_uppercase())
        }
        s if s.len() == 10 && s.chars().all(|c| c.is_ascii_digit()) => Some(s),
        s => {
            errors.push(err("insurance_card", format!("Số thẻ BHYT «{s}» không hợp lệ (15 ký tự, ví dụ TE1310123456789, hoặc mã số BHXH 10 chữ số)")));
            None
        }
    };
    let insurance_valid_to = match raw.insurance_valid_to.trim() {
        "" => None,
        s => parse_date(s).or_else(|| {
            errors.push(err(
                "insurance_valid_to",
                format!("Ngày «{s}» không hợp lệ (dạng dd/mm/yyyy)"),
            ));
            None
        }),
    };
    let coded = |field: &'static str,
                 list: &'static [codes::Code],
                 input: &str,
                 errors: &mut Vec<FieldError>| match input.trim() {
        "" => None,
        s => match codes::find(list, s) {
            Some(c) => Some(c.code),
            None => {
                let allowed: Vec<&str> = list.iter().map(|c| c.label).collect();
                errors.push(err(
                    field,
                    format!("«{s}» không có trong danh mục ({})", allowed.join(", ")),
                ));
                None
            }
        },
    };
    let disability_type = coded(
        "disability_type",
        &DISABILITY_TYPES,
        &raw.disability_type,
        &mut errors,
    );
    let disability_severity = coded(
        "disability_severity",
        &DISABILITY_SEVERITIES,
        &raw.disability_severity,
        &mut errors,
    );
    if disability_severity.is_some()
        && disability_type.is_none()
        && raw.disability_type.trim().is_empty()
    {
        errors.push(err(
            "disability_type",
            "Có mức độ khuyết tật nhưng thiếu dạng khuyết tật",
        ));
    }
    let school_status = coded(
        "school_status",
        &SCHOOL_STATUSES,
        &raw.school_status,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ChildRecord {
        full_name,
        sex: sex.expect("checked"),
        birth_date: birth_date.expect("checked"),
        personal_id,
        ethnicity,
        nationality,
        birth_registered,
        insurance_card,
        insurance_valid_to,
        disability_type,
        disability_severity,
        school_status,
        id_override_reason: (!id_warnings.is_empty()).then_some(reason),
        id_warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> Date {
        Date::from_calendar_date(2026, time::Month::June, 30).unwrap()
    }

    fn good() -> RawChild {
        RawChild {
            full_name: "  Nguyễn   Thị Ánh ".into(),
            sex: "Nữ".into(),
            birth_date: "5/2/2015".into(),
            personal_id: "031315123456".into(),
            ethnicity: "kinh".into(),
            ..Default::default()
        }
    }

    fn fields(r: Result<ChildRecord, Vec<FieldError>>) -> Vec<&'static str> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_row_is_cleaned() {
        let c = parse_child(&good(), as_of()).unwrap();
        assert_eq!(c.full_name, "Nguyễn Thị Ánh");
        assert_eq!(c.sex, "female");
        assert_eq!(
            c.birth_date,
            Date::from_calendar_date(2015, time::Month::February, 5).unwrap()
        );
        assert_eq!(c.ethnicity, Some("Kinh"));
        assert_eq!(c.nationality, "Việt Nam");
        assert!(c.birth_registered);
        assert!(c.id_warnings.is_empty());
    }

    #[test]
    fn each_rejection_rule_names_its_field() {
        type Change = fn(&mut RawChild);
        let cases: Vec<(Change, &str)> = vec![
            (|r| r.full_name = "".into(), "full_name"),
            (|r| r.full_name = "Ánh".into(), "full_name"),
            (|r| r.full_name = "Nguyễn Văn 3".into(), "full_name"),
            (|r| r.sex = "".into(), "sex"),
            (|r| r.sex = "khác".into(), "sex"),
            (|r| r.birth_date = "".into(), "birth_date"),
            (|r| r.birth_date = "31/02/2015".into(), "birth_date"),
            (|r| r.birth_date = "2015/02/05".into(), "birth_date"),
            (|r| r.birth_date = "01/07/2026".into(), "birth_date"),
            (|r| r.birth_date = "01/01/2000".into(), "birth_date"),
            (|r| r.personal_id = "03131512345".into(), "personal_id"),
            (|r| r.personal_id = "03131512345X".into(), "personal_id"),
            (|r| r.personal_id = "031215123456".into(), "personal_id"), // male digit for a girl
            (|r| r.ethnicity = "Kinhh".into(), "ethnicity"),
            (|r| r.birth_registered = "có lẽ".into(), "birth_registered"),
            (|r| r.insurance_card = "123".into(), "insurance_card"),
            (
                |r| r.insurance_valid_to = "hôm qua".into(),
                "insurance_valid_to",
            ),
            (|r| r.disability_type = "không rõ".into(), "disability_type"),
            (|r| r.disability_severity = "Nhẹ".into(), "disability_type"),
            (|r| r.school_status = "đại học".into(), "school_status"),
        ];
        for (change, field) in cases {
            let mut r = good();
            change(&mut r);
            assert_eq!(fields(parse_child(&r, as_of())), vec![field], "{r:?}");
        }
    }

    #[test]
    fn id_inconsistencies_pass_with_a_reason() {
        let mut r = good();
        r.personal_id = "031214123456".into(); // male, 2014
        let e = parse_child(&r, as_of()).unwrap_err();
        assert!(
            e[0].message.contains("giới tính") && e[0].message.contains("năm sinh"),
            "{e:?}"
        );
        r.id_override_reason =
            "Công an xã xác nhận số đúng, ngày sinh trên giấy khai sinh sai".into();
        let c = parse_child(&r, as_of()).unwrap();
        assert_eq!(
            c.id_warnings,
            vec![
                PersonalIdWarning::SexMismatch,
                PersonalIdWarning::BirthYearMismatch
            ]
        );
        assert!(c.id_override_reason.is_some());
    }

    #[test]
    fn dates_accept_the_forms_people_write() {
        let d = Date::from_calendar_date(2026, time::Month::February, 5).unwrap();
        for s in [
            "05/02/2026",
            "5/2/2026",
            "2026-02-05",
            "05.02.2026",
            " 5/02/2026 ",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        for s in [
            "",
            "5/2/26",
            "32/01/2026",
            "29/02/2025",
            "2026/02/05",
            "5-2-2026",
            "05/02/2026/1",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
        assert_eq!(parse_date("29/02/2024").map(|d| d.day()), Some(29));
    }

    #[test]
    fn ages_count_whole_years() {
        let b = Date::from_calendar_date(2010, time::Month::July, 1).unwrap();
        assert_eq!(age_years(b, as_of()), 15);
        assert_eq!(
            age_years(
                b,
                Date::from_calendar_date(2026, time::Month::July, 1).unwrap()
            ),
            16
        );
    }
}
