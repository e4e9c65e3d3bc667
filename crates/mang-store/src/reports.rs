//! Periodic reports under a plan's reporting regime (BRIEF §6.1): one unit's report for
//! one scheduled report (6-month, annual, ad hoc), its narrative, its appendix figures,
//! the review by the unit above (submit → return with comment → resubmit → approve), the
//! consolidation of sub-units' approved reports, and the completeness and timeliness a
//! parent unit sees.
//!
//! The appendix is computed from the records by the same code as the dashboard
//! ([`crate::scorecard::board`]) and frozen into `reports.content` when the report is
//! submitted; an approved report is never recomputed (a new version must be requested).

use crate::audit::{self, Actor};
use crate::indicators::Cache;
use crate::scorecard::{self, Figure};
use crate::units::{self, Unit};
use crate::{Result, Store, StoreError, Tx, now_text, timestamp};
use mang_domain::access::{Principal, Role, Scoped, ViewAggregates, WriteReports};
use mang_domain::reports::{
    self as dom, Completeness, Narrative, ReportAction, ReportKind, ReportStatus,
};
use mang_domain::targets::{self, Period, Value};
use mang_domain::units::{UnitLevel, UnitPath};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// A report a plan requires.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleRow {
    pub id: i64,
    pub plan_id: i64,
    pub plan_code: String,
    pub plan_title: String,
    pub plan_unit_code: String,
    /// `half`, `annual`, `ad_hoc`.
    pub kind: String,
    pub kind_label: String,
    /// "Báo cáo 6 tháng đầu năm 2026", "Báo cáo năm 2026", "Báo cáo đột xuất năm 2026".
    pub title: String,
    /// `2026S1`, `2026`.
    pub period: String,
    pub period_label: String,
    /// ISO date, or `None` when the plan says "theo quy định".
    pub due_on: Option<String>,
    /// "15/05/2026" or "Theo quy định".
    pub due_text: String,
    /// Agency key of the recipient (`SYT`).
    pub recipient: String,
    pub recipient_name: String,
    /// The plan's clause.
    pub text: String,
}

impl ScheduleRow {
    pub fn due(&self) -> Option<Date> {
        self.due_on.as_deref().and_then(parse_date)
    }

    pub fn period(&self) -> Result<Period> {
        Period::parse(&self.period).ok_or(StoreError::Invalid {
            field: "period",
            message: format!("kỳ báo cáo «{}» không hợp lệ", self.period),
        })
    }
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(
        s.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// The Vietnam date of a stored UTC timestamp.
fn vn_date(ts: &str) -> Option<Date> {
    OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.to_offset(mang_domain::cases::VN).date())
}

const SCHEDULE_SELECT: &str = "SELECT s.id, s.plan_id, p.code AS plan_code, p.title AS plan_title, \
    p.unit_code AS plan_unit_code, s.kind, s.period, s.due_on, s.recipient, s.text \
    FROM report_schedules s JOIN plans p ON p.id = s.plan_id";

fn schedule_row(r: &sqlx::any::AnyRow) -> ScheduleRow {
    let kind: String = r.get("kind");
    let period: String = r.get("period");
    let due_on: Option<String> = r.get("due_on");
    let recipient: String = r.get("recipient");
    let period_label = Period::parse(&period).map_or(period.clone(), |p| p.label_vi());
    ScheduleRow {
        title: if kind == "ad_hoc" {
            format!("Báo cáo đột xuất {period_label}")
        } else {
            format!("Báo cáo {period_label}")
        },
        id: r.get("id"),
        plan_id: r.get("plan_id"),
        plan_code: r.get("plan_code"),
        plan_title: r.get("plan_title"),
        plan_unit_code: r.get("plan_unit_code"),
        kind_label: ReportKind::parse(&kind).map_or(kind.clone(), |k| k.label_vi().into()),
        kind,
        period_label,
        period,
        due_text: due_on
            .as_deref()
            .map_or("Theo quy định".into(), mang_domain::vi::iso_date),
        due_on,
        recipient_name: mang_domain::plans::agency(&recipient)
            .map_or(recipient.clone(), |a| a.name.clone()),
        recipient,
        text: r.get("text"),
    }
}

/// One scheduled report.
pub async fn schedule(store: &Store, id: i64) -> Result<ScheduleRow> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SCHEDULE_SELECT} WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(schedule_row(&r))
}

/// The reports a plan requires, in due-date order.
pub async fn schedules_of_plan(store: &Store, plan_id: i64) -> Result<Vec<ScheduleRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SCHEDULE_SELECT} WHERE s.plan_id = $1 ORDER BY s.due_on, s.id"
    )))
    .bind(plan_id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(schedule_row).collect())
}

/// The scheduled reports `unit` writes: those of the plans of the unit itself and of its
/// province (a commune reports under its province's plan), in due-date order.
pub async fn schedules_for(store: &Store, unit: &Unit) -> Result<Vec<ScheduleRow>> {
    let path = unit.path();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SCHEDULE_SELECT} WHERE p.issued_on IS NOT NULL AND (p.unit_code = $1 OR p.unit_code = $2) \
         ORDER BY s.due_on, s.id"
    )))
    .bind(unit.code.clone())
    .bind(path.province.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(schedule_row).collect())
}

/// The units that must write a scheduled report: the plan's own unit and, for a
/// province's plan, every commune of the province.
async fn reporters(store: &Store, s: &ScheduleRow) -> Result<Vec<Unit>> {
    let plan_unit = units::get(store, &s.plan_unit_code).await?;
    let mut out = vec![plan_unit.clone()];
    if plan_unit.level() == UnitLevel::Province {
        out.extend(units::communes_of(store, &plan_unit.code).await?);
    }
    Ok(out)
}

