//! Support policies (chính sách trợ giúp) as data: who is eligible — by special
//! circumstance group, age, household poverty, disability — the amount and frequency;
//! eligibility is derived from the registry, never typed. The reconciliation plans ask
//! for ("không bỏ sót; không nhầm, không trục lợi"): eligible children not paid,
//! payments to children not eligible, and double payments.

use serde::Serialize;

pub const POLICIES_CSV: &str = include_str!("../../../data/benefit-policies.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub code: String,
    pub name: String,
    pub source: String,
    /// Circumstance codes of which the child must have one (`*`: any special group; a
    /// risk code such as `disaster_affected` for emergency support); empty: no group
    /// required.
    pub groups: Vec<String>,
    pub min_age: i32,
    pub max_age: i32,
    /// Household poverty statuses of which one is required (empty: any).
    pub poverty: Vec<String>,
    /// `severe`: severe or especially severe disability required.
    pub disability: String,
    /// Đồng per payment period.
    pub amount: i64,
    pub frequency: String,
    pub note: String,
}

/// The shipped policies.
pub fn policies() -> &'static [Policy] {
    static P: std::sync::OnceLock<Vec<Policy>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let mut lines = POLICIES_CSV.lines().filter(|l| !l.trim().is_empty());
        lines.next();
        lines
            .map(|line| {
                let f = split(line);
                let list = |s: &str| -> Vec<String> {
                    s.split('|')
                        .filter(|x| !x.is_empty())
                        .map(str::to_owned)
                        .collect()
                };
                Policy {
                    code: f[0].clone(),
                    name: f[1].clone(),
                    source: f[2].clone(),
                    groups: list(&f[3]),
                    min_age: f[4].parse().expect("min_age"),
                    max_age: f[5].parse().expect("max_age"),
                    poverty: list(&f[6]),
                    disability: f[7].clone(),
                    amount: f[8].parse().expect("amount"),
                    frequency: f[9].clone(),
                    note: f[10].clone(),
                }
            })
            .collect()
    })
}

fn split(line: &str) -> Vec<String> {
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
}

pub fn policy(code: &str) -> Option<&'static Policy> {
    policies().iter().find(|p| p.code == code)
}

/// What the registry says of a child on a given day.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub age_years: i32,
    /// Special-circumstance codes active that day.
    pub special: Vec<String>,
    /// Risk codes active that day (`disaster_affected`…).
    pub risks: Vec<String>,
    /// The household's poverty status that year (`poor`, `near_poor`, `escaped`, or
    /// empty).
    pub poverty: String,
    /// `severe`, `especially_severe`… or empty.
    pub disability_severity: String,
    /// Only "active" children receive support.
    pub active: bool,
}

/// Relief to a child hit by a disaster counts as timely (kịp thời, indicator 36) when
/// paid within this many days of the day the child was recorded as affected. The plans
/// (Hà Nội, Huế) do not define "kịp thời"; 30 days is Măng's reading, to be confirmed.
pub const RELIEF_WITHIN_DAYS: i64 = 30;

/// The emergency-support policies (frequency `once`, for a risk such as a disaster).
pub fn is_emergency(p: &Policy) -> bool {
    p.frequency == "once" && p.groups.iter().any(|g| g == "disaster_affected")
}

/// Is a child with these facts eligible for the policy? With the reason when not.
pub fn eligible(p: &Policy, f: &Facts) -> Result<(), String> {
    if !f.active {
        return Err("Trẻ không còn trong sổ theo dõi".into());
    }
    if f.age_years < p.min_age || f.age_years > p.max_age {
        return Err(format!(
            "Tuổi {} ngoài khoảng {}–{}",
            f.age_years, p.min_age, p.max_age
        ));
    }
    let group_ok = match p.groups.as_slice() {
        [] => true,
        [any] if any == "*" => !f.special.is_empty(),
        gs => gs
            .iter()
            .any(|g| f.special.contains(g) || f.risks.contains(g)),
    };
    if !group_ok {
        return Err("Không thuộc nhóm hoàn cảnh đặc biệt của chính sách".into());
    }
    if !p.poverty.is_empty() && !p.poverty.contains(&f.poverty) {
        return Err("Hộ không thuộc diện nghèo, cận nghèo theo chính sách".into());
    }
    if p.disability == "severe"
        && !matches!(
            f.disability_severity.as_str(),
            "severe" | "especially_severe"
        )
    {
        return Err("Không có khuyết tật nặng hoặc đặc biệt nặng".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policies_parse() {
        assert_eq!(policies().len(), 5);
        assert_eq!(policy("nd20_no_carer").unwrap().amount, 750_000);
        assert_eq!(
            policy("hp_nq55_cnsc_poor").unwrap().poverty,
            ["poor", "near_poor"]
        );
    }

    #[test]
    fn eligibility_by_group_age_poverty_and_disability() {
        let orphan = Facts {
            age_years: 7,
            special: vec!["orphan_both".into()],
            risks: Vec::new(),
            poverty: String::new(),
            disability_severity: String::new(),
            active: true,
        };
        // Emergency support follows a risk, not a special group.
        let relief = policy("nd20_emergency_disaster").unwrap();
        assert!(is_emergency(relief));
        assert!(eligible(relief, &orphan).is_err());
        assert!(
            eligible(
                relief,
                &Facts {
                    risks: vec!["disaster_affected".into()],
                    ..orphan.clone()
                }
            )
            .is_ok()
        );
        let p = policy("nd20_no_carer").unwrap();
        assert!(eligible(p, &orphan).is_ok());
        assert!(
            eligible(policy("nd20_no_carer_u4").unwrap(), &orphan).is_err(),
            "age 7"
        );
        assert!(
            eligible(
                p,
                &Facts {
                    age_years: 16,
                    ..orphan.clone()
                }
            )
            .is_err()
        );
        assert!(
            eligible(
                p,
                &Facts {
                    special: vec!["disabled".into()],
                    ..orphan.clone()
                }
            )
            .is_err()
        );
        let local = policy("hp_nq55_cnsc_poor").unwrap();
        assert_eq!(
            eligible(local, &orphan).unwrap_err(),
            "Hộ không thuộc diện nghèo, cận nghèo theo chính sách"
        );
        assert!(
            eligible(
                local,
                &Facts {
                    poverty: "near_poor".into(),
                    ..orphan.clone()
                }
            )
            .is_ok()
        );
        let d = policy("nd20_disabled").unwrap();
        assert!(
            eligible(
                d,
                &Facts {
                    disability_severity: "severe".into(),
                    ..orphan.clone()
                }
            )
            .is_ok()
        );
        assert!(
            eligible(
                d,
                &Facts {
                    disability_severity: "mild".into(),
                    ..orphan.clone()
                }
            )
            .is_err()
        );
        assert!(
            eligible(
                p,
                &Facts {
                    active: false,
                    ..orphan
                }
            )
            .is_err()
        );
    }
}
