//! Immunisation: the doses a child received (recorded by the health station, audited on
//! the child), the child's schedule with what is due, and the commune's list of children
//! due or overdue for the vaccination day. Rules: `mang_domain::immunization`.

use crate::audit::{self, Actor};
use crate::registry::Child;
use crate::sql::{Val, bind_all, scope_filter};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::{RecordHealthData, Scoped, ViewChildRecord};
use mang_domain::immunization::{self as epi, DoseState, Given};
use mang_domain::registry::{FieldError, parse_date};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// The label of high-dose vitamin A, recorded with the doses.
pub const VITAMIN_A_LABEL: &str = "Vitamin A liều cao";

/// Input for a dose.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewDose {
    /// Vaccine code of the schedule (`bcg`, `hepb0`, `penta`, `opv`, `ipv`, `measles`, `je`,
    /// `mr`, `dpt`), or `vitamin_a` (6–<36 months, once per half-year; `dose` ignored).
    pub antigen: String,
    pub dose: i64,
    /// dd/mm/yyyy.
    pub date: String,
    /// Where it was given (trạm y tế, bệnh viện…).
    pub place: String,
    pub note: String,
}

/// One scheduled dose of a child.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DoseRow {
    pub antigen: String,
    pub dose: i64,
    pub label: String,
    /// ISO date it is (or was) due.
    pub due: String,
    /// ISO date given, if it was.
    pub given: Option<String>,
    /// `done`, `invalid` (given too early: does not count), `upcoming`, `due`, `overdue`.
    pub state: String,
    pub state_label: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildImmunization {
    pub child_id: i64,
    pub schedule: Vec<DoseRow>,
    /// Once the child is one year old: fully immunised before the first birthday
    /// (1 BCG + 3 DPT-VGB-Hib + 3 OPV + 1 measles, all valid).
    pub fully_immunised_under_1: Option<bool>,
    /// High-dose vitamin A this half-year, for children of 6 to under 36 months: `done` or
    /// `due`; absent outside that age.
    pub vitamin_a: Option<String>,
    /// ISO dates of the vitamin A doses taken.
    pub vitamin_a_taken: Vec<String>,
}

fn state_code(s: DoseState) -> &'static str {
    match s {
        DoseState::Done => "done",
        DoseState::Invalid => "invalid",
        DoseState::Upcoming => "upcoming",
        DoseState::Due => "due",
        DoseState::Overdue => "overdue",
    }
}

fn row(s: epi::DoseStatus) -> DoseRow {
    DoseRow {
        antigen: s.scheduled.antigen.clone(),
        dose: i64::from(s.scheduled.dose),
        label: s.scheduled.label.clone(),
        due: s.due.to_string(),
        given: s.given.map(|d| d.to_string()),
        state: state_code(s.state).into(),
        state_label: s.state.label_vi().into(),
    }
}

fn rows(birth: time::Date, given: &[Given], today: time::Date) -> Vec<DoseRow> {
    epi::status(birth, given, today)
        .into_iter()
        .map(row)
        .collect()
}

fn given_of(r: &sqlx::any::AnyRow) -> Option<Given> {
    Some(Given {
        antigen: r.get("antigen"),
        dose: u8::try_from(r.get::<i64, _>("dose")).ok()?,
        date: parse_date(&r.get::<String, _>("given_on"))?,
    })
}

/// The child's schedule on `today`. The caller has read the child (audited) already.
pub async fn of_child(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    child: &Child,
    today: time::Date,
) -> Result<ChildImmunization> {
    scoped
        .grant(&child.path())
        .map_err(|_| StoreError::NotFound)?;
    let given: Vec<Given> =
        sqlx::query("SELECT antigen, dose, given_on FROM child_doses WHERE child_id = $1")
            .bind(child.id)
            .fetch_all(store.pool())
            .await?
            .iter()
            .filter_map(given_of)
            .collect();
    let birth = parse_date(&child.birth_date).unwrap_or(today);
    let one = birth.replace_year(birth.year() + 1).unwrap_or(birth);
    let mut vitamin: Vec<time::Date> = given
        .iter()
        .filter(|g| g.antigen == epi::VITAMIN_A)
        .map(|g| g.date)
        .collect();
    vitamin.sort();
    Ok(ChildImmunization {
        child_id: child.id,
        schedule: rows(birth, &given, today),
        fully_immunised_under_1: (today >= one)
            .then(|| epi::fully_immunised_under_1(birth, &given)),
        vitamin_a: epi::vitamin_a_state(birth, &vitamin, today).map(|s| state_code(s).to_owned()),
        vitamin_a_taken: vitamin.iter().map(|d| d.to_string()).collect(),
    })
}

