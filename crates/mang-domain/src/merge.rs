//! Merging two records of the same child (issue "Duplicates": a reviewed, audited,
//! reversible merge). Which fields differ, what the kept record takes unless the reviewer
//! chooses otherwise, and when a merge — or its undo — may happen. Pure rules: the store
//! applies them in one transaction and keeps what an undo needs.

use crate::registry::{FieldError, RawChild, field_label};
use crate::units::UnitPath;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fields a reviewer decides on, in the order of the record form.
pub const FIELDS: [&str; 13] = [
    "full_name",
    "sex",
    "birth_date",
    "personal_id",
    "id_override_reason",
    "ethnicity",
    "nationality",
    "birth_registered",
    "insurance_card",
    "insurance_valid_to",
    "disability_type",
    "disability_severity",
    "school_status",
];

/// The status of a child record that takes part in lists, counts and checks.
pub const ACTIVE: &str = "active";
/// The status of a record merged into another (kept for the undo and the history).
pub const MERGED: &str = "merged";

/// Said when someone tries to change a record that was merged into another.
pub const NOT_EDITABLE: &str =
    "Hồ sơ này đã được gộp vào hồ sơ khác nên không sửa được; hãy sửa hồ sơ được giữ lại";

/// Whose value the kept record takes for one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The kept record's own value.
    Keep,
    /// The value of the record merged into it.
    Other,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Keep => "keep",
            Side::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        match s.trim() {
            "keep" => Some(Side::Keep),
            "other" => Some(Side::Other),
            _ => None,
        }
    }
}

fn slot<'a>(raw: &'a mut RawChild, field: &str) -> Option<&'a mut String> {
    Some(match field {
        "full_name" => &mut raw.full_name,
        "sex" => &mut raw.sex,
        "birth_date" => &mut raw.birth_date,
        "personal_id" => &mut raw.personal_id,
        "id_override_reason" => &mut raw.id_override_reason,
        "ethnicity" => &mut raw.ethnicity,
        "nationality" => &mut raw.nationality,
        "birth_registered" => &mut raw.birth_registered,
        "insurance_card" => &mut raw.insurance_card,
        "insurance_valid_to" => &mut raw.insurance_valid_to,
        "disability_type" => &mut raw.disability_type,
        "disability_severity" => &mut raw.disability_severity,
        "school_status" => &mut raw.school_status,
        _ => return None,
    })
}

/// The value of one field of a record (`None` for a name that is not a field).
pub fn value<'a>(raw: &'a RawChild, field: &str) -> Option<&'a str> {
    Some(match field {
        "full_name" => &raw.full_name,
        "sex" => &raw.sex,
        "birth_date" => &raw.birth_date,
        "personal_id" => &raw.personal_id,
        "id_override_reason" => &raw.id_override_reason,
        "ethnicity" => &raw.ethnicity,
        "nationality" => &raw.nationality,
        "birth_registered" => &raw.birth_registered,
        "insurance_card" => &raw.insurance_card,
        "insurance_valid_to" => &raw.insurance_valid_to,
        "disability_type" => &raw.disability_type,
        "disability_severity" => &raw.disability_severity,
        "school_status" => &raw.school_status,
        _ => return None,
    })
}

/// One field on which the two records disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub field: &'static str,
    pub label: &'static str,
    pub keep: String,
    pub other: String,
    /// What the kept record takes unless the reviewer chooses: its own value, or the
    /// other's where its own is empty.
    pub default: Side,
}

/// The fields whose values differ (after trimming), in form order.
pub fn differences(keep: &RawChild, other: &RawChild) -> Vec<Difference> {
    FIELDS
        .iter()
        .filter_map(|&field| {
            let (k, o) = (value(keep, field)?.trim(), value(other, field)?.trim());
            (k != o).then(|| Difference {
                field,
                label: field_label(field),
                keep: k.to_owned(),
                other: o.to_owned(),
                default: if k.is_empty() {
                    Side::Other
                } else {
                    Side::Keep
                },
            })
        })
        .collect()
}

