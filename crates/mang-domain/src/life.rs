//! What happens to a child on the register besides edits: life events (biến động: moved
//! in, moved away, died, reached 16) and the people who care for the child (người chăm
//! sóc, with their relationship). Pure rules; storage applies them in one transaction.
//!
//! A child is a person under 16 (Luật Trẻ em 2016, Art. 1), so a child who reaches 16
//! leaves the active register ("aged out") but the record stays, as do those of children
//! who moved away or died (the register of QĐ 3955/QĐ-BYT keeps them with the event).

use crate::registry::{FieldError, age_years, parse_date};
use time::Date;

/// Where a child's record stands on the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildStatus {
    /// Đang theo dõi.
    Active,
    /// Đã chuyển đi (to the commune or place recorded with the event).
    MovedOut,
    /// Đã mất.
    Died,
    /// Đủ 16 tuổi, thôi theo dõi.
    AgedOut,
    /// Gộp vào hồ sơ khác (a duplicate).
    Merged,
}

impl ChildStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChildStatus::Active => "active",
            ChildStatus::MovedOut => "moved_out",
            ChildStatus::Died => "died",
            ChildStatus::AgedOut => "aged_out",
            ChildStatus::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<ChildStatus> {
        [
            ChildStatus::Active,
            ChildStatus::MovedOut,
            ChildStatus::Died,
            ChildStatus::AgedOut,
            ChildStatus::Merged,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ChildStatus::Active => "Đang theo dõi",
            ChildStatus::MovedOut => "Đã chuyển đi",
            ChildStatus::Died => "Đã mất",
            ChildStatus::AgedOut => "Đủ 16 tuổi, thôi theo dõi",
            ChildStatus::Merged => "Đã gộp vào hồ sơ khác",
        }
    }
}

/// A life event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Chuyển đến (from the place recorded), or came back after moving away.
    MovedIn,
    /// Chuyển đi (to the place recorded).
    MovedOut,
    /// Tử vong.
    Died,
    /// Đủ 16 tuổi.
    AgedOut,
}

pub const EVENT_KINDS: [EventKind; 4] = [
    EventKind::MovedIn,
    EventKind::MovedOut,
    EventKind::Died,
    EventKind::AgedOut,
];

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MovedIn => "moved_in",
            EventKind::MovedOut => "moved_out",
            EventKind::Died => "died",
            EventKind::AgedOut => "aged_out",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EVENT_KINDS.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            EventKind::MovedIn => "Chuyển đến",
            EventKind::MovedOut => "Chuyển đi",
            EventKind::Died => "Tử vong",
            EventKind::AgedOut => "Đủ 16 tuổi",
        }
    }

    /// What the place of the event means, for the form and the message.
    pub fn place_label_vi(self) -> &'static str {
        match self {
            EventKind::MovedIn => "Chuyển đến từ (xã, phường hoặc nơi khác)",
            EventKind::MovedOut => "Chuyển đến (xã, phường hoặc nơi khác)",
            EventKind::Died | EventKind::AgedOut => "Nơi xảy ra (không bắt buộc)",
        }
    }
}

/// An event as typed (form or API).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RawEvent {
    /// `moved_in`, `moved_out`, `died`, `aged_out`.
    pub kind: String,
    /// Date of the event, `dd/mm/yyyy` (or ISO).
    pub date: String,
    /// For a move: the commune (code) or place moved from / to.
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub note: String,
}

/// A checked event and the status it leaves the child in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub date: Date,
    pub place: Option<String>,
    pub note: Option<String>,
    pub status_after: ChildStatus,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Check an event against the child's status and birth date. Errors are field-named.
