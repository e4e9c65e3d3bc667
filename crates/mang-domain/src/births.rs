//! Births (sinh): where and how the child was born and the newborn care given — what the
//! plans count as low birth weight, early essential newborn care (EENC), breastfeeding
//! within the first hour, vitamin K1, the hepatitis B birth dose and newborn screening.

use crate::registry::FieldError;

/// The five diseases of newborn screening (sàng lọc sơ sinh).
pub const SCREENING: [(&str, &str); 5] = [
    ("hypothyroidism", "Suy giáp trạng bẩm sinh"),
    ("g6pd", "Thiếu men G6PD"),
    ("cah", "Tăng sản thượng thận bẩm sinh"),
    ("pku", "Phenylketon niệu (PKU)"),
    ("galactosemia", "Rối loạn chuyển hóa galactose"),
];

pub const PLACES: [(&str, &str); 3] = [
    ("facility", "Tại cơ sở y tế"),
    ("home", "Tại nhà"),
    ("other", "Nơi khác (trên đường đi…)"),
];

/// A birth as typed; yes/no fields take `1`/`0` (or Có/Không); `screening` the codes,
/// comma-separated.
#[derive(Debug, Clone, Default)]
pub struct RawBirth {
    pub place: String,
    pub birth_weight_g: String,
    pub gestational_weeks: String,
    pub eenc: String,
    pub breastfed_1h: String,
    pub vitamin_k1: String,
    pub hepb_24h: String,
    pub screening: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Birth {
    pub place: &'static str,
    pub birth_weight_g: Option<i64>,
    pub gestational_weeks: Option<i64>,
    pub eenc: bool,
    pub breastfed_1h: bool,
    pub vitamin_k1: bool,
    pub hepb_24h: bool,
    pub screening: Vec<&'static str>,
}

impl Birth {
    /// Nhẹ cân khi sinh: under 2,500 g.
    pub fn low_birth_weight(&self) -> bool {
        self.birth_weight_g.is_some_and(|w| w < 2500)
    }

    /// Sinh non: before 37 completed weeks.
    pub fn preterm(&self) -> bool {
        self.gestational_weeks.is_some_and(|w| w < 37)
    }
}

fn yes(s: &str) -> bool {
    matches!(
        crate::text::fold(s).as_str(),
        "1" | "co" | "yes" | "true" | "on"
    )
}

pub fn check(raw: &RawBirth) -> Result<Birth, Vec<FieldError>> {
    let mut errors = Vec::new();
    let place = PLACES
        .iter()
        .find(|(c, l)| {
            *c == raw.place.trim() || crate::text::fold(l) == crate::text::fold(&raw.place)
        })
        .map(|(c, _)| *c);
    if place.is_none() {
        errors.push(FieldError {
            field: "place",
            message: "Chọn nơi sinh".into(),
        });
    }
    let mut int = |field: &'static str, text: &str, range: (i64, i64), what: &str| match text.trim()
    {
        "" => None,
        t => match t.replace('.', "").parse::<i64>() {
            Ok(v) if (range.0..=range.1).contains(&v) => Some(v),
            _ => {
                errors.push(FieldError {
                    field,
                    message: format!("{what} «{t}» không hợp lệ (từ {} đến {})", range.0, range.1),
                });
                None
            }
        },
    };
    let birth_weight_g = int(
        "birth_weight_g",
        &raw.birth_weight_g,
        (300, 6500),
        "Cân nặng khi sinh (gam)",
    );
    let gestational_weeks = int(
        "gestational_weeks",
        &raw.gestational_weeks,
        (20, 45),
        "Tuổi thai (tuần)",
    );
    let mut screening = Vec::new();
    for code in raw
        .screening
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match SCREENING.iter().find(|(c, _)| *c == code) {
            Some((c, _)) => screening.push(*c),
            None => errors.push(FieldError {
                field: "screening",
                message: format!("Không có bệnh sàng lọc «{code}»"),
            }),
        }
    }
    match place {
        Some(place) if errors.is_empty() => Ok(Birth {
            place,
            birth_weight_g,
            gestational_weeks,
            eenc: yes(&raw.eenc),
            breastfed_1h: yes(&raw.breastfed_1h),
            vitamin_k1: yes(&raw.vitamin_k1),
            hepb_24h: yes(&raw.hepb_24h),
            screening,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn births_are_checked_and_flag_low_weight_and_preterm() {
        let b = check(&RawBirth {
            place: "facility".into(),
            birth_weight_g: "2.400".into(),
            gestational_weeks: "36".into(),
            eenc: "1".into(),
            hepb_24h: "Có".into(),
            screening: "g6pd, hypothyroidism".into(),
            ..RawBirth::default()
        })
        .unwrap();
        assert!(b.low_birth_weight() && b.preterm() && b.eenc && b.hepb_24h && !b.vitamin_k1);
        assert_eq!(b.screening, ["g6pd", "hypothyroidism"]);
        let e = check(&RawBirth {
            birth_weight_g: "25".into(),
            screening: "xyz".into(),
            ..RawBirth::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.field).collect();
        assert_eq!(fields, ["place", "birth_weight_g", "screening"]);
    }
}
