//! Plans (kế hoạch) of units: the shipped example plans, commune plans that implement
//! their province's plan, the tasks with their lead and partner agencies and progress
//! updates, the reporting regime (rows of `report_schedules`), and whether the lower
//! units issued the plans a plan requires of them, on time (BRIEF §6.1).

use crate::audit::{self, Actor};
use crate::reports::{self, ScheduleRow};
use crate::units::{self, Unit};
use crate::{Result, Store, StoreError, Tx, now_text};
use mang_domain::access::{ManagePlans, Principal, Role, Scoped, UpdateTasks, ViewAggregates};
use mang_domain::plans::{self as pdom, PlanDoc};
use mang_domain::reports::{self as rdom, Completeness, TaskStatus};
use mang_domain::targets::Period;
use mang_domain::units::{UnitLevel, UnitPath};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use time::Date;

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(
        s.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field,
        message: message.into(),
    }
}

async fn insert_plan(
    tx: &mut Tx,
    doc: &PlanDoc,
    unit: &Unit,
    parent_id: Option<i64>,
    issued_on: Option<String>,
    by: &str,
) -> Result<i64> {
    let path = unit.path();
    let now = now_text();
    let text = serde_json::to_string(doc).map_err(|e| invalid("doc", e.to_string()))?;
    let id: i64 = sqlx::query(
        "INSERT INTO plans (code, unit_code, province_code, commune_code, parent_id, period, title, issued_on, doc, \
         sub_plans_due, sub_plans_of, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(doc.code.clone())
    .bind(unit.code.clone())
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .bind(parent_id)
    .bind(doc.period.clone())
    .bind(doc.title.clone())
    .bind(issued_on)
    .bind(text)
    .bind(doc.sub_plans.as_ref().and_then(|s| s.due.clone()))
    .bind(doc.sub_plans.as_ref().map(|s| s.of.clone()))
    .bind(by.to_owned())
    .bind(now.clone())
    .fetch_one(&mut **tx)
    .await?
    .get(0);
    for t in &doc.tasks {
        sqlx::query(
            "INSERT INTO plan_tasks (plan_id, no, section, title, detail, lead_key, partners, due_on, due_text, \
             status, progress, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'not_started', 0, $10)",
        )
        .bind(id)
        .bind(t.no.clone())
        .bind(t.section.clone())
        .bind(t.title.clone())
        .bind(t.detail.clone())
        .bind(t.lead.clone())
        .bind(t.partners.join(","))
        .bind(t.due.clone())
        .bind(t.due_text.clone())
        .bind(now.clone())
        .execute(&mut **tx)
        .await?;
    }
    for r in &doc.reports {
        sqlx::query(
            "INSERT INTO report_schedules (plan_id, kind, period, due_on, recipient, text) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(r.kind.clone())
        .bind(r.period.clone())
        .bind(r.due.clone())
        .bind(r.recipient.clone())
        .bind(r.text.clone())
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

/// Load the five shipped plans (`data/plans/`) whose unit exists and which are not yet
/// present. A plan without a date on the document counts as issued on the first day of
/// its period. Returns how many were added.
pub async fn seed_examples(store: &Store) -> Result<usize> {
    let mut added = 0;
    for doc in pdom::examples() {
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plans WHERE code = $1")
            .bind(doc.code.clone())
            .fetch_one(store.pool())
            .await?;
        if exists > 0 {
            continue;
        }
        let Ok(unit) = units::get(store, &doc.unit_code).await else {
            continue;
        };
        let issued = doc
            .date
            .clone()
            .or_else(|| Period::parse(&doc.period).map(|p| p.start().to_string()));
        let mut tx = store.begin_write().await?;
        let id = insert_plan(&mut tx, doc, &unit, None, issued, "system").await?;
        audit::append(
            &mut tx,
            &Actor::system("plans"),
            &unit.path(),
            "create",
            "plan",
            &id.to_string(),
            serde_json::json!({ "code": doc.code, "example": true }),
        )
        .await?;
        tx.commit().await?;
        added += 1;
    }
    Ok(added)
}

/// A plan in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanRow {
    pub id: i64,
    pub code: String,
    pub unit_code: String,
    pub unit_name: String,
    pub parent_id: Option<i64>,
    pub period: String,
    pub title: String,
    /// "Số: 05/KH-UBND" or "Số:      /KH-SYT".
    pub number_symbol: String,
    pub issued_on: Option<String>,
    /// dd/mm/yyyy or "Chưa ban hành".
    pub issued_text: String,
    pub tasks: i64,
    pub tasks_done: i64,
    pub tasks_overdue: i64,
}

const PLAN_SELECT: &str = "SELECT p.id, p.code, p.unit_code, u.name AS unit_name, p.parent_id, p.period, p.title, \
    p.issued_on, p.doc, \
    (SELECT COUNT(*) FROM plan_tasks t WHERE t.plan_id = p.id) AS tasks, \
    (SELECT COUNT(*) FROM plan_tasks t WHERE t.plan_id = p.id AND t.status = 'done') AS tasks_done, \
    (SELECT COUNT(*) FROM plan_tasks t WHERE t.plan_id = p.id AND t.status <> 'done' AND t.due_on < $1) AS tasks_overdue \
    FROM plans p LEFT JOIN admin_units u ON u.code = p.unit_code";

/// "Số: 05/KH-UBND"; numbers below 10 with a leading zero; blank for a draft.
pub fn number_symbol(number: Option<u32>, doc_abbr: &str, issuer_abbr: &str) -> String {
    match number {
        Some(n) => format!("Số: {n:02}/{doc_abbr}-{issuer_abbr}"),
        None => format!("Số:      /{doc_abbr}-{issuer_abbr}"),
    }
}

fn plan_row(r: &sqlx::any::AnyRow) -> PlanRow {
    let doc: Option<PlanDoc> = serde_json::from_str(&r.get::<String, _>("doc")).ok();
    let issued_on: Option<String> = r.get("issued_on");
    PlanRow {
        id: r.get("id"),
        code: r.get("code"),
        unit_code: r.get("unit_code"),
        unit_name: r.get::<Option<String>, _>("unit_name").unwrap_or_default(),
        parent_id: r.get("parent_id"),
        period: r.get("period"),
        title: r.get("title"),
        number_symbol: doc.as_ref().map_or(String::new(), |d| {
            number_symbol(d.number, &d.doc_abbr, &d.issuer_abbr)
        }),
        issued_text: issued_on
            .as_deref()
            .map_or("Chưa ban hành".into(), mang_domain::vi::iso_date),
        issued_on,
        tasks: r.get("tasks"),
        tasks_done: r.get("tasks_done"),
        tasks_overdue: r.get("tasks_overdue"),
    }
}

/// The plans a user sees from `unit`: the unit's own, its province's, and (for a
/// province) its communes' plans.
pub async fn list(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
    today: Date,
) -> Result<Vec<PlanRow>> {
    let path = unit.path();
    scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let province = path.province.clone().unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PLAN_SELECT} WHERE p.unit_code = $2 OR p.unit_code = $3 OR ($4 <> '' AND p.province_code = $4 AND $5 = '') \
         ORDER BY p.commune_code, p.period DESC, p.id"
    )))
    .bind(today.to_string())
    .bind(unit.code.clone())
    .bind(province.clone())
    .bind(if unit.level() == UnitLevel::Province {
        province
    } else {
        String::new()
    })
    .bind(path.commune.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(plan_row).collect())
}