/// One event of a report's review trail.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventRow {
    pub at: String,
    pub username: String,
    pub role: String,
    pub action: String,
    pub action_label: String,
    pub from_status: String,
    pub to_status: String,
    pub comment: String,
}

/// A report as read.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    pub id: i64,
    pub schedule: ScheduleRow,
    pub unit_code: String,
    pub unit_name: String,
    /// Who receives it: the plan's recipient for a lower unit, the province's People's
    /// Committee for the plan's own unit.
    pub recipient_name: String,
    pub version: i64,
    /// `draft`, `submitted`, `returned`, `approved`, `superseded`.
    pub status: String,
    pub status_label: String,
    pub results: String,
    pub difficulties: String,
    pub proposals: String,
    pub doc_number: Option<i64>,
    pub signer: String,
    pub first_submitted_at: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    /// `on_time`, `late`, `missing`, `pending` (of the first submission of any version).
    pub timeliness: String,
    pub timeliness_label: String,
    pub row_version: i64,
    /// The appendix is frozen (submitted or approved).
    pub frozen: bool,
    pub events: Vec<EventRow>,
}

/// Where a report lies for access checks: its unit's province and commune.
pub fn report_path(unit: &Unit) -> UnitPath {
    let mut p = unit.path();
    p.village = None;
    p
}

impl ReportRow {
    pub fn status(&self) -> ReportStatus {
        ReportStatus::parse(&self.status).unwrap_or(ReportStatus::Draft)
    }

    pub fn narrative(&self) -> Narrative {
        Narrative {
            results: self.results.clone(),
            difficulties: self.difficulties.clone(),
            proposals: self.proposals.clone(),
        }
    }
}

const REPORT_SELECT: &str = "SELECT r.id, r.schedule_id, r.unit_code, u.name AS unit_name, r.version, r.status, \
    r.results, r.difficulties, r.proposals, r.doc_number, r.signer, r.first_submitted_at, r.submitted_at, \
    r.approved_at, r.row_version, CASE WHEN r.content IS NULL THEN 0 ELSE 1 END AS frozen, r.province_code, r.commune_code \
    FROM reports r LEFT JOIN admin_units u ON u.code = r.unit_code";

async fn read(store: &Store, id: i64, today: Date) -> Result<ReportRow> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT_SELECT} WHERE r.id = $1"
    )))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    let s = schedule(store, r.get("schedule_id")).await?;
    let events = sqlx::query(
        "SELECT at, username, role, action, from_status, to_status, comment FROM report_events \
         WHERE report_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|e| {
        let action: String = e.get("action");
        EventRow {
            at: e.get("at"),
            username: e.get("username"),
            role: e.get("role"),
            action_label: ReportAction::parse(&action)
                .map_or("Tạo báo cáo", ReportAction::label_vi)
                .into(),
            action,
            from_status: e.get("from_status"),
            to_status: e.get("to_status"),
            comment: e.get("comment"),
        }
    })
    .collect();
    let unit_code: String = r.get("unit_code");
    let version: i64 = r.get("version");
    // Timeliness counts the first submission of any version.
    let first: Option<String> = sqlx::query_scalar(
        "SELECT MIN(first_submitted_at) FROM reports WHERE schedule_id = $1 AND unit_code = $2",
    )
    .bind(s.id)
    .bind(unit_code.clone())
    .fetch_one(store.pool())
    .await?;
    let t = dom::timeliness(s.due(), first.as_deref().and_then(vn_date), today);
    let status: String = r.get("status");
    let frozen: bool = r.get::<i64, _>("frozen") != 0;
    let recipient_name = if unit_code == s.plan_unit_code {
        let province = units::get(store, &unit_code).await?;
        format!("Ủy ban nhân dân {}", province.name)
    } else {
        s.recipient_name.clone()
    };
    Ok(ReportRow {
        id,
        recipient_name,
        unit_name: r
            .get::<Option<String>, _>("unit_name")
            .unwrap_or_else(|| unit_code.clone()),
        unit_code,
        version,
        status_label: ReportStatus::parse(&status).map_or(status.clone(), |x| x.label_vi().into()),
        status,
        results: r.get("results"),
        difficulties: r.get("difficulties"),
        proposals: r.get("proposals"),
        doc_number: r.get("doc_number"),
        signer: r.get("signer"),
        first_submitted_at: r.get("first_submitted_at"),
        submitted_at: r.get("submitted_at"),
        approved_at: r.get("approved_at"),
        timeliness: t.as_str().into(),
        timeliness_label: t.label_vi().into(),
        row_version: r.get("row_version"),
        frozen,
        events,
        schedule: s,
    })
}

fn today_vn(now: OffsetDateTime) -> Date {
    now.to_offset(mang_domain::cases::VN).date()
}

/// A report, if the reader's scope holds its unit.
pub async fn get(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    id: i64,
    now: OffsetDateTime,
) -> Result<ReportRow> {
    let r = read(store, id, today_vn(now)).await?;
    let unit = units::get(store, &r.unit_code).await?;
    scoped
        .grant(&report_path(&unit))
        .map_err(|_| StoreError::NotFound)?;
    Ok(r)
}

