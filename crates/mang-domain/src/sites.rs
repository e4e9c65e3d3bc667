//! Drowning- and injury-risk sites (điểm có nguy cơ đuối nước, tai nạn thương tích): ponds,
//! rivers, wells, construction pits, playgrounds… with their location, risk and the
//! measures in place, inspected over time. Plans count "sites with preventive measures ÷
//! sites identified" (indicator 41; Hà Nội's plan, BRIEF §1.3).

use crate::registry::{FieldError, parse_date};
use time::Date;

coded!(
    SiteKind,
    SITE_KINDS,
    [
        (Pond, "pond", "Ao"),
        (Lake, "lake", "Hồ"),
        (River, "river", "Sông"),
        (Stream, "stream", "Suối"),
        (Canal, "canal", "Kênh, mương"),
        (Well, "well", "Giếng"),
        (Pit, "pit", "Hố công trình, hố khai thác"),
        (Sea, "sea", "Bãi biển"),
        (Playground, "playground", "Khu vui chơi"),
        (OtherSite, "other", "Nơi khác"),
    ]
);

coded!(
    Risk,
    RISKS,
    [
        (High, "high", "Cao"),
        (Medium, "medium", "Trung bình"),
        (Low, "low", "Thấp"),
    ]
);

coded!(
    SiteMeasure,
    SITE_MEASURES,
    [
        (Fence, "fence", "Rào chắn"),
        (Sign, "sign", "Biển cảnh báo"),
        (Cover, "cover", "Nắp đậy"),
        (Lifebuoy, "lifebuoy", "Phao, dụng cụ cứu hộ"),
        (Guard, "guard", "Người trông coi"),
        (Filled, "filled", "Đã san lấp"),
        (OtherMeasure, "other", "Biện pháp khác"),
    ]
);

/// Vietnam's extent (mainland and islands), to catch swapped or mistyped coordinates.
pub const LAT_RANGE: (f64, f64) = (8.0, 24.0);
pub const LON_RANGE: (f64, f64) = (102.0, 118.0);

/// A site as typed (coordinates with a decimal point or comma).
#[derive(Debug, Clone, Default)]
pub struct RawSite {
    pub name: String,
    pub kind: String,
    pub risk: String,
    pub lat: String,
    pub lon: String,
    pub measures: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub name: String,
    pub kind: SiteKind,
    pub risk: Risk,
    pub lat: f64,
    pub lon: f64,
    pub measures: Vec<SiteMeasure>,
    pub note: String,
}

fn err(field: &'static str, m: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: m.into(),
    }
}

fn coordinate(s: &str) -> Option<f64> {
    s.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// The measures typed (codes or labels), in list order, without repeats.
pub fn parse_measures(raw: &[String], errors: &mut Vec<FieldError>) -> Vec<SiteMeasure> {
    let mut out = Vec::new();
    for m in raw.iter().filter(|m| !m.trim().is_empty()) {
        match SiteMeasure::parse(m) {
            Some(m) if !out.contains(&m) => out.push(m),
            Some(_) => {}
            None => errors.push(err("measures", format!("Biện pháp không hợp lệ: {m}"))),
        }
    }
    out.sort_by_key(|m| SITE_MEASURES.iter().position(|x| x == m));
    out
}

/// Check a site: a name, a kind, a risk level, coordinates inside Vietnam.
pub fn check_site(raw: &RawSite) -> Result<Site, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = crate::text::clean(&raw.name);
    if name.is_empty() {
        errors.push(err("name", "Cần nhập tên, mô tả địa điểm"));
    }
    let kind = SiteKind::parse(&raw.kind);
    if kind.is_none() {
        errors.push(err("kind", "Chọn loại địa điểm"));
    }
    let risk = Risk::parse(&raw.risk);
    if risk.is_none() {
        errors.push(err("risk", "Chọn mức độ nguy cơ"));
    }
    let lat = coordinate(&raw.lat);
    match lat {
        Some(v) if (LAT_RANGE.0..=LAT_RANGE.1).contains(&v) => {}
        Some(_) => errors.push(err(
            "lat",
            "Vĩ độ phải trong khoảng 8 đến 24 (lãnh thổ Việt Nam)",
        )),
        None => errors.push(err("lat", "Vĩ độ không hợp lệ (ví dụ 20,8612)")),
    }
    let lon = coordinate(&raw.lon);
    match lon {
        Some(v) if (LON_RANGE.0..=LON_RANGE.1).contains(&v) => {}
        Some(_) => errors.push(err(
            "lon",
            "Kinh độ phải trong khoảng 102 đến 118 (lãnh thổ Việt Nam)",
        )),
        None => errors.push(err("lon", "Kinh độ không hợp lệ (ví dụ 106,6831)")),
    }
    let measures = parse_measures(&raw.measures, &mut errors);
    match (kind, risk, lat, lon) {
        (Some(kind), Some(risk), Some(lat), Some(lon)) if errors.is_empty() => Ok(Site {
            name,
            kind,
            risk,
            lat,
            lon,
            measures,
            note: crate::text::clean(&raw.note),
        }),
        _ => Err(errors),
    }
}

