//! Import of the registry spreadsheet (households and children): every row is checked
//! first and every problem reported with sheet, row, column, value and a Vietnamese
//! message; the good rows are then written in one transaction; rows already present
//! (same household code; same household, full name and birth date) are skipped, so importing
//! the same file twice adds nothing.

use crate::audit::{self, Actor};
use crate::dialect::{ColType, json_col, json_rows_source};
use crate::{Result, Store, StoreError, now_text};
use mang_docs::Table;
use mang_domain::access::{EditChildRecord, ExportPersonalData, Scoped};
use mang_domain::demo::PovertyStatus;
use mang_domain::import::{
    CHILD_COLUMNS, CHILD_SHEET, HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, HeaderMap, HouseholdRecord,
    ImportPhase, ImportProgress,
};
use mang_domain::names;
use mang_domain::registry::{ChildRecord, field_label, parse_child};
use mang_domain::text;
use mang_domain::units::UnitPath;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

/// One problem in the file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub sheet: String,
    /// Spreadsheet row number (the header is row 1).
    pub row: usize,
    /// Column letter (A, B, …), empty for a whole-row or whole-sheet problem.
    pub column: String,
    /// Column header.
    pub field: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows_read: usize,
    pub households_added: usize,
    pub households_existing: usize,
    pub children_added: usize,
    pub children_existing: usize,
    pub caregivers_added: usize,
    pub caregivers_existing: usize,
    pub circumstances_added: usize,
    pub circumstances_existing: usize,
    pub errors: Vec<RowError>,
}

/// Who imports: a signed-in user (rows outside their scope are errors) or the operator
/// on the server (`mang import`).
pub enum Importer<'a> {
    User(&'a Scoped<EditChildRecord>),
    Operator,
}

struct Unit {
    province: String,
    commune: String,
    kind_ok: bool,
}

pub(crate) fn is_sheet(t: &Table, name: &str, columns: &[mang_domain::import::Column]) -> bool {
    text::fold(&t.name) == text::fold(name)
        || t.rows
            .first()
            .is_some_and(|h| HeaderMap::new(columns, h).is_ok())
}

/// Rows checked between two progress reports while checking (cheap, and often enough for
/// a bar to move on a 100,000-row file).
const PROGRESS_EVERY: u64 = 1000;

/// Non-empty data rows of a sheet whose header row is recognised (the rows that will be
/// checked), 0 for a missing sheet or an unrecognised header.
pub(crate) fn rows_to_check(t: Option<&Table>, columns: &[mang_domain::import::Column]) -> u64 {
    t.filter(|t| {
        t.rows
            .first()
            .is_some_and(|h| HeaderMap::new(columns, h).is_ok())
    })
    .map_or(0, |t| {
        t.rows
            .iter()
            .skip(1)
            .filter(|r| !r.iter().all(|c| c.trim().is_empty()))
            .count() as u64
    })
}

/// Read a file (`file_name` giving its kind, .xlsx or .csv) and import it: the one way of
/// a file into the registry for the web, the API and the command line. `progress` hears
/// the reading, then every step of [`import_registry`].
pub async fn import_file(
    store: &Store,
    who: Importer<'_>,
    file_name: &str,
    bytes: Vec<u8>,
    as_of: time::Date,
    mut progress: impl FnMut(ImportProgress),
) -> Result<ImportReport> {
    progress(ImportProgress::new(ImportPhase::Read, 0, 0));
    // Parsing a large .xlsx takes seconds of CPU: keep it off the async workers.
    let name = file_name.to_owned();
    let tables = tokio::task::spawn_blocking(move || mang_docs::read_bytes(&name, &bytes))
        .await
        .map_err(|e| StoreError::Invalid {
            field: "file",
            message: e.to_string(),
        })?
        .map_err(|e| StoreError::Invalid {
            field: "file",
            message: e.to_string(),
        })?;
    import_registry(store, who, &tables, file_name, as_of, progress).await
}

