//! Official documents and appendices end to end: deterministic bytes, and (with
//! LibreOffice and poppler installed) the rendered PDF text.

use calamine::{Data, Reader};
use mang_docs::appendix::{self, Appendix, AppendixSheet, Cell};
use mang_docs::official::{self, Block, DocTable, OfficialDoc, Signature};
use mang_docs::testing;
use time::macros::date;

fn report() -> OfficialDoc {
    OfficialDoc {
        parent_body: Some("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HẢI PHÒNG".into()),
        issuer: "SỞ Y TẾ".into(),
        number: Some(7),
        doc_abbr: "BC".into(),
        issuer_abbr: "SYT".into(),
        place: "Hải Phòng".into(),
        date: Some(date!(2026 - 02 - 05)),
        year: 2026,
        doc_type: "BÁO CÁO".into(),
        summary: "Kết quả thực hiện công tác bảo vệ, chăm sóc trẻ em năm 2025".into(),
        blocks: vec![
            Block::Heading1("I. KẾT QUẢ THỰC HIỆN".into()),
            Block::Heading2("1. Công tác chỉ đạo, điều hành".into()),
            Block::Paragraph(
                "Thực hiện Kế hoạch số 15/KH-UBND của Ủy ban nhân dân thành phố về thực hiện \
                 Chương trình bảo vệ trẻ em giai đoạn 2021 - 2030, Sở Y tế đã tham mưu, hướng \
                 dẫn các xã, phường triển khai đồng bộ các giải pháp phòng ngừa, hỗ trợ và can \
                 thiệp đối với trẻ em có hoàn cảnh đặc biệt."
                    .into(),
            ),
            Block::Bullet("Tỷ lệ trẻ em có hoàn cảnh đặc biệt được trợ giúp: 95,1%;".into()),
            Block::Bullet("Số trẻ em được quản lý hồ sơ: 1.250 trẻ.".into()),
            Block::Table(DocTable {
                caption: Some("Bảng 1. Một số chỉ tiêu về trẻ em năm 2025".into()),
                header: vec![
                    "TT".into(),
                    "Chỉ tiêu".into(),
                    "Đơn vị".into(),
                    "Kết quả".into(),
                ],
                rows: vec![
                    vec![
                        "1".into(),
                        "Tỷ lệ trẻ em có hoàn cảnh đặc biệt".into(),
                        "%".into(),
                        "6,4%".into(),
                    ],
                    vec![
                        "2".into(),
                        "Số trẻ em được quản lý hồ sơ".into(),
                        "trẻ".into(),
                        "1.250".into(),
                    ],
                ],
                right_align: vec![false, false, false, true],
                widths: Some(vec![1, 8, 2, 3]),
            }),
            Block::Italic("Số liệu tính đến ngày 31/12/2025.".into()),
            Block::Heading1("II. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2026".into()),
            Block::Paragraph(
                "Tiếp tục nâng cao chất lượng cập nhật cơ sở dữ liệu trẻ em; phối hợp chặt chẽ \
                 với Ủy ban nhân dân các xã, phường trong việc phát hiện sớm, can thiệp kịp \
                 thời các trường hợp trẻ em bị xâm hại."
                    .into(),
            ),
        ],
        recipients: vec![
            "Bộ Y tế (để b/c)".into(),
            "UBND thành phố (để b/c)".into(),
            "UBND các xã, phường".into(),
            "Lưu: VT, CCDSTE (Đ.T.Thảo)".into(),
        ],
        signature: Signature {
            authority: Some("KT. GIÁM ĐỐC".into()),
            title: "PHÓ GIÁM ĐỐC".into(),
            name: "Nguyễn Thị Hương".into(),
        },
        annex: Vec::new(),
    }
}

/// soffice/pdftotext missing: skip locally, fail on CI (which installs them).
fn pdf_tools_or_skip() -> bool {
    if testing::pdf_available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but soffice/pdftotext are missing (apt install libreoffice-writer-nogui poppler-utils fonts-liberation)"
    );
    eprintln!("skipped: soffice or pdftotext not on PATH");
    false
}

#[test]
fn report_is_deterministic_and_renders() {
    let doc = report();
    let a = official::to_docx(&doc).unwrap();
    let b = official::to_docx(&doc).unwrap();
    assert_eq!(a, b, "the same document must give the same bytes");
    // Another thread (fresh docx-rs paragraph counter) gives the same bytes too.
    let c = std::thread::spawn(move || official::to_docx(&doc).unwrap())
        .join()
        .unwrap();
    assert_eq!(a, c);

    if !pdf_tools_or_skip() {
        return;
    }
    if let Some(out) = std::env::var_os("MANG_DOCS_PDF_OUT") {
        std::fs::write(out, testing::docx_to_pdf_bytes(&a).unwrap()).unwrap();
    }
    let text = testing::docx_to_pdf_text(&a).unwrap();
    // pdftotext -layout may put several spaces between words; compare on single spaces.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "THÀNH PHỐ HẢI PHÒNG",
        "SỞ Y TẾ",
        "Số: 07/BC-SYT",
        "Hải Phòng, ngày 05 tháng 02 năm 2026",
        "BÁO CÁO",
        "Kết quả thực hiện công tác bảo vệ, chăm sóc trẻ em năm 2025",
        "6,4%",
        "1.250",
        "Nơi nhận:",
        "- Lưu: VT, CCDSTE (Đ.T.Thảo).",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Thị Hương",
    ] {
        assert!(flat.contains(want), "missing «{want}» in:\n{text}");
    }
}

