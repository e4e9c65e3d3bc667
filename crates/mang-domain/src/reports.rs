//! The reporting regime of the plans (chế độ báo cáo): periodic reports of a unit to the
//! unit above (6-month, annual, ad hoc), their review workflow, and the completeness and
//! timeliness of the reports a parent unit expects (BRIEF §6.1). Also the status of a
//! plan's tasks and of the sub-plans a plan requires.
//!
//! The workflow of one report (one unit × one scheduled report × one version):
//!
//! ```text
//! draft ──submit──▶ submitted ──approve──▶ approved ──new version──▶ (new draft, v+1)
//!   ▲                  │                                 the old version stays approved
//!   └──── returned ◀───┘ return (with a comment)          until the new one is approved,
//!          │ (edit, resubmit)                             then it is superseded
//!          └──submit──▶ submitted
//! ```
//!
//! The appendix figures are frozen when the report is submitted and stay frozen once it is
//! approved: later changes of the records never change an approved report (a new version
//! must be requested, which takes fresh figures when it is submitted).

use time::Date;

coded!(
    ReportKind,
    REPORT_KINDS,
    [
        (Half, "half", "Báo cáo 6 tháng"),
        (Annual, "annual", "Báo cáo năm"),
        (AdHoc, "ad_hoc", "Báo cáo đột xuất"),
    ]
);

coded!(
    ReportStatus,
    REPORT_STATUSES,
    [
        (Draft, "draft", "Đang soạn"),
        (Submitted, "submitted", "Đã gửi, chờ duyệt"),
        (Returned, "returned", "Bị trả lại để bổ sung"),
        (Approved, "approved", "Đã duyệt"),
        (Superseded, "superseded", "Đã thay bằng phiên bản mới"),
    ]
);

/// What a user does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportAction {
    /// Edit the narrative (kết quả, khó khăn, đề xuất).
    Save,
    /// Send to the unit above.
    Submit,
    /// The unit above sends it back with a comment.
    Return,
    /// The unit above accepts it; its figures are locked.
    Approve,
    /// Start a new version of an approved report.
    NewVersion,
}

impl ReportAction {
    pub fn parse(s: &str) -> Option<ReportAction> {
        Some(match s.trim() {
            "save" => ReportAction::Save,
            "submit" => ReportAction::Submit,
            "return" => ReportAction::Return,
            "approve" => ReportAction::Approve,
            "new_version" => ReportAction::NewVersion,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportAction::Save => "save",
            ReportAction::Submit => "submit",
            ReportAction::Return => "return",
            ReportAction::Approve => "approve",
            ReportAction::NewVersion => "new_version",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ReportAction::Save => "Lưu",
            ReportAction::Submit => "Gửi báo cáo",
            ReportAction::Return => "Trả lại",
            ReportAction::Approve => "Duyệt",
            ReportAction::NewVersion => "Yêu cầu phiên bản mới",
        }
    }

    /// Whether the unit that writes the report takes this action (else the unit above).
    pub fn by_author(self) -> bool {
        matches!(
            self,
            ReportAction::Save | ReportAction::Submit | ReportAction::NewVersion
        )
    }
}

/// The status after `action`, or why it cannot be taken (Vietnamese). `NewVersion` leaves
/// the approved report as it is (a new draft version is created beside it).
pub fn next(status: ReportStatus, action: ReportAction) -> Result<ReportStatus, String> {
    use ReportAction as A;
    use ReportStatus as S;
    match (status, action) {
        (S::Draft | S::Returned, A::Save) => Ok(status),
        (S::Draft | S::Returned, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Return) => Ok(S::Returned),
        (S::Submitted, A::Approve) => Ok(S::Approved),
        (S::Approved, A::NewVersion) => Ok(S::Approved),
        (S::Approved, A::Save | A::Submit) => {
            Err("Báo cáo đã được duyệt nên không sửa được; hãy yêu cầu phiên bản mới.".into())
        }
        (S::Submitted, A::Save | A::Submit) => {
            Err("Báo cáo đã gửi, đang chờ cấp trên xem xét; chưa sửa được.".into())
        }
        (S::Superseded, _) => Err("Phiên bản này đã được thay bằng phiên bản mới.".into()),
        (S::Draft | S::Returned, A::Return | A::Approve) => {
            Err("Báo cáo chưa được gửi nên chưa thể trả lại hay duyệt.".into())
        }
        (S::Approved, A::Return | A::Approve) => Err("Báo cáo đã được duyệt.".into()),
        (S::Draft | S::Returned | S::Submitted, A::NewVersion) => {
            Err("Chỉ yêu cầu phiên bản mới khi báo cáo đã được duyệt.".into())
        }
    }
}

/// The narrative of a report, as the officer writes it. Checked before submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Narrative {
    /// Kết quả thực hiện.
    pub results: String,
    /// Khó khăn, vướng mắc.
    pub difficulties: String,
    /// Đề xuất, kiến nghị.
    pub proposals: String,
}