/// The current version of a unit's report under a schedule (the newest one not
/// superseded), if any.
pub async fn current(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    schedule_id: i64,
    unit_code: &str,
    now: OffsetDateTime,
) -> Result<Option<ReportRow>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE schedule_id = $1 AND unit_code = $2 AND status <> 'superseded' \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(schedule_id)
    .bind(unit_code.to_owned())
    .fetch_optional(store.pool())
    .await?;
    match id {
        Some(id) => Ok(Some(get(store, scoped, id, now).await?)),
        None => Ok(None),
    }
}

async fn event(
    tx: &mut Tx,
    at: &str,
    report_id: i64,
    p: &Principal,
    action: &str,
    from: &str,
    to: &str,
    comment: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_events (report_id, at, username, role, action, from_status, to_status, comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(report_id)
    .bind(at.to_owned())
    .bind(p.username.clone())
    .bind(p.role.as_str().to_owned())
    .bind(action.to_owned())
    .bind(from.to_owned())
    .bind(to.to_owned())
    .bind(comment.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The unit's report under a schedule: the current version, or a new draft (version 1).
/// Only the unit itself writes its report.
pub async fn open(
    store: &Store,
    scoped: &Scoped<WriteReports>,
    schedule_id: i64,
    unit: &Unit,
) -> Result<i64> {
    let p = scoped.actor().clone();
    if p.unit.as_str() != unit.code {
        return Err(StoreError::Denied);
    }
    let mut path = unit.path();
    path.village = None;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let s = schedule(store, schedule_id).await?;
    if !reporters(store, &s)
        .await?
        .iter()
        .any(|u| u.code == unit.code)
    {
        return Err(StoreError::Invalid {
            field: "schedule",
            message: format!(
                "{} không thuộc đơn vị phải báo cáo theo {}",
                unit.name, s.plan_code
            ),
        });
    }
    let mut tx = store.begin_write().await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE schedule_id = $1 AND unit_code = $2 AND status <> 'superseded' \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(schedule_id)
    .bind(unit.code.clone())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let now = now_text();
    let id: i64 = sqlx::query(
        "INSERT INTO reports (schedule_id, unit_code, province_code, commune_code, version, status, results, \
         difficulties, proposals, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, 'draft', '', '', '', $5, $5) \
         RETURNING id",
    )
    .bind(schedule_id)
    .bind(unit.code.clone())
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    event(&mut tx, &now_text(), id, &p, "create", "", "draft", "").await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "report",
        &id.to_string(),
        serde_json::json!({ "schedule": schedule_id, "period": s.period }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What the user sends with an action.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ActInput {
    /// `save`, `submit`, `return`, `approve`, `new_version`.
    pub action: String,
    /// The `row_version` the user saw (stale writes are refused).
    pub row_version: i64,
    pub results: String,
    pub difficulties: String,
    pub proposals: String,
    /// The document number (số), blank for none.
    pub doc_number: String,
    pub signer: String,
    /// Required to return a report.
    pub comment: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field,
        message: message.into(),
    }
}

/// Take an action on a report; returns the id of the report to show next (a new version's
/// id after `new_version`). Authors (the unit's own officers with `WriteReports`) save,
/// submit and ask for a new version; officers of a unit above with `ReviewReports`
/// return, approve and may also ask for a new version.
pub async fn act(
    store: &Store,
    cache: &Cache,
    p: &Principal,
    id: i64,
    input: &ActInput,
    now: OffsetDateTime,
) -> Result<i64> {
    let today = today_vn(now);
    let r = read(store, id, today).await?;
    let unit = units::get(store, &r.unit_code).await?;
    let path = report_path(&unit);
    let action = ReportAction::parse(&input.action)
        .ok_or_else(|| invalid("action", format!("thao tác «{}» không có", input.action)))?;
    let own_unit = p.unit.as_str() == r.unit_code;
    let allowed = if own_unit {
        action.by_author() && p.authorize::<WriteReports>(&path).is_ok()
    } else {
        (!action.by_author() || action == ReportAction::NewVersion)
            && p.authorize::<mang_domain::access::ReviewReports>(&path)
                .is_ok()
    };
    if !allowed {
        // Outside the scope: not found; inside it but not this user's step: denied.
        return if p.authorize::<ViewAggregates>(&path).is_ok() {
            Err(StoreError::Denied)
        } else {
            Err(StoreError::NotFound)
        };
    }
    if input.row_version != r.row_version {
        return Err(StoreError::StaleVersion {
            expected: input.row_version,
            found: r.row_version,
        });
    }
    let from = r.status();
    let to = dom::next(from, action).map_err(|m| invalid("action", m))?;
    let narrative = Narrative {
        results: input.results.clone(),
        difficulties: input.difficulties.clone(),
        proposals: input.proposals.clone(),
    };
    let doc_number = match input.doc_number.trim() {
        "" => None,
        n => Some(
            n.parse::<i64>()
                .ok()
                .filter(|n| (1..=99_999).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "doc_number",
                        format!("Số văn bản «{n}» không hợp lệ: nhập số nguyên dương."),
                    )
                })?,
        ),
    };
    if matches!(action, ReportAction::Save | ReportAction::Submit) {
        let errors = narrative.check(action == ReportAction::Submit);
        if let Some((field, message)) = errors.into_iter().next() {
            return Err(invalid(field, message));
        }
    }
    let comment = input.comment.trim().to_owned();
    if action == ReportAction::Return && comment.is_empty() {
        return Err(invalid(
            "comment",
            "Ghi rõ nội dung cần bổ sung, chỉnh sửa khi trả lại báo cáo.",
        ));
    }
    // The appendix is computed before the write transaction (it reads a lot).
    let content = if action == ReportAction::Submit {
        Some(
            serde_json::to_string(&live_content(store, cache, &unit, &r.schedule, now).await?)
                .map_err(|e| invalid("content", format!("không lưu được số liệu phụ lục: {e}")))?,
        )
    } else {
        None
    };
    let grant = p
        .authorize::<ViewAggregates>(&path)
        .map_err(|_| StoreError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let ts = timestamp(now);
    let changed = match action {
        ReportAction::Save => {
            sqlx::query(
                "UPDATE reports SET results = $1, difficulties = $2, proposals = $3, doc_number = $4, signer = $5, \
                 updated_at = $6, row_version = row_version + 1 WHERE id = $7 AND row_version = $8",
            )
            .bind(narrative.results.clone())
            .bind(narrative.difficulties.clone())
            .bind(narrative.proposals.clone())
            .bind(doc_number)
            .bind(input.signer.trim().to_owned())
            .bind(ts.clone())
            .bind(id)
            .bind(r.row_version)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
        ReportAction::Submit => {
            sqlx::query(
                "UPDATE reports SET results = $1, difficulties = $2, proposals = $3, doc_number = $4, signer = $5, \
                 status = 'submitted', content = $6, submitted_at = $7, \
                 first_submitted_at = COALESCE(first_submitted_at, $7), updated_at = $7, \
                 row_version = row_version + 1 WHERE id = $8 AND row_version = $9",
            )
            .bind(narrative.results.clone())
            .bind(narrative.difficulties.clone())
            .bind(narrative.proposals.clone())
            .bind(doc_number)
            .bind(input.signer.trim().to_owned())
            .bind(content.clone())
            .bind(ts.clone())
            .bind(id)
            .bind(r.row_version)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
        ReportAction::Return => {
            // Back to the author, who may edit the narrative; the figures are taken afresh
            // at the next submission.
            sqlx::query(
                "UPDATE reports SET status = 'returned', content = NULL, updated_at = $1, \
                 row_version = row_version + 1 WHERE id = $2 AND row_version = $3",
            )
            .bind(ts.clone())
            .bind(id)
            .bind(r.row_version)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
        ReportAction::Approve => {
            let n = sqlx::query(
                "UPDATE reports SET status = 'approved', approved_at = $1, updated_at = $1, \
                 row_version = row_version + 1 WHERE id = $2 AND row_version = $3",
            )
            .bind(ts.clone())
            .bind(id)
            .bind(r.row_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // An earlier approved version gives way to this one.
            sqlx::query(
                "UPDATE reports SET status = 'superseded', updated_at = $1 WHERE schedule_id = $2 \
                 AND unit_code = $3 AND version < $4 AND status = 'approved'",
            )
            .bind(ts.clone())
            .bind(r.schedule.id)
            .bind(r.unit_code.clone())
            .bind(r.version)
            .execute(&mut *tx)
            .await?;
            n
        }
        ReportAction::NewVersion => {
            let pending: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reports WHERE schedule_id = $1 AND unit_code = $2 AND version > $3",
            )
            .bind(r.schedule.id)
            .bind(r.unit_code.clone())
            .bind(r.version)
            .fetch_one(&mut *tx)
            .await?;
            if pending > 0 {
                return Err(invalid(
                    "action",
                    "Đã có phiên bản mới của báo cáo này đang được soạn.",
                ));
            }
            1
        }
    };
    if changed == 0 {
        return Err(StoreError::StaleVersion {
            expected: input.row_version,
            found: r.row_version + 1,
        });
    }
    let mut target = id;
    if action == ReportAction::NewVersion {
        target = sqlx::query(
            "INSERT INTO reports (schedule_id, unit_code, province_code, commune_code, version, status, results, \
             difficulties, proposals, doc_number, signer, created_at, updated_at) \
             SELECT schedule_id, unit_code, province_code, commune_code, version + 1, 'draft', results, difficulties, \
             proposals, NULL, signer, $1, $1 FROM reports WHERE id = $2 RETURNING id",
        )
        .bind(ts.clone())
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        event(
            &mut tx,
            &ts,
            target,
            p,
            "new_version",
            "",
            "draft",
            &comment,
        )
        .await?;
    }
    event(
        &mut tx,
        &ts,
        id,
        p,
        action.as_str(),
        from.as_str(),
        to.as_str(),
        &comment,
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        action.as_str(),
        "report",
        &id.to_string(),
        serde_json::json!({ "from": from.as_str(), "to": to.as_str(), "version": r.version }),
    )
    .await?;
    tx.commit().await?;
    Ok(target)
}

/// One table of a report's appendix, as text and numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContentTable {
    /// `cnsc_by_group`, `cases_by_harm`…
    pub key: String,
    pub title: String,
    pub header: Vec<String>,
    /// The first column is a label; the others are counts.
    pub rows: Vec<(String, Vec<i64>)>,
}

/// A sub-unit in the consolidation of a parent's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubunitStatus {
    pub code: String,
    pub name: String,
    /// Status of the current version, `none` when no report was started.
    pub status: String,
    pub status_label: String,
    pub timeliness: String,
    pub timeliness_label: String,
    /// dd/mm/yyyy of the first submission.
    pub submitted_on: String,
    pub report_id: Option<i64>,
    pub version: Option<i64>,
}

/// The consolidation of sub-units' approved reports (tổng hợp báo cáo của cấp dưới).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consolidation {
    pub counts: CompletenessCounts,
    /// Every indicator: numerators and denominators summed over the approved reports.
    pub figures: Vec<Figure>,
    pub units: Vec<SubunitStatus>,
}

/// [`Completeness`] with its labels (serialisable both ways).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompletenessCounts {
    pub expected: u32,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub pending: u32,
    pub approved: u32,
}

impl From<Completeness> for CompletenessCounts {
    fn from(c: Completeness) -> Self {
        CompletenessCounts {
            expected: c.expected,
            on_time: c.on_time,
            late: c.late,
            missing: c.missing,
            pending: c.pending,
            approved: 0,
        }
    }
}

/// A report's appendix: every indicator with its target (the dashboard's figures), the
/// breakdown tables, and for a province the consolidation of its communes' approved
/// reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportContent {
    pub unit_code: String,
    pub unit_name: String,
    pub period: String,
    pub period_label: String,
    /// ISO date the figures were computed (Vietnam date).
    pub computed_on: String,
    pub figures: Vec<Figure>,
    pub tables: Vec<ContentTable>,
    pub consolidation: Option<Consolidation>,
}

/// The appendix computed now from the records (what a submission freezes).
pub async fn live_content(
    store: &Store,
    cache: &Cache,
    unit: &Unit,
    s: &ScheduleRow,
    now: OffsetDateTime,
) -> Result<ReportContent> {
    let period = s.period()?;
    let board = scorecard::board(store, cache, unit, &period, now).await?;
    let tables = breakdowns(store, unit, &period).await?;
    let consolidation = if unit.level() == UnitLevel::Province {
        Some(consolidate(store, s, unit, now).await?)
    } else {
        None
    };
    Ok(ReportContent {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period: period.code(),
        period_label: period.label_vi(),
        computed_on: today_vn(now).to_string(),
        figures: board.figures,
        tables,
        consolidation,
    })
}

/// The appendix of a report: frozen if submitted or approved, else computed now.
pub async fn content(
    store: &Store,
    cache: &Cache,
    r: &ReportRow,
    now: OffsetDateTime,
) -> Result<ReportContent> {
    if r.frozen {
        let text: Option<String> = sqlx::query_scalar("SELECT content FROM reports WHERE id = $1")
            .bind(r.id)
            .fetch_one(store.pool())
            .await?;
        if let Some(t) = text {
            return serde_json::from_str(&t)
                .map_err(|e| invalid("content", format!("số liệu phụ lục hỏng: {e}")));
        }
    }
    let unit = units::get(store, &r.unit_code).await?;
    live_content(store, cache, &unit, &r.schedule, now).await
}

/// The unit filter of the breakdown queries: `$1` province, `$2` commune ('' for the whole
/// province). Written out per case so that a commune's query uses the
/// `(province_code, commune_code, …)` indexes instead of scanning the province.
fn in_unit(path: &UnitPath) -> &'static str {
    if path.commune.is_some() {
        "province_code = $1 AND commune_code = $2"
    } else {
        "province_code = $1 AND $2 = ''"
    }
}

