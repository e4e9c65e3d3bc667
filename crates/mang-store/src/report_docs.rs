//! Reports and plans as documents: the report in the administrative format of Decree
//! 30/2020/NĐ-CP (.docx) and its appendix (.xlsx), and a plan as .docx. Pure builders from
//! the stored data to [`mang_docs::official::OfficialDoc`] and
//! [`mang_docs::appendix::Appendix`]: the same data gives the same bytes.

use crate::reports::{ContentTable, ReportContent, ScheduleRow};
use crate::scorecard::Figure;
use crate::units::Unit;
use mang_docs::appendix::{Appendix, AppendixSheet, Cell};
use mang_docs::official::{Block, DocTable, OfficialDoc, Signature};
use mang_domain::plans::PlanDoc;
use mang_domain::reports::Narrative;
use mang_domain::units::UnitLevel;
use mang_domain::units::short_name;
use time::Date;

/// What a report document says besides its figures.
#[derive(Debug, Clone)]
pub struct ReportMeta {
    pub unit: Unit,
    /// The province, for a province's report (its People's Committee heads the issuer).
    pub province_name: String,
    /// The unit of the plan reported on ("Thành phố Hải Phòng").
    pub plan_unit_name: String,
    pub schedule: ScheduleRow,
    pub plan: PlanDoc,
    pub narrative: Narrative,
    pub doc_number: Option<u32>,
    pub signer: String,
    /// The date on the document: the day it was submitted; `None` for a draft.
    pub date: Option<Date>,
    /// "Bản dự thảo", "Đã duyệt (phiên bản 2)": printed in the appendix subtitle.
    pub state: String,
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// An issuing body as a sentence names it: "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI" of the unit
/// "Thành phố Hà Nội" → "Ủy ban nhân dân thành phố Hà Nội"; "SỞ Y TẾ" → "Sở Y tế" (the
/// agency directory's spelling). Lower-casing the upper-case name would lose the capitals
/// of proper names.
pub fn body_name(upper: &str, unit_name: &str) -> String {
    if upper.starts_with("ỦY BAN NHÂN DÂN") || upper.starts_with("UỶ BAN NHÂN DÂN") {
        return format!("Ủy ban nhân dân {}", lower_first(unit_name));
    }
    mang_domain::plans::agencies()
        .iter()
        .find(|a| a.name.to_uppercase() == upper)
        .map_or_else(|| upper_first(&upper.to_lowercase()), |a| a.name.clone())
}

/// The issuer block of a unit's report: a commune's People's Committee, or a province's
/// Department of Health (the standing agency for children, BRIEF §6.2) under the
/// province's People's Committee.
fn issuer(meta: &ReportMeta) -> (Option<String>, String, String, String, Signature) {
    if meta.unit.level() == UnitLevel::Province {
        let parent = if meta.plan.unit_code == meta.unit.code {
            meta.plan.parent_body.clone()
        } else {
            None
        }
        .unwrap_or_else(|| format!("ỦY BAN NHÂN DÂN {}", meta.province_name.to_uppercase()));
        (
            Some(parent),
            "SỞ Y TẾ".into(),
            "SYT".into(),
            short_name(&meta.unit.name).to_owned(),
            Signature {
                authority: Some("KT. GIÁM ĐỐC".into()),
                title: "PHÓ GIÁM ĐỐC".into(),
                name: meta.signer.clone(),
            },
        )
    } else {
        (
            None,
            format!("ỦY BAN NHÂN DÂN\n{}", meta.unit.name.to_uppercase()),
            "UBND".into(),
            short_name(&meta.unit.name).to_owned(),
            Signature {
                authority: Some("TM. ỦY BAN NHÂN DÂN".into()),
                title: "CHỦ TỊCH".into(),
                name: meta.signer.clone(),
            },
        )
    }
}

fn paragraphs(text: &str, empty: &str) -> Vec<Block> {
    let blocks: Vec<Block> = text
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.strip_prefix("- ") {
            Some(b) => Block::Bullet(b.to_owned()),
            None => Block::Paragraph(l.to_owned()),
        })
        .collect();
    if blocks.is_empty() {
        vec![Block::Italic(empty.to_owned())]
    } else {
        blocks
    }
}

