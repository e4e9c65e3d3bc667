//! The spreadsheet format of the registry (one sheet, or one CSV file, per record kind),
//! shared by import, export and the downloadable template. Headers are Vietnamese and are
//! matched without regard to case, diacritics or order; documented in
//! `docs/registry-import-format.md`.

use crate::registry::{FieldError, RawChild};
use crate::text;
use serde::Serialize;

/// One column of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub field: &'static str,
    pub header: &'static str,
    pub required: bool,
}

const fn col(field: &'static str, header: &'static str, required: bool) -> Column {
    Column {
        field,
        header,
        required,
    }
}

pub const HOUSEHOLD_SHEET: &str = "Hộ gia đình";
pub const CHILD_SHEET: &str = "Trẻ em";

pub const HOUSEHOLD_COLUMNS: [Column; 8] = [
    col("household_code", "Mã hộ", true),
    col("commune_code", "Mã xã", true),
    col("village_code", "Mã thôn, tổ", false),
    col("head_name", "Chủ hộ", true),
    col("address", "Địa chỉ", true),
    col("phone", "Điện thoại", false),
    col("poverty_year", "Năm xét hộ nghèo", false),
    col("poverty_status", "Hộ nghèo, cận nghèo", false),
];

pub const CHILD_COLUMNS: [Column; 14] = [
    col("household_code", "Mã hộ", true),
    col("full_name", "Họ và tên", true),
    col("sex", "Giới tính", true),
    col("birth_date", "Ngày sinh", true),
    col("personal_id", "Số định danh cá nhân", false),
    col("id_override_reason", "Lý do giữ số định danh", false),
    col("ethnicity", "Dân tộc", false),
    col("nationality", "Quốc tịch", false),
    col("birth_registered", "Đã đăng ký khai sinh", false),
    col("insurance_card", "Số thẻ BHYT", false),
    col("insurance_valid_to", "BHYT có giá trị đến", false),
    col("disability_type", "Dạng khuyết tật", false),
    col("disability_severity", "Mức độ khuyết tật", false),
    col("school_status", "Tình trạng đi học", false),
];

pub const CAREGIVER_SHEET: &str = "Người chăm sóc";
pub const CIRCUMSTANCE_SHEET: &str = "Hoàn cảnh, nguy cơ";

/// Caregivers, one row each, tied to their child by household code, name and birth date.
pub const CAREGIVER_COLUMNS: [Column; 8] = [
    col("household_code", "Mã hộ", true),
    col("child_name", "Họ và tên trẻ", true),
    col("child_birth_date", "Ngày sinh của trẻ", true),
    col("full_name", "Họ và tên người chăm sóc", true),
    col("relationship", "Quan hệ với trẻ", true),
    col("birth_year", "Năm sinh", false),
    col("phone", "Điện thoại", false),
    col("lives_with", "Sống cùng trẻ", false),
];

/// Special circumstances and risk factors, one row each, tied to their child the same way.
pub const CIRCUMSTANCE_COLUMNS: [Column; 8] = [
    col("household_code", "Mã hộ", true),
    col("child_name", "Họ và tên trẻ", true),
    col("child_birth_date", "Ngày sinh của trẻ", true),
    col("code", "Hoàn cảnh, nguy cơ", true),
    col("start_date", "Từ ngày", true),
    col("end_date", "Đến ngày", false),
    col("source", "Nguồn thông tin", true),
    col("note", "Ghi chú", false),
];

/// The child a caregiver or circumstance row belongs to, as the row names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRef {
    pub household_code: String,
    pub full_name: String,
    pub birth_date: time::Date,
}

/// Read the child a linked row names (household code, child's name, birth date).
pub fn child_ref(map: &HeaderMap, row: &[String]) -> Result<ChildRef, Vec<FieldError>> {
    let mut errors = Vec::new();
    let household_code = map.get(row, "household_code").trim().to_owned();
    if household_code.is_empty() {
        errors.push(err("household_code", "Thiếu mã hộ"));
    }
    let full_name = text::clean(map.get(row, "child_name"));
    if full_name.is_empty() {
        errors.push(err("child_name", "Thiếu họ và tên trẻ"));
    }
    let birth = crate::registry::parse_date(map.get(row, "child_birth_date"));
    if birth.is_none() {
        errors.push(err(
            "child_birth_date",
            "Ngày sinh của trẻ không hợp lệ (dạng dd/mm/yyyy)",
        ));
    }
    match birth {
        Some(birth_date) if errors.is_empty() => Ok(ChildRef {
            household_code,
            full_name,
            birth_date,
        }),
        _ => Err(errors),
    }
}

/// Where each known column sits in a header row.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    positions: Vec<(Column, usize)>,
}