/// An inspection as typed.
#[derive(Debug, Clone, Default)]
pub struct RawInspection {
    pub date: String,
    pub findings: String,
    /// The measures found in place at the inspection (they become the site's).
    pub measures: Vec<String>,
    pub follow_up: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    pub date: Date,
    pub findings: String,
    pub measures: Vec<SiteMeasure>,
    pub follow_up: String,
}

/// Check an inspection: a date not in the future, findings.
pub fn check_inspection(raw: &RawInspection, today: Date) -> Result<Inspection, Vec<FieldError>> {
    let mut errors = Vec::new();
    let date = match parse_date(raw.date.trim()) {
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
    let findings = crate::text::clean(&raw.findings);
    if findings.is_empty() {
        errors.push(err("findings", "Cần ghi kết quả kiểm tra"));
    }
    let measures = parse_measures(&raw.measures, &mut errors);
    match date {
        Some(date) if errors.is_empty() => Ok(Inspection {
            date,
            findings,
            measures,
            follow_up: crate::text::clean(&raw.follow_up),
        }),
        _ => Err(errors),
    }
}

/// A site counts as "with preventive measures" when at least one measure is in place.
pub fn has_measures(measures: &[SiteMeasure]) -> bool {
    !measures.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawSite {
        RawSite {
            name: "Ao nhà ông Tư, cạnh trường mầm non".into(),
            kind: "pond".into(),
            risk: "high".into(),
            lat: "20,8612".into(),
            lon: "106.6831".into(),
            measures: vec!["sign".into(), "Rào chắn".into(), "sign".into()],
            note: String::new(),
        }
    }

    #[test]
    fn a_site_is_checked_and_its_measures_are_a_set() {
        let s = check_site(&raw()).unwrap();
        assert_eq!(s.kind, SiteKind::Pond);
        assert!((s.lat - 20.8612).abs() < 1e-9 && (s.lon - 106.6831).abs() < 1e-9);
        assert_eq!(
            s.measures,
            [SiteMeasure::Fence, SiteMeasure::Sign],
            "list order, no repeat"
        );
        assert!(has_measures(&s.measures));
        let e = check_site(&RawSite {
            lat: "106.6".into(),
            lon: "20.8".into(),
            kind: "volcano".into(),
            ..raw()
        })
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["kind", "lat", "lon"],
            "swapped coordinates are caught"
        );
        assert!(!has_measures(&[]));
    }

    #[test]
    fn an_inspection_needs_a_past_date_and_findings() {
        let today = time::macros::date!(2026 - 11 - 26);
        let ok = check_inspection(
            &RawInspection {
                date: "20/11/2026".into(),
                findings: "Chưa có rào".into(),
                measures: vec!["fence".into()],
                follow_up: String::new(),
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.measures, [SiteMeasure::Fence]);
        let e = check_inspection(
            &RawInspection {
                date: "01/12/2026".into(),
                ..RawInspection::default()
            },
            today,
        )
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].message, "Ngày kiểm tra ở tương lai");
    }
}
