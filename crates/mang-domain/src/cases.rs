//! Child-protection cases (quản lý trường hợp trẻ em bị xâm hại hoặc có nguy cơ): the
//! support and intervention process of the Law on Children 2016 Arts. 47–52 and Decree
//! 56/2017/NĐ-CP Arts. 25–32 as an explicit state machine, the structured content of
//! forms Mẫu 01–07, and the legal time limits.
//!
//! Pure: the web and storage layers pass in who is acting, the case's current state and
//! the time (`now`); nothing here reads a clock.

use crate::calendar::WorkCalendar;
use crate::registry::{FieldError, parse_date};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, UtcOffset};

coded!(
    Channel,
    CHANNELS,
    [
        (
            Hotline111,
            "hotline_111",
            "Tổng đài quốc gia bảo vệ trẻ em 111"
        ),
        (Hotline18006605, "hotline_18006605", "Đường dây 1800 6605"),
        (School, "school", "Nhà trường"),
        (Police, "police", "Công an"),
        (HealthFacility, "health_facility", "Cơ sở y tế"),
        (CommuneStaff, "commune_staff", "Cán bộ xã, thôn, tổ dân phố"),
        (Citizen, "citizen", "Người dân, hàng xóm, người thân"),
        (ChildSelf, "child", "Trẻ em tự báo tin"),
        (Media, "media", "Báo chí, mạng xã hội"),
        (OtherChannel, "other", "Khác"),
    ]
);

coded!(
    Harm,
    HARMS,
    [
        // Law on Children Art. 4(8) names the forms of abuse (xâm hại trẻ em).
        (Violence, "violence", "Bạo lực"),
        (SexualAbuse, "sexual_abuse", "Xâm hại tình dục"),
        (Exploitation, "exploitation", "Bóc lột, lao động trẻ em"),
        (Trafficking, "trafficking", "Mua bán, bắt cóc"),
        (Abandonment, "abandonment", "Bỏ rơi"),
        (Neglect, "neglect", "Bỏ mặc, sao nhãng"),
        (AtRisk, "at_risk", "Có nguy cơ bị xâm hại"),
        (OtherHarm, "other", "Hình thức gây tổn hại khác"),
    ]
);

coded!(
    Perpetrator,
    PERPETRATORS,
    [
        (Parent, "parent", "Cha, mẹ"),
        (StepParent, "step_parent", "Cha dượng, mẹ kế"),
        (Relative, "relative", "Người thân trong gia đình"),
        (Carer, "carer", "Người chăm sóc khác"),
        (Teacher, "teacher", "Giáo viên, nhân viên nhà trường"),
        (Acquaintance, "acquaintance", "Hàng xóm, người quen"),
        (OtherChildren, "other_child", "Trẻ em khác"),
        (Stranger, "stranger", "Người lạ"),
        (Unknown, "unknown", "Chưa xác định"),
    ]
);

coded!(
    Stage,
    STAGES,
    [
        (Reported, "reported", "Tiếp nhận thông tin"),
        (Verified, "verified", "Đã kiểm tra, xác minh"),
        (
            InitialAssessed,
            "initial_assessed",
            "Đã đánh giá nguy cơ ban đầu"
        ),
        (
            EmergencyApplied,
            "emergency_applied",
            "Đã can thiệp khẩn cấp"
        ),
        (
            SpecificAssessed,
            "specific_assessed",
            "Đã đánh giá cụ thể, xác định nhu cầu"
        ),
        (PlanDrafted, "plan_drafted", "Kế hoạch chờ phê duyệt"),
        (PlanApproved, "plan_approved", "Kế hoạch đã phê duyệt"),
        (InProgress, "in_progress", "Đang thực hiện kế hoạch"),
        (Reviewed, "reviewed", "Đã rà soát, đánh giá"),
        (Closed, "closed", "Đã kết thúc"),
    ]
);

coded!(
    Level,
    LEVELS,
    [
        (High, "high", "Cao"),
        (Medium, "medium", "Trung bình"),
        (Low, "low", "Thấp"),
    ]
);

coded!(
    CloseReason,
    CLOSE_REASONS,
    [
        // Decree 56 Art. 30: no longer at risk and stable.
        (
            SafeAndStable,
            "safe_and_stable",
            "Trẻ an toàn, ổn định (Điều 30 Nghị định 56)"
        ),
        (
            Unfounded,
            "unfounded",
            "Thông tin không có căn cứ sau xác minh"
        ),
        (
            MovedAway,
            "moved_away",
            "Trẻ chuyển đi nơi khác, đã chuyển hồ sơ"
        ),
        (AgedOut, "aged_out", "Trẻ đủ 16 tuổi, đã bàn giao"),
        (Died, "died", "Trẻ tử vong"),
    ]
);

coded!(
    Measure,
    MEASURES,
    [
        // Support level, Law on Children Art. 49.
        (
            Information,
            "information",
            "Cung cấp thông tin, tư vấn cho trẻ em"
        ),
        (
            ParentingSkills,
            "parenting_skills",
            "Tư vấn kiến thức, kỹ năng bảo vệ trẻ em cho cha mẹ, người chăm sóc"
        ),
        (
            EducationSupport,
            "education_support",
            "Hỗ trợ giáo dục, học nghề"
        ),
        (
            SocialAssistance,
            "social_assistance",
            "Trợ giúp xã hội, hỗ trợ sinh kế cho gia đình"
        ),
        (
            Referral,
            "referral",
            "Kết nối, chuyển gửi đến dịch vụ phù hợp"
        ),
        // Intervention level, Law on Children Art. 50(2).
        (
            MedicalCare,
            "medical_care",
            "Chăm sóc y tế, phục hồi thể chất"
        ),
        (Psychological, "psychological", "Trị liệu, hỗ trợ tâm lý"),
        (
            SafeShelter,
            "safe_shelter",
            "Bố trí nơi tạm trú an toàn, cách ly khỏi người gây tổn hại"
        ),
        (
            AlternativeCare,
            "alternative_care",
            "Chăm sóc thay thế tạm thời hoặc lâu dài"
        ),
        (
            Reintegration,
            "reintegration",
            "Đoàn tụ gia đình, hòa nhập trường học, cộng đồng"
        ),
        (LegalAid, "legal_aid", "Tư vấn pháp lý, trợ giúp pháp lý"),
        (OtherMeasure, "other", "Biện pháp khác"),
    ]
);

