//! The registers without personal data to and from spreadsheets — drowning-risk sites and
//! activities — in the registry's conventions (`docs/registry-import-format.md`): a header
//! row in Vietnamese (columns in any order, matched without diacritics), coded columns
//! with drop-down lists taking the label or the code, dates and decimals as Vietnamese
//! write them, every error reported by sheet, row, column and value, and nothing written
//! when any row is wrong. One audit entry per import or export.

use crate::audit::{self, Actor};
use crate::import::RowError;
use crate::units::Unit;
use crate::{Result, Store, StoreError};
use mang_docs::SheetOut;
use mang_domain::access::{EditRegisters, Scoped, ViewAggregates};
use mang_domain::import::column_letter;
use mang_domain::sites::{self, RISKS, SITE_KINDS, SITE_MEASURES, SiteMeasure};
use mang_domain::text::fold;
use serde::Serialize;
use sqlx::Row;

/// The site columns, in order. "Mã xã" is filled on export and checked on import.
pub const SITE_HEADERS: [&str; 9] = [
    "Mã xã",
    "Tên địa điểm",
    "Loại",
    "Mức độ nguy cơ",
    "Vĩ độ",
    "Kinh độ",
    "Biện pháp phòng ngừa",
    "Thôn, tổ dân phố",
    "Ghi chú",
];

/// The sheet name of the sites' export and template.
pub const SITE_SHEET: &str = "Điểm nguy cơ";

fn site_sheet(rows: Vec<Vec<String>>) -> SheetOut {
    SheetOut {
        name: SITE_SHEET.into(),
        headers: SITE_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        lists: vec![
            (
                2,
                SITE_KINDS.iter().map(|k| k.label_vi().to_owned()).collect(),
            ),
            (3, RISKS.iter().map(|k| k.label_vi().to_owned()).collect()),
        ],
        widths: vec![10.0, 36.0, 16.0, 16.0, 12.0, 12.0, 40.0, 24.0, 30.0],
    }
}

fn decimal(v: f64) -> String {
    format!("{v:.6}").replace('.', ",")
}

fn xlsx(sheet: SheetOut) -> Result<Vec<u8>> {
    mang_docs::write_xlsx(&[sheet]).map_err(|e| StoreError::Invalid {
        field: "file",
        message: e.to_string(),
    })
}

/// The empty sites template (.xlsx): headers, drop-down lists for type and risk.
pub fn sites_template() -> Result<Vec<u8>> {
    xlsx(site_sheet(Vec::new()))
}

/// The active sites of a unit (a commune, or every commune of a province) as .xlsx.
pub async fn export_sites(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
) -> Result<Vec<u8>> {
    let path = unit.path();
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT s.commune_code, s.name, s.kind, s.risk, s.lat, s.lon, s.measures, v.name AS village, s.note \
         FROM risk_sites s LEFT JOIN admin_units v ON v.code = s.village_code \
         WHERE s.province_code = $1 AND ($2 = '' OR s.commune_code = $2) AND s.status = 'active' \
         ORDER BY s.commune_code, s.id",
    )
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    let out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let kind: String = r.get("kind");
            let risk: String = r.get("risk");
            let measures: String = r.get("measures");
            vec![
                r.get("commune_code"),
                r.get("name"),
                sites::SiteKind::parse(&kind).map_or(kind.clone(), |k| k.label_vi().into()),
                sites::Risk::parse(&risk).map_or(risk.clone(), |k| k.label_vi().into()),
                decimal(r.get("lat")),
                decimal(r.get("lon")),
                measures
                    .split(',')
                    .filter_map(SiteMeasure::parse)
                    .map(|m| m.label_vi())
                    .collect::<Vec<_>>()
                    .join("; "),
                r.get::<Option<String>, _>("village").unwrap_or_default(),
                r.get("note"),
            ]
        })
        .collect();
    let bytes = xlsx(site_sheet(out))?;
    audit_export(store, &grant, "risk_site", &unit.code, rows.len()).await?;
    Ok(bytes)
}

