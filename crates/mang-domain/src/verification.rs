//! The verification workflow of the child information system (QĐ 3978/QĐ-BYT, 26/12/2025:
//! thu thập → cập nhật → chỉnh sửa → kiểm tra → phúc tra). A state machine: which step a
//! record is at, and who may move it to the next.

use crate::access::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Thu thập: first entered.
    Collected,
    /// Cập nhật: changed since collection or the last check.
    Updated,
    /// Cần chỉnh sửa: a checker asked for a correction.
    NeedsCorrection,
    /// Chỉnh sửa: corrected after a request.
    Corrected,
    /// Kiểm tra: checked by the commune.
    Checked,
    /// Phúc tra: re-checked by the province.
    Rechecked,
}

pub const ALL: [Status; 6] = [
    Status::Collected,
    Status::Updated,
    Status::NeedsCorrection,
    Status::Corrected,
    Status::Checked,
    Status::Rechecked,
];

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Collected => "collected",
            Status::Updated => "updated",
            Status::NeedsCorrection => "needs_correction",
            Status::Corrected => "corrected",
            Status::Checked => "checked",
            Status::Rechecked => "rechecked",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Collected => "Thu thập",
            Status::Updated => "Cập nhật",
            Status::NeedsCorrection => "Cần chỉnh sửa",
            Status::Corrected => "Đã chỉnh sửa",
            Status::Checked => "Đã kiểm tra",
            Status::Rechecked => "Đã phúc tra",
        }
    }

    /// The status after the record's data changed.
    pub fn after_edit(self) -> Status {
        match self {
            Status::NeedsCorrection | Status::Corrected => Status::Corrected,
            Status::Collected => Status::Collected,
            _ => Status::Updated,
        }
    }
}

/// Workflow steps a person takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Kiểm tra.
    Check,
    /// Phúc tra.
    Recheck,
    /// Yêu cầu chỉnh sửa.
    RequestCorrection,
}

impl Step {
    pub fn parse(s: &str) -> Option<Step> {
        match s {
            "check" => Some(Step::Check),
            "recheck" => Some(Step::Recheck),
            "request_correction" => Some(Step::RequestCorrection),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Step::Check => "Kiểm tra",
            Step::Recheck => "Phúc tra",
            Step::RequestCorrection => "Yêu cầu chỉnh sửa",
        }
    }
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("Vai trò của bạn không thực hiện bước «{0}»")]
    Role(&'static str),
    #[error("Không thể «{step}» hồ sơ đang ở bước «{status}»")]
    State {
        step: &'static str,
        status: &'static str,
    },
}

/// The transition table. Commune officers check and ask for corrections; province
/// officers re-check what a commune checked, and may also check or ask for corrections.
pub fn apply(status: Status, step: Step, role: Role) -> Result<Status, StepError> {
    let role_ok = match step {
        Step::Check | Step::RequestCorrection => {
            matches!(role, Role::CommuneOfficer | Role::ProvinceOfficer)
        }
        Step::Recheck => role == Role::ProvinceOfficer,
    };
    if !role_ok {
        return Err(StepError::Role(step.label_vi()));
    }
    let next = match (step, status) {
        (
            Step::Check,
            Status::Collected
            | Status::Updated
            | Status::Corrected
            | Status::Rechecked
            | Status::Checked,
        ) => Status::Checked,
        (Step::Recheck, Status::Checked) => Status::Rechecked,
        (Step::RequestCorrection, s) if s != Status::NeedsCorrection => Status::NeedsCorrection,
        _ => {
            return Err(StepError::State {
                step: step.label_vi(),
                status: status.label_vi(),
            });
        }
    };
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_runs_in_order() {
        let s = apply(Status::Collected, Step::Check, Role::CommuneOfficer).unwrap();
        assert_eq!(s, Status::Checked);
        let s = apply(s, Step::Recheck, Role::ProvinceOfficer).unwrap();
        assert_eq!(s, Status::Rechecked);
        let s = apply(s, Step::RequestCorrection, Role::ProvinceOfficer).unwrap();
        assert_eq!(s, Status::NeedsCorrection);
        assert_eq!(s.after_edit(), Status::Corrected);
        assert_eq!(Status::Checked.after_edit(), Status::Updated);
        assert_eq!(
            apply(Status::Corrected, Step::Check, Role::CommuneOfficer).unwrap(),
            Status::Checked
        );
    }

    #[test]
    fn wrong_roles_and_wrong_states_are_refused() {
        assert!(matches!(
            apply(Status::Checked, Step::Recheck, Role::CommuneOfficer),
            Err(StepError::Role(_))
        ));
        assert!(matches!(
            apply(Status::Collected, Step::Check, Role::Collaborator),
            Err(StepError::Role(_))
        ));
        assert!(matches!(
            apply(Status::Collected, Step::Recheck, Role::ProvinceOfficer),
            Err(StepError::State { .. })
        ));
        assert!(matches!(
            apply(Status::NeedsCorrection, Step::Check, Role::CommuneOfficer),
            Err(StepError::State { .. })
        ));
        assert!(matches!(
            apply(
                Status::NeedsCorrection,
                Step::RequestCorrection,
                Role::CommuneOfficer
            ),
            Err(StepError::State { .. })
        ));
        for s in ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
