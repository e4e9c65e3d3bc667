//! Măng documents: reading spreadsheets users bring (.xlsx, CSV in UTF-8 with or without a
//! BOM) into plain text tables, and writing .xlsx files (exports, templates with
//! drop-down lists, error reports). Modules:
//!
//! - `official`: official administrative documents (reports, plans) as .docx in the
//!   Decree 30/2020/NĐ-CP layout;
//! - `appendix`: .xlsx appendices with real numeric cells (indicator tables of reports);
//! - `chart`: SVG charts;
//! - `exchange`: DHIS2 / ADX aggregate exchange formats;
//! - `testing`: a test oracle (LibreOffice → PDF → text), not used in production.

pub mod appendix;
pub mod chart;
pub mod exchange;
pub mod official;
pub mod testing;

use calamine::{Data, Reader};
use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};
use std::path::Path;

/// A sheet as text: the first row is the header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("không đọc được tệp {path}: {message}")]
    Read { path: String, message: String },
    #[error(
        "tệp {path} không phải văn bản UTF-8 (dòng {line}). Tệp dùng bảng mã cũ (TCVN3, VNI) hoặc Windows-1258: mở bằng Excel và lưu lại dạng «CSV UTF-8»"
    )]
    NotUtf8 { path: String, line: u64 },
    #[error("định dạng tệp «{0}» không được hỗ trợ (dùng .xlsx hoặc .csv)")]
    Unsupported(String),
    #[error("không ghi được tệp Excel: {0}")]
    Write(#[from] XlsxError),
    #[error("không ghi được tệp Word: {0}")]
    Docx(String),
}

/// Read a .csv (one table named after the file) or an .xlsx (one table per sheet).
pub fn read(path: &Path) -> Result<Vec<Table>, DocError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| DocError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let name = path.file_name().and_then(|s| s.to_str()).unwrap_or(&shown);
    read_bytes(name, &bytes)
}

/// The same from memory (an upload), `name` giving the kind by its extension.
pub fn read_bytes(name: &str, bytes: &[u8]) -> Result<Vec<Table>, DocError> {
    let p = Path::new(name);
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Ok(vec![read_csv_bytes(
            bytes,
            p.file_stem().and_then(|s| s.to_str()).unwrap_or("csv"),
            name,
        )?]),
        "xlsx" | "xlsm" => read_xlsx_bytes(name, bytes),
        other => Err(DocError::Unsupported(other.to_owned())),
    }
}

/// Parse CSV bytes (comma or semicolon separated, as Excel writes in Vietnamese locales).
pub fn read_csv_bytes(bytes: &[u8], name: &str, shown: &str) -> Result<Table, DocError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let delimiter = if first_line.iter().filter(|b| **b == b';').count()
        > first_line.iter().filter(|b| **b == b',').count()
    {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => rows.push(r.iter().map(|c| c.to_owned()).collect()),
            Err(e) => {
                return Err(match e.kind() {
                    csv::ErrorKind::Utf8 { pos, .. } => DocError::NotUtf8 {
                        path: shown.to_owned(),
                        line: pos.as_ref().map(|p| p.line()).unwrap_or(0),
                    },
                    _ => DocError::Read {
                        path: shown.to_owned(),
                        message: e.to_string(),
                    },
                });
            }
        }
    }
    Ok(Table {
        name: name.to_owned(),
        rows,
    })
}

fn read_xlsx_bytes(name: &str, bytes: &[u8]) -> Result<Vec<Table>, DocError> {
    let err = |e: calamine::Error| DocError::Read {
        path: name.to_owned(),
        message: e.to_string(),
    };
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(err)?;
    let mut out = Vec::new();
    for sheet in wb.sheet_names() {
        let range = wb.worksheet_range(&sheet).map_err(err)?;
        let rows = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        out.push(Table { name: sheet, rows });
    }
    Ok(out)
}

/// A cell as the text a user would read: dates as dd/mm/yyyy, whole numbers without ".0".
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "Có" } else { "Không" }.into(),
        Data::DateTime(d) if d.is_datetime() => excel_date(d.as_f64()),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) => {
            let d = s.get(..10).unwrap_or(s);
            match (d.get(0..4), d.get(5..7), d.get(8..10)) {
                (Some(y), Some(m), Some(dd)) => format!("{dd}/{m}/{y}"),
                _ => s.clone(),
            }
        }
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Excel serial day (1900 system, counted from 30/12/1899) → dd/mm/yyyy.
pub fn excel_date(serial: f64) -> String {
    // Civil-from-days (Howard Hinnant), days since 1970-01-01.
    let z = serial.floor() as i64 - 25569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{d:02}/{m:02}/{y:04}")
}