impl Measure {
    /// Cấp độ: `false` support (Art. 49), `true` intervention (Art. 50).
    pub fn is_intervention(self) -> bool {
        !matches!(
            self,
            Measure::Information
                | Measure::ParentingSkills
                | Measure::EducationSupport
                | Measure::SocialAssistance
                | Measure::Referral
        )
    }
}

/// Who is taking a step, as the case sees them: storage decides it from the user's role,
/// unit and the case's assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// Người làm công tác bảo vệ trẻ em cấp xã assigned to the case.
    Worker,
    /// Chủ tịch Ủy ban nhân dân cấp xã of the case's commune.
    Chairman,
    /// Anyone else (may see, may not act).
    Other,
}

/// A recommendation of the review (Mẫu 06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// Kết thúc kế hoạch.
    Close,
    /// Xây dựng kế hoạch mới.
    NewPlan,
}

/// One measure of a plan (Mẫu 04): what, by whom, where, when, with what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanMeasure {
    pub measure: String,
    pub activity: String,
    pub responsible: String,
    pub place: String,
    /// ISO dates.
    pub start: String,
    pub end: String,
    pub resources: String,
}

/// The content of one step: forms Mẫu 01–07 as structured fields. Stored with the step as
/// JSON; `step` names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum StepForm {
    /// Mẫu 01 — kiểm tra, xác minh thông tin (Decree 56 Art. 25).
    Verify {
        /// Are the reported facts confirmed?
        confirmed: bool,
        findings: String,
    },
    /// Mẫu 02 — đánh giá ban đầu về nguy cơ, mức độ tổn hại (Art. 26).
    AssessInitial {
        /// Nguy cơ cao, đe dọa tính mạng, sức khỏe, nhân phẩm: emergency within 12 h.
        serious_risk: bool,
        harm_level: String,
        findings: String,
        immediate_needs: String,
    },
    /// Mẫu 07 — áp dụng biện pháp can thiệp khẩn cấp, tạm thời cách ly (Arts. 26, 31–32).
    ApplyEmergency {
        measures: Vec<String>,
        /// Tạm thời cách ly trẻ em khỏi cha mẹ, người chăm sóc.
        separated: bool,
        place: String,
        note: String,
    },
    /// Mẫu 03 and the minutes of the needs meeting (Art. 27).
    AssessSpecific {
        child_state: String,
        family_situation: String,
        protective_capacity: String,
        risk_factors: String,
        needs: String,
        /// ISO date of the meeting.
        meeting_on: String,
        participants: String,
        child_participated: bool,
    },
    /// Mẫu 04 — kế hoạch hỗ trợ, can thiệp (Law Art. 52; Decree 56 Art. 28).
    DraftPlan {
        goals: String,
        /// ISO date of the review the plan sets.
        review_on: String,
        measures: Vec<PlanMeasure>,
    },
    /// The chairman sends the draft back with comments.
    ReturnPlan { comment: String },
    /// Mẫu 05 — quyết định phê duyệt kế hoạch.
    ApprovePlan {
        decision_no: String,
        /// ISO date.
        decided_on: String,
    },
    /// Thực hiện kế hoạch (Art. 29).
    StartPlan { note: String },
    /// Mẫu 06 — rà soát, đánh giá (Art. 30): each rated Cao / Trung bình / Thấp.
    Review {
        harm_now: String,
        abuser_access: String,
        obstacles: String,
        self_protection: String,
        recovery: String,
        recommendation: Recommendation,
        summary: String,
    },
    /// Kết thúc kế hoạch, đóng hồ sơ.
    Close { reason: String, note: String },
    /// Mở lại hồ sơ.
    Reopen { reason: String },
}

impl StepForm {
    pub fn step(&self) -> Step {
        match self {
            StepForm::Verify { .. } => Step::Verify,
            StepForm::AssessInitial { .. } => Step::AssessInitial,
            StepForm::ApplyEmergency { .. } => Step::ApplyEmergency,
            StepForm::AssessSpecific { .. } => Step::AssessSpecific,
            StepForm::DraftPlan { .. } => Step::DraftPlan,
            StepForm::ReturnPlan { .. } => Step::ReturnPlan,
            StepForm::ApprovePlan { .. } => Step::ApprovePlan,
            StepForm::StartPlan { .. } => Step::StartPlan,
            StepForm::Review { .. } => Step::Review,
            StepForm::Close { .. } => Step::Close,
            StepForm::Reopen { .. } => Step::Reopen,
        }
    }
}

coded!(
    Step,
    STEPS,
    [
        (Verify, "verify", "Kiểm tra, xác minh (Mẫu 01)"),
        (
            AssessInitial,
            "assess_initial",
            "Đánh giá nguy cơ ban đầu (Mẫu 02)"
        ),
        (
            ApplyEmergency,
            "apply_emergency",
            "Can thiệp khẩn cấp, tạm thời cách ly (Mẫu 07)"
        ),
        (
            AssessSpecific,
            "assess_specific",
            "Đánh giá cụ thể, họp xác định nhu cầu (Mẫu 03)"
        ),
        (
            DraftPlan,
            "draft_plan",
            "Xây dựng kế hoạch hỗ trợ, can thiệp (Mẫu 04)"
        ),
        (ReturnPlan, "return_plan", "Trả lại kế hoạch để sửa"),
        (ApprovePlan, "approve_plan", "Phê duyệt kế hoạch (Mẫu 05)"),
        (StartPlan, "start_plan", "Bắt đầu thực hiện kế hoạch"),
        (Review, "review", "Rà soát, đánh giá (Mẫu 06)"),
        (Close, "close", "Kết thúc, đóng hồ sơ"),
        (Reopen, "reopen", "Mở lại hồ sơ"),
    ]
);

/// What the machine needs to know of a case besides its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Facts {
    /// Mẫu 01: the facts were confirmed (None before verification).
    pub confirmed: Option<bool>,
    /// Mẫu 02: serious risk (None before the initial assessment).
    pub serious_risk: Option<bool>,
    /// Mẫu 06: the last review's recommendation.
    pub recommendation: Option<Recommendation>,
}

