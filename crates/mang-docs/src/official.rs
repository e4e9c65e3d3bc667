//! Official administrative documents (*văn bản hành chính*) as .docx, laid out as Decree
//! 30/2020/NĐ-CP, Phụ lục I prescribes: A4 portrait, margins 20/20/30/15 mm (top, bottom,
//! left, right), Times New Roman throughout, body 14 pt justified with a 1 cm first-line
//! indent; the header block (issuing body with its number and symbol on the left, national
//! title, motto and place/date on the right), the document type and summary (*trích yếu*),
//! the body, then "Nơi nhận:" and the signature block; page numbers centred in the top
//! margin from page 2 on.
//!
//! The output is deterministic: the same [`OfficialDoc`] always gives the same bytes (the
//! core properties carry the document's date, the zip entries docx-rs's fixed 1980 time,
//! paragraph ids restart for every document).

use crate::DocError;
use docx_rs::{
    AlignmentType, BreakType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SpecialIndentType, Table, TableAlignmentType, TableCell, TableLayoutType, TableRow, VAlignType,
    WidthType,
};

/// One official document.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialDoc {
    /// Parent authority (*cơ quan chủ quản*), upper case, not bold:
    /// "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG". A `\n` forces a line break
    /// ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HẢI PHÒNG"); so does one in `issuer`.
    pub parent_body: Option<String>,
    /// Issuing body (*cơ quan ban hành*), upper case, bold, short rule under it: "SỞ Y TẾ".
    pub issuer: String,
    /// Serial number; `None` for a draft (the number is left blank).
    pub number: Option<u32>,
    /// Document-type abbreviation: "BC" báo cáo, "KH" kế hoạch, "QĐ", "TB"; empty for an
    /// official letter (*công văn*), which carries only the issuer's abbreviation.
    pub doc_abbr: String,
    /// Issuer abbreviation: "SYT", "UBND".
    pub issuer_abbr: String,
    /// Where the issuing body sits: "Hải Phòng".
    pub place: String,
    /// Date of issue; `None` leaves day and month blank (a draft).
    pub date: Option<time::Date>,
    /// The year written when `date` is `None`.
    pub year: i32,
    /// "BÁO CÁO", "KẾ HOẠCH" (upper case, bold, centred).
    pub doc_type: String,
    /// *Trích yếu*: bold, centred under the document type, short rule under it.
    pub summary: String,
    pub blocks: Vec<Block>,
    /// "Nơi nhận:" lines, without the leading "- " and the trailing ";"; the last one is
    /// "Lưu: VT, …" and gets a full stop.
    pub recipients: Vec<String>,
    pub signature: Signature,
    /// Appendices (*phụ lục*) printed after the signature block, from a new page.
    pub annex: Vec<Block>,
}

/// The signature block (*chữ ký*), right-hand side.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// "KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN"; `None` when the head signs in person.
    pub authority: Option<String>,
    /// "PHÓ GIÁM ĐỐC".
    pub title: String,
    /// Signatory's full name.
    pub name: String,
}

/// A piece of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// "I. MỤC ĐÍCH, YÊU CẦU": bold, as given (write it in upper case).
    Heading1(String),
    /// "1. Kết quả": bold.
    Heading2(String),
    /// Justified, first-line indent 1 cm, 14 pt, 6 pt after.
    Paragraph(String),
    /// Written "- text", justified, indented like a paragraph.
    Bullet(String),
    /// An italic note line.
    Italic(String),
    /// A full-width table with borders; the header row is bold and repeats on every page.
    Table(DocTable),
    PageBreak,
}

/// A body table (12 pt).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocTable {
    /// Bold centred line above the table.
    pub caption: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Per column: right-align the data cells (numbers). Missing entries mean left.
    pub right_align: Vec<bool>,
    /// Relative column widths; `None` for equal columns.
    pub widths: Option<Vec<u32>>,
}

/// "Hải Phòng, ngày 05 tháng 02 năm 2026". Decree 30/2020 (Phụ lục I): days below 10 and
/// the months January and February get a leading zero ("ngày 05", "tháng 01", "tháng 02"),
/// the other months do not ("tháng 3", "tháng 11"). Without a date the day and month are
/// left blank for the signatory to fill in: "Hải Phòng, ngày      tháng      năm 2026".
pub fn place_date_line(place: &str, date: Option<time::Date>, year: i32) -> String {
    match date {
        Some(d) => {
            let month = u8::from(d.month());
            let month = if month <= 2 {
                format!("{month:02}")
            } else {
                month.to_string()
            };
            format!(
                "{place}, ngày {:02} tháng {month} năm {}",
                d.day(),
                d.year()
            )
        }
        None => format!("{place}, ngày      tháng      năm {year}"),
    }
}