async fn audit_export(
    store: &Store,
    grant: &mang_domain::access::Grant<ViewAggregates>,
    entity: &str,
    unit: &str,
    rows: usize,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "export",
        entity,
        unit,
        serde_json::json!({ "rows": rows }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct RegisterImport {
    /// Rows added (0 when any row has an error).
    pub added: usize,
    pub errors: Vec<RowError>,
}

/// Audit an import of `added` rows of `entity` into `commune` and commit it.
async fn finish_import(
    mut tx: crate::Tx,
    grant: &mang_domain::access::Grant<impl mang_domain::access::Permission>,
    entity: &str,
    commune: &Unit,
    file_name: &str,
    added: usize,
) -> Result<RegisterImport> {
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "import",
        entity,
        &commune.code,
        serde_json::json!({ "file": file_name, "added": added }),
    )
    .await?;
    tx.commit().await?;
    Ok(RegisterImport {
        added,
        errors: Vec::new(),
    })
}

/// An uploaded sheet with its columns found by header.
struct Input {
    tables: Vec<mang_docs::Table>,
    at: usize,
    cols: Vec<Option<usize>>,
}

impl Input {
    /// Read the file; the sheet named `sheet` (or the first); the columns of `headers` by
    /// folded name. `Err(errors)` when a `required` column (index into `headers`) is missing
    /// or the sheet is empty.
    fn open(
        file_name: &str,
        bytes: &[u8],
        sheet: &str,
        headers: &[&str],
        required: &[usize],
    ) -> Result<std::result::Result<Input, Vec<RowError>>> {
        let tables = mang_docs::read_bytes(file_name, bytes).map_err(|e| StoreError::Invalid {
            field: "file",
            message: e.to_string(),
        })?;
        let at = tables
            .iter()
            .position(|t| t.name == sheet)
            .or_else(|| (!tables.is_empty()).then_some(0))
            .ok_or_else(|| StoreError::Invalid {
                field: "file",
                message: format!("tệp {file_name} không có trang tính nào"),
            })?;
        let mut input = Input {
            tables,
            at,
            cols: Vec::new(),
        };
        let Some(header) = input.table().rows.first().cloned() else {
            return Ok(Err(vec![input.error(
                1,
                None,
                "",
                "Trang tính trống: thiếu dòng tiêu đề".into(),
            )]));
        };
        input.cols = headers
            .iter()
            .map(|h| header.iter().position(|x| fold(x) == fold(h)))
            .collect();
        let missing: Vec<RowError> = required
            .iter()
            .filter(|i| input.cols[**i].is_none())
            .map(|i| {
                input.error(
                    1,
                    None,
                    "",
                    format!("Thiếu cột «{}» (xem tệp mẫu)", headers[*i]),
                )
            })
            .collect();
        Ok(if missing.is_empty() {
            Ok(input)
        } else {
            Err(missing)
        })
    }

    fn table(&self) -> &mang_docs::Table {
        &self.tables[self.at]
    }

    fn error(&self, row: usize, col: Option<usize>, value: &str, message: String) -> RowError {
        let t = self.table();
        RowError {
            sheet: t.name.clone(),
            row,
            column: col.map(column_letter).unwrap_or_default(),
            field: col
                .and_then(|c| t.rows.first().and_then(|h| h.get(c)).cloned())
                .unwrap_or_default(),
            value: value.to_owned(),
            message,
        }
    }

    /// The trimmed cell of column `i` (of the headers) in `row`.
    fn cell(&self, row: &[String], i: usize) -> String {
        self.cols[i]
            .and_then(|c| row.get(c))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }
}

/// A coded column's error, with the values it takes when the cell had a wrong one:
/// "Chọn loại cơ sở" → "Chọn loại cơ sở: «Nhà trẻ» không có trong danh mục (Cơ sở công
/// lập, …)".
fn with_choices(message: String, value: &str, choices: Option<String>) -> String {
    match choices {
        Some(list) if !value.trim().is_empty() => {
            format!(
                "{message}: «{}» không có trong danh mục ({list})",
                value.trim()
            )
        }
        _ => message,
    }
}

fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    all.iter().map(|x| label(*x)).collect::<Vec<_>>().join(", ")
}