async fn grouped(
    store: &Store,
    sql: &str,
    path: &UnitPath,
    from: Date,
    to: Date,
) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(path.province.clone().unwrap_or_default())
        .bind(path.commune.clone().unwrap_or_default())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect())
}

/// The breakdown tables of the appendix for `unit` and `period`.
async fn breakdowns(store: &Store, unit: &Unit, period: &Period) -> Result<Vec<ContentTable>> {
    use mang_domain::cases::{Harm, Stage};
    let mut path = unit.path();
    path.village = None;
    let (from, to) = (period.start(), period.end());
    let mut tables = Vec::new();
    let w = in_unit(&path);

    // Children in special circumstances by group, open at the end of the period.
    let rows = grouped(
        store,
        &format!(
            "SELECT code, CAST(COUNT(DISTINCT child_id) AS BIGINT) FROM child_circumstances WHERE {w} \
             AND kind = 'special' AND start_date <= $4 AND (end_date IS NULL OR end_date >= $4) AND $3 <> '' \
             GROUP BY code ORDER BY code"
        ),
        &path,
        from,
        to,
    )
    .await?;
    let counts: BTreeMap<String, i64> = rows.into_iter().collect();
    tables.push(ContentTable {
        key: "cnsc_by_group".into(),
        title: "Trẻ em có hoàn cảnh đặc biệt theo nhóm (Luật Trẻ em, Điều 10)".into(),
        header: vec!["Nhóm".into(), "Số trẻ em".into()],
        rows: mang_domain::circumstances::all()
            .iter()
            .filter(|c| c.kind == mang_domain::circumstances::Kind::Special)
            .map(|c| {
                (
                    format!("{}) {}", c.letter, c.label),
                    vec![counts.get(&c.code).copied().unwrap_or(0)],
                )
            })
            .collect(),
    });

    // Cases received in the period, by form of harm (multi-valued) and by current step.
    let case_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT harms, stage FROM cases WHERE {w} AND received_at >= $3 AND received_at < $4"
    )))
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(timestamp(
        from.midnight()
            .assume_offset(mang_domain::cases::VN)
            .to_offset(time::UtcOffset::UTC),
    ))
    .bind(timestamp(
        to.next_day()
            .unwrap_or(to)
            .midnight()
            .assume_offset(mang_domain::cases::VN)
            .to_offset(time::UtcOffset::UTC),
    ))
    .fetch_all(store.pool())
    .await?;
    let mut by_harm: BTreeMap<&'static str, i64> = BTreeMap::new();
    let mut by_stage: BTreeMap<&'static str, i64> = BTreeMap::new();
    for r in &case_rows {
        let harms: String = r.get("harms");
        for h in harms.split(',').filter_map(Harm::parse) {
            *by_harm.entry(h.as_str()).or_default() += 1;
        }
        if let Some(s) = Stage::parse(&r.get::<String, _>("stage")) {
            *by_stage.entry(s.as_str()).or_default() += 1;
        }
    }
    tables.push(ContentTable {
        key: "cases_by_harm".into(),
        title: "Ca bảo vệ trẻ em tiếp nhận trong kỳ theo hình thức xâm hại, nguy cơ".into(),
        header: vec!["Hình thức".into(), "Số ca".into()],
        rows: mang_domain::cases::HARMS
            .iter()
            .map(|h| {
                (
                    h.label_vi().to_owned(),
                    vec![by_harm.get(h.as_str()).copied().unwrap_or(0)],
                )
            })
            .collect(),
    });
    tables.push(ContentTable {
        key: "cases_by_stage".into(),
        title: "Ca bảo vệ trẻ em tiếp nhận trong kỳ theo bước xử lý hiện tại".into(),
        header: vec!["Bước".into(), "Số ca".into()],
        rows: mang_domain::cases::STAGES
            .iter()
            .map(|s| {
                (
                    s.label_vi().to_owned(),
                    vec![by_stage.get(s.as_str()).copied().unwrap_or(0)],
                )
            })
            .collect(),
    });

    // Injuries in the period by kind, with deaths.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT kind, CAST(COUNT(*) AS BIGINT) AS n, \
         CAST(SUM(CASE WHEN outcome = 'death' THEN 1 ELSE 0 END) AS BIGINT) AS died \
         FROM child_injuries WHERE {w} AND injury_date >= $3 AND injury_date <= $4 GROUP BY kind"
    )))
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(store.pool())
    .await?;
    let injuries: BTreeMap<String, (i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>("kind"),
                (
                    r.get::<i64, _>("n"),
                    r.get::<Option<i64>, _>("died").unwrap_or(0),
                ),
            )
        })
        .collect();
    tables.push(ContentTable {
        key: "injuries_by_kind".into(),
        title: "Trẻ em bị tai nạn, thương tích trong kỳ theo loại".into(),
        header: vec![
            "Loại tai nạn, thương tích".into(),
            "Số trẻ".into(),
            "Tử vong".into(),
        ],
        rows: mang_domain::injuries::KINDS
            .iter()
            .map(|k| {
                let (n, d) = injuries.get(k.as_str()).copied().unwrap_or((0, 0));
                (k.label_vi().to_owned(), vec![n, d])
            })
            .collect(),
    });

    // Deaths of children in the period by cause and age.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT cause, CAST(SUM(CASE WHEN age_days < 28 THEN 1 ELSE 0 END) AS BIGINT) AS neo, \
         CAST(SUM(CASE WHEN age_days < 365 THEN 1 ELSE 0 END) AS BIGINT) AS inf, CAST(COUNT(*) AS BIGINT) AS n \
         FROM child_deaths WHERE {w} AND death_date >= $3 AND death_date <= $4 AND age_days < 1826 GROUP BY cause"
    )))
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(store.pool())
    .await?;
    let deaths: BTreeMap<String, Vec<i64>> = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>("cause"),
                vec![
                    r.get::<Option<i64>, _>("neo").unwrap_or(0),
                    r.get::<Option<i64>, _>("inf").unwrap_or(0),
                    r.get::<i64, _>("n"),
                ],
            )
        })
        .collect();
    tables.push(ContentTable {
        key: "deaths_by_cause".into(),
        title: "Trẻ em dưới 5 tuổi tử vong trong kỳ theo nguyên nhân".into(),
        header: vec![
            "Nguyên nhân".into(),
            "Dưới 28 ngày".into(),
            "Dưới 1 tuổi".into(),
            "Dưới 5 tuổi".into(),
        ],
        rows: mang_domain::deaths::CAUSES
            .iter()
            .map(|c| {
                (
                    c.label_vi().to_owned(),
                    deaths
                        .get(c.as_str())
                        .cloned()
                        .unwrap_or_else(|| vec![0, 0, 0]),
                )
            })
            .collect(),
    });

    // Vaccine doses given in the period by antigen and dose number.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT antigen, dose, CAST(COUNT(*) AS BIGINT) AS n FROM child_doses WHERE {w} \
         AND given_on >= $3 AND given_on <= $4 GROUP BY antigen, dose ORDER BY antigen, dose"
    )))
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(store.pool())
    .await?;
    tables.push(ContentTable {
        key: "doses_by_antigen".into(),
        title: "Số mũi tiêm chủng mở rộng trong kỳ theo vắc xin".into(),
        header: vec!["Vắc xin, mũi".into(), "Số mũi".into()],
        rows: rows
            .iter()
            .map(|r| {
                let antigen: String = r.get("antigen");
                let dose: i64 = r.get("dose");
                (format!("{antigen} mũi {dose}"), vec![r.get::<i64, _>("n")])
            })
            .collect(),
    });
    Ok(tables)
}