/// "Số: 05/BC-SYT" (numbers below 10 with a leading zero); a draft without a number gives
/// "Số:      /BC-SYT"; an empty `doc_abbr` (official letter) gives "Số: 05/SYT".
pub fn number_symbol(number: Option<u32>, doc_abbr: &str, issuer_abbr: &str) -> String {
    let n = match number {
        Some(n) => format!(" {n:02}"),
        None => "      ".to_owned(),
    };
    if doc_abbr.is_empty() {
        format!("Số:{n}/{issuer_abbr}")
    } else {
        format!("Số:{n}/{doc_abbr}-{issuer_abbr}")
    }
}

const FONT: &str = "Times New Roman";
/// A4 in twentieths of a point.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
/// 1 mm in twips (56.7).
const fn mm(v: i32) -> i32 {
    v * 567 / 10
}
const MARGIN_LEFT: i32 = mm(30);
const MARGIN_RIGHT: i32 = mm(15);
/// Text width between the margins.
const TEXT_W: i32 = PAGE_W as i32 - MARGIN_LEFT - MARGIN_RIGHT;
/// Header block: the left (issuer) column; the right one takes the rest.
const HEAD_LEFT_W: i32 = 3800;
const HEAD_RIGHT_W: i32 = TEXT_W - HEAD_LEFT_W;
/// Default cell margin left + right (108 twips each).
const CELL_PAD: i32 = 216;
const FIRST_LINE: i32 = 567;

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .east_asia(FONT)
        .cs(FONT)
}

/// A run of `text` at `pt` points.
fn run(text: &str, pt: usize) -> Run {
    Run::new().add_text(text).size(pt * 2).fonts(fonts())
}

/// Spacing in points before/after, single line.
fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new()
        .before(before * 20)
        .after(after * 20)
        .line(240)
        .line_rule(LineSpacingType::Auto)
}

fn para(align: AlignmentType, before: u32, after: u32) -> Paragraph {
    Paragraph::new()
        .align(align)
        .line_spacing(spacing(before, after))
}

fn centred(r: Run) -> Paragraph {
    para(AlignmentType::Center, 0, 0).add_run(r)
}

/// An empty paragraph drawing a horizontal rule `width` twips long, centred in a space
/// `room` twips wide (a bottom border on a narrow paragraph).
fn rule(width: i32, room: i32) -> Paragraph {
    let side = ((room - width) / 2).max(0);
    let mut p = Paragraph::new()
        .align(AlignmentType::Center)
        .indent(Some(side), None, Some(side), None)
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(0)
                .line(80)
                .line_rule(LineSpacingType::Exact),
        )
        .add_run(Run::new().size(2).fonts(fonts()));
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .size(6)
                .space(0),
        ),
    );
    p
}

/// Rough printed width in twips of a line of `text` at `pt` points (bold upper case is
/// about 0.68 em a character, mixed case about 0.5 em).
fn approx_width(text: &str, pt: i32, em_per_char_pct: i32) -> i32 {
    text.chars().count() as i32 * pt * 20 * em_per_char_pct / 100
}

fn cell(width: i32) -> TableCell {
    TableCell::new().width(width as usize, WidthType::Dxa)
}

fn header_block(doc: &OfficialDoc) -> Table {
    let left_room = HEAD_LEFT_W - CELL_PAD;
    let right_room = HEAD_RIGHT_W - CELL_PAD;
    let mut left = cell(HEAD_LEFT_W);
    if let Some(parent) = &doc.parent_body {
        for line in parent.lines() {
            left = left.add_paragraph(centred(run(line, 13)));
        }
    }
    for line in doc.issuer.lines() {
        left = left.add_paragraph(centred(run(line, 13).bold()));
    }
    // Decree 30: the rule under the issuer is 1/3 to 1/2 of the line's length.
    let last_line = doc.issuer.lines().last().unwrap_or("");
    let issuer_w = approx_width(last_line, 13, 68).min(left_room);
    left = left.add_paragraph(rule((issuer_w * 2 / 5).max(900), left_room));
    left = left.add_paragraph(para(AlignmentType::Center, 6, 0).add_run(run(
        &number_symbol(doc.number, &doc.doc_abbr, &doc.issuer_abbr),
        13,
    )));

    let motto = "Độc lập - Tự do - Hạnh phúc";
    let right = cell(HEAD_RIGHT_W)
        .add_paragraph(centred(
            run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12).bold(),
        ))
        .add_paragraph(centred(run(motto, 13).bold()))
        // The rule under the motto is as long as the motto.
        .add_paragraph(rule(
            approx_width(motto, 13, 48).min(right_room),
            right_room,
        ))
        .add_paragraph(
            para(AlignmentType::Center, 6, 0)
                .add_run(run(&place_date_line(&doc.place, doc.date, doc.year), 14).italic()),
        );
    Table::without_borders(vec![TableRow::new(vec![left, right])])
        .set_grid(vec![HEAD_LEFT_W as usize, HEAD_RIGHT_W as usize])
        .width(TEXT_W as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

fn title(doc: &OfficialDoc) -> Vec<Paragraph> {
    let summary_w = approx_width(&doc.summary, 14, 55).min(TEXT_W);
    vec![
        para(AlignmentType::Center, 18, 0).add_run(run(&doc.doc_type, 14).bold()),
        centred(run(&doc.summary, 14).bold()),
        rule((summary_w / 3).max(1400), TEXT_W),
        para(AlignmentType::Center, 0, 6),
    ]
}

fn body_para(text: &str) -> Paragraph {
    para(AlignmentType::Both, 0, 6)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(FIRST_LINE)),
            None,
            None,
        )
        .add_run(run(text, 14))
}

