//! Child-protection cases: intake, the steps of the legal process (checked by
//! `mang_domain::cases`), the plan's measures, referrals and transfers, deadlines, and
//! the national holiday calendar and time limits they use.
//!
//! Who sees what of a case is decided per case by `mang_domain::cases::access`; a case a
//! user may not see is "not found". Every read of a case and every list is audited; every
//! write is one transaction with its audit entry.

use crate::audit::{self, Actor as AuditActor};
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, Tx, now_text, timestamp};
use mang_domain::access::{ManageSettings, Principal, ReportCase, Scoped, ViewCases};
use mang_domain::calendar::{DayKind, SpecialDay, WorkCalendar};
use mang_domain::cases::{
    self as dom, Actor, CaseChild, Clock, Facts, Harm, Limits, Recommendation, Stage, Step,
    StepForm, Taken, Urgency, Visibility,
};
use mang_domain::units::UnitPath;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use time::OffsetDateTime;

// ---------------------------------------------------------------------------------------
// Settings: holidays and limits.

/// Load the shipped holiday list (on the migration that creates the table).
pub(crate) async fn seed_holidays(store: &Store) -> Result<()> {
    let mut tx = store.begin_write().await?;
    for d in
        mang_domain::calendar::parse_csv(mang_domain::calendar::HOLIDAYS_CSV).unwrap_or_default()
    {
        sqlx::query(
            "INSERT INTO holidays (day, kind, name, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (day) DO NOTHING",
        )
        .bind(d.date.to_string())
        .bind(d.kind.as_str())
        .bind(d.name.clone())
        .bind("system:seed")
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The holidays and make-up working days in force, by date.
pub async fn holidays(store: &Store) -> Result<Vec<SpecialDay>> {
    let rows = sqlx::query("SELECT day, kind, name FROM holidays ORDER BY day")
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let day: String = r.get("day");
            let kind: String = r.get("kind");
            Some(SpecialDay {
                date: mang_domain::registry::parse_date(&day)?,
                kind: DayKind::parse(&kind)?,
                name: r.get("name"),
            })
        })
        .collect())
}

pub async fn calendar(store: &Store) -> Result<WorkCalendar> {
    Ok(WorkCalendar::new(&holidays(store).await?))
}

/// The time limits: the law's defaults with the stored overrides.
pub async fn limits(store: &Store) -> Result<Limits> {
    let mut l = Limits::default();
    let rows = sqlx::query("SELECT key, value FROM case_limits")
        .fetch_all(store.pool())
        .await?;
    for r in rows {
        let key: String = r.get("key");
        let value: i64 = r.get("value");
        l.set(&key, u32::try_from(value).unwrap_or(0));
    }
    Ok(l)
}

