//! Charts as SVG (no scripts, no external fonts): the WHO growth charts of a child under
//! five — weight-for-age, length/height-for-age and weight-for-length/height — with the
//! −3, −2, 0, +2 and +3 SD curves of the WHO 2006 standard and the child's measurements
//! as points.

use mang_domain::anthro::{Sex, Table, tables};
use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 380.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
const DAYS_PER_MONTH: f64 = 30.4375;

/// Which WHO chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Cân nặng theo tuổi, 0–60 months; points are (age in days, kg).
    WeightForAge,
    /// Chiều dài/chiều cao theo tuổi, 0–60 months; points are (age in days, cm).
    LengthForAge,
    /// Cân nặng theo chiều dài (under 24 months, 45–110 cm); points are (length in cm
    /// after the 0.7 cm conversion, kg).
    WeightForLength,
    /// Cân nặng theo chiều cao (24–60 months, 65–120 cm); points are (height in cm after
    /// the 0.7 cm conversion, kg).
    WeightForHeight,
}

/// What differs between the charts: the table and its key, the axes and the labels.
struct Spec {
    table: &'static Table,
    /// Table keys per x unit: 1 for days, 10 for lengths in tenths of a cm.
    keys_per_x: f64,
    /// The x axis: first and last value, the tick step and the label of a tick.
    x_min: f64,
    x_max: f64,
    x_tick: f64,
    x_label: &'static str,
    /// A tick's text from its x value.
    x_text: fn(f64) -> String,
    y_min: f64,
    y_step: f64,
    y_label: &'static str,
    y_unit: &'static str,
    /// "Biểu đồ … (chuẩn WHO 2006, …)".
    what: &'static str,
}

impl Chart {
    fn spec(self, sex: Sex) -> Spec {
        let t = tables();
        let months = |d: f64| format!("{}", (d / DAYS_PER_MONTH).round());
        let cm = |x: f64| format!("{x}");
        let age = |table: &'static Table, y_min, y_step, y_label, y_unit, what| Spec {
            table,
            keys_per_x: 1.0,
            x_min: 0.0,
            x_max: 1826.0,
            x_tick: 6.0 * DAYS_PER_MONTH,
            x_label: "Tháng tuổi",
            x_text: months,
            y_min,
            y_step,
            y_label,
            y_unit,
            what,
        };
        let by_length = |table: &'static Table, x_min, x_max, x_label, what| Spec {
            table,
            keys_per_x: 10.0,
            x_min,
            x_max,
            x_tick: 5.0,
            x_label,
            x_text: cm,
            y_min: 0.0,
            y_step: 5.0,
            y_label: "Cân nặng (kg)",
            y_unit: "kg",
            what,
        };
        match self {
            Chart::WeightForAge => age(
                t.wfa.get(sex),
                0.0,
                5.0,
                "Cân nặng (kg)",
                "kg",
                "cân nặng theo tuổi",
            ),
            Chart::LengthForAge => age(
                t.lhfa.get(sex),
                40.0,
                10.0,
                "Chiều dài/cao (cm)",
                "cm",
                "chiều dài/chiều cao theo tuổi",
            ),
            Chart::WeightForLength => by_length(
                t.wfl.get(sex),
                45.0,
                110.0,
                "Chiều dài nằm (cm)",
                "cân nặng theo chiều dài",
            ),
            Chart::WeightForHeight => by_length(
                t.wfh.get(sex),
                65.0,
                120.0,
                "Chiều cao đứng (cm)",
                "cân nặng theo chiều cao",
            ),
        }
    }
}

/// Weight-for-age chart, 0–60 months; `points` are (age in days, weight in kg).
pub fn weight_for_age_svg(sex: Sex, points: &[(f64, f64)]) -> String {
    growth_chart_svg(Chart::WeightForAge, sex, points)
}