/// The record the kept child takes: for each differing field the reviewer's choice
/// (`"keep"` or `"other"`, by field name), else the default. The result still has to pass
/// `registry::parse_child`, like any edit.
pub fn merged(
    keep: &RawChild,
    other: &RawChild,
    choices: &BTreeMap<String, String>,
) -> Result<RawChild, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (field, side) in choices {
        if !FIELDS.contains(&field.as_str()) {
            errors.push(FieldError {
                field: "choices",
                message: format!("Trường «{field}» không có trong hồ sơ trẻ em"),
            });
        } else if Side::parse(side).is_none() {
            errors.push(FieldError {
                field: "choices",
                message: format!(
                    "Lựa chọn cho «{}» phải là «keep» (giữ) hoặc «other» (lấy của hồ sơ kia)",
                    field_label(field)
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = keep.clone();
    for d in differences(keep, other) {
        let side = choices
            .get(d.field)
            .and_then(|s| Side::parse(s))
            .unwrap_or(d.default);
        if side == Side::Other
            && let Some(s) = slot(&mut out, d.field)
        {
            *s = d.other;
        }
    }
    Ok(out)
}

/// What the rules need to know of a record taking part in a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party<'a> {
    pub id: i64,
    pub version: i64,
    pub status: &'a str,
    pub path: &'a UnitPath,
}

/// Why a merge or an undo cannot happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Không thể gộp một hồ sơ với chính nó")]
    SameChild,
    #[error(
        "Hồ sơ #{0} không còn hoạt động (đã được gộp vào hồ sơ khác); chỉ gộp hai hồ sơ đang hoạt động"
    )]
    NotActive(i64),
    #[error("Hai hồ sơ thuộc hai xã, phường khác nhau; chỉ gộp hồ sơ trong cùng một xã, phường")]
    DifferentCommune,
    #[error(
        "Hồ sơ #{id} đã được sửa sau khi bạn mở trang xem xét (phiên bản {expected} → {found}); tải lại trang để xem thay đổi rồi gộp lại"
    )]
    Stale { id: i64, expected: i64, found: i64 },
    #[error("Lần gộp này đã được hoàn tác")]
    AlreadyUndone,
    #[error(
        "Hồ sơ được giữ lại (#{id}) đã thay đổi sau khi gộp (phiên bản {expected} → {found}), nên không thể hoàn tác tự động; hãy sửa hồ sơ bằng tay"
    )]
    KeptChanged { id: i64, expected: i64, found: i64 },
    #[error("Hồ sơ #{0} không còn ở trạng thái đã gộp, nên không thể hoàn tác")]
    NotMerged(i64),
}

impl Refusal {
    /// The input the refusal is about (for the API's `field`).
    pub fn field(&self) -> &'static str {
        match self {
            Refusal::SameChild => "other_id",
            Refusal::NotActive(_) | Refusal::NotMerged(_) => "status",
            Refusal::DifferentCommune => "commune_code",
            Refusal::Stale { .. } | Refusal::KeptChanged { .. } => "version",
            Refusal::AlreadyUndone => "undone_at",
        }
    }
}

fn same_commune(a: &UnitPath, b: &UnitPath) -> bool {
    a.province == b.province && a.commune.is_some() && a.commune == b.commune
}

/// May `other` be merged into `keep`? Both active, distinct, in one commune (the commune
/// keeps the register, BRIEF §8), and neither changed since the reviewer saw them
/// (`expected` = the versions on the review page). Version checks come last: a pair that
/// can never be merged is said so, not "reload".
pub fn check_merge(
    keep: &Party,
    other: &Party,
    expected_keep: i64,
    expected_other: i64,
) -> Result<(), Refusal> {
    check_pair(keep, other)?;
    for (p, expected) in [(keep, expected_keep), (other, expected_other)] {
        if p.version != expected {
            return Err(Refusal::Stale {
                id: p.id,
                expected,
                found: p.version,
            });
        }
    }
    Ok(())
}