/// Add or change a holiday / make-up day (dd/mm/yyyy), or remove it (`kind` empty).
/// Open cases' deadlines are recomputed in the same transaction.
pub async fn set_holiday(
    store: &Store,
    scoped: &Scoped<ManageSettings>,
    date: &str,
    kind: &str,
    name: &str,
) -> Result<()> {
    let field = |m: &str| StoreError::Invalid {
        field: "date",
        message: m.into(),
    };
    let d = mang_domain::registry::parse_date(date.trim())
        .ok_or_else(|| field("Ngày không hợp lệ (dạng dd/mm/yyyy)"))?;
    let mut tx = store.begin_write().await?;
    let detail;
    if kind.trim().is_empty() {
        sqlx::query("DELETE FROM holidays WHERE day = $1")
            .bind(d.to_string())
            .execute(&mut *tx)
            .await?;
        detail = serde_json::json!({ "removed": d.to_string() });
    } else {
        let k = DayKind::parse(kind).ok_or(StoreError::Invalid {
            field: "kind",
            message: "Chọn loại ngày: nghỉ lễ, Tết hoặc làm bù".into(),
        })?;
        let name = mang_domain::text::clean(name);
        if name.is_empty() {
            return Err(StoreError::Invalid {
                field: "name",
                message: "Cần nhập tên ngày lễ".into(),
            });
        }
        sqlx::query("DELETE FROM holidays WHERE day = $1")
            .bind(d.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO holidays (day, kind, name, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(d.to_string())
        .bind(k.as_str())
        .bind(name.clone())
        .bind(scoped.actor().username.clone())
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        detail = serde_json::json!({ "day": d.to_string(), "kind": k.as_str(), "name": name });
    }
    audit::append(
        &mut tx,
        &AuditActor::from(scoped.actor()),
        &UnitPath::default(),
        "update",
        "holiday",
        &d.to_string(),
        detail,
    )
    .await?;
    tx.commit().await?;
    refresh_deadlines(store).await
}

/// Change one time limit (hours or working days, > 0).
pub async fn set_limit(
    store: &Store,
    scoped: &Scoped<ManageSettings>,
    key: &str,
    value: &str,
) -> Result<()> {
    let v: u32 = value.trim().parse().unwrap_or(0);
    let mut probe = Limits::default();
    if !probe.set(key, v) {
        return Err(StoreError::Invalid {
            field: "value",
            message: "Thời hạn phải là số nguyên dương".into(),
        });
    }
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM case_limits WHERE key = $1")
        .bind(key.to_owned())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO case_limits (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(key.to_owned())
    .bind(i64::from(v))
    .bind(scoped.actor().username.clone())
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &AuditActor::from(scoped.actor()),
        &UnitPath::default(),
        "update",
        "case_limit",
        key,
        serde_json::json!({ "value": v }),
    )
    .await?;
    tx.commit().await?;
    refresh_deadlines(store).await
}

/// Recompute the stored next deadline of every open case (after a settings change).
pub async fn refresh_deadlines(store: &Store) -> Result<()> {
    let cal = calendar(store).await?;
    let limits = limits(store).await?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE stage <> 'closed'")
        .fetch_all(store.pool())
        .await?;
    let mut tx = store.begin_write().await?;
    for id in ids {
        let rec = load(&mut tx, id).await?;
        write_due(&mut tx, &rec, &cal, &limits).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The stored case.

/// A case row as stored (everything; callers mask by visibility).
#[derive(Debug, Clone)]
struct Rec {
    id: i64,
    code: String,
    path: UnitPath,
    received_at: String,
    started_at: String,
    channel: String,
    reporter_name: String,
    reporter_phone: String,
    reporter_note: String,
    place: String,
    harms: String,
    description: String,
    perpetrator: String,
    stage: Stage,
    facts: Facts,
    plan_no: i64,
    plan_drafted_at: Option<String>,
    review_on: Option<String>,
    next_due: Option<String>,
    next_due_kind: Option<String>,
    assigned_to: Option<i64>,
    assigned_name: Option<String>,
    reported_by: i64,
    closed_reason: Option<String>,
    version: i64,
}

const REC_COLS: &str = "k.id, k.code, k.province_code, k.commune_code, k.village_code, k.received_at, \
    k.started_at, k.channel, k.reporter_name, k.reporter_phone, k.reporter_note, k.place, k.harms, \
    k.description, k.perpetrator, k.stage, k.confirmed, k.serious_risk, k.recommendation, k.plan_no, \
    k.plan_drafted_at, k.review_on, k.next_due, k.next_due_kind, k.assigned_to, \
    u.display_name AS assigned_name, k.reported_by, k.closed_reason, k.version";

fn rec(r: &sqlx::any::AnyRow) -> Rec {
    let flag = |c: &str| r.get::<Option<i64>, _>(c).map(|v| v != 0);
    let stage: String = r.get("stage");
    let rec: Option<String> = r.get("recommendation");
    Rec {
        id: r.get("id"),
        code: r.get("code"),
        path: UnitPath {
            province: r.get("province_code"),
            commune: r.get("commune_code"),
            village: r.get("village_code"),
        },
        received_at: r.get("received_at"),
        started_at: r.get("started_at"),
        channel: r.get("channel"),
        reporter_name: r.get("reporter_name"),
        reporter_phone: r.get("reporter_phone"),
        reporter_note: r.get("reporter_note"),
        place: r.get("place"),
        harms: r.get("harms"),
        description: r.get("description"),
        perpetrator: r.get("perpetrator"),
        stage: Stage::parse(&stage).unwrap_or(Stage::Reported),
        facts: Facts {
            confirmed: flag("confirmed"),
            serious_risk: flag("serious_risk"),
            recommendation: match rec.as_deref() {
                Some("close") => Some(Recommendation::Close),
                Some("new_plan") => Some(Recommendation::NewPlan),
                _ => None,
            },
        },
        plan_no: r.get("plan_no"),
        plan_drafted_at: r.get("plan_drafted_at"),
        review_on: r.get("review_on"),
        next_due: r.get("next_due"),
        next_due_kind: r.get("next_due_kind"),
        assigned_to: r.get("assigned_to"),
        assigned_name: r.get("assigned_name"),
        reported_by: r.get("reported_by"),
        closed_reason: r.get("closed_reason"),
        version: r.get("version"),
    }
}

async fn load(tx: &mut Tx, id: i64) -> Result<Rec> {
    let r = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REC_COLS} FROM cases k LEFT JOIN users u ON u.id = k.assigned_to WHERE k.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(rec(&r))
}

fn parse_ts(s: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

fn clock(r: &Rec) -> Clock {
    Clock {
        stage: r.stage,
        facts: r.facts,
        started: parse_ts(&r.started_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        plan_drafted: r.plan_drafted_at.as_deref().and_then(parse_ts),
        review_on: r
            .review_on
            .as_deref()
            .and_then(mang_domain::registry::parse_date),
    }
}

async fn write_due(tx: &mut Tx, r: &Rec, cal: &WorkCalendar, limits: &Limits) -> Result<()> {
    let d = dom::next_deadline(&clock(r), cal, limits);
    sqlx::query("UPDATE cases SET next_due = $1, next_due_kind = $2 WHERE id = $3")
        .bind(d.map(|d| timestamp(d.due)))
        .bind(d.map(|d| d.kind.as_str().to_owned()))
        .bind(r.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// What callers see.

/// A case in a list or at the top of its page, masked by what the user may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    pub code: String,
    pub commune_code: String,
    pub commune_name: String,
    pub stage: String,
    pub stage_label: String,
    /// UTC, ISO 8601: the legal clock.
    pub received_at: String,
    /// `dd/mm/yyyy hh:mm`, Vietnam time.
    pub received_label: String,
    /// The next deadline (UTC) and what it is for; empty when the case has none.
    pub next_due: Option<String>,
    pub next_due_label: String,
    pub next_due_kind: String,
    /// `on_time`, `near`, `overdue` (empty without a deadline).
    pub urgency: String,
    /// "còn 3 giờ 20 phút", "quá hạn 1 ngày 2 giờ".
    pub time_left: String,
    /// `status`, `content` or `reporter`: what the rest of the record shows.
    pub visibility: String,
    /// Content only: forms of harm (labels) and the children's names.
    pub harms: Vec<String>,
    pub children: Vec<String>,
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
    pub closed_reason: Option<String>,
}

fn summary(
    r: &Rec,
    vis: Visibility,
    commune_name: String,
    now: OffsetDateTime,
    limits: &Limits,
    children: Vec<String>,
) -> CaseSummary {
    let due = r.next_due.as_deref().and_then(parse_ts);
    let kind = r
        .next_due_kind
        .as_deref()
        .and_then(dom::DeadlineKind::parse);
    let deadline = due.zip(kind).map(|(due, kind)| dom::Deadline { kind, due });
    let content = vis >= Visibility::Content;
    CaseSummary {
        id: r.id,
        code: r.code.clone(),
        commune_code: r.path.commune.clone().unwrap_or_default(),
        commune_name,
        stage: r.stage.as_str().into(),
        stage_label: r.stage.label_vi().into(),
        received_label: mang_domain::vi::timestamp(&r.received_at),
        received_at: r.received_at.clone(),
        next_due: r.next_due.clone(),
        next_due_label: deadline.map(|d| d.due_vi()).unwrap_or_default(),
        next_due_kind: kind.map(|k| k.label_vi().to_owned()).unwrap_or_default(),
        urgency: deadline
            .map(|d| d.urgency(now, limits).as_str().to_owned())
            .unwrap_or_default(),
        time_left: deadline.map(|d| d.left_vi(now)).unwrap_or_default(),
        visibility: match vis {
            Visibility::Reporter => "reporter",
            Visibility::Content => "content",
            _ => "status",
        }
        .into(),
        harms: if content {
            r.harms
                .split(',')
                .filter_map(Harm::parse)
                .map(|h| h.label_vi().to_owned())
                .collect()
        } else {
            Vec::new()
        },
        children: if content { children } else { Vec::new() },
        assigned_to: r.assigned_to,
        assigned_name: r.assigned_name.clone(),
        closed_reason: r
            .closed_reason
            .as_deref()
            .and_then(dom::CloseReason::parse)
            .map(|c| c.label_vi().to_owned()),
    }
}

/// A child of a case, as the case page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseChildRow {
    pub child_id: Option<i64>,
    /// The registry name, the name given, or "Chưa xác định".
    pub name: String,
    pub sex: Option<String>,
    pub age_years: Option<i64>,
}

/// One entry of the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub step: String,
    pub label: String,
    pub from_stage: String,
    pub to_stage: String,
    pub to_label: String,
    pub at: String,
    pub at_label: String,
    pub username: String,
    pub role: String,
    /// The form's content (Mẫu 01–07) as stored.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// The form as label: value lines, in Vietnamese.
    pub lines: Vec<(String, String)>,
}

/// A measure of a plan, with its progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeasureRow {
    pub id: i64,
    pub plan_no: i64,
    pub measure: String,
    pub measure_label: String,
    /// `support` (Law Art. 49) or `intervention` (Art. 50).
    pub level: String,
    pub activity: String,
    pub responsible: String,
    pub place: String,
    pub start_on: String,
    pub end_on: String,
    pub resources: String,
    /// `planned`, `in_progress`, `done`, `cancelled`.
    pub status: String,
    pub status_label: String,
    pub progress: String,
}

/// A referral or transfer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferralRow {
    pub id: i64,
    pub case_id: i64,
    pub case_code: String,
    /// `referral` or `transfer`.
    pub kind: String,
    pub to_commune_code: Option<String>,
    pub to_commune_name: Option<String>,
    pub to_agency: String,
    pub reason: String,
    /// `pending`, `accepted`, `declined`.
    pub status: String,
    pub status_label: String,
    pub response: String,
    pub created_label: String,
}

/// A case's page: what the user may see of it, and what they may do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub summary: CaseSummary,
    /// Content (empty for status-only viewers).
    pub channel: String,
    pub place: String,
    pub description: String,
    pub perpetrator: String,
    pub children: Vec<CaseChildRow>,
    pub timeline: Vec<TimelineEntry>,
    pub measures: Vec<MeasureRow>,
    pub referrals: Vec<ReferralRow>,
    /// The reporter: only for the assigned worker and the commune chairman.
    pub reporter: Option<Reporter>,
    pub plan_no: i64,
    pub review_on: Option<String>,
    /// `worker`, `chairman` or `other`.
    pub actor: String,
    /// The steps this user may take now (codes).
    pub steps: Vec<String>,
    /// May this user take the case (unassigned, commune officer)?
    pub may_take: bool,
    /// May this user assign it (the chairman)?
    pub may_assign: bool,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reporter {
    pub name: String,
    pub phone: String,
    pub note: String,
}

async fn commune_name(store: &Store, code: &str) -> String {
    crate::units::get(store, code)
        .await
        .map(|u| u.name)
        .unwrap_or_else(|_| code.to_owned())
}

/// The children of some cases, by case, in one query (a case page asks for one case, a
/// list for all its rows).
async fn children_of_cases(
    store: &Store,
    case_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<CaseChildRow>>> {
    let mut out: std::collections::HashMap<i64, Vec<CaseChildRow>> = Default::default();
    for chunk in case_ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT cc.case_id, cc.child_id, cc.name, cc.sex, cc.age_years, c.full_name, c.sex AS c_sex \
             FROM case_children cc LEFT JOIN children c ON c.id = cc.child_id \
             WHERE cc.case_id IN ({list}) ORDER BY cc.id"
        )))
        .fetch_all(store.pool())
        .await?;
        for r in &rows {
            let full: Option<String> = r.get("full_name");
            let name: String = r.get("name");
            out.entry(r.get("case_id")).or_default().push(CaseChildRow {
                child_id: r.get("child_id"),
                name: full
                    .or(Some(name).filter(|n| !n.is_empty()))
                    .unwrap_or_else(|| "Chưa xác định".into()),
                sex: r.get::<Option<String>, _>("c_sex").or(r.get("sex")),
                age_years: r.get("age_years"),
            });
        }
    }
    Ok(out)
}