/// Check and import `tables` (the sheets of one .xlsx, or one CSV file), reporting to
/// `progress` every 1,000 rows checked and every chunk written, and once
/// done (`done == total ==` rows read).
pub async fn import_registry(
    store: &Store,
    who: Importer<'_>,
    tables: &[Table],
    file_name: &str,
    as_of: time::Date,
    mut progress: impl FnMut(ImportProgress),
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let hh_table = tables
        .iter()
        .find(|t| is_sheet(t, HOUSEHOLD_SHEET, &HOUSEHOLD_COLUMNS));
    let ch_table = tables
        .iter()
        .find(|t| is_sheet(t, CHILD_SHEET, &CHILD_COLUMNS));
    let mut links = crate::import_links::Links::find(tables);
    if hh_table.is_none() && ch_table.is_none() && links.is_empty() {
        report.errors.push(RowError {
            sheet: tables.first().map(|t| t.name.clone()).unwrap_or_default(),
            row: 1,
            column: String::new(),
            field: String::new(),
            value: String::new(),
            message: format!(
                "Không nhận ra trang tính «{HOUSEHOLD_SHEET}», «{CHILD_SHEET}», «{}» hay «{}»: dòng tiêu đề phải có các cột bắt buộc (xem mẫu nhập liệu)",
                mang_domain::import::CAREGIVER_SHEET,
                mang_domain::import::CIRCUMSTANCE_SHEET
            ),
        });
        progress(ImportProgress::new(ImportPhase::Done, 0, 0));
        return Ok(report);
    }
    let mut errors: Vec<RowError> = Vec::new();
    let to_check = rows_to_check(hh_table, &HOUSEHOLD_COLUMNS)
        + rows_to_check(ch_table, &CHILD_COLUMNS)
        + links.rows_to_check();
    let mut checking = |rows_read: usize| {
        if (rows_read as u64).is_multiple_of(PROGRESS_EVERY) {
            progress(ImportProgress::new(
                ImportPhase::Validate,
                rows_read as u64,
                to_check,
            ));
        }
    };
    checking(0);

    // ---- households ----
    let mut households: Vec<(usize, HouseholdRecord)> = Vec::new();
    if let Some(t) = hh_table {
        match t
            .rows
            .first()
            .map(|h| HeaderMap::new(&HOUSEHOLD_COLUMNS, h))
        {
            Some(Ok(map)) => {
                let mut seen: HashMap<String, usize> = HashMap::new();
                for (i, row) in t.rows.iter().enumerate().skip(1) {
                    if row.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    report.rows_read += 1;
                    checking(report.rows_read);
                    let n = i + 1;
                    match mang_domain::import::household_row(&map, row) {
                        Ok(h) => {
                            if let Some(first) = seen.get(&h.code) {
                                errors.push(row_error(
                                    &t.name,
                                    n,
                                    Some(&map),
                                    "household_code",
                                    &h.code,
                                    format!("Mã hộ trùng với dòng {first}"),
                                ));
                            } else {
                                seen.insert(h.code.clone(), n);
                                households.push((n, h));
                            }
                        }
                        Err(es) => {
                            for e in es {
                                let v = map.get(row, e.field).to_owned();
                                errors.push(row_error(
                                    &t.name,
                                    n,
                                    Some(&map),
                                    e.field,
                                    &v,
                                    e.message,
                                ));
                            }
                        }
                    }
                }
            }
            Some(Err(msg)) => errors.push(row_error(&t.name, 1, None, "", "", msg)),
            None => {}
        }
    }

    // Units named in the file, with their province, checked against the importer's scope.
    let mut unit_codes: HashSet<String> = HashSet::new();
    for (_, h) in &households {
        unit_codes.insert(h.commune_code.clone());
        if let Some(v) = &h.village_code {
            unit_codes.insert(v.clone());
        }
    }
    let mut units: HashMap<String, Unit> = HashMap::new();
    for code in &unit_codes {
        if let Ok(u) = crate::units::get(store, code).await {
            let kind_ok = if code.len() == 5 {
                u.level == "commune"
            } else {
                u.level == "village"
            };
            units.insert(
                code.clone(),
                Unit {
                    province: u.province_code.unwrap_or_default(),
                    commune: u.commune_code.unwrap_or_default(),
                    kind_ok,
                },
            );
        }
    }
    let in_scope = |path: &UnitPath| match &who {
        Importer::User(s) => s.scope().contains(path),
        Importer::Operator => true,
    };
    let hh_sheet = hh_table.map(|t| t.name.clone()).unwrap_or_default();
    let hh_map = hh_table
        .and_then(|t| t.rows.first())
        .and_then(|h| HeaderMap::new(&HOUSEHOLD_COLUMNS, h).ok());
    let mut good_households: Vec<(usize, HouseholdRecord, UnitPath)> = Vec::new();
    for (n, h) in households {
        let Some(c) = units.get(&h.commune_code).filter(|u| u.kind_ok) else {
            errors.push(row_error(
                &hh_sheet,
                n,
                hh_map.as_ref(),
                "commune_code",
                &h.commune_code,
                format!("Không có xã, phường mã {}", h.commune_code),
            ));
            continue;
        };
        if let Some(v) = &h.village_code
            && !units
                .get(v)
                .is_some_and(|u| u.kind_ok && u.commune == h.commune_code)
        {
            errors.push(row_error(
                &hh_sheet,
                n,
                hh_map.as_ref(),
                "village_code",
                v,
                format!("{} không có thôn, tổ mã {v}", h.commune_code),
            ));
            continue;
        }
        let path = UnitPath {
            province: Some(c.province.clone()),
            commune: Some(h.commune_code.clone()),
            village: h.village_code.clone(),
        };
        if !in_scope(&path) {
            errors.push(row_error(
                &hh_sheet,
                n,
                hh_map.as_ref(),
                "commune_code",
                &h.commune_code,
                "Đơn vị này nằm ngoài phạm vi của bạn".into(),
            ));
            continue;
        }
        good_households.push((n, h, path));
    }

    // ---- children ----
    let mut children: Vec<(usize, String, ChildRecord)> = Vec::new();
    let ch_sheet = ch_table.map(|t| t.name.clone()).unwrap_or_default();
    let ch_map = match ch_table
        .and_then(|t| t.rows.first())
        .map(|h| HeaderMap::new(&CHILD_COLUMNS, h))
    {
        Some(Ok(m)) => Some(m),
        Some(Err(msg)) => {
            errors.push(row_error(&ch_sheet, 1, None, "", "", msg));
            None
        }
        None => None,
    };
    if let (Some(t), Some(map)) = (ch_table, ch_map.as_ref()) {
        for (i, row) in t.rows.iter().enumerate().skip(1) {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            report.rows_read += 1;
            checking(report.rows_read);
            let n = i + 1;
            let (hh, raw) = mang_domain::import::child_row(map, row);
            let mut row_errors = Vec::new();
            if hh.is_empty() {
                row_errors.push(row_error(
                    &t.name,
                    n,
                    Some(map),
                    "household_code",
                    "",
                    "Thiếu mã hộ".into(),
                ));
            }
            match parse_child(&raw, as_of) {
                Ok(c) if row_errors.is_empty() => children.push((n, hh, c)),
                Ok(_) => {}
                Err(es) => {
                    for e in es {
                        let v = map.get(row, e.field).to_owned();
                        row_errors.push(row_error(&t.name, n, Some(map), e.field, &v, e.message));
                    }
                }
            }
            errors.extend(row_errors);
        }
    }
    links.parse(as_of, &mut errors, || {
        report.rows_read += 1;
        checking(report.rows_read);
    });
    progress(ImportProgress::new(
        ImportPhase::Validate,
        report.rows_read as u64,
        to_check,
    ));

    // Households the children point at: in this file, or already stored (and in scope).
    let b = store.backend();
    let src = json_rows_source(b);
    let mut wanted: HashSet<&str> = children.iter().map(|(_, h, _)| h.as_str()).collect();
    for (_, h, _) in &good_households {
        wanted.insert(h.code.as_str());
    }
    wanted.extend(links.household_codes());
    let codes_json =
        serde_json::to_string(&wanted.iter().map(|c| [c]).collect::<Vec<_>>()).unwrap_or_default();
    let stored: HashMap<String, UnitPath> = sqlx::query(AssertSqlSafe(format!(
        "SELECT h.code, h.province_code, h.commune_code, h.village_code FROM households h \
         WHERE h.code IN (SELECT {} FROM {src})",
        json_col(b, 0, ColType::Text)
    )))
    .bind(&codes_json)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        (
            r.get::<String, _>(0),
            UnitPath {
                province: r.get(1),
                commune: r.get(2),
                village: r.get(3),
            },
        )
    })
    .collect();
    // Stored children of those households: (code, lower-case name, birth) → name as stored.
    let existing_children: HashMap<(String, String, String), String> = sqlx::query(AssertSqlSafe(format!(
        "SELECT h.code, c.full_name, c.birth_date FROM children c JOIN households h ON h.id = c.household_id \
         WHERE h.code IN (SELECT {} FROM {src})",
        json_col(b, 0, ColType::Text)
    )))
    .bind(&codes_json)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let name: String = r.get(1);
        ((r.get::<String, _>(0), name.to_lowercase(), r.get::<String, _>(2)), name)
    })
    .collect();

    let mut new_households = Vec::new();
    let mut file_households: HashMap<String, UnitPath> = HashMap::new();
    for (_, h, path) in good_households {
        if stored.contains_key(&h.code) {
            report.households_existing += 1;
        } else {
            file_households.insert(h.code.clone(), path.clone());
            new_households.push((h, path));
        }
    }
    let mut new_children = Vec::new();
    let mut seen_children: HashMap<(String, String, String), usize> = HashMap::new();
    for (n, hh, c) in children {
        let path = match (file_households.get(&hh), stored.get(&hh)) {
            (Some(p), _) | (None, Some(p)) => p.clone(),
            (None, None) => {
                errors.push(row_error(
                    &ch_sheet,
                    n,
                    ch_map.as_ref(),
                    "household_code",
                    &hh,
                    format!("Không có hộ mã {hh} (trong tệp hoặc đã lưu)"),
                ));
                continue;
            }
        };
        if !in_scope(&path) {
            errors.push(row_error(
                &ch_sheet,
                n,
                ch_map.as_ref(),
                "household_code",
                &hh,
                "Hộ này nằm ngoài phạm vi của bạn".into(),
            ));
            continue;
        }
        // Exact name (ignoring case): twins "Anh" and "Ánh" are two children.
        let key = (
            hh.clone(),
            c.full_name.to_lowercase(),
            c.birth_date.to_string(),
        );
        if existing_children.contains_key(&key) {
            report.children_existing += 1;
            continue;
        }
        if let Some(first) = seen_children.get(&key) {
            errors.push(row_error(
                &ch_sheet,
                n,
                ch_map.as_ref(),
                "full_name",
                &c.full_name,
                format!("Trùng với dòng {first} (cùng hộ, họ tên, ngày sinh)"),
            ));
            continue;
        }
        seen_children.insert(key, n);
        new_children.push((hh, path, c));
    }
    // Children the linked sheets may name: stored ones in scope, and the file's new ones.
    let mut names: HashMap<crate::import_links::ChildKey, String> = existing_children
        .into_iter()
        .filter(|((code, _, _), _)| stored.get(code).is_some_and(&in_scope))
        .collect();
    for (hh, _, c) in &new_children {
        names.insert(
            (
                hh.clone(),
                c.full_name.to_lowercase(),
                c.birth_date.to_string(),
            ),
            c.full_name.clone(),
        );
    }
    if !links.is_empty() {
        links
            .resolve(store, &codes_json, &names, &mut errors)
            .await?;
    }
    errors.sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));
    report.errors = errors;

    // ---- write the good rows, one transaction ----
    let to_write = (new_households.len() + new_children.len()) as u64 + links.to_write();
    let mut written: u64 = 0;
    progress(ImportProgress::new(ImportPhase::Apply, 0, to_write));
    let now = now_text();
    let mut tx = store.begin_write().await?;
    for part in new_households.chunks(5000) {
        let rows: Vec<serde_json::Value> = part
            .iter()
            .map(|(h, p)| {
                serde_json::json!([
                    h.code,
                    p.province,
                    h.commune_code,
                    h.village_code,
                    h.head_name,
                    h.address,
                    h.phone
                ])
            })
            .collect();
        let cols: Vec<String> = (0..7).map(|i| json_col(b, i, ColType::Text)).collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO households (code, province_code, commune_code, village_code, head_name, address, phone, version, created_at, updated_at) \
             SELECT {}, 1, $2, $2 FROM {src}",
            cols.join(", ")
        )))
        .bind(serde_json::Value::Array(rows).to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let poverty: Vec<serde_json::Value> = part
            .iter()
            .filter_map(|(h, _)| h.poverty.map(|(y, s)| serde_json::json!([h.code, y, s])))
            .collect();
        if !poverty.is_empty() {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO household_poverty (household_id, year, status) SELECT h.id, {}, {} FROM {src} JOIN households h ON h.code = {}",
                json_col(b, 1, ColType::Int),
                json_col(b, 2, ColType::Text),
                json_col(b, 0, ColType::Text)
            )))
            .bind(serde_json::Value::Array(poverty).to_string())
            .execute(&mut *tx)
            .await?;
        }
        written += part.len() as u64;
        progress(ImportProgress::new(ImportPhase::Apply, written, to_write));
    }
    report.households_added = new_households.len();
    const CHILD_COLS: [&str; 18] = [
        "full_name",
        "name_folded",
        "name_key",
        "sex",
        "birth_date",
        "personal_id",
        "ethnicity",
        "nationality",
        "birth_registered",
        "insurance_card",
        "insurance_valid_to",
        "disability_type",
        "disability_severity",
        "school_status",
        "id_override_reason",
        "province_code",
        "commune_code",
        "village_code",
    ];
    for part in new_children.chunks(5000) {
        let rows: Vec<serde_json::Value> = part
            .iter()
            .map(|(hh, p, c)| {
                serde_json::json!([
                    hh,
                    c.full_name,
                    text::fold(&c.full_name),
                    names::sort_key(&c.full_name),
                    c.sex,
                    c.birth_date.to_string(),
                    c.personal_id.as_ref().map(|x| x.as_str()),
                    c.ethnicity,
                    c.nationality,
                    i64::from(c.birth_registered),
                    c.insurance_card,
                    c.insurance_valid_to.map(|d| d.to_string()),
                    c.disability_type,
                    c.disability_severity,
                    c.school_status,
                    c.id_override_reason,
                    p.province,
                    p.commune,
                    p.village,
                ])
            })
            .collect();
        let cols: Vec<String> = (1..=CHILD_COLS.len())
            .map(|i| {
                json_col(
                    b,
                    i,
                    if CHILD_COLS[i - 1] == "birth_registered" {
                        ColType::Int
                    } else {
                        ColType::Text
                    },
                )
            })
            .collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO children (household_id, {}, version, created_at, updated_at) SELECT h.id, {}, 1, $2, $2 \
             FROM {src} JOIN households h ON h.code = {}",
            CHILD_COLS.join(", "),
            cols.join(", "),
            json_col(b, 0, ColType::Text)
        )))
        .bind(serde_json::Value::Array(rows).to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        written += part.len() as u64;
        progress(ImportProgress::new(ImportPhase::Apply, written, to_write));
    }
    report.children_added = new_children.len();
    links.write(&mut tx, b, &names, &now).await?;
    (report.caregivers_added, report.circumstances_added) = links.added();
    report.caregivers_existing = links.caregivers_existing;
    report.circumstances_existing = links.circumstances_existing;
    written += links.to_write();
    progress(ImportProgress::new(ImportPhase::Apply, written, to_write));
    let (actor, path) = match &who {
        Importer::User(s) => (Actor::from(s.actor()), s.scope().path.clone()),
        Importer::Operator => (Actor::system("import"), UnitPath::default()),
    };
    audit::append(
        &mut tx,
        &actor,
        &path,
        "create",
        "registry_import",
        file_name,
        serde_json::json!({
            "rows": report.rows_read,
            "households_added": report.households_added,
            "children_added": report.children_added,
            "caregivers_added": report.caregivers_added,
            "circumstances_added": report.circumstances_added,
            "skipped_existing": report.households_existing + report.children_existing
                + report.caregivers_existing + report.circumstances_existing,
            "rows_with_errors": report.errors.iter().map(|e| (&e.sheet, e.row)).collect::<HashSet<_>>().len(),
        }),
    )
    .await?;
    tx.commit().await?;
    let rows = report.rows_read as u64;
    progress(ImportProgress::new(ImportPhase::Done, rows, rows));
    Ok(report)
}