/// A WHO chart; `points` are (x, y) in the chart's units (see [`Chart`]). Points outside
/// the chart are left out.
pub fn growth_chart_svg(chart: Chart, sex: Sex, points: &[(f64, f64)]) -> String {
    let sp = chart.spec(sex);
    let t = sp.table;
    let key = |x: f64| (x * sp.keys_per_x).round() as i32;
    let (min, step) = (sp.y_min, sp.y_step);
    let max_kg = (t.row(key(sp.x_max)).map_or(30.0, |l| l.at_sd(3.0)) / step).ceil() * step;
    let x = |v: f64| LEFT + (v - sp.x_min) / (sp.x_max - sp.x_min) * (W - LEFT - RIGHT);
    let y = |v: f64| H - BOTTOM - (v - min) / (max_kg - min) * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" class="growth-chart" role="img" aria-label="Biểu đồ {} (chuẩn WHO 2006, {})">"##,
        sp.what,
        if sex == Sex::Male {
            "trẻ trai"
        } else {
            "trẻ gái"
        }
    );
    // Grid: a line at every tick of both axes.
    let ticks = ((sp.x_max - sp.x_min) / sp.x_tick).floor() as i32;
    for i in 0..=ticks {
        let v = sp.x_min + f64::from(i) * sp.x_tick;
        let px = x(v);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#d5dcd7"/><text x="{px:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#545e58">{}</text>"##,
            H - BOTTOM,
            H - BOTTOM + 14.0,
            (sp.x_text)(v)
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
        r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#1c2420">{}</text><text x="12" y="{:.1}" font-size="12" text-anchor="middle" fill="#1c2420" transform="rotate(-90 12 {:.1})">{}</text>"##,
        (LEFT + W - RIGHT) / 2.0,
        H - 6.0,
        sp.x_label,
        (TOP + H - BOTTOM) / 2.0,
        (TOP + H - BOTTOM) / 2.0,
        sp.y_label
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
        // About 120 segments per curve.
        let (first, last) = (key(sp.x_min), key(sp.x_max));
        let stride = ((last - first) / 120).max(1);
        let mut k_at = first;
        while k_at <= last {
            if let Some(l) = t.row(k_at) {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if d.is_empty() { "M" } else { " L" },
                    x(f64::from(k_at) / sp.keys_per_x),
                    y(l.at_sd(k))
                );
            }
            k_at = if k_at < last {
                (k_at + stride).min(last)
            } else {
                last + 1
            };
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}"/>"##
        );
        if let Some(l) = t.row(last) {
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
        .filter(|(d, v)| (sp.x_min..=sp.x_max).contains(d) && *v > min && *v <= max_kg)
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
            r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#0b57d0"><title>{}: {} {}</title></circle>"##,
            x(*day),
            y(*kg),
            if sp.keys_per_x == 1.0 {
                format!("{:.0} tháng", day / DAYS_PER_MONTH)
            } else {
                format!("{} cm", decimal(*day))
            },
            decimal(*kg),
            sp.y_unit
        );
    }
    s.push_str("</svg>");
    s
}

/// A number with a decimal comma, as the points' titles show it.
fn decimal(v: f64) -> String {
    format!("{v}").replace('.', ",")
}

/// A trend line over periods: `points` are (period label, value or none), `target` a
/// horizontal dashed line, values shown with `fmt`. For the indicator pages.
pub fn trend_svg(
    points: &[(String, Option<f64>)],
    target: Option<f64>,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 260.0, 56.0, 16.0, 16.0, 40.0);
    let max = points
        .iter()
        .filter_map(|p| p.1)
        .chain(target)
        .fold(0.0_f64, f64::max)
        .max(1e-9)
        * 1.15;
    let n = points.len().max(2) as f64;
    let x = |i: usize| left + (i as f64 + 0.5) / n * (w - left - right);
    let y = |v: f64| h - bottom - v / max * (h - top - bottom);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="trend-chart" role="img" aria-label="Diễn biến theo kỳ">"##
    );
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let py = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#d5dcd7"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#545e58">{}</text>"##,
            w - right,
            left - 6.0,
            py + 4.0,
            fmt(v)
        );
    }
    if let Some(t) = target {
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#b3261e" stroke-dasharray="6 4"/><text x="{1:.1}" y="{2:.1}" font-size="11" text-anchor="end" fill="#b3261e">Chỉ tiêu {3}</text>"##,
            y(t),
            w - right,
            y(t) - 4.0,
            fmt(t)
        );
    }
    let mut d = String::new();
    for (i, (label, v)) in points.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#545e58">{label}</text>"##,
            x(i),
            h - bottom + 16.0
        );
        if let Some(v) = v {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if d.is_empty() { "M" } else { " L" },
                x(i),
                y(*v)
            );
        }
    }
    if !d.is_empty() {
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="#0b57d0" stroke-width="2"/>"##
        );
    }
    for (i, (label, v)) in points.iter().enumerate() {
        if let Some(v) = v {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#0b57d0"><title>{label}: {}</title></circle>"##,
                x(i),
                y(*v),
                fmt(*v)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars ranking sub-units: (name, value, status class `met`/`not_met`/…),
/// largest first as given.
pub fn ranking_svg(rows: &[(String, f64, String)], fmt: &dyn Fn(f64) -> String) -> String {
    let row_h = 22.0;
    let (w, left, right) = (640.0, 220.0, 80.0);
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max).max(1e-9);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="ranking-chart" role="img" aria-label="Xếp hạng các đơn vị">"##
    );
    for (i, (name, v, status)) in rows.iter().enumerate() {
        let top = 4.0 + i as f64 * row_h;
        let bw = v / max * (w - left - right);
        let colour = match status.as_str() {
            "met" => "#1b7f3b",
            "not_met" => "#b3261e",
            _ => "#6b7a72",
        };
        let name = name.replace('&', "&amp;").replace('<', "&lt;");
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#1c2420">{name}</text><rect x="{left}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{colour}"><title>{name}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="12" fill="#1c2420">{}</text>"##,
            left - 6.0,
            top + 15.0,
            top + 3.0,
            row_h - 6.0,
            fmt(*v),
            left + bw + 4.0,
            top + 15.0,
            fmt(*v)
        );
    }
    s.push_str("</svg>");
    s
}