/// A refused step: what is wrong, in Vietnamese, for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The state machine (BRIEF §3, Decree 56 Arts. 25–30): from `stage` with `facts`, may
/// `actor` take `step`, and where does the case go? Every refusal says why.
pub fn next(stage: Stage, facts: &Facts, step: Step, actor: Actor) -> Result<Stage, Refused> {
    use Stage::*;
    let who = step_actor(step);
    let allowed = match who {
        Who::Worker => actor == Actor::Worker,
        Who::Chairman => actor == Actor::Chairman,
        Who::Either => actor != Actor::Other,
    };
    if !allowed {
        return Err(Refused(format!(
            "Bước «{}» do {} thực hiện.",
            step.label_vi(),
            who.label_vi()
        )));
    }
    let wrong = |needs: &str| {
        Err(Refused(format!(
            "Không thể thực hiện bước «{}»: hồ sơ đang ở bước «{}»; {needs}.",
            step.label_vi(),
            stage.label_vi()
        )))
    };
    match (step, stage) {
        (Step::Verify, Reported) => Ok(Verified),
        (Step::Verify, _) => wrong("thông tin đã được xác minh"),
        (Step::AssessInitial, Verified) => match facts.confirmed {
            Some(true) => Ok(InitialAssessed),
            _ => wrong(
                "xác minh không khẳng định thông tin, chỉ có thể kết thúc hồ sơ vì không có căn cứ",
            ),
        },
        (Step::AssessInitial, Reported) => wrong("cần kiểm tra, xác minh thông tin trước"),
        (Step::AssessInitial, _) => wrong("đã đánh giá nguy cơ ban đầu"),
        (Step::ApplyEmergency, InitialAssessed) => match facts.serious_risk {
            Some(true) => Ok(EmergencyApplied),
            _ => wrong("biện pháp khẩn cấp chỉ áp dụng khi đánh giá ban đầu xác định nguy cơ cao"),
        },
        (Step::ApplyEmergency, Reported | Verified) => wrong("cần đánh giá nguy cơ ban đầu trước"),
        (Step::ApplyEmergency, _) => wrong("giai đoạn khẩn cấp đã qua"),
        (Step::AssessSpecific, EmergencyApplied) => Ok(SpecificAssessed),
        (Step::AssessSpecific, InitialAssessed) => match facts.serious_risk {
            Some(false) => Ok(SpecificAssessed),
            _ => wrong("nguy cơ cao: phải áp dụng biện pháp can thiệp khẩn cấp trong 12 giờ trước"),
        },
        (Step::AssessSpecific, Reported | Verified) => wrong("cần đánh giá nguy cơ ban đầu trước"),
        (Step::AssessSpecific, _) => wrong("đã đánh giá cụ thể"),
        (Step::DraftPlan, SpecificAssessed) => Ok(PlanDrafted),
        (Step::DraftPlan, Reviewed) => match facts.recommendation {
            Some(Recommendation::NewPlan) => Ok(PlanDrafted),
            _ => wrong("kết quả rà soát đề nghị kết thúc, không phải xây dựng kế hoạch mới"),
        },
        (Step::DraftPlan, PlanDrafted) => wrong("kế hoạch đang chờ phê duyệt"),
        (Step::DraftPlan, PlanApproved | InProgress) => {
            wrong("kế hoạch đang thực hiện; cần rà soát trước khi lập kế hoạch mới")
        }
        (Step::DraftPlan, _) => wrong("cần đánh giá cụ thể và họp xác định nhu cầu trước"),
        (Step::ReturnPlan | Step::ApprovePlan, PlanDrafted) => Ok(if step == Step::ApprovePlan {
            PlanApproved
        } else {
            SpecificAssessed
        }),
        (Step::ReturnPlan | Step::ApprovePlan, _) => wrong("chưa có kế hoạch chờ phê duyệt"),
        (Step::StartPlan, PlanApproved) => Ok(InProgress),
        (Step::StartPlan, _) => wrong("chỉ kế hoạch đã phê duyệt mới được triển khai"),
        (Step::Review, InProgress) => Ok(Reviewed),
        (Step::Review, _) => wrong("chỉ rà soát khi kế hoạch đang được thực hiện"),
        (Step::Close, Closed) => wrong("hồ sơ đã kết thúc"),
        (Step::Close, _) => Ok(Closed),
        (Step::Reopen, Closed) => Ok(Verified),
        (Step::Reopen, _) => wrong("chỉ mở lại hồ sơ đã kết thúc"),
    }
}

/// Closing needs a reason that fits the stage: "safe and stable" only after a review that
/// recommends it (Decree 56 Art. 30), "unfounded" only after a verification that did not
/// confirm the facts; moving away, turning 16 and death at any open stage.
pub fn check_close(stage: Stage, facts: &Facts, reason: CloseReason) -> Result<(), Refused> {
    match reason {
        CloseReason::SafeAndStable
            if !(stage == Stage::Reviewed
                && facts.recommendation == Some(Recommendation::Close)) =>
        {
            Err(Refused(
                "Chỉ kết thúc vì trẻ an toàn, ổn định sau khi rà soát, đánh giá (Mẫu 06) đề nghị kết thúc (Điều 30 Nghị định 56/2017/NĐ-CP)."
                    .into(),
            ))
        }
        CloseReason::Unfounded if !(stage == Stage::Verified && facts.confirmed == Some(false)) => {
            Err(Refused(
                "Chỉ kết thúc vì không có căn cứ khi kết quả xác minh không khẳng định thông tin."
                    .into(),
            ))
        }
        _ => Ok(()),
    }
}

/// The whole check of a step: the machine, then the close reason.
pub fn apply(
    stage: Stage,
    facts: &Facts,
    form: &StepForm,
    actor: Actor,
) -> Result<(Stage, Facts), Refused> {
    let to = next(stage, facts, form.step(), actor)?;
    let mut f = *facts;
    match form {
        StepForm::Verify { confirmed, .. } => f.confirmed = Some(*confirmed),
        StepForm::AssessInitial { serious_risk, .. } => f.serious_risk = Some(*serious_risk),
        StepForm::Review { recommendation, .. } => f.recommendation = Some(*recommendation),
        StepForm::DraftPlan { .. } => f.recommendation = None,
        StepForm::Close { reason, .. } => {
            let r = CloseReason::parse(reason)
                .ok_or_else(|| Refused("Chọn lý do kết thúc hồ sơ.".into()))?;
            check_close(stage, facts, r)?;
        }
        StepForm::Reopen { .. } => {
            // A new cycle: the risk is assessed again.
            f.serious_risk = None;
            f.recommendation = None;
        }
        _ => {}
    }
    Ok((to, f))
}