/// The status of every expected sub-unit report of a schedule under `parent`, with the
/// counts of on-time, late, missing and pending ones as seen on `today`.
pub async fn completeness(
    store: &Store,
    s: &ScheduleRow,
    parent: &Unit,
    today: Date,
) -> Result<(CompletenessCounts, Vec<SubunitStatus>)> {
    let expected: Vec<Unit> = reporters(store, s)
        .await?
        .into_iter()
        .filter(|u| u.parent_code.as_deref() == Some(parent.code.as_str()))
        .collect();
    // Per unit: the current version and the first submission of any version.
    let rows = sqlx::query(
        "SELECT unit_code, id, version, status, first_submitted_at FROM reports WHERE schedule_id = $1 \
         ORDER BY unit_code, version",
    )
    .bind(s.id)
    .fetch_all(store.pool())
    .await?;
    struct Seen {
        id: i64,
        version: i64,
        status: String,
        first: Option<String>,
        approved: bool,
    }
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for r in &rows {
        let code: String = r.get("unit_code");
        let status: String = r.get("status");
        let first: Option<String> = r.get("first_submitted_at");
        let e = seen.entry(code).or_insert(Seen {
            id: 0,
            version: 0,
            status: String::new(),
            first: None,
            approved: false,
        });
        if e.first.is_none() {
            e.first = first;
        }
        e.approved |= status == "approved";
        if status != "superseded" {
            e.id = r.get("id");
            e.version = r.get("version");
            e.status = status;
        }
    }
    let mut c = Completeness::default();
    let mut approved = 0;
    let mut out = Vec::new();
    for u in expected {
        let s_ = seen.get(&u.code);
        let first = s_.and_then(|x| x.first.as_deref()).and_then(vn_date);
        let t = dom::timeliness(s.due(), first, today);
        c.add(t);
        approved += u32::from(s_.is_some_and(|x| x.approved));
        let status = s_.map_or("none".to_string(), |x| x.status.clone());
        out.push(SubunitStatus {
            code: u.code.clone(),
            name: u.name.clone(),
            status_label: ReportStatus::parse(&status)
                .map_or("Chưa lập báo cáo", ReportStatus::label_vi)
                .into(),
            status,
            timeliness: t.as_str().into(),
            timeliness_label: t.label_vi().into(),
            submitted_on: first.map(mang_domain::vi::date).unwrap_or_default(),
            report_id: s_.map(|x| x.id),
            version: s_.map(|x| x.version),
        });
    }
    let mut counts = CompletenessCounts::from(c);
    counts.approved = approved;
    Ok((counts, out))
}

