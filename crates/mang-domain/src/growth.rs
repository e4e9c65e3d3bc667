//! Growth monitoring of children under five (theo dõi tăng trưởng): a measurement as
//! typed, checked field by field, and its z-scores and nutrition status by the WHO 2006
//! standards ([`crate::anthro`]), in the Vietnamese terms of the plans (nhẹ cân, thấp còi,
//! gầy còm, thừa cân, béo phì).

use crate::anthro::{self, AgeDays, Deficit, Excess, Measure, Measurement, Sex};
use crate::registry::{FieldError, parse_date};
use time::Date;

/// A measurement as typed (decimal comma or point).
#[derive(Debug, Clone, Default)]
pub struct RawMeasurement {
    pub date: String,
    pub weight_kg: String,
    pub lenhei_cm: String,
    /// `l` lying (nằm), `h` standing (đứng), empty if not known.
    pub measure: String,
    /// `1`/`y` if bilateral pitting oedema.
    pub oedema: String,
    pub muac_cm: String,
    pub headc_cm: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowthMeasurement {
    pub date: Date,
    pub weight_kg: Option<f64>,
    pub lenhei_cm: Option<f64>,
    pub measure: Measure,
    pub oedema: bool,
    pub muac_cm: Option<f64>,
    pub headc_cm: Option<f64>,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Check a measurement of a child born on `birth` (under five on the day).
pub fn check(
    raw: &RawMeasurement,
    birth: Date,
    today: Date,
) -> Result<GrowthMeasurement, Vec<FieldError>> {
    let mut errors = Vec::new();
    let date = parse_date(raw.date.trim());
    match date {
        None => errors.push(err("date", "Ngày đo không hợp lệ (dạng dd/mm/yyyy)")),
        Some(d) if d > today => errors.push(err("date", "Ngày đo ở tương lai")),
        Some(d) if d < birth => errors.push(err("date", "Ngày đo trước ngày sinh của trẻ")),
        Some(d) if (d - birth).whole_days() >= 1826 => errors.push(err(
            "date",
            "Theo dõi tăng trưởng theo chuẩn WHO 2006 cho trẻ dưới 5 tuổi (dưới 1.826 ngày tuổi)",
        )),
        _ => {}
    }
    let mut number = |field: &'static str, text: &str, range: (f64, f64), what: &str| {
        match anthro::parse_number(text) {
            Ok(None) => None,
            Ok(Some(v)) if v >= range.0 && v <= range.1 => Some(v),
            Ok(Some(_)) => {
                errors.push(err(
                    field,
                    format!(
                        "{what} «{}» ngoài khoảng hợp lý ({} – {})",
                        text.trim(),
                        crate::vi::decimal(range.0),
                        crate::vi::decimal(range.1)
                    ),
                ));
                None
            }
            Err(_) => {
                errors.push(err(
                    field,
                    format!("{what} «{}» không phải là số", text.trim()),
                ));
                None
            }
        }
    };
    let weight_kg = number("weight_kg", &raw.weight_kg, (0.5, 60.0), "Cân nặng (kg)");
    let lenhei_cm = number(
        "lenhei_cm",
        &raw.lenhei_cm,
        (35.0, 130.0),
        "Chiều dài/chiều cao (cm)",
    );
    let muac_cm = number("muac_cm", &raw.muac_cm, (5.0, 30.0), "Vòng cánh tay (cm)");
    let headc_cm = number("headc_cm", &raw.headc_cm, (25.0, 60.0), "Vòng đầu (cm)");
    let measure = match anthro::Measure::parse(&raw.measure) {
        Ok(m) => m,
        Err(_) => {
            errors.push(err("measure", "Tư thế đo phải là nằm (l) hoặc đứng (h)"));
            Measure::Unknown
        }
    };
    let oedema = matches!(raw.oedema.trim(), "1" | "y" | "Y" | "có" | "Có");
    if weight_kg.is_none() && lenhei_cm.is_none() && errors.iter().all(|e| e.field == "date") {
        errors.push(err(
            "weight_kg",
            "Cần ít nhất cân nặng hoặc chiều dài/chiều cao",
        ));
    }
    match date {
        Some(date) if errors.is_empty() => Ok(GrowthMeasurement {
            date,
            weight_kg,
            lenhei_cm,
            measure,
            oedema,
            muac_cm,
            headc_cm,
        }),
        _ => Err(errors),
    }
}

/// The z-scores and nutrition status of a measurement.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub age_days: i64,
    pub output: anthro::Output,
    pub nutrition: anthro::Nutrition,
}