/// Check every non-empty row of a one-commune sheet: the "Mã xã" column (index 0), when
/// filled, must be `commune`; `parse` checks the rest, its field errors placed in the
/// columns `field_col` gives. Returns the good rows and every error.
fn check_rows<T>(
    input: &Input,
    commune: &Unit,
    field_col: impl Fn(&str) -> usize,
    choices: impl Fn(&str) -> Option<String>,
    parse: impl Fn(&[String]) -> std::result::Result<T, Vec<mang_domain::registry::FieldError>>,
) -> (Vec<T>, Vec<RowError>) {
    let (mut good, mut errors) = (Vec::new(), Vec::new());
    for (n, row) in input.table().rows.iter().enumerate().skip(1) {
        let line = n + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let code = input.cell(row, 0);
        if !code.is_empty() && code != commune.code {
            errors.push(input.error(
                line,
                input.cols[0],
                &code,
                format!(
                    "Dòng thuộc xã mã {code}, không phải {} ({})",
                    commune.name, commune.code
                ),
            ));
            continue;
        }
        match parse(row) {
            Ok(x) => good.push(x),
            Err(fields) => {
                for f in fields {
                    let i = field_col(f.field);
                    let value = input.cell(row, i);
                    let message = with_choices(f.message, &value, choices(f.field));
                    errors.push(input.error(line, input.cols[i], &value, message));
                }
            }
        }
    }
    (good, errors)
}