/// Sum the figures of sub-units' approved reports (the newest approved version of each).
async fn consolidate(
    store: &Store,
    s: &ScheduleRow,
    parent: &Unit,
    now: OffsetDateTime,
) -> Result<Consolidation> {
    let (counts, units) = completeness(store, s, parent, today_vn(now)).await?;
    let contents = sqlx::query(
        "SELECT r.unit_code, r.content FROM reports r WHERE r.schedule_id = $1 AND r.status = 'approved' \
         AND r.province_code = $2 AND r.unit_code <> $3 ORDER BY r.unit_code",
    )
    .bind(s.id)
    .bind(parent.path().province.unwrap_or_default())
    .bind(parent.code.clone())
    .fetch_all(store.pool())
    .await?;
    let mut sums: BTreeMap<String, (f64, Option<f64>)> = BTreeMap::new();
    let mut template: Vec<Figure> = Vec::new();
    for r in &contents {
        let text: Option<String> = r.get("content");
        let Some(c) = text.and_then(|t| serde_json::from_str::<ReportContent>(&t).ok()) else {
            continue;
        };
        for f in &c.figures {
            if let Some(n) = f.numerator {
                let e = sums.entry(f.indicator_id.clone()).or_insert((0.0, None));
                e.0 += n;
                if let Some(d) = f.denominator {
                    e.1 = Some(e.1.unwrap_or(0.0) + d);
                }
            }
        }
        if template.is_empty() {
            template = c.figures;
        }
    }
    let period = s.period()?;
    let figures = targets::catalogue()
        .iter()
        .map(|ind| {
            let t = template.iter().find(|f| f.indicator_id == ind.id);
            let v = sums.get(&ind.id).map(|(n, d)| match d {
                Some(d) => Value::ratio(*n, *d),
                None => Value::count(*n),
            });
            let rate = v.as_ref().and_then(|v| v.rate(ind.unit));
            let target = scorecard::target_for(&parent.code, &parent.path(), &ind.id, &period);
            let status = target.map(|t| targets::evaluate(t, v.as_ref(), None));
            Figure {
                indicator_id: ind.id.clone(),
                no: ind.no,
                name_vi: ind.name_vi.clone(),
                unit: ind.unit.as_str().into(),
                source: ind.source.as_str().into(),
                numerator: v.as_ref().map(|v| v.numerator),
                denominator: v.as_ref().and_then(|v| v.denominator),
                value: rate,
                value_text: rate.map_or_else(|| "—".into(), |r| targets::format_value(ind.unit, r)),
                small_denominator: v.as_ref().is_some_and(|v| v.small_denominator(ind.unit)),
                target_id: target.map(|t| t.id.clone()),
                target_plan: target.map(|t| t.plan.clone()),
                target_text: target.map(targets::format_threshold).unwrap_or_default(),
                target_suspicious: t.is_some_and(|f| f.target_suspicious),
                status: status.map_or("no_target", targets::Status::as_str).into(),
                status_label: status
                    .map_or("Chưa có chỉ tiêu", targets::Status::label_vi)
                    .into(),
                projection_text: String::new(),
            }
        })
        .collect();
    Ok(Consolidation {
        counts,
        figures,
        units,
    })
}