fn number_text(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |n| mang_domain::vi::decimal_rounded(n, 1))
}

fn table_block(t: &ContentTable, no: usize) -> Block {
    let cols = t.header.len();
    Block::Table(DocTable {
        caption: Some(format!("Bảng {no}. {}", t.title)),
        header: t.header.clone(),
        rows: t
            .rows
            .iter()
            .map(|(label, values)| {
                let mut row = vec![label.clone()];
                row.extend(values.iter().map(|v| mang_domain::vi::number(*v)));
                row
            })
            .collect(),
        right_align: (0..cols).map(|i| i > 0).collect(),
        widths: Some((0..cols).map(|i| if i == 0 { 5 } else { 2 }).collect()),
    })
}

fn figures_with_data(figures: &[Figure]) -> impl Iterator<Item = &Figure> {
    figures
        .iter()
        .filter(|f| f.value.is_some() || f.target_id.is_some())
}

/// The report as an official document.
pub fn report_document(meta: &ReportMeta, content: &ReportContent) -> OfficialDoc {
    let (parent_body, issuer_name, issuer_abbr, place, signature) = issuer(meta);
    let plan = &meta.plan;
    let plan_ref = {
        let ns = crate::plans::number_symbol(plan.number, &plan.doc_abbr, &plan.issuer_abbr);
        let ns = ns.trim_start_matches("Số:").trim().to_owned();
        let date = plan
            .date()
            .map(|d| format!(" ngày {}", mang_domain::vi::date(d)))
            .unwrap_or_default();
        format!(
            "Kế hoạch số {ns}{date} của {} về {}",
            body_name(&plan.issuer, &meta.plan_unit_name),
            lower_first(&plan.title)
        )
    };
    let reporter = if meta.unit.level() == UnitLevel::Province {
        "Sở Y tế".to_owned()
    } else {
        format!("Ủy ban nhân dân {}", meta.unit.name)
    };
    let mut blocks = vec![Block::Paragraph(format!(
        "Thực hiện {plan_ref}, {reporter} báo cáo kết quả thực hiện {} như sau:",
        content.period_label
    ))];
    blocks.push(Block::Heading1("I. KẾT QUẢ THỰC HIỆN".into()));
    blocks.push(Block::Heading2("1. Kết quả thực hiện các nhiệm vụ".into()));
    blocks.extend(paragraphs(
        &meta.narrative.results,
        "(Chưa có nội dung kết quả thực hiện.)",
    ));
    blocks.push(Block::Heading2("2. Kết quả các chỉ tiêu".into()));
    blocks.push(Block::Paragraph(format!(
        "Số liệu tính từ hệ thống thông tin trẻ em ngày {}; chi tiết tử số, mẫu số tại Phụ lục kèm theo.",
        mang_domain::vi::iso_date(&content.computed_on)
    )));
    blocks.push(Block::Table(DocTable {
        caption: None,
        header: vec![
            "STT".into(),
            "Chỉ tiêu".into(),
            "Chỉ tiêu kế hoạch".into(),
            "Kết quả".into(),
            "Đánh giá".into(),
        ],
        rows: figures_with_data(&content.figures)
            .map(|f| {
                vec![
                    f.no.to_string(),
                    f.name_vi.clone(),
                    f.target_text.clone(),
                    f.value_text.clone(),
                    f.status_label.clone(),
                ]
            })
            .collect(),
        right_align: vec![true, false, true, true, false],
        widths: Some(vec![1, 8, 3, 3, 3]),
    }));
    if let Some(c) = &content.consolidation {
        let k = &c.counts;
        blocks.push(Block::Heading2("3. Tình hình báo cáo của cấp xã".into()));
        blocks.push(Block::Paragraph(format!(
            "Có {}/{} xã, phường đã gửi báo cáo ({} đúng hạn, {} muộn); {} xã, phường quá hạn chưa gửi; {} chưa đến hạn. {} báo cáo đã được duyệt và được tổng hợp tại Phụ lục.",
            k.on_time + k.late,
            k.expected,
            k.on_time,
            k.late,
            k.missing,
            k.pending,
            k.approved
        )));
    }
    blocks.push(Block::Heading1("II. KHÓ KHĂN, VƯỚNG MẮC".into()));
    blocks.extend(paragraphs(&meta.narrative.difficulties, "(Không có.)"));
    blocks.push(Block::Heading1("III. ĐỀ XUẤT, KIẾN NGHỊ".into()));
    blocks.extend(paragraphs(&meta.narrative.proposals, "(Không có.)"));
    blocks.push(Block::Paragraph(format!(
        "Trên đây là báo cáo kết quả thực hiện {} của {reporter}./.",
        content.period_label
    )));
    // The appendix follows the signature on its own pages.
    let mut appendix = vec![
        Block::Heading1("PHỤ LỤC".into()),
        Block::Italic(format!(
            "(Kèm theo báo cáo {} của {reporter})",
            content.period_label
        )),
        Block::Table(DocTable {
            caption: Some("Bảng 1. Các chỉ tiêu: tử số, mẫu số, kết quả".into()),
            header: vec![
                "STT".into(),
                "Chỉ tiêu".into(),
                "Tử số".into(),
                "Mẫu số".into(),
                "Kết quả".into(),
                "Chỉ tiêu KH".into(),
            ],
            rows: figures_with_data(&content.figures)
                .map(|f| {
                    vec![
                        f.no.to_string(),
                        f.name_vi.clone(),
                        number_text(f.numerator),
                        number_text(f.denominator),
                        f.value_text.clone(),
                        f.target_text.clone(),
                    ]
                })
                .collect(),
            right_align: vec![true, false, true, true, true, true],
            widths: Some(vec![1, 7, 2, 2, 2, 2]),
        }),
    ];
    for (i, t) in content.tables.iter().enumerate() {
        appendix.push(table_block(t, i + 2));
    }
    if let Some(c) = &content.consolidation {
        appendix.push(Block::Table(DocTable {
            caption: Some(format!(
                "Bảng {}. Tình hình báo cáo của các xã, phường",
                content.tables.len() + 2
            )),
            header: vec![
                "Xã, phường".into(),
                "Tình trạng".into(),
                "Thời hạn".into(),
                "Ngày gửi".into(),
            ],
            rows: c
                .units
                .iter()
                .map(|u| {
                    vec![
                        u.name.clone(),
                        u.status_label.clone(),
                        u.timeliness_label.clone(),
                        u.submitted_on.clone(),
                    ]
                })
                .collect(),
            right_align: vec![false, false, false, true],
            widths: Some(vec![4, 3, 3, 2]),
        }));
    }
    OfficialDoc {
        annex: appendix,
        parent_body,
        issuer: issuer_name,
        number: meta.doc_number,
        doc_abbr: "BC".into(),
        issuer_abbr,
        place,
        date: meta.date,
        year: meta.date.map_or_else(
            || {
                meta.schedule
                    .period
                    .get(..4)
                    .and_then(|y| y.parse().ok())
                    .unwrap_or(2026)
            },
            |d| d.year(),
        ),
        doc_type: "BÁO CÁO".into(),
        summary: format!(
            "Kết quả {} {}",
            lower_first(&plan.title),
            match meta.schedule.kind.as_str() {
                "half" | "annual" => format!("({})", content.period_label),
                _ => String::new(),
            }
        )
        .trim()
        .to_owned(),
        blocks,
        recipients: if meta.unit.level() == UnitLevel::Province {
            // The department reports to the province's People's Committee and the ministry
            // (BRIEF §6.1), whatever its communes report to.
            vec![
                format!("Ủy ban nhân dân {} (để b/c)", meta.province_name),
                "Cục Bà mẹ và Trẻ em, Bộ Y tế (để b/c)".into(),
                "Lưu: VT, CCDSTE".into(),
            ]
        } else {
            vec![
                format!("{} (để b/c)", meta.schedule.recipient_name),
                "Lưu: VT, VHXH".into(),
            ]
        },
        signature,
    }
}