/// The part of [`check_merge`] a review page needs before any version is known.
pub fn check_pair(keep: &Party, other: &Party) -> Result<(), Refusal> {
    if keep.id == other.id {
        return Err(Refusal::SameChild);
    }
    for p in [keep, other] {
        if p.status != ACTIVE {
            return Err(Refusal::NotActive(p.id));
        }
    }
    if !same_commune(keep.path, other.path) {
        return Err(Refusal::DifferentCommune);
    }
    Ok(())
}

/// May a merge be undone? Not twice; the merged record must still be merged; and the kept
/// record must be exactly as the merge left it (`version_after_merge`), since the undo
/// puts back its values from before the merge and would silently discard later edits.
pub fn check_undo(
    undone: bool,
    kept: &Party,
    version_after_merge: i64,
    merged: &Party,
) -> Result<(), Refusal> {
    if undone {
        return Err(Refusal::AlreadyUndone);
    }
    if merged.status != MERGED {
        return Err(Refusal::NotMerged(merged.id));
    }
    if kept.version != version_after_merge || kept.status != ACTIVE {
        return Err(Refusal::KeptChanged {
            id: kept.id,
            expected: version_after_merge,
            found: kept.version,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, birth: &str, pid: &str) -> RawChild {
        RawChild {
            full_name: name.into(),
            sex: "female".into(),
            birth_date: birth.into(),
            personal_id: pid.into(),
            nationality: "Việt Nam".into(),
            birth_registered: "1".into(),
            ..Default::default()
        }
    }

    fn path(commune: &str) -> UnitPath {
        UnitPath {
            province: Some("31".into()),
            commune: Some(commune.into()),
            village: None,
        }
    }

    fn choices(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn only_differing_fields_are_listed_and_empty_ones_default_to_the_other() {
        let mut keep = raw("Đoàn Thị Ẩn", "2019-03-08", "");
        keep.ethnicity = "Kinh".into();
        let mut other = raw(" Đoàn Thị Ẩn ", "2019-03-09", "031319123456");
        other.ethnicity = "Tày".into();
        let d = differences(&keep, &other);
        let fields: Vec<&str> = d.iter().map(|x| x.field).collect();
        assert_eq!(fields, ["birth_date", "personal_id", "ethnicity"]);
        assert_eq!(d[0].default, Side::Keep);
        assert_eq!(d[1].default, Side::Other, "the kept record had no ID");
        assert_eq!(d[1].label, "Số định danh cá nhân");
        assert_eq!(d[2].default, Side::Keep);
        assert!(differences(&keep, &keep).is_empty());
    }

    #[test]
    fn the_merged_record_follows_choices_then_defaults() {
        let keep = raw("Đoàn Thị Ẩn", "2019-03-08", "");
        let mut other = raw("Đoàn Thị Ẩn Danh", "2019-03-09", "031319123456");
        other.insurance_card = "TE1310123456789".into();
        // No choices: own values, empty ones filled from the other.
        let m = merged(&keep, &other, &BTreeMap::new()).unwrap();
        assert_eq!(m.full_name, "Đoàn Thị Ẩn");
        assert_eq!(m.birth_date, "2019-03-08");
        assert_eq!(m.personal_id, "031319123456");
        assert_eq!(m.insurance_card, "TE1310123456789");
        // The reviewer takes the other's name and birth date, and keeps the empty card.
        let m = merged(
            &keep,
            &other,
            &choices(&[
                ("full_name", "other"),
                ("birth_date", "other"),
                ("insurance_card", "keep"),
            ]),
        )
        .unwrap();
        assert_eq!(m.full_name, "Đoàn Thị Ẩn Danh");
        assert_eq!(m.birth_date, "2019-03-09");
        assert_eq!(m.insurance_card, "");
        // A choice for a field on which both agree changes nothing.
        let m = merged(&keep, &other, &choices(&[("sex", "other")])).unwrap();
        assert_eq!(m.sex, "female");
    }

    #[test]
    fn unknown_fields_and_sides_are_refused() {
        let keep = raw("Đoàn Thị Ẩn", "2019-03-08", "");
        for bad in [
            ("status", "other"),
            ("full_name", "both"),
            ("version", "keep"),
        ] {
            let e = merged(&keep, &keep, &choices(&[bad])).unwrap_err();
            assert_eq!(e[0].field, "choices", "{bad:?}");
        }
    }

    #[test]
    fn a_merge_needs_two_active_records_of_one_commune_at_the_versions_seen() {
        let (a, b) = (path("31006"), path("31012"));
        let p = |id, version, status, path| Party {
            id,
            version,
            status,
            path,
        };
        assert_eq!(
            check_merge(&p(1, 3, ACTIVE, &a), &p(2, 1, ACTIVE, &a), 3, 1),
            Ok(())
        );
        assert_eq!(
            check_merge(&p(1, 3, ACTIVE, &a), &p(1, 3, ACTIVE, &a), 3, 3),
            Err(Refusal::SameChild)
        );
        assert_eq!(
            check_merge(&p(1, 3, ACTIVE, &a), &p(2, 1, MERGED, &a), 3, 1),
            Err(Refusal::NotActive(2))
        );
        assert_eq!(
            check_merge(&p(1, 3, ACTIVE, &a), &p(2, 1, ACTIVE, &b), 3, 1),
            Err(Refusal::DifferentCommune)
        );
        let stale = check_merge(&p(1, 4, ACTIVE, &a), &p(2, 1, ACTIVE, &a), 3, 1).unwrap_err();
        assert_eq!(
            stale,
            Refusal::Stale {
                id: 1,
                expected: 3,
                found: 4
            }
        );
        assert!(stale.to_string().contains("phiên bản 3 → 4"));
        assert_eq!(stale.field(), "version");
        // A pair that can never merge says so even when the versions are stale too.
        assert_eq!(
            check_merge(&p(1, 9, ACTIVE, &a), &p(2, 9, ACTIVE, &b), 3, 1),
            Err(Refusal::DifferentCommune)
        );
        // Villages of one commune may differ.
        let mut v = a.clone();
        v.village = Some("31006-002".into());
        assert_eq!(
            check_merge(&p(1, 3, ACTIVE, &a), &p(2, 1, ACTIVE, &v), 3, 1),
            Ok(())
        );
    }

    #[test]
    fn an_undo_needs_the_kept_record_as_the_merge_left_it() {
        let a = path("31006");
        let kept = Party {
            id: 1,
            version: 4,
            status: ACTIVE,
            path: &a,
        };
        let gone = Party {
            id: 2,
            version: 2,
            status: MERGED,
            path: &a,
        };
        assert_eq!(check_undo(false, &kept, 4, &gone), Ok(()));
        assert_eq!(
            check_undo(true, &kept, 4, &gone),
            Err(Refusal::AlreadyUndone)
        );
        let edited = check_undo(false, &kept, 3, &gone).unwrap_err();
        assert!(
            edited.to_string().contains("không thể hoàn tác"),
            "{edited}"
        );
        let back = Party {
            status: ACTIVE,
            ..gone.clone()
        };
        assert_eq!(
            check_undo(false, &kept, 4, &back),
            Err(Refusal::NotMerged(2))
        );
        let kept_merged_away = Party {
            status: MERGED,
            ..kept.clone()
        };
        assert!(matches!(
            check_undo(false, &kept_merged_away, 4, &gone),
            Err(Refusal::KeptChanged { .. })
        ));
    }

    #[test]
    fn sides_round_trip() {
        for s in [Side::Keep, Side::Other] {
            assert_eq!(Side::parse(s.as_str()), Some(s));
        }
        assert_eq!(Side::parse("giữ"), None);
    }
}
