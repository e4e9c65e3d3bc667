//! Aggregate exchange formats, so a ministry or partner system can import Măng's
//! indicator values: DHIS2 `dataValueSets` JSON and IHE ADX XML. Each indicator is two
//! data elements, its numerator (`<id>_num`) and, for rates, its denominator
//! (`<id>_den`), identified by code (DHIS2: import with `idScheme=CODE`); org units by
//! Măng's administrative codes.

use std::fmt::Write;

/// The data set code both formats carry.
pub const DATA_SET: &str = "MANG_CHILD_INDICATORS";

/// One figure to exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub org_unit: String,
    pub indicator_id: String,
    pub numerator: f64,
    pub denominator: Option<f64>,
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn values(rows: &[Row]) -> impl Iterator<Item = (&str, String, String)> {
    rows.iter().flat_map(|r| {
        let mut v = vec![(
            r.org_unit.as_str(),
            format!("{}_num", r.indicator_id),
            number(r.numerator),
        )];
        if let Some(d) = r.denominator {
            v.push((
                r.org_unit.as_str(),
                format!("{}_den", r.indicator_id),
                number(d),
            ));
        }
        v
    })
}

/// DHIS2 `dataValueSets` JSON (period in DHIS2 notation: `2026`, `2026S1`, `2026Q1`,
/// `202603`).
pub fn dhis2_json(period: &str, rows: &[Row]) -> serde_json::Value {
    serde_json::json!({
        "dataSet": DATA_SET,
        "period": period,
        "dataValues": values(rows)
            .map(|(ou, de, v)| serde_json::json!({
                "dataElement": de,
                "period": period,
                "orgUnit": ou,
                "value": v,
            }))
            .collect::<Vec<_>>(),
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// IHE ADX XML; `period` is ISO 8601 start/duration (`2026-01-01/P1Y`), `exported` an
/// RFC 3339 time. One group per org unit.
pub fn adx_xml(period: &str, exported: &str, rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"{}\">\n",
        escape(exported)
    );
    let mut units: Vec<&str> = rows.iter().map(|r| r.org_unit.as_str()).collect();
    units.dedup();
    for ou in units {
        let _ = writeln!(
            s,
            "  <group orgUnit=\"{}\" period=\"{}\" dataSet=\"{DATA_SET}\">",
            escape(ou),
            escape(period)
        );
        for (u, de, v) in values(rows) {
            if u == ou {
                let _ = writeln!(
                    s,
                    "    <dataValue dataElement=\"{}\" value=\"{}\"/>",
                    escape(&de),
                    v
                );
            }
        }
        s.push_str("  </group>\n");
    }
    s.push_str("</adx>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Row> {
        vec![
            Row {
                org_unit: "31".into(),
                indicator_id: "infant_mortality_rate".into(),
                numerator: 5.0,
                denominator: Some(1094.0),
            },
            Row {
                org_unit: "10507".into(),
                indicator_id: "abandoned_children_count".into(),
                numerator: 2.0,
                denominator: None,
            },
        ]
    }

    #[test]
    fn dhis2_has_a_numerator_and_a_denominator_per_rate() {
        let j = dhis2_json("2026S1", &rows());
        let v = j["dataValues"].as_array().unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0]["dataElement"], "infant_mortality_rate_num");
        assert_eq!(v[0]["value"], "5");
        assert_eq!(v[1]["dataElement"], "infant_mortality_rate_den");
        assert_eq!(v[1]["orgUnit"], "31");
        assert_eq!(v[2]["orgUnit"], "10507");
        assert_eq!(v[2]["period"], "2026S1");
    }

    #[test]
    fn adx_groups_by_org_unit() {
        let x = adx_xml("2026-01-01/P6M", "2026-11-26T03:00:00Z", &rows());
        assert!(x.starts_with("<?xml"));
        assert_eq!(x.matches("<group ").count(), 2);
        assert!(x.contains(
            r#"<group orgUnit="31" period="2026-01-01/P6M" dataSet="MANG_CHILD_INDICATORS">"#
        ));
        assert!(x.contains(r#"<dataValue dataElement="infant_mortality_rate_den" value="1094"/>"#));
        assert!(x.contains(r#"<dataValue dataElement="abandoned_children_count_num" value="2"/>"#));
        assert!(!x.contains("abandoned_children_count_den"));
    }
}
