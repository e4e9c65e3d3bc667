//! Injuries and accidents of children (tai nạn, thương tích; the plans' target "≤ 550 per
//! 100,000 children", drowning counted apart; BRIEF §1.3): what happened, where, how it
//! ended. Linked to the child's record when known; otherwise sex and age are kept so the
//! case still counts.

use crate::registry::{FieldError, age_years, parse_date};
use time::Date;

coded!(
    Kind,
    KINDS,
    [
        (Drowning, "drowning", "Đuối nước"),
        (Traffic, "traffic", "Tai nạn giao thông"),
        (Fall, "fall", "Ngã"),
        (Burn, "burn", "Bỏng"),
        (Poisoning, "poisoning", "Ngộ độc"),
        (Choking, "choking", "Hóc, sặc, ngạt thở"),
        (AnimalBite, "animal_bite", "Động vật cắn, đốt"),
        (ElectricShock, "electric_shock", "Điện giật"),
        (Violence, "violence", "Bạo lực"),
        (Other, "other", "Khác"),
    ]
);

coded!(
    Place,
    PLACES,
    [
        (Home, "home", "Tại nhà"),
        (School, "school", "Trường học, cơ sở giáo dục"),
        (WaterBody, "water_body", "Ao, hồ, sông, suối, biển"),
        (Road, "road", "Đường giao thông"),
        (Farm, "farm", "Nơi làm việc, đồng ruộng"),
        (OtherPlace, "other", "Nơi khác"),
    ]
);

coded!(
    Outcome,
    OUTCOMES,
    [
        (Treated, "treated", "Sơ cứu, điều trị ngoại trú"),
        (Hospitalised, "hospitalised", "Nằm viện"),
        (Disability, "disability", "Để lại khuyết tật"),
        (Death, "death", "Tử vong"),
    ]
);

/// An injury as typed (form, API). `sex`/`age_years` only when the child is not known.
#[derive(Debug, Clone, Default)]
pub struct RawInjury {
    pub date: String,
    pub kind: String,
    pub place: String,
    pub outcome: String,
    pub sex: String,
    pub age_years: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injury {
    pub date: Date,
    pub kind: Kind,
    pub place: Place,
    pub outcome: Outcome,
    /// `male` / `female`.
    pub sex: &'static str,
    pub age_years: i32,
    pub note: Option<String>,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Check an injury. `child`: the known child's sex and birth date (age is derived);
/// without it, sex and age in years (0–15) must be given.
pub fn check(
    raw: &RawInjury,
    child: Option<(&'static str, Date)>,
    today: Date,
) -> Result<Injury, Vec<FieldError>> {
    let mut errors = Vec::new();
    let date = parse_date(raw.date.trim());
    match date {
        None => errors.push(err("date", "Ngày xảy ra không hợp lệ (dạng dd/mm/yyyy)")),
        Some(d) if d > today => errors.push(err("date", "Ngày xảy ra ở tương lai")),
        Some(d) if child.is_some_and(|(_, b)| d < b) => {
            errors.push(err("date", "Ngày xảy ra trước ngày sinh của trẻ"))
        }
        _ => {}
    }
    let kind = Kind::parse(&raw.kind);
    if kind.is_none() {
        errors.push(err("kind", "Chọn loại tai nạn, thương tích"));
    }
    let place = Place::parse(&raw.place);
    if place.is_none() {
        errors.push(err("place", "Chọn nơi xảy ra"));
    }
    let outcome = Outcome::parse(&raw.outcome);
    if outcome.is_none() {
        errors.push(err("outcome", "Chọn hậu quả"));
    }
    let (sex, age) = match child {
        Some((sex, birth)) => (Some(sex), date.map(|d| age_years(birth, d))),
        None => {
            let sex = crate::registry::parse_sex(&raw.sex);
            if sex.is_none() {
                errors.push(err("sex", "Chọn giới tính của trẻ"));
            }
            let age = raw
                .age_years
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|a| (0..16).contains(a));
            if age.is_none() {
                errors.push(err("age_years", "Tuổi của trẻ phải từ 0 đến 15"));
            }
            (sex, age)
        }
    };
    let note = Some(crate::text::clean(&raw.note)).filter(|n| !n.is_empty());
    match (date, kind, place, outcome, sex, age) {
        (Some(date), Some(kind), Some(place), Some(outcome), Some(sex), Some(age_years))
            if errors.is_empty() =>
        {
            Ok(Injury {
                date,
                kind,
                place,
                outcome,
                sex,
                age_years,
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

    fn raw(kind: &str) -> RawInjury {
        RawInjury {
            date: "02/07/2026".into(),
            kind: kind.into(),
            place: "Ao, ho, song, suoi, bien".into(),
            outcome: "death".into(),
            ..RawInjury::default()
        }
    }

    #[test]
    fn a_known_child_gives_sex_and_age() {
        let i = check(
            &raw("Đuối nước"),
            Some(("female", date!(2019 - 08 - 01))),
            date!(2026 - 11 - 26),
        )
        .unwrap();
        assert_eq!(
            (i.kind, i.place, i.outcome, i.sex, i.age_years),
            (
                Kind::Drowning,
                Place::WaterBody,
                Outcome::Death,
                "female",
                6
            )
        );
        let e = check(
            &raw("drowning"),
            Some(("male", date!(2026 - 08 - 01))),
            date!(2026 - 11 - 26),
        )
        .unwrap_err();
        assert_eq!(e[0].field, "date", "before birth");
    }

    #[test]
    fn an_unknown_child_needs_sex_and_age() {
        let e = check(&raw("traffic"), None, date!(2026 - 11 - 26)).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.field).collect();
        assert_eq!(fields, ["sex", "age_years"]);
        let mut r = raw("bỏng");
        r.sex = "Nữ".into();
        r.age_years = "3".into();
        assert_eq!(
            check(&r, None, date!(2026 - 11 - 26)).unwrap().kind,
            Kind::Burn
        );
        r.kind = "nổ".into();
        r.age_years = "16".into();
        let fields: Vec<&'static str> = check(&r, None, date!(2026 - 11 - 26))
            .unwrap_err()
            .iter()
            .map(|x| x.field)
            .collect();
        assert_eq!(fields, ["kind", "age_years"]);
    }
}