/// One problem of a row, located by sheet, row and the column of `field`.
pub(crate) fn row_error(
    sheet: &str,
    row: usize,
    map: Option<&HeaderMap>,
    field: &str,
    value: &str,
    message: String,
) -> RowError {
    RowError {
        sheet: sheet.to_owned(),
        row,
        column: map.map(|m| m.letter(field)).unwrap_or_default(),
        field: map
            .and_then(|m| m.header(field))
            .unwrap_or_else(|| field_label(field))
            .to_owned(),
        value: value.to_owned(),
        message,
    }
}

/// The error report as an .xlsx (one row per problem).
pub fn error_report_xlsx(report: &ImportReport) -> Result<Vec<u8>> {
    let sheet = mang_docs::SheetOut {
        name: "Lỗi nhập liệu".into(),
        headers: ["Trang tính", "Dòng", "Cột", "Trường", "Giá trị", "Lỗi"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: report
            .errors
            .iter()
            .map(|e| {
                vec![
                    e.sheet.clone(),
                    e.row.to_string(),
                    e.column.clone(),
                    e.field.clone(),
                    e.value.clone(),
                    e.message.clone(),
                ]
            })
            .collect(),
        lists: Vec::new(),
        widths: vec![14.0, 8.0, 6.0, 22.0, 24.0, 70.0],
    };
    mang_docs::write_xlsx(&[sheet]).map_err(|e| StoreError::Invalid {
        field: "file",
        message: e.to_string(),
    })
}

/// The sheets of the import template (headers, drop-down lists, no rows).
pub fn template_sheets() -> Vec<mang_docs::SheetOut> {
    export_sheets(Vec::new(), Vec::new(), Vec::new(), Vec::new())
}

fn export_sheets(
    households: Vec<Vec<String>>,
    children: Vec<Vec<String>>,
    caregivers: Vec<Vec<String>>,
    circumstances: Vec<Vec<String>>,
) -> Vec<mang_docs::SheetOut> {
    use mang_domain::codes::{
        DISABILITY_SEVERITIES, DISABILITY_TYPES, ETHNICITIES, SCHOOL_STATUSES,
    };
    use mang_domain::import::{
        CAREGIVER_COLUMNS, CAREGIVER_SHEET, CIRCUMSTANCE_COLUMNS, CIRCUMSTANCE_SHEET,
    };
    let labels =
        |l: &[mang_domain::codes::Code]| l.iter().map(|c| c.label.to_owned()).collect::<Vec<_>>();
    let pos = |cols: &[mang_domain::import::Column], f: &str| {
        cols.iter().position(|c| c.field == f).unwrap_or(0) as u16
    };
    vec![
        mang_docs::SheetOut {
            name: HOUSEHOLD_SHEET.into(),
            headers: HOUSEHOLD_COLUMNS
                .iter()
                .map(|c| c.header.to_owned())
                .collect(),
            rows: households,
            lists: vec![(
                pos(&HOUSEHOLD_COLUMNS, "poverty_status"),
                [
                    PovertyStatus::Poor,
                    PovertyStatus::NearPoor,
                    PovertyStatus::Escaped,
                ]
                .iter()
                .map(|p| p.label_vi().to_owned())
                .collect(),
            )],
            widths: vec![18.0, 10.0, 12.0, 26.0, 30.0, 14.0, 10.0, 16.0],
        },
        mang_docs::SheetOut {
            name: CHILD_SHEET.into(),
            headers: CHILD_COLUMNS.iter().map(|c| c.header.to_owned()).collect(),
            rows: children,
            lists: vec![
                (pos(&CHILD_COLUMNS, "sex"), vec!["Nam".into(), "Nữ".into()]),
                (
                    pos(&CHILD_COLUMNS, "birth_registered"),
                    vec!["Có".into(), "Không".into()],
                ),
                (
                    pos(&CHILD_COLUMNS, "ethnicity"),
                    ETHNICITIES.iter().map(|e| e.to_string()).collect(),
                ),
                (
                    pos(&CHILD_COLUMNS, "disability_type"),
                    labels(&DISABILITY_TYPES),
                ),
                (
                    pos(&CHILD_COLUMNS, "disability_severity"),
                    labels(&DISABILITY_SEVERITIES),
                ),
                (
                    pos(&CHILD_COLUMNS, "school_status"),
                    labels(&SCHOOL_STATUSES),
                ),
            ],
            widths: vec![
                18.0, 26.0, 9.0, 12.0, 16.0, 20.0, 10.0, 10.0, 10.0, 18.0, 12.0, 22.0, 14.0, 20.0,
            ],
        },
        mang_docs::SheetOut {
            name: CAREGIVER_SHEET.into(),
            headers: CAREGIVER_COLUMNS
                .iter()
                .map(|c| c.header.to_owned())
                .collect(),
            rows: caregivers,
            lists: vec![
                (
                    pos(&CAREGIVER_COLUMNS, "relationship"),
                    mang_domain::life::RELATIONSHIPS
                        .iter()
                        .map(|r| r.label_vi().to_owned())
                        .collect(),
                ),
                (
                    pos(&CAREGIVER_COLUMNS, "lives_with"),
                    vec!["Có".into(), "Không".into()],
                ),
            ],
            widths: vec![18.0, 26.0, 12.0, 26.0, 18.0, 9.0, 14.0, 10.0],
        },
        mang_docs::SheetOut {
            name: CIRCUMSTANCE_SHEET.into(),
            headers: CIRCUMSTANCE_COLUMNS
                .iter()
                .map(|c| c.header.to_owned())
                .collect(),
            rows: circumstances,
            lists: vec![(
                pos(&CIRCUMSTANCE_COLUMNS, "code"),
                mang_domain::circumstances::all()
                    .iter()
                    .map(|c| c.choice_label())
                    .collect(),
            )],
            widths: vec![18.0, 26.0, 12.0, 50.0, 12.0, 12.0, 30.0, 20.0],
        },
    ]
}

/// Export the registry of a unit inside the caller's scope (personal data: only roles
/// allowed to export, and the export is audited with its row count).
/// `who` is `None` for the operator on the server (`mang export`).
pub async fn export_registry(
    store: &Store,
    who: Option<&Scoped<ExportPersonalData>>,
    unit_code: &str,
) -> Result<Vec<mang_docs::SheetOut>> {
    use mang_domain::codes::{self, DISABILITY_SEVERITIES, DISABILITY_TYPES, SCHOOL_STATUSES};
    let unit = crate::units::get(store, unit_code).await?;
    let path = unit.path();
    if let Some(s) = who
        && !s.scope().contains(&path)
    {
        return Err(StoreError::NotFound);
    }
    let scope = mang_domain::access::Scope::new(&unit.code(), &path);
    let (cond, vals) = crate::sql::scope_filter(&scope, "h", 1);
    let hrows = crate::sql::bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT h.code, h.commune_code, h.village_code, h.head_name, h.address, h.phone, p.year, p.status \
             FROM households h LEFT JOIN household_poverty p ON p.household_id = h.id \
             AND p.year = (SELECT MAX(year) FROM household_poverty q WHERE q.household_id = h.id) \
             WHERE {cond} ORDER BY h.code"
        ))),
        vals.clone(),
    )
    .fetch_all(store.pool())
    .await?;
    let households: Vec<Vec<String>> = hrows
        .iter()
        .map(|r| {
            let status: Option<String> = r.get(7);
            vec![
                r.get(0),
                r.get(1),
                r.get::<Option<String>, _>(2).unwrap_or_default(),
                r.get(3),
                r.get(4),
                r.get::<Option<String>, _>(5).unwrap_or_default(),
                r.get::<Option<i64>, _>(6)
                    .map(|y| y.to_string())
                    .unwrap_or_default(),
                status
                    .as_deref()
                    .and_then(PovertyStatus::parse)
                    .map(|p| p.label_vi())
                    .unwrap_or("")
                    .to_owned(),
            ]
        })
        .collect();
    let (cond, vals) = crate::sql::scope_filter(&scope, "c", 1);
    let crows = crate::sql::bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT h.code, c.full_name, c.sex, c.birth_date, c.personal_id, c.id_override_reason, c.ethnicity, \
             c.nationality, c.birth_registered, c.insurance_card, c.insurance_valid_to, c.disability_type, \
             c.disability_severity, c.school_status FROM children c JOIN households h ON h.id = c.household_id \
             WHERE c.status = 'active' AND {cond} ORDER BY c.commune_code, c.name_key, c.id"
        ))),
        vals,
    )
    .fetch_all(store.pool())
    .await?;
    let opt = |r: &sqlx::any::AnyRow, i: usize| r.get::<Option<String>, _>(i).unwrap_or_default();
    let children: Vec<Vec<String>> = crows
        .iter()
        .map(|r| {
            vec![
                r.get(0),
                r.get(1),
                if r.get::<String, _>(2) == "male" {
                    "Nam"
                } else {
                    "Nữ"
                }
                .to_owned(),
                mang_domain::vi::iso_date(&r.get::<String, _>(3)),
                opt(r, 4),
                opt(r, 5),
                opt(r, 6),
                r.get(7),
                if r.get::<i64, _>(8) == 1 {
                    "Có"
                } else {
                    "Không"
                }
                .to_owned(),
                opt(r, 9),
                mang_domain::vi::iso_date(&opt(r, 10)),
                codes::label(&DISABILITY_TYPES, &opt(r, 11)).to_owned(),
                codes::label(&DISABILITY_SEVERITIES, &opt(r, 12)).to_owned(),
                codes::label(&SCHOOL_STATUSES, &opt(r, 13)).to_owned(),
            ]
        })
        .collect();
    // Caregivers and circumstances of the same (active) children.
    let (cond, vals) = crate::sql::scope_filter(&scope, "c", 1);
    let caregivers: Vec<Vec<String>> = crate::sql::bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT h.code, c.full_name, c.birth_date, g.full_name, g.relationship, g.birth_year, g.phone, g.lives_with \
             FROM child_caregivers g JOIN children c ON c.id = g.child_id JOIN households h ON h.id = c.household_id \
             WHERE c.status = 'active' AND g.ended_at IS NULL AND {cond} ORDER BY c.commune_code, c.name_key, c.id, g.id"
        ))),
        vals.clone(),
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        vec![
            r.get(0),
            r.get(1),
            mang_domain::vi::iso_date(&r.get::<String, _>(2)),
            r.get(3),
            mang_domain::life::Relationship::parse(&r.get::<String, _>(4))
                .map(|x| x.label_vi())
                .unwrap_or("")
                .to_owned(),
            r.get::<Option<i64>, _>(5)
                .map(|y| y.to_string())
                .unwrap_or_default(),
            opt(r, 6),
            if r.get::<i64, _>(7) == 1 { "Có" } else { "Không" }.to_owned(),
        ]
    })
    .collect();
    let circumstances: Vec<Vec<String>> = crate::sql::bind_all(
        sqlx::query(AssertSqlSafe(format!(
            "SELECT h.code, c.full_name, c.birth_date, x.code, x.start_date, x.end_date, x.source, x.note \
             FROM child_circumstances x JOIN children c ON c.id = x.child_id JOIN households h ON h.id = c.household_id \
             WHERE c.status = 'active' AND {cond} ORDER BY c.commune_code, c.name_key, c.id, x.id"
        ))),
        vals,
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        vec![
            r.get(0),
            r.get(1),
            mang_domain::vi::iso_date(&r.get::<String, _>(2)),
            mang_domain::circumstances::find(&r.get::<String, _>(3))
                .map(|c| c.choice_label())
                .unwrap_or_else(|| r.get(3)),
            mang_domain::vi::iso_date(&r.get::<String, _>(4)),
            mang_domain::vi::iso_date(&opt(r, 5)),
            r.get(6),
            opt(r, 7),
        ]
    })
    .collect();
    let actor = who
        .map(|s| Actor::from(s.actor()))
        .unwrap_or_else(|| Actor::system("export"));
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &actor,
        &path,
        "export",
        "registry",
        unit_code,
        serde_json::json!({
            "households": households.len(),
            "children": children.len(),
            "caregivers": caregivers.len(),
            "circumstances": circumstances.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(export_sheets(
        households,
        children,
        caregivers,
        circumstances,
    ))
}

/// CSV of one sheet (UTF-8 with BOM so that Excel shows Vietnamese correctly).
pub fn sheet_csv(sheet: &mang_docs::SheetOut) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let esc = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    for row in std::iter::once(&sheet.headers).chain(sheet.rows.iter()) {
        let line: Vec<String> = row.iter().map(|c| esc(c)).collect();
        out.extend_from_slice(line.join(",").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// An export as a file: `.csv` (the children sheet, UTF-8 with BOM) or `.xlsx` (both sheets).
pub fn export_file(sheets: &[mang_docs::SheetOut], csv: bool) -> Result<Vec<u8>> {
    if csv {
        Ok(sheet_csv(&sheets[1]))
    } else {
        mang_docs::write_xlsx(sheets).map_err(|e| StoreError::Invalid {
            field: "file",
            message: e.to_string(),
        })
    }
}