pub fn assess(sex: Sex, birth: Date, m: &GrowthMeasurement) -> Assessment {
    let age_days = (m.date - birth).whole_days();
    let input = anthro::Input {
        sex: Some(sex),
        age_days: AgeDays::new(age_days as f64).ok(),
        weight_kg: m.weight_kg.and_then(|v| Measurement::new(v).ok()),
        lenhei_cm: m.lenhei_cm.and_then(|v| Measurement::new(v).ok()),
        measure: m.measure,
        oedema: m.oedema,
        headc_cm: m.headc_cm.and_then(|v| Measurement::new(v).ok()),
        armc_cm: m.muac_cm.and_then(|v| Measurement::new(v).ok()),
    };
    let output = anthro::zscores(&input);
    let nutrition = anthro::classify(&input, &output);
    Assessment {
        age_days,
        output,
        nutrition,
    }
}

/// "Nhẹ cân; Thấp còi mức độ nặng" — the deficits and excess found, or "Bình thường".
pub fn status_vi(n: &anthro::Nutrition) -> String {
    let mut parts = Vec::new();
    let deficit = |d: Option<Deficit>, name: &str, parts: &mut Vec<String>| match d {
        Some(Deficit::Moderate) => parts.push(name.to_owned()),
        Some(Deficit::Severe) => parts.push(format!("{name} mức độ nặng")),
        _ => {}
    };
    deficit(n.underweight, "Nhẹ cân", &mut parts);
    deficit(n.stunting, "Thấp còi", &mut parts);
    deficit(n.wasting, "Gầy còm", &mut parts);
    match n.overweight {
        Some(Excess::Obese) => parts.push("Béo phì".into()),
        Some(Excess::Overweight) => parts.push("Thừa cân".into()),
        _ => {}
    }
    if parts.is_empty() {
        if n.underweight.is_none() && n.stunting.is_none() && n.wasting.is_none() {
            "Chưa đánh giá được".into()
        } else {
            "Bình thường".into()
        }
    } else {
        parts.join("; ")
    }
}

/// "2 tuổi 3 tháng", "7 tháng", "12 ngày".
pub fn age_vi(days: i64) -> String {
    let months = (days as f64 / 30.4375).floor() as i64;
    match (months / 12, months % 12) {
        (0, 0) => format!("{days} ngày"),
        (0, m) => format!("{m} tháng"),
        (y, 0) => format!("{y} tuổi"),
        (y, m) => format!("{y} tuổi {m} tháng"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn measurements_are_checked_and_assessed() {
        let birth = date!(2024 - 01 - 01);
        let today = date!(2026 - 11 - 26);
        let raw = RawMeasurement {
            date: "01/01/2026".into(),
            weight_kg: "9,0".into(),
            lenhei_cm: "80".into(),
            measure: "h".into(),
            ..RawMeasurement::default()
        };
        let m = check(&raw, birth, today).unwrap();
        assert_eq!(m.weight_kg, Some(9.0));
        let a = assess(Sex::Male, birth, &m);
        assert_eq!(a.age_days, 731);
        // A boy of 2 years, 9 kg, 80 cm: underweight and stunted by the WHO tables.
        let s = status_vi(&a.nutrition);
        assert!(s.contains("Nhẹ cân") && s.contains("Thấp còi"), "{s}");
        let bad = RawMeasurement {
            date: "01/01/2030".into(),
            weight_kg: "90".into(),
            lenhei_cm: "abc".into(),
            measure: "x".into(),
            ..RawMeasurement::default()
        };
        let fields: Vec<&str> = check(&bad, birth, today)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["date", "weight_kg", "lenhei_cm", "measure"]);
        assert_eq!(age_vi(40), "1 tháng");
        assert_eq!(age_vi(800), "2 tuổi 2 tháng");
    }
}