/// Longest narrative section, in characters.
pub const MAX_SECTION: usize = 20_000;

impl Narrative {
    /// Field errors (field, Vietnamese message) for saving (`submit` false) or submitting.
    pub fn check(&self, submit: bool) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        for (field, label, text) in [
            ("results", "Kết quả thực hiện", &self.results),
            ("difficulties", "Khó khăn, vướng mắc", &self.difficulties),
            ("proposals", "Đề xuất, kiến nghị", &self.proposals),
        ] {
            let n = text.chars().count();
            if n > MAX_SECTION {
                errors.push((
                    field,
                    format!("Mục «{label}» dài {n} ký tự, quá {MAX_SECTION} ký tự cho phép."),
                ));
            } else if submit && field == "results" && text.trim().is_empty() {
                errors.push((
                    field,
                    format!("Chưa viết mục «{label}»: cần có trước khi gửi báo cáo."),
                ));
            }
        }
        errors
    }
}

/// Whether an expected report came in on time (the due date is the last day, Vietnam
/// time, as the plans write "trước ngày 15/5" and mean by the end of that day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timeliness {
    /// Submitted on or before the due date.
    OnTime,
    /// Submitted after the due date.
    Late,
    /// Not submitted and the due date has passed.
    Missing,
    /// Not submitted and not yet due (or no due date).
    Pending,
}

impl Timeliness {
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
            Timeliness::Missing => "missing",
            Timeliness::Pending => "pending",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Muộn",
            Timeliness::Missing => "Chưa gửi, quá hạn",
            Timeliness::Pending => "Chưa đến hạn",
        }
    }
}

/// Timeliness of a report due on `due` and first submitted on `submitted` (Vietnam
/// dates), seen on `today`.
pub fn timeliness(due: Option<Date>, submitted: Option<Date>, today: Date) -> Timeliness {
    match (submitted, due) {
        (Some(s), Some(d)) if s > d => Timeliness::Late,
        (Some(_), _) => Timeliness::OnTime,
        (None, Some(d)) if today > d => Timeliness::Missing,
        (None, _) => Timeliness::Pending,
    }
}

/// Counts of a parent unit's expected sub-unit reports (or sub-plans).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Completeness {
    pub expected: u32,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub pending: u32,
}

impl Completeness {
    pub fn add(&mut self, t: Timeliness) {
        self.expected += 1;
        match t {
            Timeliness::OnTime => self.on_time += 1,
            Timeliness::Late => self.late += 1,
            Timeliness::Missing => self.missing += 1,
            Timeliness::Pending => self.pending += 1,
        }
    }

    /// Sub-units that have reported, on time or late.
    pub fn reported(&self) -> u32 {
        self.on_time + self.late
    }
}

/// Days before a due date when a reminder is shown.
pub const REMIND_DAYS: i64 = 7;

/// A reminder for a report not yet submitted: "Còn 3 ngày (hạn 15/05/2026)", "Quá hạn 2
/// ngày", or `None` when the due date is further than [`REMIND_DAYS`] away.
pub fn reminder(due: Option<Date>, today: Date) -> Option<String> {
    let due = due?;
    let days = (due - today).whole_days();
    let d = crate::vi::date(due);
    if days < 0 {
        Some(format!("Quá hạn {} ngày (hạn {d})", -days))
    } else if days == 0 {
        Some(format!("Hạn gửi hôm nay ({d})"))
    } else if days <= REMIND_DAYS {
        Some(format!("Còn {days} ngày (hạn {d})"))
    } else {
        None
    }
}

coded!(
    TaskStatus,
    TASK_STATUSES,
    [
        (NotStarted, "not_started", "Chưa thực hiện"),
        (InProgress, "in_progress", "Đang thực hiện"),
        (Done, "done", "Hoàn thành"),
    ]
);

/// A task not done after its deadline.
pub fn task_overdue(status: TaskStatus, due: Option<Date>, today: Date) -> bool {
    status != TaskStatus::Done && due.is_some_and(|d| today > d)
}

/// A progress update of a task, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct RawTaskUpdate {
    pub status: String,
    /// 0–100.
    pub progress: String,
    pub note: String,
    /// What shows the work (a document number, a link in the intranet, a file name).
    pub evidence: String,
}

/// A checked progress update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskUpdate {
    pub status: TaskStatus,
    pub progress: u8,
    pub note: String,
    pub evidence: String,
}