fn value_cell(f: &Figure) -> Cell {
    match (f.value, f.unit.as_str()) {
        (None, _) => Cell::Empty,
        (Some(v), "pct") => Cell::Percent(v, 1),
        (Some(v), "permille") => Cell::PerMille(v, 1),
        (Some(v), "count") => Cell::Num(v, 0),
        (Some(v), _) => Cell::Num(v, 1),
    }
}

fn count_cell(v: Option<f64>) -> Cell {
    match v {
        Some(n) if n.fract() == 0.0 && n.abs() < 9e15 => Cell::Int(n as i64),
        Some(n) => Cell::Num(n, 2),
        None => Cell::Empty,
    }
}

fn figures_sheet(name: &str, title: &str, subtitle: String, figures: &[Figure]) -> AppendixSheet {
    AppendixSheet {
        name: name.into(),
        title: title.into(),
        subtitle: Some(subtitle),
        header: vec![
            "STT".into(),
            "Mã chỉ tiêu".into(),
            "Chỉ tiêu".into(),
            "Đơn vị tính".into(),
            "Tử số".into(),
            "Mẫu số".into(),
            "Kết quả".into(),
            "Chỉ tiêu kế hoạch".into(),
            "Đánh giá".into(),
        ],
        rows: figures
            .iter()
            .map(|f| {
                vec![
                    Cell::Int(i64::from(f.no)),
                    Cell::Text(f.indicator_id.clone()),
                    Cell::Text(f.name_vi.clone()),
                    Cell::Text(
                        mang_domain::targets::Unit::parse(&f.unit)
                            .map_or(f.unit.clone(), |u| u.label_vi().to_owned()),
                    ),
                    count_cell(f.numerator),
                    count_cell(f.denominator),
                    value_cell(f),
                    Cell::Text(f.target_text.clone()),
                    Cell::Text(f.status_label.clone()),
                ]
            })
            .collect(),
        widths: vec![6.0, 28.0, 60.0, 14.0, 12.0, 12.0, 12.0, 16.0, 18.0],
    }
}