/// A commune's risk sites by their coordinates (no map tiles): `points` are (longitude,
/// latitude, label, has measures); green with measures, red without. North up; the box
/// fits the points with a margin, at the latitude's true proportions.
pub fn sites_svg(points: &[(f64, f64, String, bool)]) -> String {
    let (w, h, pad) = (640.0, 420.0, 28.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="sites-map" role="img" aria-label="Sơ đồ các điểm nguy cơ theo tọa độ"><rect x="0" y="0" width="{w}" height="{h}" fill="#f5f6f3" stroke="#d5dcd7"/>"##
    );
    if points.is_empty() {
        s.push_str("</svg>");
        return s;
    }
    let fold = |f: fn(f64, f64) -> f64, init: f64, g: fn(&(f64, f64, String, bool)) -> f64| {
        points.iter().map(g).fold(init, f)
    };
    let (min_lon, max_lon) = (
        fold(f64::min, f64::INFINITY, |p| p.0),
        fold(f64::max, f64::NEG_INFINITY, |p| p.0),
    );
    let (min_lat, max_lat) = (
        fold(f64::min, f64::INFINITY, |p| p.1),
        fold(f64::max, f64::NEG_INFINITY, |p| p.1),
    );
    // Degrees of longitude shrink with the cosine of the latitude.
    let k = ((min_lat + max_lat) / 2.0).to_radians().cos();
    let span_x = ((max_lon - min_lon) * k).max(0.002);
    let span_y = (max_lat - min_lat).max(0.002);
    let scale = ((w - 2.0 * pad) / span_x).min((h - 2.0 * pad) / span_y);
    let cx = (min_lon + max_lon) / 2.0;
    let cy = (min_lat + max_lat) / 2.0;
    let x = |lon: f64| w / 2.0 + (lon - cx) * k * scale;
    let y = |lat: f64| h / 2.0 - (lat - cy) * scale;
    // A 1 km scale bar.
    let km = scale / 111.32;
    let _ = write!(
        s,
        r##"<line x1="{pad}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#1c2420" stroke-width="2"/><text x="{pad}" y="{2:.1}" font-size="11" fill="#1c2420">1 km</text><text x="{3:.1}" y="{4}" font-size="12" text-anchor="end" fill="#1c2420">Bắc ↑</text>"##,
        h - pad / 2.0,
        pad + km,
        h - pad / 2.0 - 4.0,
        w - 8.0,
        16
    );
    for (lon, lat, label, ok) in points {
        let label = label.replace('&', "&amp;").replace('<', "&lt;");
        let colour = if *ok { "#1b7f3b" } else { "#b3261e" };
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="7" fill="{colour}" stroke="#fff" stroke-width="2"><title>{label}</title></circle>"##,
            x(*lon),
            y(*lat)
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

    #[test]
    fn weight_for_length_and_height_charts_are_by_length() {
        let svg = growth_chart_svg(
            Chart::WeightForLength,
            Sex::Male,
            &[(70.0, 8.2), (120.0, 20.0)],
        );
        assert!(svg.contains("cân nặng theo chiều dài") && svg.contains("Chiều dài nằm (cm)"));
        assert_eq!(svg.matches("<path").count(), 5);
        assert_eq!(
            svg.matches("<circle").count(),
            1,
            "120 cm is off the length chart"
        );
        assert!(svg.contains("70 cm: 8,2 kg"));
        // The x axis runs over the table: 45–110 cm lying, 65–120 cm standing.
        assert!(svg.contains(">45<") && svg.contains(">110<"));
        let svg = growth_chart_svg(Chart::WeightForHeight, Sex::Female, &[(95.3, 13.4)]);
        assert!(svg.contains("cân nặng theo chiều cao") && svg.contains("95,3 cm: 13,4 kg"));
        assert!(svg.contains(">65<") && svg.contains(">120<"));
    }

    #[test]
    fn trend_and_ranking_charts() {
        let fmt = |v: f64| format!("{v:.1}").replace('.', ",");
        let svg = trend_svg(
            &[
                ("2024".into(), Some(4.0)),
                ("2025".into(), None),
                ("2026".into(), Some(3.0)),
            ],
            Some(3.5),
            &fmt,
        );
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "no point without a value"
        );
        assert!(svg.contains("Chỉ tiêu 3,5") && svg.contains(">2025<"));
        let svg = ranking_svg(
            &[
                ("Xã <A>".into(), 10.0, "not_met".into()),
                ("Xã B".into(), 5.0, "met".into()),
            ],
            &fmt,
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("Xã &lt;A>") && svg.contains("#b3261e"));
        let svg = sites_svg(&[
            (106.68, 20.86, "Ao A".into(), true),
            (106.69, 20.87, "Giếng <B>".into(), false),
        ]);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("#1b7f3b") && svg.contains("Giếng &lt;B>") && svg.contains("1 km"));
        assert_eq!(sites_svg(&[]).matches("<circle").count(), 0);
    }
}
