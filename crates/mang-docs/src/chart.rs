//! Charts as SVG (no scripts, no external fonts): the WHO weight-for-age and
//! length/height-for-age charts of a child under five, with the −3, −2, 0, +2 and +3 SD
//! curves of the WHO 2006 standard and the child's measurements as points.

use mang_domain::anthro::{Sex, tables};
use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 380.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
const MAX_DAY: f64 = 1826.0;

/// Which WHO chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    WeightForAge,
    LengthForAge,
}

/// Weight-for-age chart, 0–60 months; `points` are (age in days, weight in kg).
pub fn weight_for_age_svg(sex: Sex, points: &[(f64, f64)]) -> String {
    growth_chart_svg(Chart::WeightForAge, sex, points)
}

/// A WHO chart for 0–60 months; `points` are (age in days, value in the chart's unit).
pub fn growth_chart_svg(chart: Chart, sex: Sex, points: &[(f64, f64)]) -> String {
    let (t, min, step, what, unit_label) = match chart {
        Chart::WeightForAge => (tables().wfa.get(sex), 0.0, 5.0, "cân nặng", "Cân nặng (kg)"),
        Chart::LengthForAge => (
            tables().lhfa.get(sex),
            40.0,
            10.0,
            "chiều dài/chiều cao",
            "Chiều dài/cao (cm)",
        ),
    };
    let max_kg = (t.row(1826).map_or(30.0, |l| l.at_sd(3.0)) / step).ceil() * step;
    let x = |day: f64| LEFT + day / MAX_DAY * (W - LEFT - RIGHT);
    let y = |v: f64| H - BOTTOM - (v - min) / (max_kg - min) * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" class="growth-chart" role="img" aria-label="Biểu đồ {what} theo tuổi (chuẩn WHO 2006, {})">"##,
        if sex == Sex::Male {
            "trẻ trai"
        } else {
            "trẻ gái"
        }
    );
    // Grid: every 6 months and 5 kg.
    for m in (0..=60).step_by(6) {
        let px = x(f64::from(m) * 30.4375);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#d5dcd7"/><text x="{px:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#545e58">{m}</text>"##,
            H - BOTTOM,
            H - BOTTOM + 14.0
        );
    }
    let mut kg = min;
    while kg <= max_kg {
        let py = y(kg);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#d5dcd7"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#545e58">{kg}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            py + 4.0
        );
        kg += step;
    }
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#1c2420">Tháng tuổi</text><text x="12" y="{:.1}" font-size="12" text-anchor="middle" fill="#1c2420" transform="rotate(-90 12 {:.1})">{unit_label}</text>"##,
        (LEFT + W - RIGHT) / 2.0,
        H - 6.0,
        (TOP + H - BOTTOM) / 2.0,
        (TOP + H - BOTTOM) / 2.0
    );
    // The SD curves.
    for (k, colour, width) in [
        (-3.0, "#1c2420", 1.5),
        (-2.0, "#b3261e", 1.5),
        (0.0, "#1b5e34", 2.0),
        (2.0, "#b3261e", 1.5),
        (3.0, "#1c2420", 1.5),
    ] {
        let mut d = String::new();
        for day in (0..=1826).step_by(15) {
            if let Some(l) = t.row(day) {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if d.is_empty() { "M" } else { " L" },
                    x(f64::from(day)),
                    y(l.at_sd(k))
                );
            }
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}"/>"##
        );
        if let Some(l) = t.row(1826) {
            let label = if k == 0.0 {
                "0".to_owned()
            } else {
                format!("{k:+}")
            };
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="{colour}" text-anchor="end">{label}</text>"##,
                W - RIGHT - 2.0,
                y(l.at_sd(k)) - 3.0
            );
        }
    }
    // The child's points, joined in time order.
    let mut pts: Vec<&(f64, f64)> = points
        .iter()
        .filter(|(d, v)| (0.0..=MAX_DAY).contains(d) && *v > min && *v <= max_kg)
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    if pts.len() > 1 {
        let d: Vec<String> = pts
            .iter()
            .map(|(day, kg)| format!("{:.1},{:.1}", x(*day), y(*kg)))
            .collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#0b57d0" stroke-width="1.5"/>"##,
            d.join(" ")
        );
    }
    for (day, kg) in pts {
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#0b57d0"><title>{:.0} tháng: {} {}</title></circle>"##,
            x(*day),
            y(*kg),
            day / 30.4375,
            format!("{kg}").replace('.', ","),
            if chart == Chart::WeightForAge {
                "kg"
            } else {
                "cm"
            }
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_has_five_curves_and_the_points() {
        let svg = weight_for_age_svg(Sex::Female, &[(30.0, 4.2), (400.0, 9.1), (5000.0, 20.0)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<path").count(), 5);
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "out-of-range points are left out"
        );
        assert!(svg.contains("9,1 kg") && svg.contains("trẻ gái"));
        let svg = growth_chart_svg(Chart::LengthForAge, Sex::Male, &[(400.0, 76.5)]);
        assert!(svg.contains("76,5 cm") && svg.contains("chiều dài/chiều cao"));
        assert_eq!(svg.matches("<path").count(), 5);
    }
}