enum Who {
    Worker,
    Chairman,
    Either,
}

impl Who {
    fn label_vi(&self) -> &'static str {
        match self {
            Who::Worker => "người làm công tác bảo vệ trẻ em cấp xã được giao hồ sơ",
            Who::Chairman => "Chủ tịch Ủy ban nhân dân cấp xã",
            Who::Either => {
                "người làm công tác bảo vệ trẻ em được giao hồ sơ hoặc Chủ tịch Ủy ban nhân dân cấp xã"
            }
        }
    }
}

/// Who takes each step (Decree 56 Arts. 25–30): the chairman approves, returns and ends
/// plans; the worker does the rest; emergency measures and reopening by either.
fn step_actor(step: Step) -> Who {
    match step {
        Step::ApprovePlan | Step::ReturnPlan | Step::Close => Who::Chairman,
        Step::ApplyEmergency | Step::Reopen => Who::Either,
        _ => Who::Worker,
    }
}

/// The steps `actor` may take now (for the page's buttons).
pub fn possible_steps(stage: Stage, facts: &Facts, actor: Actor) -> Vec<Step> {
    STEPS
        .iter()
        .copied()
        .filter(|s| next(stage, facts, *s, actor).is_ok())
        .filter(|s| {
            *s != Step::Close
                || CLOSE_REASONS
                    .iter()
                    .any(|r| check_close(stage, facts, *r).is_ok())
        })
        .collect()
}

/// A step's form as typed: every field a string, as an HTML form posts them (checkboxes
/// "1" when ticked; several measures as repeated fields).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawStep {
    pub step: String,
    pub confirmed: String,
    pub findings: String,
    pub serious_risk: String,
    pub harm_level: String,
    pub immediate_needs: String,
    pub measures: Vec<String>,
    pub separated: String,
    pub place: String,
    pub note: String,
    pub child_state: String,
    pub family_situation: String,
    pub protective_capacity: String,
    pub risk_factors: String,
    pub needs: String,
    pub meeting_on: String,
    pub participants: String,
    pub child_participated: String,
    pub goals: String,
    pub review_on: String,
    /// Plan rows: parallel lists, one entry per measure row of the plan form.
    pub m_measure: Vec<String>,
    pub m_activity: Vec<String>,
    pub m_responsible: Vec<String>,
    pub m_place: Vec<String>,
    pub m_start: Vec<String>,
    pub m_end: Vec<String>,
    pub m_resources: Vec<String>,
    pub comment: String,
    pub decision_no: String,
    pub decided_on: String,
    pub harm_now: String,
    pub abuser_access: String,
    pub obstacles: String,
    pub self_protection: String,
    pub recovery: String,
    pub recommendation: String,
    pub summary: String,
    pub reason: String,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

fn yes(s: &str) -> Option<bool> {
    match crate::text::fold(s).as_str() {
        "1" | "true" | "co" | "yes" | "on" => Some(true),
        "0" | "false" | "khong" | "no" => Some(false),
        _ => None,
    }
}