async fn children_of(store: &Store, case_id: i64) -> Result<Vec<CaseChildRow>> {
    Ok(children_of_cases(store, &[case_id])
        .await?
        .remove(&case_id)
        .unwrap_or_default())
}

fn form_lines(form: &serde_json::Value) -> Vec<(String, String)> {
    let Some(obj) = form.as_object() else {
        return Vec::new();
    };
    fn label(k: &str) -> &str {
        match k {
            "confirmed" => "Thông tin được khẳng định",
            "findings" => "Kết quả, nhận định",
            "serious_risk" => "Nguy cơ cao",
            "harm_level" => "Mức độ tổn hại",
            "immediate_needs" => "Nhu cầu cấp thiết",
            "measures" => "Biện pháp",
            "separated" => "Tạm thời cách ly",
            "place" => "Nơi thực hiện",
            "note" => "Ghi chú",
            "child_state" => "Tình trạng của trẻ",
            "family_situation" => "Hoàn cảnh gia đình",
            "protective_capacity" => "Khả năng bảo vệ của cha mẹ, người chăm sóc",
            "risk_factors" => "Yếu tố nguy cơ",
            "needs" => "Nhu cầu",
            "meeting_on" => "Ngày họp xác định nhu cầu",
            "participants" => "Thành phần tham dự",
            "child_participated" => "Trẻ tham gia",
            "goals" => "Mục tiêu",
            "review_on" => "Ngày rà soát",
            "comment" => "Ý kiến",
            "decision_no" => "Số quyết định",
            "decided_on" => "Ngày quyết định",
            "harm_now" => "Tổn hại hiện tại",
            "abuser_access" => "Khả năng tiếp cận của người gây tổn hại",
            "obstacles" => "Trở ngại",
            "self_protection" => "Khả năng tự bảo vệ",
            "recovery" => "Mức độ phục hồi",
            "recommendation" => "Đề nghị",
            "summary" => "Kết quả rà soát",
            "reason" => "Lý do",
            "to" => "Đến",
            "assigned" => "Người được giao",
            "channel" => "Nguồn tin",
            "harms" => "Hình thức",
            "measure" => "Mã biện pháp",
            "status" => "Tình trạng",
            _ => k,
        }
    }
    let value = |k: &str, v: &serde_json::Value| -> String {
        match v {
            serde_json::Value::Bool(b) => if *b { "Có" } else { "Không" }.into(),
            serde_json::Value::String(s) => {
                if let Some(l) = dom::Level::parse(s).filter(|_| {
                    matches!(
                        k,
                        "harm_level"
                            | "protective_capacity"
                            | "harm_now"
                            | "abuser_access"
                            | "obstacles"
                            | "self_protection"
                            | "recovery"
                    )
                }) {
                    l.label_vi().into()
                } else if k == "reason" && dom::CloseReason::parse(s).is_some() {
                    dom::CloseReason::parse(s)
                        .map_or("", |c| c.label_vi())
                        .into()
                } else if k == "recommendation" {
                    if s == "close" {
                        "Kết thúc kế hoạch".into()
                    } else {
                        "Xây dựng kế hoạch mới".into()
                    }
                } else if matches!(k, "meeting_on" | "review_on" | "decided_on") {
                    mang_domain::vi::iso_date(s)
                } else {
                    s.clone()
                }
            }
            serde_json::Value::Array(a) => a
                .iter()
                .map(|m| match m {
                    serde_json::Value::String(s) => {
                        dom::Measure::parse(s).map_or(s.clone(), |m| m.label_vi().to_owned())
                    }
                    serde_json::Value::Object(o) => {
                        let code = o.get("measure").and_then(|v| v.as_str()).unwrap_or("");
                        let activity = o.get("activity").and_then(|v| v.as_str()).unwrap_or("");
                        format!(
                            "{} — {activity}",
                            dom::Measure::parse(code).map_or(code, |m| m.label_vi())
                        )
                    }
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    };
    obj.iter()
        .filter(|(k, v)| *k != "step" && v.as_str() != Some(""))
        .map(|(k, v)| (label(k).to_owned(), value(k, v)))
        .collect()
}

async fn timeline_of(store: &Store, case_id: i64) -> Result<Vec<TimelineEntry>> {
    let rows = sqlx::query(
        "SELECT step, from_stage, to_stage, at, username, role, form FROM case_steps \
         WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let step: String = r.get("step");
            let to: String = r.get("to_stage");
            let at: String = r.get("at");
            let form: String = r.get("form");
            let form: serde_json::Value = serde_json::from_str(&form).unwrap_or_default();
            let role: String = r.get("role");
            TimelineEntry {
                label: Step::parse(&step)
                    .map(|s| s.label_vi().to_owned())
                    .unwrap_or_else(|| event_label(&step).to_owned()),
                to_label: Stage::parse(&to).map_or("", Stage::label_vi).into(),
                step,
                from_stage: r.get("from_stage"),
                to_stage: to,
                at_label: mang_domain::vi::timestamp(&at),
                at,
                username: r.get("username"),
                role: mang_domain::access::Role::parse(&role)
                    .map_or(role.clone(), |r| r.label_vi().to_owned()),
                lines: form_lines(&form),
                form,
            }
        })
        .collect())
}

/// Timeline entries that are not steps of the machine.
fn event_label(code: &str) -> &'static str {
    match code {
        "intake" => "Tiếp nhận thông tin",
        "assign" => "Giao người xử lý",
        "take" => "Nhận xử lý hồ sơ",
        "referral" => "Chuyển gửi dịch vụ",
        "transfer" => "Đề nghị chuyển hồ sơ",
        "referral_accepted" => "Đơn vị nhận đồng ý",
        "referral_declined" => "Đơn vị nhận từ chối",
        "transfer_accepted" => "Xã nơi trẻ chuyển đến đã nhận hồ sơ",
        "measure" => "Cập nhật tiến độ biện pháp",
        _ => "Sự kiện",
    }
}

fn measure_status_label(s: &str) -> &'static str {
    match s {
        "planned" => "Chưa thực hiện",
        "in_progress" => "Đang thực hiện",
        "done" => "Hoàn thành",
        "cancelled" => "Hủy",
        _ => "",
    }
}

async fn measures_of(store: &Store, case_id: i64) -> Result<Vec<MeasureRow>> {
    let rows = sqlx::query(
        "SELECT id, plan_no, measure, activity, responsible, place, start_on, end_on, resources, \
         status, progress FROM case_measures WHERE case_id = $1 ORDER BY plan_no DESC, id",
    )
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let m: String = r.get("measure");
            let status: String = r.get("status");
            let parsed = dom::Measure::parse(&m);
            MeasureRow {
                id: r.get("id"),
                plan_no: r.get("plan_no"),
                measure_label: parsed.map_or("", dom::Measure::label_vi).into(),
                level: if parsed.is_some_and(dom::Measure::is_intervention) {
                    "intervention"
                } else {
                    "support"
                }
                .into(),
                measure: m,
                activity: r.get("activity"),
                responsible: r.get("responsible"),
                place: r.get("place"),
                start_on: mang_domain::vi::iso_date(&r.get::<String, _>("start_on")),
                end_on: mang_domain::vi::iso_date(&r.get::<String, _>("end_on")),
                resources: r.get("resources"),
                status_label: measure_status_label(&status).into(),
                status,
                progress: r.get("progress"),
            }
        })
        .collect())
}