/// A reminder on the home page: a report of the user's unit not yet submitted whose due
/// date is near or past.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reminder {
    pub schedule_id: i64,
    pub title: String,
    pub text: String,
    pub overdue: bool,
}

/// Reminders for the reports `p`'s unit must write (writers only).
pub async fn reminders(store: &Store, p: &Principal, today: Date) -> Result<Vec<Reminder>> {
    if !matches!(
        p.role,
        Role::CommuneOfficer | Role::CommuneChairman | Role::ProvinceOfficer
    ) {
        return Ok(Vec::new());
    }
    let unit = units::get(store, p.unit.as_str()).await?;
    let mut out = Vec::new();
    for s in schedules_for(store, &unit).await? {
        let submitted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reports WHERE schedule_id = $1 AND unit_code = $2 \
             AND first_submitted_at IS NOT NULL",
        )
        .bind(s.id)
        .bind(unit.code.clone())
        .fetch_one(store.pool())
        .await?;
        if submitted > 0 {
            continue;
        }
        if let Some(text) = dom::reminder(s.due(), today) {
            out.push(Reminder {
                schedule_id: s.id,
                title: format!("{} ({})", s.title, s.plan_code),
                overdue: s.due().is_some_and(|d| today > d),
                text,
            });
        }
    }
    Ok(out)
}