/// Check a typed step form and build its structured content. `today` bounds the dates.
pub fn check_step(raw: &RawStep, today: Date) -> Result<StepForm, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = |s: &str| crate::text::clean(s);
    fn required(errors: &mut Vec<FieldError>, field: &'static str, v: &str, what: &str) -> String {
        let v = crate::text::clean(v);
        if v.is_empty() {
            errors.push(err(field, format!("Cần nhập {what}")));
        }
        v
    }
    let Some(step) = Step::parse(&raw.step) else {
        return Err(vec![err("step", "Bước xử lý không hợp lệ")]);
    };
    let form = match step {
        Step::Verify => {
            let findings = required(
                &mut errors,
                "findings",
                &raw.findings,
                "kết quả kiểm tra, xác minh",
            );
            let confirmed = yes(&raw.confirmed);
            if confirmed.is_none() {
                errors.push(err(
                    "confirmed",
                    "Chọn thông tin có được khẳng định hay không",
                ));
            }
            StepForm::Verify {
                confirmed: confirmed.unwrap_or(false),
                findings,
            }
        }
        Step::AssessInitial => {
            let findings = required(
                &mut errors,
                "findings",
                &raw.findings,
                "nhận định về nguy cơ, tổn hại",
            );
            let serious = yes(&raw.serious_risk);
            if serious.is_none() {
                errors.push(err(
                    "serious_risk",
                    "Chọn có nguy cơ cao (đe dọa tính mạng, sức khỏe, nhân phẩm) hay không",
                ));
            }
            let level = Level::parse(&raw.harm_level);
            if level.is_none() {
                errors.push(err("harm_level", "Chọn mức độ tổn hại"));
            }
            StepForm::AssessInitial {
                serious_risk: serious.unwrap_or(false),
                harm_level: level.map(|l| l.as_str().to_owned()).unwrap_or_default(),
                findings,
                immediate_needs: text(&raw.immediate_needs),
            }
        }
        Step::ApplyEmergency => {
            let measures: Vec<String> = raw
                .measures
                .iter()
                .filter(|m| !m.trim().is_empty())
                .map(|m| Measure::parse(m).map(|m| m.as_str().to_owned()))
                .collect::<Option<_>>()
                .unwrap_or_else(|| {
                    errors.push(err("measures", "Biện pháp khẩn cấp không hợp lệ"));
                    Vec::new()
                });
            if measures.is_empty() && !errors.iter().any(|e| e.field == "measures") {
                errors.push(err("measures", "Chọn ít nhất một biện pháp khẩn cấp"));
            }
            StepForm::ApplyEmergency {
                measures,
                separated: yes(&raw.separated).unwrap_or(false),
                place: text(&raw.place),
                note: text(&raw.note),
            }
        }
        Step::AssessSpecific => {
            let child_state = required(
                &mut errors,
                "child_state",
                &raw.child_state,
                "tình trạng thể chất, tâm lý, tình cảm của trẻ",
            );
            let family_situation = required(
                &mut errors,
                "family_situation",
                &raw.family_situation,
                "hoàn cảnh gia đình",
            );
            let needs = required(&mut errors, "needs", &raw.needs, "nhu cầu của trẻ");
            let capacity = Level::parse(&raw.protective_capacity);
            if capacity.is_none() {
                errors.push(err(
                    "protective_capacity",
                    "Chọn khả năng bảo vệ trẻ của cha mẹ, người chăm sóc",
                ));
            }
            let meeting_on = dated(&mut errors, "meeting_on", &raw.meeting_on, today, true)
                .map(|d| d.to_string())
                .unwrap_or_default();
            StepForm::AssessSpecific {
                child_state,
                family_situation,
                protective_capacity: capacity.map(|l| l.as_str().to_owned()).unwrap_or_default(),
                risk_factors: text(&raw.risk_factors),
                needs,
                meeting_on,
                participants: text(&raw.participants),
                child_participated: yes(&raw.child_participated).unwrap_or(false),
            }
        }
        Step::DraftPlan => {
            let goals = required(&mut errors, "goals", &raw.goals, "mục tiêu của kế hoạch");
            let review_on = match parse_date(raw.review_on.trim()) {
                Some(d) if d > today => d.to_string(),
                Some(_) => {
                    errors.push(err("review_on", "Ngày rà soát phải sau hôm nay"));
                    String::new()
                }
                None => {
                    errors.push(err(
                        "review_on",
                        "Ngày rà soát không hợp lệ (dạng dd/mm/yyyy)",
                    ));
                    String::new()
                }
            };
            let at = |v: &Vec<String>, i: usize| v.get(i).map(|s| text(s)).unwrap_or_default();
            let mut measures = Vec::new();
            for i in 0..raw.m_measure.len() {
                let code = at(&raw.m_measure, i);
                let activity = at(&raw.m_activity, i);
                if code.is_empty() && activity.is_empty() {
                    continue;
                }
                let row = i + 1;
                let Some(m) = Measure::parse(&code) else {
                    errors.push(err("m_measure", format!("Dòng {row}: chọn biện pháp")));
                    continue;
                };
                let responsible = at(&raw.m_responsible, i);
                if responsible.is_empty() {
                    errors.push(err(
                        "m_responsible",
                        format!("Dòng {row}: cần ghi cơ quan, người chịu trách nhiệm"),
                    ));
                }
                let start = parse_date(at(&raw.m_start, i).as_str());
                let end = parse_date(at(&raw.m_end, i).as_str());
                match (start, end) {
                    (Some(s), Some(e)) if e < s => errors.push(err(
                        "m_end",
                        format!("Dòng {row}: ngày kết thúc trước ngày bắt đầu"),
                    )),
                    (Some(_), Some(_)) => {}
                    _ => errors.push(err(
                        "m_start",
                        format!("Dòng {row}: cần ngày bắt đầu và kết thúc (dạng dd/mm/yyyy)"),
                    )),
                }
                measures.push(PlanMeasure {
                    measure: m.as_str().to_owned(),
                    activity,
                    responsible,
                    place: at(&raw.m_place, i),
                    start: start.map(|d| d.to_string()).unwrap_or_default(),
                    end: end.map(|d| d.to_string()).unwrap_or_default(),
                    resources: at(&raw.m_resources, i),
                });
            }
            if measures.is_empty() && !errors.iter().any(|e| e.field.starts_with("m_")) {
                errors.push(err("m_measure", "Kế hoạch cần ít nhất một biện pháp"));
            }
            StepForm::DraftPlan {
                goals,
                review_on,
                measures,
            }
        }
        Step::ReturnPlan => StepForm::ReturnPlan {
            comment: required(
                &mut errors,
                "comment",
                &raw.comment,
                "ý kiến để sửa kế hoạch",
            ),
        },
        Step::ApprovePlan => {
            let decision_no = required(
                &mut errors,
                "decision_no",
                &raw.decision_no,
                "số quyết định",
            );
            let decided_on = dated(&mut errors, "decided_on", &raw.decided_on, today, true)
                .map(|d| d.to_string())
                .unwrap_or_default();
            StepForm::ApprovePlan {
                decision_no,
                decided_on,
            }
        }
        Step::StartPlan => StepForm::StartPlan {
            note: text(&raw.note),
        },
        Step::Review => {
            let mut rated = |field: &'static str, v: &str, what: &str| -> String {
                match Level::parse(v) {
                    Some(l) => l.as_str().to_owned(),
                    None => {
                        errors.push(err(field, format!("Chọn mức {what}")));
                        String::new()
                    }
                }
            };
            let harm_now = rated("harm_now", &raw.harm_now, "tổn hại hiện tại");
            let abuser_access = rated(
                "abuser_access",
                &raw.abuser_access,
                "khả năng tiếp cận của người gây tổn hại",
            );
            let obstacles = rated("obstacles", &raw.obstacles, "trở ngại");
            let self_protection = rated(
                "self_protection",
                &raw.self_protection,
                "khả năng tự bảo vệ",
            );
            let recovery = rated("recovery", &raw.recovery, "phục hồi");
            let recommendation = match raw.recommendation.trim() {
                "close" => Some(Recommendation::Close),
                "new_plan" => Some(Recommendation::NewPlan),
                _ => None,
            };
            if recommendation.is_none() {
                errors.push(err(
                    "recommendation",
                    "Chọn đề nghị: kết thúc kế hoạch hoặc xây dựng kế hoạch mới",
                ));
            }
            StepForm::Review {
                harm_now,
                abuser_access,
                obstacles,
                self_protection,
                recovery,
                recommendation: recommendation.unwrap_or(Recommendation::NewPlan),
                summary: required(&mut errors, "summary", &raw.summary, "kết quả rà soát"),
            }
        }
        Step::Close => {
            let reason = CloseReason::parse(&raw.reason);
            if reason.is_none() {
                errors.push(err("reason", "Chọn lý do kết thúc hồ sơ"));
            }
            StepForm::Close {
                reason: reason.map(|r| r.as_str().to_owned()).unwrap_or_default(),
                note: text(&raw.note),
            }
        }
        Step::Reopen => StepForm::Reopen {
            reason: required(&mut errors, "reason", &raw.reason, "lý do mở lại hồ sơ"),
        },
    };
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(errors)
    }
}

