//! Drowning-risk sites to and from spreadsheets, in the registry's conventions
//! (`docs/registry-import-format.md`): a header row in Vietnamese, coded columns with
//! drop-down lists taking the label or the code, dates and decimals as Vietnamese write
//! them, every error reported by sheet, row, column and value, and nothing written when any
//! row is wrong. One audit entry per import or export. No personal data.

use crate::audit::{self, Actor};
use crate::import::RowError;
use crate::units::Unit;
use crate::{Result, Store, StoreError, now_text};
use mang_docs::SheetOut;
use mang_domain::access::{EditRegisters, Scoped, ViewAggregates};
use mang_domain::import::column_letter;
use mang_domain::sites::{self, RISKS, SITE_KINDS, SITE_MEASURES, SiteMeasure};
use mang_domain::text::fold;
use serde::Serialize;
use sqlx::Row;

/// The columns, in order. "Mã xã" is filled on export and checked on import.
pub const HEADERS: [&str; 9] = [
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

/// The sheet name of the export and the template.
pub const SHEET: &str = "Điểm nguy cơ";

fn sheet(rows: Vec<Vec<String>>) -> SheetOut {
    SheetOut {
        name: SHEET.into(),
        headers: HEADERS.iter().map(|h| (*h).to_owned()).collect(),
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

/// The empty template (.xlsx): headers, drop-down lists for type and risk.
pub fn template() -> Result<Vec<u8>> {
    mang_docs::write_xlsx(&[sheet(Vec::new())]).map_err(|e| StoreError::Invalid {
        field: "file",
        message: e.to_string(),
    })
}

/// The active sites of a unit (a commune, or every commune of a province) as .xlsx.
pub async fn export(
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
    let bytes = mang_docs::write_xlsx(&[sheet(out)]).map_err(|e| StoreError::Invalid {
        field: "file",
        message: e.to_string(),
    })?;
    let mut tx = store.begin_write().await?;
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "export",
        "risk_site",
        &unit.code,
        serde_json::json!({ "rows": rows.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SiteImport {
    /// Sites added (0 when any row has an error).
    pub added: usize,
    pub errors: Vec<RowError>,
}

/// Import sites into a commune from an .xlsx or .csv (the template's columns, any order).
/// Every row is checked first; any error and nothing is written.
pub async fn import(
    store: &Store,
    scoped: &Scoped<EditRegisters>,
    commune: &Unit,
    file_name: &str,
    bytes: &[u8],
) -> Result<SiteImport> {
    let path = commune.path();
    if path.commune.is_none() || path.village.is_some() {
        return Err(StoreError::Invalid {
            field: "unit",
            message: "Chọn xã, phường để nhập điểm nguy cơ".into(),
        });
    }
    let grant = scoped.grant(&path).map_err(|_| StoreError::NotFound)?;
    let tables = mang_docs::read_bytes(file_name, bytes).map_err(|e| StoreError::Invalid {
        field: "file",
        message: e.to_string(),
    })?;
    let table = tables
        .iter()
        .find(|t| t.name == SHEET)
        .or_else(|| tables.first())
        .ok_or_else(|| StoreError::Invalid {
            field: "file",
            message: format!("tệp {file_name} không có trang tính nào"),
        })?;
    let mut errors = Vec::new();
    let error = |row: usize, col: Option<usize>, value: &str, message: String| RowError {
        sheet: table.name.clone(),
        row,
        column: col.map(column_letter).unwrap_or_default(),
        field: col
            .and_then(|c| table.rows.first().and_then(|h| h.get(c)).cloned())
            .unwrap_or_default(),
        value: value.to_owned(),
        message,
    };
    let Some(header) = table.rows.first() else {
        return Ok(SiteImport {
            added: 0,
            errors: vec![error(
                1,
                None,
                "",
                "Trang tính trống: thiếu dòng tiêu đề".into(),
            )],
        });
    };
    // Columns by folded header.
    let index = |name: &str| header.iter().position(|h| fold(h) == fold(name));
    let cols: Vec<Option<usize>> = HEADERS.iter().map(|h| index(h)).collect();
    for (i, required) in [(1, true), (2, true), (3, true), (4, true), (5, true)] {
        if required && cols[i].is_none() {
            errors.push(error(
                1,
                None,
                "",
                format!("Thiếu cột «{}» (xem tệp mẫu)", HEADERS[i]),
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(SiteImport { added: 0, errors });
    }
    let villages = crate::units::villages_of(store, &commune.code).await?;
    let cell = |row: &Vec<String>, i: usize| -> String {
        cols[i]
            .and_then(|c| row.get(c))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
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
                    errors.push(error(line, col, &value, f.message));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Ok(SiteImport { added: 0, errors });
    }
    let mut tx = store.begin_write().await?;
    let now = now_text();
    for (s, village) in &good {
        sqlx::query(
            "INSERT INTO risk_sites (province_code, commune_code, village_code, name, kind, risk, lat, lon, \
             measures, note, status, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', 1, $11, $12, $12)",
        )
        .bind(path.province.clone())
        .bind(path.commune.clone())
        .bind(village.clone())
        .bind(s.name.clone())
        .bind(s.kind.as_str())
        .bind(s.risk.as_str())
        .bind(s.lat)
        .bind(s.lon)
        .bind(
            s.measures
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(","),
        )
        .bind(s.note.clone())
        .bind(grant.actor().username.clone())
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;
    }
    audit::append(
        &mut tx,
        &Actor::from(grant.actor()),
        grant.path(),
        "import",
        "risk_site",
        &commune.code,
        serde_json::json!({ "file": file_name, "added": good.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(SiteImport {
        added: good.len(),
        errors,
    })
}