/// Everything a report document needs: what the report says and its figures (frozen, or
/// computed now for a draft).
pub async fn document_parts(
    store: &Store,
    cache: &Cache,
    r: &ReportRow,
    now: OffsetDateTime,
) -> Result<(crate::report_docs::ReportMeta, ReportContent)> {
    let unit = units::get(store, &r.unit_code).await?;
    let content = content(store, cache, r, now).await?;
    let state = match r.status() {
        ReportStatus::Approved => format!("Đã duyệt (phiên bản {})", r.version),
        ReportStatus::Submitted => format!("Đã gửi, chờ duyệt (phiên bản {})", r.version),
        s => format!(
            "{} — bản dự thảo, số liệu tạm tính (phiên bản {})",
            s.label_vi(),
            r.version
        ),
    };
    let date = r
        .submitted_at
        .as_deref()
        .filter(|_| r.frozen)
        .and_then(vn_date);
    let meta = meta(
        store,
        &unit,
        &r.schedule,
        r.narrative(),
        r.doc_number,
        &r.signer,
        date,
        state,
    )
    .await?;
    Ok((meta, content))
}

/// The document parts of a unit's report under a schedule: its current version if one
/// exists, else a preview with an empty narrative and today's figures.
pub async fn parts_for_unit(
    store: &Store,
    cache: &Cache,
    unit: &Unit,
    s: &ScheduleRow,
    now: OffsetDateTime,
) -> Result<(crate::report_docs::ReportMeta, ReportContent)> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE schedule_id = $1 AND unit_code = $2 AND status <> 'superseded' \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(s.id)
    .bind(unit.code.clone())
    .fetch_optional(store.pool())
    .await?;
    if let Some(id) = id {
        let r = read(store, id, today_vn(now)).await?;
        return document_parts(store, cache, &r, now).await;
    }
    let content = live_content(store, cache, unit, s, now).await?;
    let meta = meta(
        store,
        unit,
        s,
        Narrative::default(),
        None,
        "",
        None,
        "Bản xem trước: chưa lập báo cáo, số liệu tạm tính".into(),
    )
    .await?;
    Ok((meta, content))
}

async fn meta(
    store: &Store,
    unit: &Unit,
    s: &ScheduleRow,
    narrative: Narrative,
    doc_number: Option<i64>,
    signer: &str,
    date: Option<Date>,
    state: String,
) -> Result<crate::report_docs::ReportMeta> {
    let plan: mang_domain::plans::PlanDoc = serde_json::from_str(
        &sqlx::query_scalar::<_, String>("SELECT doc FROM plans WHERE id = $1")
            .bind(s.plan_id)
            .fetch_one(store.pool())
            .await?,
    )
    .map_err(|e| invalid("doc", format!("nội dung kế hoạch hỏng: {e}")))?;
    let province_name = match unit.path().province {
        Some(code) => units::get(store, &code).await?.name,
        None => String::new(),
    };
    let plan_unit_name = units::get(store, &plan.unit_code).await?.name;
    Ok(crate::report_docs::ReportMeta {
        unit: unit.clone(),
        province_name,
        plan_unit_name,
        schedule: s.clone(),
        plan,
        narrative,
        doc_number: doc_number.and_then(|n| u32::try_from(n).ok()),
        signer: signer.to_owned(),
        date,
        state,
    })
}

/// The schedule of a unit's reports for a period code (`2026S1` → the 6-month report,
/// `2026` → the annual one), among the plans of the unit and its province; the earliest
/// due first when several plans ask for one.
pub async fn schedule_for_period(store: &Store, unit: &Unit, period: &str) -> Result<ScheduleRow> {
    let p = Period::parse(period).ok_or_else(|| {
        invalid(
            "period",
            format!("kỳ «{period}» không hợp lệ (ví dụ 2026S1, 2026)"),
        )
    })?;
    schedules_for(store, unit)
        .await?
        .into_iter()
        .find(|s| s.period == p.code() && s.kind != "ad_hoc")
        .ok_or_else(|| {
            invalid(
                "period",
                format!(
                    "{} không có báo cáo định kỳ kỳ {} theo kế hoạch nào đã ban hành",
                    unit.name,
                    p.label_vi()
                ),
            )
        })
}
