//! Care facilities (cơ sở trợ giúp xã hội, cơ sở nuôi dưỡng trẻ em): public, licensed
//! private, informal (unlicensed) and religious; their licence and capacity, the children
//! in their care (registry children), inspections with findings and a deadline to fix,
//! and the resolution of informal facilities (licensed, or closed and the children
//! placed). Plans ask for "no informal facility left unresolved".

use crate::registry::{FieldError, parse_date};
use time::Date;

coded!(
    FacilityKind,
    FACILITY_KINDS,
    [
        (Public, "public", "Cơ sở trợ giúp xã hội công lập"),
        (Private, "private", "Cơ sở ngoài công lập có giấy phép"),
        (Informal, "informal", "Cơ sở chưa được cấp phép"),
        (Religious, "religious", "Cơ sở do tổ chức tôn giáo quản lý"),
    ]
);

coded!(
    Resolution,
    RESOLUTIONS,
    [
        (Open, "open", "Đang hoạt động"),
        (Licensed, "licensed", "Đã được cấp phép"),
        (
            Closed,
            "closed",
            "Đã giải thể, trẻ được chuyển nơi chăm sóc khác"
        ),
    ]
);

#[derive(Debug, Clone, Default)]
pub struct RawFacility {
    pub name: String,
    pub kind: String,
    pub licence: String,
    pub capacity: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub name: String,
    pub kind: FacilityKind,
    pub licence: String,
    pub capacity: i64,
    pub address: String,
}

fn err(field: &'static str, m: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: m.into(),
    }
}

/// A name, a kind; a licence number for public and licensed private facilities; a
/// capacity ≥ 0.
pub fn check(raw: &RawFacility) -> Result<Facility, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = crate::text::clean(&raw.name);
    if name.is_empty() {
        errors.push(err("name", "Cần nhập tên cơ sở"));
    }
    let kind = FacilityKind::parse(&raw.kind);
    if kind.is_none() {
        errors.push(err("kind", "Chọn loại cơ sở"));
    }
    let licence = crate::text::clean(&raw.licence);
    if matches!(kind, Some(FacilityKind::Public | FacilityKind::Private)) && licence.is_empty() {
        errors.push(err(
            "licence",
            "Cơ sở công lập, có giấy phép cần số giấy phép, quyết định thành lập",
        ));
    }
    let capacity = match raw.capacity.trim() {
        "" => 0,
        s => match s.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                errors.push(err("capacity", "Công suất phải là số nguyên không âm"));
                0
            }
        },
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok(Facility {
            name,
            kind,
            licence,
            capacity,
            address: crate::text::clean(&raw.address),
        }),
        _ => Err(errors),
    }
}

/// An inspection: date (not in the future), findings, and an optional deadline to fix
/// (after the inspection).
pub fn check_inspection(
    date: &str,
    findings: &str,
    fix_by: &str,
    today: Date,
) -> Result<(Date, String, Option<Date>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let d = match parse_date(date.trim()) {
        Some(d) if d > today => {
            errors.push(err("date", "Ngày kiểm tra ở tương lai"));
            None
        }
        Some(d) => Some(d),
        None => {
            errors.push(err("date", "Ngày kiểm tra không hợp lệ (dạng dd/mm/yyyy)"));
            None
        }
    };
    let findings = crate::text::clean(findings);
    if findings.is_empty() {
        errors.push(err("findings", "Cần ghi kết quả kiểm tra"));
    }
    let fix = if fix_by.trim().is_empty() {
        None
    } else {
        match (parse_date(fix_by.trim()), d) {
            (Some(f), Some(d)) if f > d => Some(f),
            (Some(_), _) => {
                errors.push(err("fix_by", "Hạn khắc phục phải sau ngày kiểm tra"));
                None
            }
            (None, _) => {
                errors.push(err(
                    "fix_by",
                    "Hạn khắc phục không hợp lệ (dạng dd/mm/yyyy)",
                ));
                None
            }
        }
    };
    match d {
        Some(d) if errors.is_empty() => Ok((d, findings, fix)),
        _ => Err(errors),
    }
}

/// Is the facility an informal one still to be resolved?
pub fn unresolved(kind: FacilityKind, resolution: Resolution) -> bool {
    kind == FacilityKind::Informal && resolution == Resolution::Open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities_and_inspections_are_checked() {
        let e = check(&RawFacility {
            name: "Mái ấm Hoa Hồng".into(),
            kind: "private".into(),
            capacity: "-3".into(),
            ..RawFacility::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["licence", "capacity"]);
        let ok = check(&RawFacility {
            name: "Nhóm trẻ tư thục chưa phép".into(),
            kind: "informal".into(),
            ..RawFacility::default()
        })
        .unwrap();
        assert!(unresolved(ok.kind, Resolution::Open));
        assert!(!unresolved(ok.kind, Resolution::Licensed));
        let today = time::macros::date!(2026 - 11 - 26);
        let (_, _, fix) =
            check_inspection("20/11/2026", "Thiếu bình chữa cháy", "20/12/2026", today).unwrap();
        assert_eq!(fix, Some(time::macros::date!(2026 - 12 - 20)));
        let e = check_inspection("20/11/2026", "x", "01/11/2026", today).unwrap_err();
        assert_eq!(e[0].field, "fix_by");
    }
}