const REFERRAL_COLS: &str = "f.id, f.case_id, k.code AS case_code, f.kind, f.to_commune_code, \
    cu.name AS to_commune_name, f.to_agency, f.reason, f.status, f.response, f.created_at";

fn referral(r: &sqlx::any::AnyRow) -> ReferralRow {
    let status: String = r.get("status");
    let created: String = r.get("created_at");
    ReferralRow {
        id: r.get("id"),
        case_id: r.get("case_id"),
        case_code: r.get("case_code"),
        kind: r.get("kind"),
        to_commune_code: r.get("to_commune_code"),
        to_commune_name: r.get("to_commune_name"),
        to_agency: r.get("to_agency"),
        reason: r.get("reason"),
        status_label: match status.as_str() {
            "pending" => "Chờ trả lời",
            "accepted" => "Đã nhận",
            _ => "Từ chối",
        }
        .into(),
        status,
        response: r.get("response"),
        created_label: mang_domain::vi::timestamp(&created),
    }
}

async fn referrals_of(store: &Store, case_id: i64) -> Result<Vec<ReferralRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REFERRAL_COLS} FROM case_referrals f JOIN cases k ON k.id = f.case_id \
         LEFT JOIN admin_units cu ON cu.code = f.to_commune_code WHERE f.case_id = $1 ORDER BY f.id"
    )))
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(referral).collect())
}

/// Read one case as `who` may see it; audited (even a status-only view). A case the
/// user may not see at all is not found, and the attempt is not distinguishable from a
/// wrong id.
pub async fn get(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    id: i64,
    now: OffsetDateTime,
) -> Result<CaseDetail> {
    let p = scoped.actor();
    let mut tx = store.begin_write().await?;
    let r = load(&mut tx, id).await?;
    let vis = dom::access(p, &r.path, r.assigned_to, r.reported_by);
    if vis == Visibility::None {
        return Err(StoreError::NotFound);
    }
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &r.path,
        "view",
        "case",
        &id.to_string(),
        serde_json::json!({ "visibility": format!("{vis:?}").to_lowercase() }),
    )
    .await?;
    tx.commit().await?;
    let limits = limits(store).await?;
    let content = vis >= Visibility::Content;
    let children = if content {
        children_of(store, id).await?
    } else {
        Vec::new()
    };
    let names = children.iter().map(|c| c.name.clone()).collect();
    let actor = dom::actor_of(p, &r.path, r.assigned_to);
    let commune = r.path.commune.clone().unwrap_or_default();
    Ok(CaseDetail {
        summary: summary(
            &r,
            vis,
            commune_name(store, &commune).await,
            now,
            &limits,
            names,
        ),
        channel: if content {
            dom::Channel::parse(&r.channel)
                .map_or("", |c| c.label_vi())
                .into()
        } else {
            String::new()
        },
        place: if content {
            r.place.clone()
        } else {
            String::new()
        },
        description: if content {
            r.description.clone()
        } else {
            String::new()
        },
        perpetrator: if content {
            dom::Perpetrator::parse(&r.perpetrator)
                .map_or("", |c| c.label_vi())
                .into()
        } else {
            String::new()
        },
        children,
        timeline: if content {
            timeline_of(store, id).await?
        } else {
            Vec::new()
        },
        measures: if content {
            measures_of(store, id).await?
        } else {
            Vec::new()
        },
        referrals: if content {
            referrals_of(store, id).await?
        } else {
            Vec::new()
        },
        reporter: (vis == Visibility::Reporter).then(|| Reporter {
            name: r.reporter_name.clone(),
            phone: r.reporter_phone.clone(),
            note: r.reporter_note.clone(),
        }),
        plan_no: r.plan_no,
        review_on: r.review_on.as_deref().map(mang_domain::vi::iso_date),
        actor: match actor {
            Actor::Worker => "worker",
            Actor::Chairman => "chairman",
            Actor::Other => "other",
        }
        .into(),
        steps: dom::possible_steps(r.stage, &r.facts, actor)
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        may_take: r.assigned_to.is_none()
            && r.stage != Stage::Closed
            && p.role == mang_domain::access::Role::CommuneOfficer
            && p.scope().contains(&r.path),
        may_assign: actor == Actor::Chairman && r.stage != Stage::Closed,
        version: r.version,
    })
}

/// Filters of the case list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CaseFilter {
    /// A stage code, `open` (default: every stage but closed) or `all`.
    pub stage: String,
    /// `overdue` or `near` (near includes overdue).
    pub due: String,
    /// A commune code inside the user's scope.
    pub commune: String,
    /// Only cases assigned to me.
    pub mine: bool,
}

/// The cases `who` may see, soonest deadline first, masked per case; audited as one list
/// view. Cases outside the scope are never read; school, police, health and collaborator
/// users see the cases they reported.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    filter: &CaseFilter,
    now: OffsetDateTime,
) -> Result<Vec<CaseSummary>> {
    let p = scoped.actor();
    let limits = limits(store).await?;
    let mut conds = Vec::new();
    let mut vals = Vec::new();
    use mang_domain::access::Role;
    if matches!(
        p.role,
        Role::CommuneChairman | Role::CommuneOfficer | Role::ProvinceOfficer
    ) {
        let (c, v) = scope_filter(scoped.scope(), "k", 1);
        conds.push(c);
        vals.extend(v);
    } else {
        conds.push(format!("k.reported_by = ${}", vals.len() + 1));
        vals.push(Val::Int(p.user_id));
    }
    match filter.stage.trim() {
        "" | "open" => conds.push("k.stage <> 'closed'".into()),
        "all" => {}
        s => {
            let s = Stage::parse(s).ok_or(StoreError::Invalid {
                field: "stage",
                message: "Bước xử lý không hợp lệ".into(),
            })?;
            conds.push(format!("k.stage = ${}", vals.len() + 1));
            vals.push(Val::Text(s.as_str().into()));
        }
    }
    if !filter.commune.trim().is_empty() {
        conds.push(format!("k.commune_code = ${}", vals.len() + 1));
        vals.push(Val::Text(filter.commune.trim().into()));
    }
    if filter.mine {
        conds.push(format!("k.assigned_to = ${}", vals.len() + 1));
        vals.push(Val::Int(p.user_id));
    }
    match filter.due.trim() {
        "overdue" => {
            conds.push(format!("k.next_due < ${}", vals.len() + 1));
            vals.push(Val::Text(timestamp(now)));
        }
        "near" => {
            conds.push(format!("k.next_due <= ${}", vals.len() + 1));
            vals.push(Val::Text(timestamp(
                now + time::Duration::hours(i64::from(limits.near_hours)),
            )));
        }
        _ => {}
    }
    let rows = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {REC_COLS}, cu.name AS commune_name FROM cases k \
             LEFT JOIN users u ON u.id = k.assigned_to LEFT JOIN admin_units cu ON cu.code = k.commune_code \
             WHERE {} ORDER BY CASE WHEN k.next_due IS NULL THEN 1 ELSE 0 END, k.next_due, k.id DESC LIMIT 500",
            conds.join(" AND ")
        ))),
        vals,
    )
    .fetch_all(store.pool())
    .await?;
    let visible: Vec<(Rec, Visibility, &sqlx::any::AnyRow)> = rows
        .iter()
        .map(|row| {
            let r = rec(row);
            let vis = dom::access(p, &r.path, r.assigned_to, r.reported_by);
            (r, vis, row)
        })
        .filter(|(_, vis, _)| *vis != Visibility::None)
        .collect();
    let with_content: Vec<i64> = visible
        .iter()
        .filter(|(_, vis, _)| *vis >= Visibility::Content)
        .map(|(r, _, _)| r.id)
        .collect();
    let mut kids = children_of_cases(store, &with_content).await?;
    let mut out = Vec::new();
    for (r, vis, row) in visible {
        let names = if vis >= Visibility::Content {
            kids.remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.name)
                .collect()
        } else {
            Vec::new()
        };
        let commune: Option<String> = row.get("commune_name");
        out.push(summary(
            &r,
            vis,
            commune.unwrap_or_default(),
            now,
            &limits,
            names,
        ));
    }
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &scoped.scope().path,
        "view",
        "case_list",
        p.unit.as_str(),
        serde_json::json!({ "rows": out.len(), "stage": filter.stage, "due": filter.due }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Writes.

/// Where a new case belongs: the commune where it happened (a commune user's own; a
/// province user names one), optionally a village of it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewCase {
    /// `dd/mm/yyyy hh:mm` or `yyyy-mm-ddThh:mm`, Vietnam time; empty: now.
    pub received_at: String,
    /// `hotline_111`, `hotline_18006605`, `school`, `police`, `health_facility`,
    /// `commune_staff`, `citizen`, `child`, `media`, `other`.
    pub channel: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_note: String,
    /// For province users: the commune where it happened.
    pub commune_code: String,
    pub village_code: String,
    pub place: String,
    /// `violence`, `sexual_abuse`, `exploitation`, `trafficking`, `abandonment`,
    /// `neglect`, `at_risk`, `other`.
    pub harms: Vec<String>,
    pub description: String,
    /// `parent`, `step_parent`, `relative`, `carer`, `teacher`, `acquaintance`,
    /// `other_child`, `stranger`, `unknown`.
    pub perpetrator: String,
    #[schema(value_type = Vec<Object>)]
    pub children: Vec<dom::RawCaseChild>,
}