fn dated(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    v: &str,
    today: Date,
    not_future: bool,
) -> Option<Date> {
    match parse_date(v.trim()) {
        Some(d) if not_future && d > today => {
            errors.push(err(field, "Ngày ở tương lai"));
            None
        }
        Some(d) => Some(d),
        None => {
            errors.push(err(field, "Ngày không hợp lệ (dạng dd/mm/yyyy)"));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------
// Intake (tiếp nhận thông tin, Decree 56 Art. 25).

/// A child of an intake as typed: a registry child's id, or a name (possibly empty: "not
/// yet identified") with sex and approximate age.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RawCaseChild {
    pub child_id: String,
    pub name: String,
    pub sex: String,
    pub age_years: String,
}

/// An intake as typed (form, API). `received_at`: `dd/mm/yyyy hh:mm` or
/// `yyyy-mm-ddThh:mm` in Vietnam time; empty means now.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawIntake {
    pub received_at: String,
    pub channel: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_note: String,
    pub place: String,
    pub harms: Vec<String>,
    pub description: String,
    pub perpetrator: String,
    pub children: Vec<RawCaseChild>,
}

/// A child of a case: on the register, or described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CaseChild {
    Registered(i64),
    /// Not on the register (or not yet identified when `name` is empty).
    Described {
        name: String,
        sex: Option<&'static str>,
        age_years: Option<i32>,
    },
}

/// A checked intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    pub received_at: OffsetDateTime,
    pub channel: Channel,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_note: String,
    pub place: String,
    pub harms: Vec<Harm>,
    pub description: String,
    pub perpetrator: Perpetrator,
    pub children: Vec<CaseChild>,
}

/// Parse `dd/mm/yyyy hh:mm` or `yyyy-mm-ddThh:mm` (Vietnam time).
pub fn parse_local_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    let (d, t) = s.split_once(['T', ' '])?;
    let date = parse_date(d.trim())?;
    let (h, m) = t.trim().split_once(':')?;
    let m = m.get(..2).unwrap_or(m);
    let time = time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?;
    Some(
        date.with_time(time)
            .assume_offset(VN)
            .to_offset(UtcOffset::UTC),
    )
}

/// Check an intake against `now`: the receipt time is not in the future (a few minutes of
/// clock drift allowed) nor more than a year ago; channel, at least one form of harm, a
/// description and at least one child (possibly not yet identified).
pub fn check_intake(raw: &RawIntake, now: OffsetDateTime) -> Result<Intake, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = |s: &str| crate::text::clean(s);
    let received_at = if raw.received_at.trim().is_empty() {
        Some(now)
    } else {
        match parse_local_time(&raw.received_at) {
            Some(t) if t > now + Duration::minutes(5) => {
                errors.push(err("received_at", "Thời điểm nhận thông tin ở tương lai"));
                None
            }
            Some(t) if t < now - Duration::days(366) => {
                errors.push(err(
                    "received_at",
                    "Thời điểm nhận thông tin quá một năm trước",
                ));
                None
            }
            Some(t) => Some(t),
            None => {
                errors.push(err(
                    "received_at",
                    "Thời điểm nhận thông tin không hợp lệ (dạng dd/mm/yyyy hh:mm)",
                ));
                None
            }
        }
    };
    let channel = Channel::parse(&raw.channel);
    if channel.is_none() {
        errors.push(err("channel", "Chọn nguồn tin"));
    }
    let mut harms = Vec::new();
    for h in raw.harms.iter().filter(|h| !h.trim().is_empty()) {
        match Harm::parse(h) {
            Some(h) if !harms.contains(&h) => harms.push(h),
            Some(_) => {}
            None => errors.push(err("harms", format!("Hình thức xâm hại không hợp lệ: {h}"))),
        }
    }
    if harms.is_empty() && !errors.iter().any(|e| e.field == "harms") {
        errors.push(err(
            "harms",
            "Chọn ít nhất một hình thức xâm hại hoặc nguy cơ",
        ));
    }
    let description = text(&raw.description);
    if description.is_empty() {
        errors.push(err("description", "Cần mô tả sự việc"));
    }
    let perpetrator = if raw.perpetrator.trim().is_empty() {
        Some(Perpetrator::Unknown)
    } else {
        Perpetrator::parse(&raw.perpetrator)
    };
    if perpetrator.is_none() {
        errors.push(err(
            "perpetrator",
            "Quan hệ của người gây tổn hại không hợp lệ",
        ));
    }
    let mut children = Vec::new();
    for (i, c) in raw.children.iter().enumerate() {
        let row = i + 1;
        let id = c.child_id.trim();
        if !id.is_empty() {
            match id.parse::<i64>() {
                Ok(id) if id > 0 => children.push(CaseChild::Registered(id)),
                _ => errors.push(err("children", format!("Trẻ {row}: mã trẻ không hợp lệ"))),
            }
            continue;
        }
        let name = text(&c.name);
        let sex = crate::registry::parse_sex(&c.sex);
        if !c.sex.trim().is_empty() && sex.is_none() {
            errors.push(err(
                "children",
                format!("Trẻ {row}: giới tính không hợp lệ"),
            ));
        }
        let age = c.age_years.trim();
        let age_years = if age.is_empty() {
            None
        } else {
            match age.parse::<i32>() {
                Ok(a) if (0..18).contains(&a) => Some(a),
                _ => {
                    errors.push(err("children", format!("Trẻ {row}: tuổi phải từ 0 đến 17")));
                    None
                }
            }
        };
        if name.is_empty() && sex.is_none() && age_years.is_none() && raw.children.len() > 1 {
            // An empty extra row of the form.
            continue;
        }
        children.push(CaseChild::Described {
            name,
            sex,
            age_years,
        });
    }
    if children.is_empty() {
        children.push(CaseChild::Described {
            name: String::new(),
            sex: None,
            age_years: None,
        });
    }
    match (received_at, channel, perpetrator) {
        (Some(received_at), Some(channel), Some(perpetrator)) if errors.is_empty() => Ok(Intake {
            received_at,
            channel,
            reporter_name: text(&raw.reporter_name),
            reporter_phone: text(&raw.reporter_phone),
            reporter_note: text(&raw.reporter_note),
            place: text(&raw.place),
            harms,
            description,
            perpetrator,
            children,
        }),
        _ => Err(errors),
    }
}

// ---------------------------------------------------------------------------------------
// Confidentiality.