/// A task of a plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    pub no: String,
    pub section: String,
    pub title: String,
    pub detail: String,
    pub lead_key: String,
    pub lead_name: String,
    pub partner_keys: Vec<String>,
    pub partner_names: Vec<String>,
    pub due_on: Option<String>,
    pub due_text: String,
    pub status: String,
    pub status_label: String,
    pub progress: i64,
    pub overdue: bool,
}

fn agency_name(key: &str) -> String {
    pdom::agency(key).map_or(key.to_owned(), |a| a.name.clone())
}

fn task_row(r: &sqlx::any::AnyRow, today: Date) -> TaskRow {
    let status: String = r.get("status");
    let st = TaskStatus::parse(&status).unwrap_or(TaskStatus::NotStarted);
    let due_on: Option<String> = r.get("due_on");
    let lead: String = r.get("lead_key");
    let partners: Vec<String> = r
        .get::<String, _>("partners")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    TaskRow {
        id: r.get("id"),
        plan_id: r.get("plan_id"),
        no: r.get("no"),
        section: r.get("section"),
        title: r.get("title"),
        detail: r.get("detail"),
        lead_name: agency_name(&lead),
        lead_key: lead,
        partner_names: partners.iter().map(|k| agency_name(k)).collect(),
        partner_keys: partners,
        overdue: rdom::task_overdue(st, due_on.as_deref().and_then(parse_date), today),
        due_text: {
            let t: String = r.get("due_text");
            if t.is_empty() {
                due_on
                    .as_deref()
                    .map_or(String::new(), mang_domain::vi::iso_date)
            } else {
                t
            }
        },
        due_on,
        status_label: st.label_vi().into(),
        status,
        progress: r.get("progress"),
    }
}