impl HeaderMap {
    /// Match a header row against `columns`. Missing required columns are an error that
    /// names them; unknown columns are ignored (a sheet may carry notes).
    pub fn new(columns: &[Column], header: &[String]) -> Result<HeaderMap, String> {
        let folded: Vec<String> = header
            .iter()
            .map(|h| text::fold(h.trim_start_matches('\u{feff}')))
            .collect();
        let mut positions = Vec::new();
        let mut missing = Vec::new();
        for c in columns {
            let want = text::fold(c.header);
            match folded.iter().position(|h| *h == want || h == c.field) {
                Some(i) => positions.push((*c, i)),
                None if c.required => missing.push(c.header),
                None => {}
            }
        }
        if missing.is_empty() {
            Ok(HeaderMap { positions })
        } else {
            Err(format!("Thiếu cột bắt buộc: {}", missing.join(", ")))
        }
    }

    /// The cell of `field` in `row` (empty when the column is absent).
    pub fn get<'a>(&self, row: &'a [String], field: &str) -> &'a str {
        self.positions
            .iter()
            .find(|(c, _)| c.field == field)
            .and_then(|(_, i)| row.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// Spreadsheet column letter of `field` (A, B, …, AA), for error reports.
    pub fn letter(&self, field: &str) -> String {
        self.positions
            .iter()
            .find(|(c, _)| c.field == field)
            .map(|(_, i)| column_letter(*i))
            .unwrap_or_default()
    }

    /// The header of `field`'s column in this sheet's format.
    pub fn header(&self, field: &str) -> Option<&'static str> {
        self.positions
            .iter()
            .find(|(c, _)| c.field == field)
            .map(|(c, _)| c.header)
    }
}

pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// A child row: the household it belongs to and the child's fields.
pub fn child_row(map: &HeaderMap, row: &[String]) -> (String, RawChild) {
    let g = |f: &str| map.get(row, f).to_owned();
    (
        g("household_code"),
        RawChild {
            full_name: g("full_name"),
            sex: g("sex"),
            birth_date: g("birth_date"),
            personal_id: g("personal_id"),
            ethnicity: g("ethnicity"),
            nationality: g("nationality"),
            birth_registered: g("birth_registered"),
            insurance_card: g("insurance_card"),
            insurance_valid_to: g("insurance_valid_to"),
            disability_type: g("disability_type"),
            disability_severity: g("disability_severity"),
            school_status: g("school_status"),
            id_override_reason: g("id_override_reason"),
        },
    )
}

/// A checked household row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    pub code: String,
    pub commune_code: String,
    pub village_code: Option<String>,
    pub head_name: String,
    pub address: String,
    pub phone: Option<String>,
    pub poverty: Option<(i32, &'static str)>,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Check a household row (without the database: unit existence and scope come later).
pub fn household_row(map: &HeaderMap, row: &[String]) -> Result<HouseholdRecord, Vec<FieldError>> {
    parse_household(|f| map.get(row, f))
}

/// Check a household given its fields by name (the column names of the import format:
/// `household_code`, `commune_code`, `village_code`, `head_name`, `address`, `phone`,
/// `poverty_year`, `poverty_status`), from a spreadsheet row or a form.
pub fn parse_household<'a>(
    g: impl Fn(&str) -> &'a str,
) -> Result<HouseholdRecord, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = g("household_code");
    if code.is_empty() {
        errors.push(err("household_code", "Thiếu mã hộ"));
    } else if code.chars().count() > 40 || code.chars().any(|c| c.is_whitespace()) {
        errors.push(err(
            "household_code",
            "Mã hộ không quá 40 ký tự và không chứa khoảng trắng",
        ));
    }
    let commune = g("commune_code");
    if !(commune.len() == 5 && commune.bytes().all(|b| b.is_ascii_digit())) {
        errors.push(err(
            "commune_code",
            format!("Mã xã «{commune}» phải gồm 5 chữ số"),
        ));
    }
    let village = g("village_code");
    let village_ok = village.is_empty()
        || (village.len() == 9 && village.starts_with(commune) && &village[5..6] == "-");
    if !village_ok {
        errors.push(err(
            "village_code",
            format!("Mã thôn, tổ «{village}» phải có dạng {commune}-001"),
        ));
    }
    let head = text::clean(g("head_name"));
    if head.split(' ').count() < 2 {
        errors.push(err("head_name", "Họ tên chủ hộ phải có ít nhất hai từ"));
    }
    let address = text::clean(g("address"));
    if address.is_empty() {
        errors.push(err("address", "Thiếu địa chỉ"));
    }
    let phone = g("phone").replace(['.', ' '], "");
    if !phone.is_empty() && !(9..=11).contains(&phone.len()) {
        errors.push(err(
            "phone",
            format!("Số điện thoại «{}» không hợp lệ", g("phone")),
        ));
    }
    let poverty = match (g("poverty_year"), text::fold(g("poverty_status")).as_str()) {
        ("", "") => None,
        (y, s) => {
            let status = match s {
                "ho ngheo" | "ngheo" | "poor" => Some("poor"),
                "ho can ngheo" | "can ngheo" | "near_poor" => Some("near_poor"),
                "thoat ngheo" | "escaped" => Some("escaped"),
                _ => {
                    errors.push(err(
                        "poverty_status",
                        format!(
                            "«{}» không hợp lệ (Hộ nghèo, Hộ cận nghèo, Thoát nghèo)",
                            g("poverty_status")
                        ),
                    ));
                    None
                }
            };
            let year = y.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
            if year.is_none() {
                errors.push(err("poverty_year", format!("Năm «{y}» không hợp lệ")));
            }
            year.zip(status)
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(HouseholdRecord {
        code: code.to_owned(),
        commune_code: commune.to_owned(),
        village_code: (!village.is_empty()).then(|| village.to_owned()),
        head_name: head,
        address,
        phone: (!phone.is_empty()).then_some(phone),
        poverty,
    })
}

/// Where an import is: reading the file, checking its rows, writing the good rows, done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    Read,
    Validate,
    Apply,
    Done,
}