/// A sheet to write.
#[derive(Debug, Clone, Default)]
pub struct SheetOut {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Drop-down lists: (column index, allowed values).
    pub lists: Vec<(u16, Vec<String>)>,
    pub widths: Vec<f64>,
}

/// Write sheets to an .xlsx in memory: bold frozen header row, text cells (codes keep their
/// leading zeros), drop-down lists for coded columns (long lists go to a hidden sheet).
pub fn write_xlsx(sheets: &[SheetOut]) -> Result<Vec<u8>, DocError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color(0xE3EFE8);
    let text = Format::new().set_num_format("@");
    let mut long_lists: Vec<(String, u16, Vec<String>)> = Vec::new();
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, h, &bold)?;
            let w = sheet.widths.get(c as usize).copied().unwrap_or(18.0);
            ws.set_column_width(c, w)?;
            ws.set_column_format(c, &text)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string((r + 1) as u32, c as u16, v)?;
                }
            }
        }
        let last_row = (sheet.rows.len() as u32).max(1000);
        for (c, values) in &sheet.lists {
            let joined: usize = values.iter().map(|v| v.chars().count() + 1).sum();
            if joined <= 250 {
                let dv = DataValidation::new().allow_list_strings(values)?;
                ws.add_data_validation(1, *c, last_row, *c, &dv)?;
            } else {
                long_lists.push((sheet.name.clone(), *c, values.clone()));
            }
        }
    }
    if !long_lists.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name("Danh mục")?;
        for (i, (_, _, values)) in long_lists.iter().enumerate() {
            for (r, v) in values.iter().enumerate() {
                ws.write_string(r as u32, i as u16, v)?;
            }
        }
        ws.set_hidden(true);
        for (i, (sheet, c, values)) in long_lists.iter().enumerate() {
            let letter = mang_domain::import::column_letter(i);
            let formula = format!("='Danh mục'!${letter}$1:${letter}${}", values.len());
            let dv = DataValidation::new().allow_list_formula(formula.as_str().into());
            let ws = wb.worksheet_from_name(sheet)?;
            ws.add_data_validation(1, *c, 1000, *c, &dv)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials_become_vietnamese_dates() {
        assert_eq!(excel_date(43831.0), "01/01/2020");
        assert_eq!(excel_date(46058.0), "05/02/2026");
        assert_eq!(excel_date(36526.75), "01/01/2000");
    }

    #[test]
    fn csv_with_bom_semicolons_and_bad_encoding() {
        let t = read_csv_bytes(
            "\u{feff}Mã hộ;Họ và tên\nH1;Nguyễn Thị Ánh\n".as_bytes(),
            "x",
            "x.csv",
        )
        .unwrap();
        assert_eq!(
            t.rows,
            vec![
                vec!["Mã hộ".to_string(), "Họ và tên".into()],
                vec!["H1".into(), "Nguyễn Thị Ánh".into()]
            ]
        );
        // TCVN3-encoded bytes are not UTF-8.
        let e = read_csv_bytes(b"M\xb8 h\xe9,Ho\nH1,\xb8\n", "x", "x.csv").unwrap_err();
        assert!(e.to_string().contains("UTF-8"), "{e}");
    }

    #[test]
    fn xlsx_round_trip_keeps_vietnamese_and_leading_zeros() {
        let sheet = SheetOut {
            name: "Trẻ em".into(),
            headers: vec!["Mã xã".into(), "Họ và tên".into(), "Dân tộc".into()],
            rows: vec![vec!["00004".into(), "Đặng Thị Ước".into(), "Kinh".into()]],
            lists: vec![(
                2,
                mang_domain::codes::ETHNICITIES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )],
            widths: vec![],
        };
        let bytes = write_xlsx(&[sheet]).unwrap();
        let dir = std::env::temp_dir().join(format!("mang-docs-test-{}.xlsx", std::process::id()));
        std::fs::write(&dir, bytes).unwrap();
        let tables = read(&dir).unwrap();
        std::fs::remove_file(&dir).ok();
        assert_eq!(tables[0].name, "Trẻ em");
        assert_eq!(
            tables[0].rows[1],
            vec!["00004".to_string(), "Đặng Thị Ước".into(), "Kinh".into()]
        );
        assert_eq!(tables[1].name, "Danh mục");
    }
}