const TASK_SELECT: &str = "SELECT id, plan_id, no, section, title, detail, lead_key, partners, due_on, due_text, \
    status, progress FROM plan_tasks";

/// A sub-unit's own plan under a plan that requires one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubPlanStatus {
    pub code: String,
    pub name: String,
    pub plan_id: Option<i64>,
    pub issued_text: String,
    /// `on_time`, `late`, `missing`, `pending`.
    pub timeliness: String,
    pub timeliness_label: String,
}

/// A plan with everything on its page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub plan: PlanRow,
    #[schema(value_type = Object)]
    pub doc: PlanDoc,
    pub tasks: Vec<TaskRow>,
    pub schedules: Vec<ScheduleRow>,
    /// "Trước 05/02/2026" or "" when the plan requires no lower plans.
    pub sub_plans_due_text: String,
    pub sub_plans: Vec<SubPlanStatus>,
    #[schema(value_type = Object)]
    pub sub_plan_counts: Completeness,
    pub province_code: String,
    pub commune_code: String,
}

async fn plan_unit_path(store: &Store, id: i64) -> Result<(UnitPath, String)> {
    let r = sqlx::query("SELECT province_code, commune_code, unit_code FROM plans WHERE id = $1")
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    let commune: String = r.get("commune_code");
    Ok((
        UnitPath {
            province: Some(r.get("province_code")),
            commune: (!commune.is_empty()).then_some(commune),
            village: None,
        },
        r.get("unit_code"),
    ))
}

/// Whether `p` sees the plan: a plan of their unit's subtree, or of an ancestor of it (a
/// commune reads its province's plan).
fn sees(p: &Principal, plan_path: &UnitPath) -> bool {
    if p.authorize::<ViewAggregates>(plan_path).is_ok() {
        return true;
    }
    // The plan's unit is an ancestor of the user's.
    plan_path.commune.is_none()
        && plan_path.province.is_some()
        && p.unit_path.province == plan_path.province
}

