//! .xlsx appendices (*phụ lục*) of reports and plans: one sheet per table, a bold title
//! row, an optional subtitle, a bold bordered header row with the panes frozen under it,
//! then the rows. Times New Roman 12 pt throughout, A4, fitted to the page width, the
//! header row repeated on every printed page.
//!
//! Numbers are real numeric cells, so that users can re-sort, sum and chart them: whole
//! numbers with the format `#,##0`, decimals `#,##0.0` (as many zeros as asked). The
//! format codes are locale-neutral: Excel and LibreOffice show the separators of the
//! reader's locale, so a Vietnamese-locale machine shows `1.250` and `6,4` (an English one
//! `1,250` and `6.4`); the stored value is the same. Rates keep the number the dashboard
//! shows: [`Cell::Percent`]`(6.4, 1)` stores 6.4 (not 0.064) with the format `0.0"%"`,
//! displayed "6,4%"; [`Cell::PerMille`] likewise with `0.0"‰"`. Reading the file back
//! (calamine, pandas, a formula) therefore gives 6.4, the figure in the report.
//!
//! The bytes are deterministic: the creation time in the document properties is
//! [`Appendix::created`] (midnight UTC) and rust_xlsxwriter writes fixed zip times.

use crate::DocError;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use std::collections::HashMap;

/// A workbook of appendix tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Appendix {
    /// The workbook's title property.
    pub title: String,
    pub sheets: Vec<AppendixSheet>,
    /// Written as the creation time (for deterministic bytes).
    pub created: time::Date,
}

/// One sheet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppendixSheet {
    /// Sheet name: at most 31 characters, none of `[]:*?/\`; Vietnamese is fine ("Chỉ tiêu").
    pub name: String,
    /// First row: bold, merged across the table's columns.
    pub title: String,
    /// Second row (italic, merged), e.g. "(Kèm theo Báo cáo số 07/BC-SYT ngày …)".
    pub subtitle: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Column widths in characters; missing columns get 14.
    pub widths: Vec<f64>,
}

/// A cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Shown `#,##0`.
    Int(i64),
    /// A number and its decimals: `#,##0.0` for 1.
    Num(f64, u8),
    /// A percentage as the dashboard shows it: 6.4 means 6,4 %. Stored as 6.4.
    Percent(f64, u8),
    /// Per mille: 3.2 means 3,2 ‰. Stored as 3.2.
    PerMille(f64, u8),
    Empty,
}

const FONT: &str = "Times New Roman";

fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(12)
}

fn decimals(d: u8) -> String {
    if d == 0 {
        String::new()
    } else {
        format!(".{}", "0".repeat(usize::from(d.min(10))))
    }
}

/// The number format of a cell kind ("" for text and empty cells).
fn num_format(c: &Cell) -> (u8, String) {
    match c {
        Cell::Int(_) => (1, "#,##0".into()),
        Cell::Num(_, d) => (2, format!("#,##0{}", decimals(*d))),
        Cell::Percent(_, d) => (3, format!("0{}\"%\"", decimals(*d))),
        Cell::PerMille(_, d) => (4, format!("0{}\"‰\"", decimals(*d))),
        Cell::Text(_) | Cell::Empty => (0, String::new()),
    }
}

fn write_sheet(ws: &mut Worksheet, s: &AppendixSheet) -> Result<(), DocError> {
    ws.set_name(&s.name)?;
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    let ncols = s
        .header
        .len()
        .max(s.rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(1) as u16;
    let last_col = ncols - 1;
    for c in 0..ncols {
        let w = s.widths.get(usize::from(c)).copied().unwrap_or(14.0);
        ws.set_column_width(c, w)?;
    }

    let title = base()
        .set_bold()
        .set_font_size(13)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let mut row: u32 = 0;
    if last_col > 0 {
        ws.merge_range(row, 0, row, last_col, &s.title, &title)?;
    } else {
        ws.write_string_with_format(row, 0, &s.title, &title)?;
    }
    row += 1;
    if let Some(sub) = &s.subtitle {
        let f = base()
            .set_italic()
            .set_align(FormatAlign::Center)
            .set_text_wrap();
        if last_col > 0 {
            ws.merge_range(row, 0, row, last_col, sub, &f)?;
        } else {
            ws.write_string_with_format(row, 0, sub, &f)?;
        }
        row += 1;
    }
    row += 1; // an empty row before the table

    let header = base()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_background_color(0xE3EFE8);
    for (c, h) in s.header.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, h, &header)?;
    }
    let header_row = row;
    ws.set_freeze_panes(header_row + 1, 0)?;
    ws.set_repeat_rows(header_row, header_row)?;
    row += 1;

    let text = base()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let mut formats: HashMap<(u8, String), Format> = HashMap::new();
    for r in &s.rows {
        for (c, v) in r.iter().enumerate() {
            let c = c as u16;
            let key = num_format(v);
            let f = formats
                .entry(key.clone())
                .or_insert_with(|| {
                    if key.0 == 0 {
                        text.clone()
                    } else {
                        base()
                            .set_border(FormatBorder::Thin)
                            .set_align(FormatAlign::VerticalCenter)
                            .set_num_format(&key.1)
                    }
                })
                .clone();
            match v {
                Cell::Text(t) => {
                    ws.write_string_with_format(row, c, t, &f)?;
                }
                Cell::Int(i) => {
                    ws.write_number_with_format(row, c, *i as f64, &f)?;
                }
                Cell::Num(x, _) | Cell::Percent(x, _) | Cell::PerMille(x, _) => {
                    ws.write_number_with_format(row, c, *x, &f)?;
                }
                Cell::Empty => {
                    ws.write_blank(row, c, &f)?;
                }
            }
        }
        // Short rows still get their borders.
        for c in r.len()..usize::from(ncols) {
            ws.write_blank(row, c as u16, &text)?;
        }
        row += 1;
    }
    Ok(())
}

/// The appendix as .xlsx bytes.
pub fn to_xlsx(a: &Appendix) -> Result<Vec<u8>, DocError> {
    let mut wb = Workbook::new();
    // Times New Roman 12: default rows 21 px, columns 72 px.
    wb.set_default_format(&base(), 21, 72)?;
    let created = ExcelDateTime::from_ymd(
        a.created.year().clamp(1900, 9999) as u16,
        u8::from(a.created.month()),
        a.created.day(),
    )?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&a.title)
            .set_creation_datetime(&created),
    );
    for s in &a.sheets {
        let ws = wb.add_worksheet();
        write_sheet(ws, s)?;
    }
    if a.sheets.is_empty() {
        wb.add_worksheet();
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(num_format(&Cell::Int(1250)).1, "#,##0");
        assert_eq!(num_format(&Cell::Num(1.5, 1)).1, "#,##0.0");
        assert_eq!(num_format(&Cell::Num(1.0, 0)).1, "#,##0");
        assert_eq!(num_format(&Cell::Percent(6.4, 1)).1, "0.0\"%\"");
        assert_eq!(num_format(&Cell::PerMille(3.25, 2)).1, "0.00\"‰\"");
    }
}