#[test]
fn draft_leaves_number_and_date_blank() {
    let mut doc = report();
    doc.number = None;
    doc.date = None;
    doc.signature.authority = None;
    doc.signature.title = "GIÁM ĐỐC".into();
    doc.blocks.push(Block::PageBreak);
    doc.blocks
        .push(Block::Paragraph("Trang thứ hai của báo cáo.".into()));
    let bytes = official::to_docx(&doc).unwrap();
    assert_eq!(bytes, official::to_docx(&doc).unwrap());
    if !pdf_tools_or_skip() {
        return;
    }
    let text = testing::docx_to_pdf_text(&bytes).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Số: /BC-SYT"), "{text}");
    assert!(flat.contains("Hải Phòng, ngày tháng năm 2026"), "{text}");
    assert!(!flat.contains("KT."), "{text}");
    // Page numbers: none on page 1, "2" at the top of page 2.
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages.len() >= 2, "{text}");
    assert!(pages[0].trim_start().starts_with("ỦY BAN"), "{}", pages[0]);
    assert!(pages[1].trim_start().starts_with("2\n"), "{}", pages[1]);
}

fn appendix() -> Appendix {
    Appendix {
        title: "Phụ lục chỉ tiêu trẻ em năm 2025".into(),
        created: date!(2026 - 02 - 05),
        sheets: vec![
            AppendixSheet {
                name: "Chỉ tiêu".into(),
                title: "PHỤ LỤC I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU".into(),
                subtitle: Some("(Kèm theo Báo cáo số 07/BC-SYT ngày 05/02/2026)".into()),
                header: vec![
                    "TT".into(),
                    "Chỉ tiêu".into(),
                    "Số trẻ".into(),
                    "Tỷ lệ".into(),
                    "Tỷ suất".into(),
                    "Bình quân".into(),
                ],
                rows: vec![
                    vec![
                        Cell::Int(1),
                        Cell::Text("Trẻ em có hoàn cảnh đặc biệt".into()),
                        Cell::Int(1250),
                        Cell::Percent(6.4, 1),
                        Cell::PerMille(3.25, 2),
                        Cell::Num(12.5, 1),
                    ],
                    vec![
                        Cell::Int(2),
                        Cell::Text("Trẻ em được trợ giúp".into()),
                        Cell::Int(1189),
                        Cell::Percent(95.1, 1),
                        Cell::Empty,
                    ],
                ],
                widths: vec![6.0, 40.0, 12.0, 12.0, 12.0, 12.0],
            },
            AppendixSheet {
                name: "Xã, phường".into(),
                title: "PHỤ LỤC II".into(),
                subtitle: None,
                header: vec!["Xã, phường".into(), "Số trẻ".into()],
                rows: vec![vec![Cell::Text("Phường Hải An".into()), Cell::Int(100_000)]],
                widths: vec![],
            },
        ],
    }
}

#[test]
fn appendix_reads_back_as_numbers_and_is_deterministic() {
    let a = appendix();
    let bytes = appendix::to_xlsx(&a).unwrap();
    assert_eq!(bytes, appendix::to_xlsx(&a).unwrap());

    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Chỉ tiêu", "Xã, phường"]);
    let r = wb.worksheet_range("Chỉ tiêu").unwrap();
    let at = |row: u32, col: u32| r.get_value((row, col)).cloned();
    assert_eq!(
        at(0, 0),
        Some(Data::String(
            "PHỤ LỤC I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU".into()
        ))
    );
    // Title, subtitle, an empty row, then the header at row 3.
    assert_eq!(at(3, 1), Some(Data::String("Chỉ tiêu".into())));
    assert_eq!(at(4, 2), Some(Data::Float(1250.0)));
    assert_eq!(at(4, 3), Some(Data::Float(6.4)));
    assert_eq!(at(4, 4), Some(Data::Float(3.25)));
    assert_eq!(at(4, 5), Some(Data::Float(12.5)));
    assert_eq!(at(5, 3), Some(Data::Float(95.1)));
    let sum: f64 = (4..=5)
        .filter_map(|row| match at(row, 2) {
            Some(Data::Float(f)) => Some(f),
            _ => None,
        })
        .sum();
    assert_eq!(sum, 2439.0);
    let r2 = wb.worksheet_range("Xã, phường").unwrap();
    assert_eq!(r2.get_value((3, 1)), Some(&Data::Float(100_000.0)));
}