/// How far an import has come: `done` of `total` rows in `phase`. Checking counts the
/// non-empty rows of the file, writing the rows to be added; `total` is 0 while the file
/// is read (its size in rows is not known before it is parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportProgress {
    pub phase: ImportPhase,
    pub done: u64,
    pub total: u64,
}

impl ImportProgress {
    pub const fn new(phase: ImportPhase, done: u64, total: u64) -> Self {
        ImportProgress { phase, done, total }
    }

    /// What a progress bar says, e.g. «Đang kiểm tra dòng 12.000/100.000».
    pub fn text_vi(&self) -> String {
        let (done, total) = (
            crate::vi::number(self.done as i64),
            crate::vi::number(self.total as i64),
        );
        match self.phase {
            ImportPhase::Read => "Đang đọc tệp…".into(),
            ImportPhase::Validate => format!("Đang kiểm tra dòng {done}/{total}"),
            ImportPhase::Apply => format!("Đang ghi vào cơ sở dữ liệu… {done}/{total} dòng"),
            ImportPhase::Done => format!("Đã xong: {total} dòng"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn progress_reads_in_vietnamese_with_dotted_thousands() {
        let p = |phase, done, total| ImportProgress::new(phase, done, total).text_vi();
        assert_eq!(p(ImportPhase::Read, 0, 0), "Đang đọc tệp…");
        assert_eq!(
            p(ImportPhase::Validate, 12_000, 100_000),
            "Đang kiểm tra dòng 12.000/100.000"
        );
        assert_eq!(
            p(ImportPhase::Apply, 5_000, 20_000),
            "Đang ghi vào cơ sở dữ liệu… 5.000/20.000 dòng"
        );
        assert_eq!(p(ImportPhase::Done, 3, 3), "Đã xong: 3 dòng");
    }

    #[test]
    fn headers_match_loosely_and_name_what_is_missing() {
        let h = s(&[
            "\u{feff}MA HO",
            "Ho va ten",
            "giới tính",
            "Ghi chú",
            "Ngày sinh",
        ]);
        let m = HeaderMap::new(&CHILD_COLUMNS, &h).unwrap();
        let row = s(&["H1", "Lê Văn An", "Nam", "x", "01/02/2020"]);
        let (hh, raw) = child_row(&m, &row);
        assert_eq!(hh, "H1");
        assert_eq!(raw.full_name, "Lê Văn An");
        assert_eq!(raw.birth_date, "01/02/2020");
        assert_eq!(m.letter("birth_date"), "E");
        let e = HeaderMap::new(&CHILD_COLUMNS, &s(&["Mã hộ", "Họ và tên"])).unwrap_err();
        assert!(e.contains("Giới tính") && e.contains("Ngày sinh"), "{e}");
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn household_rows_are_checked() {
        let h: Vec<String> = HOUSEHOLD_COLUMNS
            .iter()
            .map(|c| c.header.to_string())
            .collect();
        let m = HeaderMap::new(&HOUSEHOLD_COLUMNS, &h).unwrap();
        let ok = household_row(
            &m,
            &s(&[
                "H-1",
                "10507",
                "10507-002",
                "Trần Văn Bình",
                "Số 5",
                "0912.345.678",
                "2026",
                "Hộ nghèo",
            ]),
        )
        .unwrap();
        assert_eq!(ok.poverty, Some((2026, "poor")));
        assert_eq!(ok.phone.as_deref(), Some("0912345678"));
        let bad = household_row(
            &m,
            &s(&["", "105", "99999-001", "Bình", "", "12", "20x", "giàu"]),
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "household_code",
                "commune_code",
                "village_code",
                "head_name",
                "address",
                "phone",
                "poverty_status",
                "poverty_year"
            ]
        );
    }
}