/// A plan, its tasks, its reporting regime, and its sub-plans' status.
pub async fn get(store: &Store, p: &Principal, id: i64, today: Date) -> Result<PlanView> {
    let (path, _) = plan_unit_path(store, id).await?;
    if !p.may(mang_domain::access::Action::ViewAggregates) || !sees(p, &path) {
        return Err(StoreError::NotFound);
    }
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PLAN_SELECT} WHERE p.id = $2"
    )))
    .bind(today.to_string())
    .bind(id)
    .fetch_one(store.pool())
    .await?;
    let plan = plan_row(&r);
    let doc: PlanDoc = serde_json::from_str(&r.get::<String, _>("doc"))
        .map_err(|e| invalid("doc", format!("nội dung kế hoạch hỏng: {e}")))?;
    let tasks = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TASK_SELECT} WHERE plan_id = $1 ORDER BY id"
    )))
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| task_row(r, today))
    .collect();
    let schedules = reports::schedules_of_plan(store, id).await?;
    let (sub_plans_due_text, sub_plans, counts) =
        sub_plan_status(store, id, &doc, &path, today).await?;
    Ok(PlanView {
        plan,
        doc,
        tasks,
        schedules,
        sub_plans_due_text,
        sub_plans,
        sub_plan_counts: counts,
        province_code: path.province.clone().unwrap_or_default(),
        commune_code: path.commune.clone().unwrap_or_default(),
    })
}

async fn sub_plan_status(
    store: &Store,
    id: i64,
    doc: &PlanDoc,
    path: &UnitPath,
    today: Date,
) -> Result<(String, Vec<SubPlanStatus>, Completeness)> {
    let Some(sp) = doc.sub_plans.as_ref() else {
        return Ok((String::new(), Vec::new(), Completeness::default()));
    };
    let due = sp.due.as_deref().and_then(parse_date);
    let mut counts = Completeness::default();
    let mut out = Vec::new();
    // Only communes are tracked here (agencies' own plans are documents outside Măng).
    if path.commune.is_some() || !sp.of.contains("communes") {
        return Ok((
            due.map_or(String::new(), |d| {
                format!("Trước {}", mang_domain::vi::date(d))
            }),
            out,
            counts,
        ));
    }
    let province = path.province.clone().unwrap_or_default();
    let rows = sqlx::query(
        "SELECT id, unit_code, issued_on FROM plans WHERE parent_id = $1 ORDER BY issued_on",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    for c in units::communes_of(store, &province).await? {
        let own = rows
            .iter()
            .find(|r| {
                r.get::<String, _>("unit_code") == c.code
                    && r.get::<Option<String>, _>("issued_on").is_some()
            })
            .or_else(|| {
                rows.iter()
                    .find(|r| r.get::<String, _>("unit_code") == c.code)
            });
        let issued = own
            .and_then(|r| r.get::<Option<String>, _>("issued_on"))
            .and_then(|s| parse_date(&s));
        let t = rdom::timeliness(due, issued, today);
        counts.add(t);
        out.push(SubPlanStatus {
            code: c.code.clone(),
            name: c.name.clone(),
            plan_id: own.map(|r| r.get("id")),
            issued_text: issued.map_or("Chưa ban hành".into(), mang_domain::vi::date),
            timeliness: t.as_str().into(),
            timeliness_label: t.label_vi().into(),
        });
    }
    Ok((
        due.map_or("Không quy định thời hạn".into(), |d| {
            format!("Trước {}", mang_domain::vi::date(d))
        }),
        out,
        counts,
    ))
}

/// A commune's own plan implementing a province plan, as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewSubPlan {
    pub title: String,
    /// Document number, blank while a draft.
    pub number: String,
    /// dd/mm/yyyy; blank keeps it a draft, a date issues it.
    pub issued_on: String,
    pub signer: String,
}