fn field(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Record a dose given to a child in the caller's scope; audited on the child.
pub async fn record_dose(
    store: &Store,
    scoped: &Scoped<RecordHealthData>,
    child_id: i64,
    input: &NewDose,
    today: time::Date,
) -> Result<()> {
    let mut errors = Vec::new();
    let vitamin_a = input.antigen.trim() == epi::VITAMIN_A;
    let scheduled = u8::try_from(input.dose)
        .ok()
        .and_then(|n| epi::find(input.antigen.trim(), n));
    if scheduled.is_none() && !vitamin_a {
        errors.push(field(
            "antigen",
            format!(
                "Không có vắc xin «{}» mũi {} trong lịch tiêm chủng",
                input.antigen.trim(),
                input.dose
            ),
        ));
    }
    let date = parse_date(input.date.trim());
    match date {
        None => errors.push(field("date", "Ngày tiêm không hợp lệ (dạng dd/mm/yyyy)")),
        Some(d) if d > today => errors.push(field("date", "Ngày tiêm ở tương lai")),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(StoreError::Fields(errors));
    }
    let date = date.expect("checked");
    let (antigen, label) = match scheduled {
        Some(s) => (s.antigen.clone(), s.label.clone()),
        None => (epi::VITAMIN_A.to_owned(), VITAMIN_A_LABEL.to_owned()),
    };
    let mut tx = store.begin_write().await?;
    let (c, grant) = crate::registry::child_for_edit(&mut tx, scoped, child_id).await?;
    let path = c.path();
    let birth = parse_date(&c.birth_date);
    if birth.is_some_and(|b| date < b) {
        return Err(StoreError::Fields(vec![field(
            "date",
            "Ngày tiêm trước ngày sinh của trẻ",
        )]));
    }
    let dose: i64 = if vitamin_a {
        if !birth.is_some_and(|b| epi::vitamin_a_eligible(b, date)) {
            return Err(StoreError::Fields(vec![field(
                "date",
                "Vitamin A liều cao cho trẻ từ 6 đến dưới 36 tháng tuổi",
            )]));
        }
        let taken: Vec<String> = sqlx::query_scalar(
            "SELECT given_on FROM child_doses WHERE child_id = $1 AND antigen = $2",
        )
        .bind(child_id)
        .bind(epi::VITAMIN_A)
        .fetch_all(&mut *tx)
        .await?;
        let round = epi::half_year(date);
        if taken
            .iter()
            .filter_map(|t| parse_date(t))
            .any(|t| epi::half_year(t) == round)
        {
            return Err(StoreError::Conflict {
                field: "antigen",
                message: format!(
                    "Trẻ đã uống vitamin A trong đợt 6 tháng {} năm {}",
                    if round.1 == 1 { "đầu" } else { "cuối" },
                    round.0
                ),
            });
        }
        taken.len() as i64 + 1
    } else {
        input.dose
    };
    let same: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM child_doses WHERE child_id = $1 AND antigen = $2 AND dose = $3 AND given_on = $4",
    )
    .bind(child_id)
    .bind(&antigen)
    .bind(dose)
    .bind(date.to_string())
    .fetch_one(&mut *tx)
    .await?;
    if same > 0 {
        return Err(StoreError::Conflict {
            field: "antigen",
            message: format!("Đã ghi {label} ngày {}", mang_domain::vi::date(date)),
        });
    }
    let clean = |x: &str| Some(mang_domain::text::clean(x)).filter(|x| !x.is_empty());
    sqlx::query(
        "INSERT INTO child_doses (child_id, antigen, dose, given_on, place, note, recorded_by, \
         province_code, commune_code, village_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(child_id)
    .bind(&antigen)
    .bind(dose)
    .bind(date.to_string())
    .bind(clean(&input.place))
    .bind(clean(&input.note))
    .bind(grant.actor().username.clone())
    .bind(path.province.clone())
    .bind(path.commune.clone())
    .bind(path.village.clone())
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "dose",
        "child",
        &child_id.to_string(),
        serde_json::json!({ "dose": { "old": "", "new": format!("{label} ngày {}", mang_domain::vi::date(date)) } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A child on the vaccination-day list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DueChild {
    pub child_id: i64,
    pub full_name: String,
    pub birth_date: String,
    pub village_code: Option<String>,
    /// The doses due by the end of the period, or overdue.
    pub doses: Vec<DoseRow>,
}

/// Children of a commune or village (in the caller's scope) with a dose overdue or due by
/// `until`, in register order. Children under three (the schedule ends at 24 months).
pub async fn due_list(
    store: &Store,
    scoped: &Scoped<ViewChildRecord>,
    unit: &crate::units::Unit,
    until: time::Date,
    today: time::Date,
) -> Result<Vec<DueChild>> {
    let path = unit.path();
    if !scoped.scope().contains(&path) {
        return Err(StoreError::NotFound);
    }
    if path.commune.is_none() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Danh sách tiêm chủng lập theo từng xã, phường hoặc thôn, tổ".into(),
        });
    }
    let scope = mang_domain::access::Scope::new(&unit.code(), &path);
    let from = (today - time::Duration::days(3 * 366)).to_string();
    let (cond, vals) = scope_filter(&scope, "c", 2);
    let mut all = vec![Val::Text(from.clone())];
    all.extend(vals.clone());
    let children = bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT c.id, c.full_name, c.birth_date, c.village_code FROM children c \
             WHERE c.status = 'active' AND c.birth_date >= $1 AND {cond} ORDER BY c.name_key, c.id"
        ))),
        all.clone(),
    )
    .fetch_all(store.pool())
    .await?;
    let mut given: HashMap<i64, Vec<Given>> = HashMap::new();
    for r in bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT d.child_id, d.antigen, d.dose, d.given_on FROM child_doses d JOIN children c ON c.id = d.child_id \
             WHERE c.status = 'active' AND c.birth_date >= $1 AND {cond}"
        ))),
        all,
    )
    .fetch_all(store.pool())
    .await?
    {
        if let Some(g) = given_of(&r) {
            given.entry(r.get("child_id")).or_default().push(g);
        }
    }
    let mut out = Vec::new();
    for r in &children {
        let id: i64 = r.get("id");
        let Some(birth) = parse_date(&r.get::<String, _>("birth_date")) else {
            continue;
        };
        let doses: Vec<DoseRow> = epi::status(birth, given.get(&id).map_or(&[][..], |v| v), today)
            .into_iter()
            .filter(|d| match d.state {
                DoseState::Overdue | DoseState::Due => true,
                DoseState::Upcoming => d.due <= until,
                DoseState::Done | DoseState::Invalid => false,
            })
            .map(row)
            .collect();
        let mut doses = doses;
        let taken: Vec<time::Date> = given
            .get(&id)
            .map(|v| {
                v.iter()
                    .filter(|g| g.antigen == epi::VITAMIN_A)
                    .map(|g| g.date)
                    .collect()
            })
            .unwrap_or_default();
        if epi::vitamin_a_state(birth, &taken, today) == Some(DoseState::Due) {
            let (year, half) = epi::half_year(today);
            let start = time::Date::from_calendar_date(
                year,
                if half == 1 {
                    time::Month::January
                } else {
                    time::Month::July
                },
                1,
            )
            .unwrap_or(today);
            doses.push(DoseRow {
                antigen: epi::VITAMIN_A.into(),
                dose: 0,
                label: format!(
                    "{VITAMIN_A_LABEL} (đợt 6 tháng {} năm {year})",
                    if half == 1 { "đầu" } else { "cuối" }
                ),
                due: start.to_string(),
                given: None,
                state: "due".into(),
                state_label: DoseState::Due.label_vi().into(),
            });
        }
        if !doses.is_empty() {
            out.push(DueChild {
                child_id: id,
                full_name: r.get("full_name"),
                birth_date: r.get("birth_date"),
                village_code: r.get("village_code"),
                doses,
            });
        }
    }
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(scoped.actor()),
        &path,
        "view",
        "immunization_due_list",
        unit.code().as_str(),
        serde_json::json!({ "rows": out.len(), "ids": out.iter().map(|c| c.child_id).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