pub fn check_event(
    raw: &RawEvent,
    status: ChildStatus,
    birth: Date,
    today: Date,
) -> Result<Event, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = EventKind::parse(&raw.kind);
    if kind.is_none() {
        errors.push(err(
            "kind",
            "Chọn loại biến động: chuyển đến, chuyển đi, tử vong hoặc đủ 16 tuổi.",
        ));
    }
    let date = match parse_date(raw.date.trim()) {
        None => {
            errors.push(err(
                "date",
                format!("Ngày «{}» không hợp lệ (dd/mm/yyyy).", raw.date.trim()),
            ));
            None
        }
        Some(d) if d > today => {
            errors.push(err("date", "Ngày biến động không được sau hôm nay."));
            None
        }
        Some(d) if d < birth => {
            errors.push(err(
                "date",
                "Ngày biến động không được trước ngày sinh của trẻ.",
            ));
            None
        }
        Some(d) => Some(d),
    };
    let place = Some(crate::text::clean(&raw.place)).filter(|p| !p.is_empty());
    let note = Some(crate::text::clean(&raw.note)).filter(|p| !p.is_empty());
    let (Some(kind), Some(date)) = (kind, date) else {
        return Err(errors);
    };
    if matches!(kind, EventKind::MovedIn | EventKind::MovedOut) && place.is_none() {
        errors.push(err(
            "place",
            format!("Cần ghi «{}».", kind.place_label_vi()),
        ));
    }
    let status_after = match (status, kind) {
        (ChildStatus::Active, EventKind::MovedIn) | (ChildStatus::MovedOut, EventKind::MovedIn) => {
            ChildStatus::Active
        }
        (ChildStatus::Active, EventKind::MovedOut) => ChildStatus::MovedOut,
        (ChildStatus::Active | ChildStatus::MovedOut, EventKind::Died) => ChildStatus::Died,
        (ChildStatus::Active, EventKind::AgedOut) => {
            if age_years(birth, date) < 16 {
                errors.push(err("date", "Đến ngày này trẻ chưa đủ 16 tuổi."));
            }
            ChildStatus::AgedOut
        }
        (s, k) => {
            errors.push(err(
                "kind",
                format!(
                    "Không thể ghi «{}» cho hồ sơ «{}».",
                    k.label_vi(),
                    s.label_vi()
                ),
            ));
            s
        }
    };
    if errors.is_empty() {
        Ok(Event {
            kind,
            date,
            place,
            note,
            status_after,
        })
    } else {
        Err(errors)
    }
}

/// A caregiver's relationship to the child (quan hệ với trẻ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Father,
    Mother,
    Stepfather,
    Stepmother,
    Grandparent,
    Sibling,
    Relative,
    Guardian,
    FosterCarer,
    Other,
}

pub const RELATIONSHIPS: [Relationship; 10] = [
    Relationship::Father,
    Relationship::Mother,
    Relationship::Stepfather,
    Relationship::Stepmother,
    Relationship::Grandparent,
    Relationship::Sibling,
    Relationship::Relative,
    Relationship::Guardian,
    Relationship::FosterCarer,
    Relationship::Other,
];

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Father => "father",
            Relationship::Mother => "mother",
            Relationship::Stepfather => "stepfather",
            Relationship::Stepmother => "stepmother",
            Relationship::Grandparent => "grandparent",
            Relationship::Sibling => "sibling",
            Relationship::Relative => "relative",
            Relationship::Guardian => "guardian",
            Relationship::FosterCarer => "foster_carer",
            Relationship::Other => "other",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Relationship::Father => "Cha",
            Relationship::Mother => "Mẹ",
            Relationship::Stepfather => "Cha dượng",
            Relationship::Stepmother => "Mẹ kế",
            Relationship::Grandparent => "Ông, bà",
            Relationship::Sibling => "Anh, chị",
            Relationship::Relative => "Họ hàng khác",
            Relationship::Guardian => "Người giám hộ",
            Relationship::FosterCarer => "Người nhận chăm sóc thay thế",
            Relationship::Other => "Khác",
        }
    }

    /// The code or the Vietnamese label (folded), as forms and spreadsheets give it.
    pub fn parse(s: &str) -> Option<Relationship> {
        let f = crate::text::fold(s);
        RELATIONSHIPS
            .into_iter()
            .find(|r| r.as_str() == s.trim() || crate::text::fold(r.label_vi()) == f)
    }
}

/// A caregiver as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RawCaregiver {
    pub full_name: String,
    /// `father`, `mother`, `stepfather`, `stepmother`, `grandparent`, `sibling`,
    /// `relative`, `guardian`, `foster_carer`, `other` (or the Vietnamese label).
    pub relationship: String,
    /// Year of birth (4 digits), optional.
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub phone: String,
    /// `1` if the child lives with this person (default), `0` if not.
    #[serde(default)]
    pub lives_with: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caregiver {
    pub full_name: String,
    pub relationship: Relationship,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    pub lives_with: bool,
}