async fn step_row(
    tx: &mut Tx,
    case_id: i64,
    step: &str,
    from: Stage,
    to: Stage,
    at: OffsetDateTime,
    p: &Principal,
    form: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_steps (case_id, step, from_stage, to_stage, at, user_id, username, role, form) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(case_id)
    .bind(step.to_owned())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(timestamp(at))
    .bind(p.user_id)
    .bind(p.username.clone())
    .bind(p.role.as_str())
    .bind(form.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Record an intake. The legal clock starts at `received_at`; a commune officer who
/// records it is assigned. Returns the new case's id.
pub async fn intake(
    store: &Store,
    scoped: &Scoped<ReportCase>,
    input: &NewCase,
    now: OffsetDateTime,
) -> Result<i64> {
    let p = scoped.actor();
    let raw = dom::RawIntake {
        received_at: input.received_at.clone(),
        channel: input.channel.clone(),
        reporter_name: input.reporter_name.clone(),
        reporter_phone: input.reporter_phone.clone(),
        reporter_note: input.reporter_note.clone(),
        place: input.place.clone(),
        harms: input.harms.clone(),
        description: input.description.clone(),
        perpetrator: input.perpetrator.clone(),
        children: input.children.clone(),
    };
    let checked = dom::check_intake(&raw, now);
    // The commune: a commune user's own, or one inside a province user's scope.
    let commune_code = p
        .unit_path
        .commune
        .clone()
        .unwrap_or_else(|| input.commune_code.trim().to_owned());
    let unit = crate::units::get(store, &commune_code)
        .await
        .map_err(|_| StoreError::Invalid {
            field: "commune_code",
            message: "Chọn xã, phường nơi xảy ra sự việc".into(),
        })?;
    let village = if p.unit_path.village.is_some() {
        p.unit_path.village.clone().unwrap_or_default()
    } else {
        input.village_code.clone()
    };
    let path = crate::units::path_in_commune(store, &unit, &village).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::Invalid {
        field: "commune_code",
        message: "Xã, phường này nằm ngoài địa bàn của bạn".into(),
    })?;
    let intake = checked.map_err(StoreError::Fields)?;
    let cal = calendar(store).await?;
    let limits = limits(store).await?;
    let mut tx = store.begin_write().await?;
    // Registered children must exist in the case's province.
    for c in &intake.children {
        if let CaseChild::Registered(id) = c {
            let prov: Option<String> =
                sqlx::query_scalar("SELECT province_code FROM children WHERE id = $1")
                    .bind(*id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if prov.is_none() || prov != path.province {
                return Err(StoreError::Invalid {
                    field: "children",
                    message: format!("Không tìm thấy trẻ mã {id} trong sổ của tỉnh"),
                });
            }
        }
    }
    let year = intake.received_at.to_offset(dom::VN).year();
    let prefix = format!("{commune_code}-{year}-");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE code LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_one(&mut *tx)
        .await?;
    let code = format!("{prefix}{:04}", n + 1);
    let assigned = (p.role == mang_domain::access::Role::CommuneOfficer).then_some(p.user_id);
    let received = timestamp(intake.received_at);
    let harms: Vec<&str> = intake.harms.iter().map(|h| h.as_str()).collect();
    let id: i64 = sqlx::query(
        "INSERT INTO cases (code, province_code, commune_code, village_code, received_at, started_at, \
         channel, reporter_name, reporter_phone, reporter_note, place, harms, description, perpetrator, \
         stage, assigned_to, reported_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'reported', $14, $15, $16) \
         RETURNING id",
    )
    .bind(code.clone())
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(path.village.clone())
    .bind(received.clone())
    .bind(intake.channel.as_str())
    .bind(intake.reporter_name.clone())
    .bind(intake.reporter_phone.clone())
    .bind(intake.reporter_note.clone())
    .bind(intake.place.clone())
    .bind(harms.join(","))
    .bind(intake.description.clone())
    .bind(intake.perpetrator.as_str())
    .bind(assigned)
    .bind(p.user_id)
    .bind(timestamp(now))
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    for c in &intake.children {
        let (child_id, name, sex, age) = match c {
            CaseChild::Registered(cid) => (Some(*cid), String::new(), None, None),
            CaseChild::Described {
                name,
                sex,
                age_years,
            } => (None, name.clone(), *sex, age_years.map(i64::from)),
        };
        sqlx::query(
            "INSERT INTO case_children (case_id, child_id, name, sex, age_years) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(child_id)
        .bind(name)
        .bind(sex)
        .bind(age)
        .execute(&mut *tx)
        .await?;
    }
    step_row(
        &mut tx,
        id,
        "intake",
        Stage::Reported,
        Stage::Reported,
        intake.received_at,
        p,
        serde_json::json!({ "channel": intake.channel.label_vi(), "harms": harms }),
    )
    .await?;
    let r = load(&mut tx, id).await?;
    write_due(&mut tx, &r, &cal, &limits).await?;
    audit::append(
        &mut tx,
        &AuditActor::from(grant.actor()),
        grant.path(),
        "create",
        "case",
        &id.to_string(),
        serde_json::json!({ "code": code, "channel": intake.channel.as_str(), "children": intake.children.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Load a case for a write by `p`, refusing (as not found) a case `p` may not see, and a
/// changed version.
async fn for_write(tx: &mut Tx, p: &Principal, id: i64, version: Option<i64>) -> Result<Rec> {
    let r = load(tx, id).await?;
    if dom::access(p, &r.path, r.assigned_to, r.reported_by) == Visibility::None {
        return Err(StoreError::NotFound);
    }
    if let Some(v) = version
        && v != r.version
    {
        return Err(StoreError::StaleVersion {
            expected: v,
            found: r.version,
        });
    }
    Ok(r)
}

fn refused(e: dom::Refused) -> StoreError {
    StoreError::Invalid {
        field: "step",
        message: e.0,
    }
}

/// Take one step of the process (checked by the domain machine) with its form, at `now`.
/// `version`: the version the user saw (stale edits are refused).
pub async fn take_step(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    id: i64,
    raw: &dom::RawStep,
    version: Option<i64>,
    now: OffsetDateTime,
) -> Result<Stage> {
    let p = scoped.actor();
    let today = now.to_offset(dom::VN).date();
    let cal = calendar(store).await?;
    let limits = limits(store).await?;
    let mut tx = store.begin_write().await?;
    let r = for_write(&mut tx, p, id, version).await?;
    let actor = dom::actor_of(p, &r.path, r.assigned_to);
    // The machine first (who, from where), then the form's fields.
    if let Some(step) = Step::parse(&raw.step) {
        dom::next(r.stage, &r.facts, step, actor).map_err(refused)?;
    }
    let form = dom::check_step(raw, today).map_err(StoreError::Fields)?;
    let (to, facts) = dom::apply(r.stage, &r.facts, &form, actor).map_err(refused)?;
    let flag = |b: Option<bool>| b.map(i64::from);
    let rec_code = facts.recommendation.map(|r| match r {
        Recommendation::Close => "close",
        Recommendation::NewPlan => "new_plan",
    });
    let mut plan_no = r.plan_no;
    let mut plan_drafted_at = r.plan_drafted_at.clone();
    let mut review_on = r.review_on.clone();
    let mut started_at = r.started_at.clone();
    let mut closed_reason = r.closed_reason.clone();
    match &form {
        StepForm::DraftPlan {
            review_on: on,
            measures,
            ..
        } => {
            plan_no += 1;
            plan_drafted_at = Some(timestamp(now));
            review_on = Some(on.clone());
            for m in measures {
                sqlx::query(
                    "INSERT INTO case_measures (case_id, plan_no, measure, activity, responsible, place, \
                     start_on, end_on, resources, status, progress, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'planned', '', $10)",
                )
                .bind(id)
                .bind(plan_no)
                .bind(m.measure.clone())
                .bind(m.activity.clone())
                .bind(m.responsible.clone())
                .bind(m.place.clone())
                .bind(m.start.clone())
                .bind(m.end.clone())
                .bind(m.resources.clone())
                .bind(timestamp(now))
                .execute(&mut *tx)
                .await?;
            }
        }
        StepForm::ReturnPlan { .. } => {
            // The returned draft's measures are dropped; the next draft brings its own.
            sqlx::query("DELETE FROM case_measures WHERE case_id = $1 AND plan_no = $2")
                .bind(id)
                .bind(plan_no)
                .execute(&mut *tx)
                .await?;
            plan_no -= 1;
            plan_drafted_at = None;
        }
        StepForm::Close { reason, .. } => closed_reason = Some(reason.clone()),
        StepForm::Reopen { .. } => {
            started_at = timestamp(now);
            closed_reason = None;
            plan_drafted_at = None;
            review_on = None;
        }
        _ => {}
    }
    sqlx::query(
        "UPDATE cases SET stage = $1, confirmed = $2, serious_risk = $3, recommendation = $4, \
         plan_no = $5, plan_drafted_at = $6, review_on = $7, started_at = $8, closed_reason = $9, \
         version = version + 1 WHERE id = $10",
    )
    .bind(to.as_str())
    .bind(flag(facts.confirmed))
    .bind(flag(facts.serious_risk))
    .bind(rec_code)
    .bind(plan_no)
    .bind(plan_drafted_at)
    .bind(review_on)
    .bind(started_at)
    .bind(closed_reason)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let json = serde_json::to_value(&form).unwrap_or_default();
    step_row(&mut tx, id, form.step().as_str(), r.stage, to, now, p, json).await?;
    let updated = load(&mut tx, id).await?;
    write_due(&mut tx, &updated, &cal, &limits).await?;
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &r.path,
        "step",
        "case",
        &id.to_string(),
        serde_json::json!({ "step": form.step().as_str(), "from": r.stage.as_str(), "to": to.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// Assign the case: the chairman to any commune officer of the commune, or an officer
/// to themselves when it is unassigned ("Nhận xử lý").
pub async fn assign(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    id: i64,
    user_id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    let p = scoped.actor();
    let mut tx = store.begin_write().await?;
    let r = for_write(&mut tx, p, id, None).await?;
    let actor = dom::actor_of(p, &r.path, r.assigned_to);
    let taking = user_id == p.user_id
        && r.assigned_to.is_none()
        && p.role == mang_domain::access::Role::CommuneOfficer
        && p.scope().contains(&r.path);
    if !(actor == Actor::Chairman || taking) || r.stage == Stage::Closed {
        return Err(StoreError::Invalid {
            field: "assigned_to",
            message:
                "Chỉ Chủ tịch UBND xã giao hồ sơ; cán bộ xã chỉ nhận hồ sơ chưa có người xử lý"
                    .into(),
        });
    }
    let target: Option<(String, String, String)> = sqlx::query_as(
        "SELECT u.display_name, u.role, u.unit_code FROM users u WHERE u.id = $1 AND u.active = 1",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((name, role, unit)) = target.filter(|(_, role, unit)| {
        role == "commune_officer" && Some(unit.as_str()) == r.path.commune.as_deref()
    }) else {
        return Err(StoreError::Invalid {
            field: "assigned_to",
            message: "Người được giao phải là cán bộ phụ trách trẻ em của xã".into(),
        });
    };
    let _ = (role, unit);
    sqlx::query("UPDATE cases SET assigned_to = $1, version = version + 1 WHERE id = $2")
        .bind(user_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    step_row(
        &mut tx,
        id,
        if taking { "take" } else { "assign" },
        r.stage,
        r.stage,
        now,
        p,
        serde_json::json!({ "assigned": name }),
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &r.path,
        "assign",
        "case",
        &id.to_string(),
        serde_json::json!({ "assigned_to": user_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The commune officers a case may be assigned to.
pub async fn assignable(store: &Store, commune_code: &str) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, display_name FROM users WHERE role = 'commune_officer' AND unit_code = $1 \
         AND active = 1 ORDER BY display_name",
    )
    .bind(commune_code.to_owned())
    .fetch_all(store.pool())
    .await?)
}

/// Update a measure's progress (the assigned worker).
pub async fn update_measure(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    id: i64,
    measure_id: i64,
    status: &str,
    progress: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let p = scoped.actor();
    if measure_status_label(status).is_empty() {
        return Err(StoreError::Invalid {
            field: "status",
            message: "Chọn tình trạng của biện pháp".into(),
        });
    }
    let mut tx = store.begin_write().await?;
    let r = for_write(&mut tx, p, id, None).await?;
    if dom::actor_of(p, &r.path, r.assigned_to) != Actor::Worker
        || !matches!(r.stage, Stage::PlanApproved | Stage::InProgress)
    {
        return Err(StoreError::Invalid {
            field: "status",
            message: "Người được giao cập nhật tiến độ khi kế hoạch đã phê duyệt, đang thực hiện"
                .into(),
        });
    }
    let progress = mang_domain::text::clean(progress);
    let n = sqlx::query(
        "UPDATE case_measures SET status = $1, progress = $2, updated_at = $3 WHERE id = $4 AND case_id = $5",
    )
    .bind(status.to_owned())
    .bind(progress.clone())
    .bind(timestamp(now))
    .bind(measure_id)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    step_row(
        &mut tx,
        id,
        "measure",
        r.stage,
        r.stage,
        now,
        p,
        serde_json::json!({ "measure": measure_id, "status": measure_status_label(status), "note": progress }),
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &r.path,
        "update",
        "case_measure",
        &measure_id.to_string(),
        serde_json::json!({ "case": id, "status": status }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A referral to an agency or another commune, or a transfer of the case to the commune
/// the child moved to.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewReferral {
    /// `referral` or `transfer`.
    pub kind: String,
    /// The receiving commune (required for a transfer).
    pub to_commune_code: String,
    /// The receiving agency or service (for a referral).
    pub to_agency: String,
    pub reason: String,
}

pub async fn refer(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    id: i64,
    input: &NewReferral,
    now: OffsetDateTime,
) -> Result<i64> {
    let p = scoped.actor();
    let kind = match input.kind.trim() {
        "referral" => "referral",
        "transfer" => "transfer",
        _ => {
            return Err(StoreError::Invalid {
                field: "kind",
                message: "Chọn chuyển gửi dịch vụ hoặc chuyển hồ sơ".into(),
            });
        }
    };
    let reason = mang_domain::text::clean(&input.reason);
    if reason.is_empty() {
        return Err(StoreError::Invalid {
            field: "reason",
            message: "Cần nêu lý do, nội dung đề nghị".into(),
        });
    }
    let to_commune = input.to_commune_code.trim().to_owned();
    let agency = mang_domain::text::clean(&input.to_agency);
    let mut tx = store.begin_write().await?;
    let r = for_write(&mut tx, p, id, None).await?;
    if dom::actor_of(p, &r.path, r.assigned_to) == Actor::Other || r.stage == Stage::Closed {
        return Err(StoreError::Invalid {
            field: "kind",
            message: "Người được giao hoặc Chủ tịch UBND xã chuyển gửi hồ sơ đang xử lý".into(),
        });
    }
    if !to_commune.is_empty() {
        let level: Option<String> =
            sqlx::query_scalar("SELECT level FROM admin_units WHERE code = $1")
                .bind(to_commune.clone())
                .fetch_optional(&mut *tx)
                .await?;
        if level.as_deref() != Some("commune") || Some(&to_commune) == r.path.commune.as_ref() {
            return Err(StoreError::Invalid {
                field: "to_commune_code",
                message: "Xã, phường nhận không hợp lệ".into(),
            });
        }
    }
    if kind == "transfer" && to_commune.is_empty() {
        return Err(StoreError::Invalid {
            field: "to_commune_code",
            message: "Chuyển hồ sơ cần xã, phường nơi trẻ chuyển đến".into(),
        });
    }
    if kind == "referral" && to_commune.is_empty() && agency.is_empty() {
        return Err(StoreError::Invalid {
            field: "to_agency",
            message: "Cần ghi cơ quan, dịch vụ nhận".into(),
        });
    }
    let fid: i64 = sqlx::query(
        "INSERT INTO case_referrals (case_id, kind, to_commune_code, to_agency, reason, status, response, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, 'pending', '', $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(kind)
    .bind(Some(to_commune.clone()).filter(|c| !c.is_empty()))
    .bind(agency.clone())
    .bind(reason.clone())
    .bind(timestamp(now))
    .bind(p.user_id)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    step_row(
        &mut tx,
        id,
        kind,
        r.stage,
        r.stage,
        now,
        p,
        serde_json::json!({ "to": if to_commune.is_empty() { agency } else { to_commune }, "reason": reason }),
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &r.path,
        "create",
        "case_referral",
        &fid.to_string(),
        serde_json::json!({ "case": id, "kind": kind }),
    )
    .await?;
    tx.commit().await?;
    Ok(fid)
}

/// Pending referrals and transfers addressed to the user's commune (the inbox): the
/// receiving unit sees the code, the kind and the reason; the content once accepted.
pub async fn inbox(store: &Store, scoped: &Scoped<ViewCases>) -> Result<Vec<ReferralRow>> {
    let p = scoped.actor();
    use mang_domain::access::Role;
    let Some(commune) = p
        .unit_path
        .commune
        .clone()
        .filter(|_| matches!(p.role, Role::CommuneOfficer | Role::CommuneChairman))
    else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REFERRAL_COLS} FROM case_referrals f JOIN cases k ON k.id = f.case_id \
         LEFT JOIN admin_units cu ON cu.code = f.to_commune_code \
         WHERE f.to_commune_code = $1 AND f.status = 'pending' ORDER BY f.id"
    )))
    .bind(commune)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(referral).collect())
}

async fn province_code_of(tx: &mut Tx, commune: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT province_code FROM admin_units WHERE code = $1",
    )
    .bind(commune.to_owned())
    .fetch_optional(&mut **tx)
    .await?
    .flatten())
}

/// Answer a referral or transfer addressed to the user's commune, or (for a referral to
/// an agency outside Măng) record the agency's answer as the case's worker. An accepted
/// transfer moves the case to the receiving commune, unassigned, at the same step.
pub async fn decide(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    referral_id: i64,
    accept: bool,
    response: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let p = scoped.actor();
    let mut tx = store.begin_write().await?;
    let row: Option<(i64, String, Option<String>, String)> = sqlx::query_as(
        "SELECT case_id, kind, to_commune_code, status FROM case_referrals WHERE id = $1",
    )
    .bind(referral_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((case_id, kind, to_commune, status)) = row else {
        return Err(StoreError::NotFound);
    };
    let r = load(&mut tx, case_id).await?;
    use mang_domain::access::Role;
    let receiving = to_commune.is_some()
        && p.unit_path.commune == to_commune
        && matches!(p.role, Role::CommuneOfficer | Role::CommuneChairman);
    let worker_records =
        to_commune.is_none() && dom::actor_of(p, &r.path, r.assigned_to) != Actor::Other;
    if !(receiving || worker_records) {
        return Err(StoreError::NotFound);
    }
    if status != "pending" {
        return Err(StoreError::Invalid {
            field: "status",
            message: "Đề nghị này đã được trả lời".into(),
        });
    }
    let response = mang_domain::text::clean(response);
    if !accept && response.is_empty() {
        return Err(StoreError::Invalid {
            field: "response",
            message: "Cần nêu lý do từ chối".into(),
        });
    }
    sqlx::query(
        "UPDATE case_referrals SET status = $1, response = $2, decided_at = $3, decided_by = $4 WHERE id = $5",
    )
    .bind(if accept { "accepted" } else { "declined" })
    .bind(response.clone())
    .bind(timestamp(now))
    .bind(p.user_id)
    .bind(referral_id)
    .execute(&mut *tx)
    .await?;
    let event = match (kind.as_str(), accept) {
        ("transfer", true) => "transfer_accepted",
        (_, true) => "referral_accepted",
        _ => "referral_declined",
    };
    if event == "transfer_accepted"
        && let Some(code) = &to_commune
    {
        let province: Option<String> =
            sqlx::query_scalar("SELECT province_code FROM admin_units WHERE code = $1")
                .bind(code.clone())
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
        let assigned = (p.role == Role::CommuneOfficer).then_some(p.user_id);
        sqlx::query(
            "UPDATE cases SET province_code = $1, commune_code = $2, village_code = NULL, \
             assigned_to = $3, version = version + 1 WHERE id = $4",
        )
        .bind(province.or(r.path.province.clone()))
        .bind(code.clone())
        .bind(assigned)
        .bind(case_id)
        .execute(&mut *tx)
        .await?;
        // The receiving commune's log (and its indicators) see the case arrive.
        let to = UnitPath {
            province: province_code_of(&mut tx, code).await?,
            commune: Some(code.clone()),
            village: None,
        };
        audit::append(
            &mut tx,
            &AuditActor::from(p),
            &to,
            "transfer_in",
            "case",
            &case_id.to_string(),
            serde_json::json!({ "from": r.path.commune }),
        )
        .await?;
    }
    step_row(
        &mut tx,
        case_id,
        event,
        r.stage,
        r.stage,
        now,
        p,
        serde_json::json!({ "note": response }),
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &r.path,
        "decide",
        "case_referral",
        &referral_id.to_string(),
        serde_json::json!({ "case": case_id, "accept": accept }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Indicator input.

/// Indicator inputs for a unit and a period (received dates, Vietnam time, inclusive):
/// distinct children with a case opened, and those whose case kept every time limit as
/// of `now` (indicator 31 of the catalogue: "trẻ em bị xâm hại được hỗ trợ, can thiệp
/// kịp thời"). A child not on the register counts once per case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseCounts {
    pub cases: i64,
    pub children: i64,
    pub children_in_time: i64,
}

pub async fn counts(
    store: &Store,
    path: &UnitPath,
    from: time::Date,
    to: time::Date,
    now: OffsetDateTime,
) -> Result<CaseCounts> {
    let province = path.province.clone().ok_or(StoreError::NotFound)?;
    let by = tallies(store, &province, path.commune.as_deref(), from, to, now).await?;
    let mut out = CaseCounts {
        cases: 0,
        children: 0,
        children_in_time: 0,
    };
    for t in by.values() {
        out.cases += t.cases;
        out.children += t.children;
        out.children_in_time += t.children_in_time;
    }
    Ok(out)
}

/// Per commune: cases received in the period, distinct children with a case, children
/// with a case of abuse (not only "at risk"), and children whose case kept every limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseTally {
    pub cases: i64,
    pub children: i64,
    pub children_abused: i64,
    pub children_in_time: i64,
}

/// [`CaseTally`] for every commune of a province (the indicator engine's input).
pub async fn counts_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    from: time::Date,
    to: time::Date,
    now: OffsetDateTime,
) -> Result<std::collections::BTreeMap<String, CaseTally>> {
    tallies(store, province, commune, from, to, now).await
}

async fn tallies(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    from: time::Date,
    to: time::Date,
    now: OffsetDateTime,
) -> Result<std::collections::BTreeMap<String, CaseTally>> {
    let cal = calendar(store).await?;
    let limits = limits(store).await?;
    let start = from.midnight().assume_offset(dom::VN);
    let end = to
        .next_day()
        .unwrap_or(to)
        .midnight()
        .assume_offset(dom::VN);
    let rows = sqlx::query(
        "SELECT k.id, k.commune_code, k.received_at, k.harms FROM cases k WHERE k.province_code = $1 \
         AND ($2 = '' OR k.commune_code = $2) AND k.received_at >= $3 AND k.received_at < $4",
    )
    .bind(province.to_owned())
    .bind(commune.unwrap_or("").to_owned())
    .bind(timestamp(start))
    .bind(timestamp(end))
    .fetch_all(store.pool())
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.get("id")).collect();
    // Steps and children of those cases, read once each.
    let mut steps: std::collections::HashMap<i64, Vec<Taken>> = Default::default();
    let mut kids: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT case_id, step, at, form FROM case_steps WHERE case_id IN ({list}) ORDER BY id"
        );
        for r in sqlx::query(AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await?
        {
            let (step, at, form): (String, String, String) =
                (r.get("step"), r.get("at"), r.get("form"));
            if let (Some(step), Some(at), Ok(form)) = (
                Step::parse(&step),
                parse_ts(&at),
                serde_json::from_str(&form),
            ) {
                steps
                    .entry(r.get("case_id"))
                    .or_default()
                    .push(Taken { step, at, form });
            }
        }
        let sql =
            format!("SELECT case_id, id, child_id FROM case_children WHERE case_id IN ({list})");
        for r in sqlx::query(AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await?
        {
            let child: Option<i64> = r.get("child_id");
            let key = child.map_or(format!("row{}", r.get::<i64, _>("id")), |c| {
                format!("child{c}")
            });
            kids.entry(r.get("case_id")).or_default().push(key);
        }
    }
    type Sets = (
        i64,
        std::collections::HashSet<String>,
        std::collections::HashSet<String>,
        std::collections::HashSet<String>,
    );
    let mut by: std::collections::BTreeMap<String, Sets> = Default::default();
    for r in &rows {
        let id: i64 = r.get("id");
        let received =
            parse_ts(&r.get::<String, _>("received_at")).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let ok = dom::handled_in_time(
            received,
            steps.get(&id).map_or(&[][..], Vec::as_slice),
            now,
            &cal,
            &limits,
        );
        let abuse = r
            .get::<String, _>("harms")
            .split(',')
            .any(|h| !h.is_empty() && h != "at_risk");
        let e = by.entry(r.get("commune_code")).or_default();
        e.0 += 1;
        for k in kids.get(&id).into_iter().flatten() {
            e.1.insert(k.clone());
            if abuse {
                e.2.insert(k.clone());
            }
            if ok {
                e.3.insert(k.clone());
            }
        }
    }
    Ok(by
        .into_iter()
        .map(|(c, (cases, all, abused, in_time))| {
            (
                c,
                CaseTally {
                    cases,
                    children: all.len() as i64,
                    children_abused: abused.len() as i64,
                    children_in_time: in_time.len() as i64,
                },
            )
        })
        .collect())
}

/// The open cases near or past their deadline that `who` may see: the home page and the
/// daily summary.
pub async fn due_soon(
    store: &Store,
    scoped: &Scoped<ViewCases>,
    now: OffsetDateTime,
) -> Result<Vec<CaseSummary>> {
    list(
        store,
        scoped,
        &CaseFilter {
            due: "near".into(),
            ..CaseFilter::default()
        },
        now,
    )
    .await
}

/// Urgency counts of a list (for badges).
pub fn tally(rows: &[CaseSummary]) -> (usize, usize) {
    let overdue = rows
        .iter()
        .filter(|r| r.urgency == Urgency::Overdue.as_str())
        .count();
    let near = rows
        .iter()
        .filter(|r| r.urgency == Urgency::Near.as_str())
        .count();
    (overdue, near)
}

/// One line of the daily summary: no personal data, only the case code and its deadline.
#[derive(Debug, Clone, Serialize)]
pub struct DueLine {
    pub commune_code: String,
    pub commune_name: String,
    pub code: String,
    pub stage: String,
    pub deadline: String,
    pub due: String,
    pub urgency: String,
    pub time_left: String,
}

/// The daily summary (all communes, or one province): open cases near or past their
/// deadline at `now`, by commune. Read as the system; audited as one entry.
pub async fn daily_summary(
    store: &Store,
    province: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<DueLine>> {
    let limits = limits(store).await?;
    let until = timestamp(now + time::Duration::hours(i64::from(limits.near_hours)));
    let rows = sqlx::query(
        "SELECT k.code, k.commune_code, cu.name AS commune_name, k.stage, k.next_due, k.next_due_kind \
         FROM cases k LEFT JOIN admin_units cu ON cu.code = k.commune_code \
         WHERE k.stage <> 'closed' AND k.next_due <= $1 AND ($2 = '' OR k.province_code = $2) \
         ORDER BY k.commune_code, k.next_due",
    )
    .bind(until)
    .bind(province.unwrap_or("").to_owned())
    .fetch_all(store.pool())
    .await?;
    let out: Vec<DueLine> = rows
        .iter()
        .filter_map(|r| {
            let due = parse_ts(&r.get::<String, _>("next_due"))?;
            let kind = dom::DeadlineKind::parse(&r.get::<String, _>("next_due_kind"))?;
            let d = dom::Deadline { kind, due };
            let stage: String = r.get("stage");
            Some(DueLine {
                commune_code: r.get("commune_code"),
                commune_name: r
                    .get::<Option<String>, _>("commune_name")
                    .unwrap_or_default(),
                code: r.get("code"),
                stage: Stage::parse(&stage).map_or("", Stage::label_vi).into(),
                deadline: kind.label_vi().into(),
                due: d.due_vi(),
                urgency: d.urgency(now, &limits).label_vi().into(),
                time_left: d.left_vi(now),
            })
        })
        .collect();
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &AuditActor::system("daily_summary"),
        &UnitPath::default(),
        "view",
        "case_due_summary",
        province.unwrap_or(mang_domain::units::NATIONAL_CODE),
        serde_json::json!({ "rows": out.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Export the cases the user may see with content (never the reporter) as table rows:
/// restricted to roles with `ExportCaseData`, and recorded in the audit log with the
/// number of rows. `headers` first.
pub async fn export_rows(
    store: &Store,
    scoped: &Scoped<mang_domain::access::ExportCaseData>,
    filter: &CaseFilter,
    now: OffsetDateTime,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let p = scoped.actor();
    let view = p.scoped::<ViewCases>().map_err(|_| StoreError::Denied)?;
    let rows: Vec<CaseSummary> = list(store, &view, filter, now)
        .await?
        .into_iter()
        .filter(|c| c.visibility != "status")
        .collect();
    let headers = [
        "Mã ca",
        "Xã, phường",
        "Nhận thông tin",
        "Hình thức",
        "Trẻ",
        "Bước xử lý",
        "Hạn tiếp theo",
        "Hạn",
        "Tình trạng hạn",
        "Người xử lý",
        "Lý do kết thúc",
    ]
    .map(str::to_owned)
    .to_vec();
    let out: Vec<Vec<String>> = rows
        .iter()
        .map(|c| {
            vec![
                c.code.clone(),
                c.commune_name.clone(),
                c.received_label.clone(),
                c.harms.join(", "),
                c.children.join(", "),
                c.stage_label.clone(),
                c.next_due_kind.clone(),
                c.next_due_label.clone(),
                c.time_left.clone(),
                c.assigned_name.clone().unwrap_or_default(),
                c.closed_reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &AuditActor::from(p),
        &scoped.scope().path,
        "export",
        "case_list",
        p.unit.as_str(),
        serde_json::json!({ "rows": out.len(), "stage": filter.stage }),
    )
    .await?;
    tx.commit().await?;
    Ok((headers, out))
}