fn body_table(t: &DocTable) -> Table {
    let n = t
        .header
        .len()
        .max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
    let rel: Vec<u32> = match &t.widths {
        Some(w) if w.len() == n && w.iter().sum::<u32>() > 0 => w.clone(),
        _ => vec![1; n],
    };
    let total: u32 = rel.iter().sum::<u32>().max(1);
    let widths: Vec<i32> = rel
        .iter()
        .map(|w| (i64::from(*w) * i64::from(TEXT_W) / i64::from(total)) as i32)
        .collect();
    let table_cell = |text: &str, c: usize, align: AlignmentType, bold: bool| {
        let mut r = run(text, 12);
        if bold {
            r = r.bold();
        }
        cell(widths[c])
            .vertical_align(VAlignType::Center)
            .add_paragraph(para(align, 2, 2).add_run(r))
    };
    let mut rows = Vec::with_capacity(t.rows.len() + 1);
    if !t.header.is_empty() {
        let cells = (0..n)
            .map(|c| {
                let h = t.header.get(c).map(String::as_str).unwrap_or("");
                table_cell(h, c, AlignmentType::Center, true)
            })
            .collect();
        // `cantSplit` marks the header row; `to_docx` adds `tblHeader` next to it.
        rows.push(TableRow::new(cells).cant_split());
    }
    for row in &t.rows {
        let cells = (0..n)
            .map(|c| {
                let v = row.get(c).map(String::as_str).unwrap_or("");
                let align = if t.right_align.get(c).copied().unwrap_or(false) {
                    AlignmentType::Right
                } else {
                    AlignmentType::Left
                };
                table_cell(v, c, align, false)
            })
            .collect();
        rows.push(TableRow::new(cells));
    }
    Table::new(rows)
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .width(TEXT_W as usize, WidthType::Dxa)
        .align(TableAlignmentType::Center)
        .layout(TableLayoutType::Fixed)
}