/// Create the commune plan of `unit` implementing plan `parent_id`: the parent's text and
/// targets, and the tasks the parent gives to commune-level agencies.
pub async fn create_sub_plan(
    store: &Store,
    scoped: &Scoped<ManagePlans>,
    parent_id: i64,
    unit: &Unit,
    input: &NewSubPlan,
) -> Result<i64> {
    if unit.level() != UnitLevel::Commune {
        return Err(invalid("unit", "Chọn xã, phường lập kế hoạch"));
    }
    let mut path = unit.path();
    path.village = None;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let (ppath, _) = plan_unit_path(store, parent_id).await?;
    if ppath.commune.is_some() || ppath.province != path.province {
        return Err(invalid(
            "parent",
            "Kế hoạch của xã thực hiện kế hoạch của tỉnh, thành phố mình.",
        ));
    }
    let parent: PlanDoc = serde_json::from_str(
        &sqlx::query_scalar::<_, String>("SELECT doc FROM plans WHERE id = $1")
            .bind(parent_id)
            .fetch_one(store.pool())
            .await?,
    )
    .map_err(|e| invalid("doc", e.to_string()))?;
    let title = match input.title.trim() {
        "" => format!("{} trên địa bàn {}", parent.title.trim(), unit.name),
        t => t.to_owned(),
    };
    if title.chars().count() > 500 {
        return Err(invalid("title", "Trích yếu dài quá 500 ký tự."));
    }
    let number = match input.number.trim() {
        "" => None,
        n => Some(n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            invalid(
                "number",
                format!("Số văn bản «{n}» không hợp lệ: nhập số nguyên dương."),
            )
        })?),
    };
    let issued = match input.issued_on.trim() {
        "" => None,
        d => Some(mang_domain::registry::parse_date(d).ok_or_else(|| {
            invalid(
                "issued_on",
                format!("Ngày ban hành «{d}» không hợp lệ: nhập dạng dd/mm/yyyy."),
            )
        })?),
    };
    let parent_body = crate::report_docs::body_name(
        &parent.issuer,
        &units::get(store, &parent.unit_code).await?.name,
    );
    let seq: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plans WHERE unit_code = $1")
        .bind(unit.code.clone())
        .fetch_one(store.pool())
        .await?;
    let place = mang_domain::units::short_name(&unit.name).to_owned();
    let doc = PlanDoc {
        code: format!("KH-{}-{}-{}", unit.code, parent.period, seq + 1),
        unit_code: unit.code.clone(),
        parent_body: None,
        issuer: format!("ỦY BAN NHÂN DÂN {}", unit.name.to_uppercase()),
        issuer_abbr: "UBND".into(),
        doc_abbr: "KH".into(),
        number,
        place,
        date: issued.map(|d| d.to_string()),
        title,
        period: parent.period.clone(),
        legal_bases: {
            let mut v = vec![format!(
                "Kế hoạch {} của {} về {}",
                number_symbol(parent.number, &parent.doc_abbr, &parent.issuer_abbr)
                    .trim_start_matches("Số:")
                    .trim(),
                parent_body,
                parent.title
            )];
            v.extend(parent.legal_bases.iter().take(3).cloned());
            v
        },
        purposes: parent.purposes.clone(),
        requirements: parent.requirements.clone(),
        tasks: parent
            .tasks
            .iter()
            .filter(|t| {
                pdom::agency(&t.lead).is_some_and(|a| a.level == pdom::AgencyLevel::Commune)
            })
            .cloned()
            .collect(),
        funding: parent.funding.clone(),
        sub_plans: None,
        reports: Vec::new(),
        recipients: vec![
            format!("{parent_body} (để b/c)"),
            "Các ban, ngành, đoàn thể xã".into(),
            "Lưu: VT, VHXH".into(),
        ],
        signature: pdom::Signature {
            authority: Some("TM. ỦY BAN NHÂN DÂN".into()),
            signing_for: None,
            title: "CHỦ TỊCH".into(),
            name: input.signer.trim().to_owned(),
        },
    };
    let mut tx = store.begin_write().await?;
    let id = insert_plan(
        &mut tx,
        &doc,
        unit,
        Some(parent_id),
        issued.map(|d| d.to_string()),
        &grant.actor().username,
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "create",
        "plan",
        &id.to_string(),
        serde_json::json!({ "parent": parent_id, "issued": issued.map(|d| d.to_string()) }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Issue (ban hành) a draft plan of the user's unit on `date`.
pub async fn issue(
    store: &Store,
    scoped: &Scoped<ManagePlans>,
    id: i64,
    date: Date,
    number: Option<u32>,
) -> Result<()> {
    let (path, unit_code) = plan_unit_path(store, id).await?;
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    if grant.actor().unit.as_str() != unit_code {
        return Err(StoreError::Denied);
    }
    let mut doc: PlanDoc = serde_json::from_str(
        &sqlx::query_scalar::<_, String>("SELECT doc FROM plans WHERE id = $1")
            .bind(id)
            .fetch_one(store.pool())
            .await?,
    )
    .map_err(|e| invalid("doc", e.to_string()))?;
    doc.date = Some(date.to_string());
    if number.is_some() {
        doc.number = number;
    }
    let mut tx = store.begin_write().await?;
    let n = sqlx::query("UPDATE plans SET issued_on = $1, doc = $2, updated_at = $3 WHERE id = $4 AND issued_on IS NULL")
        .bind(date.to_string())
        .bind(serde_json::to_string(&doc).map_err(|e| invalid("doc", e.to_string()))?)
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(invalid("issued_on", "Kế hoạch đã được ban hành."));
    }
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "issue",
        "plan",
        &id.to_string(),
        serde_json::json!({ "date": date.to_string() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A task with its progress updates.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    pub task: TaskRow,
    pub plan_title: String,
    pub plan_code: String,
    pub updates: Vec<TaskUpdateRow>,
    /// The reader may post an update.
    pub may_update: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskUpdateRow {
    pub at: String,
    pub username: String,
    pub agency_name: String,
    pub status_label: String,
    pub progress: i64,
    pub note: String,
    pub evidence: String,
}

/// The agency a user works for (`users.agency_key`).
pub async fn agency_of(store: &Store, user_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT agency_key FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(store.pool())
            .await?
            .flatten(),
    )
}

/// Set the agency of a user (demo and admin tools).
pub async fn set_agency(store: &Store, username: &str, key: Option<&str>) -> Result<()> {
    if let Some(k) = key
        && pdom::agency(k).is_none()
    {
        return Err(invalid("agency_key", format!("không có cơ quan mã «{k}»")));
    }
    sqlx::query("UPDATE users SET agency_key = $1 WHERE username = $2")
        .bind(key.map(str::to_owned))
        .bind(username.to_owned())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Whether `p` may update `task` of a plan at `plan_unit`/`plan_path`: the officers of
/// the plan's own unit, or users of the lead or a partner agency inside the plan's unit.
async fn may_update(
    store: &Store,
    p: &Principal,
    task: &TaskRow,
    plan_unit: &str,
    plan_path: &UnitPath,
) -> Result<bool> {
    if !p.may(mang_domain::access::Action::UpdateTasks) {
        return Ok(false);
    }
    if matches!(p.role, Role::ProvinceOfficer | Role::CommuneOfficer)
        && p.unit.as_str() == plan_unit
    {
        return Ok(true);
    }
    let Some(key) = agency_of(store, p.user_id).await? else {
        return Ok(false);
    };
    let theirs = task.lead_key == key || task.partner_keys.contains(&key);
    // The agency sits in the plan's unit (a province department for a province plan, a
    // commune station or school for a commune plan).
    let here = p.unit.as_str() == plan_unit
        || (plan_path.commune.is_none() && p.unit_path.province == plan_path.province && {
            pdom::agency(&key).is_some_and(|a| a.level == pdom::AgencyLevel::Commune)
                && p.unit.level() == UnitLevel::Commune
        });
    Ok(theirs && here)
}

async fn task_and_plan(
    store: &Store,
    id: i64,
    today: Date,
) -> Result<(TaskRow, String, String, String, UnitPath)> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("{TASK_SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    let task = task_row(&r, today);
    let (path, unit_code) = plan_unit_path(store, task.plan_id).await?;
    let pr = sqlx::query("SELECT title, code FROM plans WHERE id = $1")
        .bind(task.plan_id)
        .fetch_one(store.pool())
        .await?;
    Ok((task, pr.get("title"), pr.get("code"), unit_code, path))
}

/// A task with its updates.
pub async fn task(store: &Store, p: &Principal, id: i64, today: Date) -> Result<TaskView> {
    let (task, plan_title, plan_code, unit_code, path) = task_and_plan(store, id, today).await?;
    if !sees(p, &path) {
        return Err(StoreError::NotFound);
    }
    let updates = sqlx::query(
        "SELECT at, username, agency_key, status, progress, note, evidence FROM task_updates \
         WHERE task_id = $1 ORDER BY id DESC",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let status: String = r.get("status");
        TaskUpdateRow {
            at: r.get("at"),
            username: r.get("username"),
            agency_name: agency_name(&r.get::<String, _>("agency_key")),
            status_label: TaskStatus::parse(&status)
                .map_or(status.clone(), |s| s.label_vi().into()),
            progress: r.get("progress"),
            note: r.get("note"),
            evidence: r.get("evidence"),
        }
    })
    .collect();
    let may = may_update(store, p, &task, &unit_code, &path).await?;
    Ok(TaskView {
        task,
        plan_title,
        plan_code,
        updates,
        may_update: may,
    })
}

/// Record a progress update of a task.
pub async fn update_task(
    store: &Store,
    p: &Principal,
    id: i64,
    raw: &rdom::RawTaskUpdate,
    today: Date,
) -> Result<()> {
    let (task, _, _, unit_code, path) = task_and_plan(store, id, today).await?;
    if !sees(p, &path) {
        return Err(StoreError::NotFound);
    }
    if !may_update(store, p, &task, &unit_code, &path).await? {
        return Err(StoreError::Denied);
    }
    let u = rdom::check_task_update(raw).map_err(|errors| {
        let (field, message) = errors.into_iter().next().unwrap_or(("note", String::new()));
        invalid(field, message)
    })?;
    let agency = agency_of(store, p.user_id).await?.unwrap_or_default();
    let grant = p
        .authorize::<UpdateTasks>(&p.unit_path)
        .map_err(|_| StoreError::Denied)?;
    let mut tx = store.begin_write().await?;
    let now = now_text();
    sqlx::query(
        "INSERT INTO task_updates (task_id, at, username, agency_key, status, progress, note, evidence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(now.clone())
    .bind(p.username.clone())
    .bind(agency)
    .bind(u.status.as_str().to_owned())
    .bind(i64::from(u.progress))
    .bind(u.note.clone())
    .bind(u.evidence.clone())
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE plan_tasks SET status = $1, progress = $2, updated_at = $3 WHERE id = $4")
        .bind(u.status.as_str().to_owned())
        .bind(i64::from(u.progress))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        &path,
        "update",
        "plan_task",
        &id.to_string(),
        serde_json::json!({ "status": u.status.as_str(), "progress": u.progress }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Overdue tasks a user should see on the home page: those of the plans of their own unit
/// (officers), and those their agency leads or supports in their unit's or province's
/// plans.
pub async fn overdue_tasks(store: &Store, p: &Principal, today: Date) -> Result<Vec<TaskRow>> {
    let agency = agency_of(store, p.user_id).await?;
    let officer = matches!(
        p.role,
        Role::ProvinceOfficer | Role::CommuneOfficer | Role::CommuneChairman
    );
    if !officer && agency.is_none() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT t.id, t.plan_id, t.no, t.section, t.title, t.detail, t.lead_key, t.partners, t.due_on, \
         t.due_text, t.status, t.progress, p.unit_code AS plan_unit FROM plan_tasks t JOIN plans p ON p.id = t.plan_id \
         WHERE t.status <> 'done' AND t.due_on < $1 AND p.issued_on IS NOT NULL \
         AND (p.unit_code = $2 OR p.unit_code = $3) ORDER BY t.due_on, t.id LIMIT 500",
    )
    .bind(today.to_string())
    .bind(p.unit.as_str().to_owned())
    .bind(p.unit_path.province.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .filter(|r| {
            let plan_unit: String = r.get("plan_unit");
            let lead: String = r.get("lead_key");
            let partners: String = r.get("partners");
            (officer && plan_unit == p.unit.as_str())
                || agency
                    .as_ref()
                    .is_some_and(|k| lead == *k || partners.split(',').any(|x| x == k))
        })
        .map(|r| task_row(r, today))
        .take(100)
        .collect())
}

/// Indicator 60, per commune of `province` (or one commune): whether the commune issued
/// its own plan under a province plan of `period` that requires one, by that plan's
/// deadline (or by `day` when it sets none). `None` when no such province plan exists
/// (the indicator has no value then).
pub async fn on_time_by_commune(
    store: &Store,
    province: &str,
    commune: Option<&str>,
    period: &Period,
    day: Date,
) -> Result<Option<Vec<(String, bool)>>> {
    let parents = sqlx::query(
        "SELECT id, period, sub_plans_due FROM plans WHERE province_code = $1 AND commune_code = '' \
         AND parent_id IS NULL AND issued_on IS NOT NULL AND sub_plans_of LIKE '%communes%'",
    )
    .bind(province.to_owned())
    .fetch_all(store.pool())
    .await?;
    let parents: Vec<(i64, Date)> = parents
        .iter()
        .filter(|r| {
            Period::parse(&r.get::<String, _>("period"))
                .is_some_and(|p| p.start() <= period.end() && period.start() <= p.end())
        })
        .map(|r| {
            let due = r
                .get::<Option<String>, _>("sub_plans_due")
                .as_deref()
                .and_then(parse_date)
                .map_or(day, |d| d.min(day));
            (r.get("id"), due)
        })
        .collect();
    if parents.is_empty() {
        return Ok(None);
    }
    let ids = parents
        .iter()
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let subs = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT parent_id, unit_code, issued_on FROM plans WHERE parent_id IN ({ids}) AND issued_on IS NOT NULL"
    )))
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for c in units::communes_of(store, province).await? {
        if commune.is_some_and(|x| x != c.code) {
            continue;
        }
        let ok = subs.iter().any(|r| {
            let parent: i64 = r.get("parent_id");
            let due = parents
                .iter()
                .find(|(id, _)| *id == parent)
                .map_or(day, |(_, d)| *d);
            r.get::<String, _>("unit_code") == c.code
                && r.get::<Option<String>, _>("issued_on")
                    .as_deref()
                    .and_then(parse_date)
                    .is_some_and(|d| d <= due)
        });
        out.push((c.code.clone(), ok));
    }
    Ok(Some(out))
}

/// The tasks a user works on: those their agency leads or supports in the plans of their
/// unit and of their province, and for the officers of a unit every task of its own
/// plans; not done first, by deadline.
pub async fn my_tasks(store: &Store, p: &Principal, today: Date) -> Result<Vec<(String, TaskRow)>> {
    let agency = agency_of(store, p.user_id).await?;
    let officer = matches!(
        p.role,
        Role::ProvinceOfficer | Role::CommuneOfficer | Role::CommuneChairman
    );
    if !officer && agency.is_none() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT t.id, t.plan_id, t.no, t.section, t.title, t.detail, t.lead_key, t.partners, t.due_on, \
         t.due_text, t.status, t.progress, p.unit_code AS plan_unit, p.title AS plan_title \
         FROM plan_tasks t JOIN plans p ON p.id = t.plan_id \
         WHERE p.issued_on IS NOT NULL AND (p.unit_code = $1 OR p.unit_code = $2) \
         ORDER BY CASE WHEN t.status = 'done' THEN 1 ELSE 0 END, t.due_on IS NULL, t.due_on, t.id",
    )
    .bind(p.unit.as_str().to_owned())
    .bind(p.unit_path.province.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .filter(|r| {
            let plan_unit: String = r.get("plan_unit");
            let lead: String = r.get("lead_key");
            let partners: String = r.get("partners");
            (officer && plan_unit == p.unit.as_str())
                || agency
                    .as_ref()
                    .is_some_and(|k| lead == *k || partners.split(',').any(|x| x == k))
        })
        .map(|r| (r.get("plan_title"), task_row(r, today)))
        .collect())
}