/// What of one case a user may see (issue "Case management" §6; PDP Law: least
/// privilege). Ordered: each level includes the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Not found.
    None,
    /// Code, stage, dates and the next deadline: the school or police that reported it,
    /// other officers of the commune.
    Status,
    /// Everything but the reporter: supervisors in the chain (province officers).
    Content,
    /// Also who reported it: the assigned worker and the commune chairman.
    Reporter,
}

/// Who may see what of a case located at `path`, assigned to `assigned_to`, reported by
/// `reported_by`.
pub fn access(
    p: &crate::access::Principal,
    path: &crate::units::UnitPath,
    assigned_to: Option<i64>,
    reported_by: i64,
) -> Visibility {
    use crate::access::Role;
    if !p.may(crate::access::Action::ViewCases) {
        return Visibility::None;
    }
    let in_scope = p.scope().contains(path);
    let by_role = match p.role {
        Role::CommuneChairman if in_scope => Visibility::Reporter,
        Role::CommuneOfficer if in_scope && assigned_to == Some(p.user_id) => Visibility::Reporter,
        Role::CommuneOfficer if in_scope => Visibility::Status,
        Role::ProvinceOfficer if in_scope => Visibility::Content,
        _ => Visibility::None,
    };
    if reported_by == p.user_id {
        by_role.max(Visibility::Status)
    } else {
        by_role
    }
}

/// How the machine sees `p` on this case.
pub fn actor_of(
    p: &crate::access::Principal,
    path: &crate::units::UnitPath,
    assigned_to: Option<i64>,
) -> Actor {
    use crate::access::Role;
    let in_scope = p.scope().contains(path);
    match p.role {
        Role::CommuneChairman if in_scope => Actor::Chairman,
        Role::CommuneOfficer if in_scope && assigned_to == Some(p.user_id) => Actor::Worker,
        _ => Actor::Other,
    }
}

// ---------------------------------------------------------------------------------------
// Time limits.

/// Vietnam's time zone: calendar days and working days are counted in it.
pub const VN: UtcOffset = time::macros::offset!(+7);

/// One configurable time limit, with its legal source. Local procedures shorten them (a
/// Hà Nội ward: 12 h → 8 h), so they are data an administrator edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub key: &'static str,
    pub label: &'static str,
    /// Hours (calendar) or working days, per `unit`.
    pub value: u32,
    pub unit: LimitUnit,
    pub source: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    Hours,
    WorkingDays,
}

impl LimitUnit {
    pub fn label_vi(self) -> &'static str {
        match self {
            LimitUnit::Hours => "giờ",
            LimitUnit::WorkingDays => "ngày làm việc",
        }
    }
}

/// The time limits in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// From receipt of the information to the initial assessment.
    pub initial_hours: u32,
    /// From receipt to emergency measures when the risk is serious.
    pub emergency_hours: u32,
    /// From receipt to the draft plan.
    pub plan_working_days: u32,
    /// From the draft to the chairman's decision.
    pub approval_working_days: u32,
    /// Hours before a deadline from which a case is "near".
    pub near_hours: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            initial_hours: 12,
            emergency_hours: 12,
            plan_working_days: 5,
            approval_working_days: 2,
            near_hours: 24,
        }
    }
}

impl Limits {
    /// Every limit with its label and source, for the settings page and the API.
    pub fn describe(&self) -> Vec<Limit> {
        vec![
            Limit {
                key: "initial_hours",
                label: "Đánh giá nguy cơ ban đầu, kể từ khi nhận thông tin",
                value: self.initial_hours,
                unit: LimitUnit::Hours,
                source: "Nghị định 56/2017/NĐ-CP Điều 26: chuyển ngay cho UBND cấp xã đánh giá; biện pháp khẩn cấp trong 12 giờ nên đánh giá phải xong trước đó",
            },
            Limit {
                key: "emergency_hours",
                label: "Can thiệp khẩn cấp, tạm thời cách ly khi nguy cơ cao, kể từ khi nhận thông tin",
                value: self.emergency_hours,
                unit: LimitUnit::Hours,
                source: "Nghị định 56/2017/NĐ-CP Điều 26 khoản 3 (12 giờ)",
            },
            Limit {
                key: "plan_working_days",
                label: "Xây dựng kế hoạch hỗ trợ, can thiệp, kể từ ngày nhận thông tin",
                value: self.plan_working_days,
                unit: LimitUnit::WorkingDays,
                source: "Nghị định 56/2017/NĐ-CP Điều 28 khoản 1 (05 ngày làm việc)",
            },
            Limit {
                key: "approval_working_days",
                label: "Phê duyệt kế hoạch, kể từ khi trình",
                value: self.approval_working_days,
                unit: LimitUnit::WorkingDays,
                source: "Thủ tục hành chính 1.004946: tổng 07 ngày làm việc, tức khoảng 02 ngày sau 05 ngày xây dựng kế hoạch (chưa xác minh)",
            },
            Limit {
                key: "near_hours",
                label: "Báo sắp đến hạn trước",
                value: self.near_hours,
                unit: LimitUnit::Hours,
                source: "Cấu hình của Măng",
            },
        ]
    }

    /// Set one limit by key; false for an unknown key or a zero value.
    pub fn set(&mut self, key: &str, value: u32) -> bool {
        if value == 0 {
            return false;
        }
        let slot = match key {
            "initial_hours" => &mut self.initial_hours,
            "emergency_hours" => &mut self.emergency_hours,
            "plan_working_days" => &mut self.plan_working_days,
            "approval_working_days" => &mut self.approval_working_days,
            "near_hours" => &mut self.near_hours,
            _ => return false,
        };
        *slot = value;
        true
    }
}

coded!(
    DeadlineKind,
    DEADLINE_KINDS,
    [
        (
            InitialAssessment,
            "initial_assessment",
            "Đánh giá nguy cơ ban đầu"
        ),
        (Emergency, "emergency", "Can thiệp khẩn cấp (nguy cơ cao)"),
        (PlanDraft, "plan_draft", "Xây dựng kế hoạch"),
        (PlanApproval, "plan_approval", "Phê duyệt kế hoạch"),
        (PlanReview, "plan_review", "Rà soát, đánh giá theo kế hoạch"),
    ]
);

/// The timestamps a case's deadlines are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub stage: Stage,
    pub facts: Facts,
    /// When the information was received (or the case reopened): the legal clock.
    pub started: OffsetDateTime,
    /// When the current plan was submitted for approval.
    pub plan_drafted: Option<OffsetDateTime>,
    /// The review date the approved plan sets.
    pub review_on: Option<Date>,
}