fn signature_block(doc: &OfficialDoc) -> Table {
    let left_w = 4300;
    let right_w = TEXT_W - left_w;
    let mut left = cell(left_w).add_paragraph(
        para(AlignmentType::Left, 0, 0).add_run(run("Nơi nhận:", 12).bold().italic()),
    );
    let last = doc.recipients.len().saturating_sub(1);
    for (i, r) in doc.recipients.iter().enumerate() {
        let end = if i == last { "." } else { ";" };
        left = left.add_paragraph(
            para(AlignmentType::Left, 0, 0).add_run(run(&format!("- {r}{end}"), 11)),
        );
    }
    let sig = &doc.signature;
    let mut right = cell(right_w);
    if let Some(a) = &sig.authority {
        right = right.add_paragraph(centred(run(a, 14).bold()));
    }
    right = right.add_paragraph(centred(run(&sig.title, 14).bold()));
    for _ in 0..4 {
        right = right.add_paragraph(centred(run("", 14)));
    }
    right = right.add_paragraph(centred(run(&sig.name, 14).bold()));
    Table::without_borders(vec![TableRow::new(vec![left, right])])
        .set_grid(vec![left_w as usize, right_w as usize])
        .width(TEXT_W as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// The document as .docx bytes.
pub fn to_docx(doc: &OfficialDoc) -> Result<Vec<u8>, DocError> {
    let stamp = match doc.date {
        Some(d) => format!(
            "{:04}-{:02}-{:02}T00:00:00Z",
            d.year(),
            u8::from(d.month()),
            d.day()
        ),
        None => format!("{:04}-01-01T00:00:00Z", doc.year),
    };
    let page_number = Header::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_page_num(PageNum::new()),
    );
    let mut d = Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(PageMargin {
            top: mm(20),
            bottom: mm(20),
            left: MARGIN_LEFT,
            right: MARGIN_RIGHT,
            header: mm(10),
            footer: mm(10),
            gutter: 0,
        })
        .default_fonts(fonts())
        .default_size(28)
        .header(page_number)
        .first_header(Header::new())
        .title_pg()
        .created_at(&stamp)
        .updated_at(&stamp)
        .add_table(header_block(doc));
    for p in title(doc) {
        d = d.add_paragraph(p);
    }
    d = add_blocks(d, &doc.blocks);
    d = d
        .add_paragraph(para(AlignmentType::Left, 6, 0))
        .add_table(signature_block(doc));
    if !doc.annex.is_empty() {
        d = d.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
        d = add_blocks(d, &doc.annex);
    }

    let mut xml = d.build();
    // docx-rs has no `tblHeader`: header rows were built with `cantSplit` (and only they).
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(|e| DocError::Docx(e.to_string()));
    let document = text(std::mem::take(&mut xml.document))?
        .replace("<w:cantSplit />", "<w:cantSplit /><w:tblHeader />");
    // Paragraph ids come from docx-rs's per-thread counter, which depends on what the
    // thread built before: number them afresh.
    let mut next = 1;
    xml.document = renumber_para_ids(&document, &mut next).into_bytes();
    for h in xml.headers.iter_mut() {
        *h = renumber_para_ids(&text(std::mem::take(h))?, &mut next).into_bytes();
    }
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out)
        .map_err(|e| DocError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// The body blocks, in order.
fn add_blocks(mut d: Docx, blocks: &[Block]) -> Docx {
    for b in blocks {
        d = match b {
            Block::Heading1(t) | Block::Heading2(t) => d.add_paragraph(
                para(AlignmentType::Both, 6, 6)
                    .indent(
                        None,
                        Some(SpecialIndentType::FirstLine(FIRST_LINE)),
                        None,
                        None,
                    )
                    .keep_next(true)
                    .add_run(run(t, 14).bold()),
            ),
            Block::Paragraph(t) => d.add_paragraph(body_para(t)),
            Block::Bullet(t) => d.add_paragraph(body_para(&format!("- {t}"))),
            Block::Italic(t) => d.add_paragraph(
                para(AlignmentType::Both, 0, 6)
                    .indent(
                        None,
                        Some(SpecialIndentType::FirstLine(FIRST_LINE)),
                        None,
                        None,
                    )
                    .add_run(run(t, 14).italic()),
            ),
            Block::Table(t) => {
                let d = match &t.caption {
                    Some(c) => d.add_paragraph(
                        para(AlignmentType::Center, 6, 6)
                            .keep_next(true)
                            .add_run(run(c, 13).bold()),
                    ),
                    None => d,
                };
                d.add_table(body_table(t))
                    .add_paragraph(para(AlignmentType::Both, 0, 6))
            }
            Block::PageBreak => {
                d.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
            }
        };
    }
    d
}

/// Replace every `w14:paraId="…"` by the next number of `next` (8 hex digits).
fn renumber_para_ids(xml: &str, next: &mut u32) -> String {
    const KEY: &str = "w14:paraId=\"";
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find(KEY) {
        let start = i + KEY.len();
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('"') else {
            rest = &rest[start..];
            break;
        };
        out.push_str(&format!("{:08X}", *next));
        *next += 1;
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn place_date_line_follows_decree_30() {
        assert_eq!(
            place_date_line("Hải Phòng", Some(date!(2026 - 02 - 05)), 2026),
            "Hải Phòng, ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            place_date_line("Hà Nội", Some(date!(2026 - 01 - 31)), 2026),
            "Hà Nội, ngày 31 tháng 01 năm 2026"
        );
        assert_eq!(
            place_date_line("Hà Nội", Some(date!(2026 - 03 - 09)), 2026),
            "Hà Nội, ngày 09 tháng 3 năm 2026"
        );
        assert_eq!(
            place_date_line("Hà Nội", Some(date!(2025 - 11 - 15)), 2026),
            "Hà Nội, ngày 15 tháng 11 năm 2025"
        );
        assert_eq!(
            place_date_line("Hải Phòng", None, 2026),
            "Hải Phòng, ngày      tháng      năm 2026"
        );
    }

    #[test]
    fn number_symbol_pads_and_leaves_drafts_blank() {
        assert_eq!(number_symbol(Some(5), "BC", "SYT"), "Số: 05/BC-SYT");
        assert_eq!(number_symbol(Some(15), "KH", "UBND"), "Số: 15/KH-UBND");
        assert_eq!(number_symbol(Some(120), "KH", "UBND"), "Số: 120/KH-UBND");
        assert_eq!(number_symbol(None, "BC", "SYT"), "Số:      /BC-SYT");
        assert_eq!(number_symbol(Some(3), "", "SYT"), "Số: 03/SYT");
    }
}
