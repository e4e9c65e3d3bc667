//! Deaths of children (tử vong trẻ em; the plans' under-1 and under-5 mortality rates per
//! 1,000 live births, BRIEF §1.3): date, age at death in exact days, cause group and
//! place. Linked to the child's record when known; otherwise sex and birth date are kept so
//! the death still counts.

use crate::registry::{FieldError, parse_date};
use time::Date;

coded!(
    Cause,
    CAUSES,
    [
        (
            Perinatal,
            "perinatal",
            "Bệnh lý chu sinh (sinh non, nhẹ cân, ngạt…)"
        ),
        (Congenital, "congenital", "Dị tật bẩm sinh"),
        (Pneumonia, "pneumonia", "Viêm phổi, nhiễm khuẩn hô hấp"),
        (Diarrhoea, "diarrhoea", "Tiêu chảy"),
        (OtherInfection, "other_infection", "Bệnh nhiễm khuẩn khác"),
        (Malnutrition, "malnutrition", "Suy dinh dưỡng"),
        (Drowning, "drowning", "Đuối nước"),
        (Traffic, "traffic", "Tai nạn giao thông"),
        (OtherInjury, "other_injury", "Tai nạn, thương tích khác"),
        (Other, "other", "Nguyên nhân khác"),
        (Unknown, "unknown", "Không rõ"),
    ]
);

coded!(
    Place,
    PLACES,
    [
        (Facility, "facility", "Tại cơ sở y tế"),
        (Home, "home", "Tại nhà"),
        (Transit, "transit", "Trên đường đến cơ sở y tế"),
        (OtherPlace, "other", "Nơi khác"),
    ]
);

/// A death as typed. `sex`/`birth_date` only when the child is not on the register.
#[derive(Debug, Clone, Default)]
pub struct RawDeath {
    pub date: String,
    pub cause: String,
    pub place: String,
    pub sex: String,
    pub birth_date: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Death {
    pub date: Date,
    pub birth_date: Date,
    /// Exact age at death in days (date of death − date of birth).
    pub age_days: i64,
    pub sex: &'static str,
    pub cause: Cause,
    pub place: Place,
    pub note: Option<String>,
}

impl Death {
    /// Neonatal (under 28 days), under 1 year, under 5 years.
    pub fn age_group_vi(&self) -> &'static str {
        if self.age_days < 28 {
            "Sơ sinh (dưới 28 ngày)"
        } else if self.age_days < 365 {
            "Dưới 1 tuổi"
        } else if self.age_days < 1826 {
            "Từ 1 đến dưới 5 tuổi"
        } else {
            "Từ 5 tuổi"
        }
    }
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Check a death. `child`: the known child's sex and birth date; without it, both must be
/// given (the age at death is derived from them, never typed).
pub fn check(
    raw: &RawDeath,
    child: Option<(&'static str, Date)>,
    today: Date,
) -> Result<Death, Vec<FieldError>> {
    let mut errors = Vec::new();
    let (sex, birth) = match child {
        Some((s, b)) => (Some(s), Some(b)),
        None => {
            let sex = crate::registry::parse_sex(&raw.sex);
            if sex.is_none() {
                errors.push(err("sex", "Chọn giới tính của trẻ"));
            }
            let birth = parse_date(raw.birth_date.trim());
            if birth.is_none() {
                errors.push(err(
                    "birth_date",
                    "Ngày sinh của trẻ không hợp lệ (dạng dd/mm/yyyy)",
                ));
            }
            (sex, birth)
        }
    };
    let date = parse_date(raw.date.trim());
    match (date, birth) {
        (None, _) => errors.push(err("date", "Ngày mất không hợp lệ (dạng dd/mm/yyyy)")),
        (Some(d), _) if d > today => errors.push(err("date", "Ngày mất ở tương lai")),
        (Some(d), Some(b)) if d < b => errors.push(err("date", "Ngày mất trước ngày sinh")),
        (Some(d), Some(b)) if (d - b).whole_days() >= 16 * 366 => {
            errors.push(err("date", "Trẻ đã từ 16 tuổi trở lên vào ngày này"))
        }
        _ => {}
    }
    let cause = Cause::parse(&raw.cause);
    if cause.is_none() {
        errors.push(err("cause", "Chọn nhóm nguyên nhân (hoặc «Không rõ»)"));
    }
    let place = Place::parse(&raw.place);
    if place.is_none() {
        errors.push(err("place", "Chọn nơi mất"));
    }
    let note = Some(crate::text::clean(&raw.note)).filter(|n| !n.is_empty());
    match (date, birth, sex, cause, place) {
        (Some(date), Some(birth_date), Some(sex), Some(cause), Some(place))
            if errors.is_empty() =>
        {
            Ok(Death {
                date,
                birth_date,
                age_days: (date - birth_date).whole_days(),
                sex,
                cause,
                place,
                note,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_at_death_is_exact_in_days() {
        let raw = RawDeath {
            date: "10/03/2026".into(),
            cause: "Viêm phổi, nhiễm khuẩn hô hấp".into(),
            place: "home".into(),
            ..RawDeath::default()
        };
        let d = check(
            &raw,
            Some(("male", date!(2026 - 02 - 20))),
            date!(2026 - 11 - 26),
        )
        .unwrap();
        assert_eq!(
            (d.age_days, d.cause, d.age_group_vi()),
            (18, Cause::Pneumonia, "Sơ sinh (dưới 28 ngày)")
        );
        let e = check(&raw, None, date!(2026 - 11 - 26)).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.field).collect();
        assert_eq!(fields, ["sex", "birth_date"]);
        let unknown = RawDeath {
            sex: "Nữ".into(),
            birth_date: "01/01/2022".into(),
            cause: "unknown".into(),
            ..raw
        };
        let d = check(&unknown, None, date!(2026 - 11 - 26)).unwrap();
        assert_eq!(d.age_group_vi(), "Từ 1 đến dưới 5 tuổi");
        let bad = RawDeath {
            date: "01/01/2021".into(),
            ..unknown
        };
        assert_eq!(
            check(&bad, None, date!(2026 - 11 - 26)).unwrap_err()[0].field,
            "date"
        );
    }
}