pub fn check_caregiver(raw: &RawCaregiver, today: Date) -> Result<Caregiver, Vec<FieldError>> {
    let mut errors = Vec::new();
    let full_name = crate::text::clean(&raw.full_name);
    if full_name.is_empty() {
        errors.push(err("full_name", "Cần nhập họ và tên người chăm sóc."));
    }
    let relationship = Relationship::parse(&raw.relationship);
    if relationship.is_none() {
        errors.push(err("relationship", "Chọn quan hệ với trẻ."));
    }
    let birth_year = match raw.birth_year.trim() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if (1900..=today.year() - 10).contains(&y) => Some(y),
            _ => {
                errors.push(err(
                    "birth_year",
                    format!(
                        "Năm sinh «{y}» không hợp lệ (4 chữ số, từ 1900 đến {}).",
                        today.year() - 10
                    ),
                ));
                None
            }
        },
    };
    let phone: String = raw
        .phone
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    let phone = if phone.is_empty() {
        None
    } else if phone.len() == 10
        && phone.starts_with('0')
        && phone.bytes().all(|b| b.is_ascii_digit())
    {
        Some(phone)
    } else {
        errors.push(err(
            "phone",
            format!(
                "Số điện thoại «{}» không hợp lệ (10 chữ số, bắt đầu bằng 0).",
                raw.phone.trim()
            ),
        ));
        None
    };
    let lives_with = !matches!(raw.lives_with.trim(), "0" | "false" | "không" | "Không");
    match (errors.is_empty(), relationship) {
        (true, Some(relationship)) => Ok(Caregiver {
            full_name,
            relationship,
            birth_year,
            phone,
            lives_with,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ev(kind: &str, d: &str, place: &str) -> RawEvent {
        RawEvent {
            kind: kind.into(),
            date: d.into(),
            place: place.into(),
            note: String::new(),
        }
    }

    #[test]
    fn events_move_the_status_along_the_allowed_paths() {
        let (birth, today) = (date!(2012 - 05 - 01), date!(2026 - 11 - 26));
        let out = check_event(
            &ev("moved_out", "01/09/2026", "Xã An Lư"),
            ChildStatus::Active,
            birth,
            today,
        )
        .unwrap();
        assert_eq!(out.status_after, ChildStatus::MovedOut);
        let back = check_event(
            &ev("moved_in", "01/10/2026", "Xã An Lư"),
            ChildStatus::MovedOut,
            birth,
            today,
        )
        .unwrap();
        assert_eq!(back.status_after, ChildStatus::Active);
        // A move needs its place; an event cannot precede birth or follow today.
        let e = check_event(
            &ev("moved_out", "01/09/2026", ""),
            ChildStatus::Active,
            birth,
            today,
        )
        .unwrap_err();
        assert_eq!(e[0].field, "place");
        let e = check_event(
            &ev("died", "01/01/2010", ""),
            ChildStatus::Active,
            birth,
            today,
        )
        .unwrap_err();
        assert_eq!(e[0].field, "date");
        assert!(
            check_event(
                &ev("died", "01/12/2026", ""),
                ChildStatus::Active,
                birth,
                today
            )
            .is_err()
        );
        // Aged out only from 16; a closed record takes no further event.
        let e = check_event(
            &ev("aged_out", "30/04/2028", ""),
            ChildStatus::Active,
            birth,
            date!(2028 - 12 - 01),
        )
        .unwrap_err();
        assert!(e[0].message.contains("chưa đủ 16"), "{e:?}");
        assert_eq!(
            check_event(
                &ev("aged_out", "01/05/2028", ""),
                ChildStatus::Active,
                birth,
                date!(2028 - 12 - 01)
            )
            .unwrap()
            .status_after,
            ChildStatus::AgedOut
        );
        let e = check_event(
            &ev("moved_in", "01/10/2026", "Hà Nội"),
            ChildStatus::Died,
            birth,
            today,
        )
        .unwrap_err();
        assert!(e[0].message.contains("Đã mất"), "{e:?}");
        assert!(
            check_event(
                &ev("eaten", "01/10/2026", ""),
                ChildStatus::Active,
                birth,
                today
            )
            .is_err()
        );
    }

    #[test]
    fn caregivers_are_checked_field_by_field() {
        let today = date!(2026 - 11 - 26);
        let c = check_caregiver(
            &RawCaregiver {
                full_name: " Nguyễn  Thị Hoa ".into(),
                relationship: "Mẹ".into(),
                birth_year: "1990".into(),
                phone: "0912 345 678".into(),
                lives_with: String::new(),
            },
            today,
        )
        .unwrap();
        assert_eq!(c.full_name, "Nguyễn Thị Hoa");
        assert_eq!(c.relationship, Relationship::Mother);
        assert_eq!(c.phone.as_deref(), Some("0912345678"));
        assert!(c.lives_with);
        let e = check_caregiver(
            &RawCaregiver {
                full_name: String::new(),
                relationship: "hàng xóm".into(),
                birth_year: "20".into(),
                phone: "12345".into(),
                lives_with: "0".into(),
            },
            today,
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.field).collect();
        assert_eq!(fields, ["full_name", "relationship", "birth_year", "phone"]);
        assert_eq!(
            Relationship::parse("ong, ba"),
            Some(Relationship::Grandparent)
        );
        assert_eq!(
            Relationship::parse("foster_carer"),
            Some(Relationship::FosterCarer)
        );
    }
}