/// Sheet name of the indicator table (tests read it back).
pub const FIGURES_SHEET: &str = "Chỉ tiêu";
/// Sheet name of the consolidation of sub-units' approved reports.
pub const CONSOLIDATED_SHEET: &str = "Tổng hợp xã";

/// The appendix workbook: the indicators, every breakdown table, and for a province the
/// sub-units' reporting status and the consolidation of their approved reports.
pub fn report_appendix(meta: &ReportMeta, content: &ReportContent) -> Appendix {
    let who = &content.unit_name;
    let subtitle = format!(
        "{who}, {}. Số liệu ngày {}. {}",
        content.period_label,
        mang_domain::vi::iso_date(&content.computed_on),
        meta.state
    );
    let mut sheets = vec![figures_sheet(
        FIGURES_SHEET,
        &format!(
            "KẾT QUẢ CÁC CHỈ TIÊU {}",
            content.period_label.to_uppercase()
        ),
        subtitle.clone(),
        &content.figures,
    )];
    let names = [
        ("cnsc_by_group", "TE HCĐB"),
        ("cases_by_harm", "Ca theo hình thức"),
        ("cases_by_stage", "Ca theo bước"),
        ("injuries_by_kind", "Tai nạn thương tích"),
        ("deaths_by_cause", "Tử vong"),
        ("doses_by_antigen", "Tiêm chủng"),
    ];
    for t in &content.tables {
        let name = names
            .iter()
            .find(|(k, _)| *k == t.key)
            .map_or(t.key.clone(), |(_, n)| (*n).to_owned());
        sheets.push(AppendixSheet {
            name,
            title: t.title.to_uppercase(),
            subtitle: Some(subtitle.clone()),
            header: t.header.clone(),
            rows: t
                .rows
                .iter()
                .map(|(label, values)| {
                    let mut row = vec![Cell::Text(label.clone())];
                    row.extend(values.iter().map(|v| Cell::Int(*v)));
                    row
                })
                .collect(),
            widths: std::iter::once(60.0)
                .chain(std::iter::repeat_n(14.0, t.header.len().saturating_sub(1)))
                .collect(),
        });
    }
    if let Some(c) = &content.consolidation {
        sheets.push(figures_sheet(
            CONSOLIDATED_SHEET,
            "TỔNG HỢP CHỈ TIÊU TỪ BÁO CÁO ĐÃ DUYỆT CỦA CÁC XÃ, PHƯỜNG",
            format!(
                "{} báo cáo đã duyệt / {} xã, phường phải báo cáo. {}",
                c.counts.approved, c.counts.expected, content.period_label
            ),
            &c.figures,
        ));
        sheets.push(AppendixSheet {
            name: "Tình hình báo cáo".into(),
            title: "TÌNH HÌNH BÁO CÁO CỦA CÁC XÃ, PHƯỜNG".into(),
            subtitle: Some(format!(
                "Đúng hạn {}, muộn {}, quá hạn chưa gửi {}, chưa đến hạn {}; đã duyệt {}.",
                c.counts.on_time,
                c.counts.late,
                c.counts.missing,
                c.counts.pending,
                c.counts.approved
            )),
            header: vec![
                "Mã".into(),
                "Xã, phường".into(),
                "Tình trạng".into(),
                "Thời hạn".into(),
                "Ngày gửi".into(),
            ],
            rows: c
                .units
                .iter()
                .map(|u| {
                    vec![
                        Cell::Text(u.code.clone()),
                        Cell::Text(u.name.clone()),
                        Cell::Text(u.status_label.clone()),
                        Cell::Text(u.timeliness_label.clone()),
                        Cell::Text(u.submitted_on.clone()),
                    ]
                })
                .collect(),
            widths: vec![10.0, 30.0, 24.0, 20.0, 14.0],
        });
    }
    Appendix {
        title: format!("Phụ lục báo cáo {} — {who}", content.period_label),
        sheets,
        created: meta
            .date
            .or_else(|| {
                time::Date::parse(
                    &content.computed_on,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .ok()
            })
            .unwrap_or(time::macros::date!(2026 - 01 - 01)),
    }
}

/// A plan as an official document.
pub fn plan_document(plan: &PlanDoc, issued: Option<Date>) -> OfficialDoc {
    let mut blocks = Vec::new();
    if !plan.legal_bases.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "Căn cứ {};",
            plan.legal_bases.join("; ")
        )));
    }
    blocks.push(Block::Heading1("I. MỤC ĐÍCH, YÊU CẦU".into()));
    if !plan.purposes.is_empty() {
        blocks.push(Block::Heading2("1. Mục đích".into()));
        blocks.extend(plan.purposes.iter().map(|p| Block::Bullet(p.clone())));
    }
    if !plan.requirements.is_empty() {
        blocks.push(Block::Heading2("2. Yêu cầu".into()));
        blocks.extend(plan.requirements.iter().map(|p| Block::Bullet(p.clone())));
    }
    blocks.push(Block::Heading1("II. CHỈ TIÊU".into()));
    let targets: Vec<_> = mang_domain::targets::targets()
        .iter()
        .filter(|t| t.plan == plan.code)
        .collect();
    if targets.is_empty() {
        blocks.push(Block::Italic(
            "Thực hiện các chỉ tiêu của kế hoạch cấp trên.".into(),
        ));
    } else {
        blocks.push(Block::Table(DocTable {
            caption: None,
            header: vec!["Mã".into(), "Chỉ tiêu".into(), "Mức".into()],
            rows: targets
                .iter()
                .map(|t| {
                    vec![
                        t.id.clone(),
                        mang_domain::targets::indicator(&t.indicator_id)
                            .map_or(t.indicator_id.clone(), |i| i.name_vi.clone()),
                        mang_domain::targets::format_threshold(t),
                    ]
                })
                .collect(),
            right_align: vec![false, false, true],
            widths: Some(vec![2, 9, 3]),
        }));
    }
    blocks.push(Block::Heading1("III. NHIỆM VỤ VÀ GIẢI PHÁP".into()));
    blocks.push(Block::Table(DocTable {
        caption: None,
        header: vec![
            "TT".into(),
            "Nhiệm vụ".into(),
            "Chủ trì".into(),
            "Phối hợp".into(),
            "Thời hạn".into(),
        ],
        rows: plan
            .tasks
            .iter()
            .map(|t| {
                let name = |k: &str| {
                    mang_domain::plans::agency(k).map_or(k.to_owned(), |a| a.name.clone())
                };
                vec![
                    t.no.clone(),
                    t.title.clone(),
                    name(&t.lead),
                    t.partners
                        .iter()
                        .map(|k| name(k))
                        .collect::<Vec<_>>()
                        .join("; "),
                    t.due_text.clone(),
                ]
            })
            .collect(),
        right_align: vec![false; 5],
        widths: Some(vec![1, 7, 3, 4, 2]),
    }));
    if !plan.funding.is_empty() {
        blocks.push(Block::Heading1("IV. KINH PHÍ THỰC HIỆN".into()));
        blocks.extend(plan.funding.iter().map(|p| Block::Paragraph(p.clone())));
    }
    blocks.push(Block::Heading1("V. TỔ CHỨC THỰC HIỆN".into()));
    if let Some(sp) = &plan.sub_plans {
        blocks.push(Block::Paragraph(sp.text.clone()));
    }
    for r in &plan.reports {
        blocks.push(Block::Bullet(r.text.clone()));
    }
    let date = issued.or_else(|| plan.date());
    OfficialDoc {
        annex: Vec::new(),
        parent_body: plan.parent_body.clone(),
        issuer: plan.issuer.clone(),
        number: plan.number,
        doc_abbr: plan.doc_abbr.clone(),
        issuer_abbr: plan.issuer_abbr.clone(),
        place: plan.place.clone(),
        date,
        year: date.map_or_else(
            || {
                plan.period
                    .get(..4)
                    .and_then(|y| y.parse().ok())
                    .unwrap_or(2026)
            },
            |d| d.year(),
        ),
        doc_type: "KẾ HOẠCH".into(),
        summary: plan.title.clone(),
        blocks,
        recipients: plan.recipients.clone(),
        signature: Signature {
            authority: match (&plan.signature.authority, &plan.signature.signing_for) {
                (Some(a), Some(f)) => Some(format!("{a}\n{f}")),
                (a, _) => a.clone(),
            },
            title: plan.signature.title.clone(),
            name: plan.signature.name.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::body_name;

    #[test]
    fn issuing_bodies_keep_their_proper_names() {
        assert_eq!(
            body_name("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "Thành phố Hà Nội"),
            "Ủy ban nhân dân thành phố Hà Nội"
        );
        assert_eq!(
            body_name("UỶ BAN NHÂN DÂN PHƯỜNG HẢI DƯƠNG", "Phường Hải Dương"),
            "Ủy ban nhân dân phường Hải Dương"
        );
        assert_eq!(body_name("SỞ Y TẾ", "Thành phố Hải Phòng"), "Sở Y tế");
        assert_eq!(
            body_name("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "Tỉnh Ninh Bình"),
            "Sở Giáo dục và Đào tạo"
        );
    }
}