/// A deadline of an open case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub due: OffsetDateTime,
}

coded!(
    Urgency,
    URGENCIES,
    [
        (OnTime, "on_time", "Trong hạn"),
        (Near, "near", "Sắp đến hạn"),
        (Overdue, "overdue", "Quá hạn"),
    ]
);

impl Deadline {
    /// "26/11/2026 14:26", or "hết ngày 16/11/2026" for a deadline at local midnight (the
    /// end of a working day or of the review day).
    pub fn due_vi(&self) -> String {
        let local = self.due.to_offset(VN);
        if local.time() == time::Time::MIDNIGHT {
            let day = local.date().previous_day().unwrap_or(local.date());
            format!("hết ngày {}", crate::vi::date(day))
        } else {
            format!(
                "{} {:02}:{:02}",
                crate::vi::date(local.date()),
                local.hour(),
                local.minute()
            )
        }
    }

    pub fn urgency(&self, now: OffsetDateTime, limits: &Limits) -> Urgency {
        if now > self.due {
            Urgency::Overdue
        } else if self.due - now <= Duration::hours(i64::from(limits.near_hours)) {
            Urgency::Near
        } else {
            Urgency::OnTime
        }
    }

    /// "còn 3 giờ 20 phút", "quá hạn 2 ngày 4 giờ".
    pub fn left_vi(&self, now: OffsetDateTime) -> String {
        let d = self.due - now;
        let (over, d) = if d.is_negative() {
            (true, -d)
        } else {
            (false, d)
        };
        let mins = d.whole_minutes();
        let (days, hours, minutes) = (mins / 1440, (mins % 1440) / 60, mins % 60);
        let text = if days > 0 {
            format!("{days} ngày {hours} giờ")
        } else if hours > 0 {
            format!("{hours} giờ {minutes} phút")
        } else {
            format!("{minutes} phút")
        };
        if over {
            format!("quá hạn {text}")
        } else {
            format!("còn {text}")
        }
    }
}

fn end_of_working_days(cal: &WorkCalendar, from: OffsetDateTime, n: u32) -> OffsetDateTime {
    cal.deadline_after_working_days(from, n, VN)
}

/// The next deadline of a case, if any (BRIEF §3): the initial assessment and, when the
/// risk is serious, emergency measures within hours of receipt; the plan within working
/// days of receipt; the approval within working days of the draft; the review on the
/// date the plan sets. A closed case has none.
pub fn next_deadline(c: &Clock, cal: &WorkCalendar, limits: &Limits) -> Option<Deadline> {
    use Stage::*;
    let hours = |h: u32| c.started + Duration::hours(i64::from(h));
    let plan = || Deadline {
        kind: DeadlineKind::PlanDraft,
        due: end_of_working_days(cal, c.started, limits.plan_working_days),
    };
    match c.stage {
        Reported | Verified => Some(Deadline {
            kind: DeadlineKind::InitialAssessment,
            due: hours(limits.initial_hours),
        }),
        InitialAssessed if c.facts.serious_risk == Some(true) => Some(Deadline {
            kind: DeadlineKind::Emergency,
            due: hours(limits.emergency_hours),
        }),
        InitialAssessed | EmergencyApplied | SpecificAssessed => Some(plan()),
        PlanDrafted => c.plan_drafted.map(|at| Deadline {
            kind: DeadlineKind::PlanApproval,
            due: end_of_working_days(cal, at, limits.approval_working_days),
        }),
        PlanApproved | InProgress => c.review_on.map(|d| Deadline {
            kind: DeadlineKind::PlanReview,
            // The end of the review day, local time.
            due: d
                .next_day()
                .unwrap_or(d)
                .midnight()
                .assume_offset(VN)
                .to_offset(time::UtcOffset::UTC),
        }),
        Reviewed | Closed => None,
    }
}

/// A step taken, as the timeline stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Taken {
    pub step: Step,
    pub at: OffsetDateTime,
    pub form: StepForm,
}

/// Indicator 31's input: was every time limit of the first cycle kept, as of `now`?
/// Each limit counts once its deadline has arrived (a step not yet taken whose deadline
/// has not passed is still in time): the initial assessment, emergency measures when
/// the risk was serious, the plan draft and its approval. `received`: the receipt.
pub fn handled_in_time(
    received: OffsetDateTime,
    steps: &[Taken],
    now: OffsetDateTime,
    cal: &WorkCalendar,
    limits: &Limits,
) -> bool {
    let first = |s: Step| steps.iter().find(|t| t.step == s);
    let kept = |done: Option<&Taken>, due: OffsetDateTime| match done {
        Some(t) => t.at <= due,
        None => now <= due,
    };
    let closed_early = steps.iter().find(|t| t.step == Step::Close).map(|t| t.at);
    // Limits of steps a closure made unnecessary (unfounded, moved away…) do not count.
    let applies = |due: OffsetDateTime, done: Option<&Taken>| {
        done.is_some() || closed_early.is_none_or(|c| c > due)
    };
    let initial = first(Step::AssessInitial);
    let due = received + Duration::hours(i64::from(limits.initial_hours));
    if applies(due, initial) && !kept(initial, due) {
        return false;
    }
    let serious = initial.is_some_and(|t| {
        matches!(
            t.form,
            StepForm::AssessInitial {
                serious_risk: true,
                ..
            }
        )
    });
    if serious {
        let done = first(Step::ApplyEmergency);
        let due = received + Duration::hours(i64::from(limits.emergency_hours));
        if applies(due, done) && !kept(done, due) {
            return false;
        }
    }
    let unfounded = steps.iter().any(|t| {
        matches!(
            t.form,
            StepForm::Verify {
                confirmed: false,
                ..
            }
        )
    });
    if unfounded {
        return true;
    }
    let draft = first(Step::DraftPlan);
    let due = end_of_working_days(cal, received, limits.plan_working_days);
    if applies(due, draft) && !kept(draft, due) {
        return false;
    }
    if let Some(d) = draft {
        let approved = steps
            .iter()
            .find(|t| t.step == Step::ApprovePlan && t.at >= d.at);
        let due = end_of_working_days(cal, d.at, limits.approval_working_days);
        if applies(due, approved) && !kept(approved, due) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests;
