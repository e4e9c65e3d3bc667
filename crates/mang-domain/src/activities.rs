//! Activities and child participation (truyền thông, tập huấn, diễn đàn, hội đồng trẻ em,
//! lấy ý kiến trẻ em, Tháng hành động vì trẻ em, Tết Trung thu, lớp dạy bơi…): what was
//! done, where, when, and how many took part — the counts behind the participation
//! indicators 56–58 (BRIEF §1.3; Hà Nội and Huế plans).

use crate::registry::{FieldError, parse_date};
use time::Date;

coded!(
    ActivityKind,
    ACTIVITY_KINDS,
    [
        (
            Communication,
            "communication",
            "Truyền thông, nâng cao nhận thức"
        ),
        (Training, "training", "Tập huấn, bồi dưỡng"),
        (Forum, "forum", "Diễn đàn trẻ em"),
        (
            Council,
            "council",
            "Hội đồng trẻ em, câu lạc bộ quyền tham gia"
        ),
        (Consultation, "consultation", "Lấy ý kiến trẻ em"),
        (
            ActionMonth,
            "action_month",
            "Tháng hành động vì trẻ em (1–30/6)"
        ),
        (MidAutumn, "mid_autumn", "Tết Trung thu"),
        (
            Swimming,
            "swimming",
            "Lớp dạy bơi, kỹ năng an toàn trong môi trường nước"
        ),
        (OtherActivity, "other", "Hoạt động khác"),
    ]
);

impl ActivityKind {
    /// Does the activity raise children's awareness of their participation rights
    /// (indicator 57)?
    pub fn raises_awareness(self) -> bool {
        matches!(
            self,
            ActivityKind::Communication
                | ActivityKind::Training
                | ActivityKind::Forum
                | ActivityKind::ActionMonth
        )
    }
}

/// An activity as typed (counts as whole numbers).
#[derive(Debug, Clone, Default)]
pub struct RawActivity {
    pub kind: String,
    pub title: String,
    pub date: String,
    pub children: String,
    pub children_7plus_consulted: String,
    pub children_11plus_in_models: String,
    pub adults: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub kind: ActivityKind,
    pub title: String,
    pub date: Date,
    pub children: i64,
    pub children_7plus_consulted: i64,
    pub children_11plus_in_models: i64,
    pub adults: i64,
    pub note: String,
}

fn err(field: &'static str, m: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: m.into(),
    }
}

/// Check an activity: kind, title, a date not in the future, counts ≥ 0, and the
/// consulted and model counts not above the children taking part.
pub fn check(raw: &RawActivity, today: Date) -> Result<Activity, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = ActivityKind::parse(&raw.kind);
    if kind.is_none() {
        errors.push(err("kind", "Chọn loại hoạt động"));
    }
    let title = crate::text::clean(&raw.title);
    if title.is_empty() {
        errors.push(err("title", "Cần nhập tên hoạt động"));
    }
    let date = match parse_date(raw.date.trim()) {
        Some(d) if d > today => {
            errors.push(err("date", "Ngày tổ chức ở tương lai"));
            None
        }
        Some(d) => Some(d),
        None => {
            errors.push(err("date", "Ngày tổ chức không hợp lệ (dạng dd/mm/yyyy)"));
            None
        }
    };
    let mut count = |field: &'static str, s: &str, what: &str| -> i64 {
        let s = s.trim().replace('.', "");
        if s.is_empty() {
            return 0;
        }
        match s.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                errors.push(err(field, format!("{what} phải là số nguyên không âm")));
                0
            }
        }
    };
    let children = count("children", &raw.children, "Số trẻ em tham gia");
    let consulted = count(
        "children_7plus_consulted",
        &raw.children_7plus_consulted,
        "Số trẻ từ 7 tuổi được hỏi ý kiến",
    );
    let models = count(
        "children_11plus_in_models",
        &raw.children_11plus_in_models,
        "Số trẻ từ 11 tuổi tham gia mô hình",
    );
    let adults = count("adults", &raw.adults, "Số người lớn tham gia");
    if consulted > children {
        errors.push(err(
            "children_7plus_consulted",
            "Số trẻ được hỏi ý kiến không được lớn hơn số trẻ tham gia",
        ));
    }
    if models > children {
        errors.push(err(
            "children_11plus_in_models",
            "Số trẻ tham gia mô hình không được lớn hơn số trẻ tham gia",
        ));
    }
    match (kind, date) {
        (Some(kind), Some(date)) if errors.is_empty() => Ok(Activity {
            kind,
            title,
            date,
            children,
            children_7plus_consulted: consulted,
            children_11plus_in_models: models,
            adults,
            note: crate::text::clean(&raw.note),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_checked_against_the_children_taking_part() {
        let today = time::macros::date!(2026 - 11 - 26);
        let raw = RawActivity {
            kind: "forum".into(),
            title: "Diễn đàn trẻ em xã năm 2026".into(),
            date: "01/06/2026".into(),
            children: "1.200".into(),
            children_7plus_consulted: "150".into(),
            children_11plus_in_models: "40".into(),
            ..RawActivity::default()
        };
        let a = check(&raw, today).unwrap();
        assert_eq!((a.children, a.children_7plus_consulted), (1200, 150));
        assert!(a.kind.raises_awareness());
        let e = check(
            &RawActivity {
                children: "10".into(),
                date: "01/01/2027".into(),
                ..raw
            },
            today,
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "date",
                "children_7plus_consulted",
                "children_11plus_in_models"
            ]
        );
    }
}
