//! Child-friendly communes (xã, phường, thị trấn phù hợp với trẻ em; QĐ 06/2019/QĐ-TTg,
//! BRIEF §4): the 13 criteria with their maximum points as data, and the recognition
//! rule — every criterion scored, none at 0, and a total of at least 900 (wards of
//! centrally-run cities), 850 (others) or 800 (mountainous, island and extremely
//! disadvantaged communes).
//!
//! The maximum points of criteria 1, 6 and 7 are the decision's (100, 125, 50); the
//! others are provisional until checked against its annex (BRIEF §4 ✖) — data, not code.

use serde::Serialize;

pub const CRITERIA_CSV: &str = include_str!("../../../data/child-friendly-criteria.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    pub no: u32,
    pub code: String,
    pub name: String,
    pub max_points: u32,
    pub source: String,
}

/// The criteria, parsed once (a test reads the embedded file).
pub fn criteria() -> &'static [Criterion] {
    static C: std::sync::OnceLock<Vec<Criterion>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let mut r = csv_rows(CRITERIA_CSV);
        r.remove(0);
        r.into_iter()
            .map(|f| Criterion {
                no: f[0].parse().expect("criterion number"),
                code: f[1].clone(),
                name: f[2].clone(),
                max_points: f[3].parse().expect("criterion points"),
                source: f[4].clone(),
            })
            .collect()
    })
}

/// A tiny CSV reader for the embedded file (quoted fields with commas).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut out = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            for ch in line.chars() {
                match ch {
                    '"' => quoted = !quoted,
                    ',' if !quoted => out.push(std::mem::take(&mut cur)),
                    c => cur.push(c),
                }
            }
            out.push(cur);
            out
        })
        .collect()
}

coded!(
    CommuneType,
    COMMUNE_TYPES,
    [
        (
            UrbanWard,
            "urban_ward",
            "Phường thuộc thành phố trực thuộc Trung ương (ngưỡng 900)"
        ),
        (Other, "other", "Xã, phường, thị trấn khác (ngưỡng 850)"),
        (
            Disadvantaged,
            "disadvantaged",
            "Xã miền núi, hải đảo, đặc biệt khó khăn (ngưỡng 800)"
        ),
    ]
);

impl CommuneType {
    /// The minimum total for recognition.
    pub fn threshold(self) -> u32 {
        match self {
            CommuneType::UrbanWard => 900,
            CommuneType::Other => 850,
            CommuneType::Disadvantaged => 800,
        }
    }
}

/// The outcome of an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub total: u32,
    pub threshold: u32,
    pub recognised: bool,
    /// Why not (Vietnamese), empty when recognised.
    pub reasons: Vec<String>,
}

/// Apply the recognition rule to the points scored per criterion (by criterion number).
/// Points above a criterion's maximum are an input error (`Err` naming the criterion).
pub fn assess(kind: CommuneType, points: &[(u32, u32)]) -> Result<Outcome, String> {
    let mut total = 0;
    let mut reasons = Vec::new();
    for c in criteria() {
        match points.iter().find(|(n, _)| *n == c.no) {
            None => reasons.push(format!("Tiêu chí {} chưa được chấm điểm", c.no)),
            Some((_, p)) if *p > c.max_points => {
                return Err(format!(
                    "Tiêu chí {} ({}) tối đa {} điểm, đã nhập {p}",
                    c.no, c.name, c.max_points
                ));
            }
            Some((_, 0)) => reasons.push(format!("Tiêu chí {} đạt 0 điểm", c.no)),
            Some((_, p)) => total += p,
        }
    }
    if let Some((n, _)) = points
        .iter()
        .find(|(n, _)| !criteria().iter().any(|c| c.no == *n))
    {
        return Err(format!("Không có tiêu chí số {n}"));
    }
    let threshold = kind.threshold();
    if total < threshold {
        reasons.push(format!("Tổng điểm {total} dưới ngưỡng {threshold}"));
    }
    Ok(Outcome {
        total,
        threshold,
        recognised: reasons.is_empty(),
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points totalling `total`, every criterion above 0: the maxima, less the difference
    /// taken from the last criteria first (each keeps at least 1 point).
    fn scores(total: u32) -> Vec<(u32, u32)> {
        let max: u32 = criteria().iter().map(|c| c.max_points).sum();
        let mut missing = max - total;
        let mut out: Vec<(u32, u32)> = criteria().iter().map(|c| (c.no, c.max_points)).collect();
        for (_, p) in out.iter_mut().rev() {
            let take = missing.min(*p - 1);
            *p -= take;
            missing -= take;
        }
        out
    }

    #[test]
    fn thirteen_criteria_of_1000_points() {
        assert_eq!(criteria().len(), 13);
        assert_eq!(criteria().iter().map(|c| c.max_points).sum::<u32>(), 1000);
        assert_eq!(criteria()[5].max_points, 125, "criterion 6");
    }

    #[test]
    fn thresholds_by_commune_type() {
        for (kind, t) in [
            (CommuneType::UrbanWard, 900),
            (CommuneType::Other, 850),
            (CommuneType::Disadvantaged, 800),
        ] {
            let below = assess(kind, &scores(t - 1)).unwrap();
            assert!(!below.recognised, "{kind:?} at {}", t - 1);
            assert_eq!(
                below.reasons,
                [format!("Tổng điểm {} dưới ngưỡng {t}", t - 1)]
            );
            let at = assess(kind, &scores(t)).unwrap();
            assert!(at.recognised, "{kind:?} at {t}");
            assert_eq!(at.total, t);
        }
        assert!(assess(CommuneType::Other, &scores(899)).unwrap().recognised);
        assert!(
            !assess(CommuneType::UrbanWard, &scores(899))
                .unwrap()
                .recognised
        );
    }

    #[test]
    fn a_zero_or_a_missing_criterion_fails_whatever_the_total() {
        let mut s = scores(1000);
        s[2].1 = 0; // criterion 3 at 0: total 925
        let o = assess(CommuneType::Disadvantaged, &s).unwrap();
        assert!(!o.recognised && o.total == 925);
        assert_eq!(o.reasons, ["Tiêu chí 3 đạt 0 điểm"]);
        let mut s = scores(1000);
        s.remove(0);
        let o = assess(CommuneType::Disadvantaged, &s).unwrap();
        assert_eq!(o.reasons, ["Tiêu chí 1 chưa được chấm điểm"]);
        let mut s = scores(1000);
        s[0].1 = 101;
        assert_eq!(
            assess(CommuneType::Other, &s).unwrap_err(),
            "Tiêu chí 1 (Nguồn lực thực hiện quyền trẻ em) tối đa 100 điểm, đã nhập 101"
        );
    }
}