/// Import sites into a commune from an .xlsx or .csv (the template's columns, any order).
/// Every row is checked first; any error and nothing is written.
pub async fn import_sites(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    commune: &Unit,
    file_name: &str,
    bytes: &[u8],
) -> Result<RegisterImport> {
    let path = commune.path();
    if path.commune.is_none() || path.village.is_some() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn xã, phường để nhập điểm nguy cơ".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let input = match Input::open(
        file_name,
        bytes,
        SITE_SHEET,
        &SITE_HEADERS,
        &[1, 2, 3, 4, 5],
    )? {
        Ok(i) => i,
        Err(errors) => return Ok(RegisterImport { added: 0, errors }),
    };
    let table = input.table();
    let cols = input.cols.clone();
    let mut errors = Vec::new();
    let error = |row: usize, col: Option<usize>, value: &str, message: String| {
        input.error(row, col, value, message)
    };
    let villages = crate::units::villages_of(store, &commune.code).await?;
    let cell = |row: &Vec<String>, i: usize| input.cell(row, i);
    let field_col = |field: &str| -> Option<usize> {
        match field {
            "name" => cols[1],
            "kind" => cols[2],
            "risk" => cols[3],
            "lat" => cols[4],
            "lon" => cols[5],
            "measures" => cols[6],
            _ => cols[8],
        }
    };
    let mut good = Vec::new();
    for (n, row) in table.rows.iter().enumerate().skip(1) {
        let line = n + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let code = cell(row, 0);
        if !code.is_empty() && code != commune.code {
            errors.push(error(
                line,
                cols[0],
                &code,
                format!(
                    "Địa điểm thuộc xã mã {code}, không phải {} ({})",
                    commune.name, commune.code
                ),
            ));
            continue;
        }
        let raw_measures = cell(row, 6);
        let mut measures = Vec::new();
        let mut bad_measure = false;
        for m in raw_measures
            .split([',', ';'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            match SiteMeasure::parse(m) {
                Some(x) => measures.push(x.as_str().to_owned()),
                None => {
                    bad_measure = true;
                    errors.push(error(
                        line,
                        cols[6],
                        m,
                        format!(
                            "Biện pháp «{m}» không có trong danh mục ({})",
                            SITE_MEASURES
                                .iter()
                                .map(|x| x.label_vi())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        let village_text = cell(row, 7);
        let village = if village_text.is_empty() {
            None
        } else {
            match villages.iter().find(|v| {
                v.code == village_text
                    || fold(&v.name) == fold(&village_text)
                    || fold(&v.name).ends_with(&format!(" {}", fold(&village_text)))
            }) {
                Some(v) => Some(v.code.clone()),
                None => {
                    errors.push(error(
                        line,
                        cols[7],
                        &village_text,
                        format!(
                            "{} không có thôn, tổ dân phố «{village_text}»",
                            commune.name
                        ),
                    ));
                    continue;
                }
            }
        };
        let checked = sites::check_site(&sites::RawSite {
            name: cell(row, 1),
            kind: cell(row, 2),
            risk: cell(row, 3),
            lat: cell(row, 4),
            lon: cell(row, 5),
            measures,
            note: cell(row, 8),
        });
        match checked {
            Ok(s) if !bad_measure => good.push((s, village)),
            Ok(_) => {}
            Err(fields) => {
                for f in fields {
                    let col = field_col(f.field);
                    let value = col.and_then(|c| row.get(c)).cloned().unwrap_or_default();
                    let choices = match f.field {
                        "kind" => Some(labels(SITE_KINDS, sites::SiteKind::label_vi)),
                        "risk" => Some(labels(RISKS, sites::Risk::label_vi)),
                        _ => None,
                    };
                    errors.push(error(
                        line,
                        col,
                        &value,
                        with_choices(f.message, &value, choices),
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Ok(RegisterImport { added: 0, errors });
    }
    let mut tx = store.begin_write().await?;
    for (site, village) in &good {
        let mut at = path.clone();
        at.village = village.clone();
        crate::sites::insert(&mut tx, &at, site, &grant.actor().username).await?;
    }
    finish_import(tx, &grant, "risk_site", commune, file_name, good.len()).await
}

/// The activity columns, in order.
pub const ACTIVITY_HEADERS: [&str; 9] = [
    "Mã xã",
    "Loại hoạt động",
    "Tên hoạt động",
    "Ngày",
    "Số trẻ em tham gia",
    "Trẻ từ 7 tuổi được hỏi ý kiến",
    "Trẻ từ 11 tuổi tham gia mô hình",
    "Người lớn tham gia",
    "Ghi chú",
];

/// The sheet name of the activities' export and template.
pub const ACTIVITY_SHEET: &str = "Hoạt động";

fn activity_sheet(rows: Vec<Vec<String>>) -> SheetOut {
    use mang_domain::activities::ACTIVITY_KINDS;
    SheetOut {
        name: ACTIVITY_SHEET.into(),
        headers: ACTIVITY_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        lists: vec![(
            1,
            ACTIVITY_KINDS
                .iter()
                .map(|k| k.label_vi().to_owned())
                .collect(),
        )],
        widths: vec![10.0, 28.0, 40.0, 12.0, 14.0, 16.0, 16.0, 14.0, 30.0],
    }
}

/// The empty activities template (.xlsx).
pub fn activities_template() -> Result<Vec<u8>> {
    xlsx(activity_sheet(Vec::new()))
}

/// The activities of a unit (a commune, or every commune of a province) as .xlsx.
pub async fn export_activities(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
) -> Result<Vec<u8>> {
    let path = unit.path();
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT commune_code, kind, title, held_on, children, children_7plus_consulted, \
         children_11plus_in_models, adults, note FROM activities \
         WHERE province_code = $1 AND ($2 = '' OR commune_code = $2) ORDER BY commune_code, held_on, id",
    )
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    let n = |r: &sqlx::any::AnyRow, c: &str| r.get::<i64, _>(c).to_string();
    let out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let kind: String = r.get("kind");
            vec![
                r.get("commune_code"),
                mang_domain::activities::ActivityKind::parse(&kind)
                    .map_or(kind.clone(), |k| k.label_vi().into()),
                r.get("title"),
                mang_domain::vi::iso_date(&r.get::<String, _>("held_on")),
                n(r, "children"),
                n(r, "children_7plus_consulted"),
                n(r, "children_11plus_in_models"),
                n(r, "adults"),
                r.get::<Option<String>, _>("note").unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = xlsx(activity_sheet(out))?;
    audit_export(store, &grant, "activity", &unit.code, rows.len()).await?;
    Ok(bytes)
}

/// Import activities into a commune (all rows or none).
pub async fn import_activities(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    commune: &Unit,
    file_name: &str,
    bytes: &[u8],
    today: time::Date,
) -> Result<RegisterImport> {
    let path = commune.path();
    if path.commune.is_none() || path.village.is_some() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn xã, phường để nhập hoạt động".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let input = match Input::open(
        file_name,
        bytes,
        ACTIVITY_SHEET,
        &ACTIVITY_HEADERS,
        &[1, 2, 3, 4],
    )? {
        Ok(i) => i,
        Err(errors) => return Ok(RegisterImport { added: 0, errors }),
    };
    let field_col = |field: &str| match field {
        "kind" => 1,
        "title" => 2,
        "date" => 3,
        "children" => 4,
        "children_7plus_consulted" => 5,
        "children_11plus_in_models" => 6,
        "adults" => 7,
        _ => 8,
    };
    let choices = |field: &str| {
        (field == "kind").then(|| {
            labels(
                mang_domain::activities::ACTIVITY_KINDS,
                mang_domain::activities::ActivityKind::label_vi,
            )
        })
    };
    let (good, errors) = check_rows(&input, commune, field_col, choices, |row| {
        mang_domain::activities::check(
            &mang_domain::activities::RawActivity {
                kind: input.cell(row, 1),
                title: input.cell(row, 2),
                date: input.cell(row, 3),
                children: input.cell(row, 4),
                children_7plus_consulted: input.cell(row, 5),
                children_11plus_in_models: input.cell(row, 6),
                adults: input.cell(row, 7),
                note: input.cell(row, 8),
            },
            today,
        )
    });
    if !errors.is_empty() {
        return Ok(RegisterImport { added: 0, errors });
    }
    let mut tx = store.begin_write().await?;
    for a in &good {
        crate::activities::insert(&mut tx, &path, a, &grant.actor().username).await?;
    }
    finish_import(tx, &grant, "activity", commune, file_name, good.len()).await
}

/// The payment columns, in order. A payment names its child by "Mã trẻ" (Măng's id) or by
/// personal ID number; "Họ và tên", when given, must match the child's name.
pub const PAYMENT_HEADERS: [&str; 7] = [
    "Mã trẻ",
    "Số định danh cá nhân",
    "Họ và tên",
    "Chính sách",
    "Tháng",
    "Số tiền (đồng)",
    "Ngày chi trả",
];

/// The sheet name of the payments' export and template.
pub const PAYMENT_SHEET: &str = "Chi trả";

fn payment_sheet(rows: Vec<Vec<String>>) -> SheetOut {
    SheetOut {
        name: PAYMENT_SHEET.into(),
        headers: PAYMENT_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        lists: vec![(
            3,
            mang_domain::benefits::policies()
                .iter()
                .map(|p| p.code.clone())
                .collect(),
        )],
        widths: vec![10.0, 16.0, 28.0, 28.0, 10.0, 14.0, 14.0],
    }
}

/// The empty payments template (.xlsx).
pub fn payments_template() -> Result<Vec<u8>> {
    xlsx(payment_sheet(Vec::new()))
}

/// A commune's payments (with the children's names: personal data, so only for the roles
/// that may export it; recorded in the audit log).
pub async fn export_payments(
    store: &Store,
    scoped: &Scoped<mang_domain::access::ExportPersonalData>,
    commune: &Unit,
) -> Result<Vec<u8>> {
    let path = commune.path();
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let rows = sqlx::query(
        "SELECT b.child_id, c.personal_id, c.full_name, b.policy, b.month, b.amount, b.paid_on \
         FROM benefit_payments b JOIN children c ON c.id = b.child_id \
         WHERE b.province_code = $1 AND ($2 = '' OR b.commune_code = $2) ORDER BY b.month, b.id",
    )
    .bind(path.province.clone().unwrap_or_default())
    .bind(path.commune.clone().unwrap_or_default())
    .fetch_all(store.pool())
    .await?;
    let out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let month: String = r.get("month");
            vec![
                r.get::<i64, _>("child_id").to_string(),
                r.get::<Option<String>, _>("personal_id")
                    .unwrap_or_default(),
                r.get("full_name"),
                r.get("policy"),
                month
                    .split_once('-')
                    .map_or(month.clone(), |(y, m)| format!("{m}/{y}")),
                r.get::<i64, _>("amount").to_string(),
                mang_domain::vi::iso_date(&r.get::<String, _>("paid_on")),
            ]
        })
        .collect();
    let bytes = xlsx(payment_sheet(out))?;
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "export",
        "benefit_payment",
        &commune.code,
        serde_json::json!({ "rows": rows.len(), "personal_data": true }),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// Import a commune's payment list (all rows or none). Each row's child must be in the
/// commune; the policy by code or name; the amount defaults to the policy's.
pub async fn import_payments(
    store: &Store,
    scoped: &Scoped<mang_domain::access::RecordPayments>,
    commune: &Unit,
    file_name: &str,
    bytes: &[u8],
    today: time::Date,
) -> Result<RegisterImport> {
    let path = commune.path();
    if path.commune.is_none() || path.village.is_some() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn xã, phường để nhập danh sách chi trả".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let input = match Input::open(file_name, bytes, PAYMENT_SHEET, &PAYMENT_HEADERS, &[3, 4])? {
        Ok(i) => i,
        Err(errors) => return Ok(RegisterImport { added: 0, errors }),
    };
    if input.cols[0].is_none() && input.cols[1].is_none() {
        return Ok(RegisterImport {
            added: 0,
            errors: vec![input.error(
                1,
                None,
                "",
                "Cần cột «Mã trẻ» hoặc «Số định danh cá nhân» để biết chi cho trẻ nào".into(),
            )],
        });
    }
    // The commune's children, by id and by personal ID.
    let kids = sqlx::query(
        "SELECT id, personal_id, full_name, village_code FROM children WHERE commune_code = $1 AND status <> 'merged'",
    )
    .bind(commune.code.clone())
    .fetch_all(store.pool())
    .await?;
    let find = |id: &str, pid: &str| {
        kids.iter().find(|r| {
            (!id.is_empty() && r.get::<i64, _>("id").to_string() == id)
                || (id.is_empty()
                    && !pid.is_empty()
                    && r.get::<Option<String>, _>("personal_id").as_deref() == Some(pid))
        })
    };
    let mut errors = Vec::new();
    let mut good = Vec::new();
    for (n, row) in input.table().rows.iter().enumerate().skip(1) {
        let line = n + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (id, pid, name) = (input.cell(row, 0), input.cell(row, 1), input.cell(row, 2));
        let Some(kid) = find(&id, &pid) else {
            let (col, value) = if id.is_empty() { (1, &pid) } else { (0, &id) };
            errors.push(input.error(
                line,
                input.cols[col],
                value,
                format!("Không có trẻ này trong sổ theo dõi của {}", commune.name),
            ));
            continue;
        };
        let full: String = kid.get("full_name");
        if !name.is_empty() && fold(&name) != fold(&full) {
            errors.push(input.error(
                line,
                input.cols[2],
                &name,
                format!(
                    "Họ tên không khớp với trẻ mã {} trong sổ ({full})",
                    kid.get::<i64, _>("id")
                ),
            ));
            continue;
        }
        let policy_text = input.cell(row, 3);
        let policy = mang_domain::benefits::policies()
            .iter()
            .find(|p| p.code == policy_text || fold(&p.name) == fold(&policy_text))
            .map(|p| p.code.clone())
            .unwrap_or(policy_text.clone());
        let payment = crate::benefits::NewPayment {
            child_id: kid.get("id"),
            policy,
            month: input.cell(row, 4),
            amount: input.cell(row, 5),
            paid_on: input.cell(row, 6),
        };
        match crate::benefits::check_payment(&payment, today) {
            Ok((p, month, amount, paid_on)) => good.push((
                payment.child_id,
                kid.get::<Option<String>, _>("village_code"),
                p.code.clone(),
                month,
                amount,
                paid_on,
            )),
            Err(StoreError::Invalid { field, message }) => {
                let i = match field {
                    "policy" => 3,
                    "month" => 4,
                    "amount" => 5,
                    _ => 6,
                };
                let value = input.cell(row, i);
                errors.push(input.error(line, input.cols[i], &value, message));
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Ok(RegisterImport { added: 0, errors });
    }
    let mut tx = store.begin_write().await?;
    for (child, village, policy, month, amount, paid_on) in &good {
        let mut at = path.clone();
        at.village = village.clone();
        crate::benefits::insert(
            &mut tx,
            &at,
            *child,
            policy,
            month,
            *amount,
            *paid_on,
            &grant.actor().username,
        )
        .await?;
    }
    finish_import(
        tx,
        &grant,
        "benefit_payment",
        commune,
        file_name,
        good.len(),
    )
    .await
}

/// The care-facility columns, in order; the last two are exported, not imported.
pub const FACILITY_HEADERS: [&str; 8] = [
    "Mã xã",
    "Tên cơ sở",
    "Loại hình",
    "Số giấy phép, quyết định thành lập",
    "Công suất (số trẻ)",
    "Địa chỉ",
    "Kết quả xử lý",
    "Số trẻ đang chăm sóc",
];

/// The sheet name of the facilities' export and template.
pub const FACILITY_SHEET: &str = "Cơ sở chăm sóc";

fn facility_sheet(rows: Vec<Vec<String>>) -> SheetOut {
    use mang_domain::facilities::FACILITY_KINDS;
    SheetOut {
        name: FACILITY_SHEET.into(),
        headers: FACILITY_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        lists: vec![(
            2,
            FACILITY_KINDS
                .iter()
                .map(|k| k.label_vi().to_owned())
                .collect(),
        )],
        widths: vec![10.0, 36.0, 26.0, 24.0, 12.0, 36.0, 24.0, 12.0],
    }
}

/// The empty facilities template (.xlsx).
pub fn facilities_template() -> Result<Vec<u8>> {
    xlsx(facility_sheet(Vec::new()))
}

/// The care facilities of a unit as .xlsx (no child's name: the count in care only).
pub async fn export_facilities(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
    today: time::Date,
) -> Result<Vec<u8>> {
    let grant = scoped
        .grant(&unit.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = crate::facilities::list(store, scoped, unit, false, today).await?;
    let out: Vec<Vec<String>> = rows
        .iter()
        .map(|f| {
            vec![
                f.commune_code.clone(),
                f.name.clone(),
                f.kind_label.clone(),
                f.licence.clone(),
                f.capacity.to_string(),
                f.address.clone(),
                f.resolution_label.clone(),
                f.children_in_care.to_string(),
            ]
        })
        .collect();
    let bytes = xlsx(facility_sheet(out))?;
    audit_export(store, &grant, "care_facility", &unit.code, rows.len()).await?;
    Ok(bytes)
}

/// Import care facilities into a commune (all rows or none).
pub async fn import_facilities(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    commune: &Unit,
    file_name: &str,
    bytes: &[u8],
) -> Result<RegisterImport> {
    let path = commune.path();
    if path.commune.is_none() || path.village.is_some() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn xã, phường để nhập cơ sở".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let input = match Input::open(
        file_name,
        bytes,
        FACILITY_SHEET,
        &FACILITY_HEADERS,
        &[1, 2, 4],
    )? {
        Ok(i) => i,
        Err(errors) => return Ok(RegisterImport { added: 0, errors }),
    };
    let field_col = |field: &str| match field {
        "name" => 1,
        "kind" => 2,
        "licence" => 3,
        "capacity" => 4,
        _ => 5,
    };
    let choices = |field: &str| {
        (field == "kind").then(|| {
            labels(
                mang_domain::facilities::FACILITY_KINDS,
                mang_domain::facilities::FacilityKind::label_vi,
            )
        })
    };
    let (good, errors) = check_rows(&input, commune, field_col, choices, |row| {
        mang_domain::facilities::check(&mang_domain::facilities::RawFacility {
            name: input.cell(row, 1),
            kind: input.cell(row, 2),
            licence: input.cell(row, 3),
            capacity: input.cell(row, 4),
            address: input.cell(row, 5),
        })
    });
    if !errors.is_empty() {
        return Ok(RegisterImport { added: 0, errors });
    }
    let mut tx = store.begin_write().await?;
    for f in &good {
        crate::facilities::insert(&mut tx, &path, f, &grant.actor().username).await?;
    }
    finish_import(tx, &grant, "care_facility", commune, file_name, good.len()).await
}

/// A unit's child-friendly assessments for a year as .xlsx: one row per commune with its
/// points per criterion, total, threshold, outcome and appraisal.
pub async fn export_child_friendly(
    store: &Store,
    scoped: &Scoped<ViewAggregates>,
    unit: &Unit,
    year: i32,
) -> Result<Vec<u8>> {
    let grant = scoped
        .grant(&unit.path())
        .map_err(|_| StoreError::NotFound)?;
    let rows = crate::child_friendly::list(store, scoped, unit, year).await?;
    let criteria = mang_domain::child_friendly::criteria();
    let mut headers: Vec<String> = [
        "Mã xã",
        "Xã, phường",
        "Năm",
        "Loại xã",
        "Tổng điểm",
        "Điểm chuẩn",
        "Đạt chuẩn",
        "Tình trạng",
        "Có điểm vui chơi cho trẻ em",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    headers.extend(
        criteria
            .iter()
            .map(|c| format!("Tiêu chí {} (tối đa {})", c.no, c.max_points)),
    );
    let out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                r.commune_code.clone(),
                r.commune_name.clone(),
                r.year.to_string(),
                mang_domain::child_friendly::CommuneType::parse(&r.commune_type)
                    .map_or(r.commune_type.clone(), |t| t.label_vi().to_owned()),
                r.total.to_string(),
                r.threshold.to_string(),
                if r.recognised {
                    "Đạt"
                } else {
                    "Chưa đạt"
                }
                .into(),
                if r.status == "appraised" {
                    "Tỉnh đã thẩm định"
                } else {
                    "Xã tự đánh giá"
                }
                .into(),
                if r.play_venue { "Có" } else { "Không" }.into(),
            ];
            v.extend(criteria.iter().map(|c| {
                r.points
                    .iter()
                    .find(|(n, _)| *n == c.no)
                    .map_or(String::new(), |(_, p)| p.to_string())
            }));
            v
        })
        .collect();
    let widths = std::iter::repeat_n(12.0, headers.len()).collect();
    let bytes = xlsx(SheetOut {
        name: "Xã phù hợp với trẻ em".into(),
        headers,
        rows: out,
        lists: Vec::new(),
        widths,
    })?;
    audit_export(store, &grant, "child_friendly", &unit.code, rows.len()).await?;
    Ok(bytes)
}