/// Check a task update: field errors in Vietnamese.
pub fn check_task_update(raw: &RawTaskUpdate) -> Result<TaskUpdate, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let status = TaskStatus::parse(&raw.status);
    if status.is_none() {
        errors.push(("status", "Chọn tình trạng thực hiện.".to_string()));
    }
    let progress = match raw.progress.trim().trim_end_matches('%').trim() {
        "" => Some(0),
        p => p.parse::<u8>().ok().filter(|p| *p <= 100),
    };
    if progress.is_none() {
        errors.push((
            "progress",
            format!(
                "Tiến độ «{}» không hợp lệ: nhập số phần trăm từ 0 đến 100.",
                raw.progress.trim()
            ),
        ));
    }
    let note = raw.note.trim().to_string();
    if note.is_empty() {
        errors.push(("note", "Ghi nội dung đã thực hiện.".to_string()));
    } else if note.chars().count() > 4000 {
        errors.push(("note", "Nội dung dài quá 4.000 ký tự.".to_string()));
    }
    let evidence = raw.evidence.trim().to_string();
    if evidence.chars().count() > 500 {
        errors.push(("evidence", "Minh chứng dài quá 500 ký tự.".to_string()));
    }
    match (status, progress) {
        (Some(status), Some(mut progress)) if errors.is_empty() => {
            if status == TaskStatus::Done {
                progress = 100;
            }
            Ok(TaskUpdate {
                status,
                progress,
                note,
                evidence,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn workflow() {
        use ReportAction as A;
        use ReportStatus as S;
        assert_eq!(next(S::Draft, A::Submit), Ok(S::Submitted));
        assert_eq!(next(S::Submitted, A::Return), Ok(S::Returned));
        assert_eq!(next(S::Returned, A::Save), Ok(S::Returned));
        assert_eq!(next(S::Returned, A::Submit), Ok(S::Submitted));
        assert_eq!(next(S::Submitted, A::Approve), Ok(S::Approved));
        assert!(
            next(S::Approved, A::Save)
                .unwrap_err()
                .contains("phiên bản mới")
        );
        assert!(next(S::Approved, A::Submit).is_err());
        assert!(next(S::Draft, A::Approve).is_err());
        assert!(next(S::Submitted, A::Save).is_err());
        assert!(next(S::Superseded, A::Save).is_err());
        assert_eq!(next(S::Approved, A::NewVersion), Ok(S::Approved));
        assert!(next(S::Draft, A::NewVersion).is_err());
        for a in ["save", "submit", "return", "approve", "new_version"] {
            assert_eq!(ReportAction::parse(a).unwrap().as_str(), a);
        }
        assert_eq!(ReportStatus::parse("Đã duyệt"), Some(S::Approved));
    }

    #[test]
    fn timeliness_and_counts() {
        let due = Some(date!(2026 - 05 - 15));
        let today = date!(2026 - 06 - 01);
        assert_eq!(
            timeliness(due, Some(date!(2026 - 05 - 15)), today),
            Timeliness::OnTime
        );
        assert_eq!(
            timeliness(due, Some(date!(2026 - 05 - 16)), today),
            Timeliness::Late
        );
        assert_eq!(timeliness(due, None, today), Timeliness::Missing);
        assert_eq!(
            timeliness(due, None, date!(2026 - 05 - 15)),
            Timeliness::Pending
        );
        assert_eq!(timeliness(None, None, today), Timeliness::Pending);
        let mut c = Completeness::default();
        for t in [
            Timeliness::OnTime,
            Timeliness::OnTime,
            Timeliness::Late,
            Timeliness::Missing,
        ] {
            c.add(t);
        }
        assert_eq!((c.expected, c.reported(), c.missing), (4, 3, 1));
    }

    #[test]
    fn reminders() {
        let due = Some(date!(2026 - 05 - 15));
        assert_eq!(reminder(due, date!(2026 - 05 - 01)), None);
        assert_eq!(
            reminder(due, date!(2026 - 05 - 12)).unwrap(),
            "Còn 3 ngày (hạn 15/05/2026)"
        );
        assert_eq!(
            reminder(due, date!(2026 - 05 - 15)).unwrap(),
            "Hạn gửi hôm nay (15/05/2026)"
        );
        assert_eq!(
            reminder(due, date!(2026 - 05 - 17)).unwrap(),
            "Quá hạn 2 ngày (hạn 15/05/2026)"
        );
    }

    #[test]
    fn narrative_and_task_updates() {
        let n = Narrative::default();
        assert!(n.check(false).is_empty());
        assert_eq!(n.check(true)[0].0, "results");
        let u = check_task_update(&RawTaskUpdate {
            status: "done".into(),
            progress: "40".into(),
            note: "Đã tổ chức 3 lớp tập huấn".into(),
            evidence: "Báo cáo số 12/BC-TYT".into(),
        })
        .unwrap();
        assert_eq!((u.status, u.progress), (TaskStatus::Done, 100));
        let e = check_task_update(&RawTaskUpdate {
            status: "x".into(),
            progress: "140".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            e.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            ["status", "progress", "note"]
        );
        assert!(task_overdue(
            TaskStatus::InProgress,
            Some(date!(2026 - 05 - 15)),
            date!(2026 - 05 - 16)
        ));
        assert!(!task_overdue(
            TaskStatus::Done,
            Some(date!(2026 - 05 - 15)),
            date!(2026 - 05 - 16)
        ));
    }
}
