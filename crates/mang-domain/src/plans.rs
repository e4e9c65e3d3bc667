//! The five example plans (kế hoạch) of BRIEF as structured documents, and the directory of
//! agencies (cơ quan, đơn vị) they assign tasks to.
//!
//! - [`AGENCIES_CSV`] (`data/agencies.csv`, `key,level,name,short,kind`): every agency that
//!   leads (*chủ trì*) or partners (*phối hợp*) a task, or receives a report, in the five
//!   plans, under a generic name ("Sở Y tế", "Công an tỉnh, thành phố") and a stable upper-case
//!   ASCII key; level is the province or the commune (two-level local government, BRIEF §6.2).
//! - `data/plans/<code>.json` ([`PLAN_FILES`]): `HP-SYT`, `HN-UBND`, `NB-SYT`, `HD-WARD` and
//!   `HUE-UBND` (BRIEF, table of the five documents; full texts in the domain folder's
//!   `plans/`), each a [`PlanDoc`]: the header of the document as Nghị định 30/2020/NĐ-CP
//!   lays it out (BRIEF §9), its legal bases, purposes and requirements, the tasks of its
//!   "nhiệm vụ, giải pháp" and "tổ chức thực hiện" sections, funding, the sub-plans it asks
//!   for, its reporting regime (BRIEF §6.1) and its signature block.
//!
//! Choices made when transcribing (see also `docs/plans-data.md`):
//!
//! - One [`TaskDoc`] per duty of one agency: each bullet of "Tổ chức thực hiện" becomes a task
//!   led by the agency the bullet is under; a bullet addressed to several agencies (Viện Kiểm
//!   sát and Tòa án in `HN-UBND` IV.8, the three school levels in `HD-WARD` V.8) becomes one
//!   task per agency, numbered `IV.8.1.VKS`, `V.8.1.MN`. Task numbers follow the plan's own
//!   numbering, with the roman section in front (`VI.4.2.3`: section VI, item 4.2, third bullet;
//!   `IV.1.a`: lettered items keep their letter).
//! - The task sections of the two department plans (`HP-SYT` III, `NB-SYT` III) speak in the
//!   department's voice and name no agency; their "Tổ chức thực hiện" gives the plan's
//!   execution to the Chi cục Dân số và Trẻ em, so those tasks are led by `CCDSTE`. The task
//!   sections of the three committee plans (`HN-UBND` III, `HUE-UBND` II, `HD-WARD` III)
//!   name no agency either and are distributed by their "Tổ chức thực hiện" sections, so only
//!   the latter are tasks.
//! - "Các sở, ban, ngành" (all departments together) is the collective agency `SONGANH`, not
//!   expanded into every department; "đoàn thể" (mass organisations together) is `MTTQ`; "các
//!   xã, phường", "địa phương" in a province plan are `UBNDX`.
//! - Partners are the agencies a bullet names after "phối hợp"; generic "các đơn vị liên quan"
//!   gives no partner. A task's `due` is set only where the plan gives a date for that duty.
//! - Names of real persons are replaced by synthetic ones (project rule): the signatories, the
//!   deputy director named among the recipients of `HP-SYT`, and the drafters' initials in
//!   "Lưu: VT, …".
//! - The header blocks (parent body, issuer) and the place are not in our copies of the texts
//!   and are reconstructed from the issuing unit; none of the five has a number or a full date
//!   (`NB-SYT` shows only "tháng 3 năm 2026", which [`PlanDoc::date`] cannot hold).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::LazyLock;
use time::{Date, Month};
use unicode_normalization::is_nfc;

use crate::targets::Period;

/// The agency directory (`key,level,name,short,kind`).
pub const AGENCIES_CSV: &str = include_str!("../../../data/agencies.csv");

const AGENCY_FILE: &str = "data/agencies.csv";
const AGENCY_COLUMNS: [&str; 5] = ["key", "level", "name", "short", "kind"];

/// The five plans: code, file (for messages) and JSON text.
pub const PLAN_FILES: [(&str, &str, &str); 5] = [
    (
        "HP-SYT",
        "data/plans/HP-SYT.json",
        include_str!("../../../data/plans/HP-SYT.json"),
    ),
    (
        "HN-UBND",
        "data/plans/HN-UBND.json",
        include_str!("../../../data/plans/HN-UBND.json"),
    ),
    (
        "NB-SYT",
        "data/plans/NB-SYT.json",
        include_str!("../../../data/plans/NB-SYT.json"),
    ),
    (
        "HD-WARD",
        "data/plans/HD-WARD.json",
        include_str!("../../../data/plans/HD-WARD.json"),
    ),
    (
        "HUE-UBND",
        "data/plans/HUE-UBND.json",
        include_str!("../../../data/plans/HUE-UBND.json"),
    ),
];

/// A malformed agency list or plan: the file, then the line (CSV, JSON syntax) or the field
/// path (`tasks[3].lead`) where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{file}, dòng {line}, cột {column}: {message}")]
    Csv {
        file: &'static str,
        line: usize,
        column: &'static str,
        message: String,
    },
    #[error("{file}, dòng {line}, cột {column}: JSON không hợp lệ: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}, trường {field}: {message}")]
    Field {
        file: String,
        field: String,
        message: String,
    },
}

/// Level of an agency in the two-level local government (BRIEF §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    /// Cấp tỉnh (tỉnh, thành phố trực thuộc trung ương).
    Province,
    /// Cấp xã (xã, phường, đặc khu).
    Commune,
}

impl AgencyLevel {
    pub const ALL: [AgencyLevel; 2] = [AgencyLevel::Province, AgencyLevel::Commune];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyLevel::Province => "province",
            AgencyLevel::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyLevel> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// Kind of an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// Ủy ban nhân dân.
    Committee,
    /// Sở and other province agencies (Chi cục, phòng thuộc Sở).
    Department,
    /// Công an.
    Police,
    /// Trạm Y tế, Trung tâm Kiểm soát bệnh tật, bệnh viện.
    Health,
    /// Trường mầm non, tiểu học, trung học cơ sở.
    School,
    /// Mặt trận Tổ quốc, Đoàn Thanh niên, Hội Liên hiệp Phụ nữ.
    MassOrg,
    /// Phòng of the commune (Văn hóa - Xã hội, Kinh tế, Văn phòng).
    Office,
    /// Anything else (court, procuracy, press, religious organisations, residential groups).
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 8] = [
        AgencyKind::Committee,
        AgencyKind::Department,
        AgencyKind::Police,
        AgencyKind::Health,
        AgencyKind::School,
        AgencyKind::MassOrg,
        AgencyKind::Office,
        AgencyKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Committee => "committee",
            AgencyKind::Department => "department",
            AgencyKind::Police => "police",
            AgencyKind::Health => "health",
            AgencyKind::School => "school",
            AgencyKind::MassOrg => "mass_org",
            AgencyKind::Office => "office",
            AgencyKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyKind> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// An agency of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Stable upper-case ASCII key (`SYT`, `UBNDX`).
    pub key: String,
    pub level: AgencyLevel,
    /// Generic Vietnamese name ("Sở Y tế", "Công an xã, phường, đặc khu").
    pub name: String,
    /// Short name for tables.
    pub short: String,
    pub kind: AgencyKind,
}

/// A plan as issued (header, content, tasks, reporting regime, signature).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDoc {
    /// The plan's code in BRIEF (`HP-SYT`).
    pub code: String,
    /// Administrative unit of the issuer (`data/admin-units/units.csv`).
    pub unit_code: String,
    /// The parent authority printed above the issuer, upper case.
    pub parent_body: Option<String>,
    /// The issuing body, upper case ("SỞ Y TẾ").
    pub issuer: String,
    /// The issuer's abbreviation in the number and symbol (`SYT` in `Số: /KH-SYT`).
    pub issuer_abbr: String,
    /// The document type's abbreviation (`KH`).
    pub doc_abbr: String,
    /// The serial number; `None` when the source shows "Số: /KH-SYT".
    pub number: Option<u32>,
    pub place: String,
    /// ISO date; `None` when the source leaves it blank.
    pub date: Option<String>,
    /// Summary line (trích yếu).
    pub title: String,
    /// A [`Period`] code: `2026` or `2026-2030`.
    pub period: String,
    pub legal_bases: Vec<String>,
    pub purposes: Vec<String>,
    pub requirements: Vec<String>,
    pub tasks: Vec<TaskDoc>,
    pub funding: Vec<String>,
    pub sub_plans: Option<SubPlans>,
    pub reports: Vec<ReportDue>,
    /// "Nơi nhận" lines without the leading "- " and the trailing ";" or ".".
    pub recipients: Vec<String>,
    pub signature: Signature,
}

/// One duty of one agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDoc {
    /// The plan's numbering with its roman section (`VI.4.2.3`, `IV.1.a`), unique in a plan.
    pub no: String,
    /// The plan's heading the task is under.
    pub section: String,
    /// One line.
    pub title: String,
    /// The text of the plan.
    pub detail: String,
    /// Agency key (chủ trì).
    pub lead: String,
    /// Agency keys (phối hợp).
    pub partners: Vec<String>,
    /// ISO date when the plan gives one.
    pub due: Option<String>,
    /// "Thường xuyên", "Trước 05/02/2026", "Năm 2026", …
    pub due_text: String,
}

/// The plan requires lower units or agencies to issue their own plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubPlans {
    /// ISO date.
    pub due: Option<String>,
    /// `communes`, `agencies` or `communes_and_agencies`.
    pub of: String,
    /// The clause.
    pub text: String,
}

/// Allowed values of [`SubPlans::of`].
pub const SUB_PLANS_OF: [&str; 3] = ["communes", "agencies", "communes_and_agencies"];

/// One report the plan requires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDue {
    /// `half`, `annual` or `ad_hoc`.
    pub kind: String,
    /// A [`Period`] code (`2026S1`, `2026`, `2026-2030`).
    pub period: String,
    /// ISO date; `None` when the plan says "theo quy định" or for ad-hoc reports.
    pub due: Option<String>,
    /// Agency key the report goes to.
    pub recipient: String,
    /// The clause.
    pub text: String,
}

/// Allowed values of [`ReportDue::kind`].
pub const REPORT_KINDS: [&str; 3] = ["half", "annual", "ad_hoc"];

/// The signature block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// "TM. ỦY BAN NHÂN DÂN", "KT. GIÁM ĐỐC".
    pub authority: Option<String>,
    /// The second line when a deputy signs for a collective body's head: "KT. CHỦ TỊCH".
    #[serde(default)]
    pub signing_for: Option<String>,
    /// "PHÓ GIÁM ĐỐC".
    pub title: String,
    /// Synthetic (never the real signatory).
    pub name: String,
}

/// `YYYY-MM-DD` as a date.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i32 = s[..4].parse().ok()?;
    let month: u8 = s[5..7].parse().ok()?;
    let day: u8 = s[8..].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

impl PlanDoc {
    /// The signing date, when the plan has one.
    pub fn date(&self) -> Option<Date> {
        self.date.as_deref().and_then(parse_iso_date)
    }

    pub fn period(&self) -> Option<Period> {
        Period::parse(&self.period)
    }

    /// "Số: 15/KH-UBND", or "Số: /KH-SYT" when the number is blank.
    pub fn number_symbol(&self) -> String {
        let n = self.number.map(|n| format!("{n:02}")).unwrap_or_default();
        format!("Số: {n}/{}-{}", self.doc_abbr, self.issuer_abbr)
    }

    pub fn task(&self, no: &str) -> Option<&TaskDoc> {
        self.tasks.iter().find(|t| t.no == no)
    }

    /// The tasks an agency leads.
    pub fn tasks_led_by<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a TaskDoc> {
        self.tasks.iter().filter(move |t| t.lead == key)
    }
}

impl TaskDoc {
    pub fn due_date(&self) -> Option<Date> {
        self.due.as_deref().and_then(parse_iso_date)
    }
}

impl SubPlans {
    pub fn due_date(&self) -> Option<Date> {
        self.due.as_deref().and_then(parse_iso_date)
    }
}

impl ReportDue {
    pub fn due_date(&self) -> Option<Date> {
        self.due.as_deref().and_then(parse_iso_date)
    }

    pub fn period(&self) -> Option<Period> {
        Period::parse(&self.period)
    }
}

/// One CSV record: double-quoted fields may hold commas, `""` is a quote. `Err` when a quote
/// is left open.
fn split_record(line: &str) -> Result<Vec<String>, ()> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err(());
    }
    out.push(cur);
    Ok(out)
}

fn csv_error(line: usize, column: &'static str, message: impl Into<String>) -> PlanError {
    PlanError::Csv {
        file: AGENCY_FILE,
        line,
        column,
        message: message.into(),
    }
}

/// Parses the agency directory; keys must be unique upper-case ASCII, names NFC.
pub fn parse_agencies(text: &str) -> Result<Vec<Agency>, PlanError> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, l)| l.trim_start_matches('\u{feff}').trim())
        .unwrap_or("");
    if header != AGENCY_COLUMNS.join(",") {
        return Err(csv_error(
            1,
            "key",
            format!(
                "tiêu đề phải là \"{}\" (đang là \"{header}\")",
                AGENCY_COLUMNS.join(",")
            ),
        ));
    }
    let mut out: Vec<Agency> = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f = split_record(line).map_err(|_| csv_error(n, "key", "dấu ngoặc kép chưa đóng"))?;
        if f.len() != AGENCY_COLUMNS.len() {
            return Err(csv_error(
                n,
                "key",
                format!("có {} cột, cần {} cột", f.len(), AGENCY_COLUMNS.len()),
            ));
        }
        let f: Vec<&str> = f.iter().map(|s| s.trim()).collect();
        let key = f[0];
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(csv_error(
                n,
                "key",
                format!("\"{key}\" phải gồm chữ in hoa ASCII, chữ số hoặc \"_\""),
            ));
        }
        if out.iter().any(|a| a.key == key) {
            return Err(csv_error(n, "key", format!("\"{key}\" bị trùng")));
        }
        let level = AgencyLevel::parse(f[1]).ok_or_else(|| {
            csv_error(
                n,
                "level",
                format!("\"{}\" không phải province hoặc commune", f[1]),
            )
        })?;
        let kind = AgencyKind::parse(f[4])
            .ok_or_else(|| csv_error(n, "kind", format!("loại \"{}\" không hợp lệ", f[4])))?;
        for (column, value) in [("name", f[2]), ("short", f[3])] {
            if value.is_empty() {
                return Err(csv_error(n, column, "không được để trống"));
            }
            if !is_nfc(value) {
                return Err(csv_error(n, column, "chưa chuẩn hóa Unicode NFC"));
            }
        }
        out.push(Agency {
            key: key.to_owned(),
            level,
            name: f[2].to_owned(),
            short: f[3].to_owned(),
            kind,
        });
    }
    Ok(out)
}

/// The agency directory, parsed once (a test proves the embedded file parses; were it
/// malformed the list would be empty rather than panic).
pub fn agencies() -> &'static [Agency] {
    static LIST: LazyLock<Vec<Agency>> =
        LazyLock::new(|| parse_agencies(AGENCIES_CSV).unwrap_or_default());
    &LIST
}

pub fn agency(key: &str) -> Option<&'static Agency> {
    agencies().iter().find(|a| a.key == key)
}

struct Check<'a> {
    file: &'a str,
    agencies: &'a [Agency],
}

impl Check<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> PlanError {
        PlanError::Field {
            file: self.file.to_owned(),
            field: field.into(),
            message: message.into(),
        }
    }

    fn text(&self, field: &str, value: &str) -> Result<(), PlanError> {
        if value.trim().is_empty() {
            return Err(self.err(field, "không được để trống"));
        }
        if !is_nfc(value) {
            return Err(self.err(field, "chưa chuẩn hóa Unicode NFC"));
        }
        Ok(())
    }

    fn texts(&self, field: &str, values: &[String]) -> Result<(), PlanError> {
        for (i, v) in values.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), v)?;
        }
        Ok(())
    }

    fn date(&self, field: &str, value: &Option<String>) -> Result<(), PlanError> {
        match value {
            Some(v) if parse_iso_date(v).is_none() => {
                Err(self.err(field, format!("\"{v}\" không phải ngày dạng YYYY-MM-DD")))
            }
            _ => Ok(()),
        }
    }

    fn period(&self, field: &str, value: &str) -> Result<(), PlanError> {
        Period::parse(value)
            .map(|_| ())
            .ok_or_else(|| self.err(field, format!("kỳ \"{value}\" không hợp lệ")))
    }

    fn agency(&self, field: &str, key: &str) -> Result<(), PlanError> {
        if self.agencies.iter().any(|a| a.key == key) {
            Ok(())
        } else {
            Err(self.err(
                field,
                format!("cơ quan \"{key}\" không có trong {AGENCY_FILE}"),
            ))
        }
    }
}

/// Checks a plan against the rules of the format: every text non-empty and NFC, dates ISO,
/// periods valid, task numbers unique, agency keys in `agencies`, closed vocabularies.
pub fn validate(plan: &PlanDoc, file: &str, agencies: &[Agency]) -> Result<(), PlanError> {
    let c = Check { file, agencies };
    for (field, value) in [
        ("code", &plan.code),
        ("unit_code", &plan.unit_code),
        ("issuer", &plan.issuer),
        ("issuer_abbr", &plan.issuer_abbr),
        ("doc_abbr", &plan.doc_abbr),
        ("place", &plan.place),
        ("title", &plan.title),
    ] {
        c.text(field, value)?;
    }
    if let Some(p) = &plan.parent_body {
        c.text("parent_body", p)?;
    }
    c.date("date", &plan.date)?;
    c.period("period", &plan.period)?;
    c.texts("legal_bases", &plan.legal_bases)?;
    c.texts("purposes", &plan.purposes)?;
    c.texts("requirements", &plan.requirements)?;
    c.texts("funding", &plan.funding)?;
    c.texts("recipients", &plan.recipients)?;
    let mut seen = BTreeSet::new();
    for (i, t) in plan.tasks.iter().enumerate() {
        let f = |name: &str| format!("tasks[{i}].{name}");
        for (name, value) in [
            ("no", &t.no),
            ("section", &t.section),
            ("title", &t.title),
            ("detail", &t.detail),
            ("due_text", &t.due_text),
        ] {
            c.text(&f(name), value)?;
        }
        if !seen.insert(t.no.as_str()) {
            return Err(c.err(f("no"), format!("số thứ tự \"{}\" bị trùng", t.no)));
        }
        c.agency(&f("lead"), &t.lead)?;
        for (j, p) in t.partners.iter().enumerate() {
            c.agency(&format!("tasks[{i}].partners[{j}]"), p)?;
            if *p == t.lead {
                return Err(c.err(
                    format!("tasks[{i}].partners[{j}]"),
                    "cơ quan chủ trì không đồng thời là cơ quan phối hợp",
                ));
            }
        }
        c.date(&f("due"), &t.due)?;
    }
    if let Some(s) = &plan.sub_plans {
        c.date("sub_plans.due", &s.due)?;
        c.text("sub_plans.text", &s.text)?;
        if !SUB_PLANS_OF.contains(&s.of.as_str()) {
            return Err(c.err("sub_plans.of", format!("\"{}\" không hợp lệ", s.of)));
        }
    }
    for (i, r) in plan.reports.iter().enumerate() {
        let f = |name: &str| format!("reports[{i}].{name}");
        if !REPORT_KINDS.contains(&r.kind.as_str()) {
            return Err(c.err(
                f("kind"),
                format!("loại báo cáo \"{}\" không hợp lệ", r.kind),
            ));
        }
        c.period(&f("period"), &r.period)?;
        c.date(&f("due"), &r.due)?;
        c.agency(&f("recipient"), &r.recipient)?;
        c.text(&f("text"), &r.text)?;
    }
    if let Some(a) = &plan.signature.authority {
        c.text("signature.authority", a)?;
    }
    if let Some(a) = &plan.signature.signing_for {
        c.text("signature.signing_for", a)?;
    }
    c.text("signature.title", &plan.signature.title)?;
    c.text("signature.name", &plan.signature.name)?;
    Ok(())
}

/// Parses and validates one plan file.
pub fn parse_plan(file: &str, text: &str, agencies: &[Agency]) -> Result<PlanDoc, PlanError> {
    let plan: PlanDoc = serde_json::from_str(text).map_err(|e| PlanError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    validate(&plan, file, agencies)?;
    Ok(plan)
}

/// Every embedded plan, parsed and validated, or the first error.
pub fn parse_examples() -> Result<Vec<PlanDoc>, PlanError> {
    PLAN_FILES
        .iter()
        .map(|(code, file, text)| {
            let plan = parse_plan(file, text, agencies())?;
            if plan.code != *code {
                return Err(PlanError::Field {
                    file: (*file).to_owned(),
                    field: "code".into(),
                    message: format!("mã \"{}\" khác tên tệp ({code})", plan.code),
                });
            }
            Ok(plan)
        })
        .collect()
}

/// The five example plans, parsed once in the order of BRIEF (a test proves they parse;
/// were one malformed the list would be empty rather than panic).
pub fn examples() -> &'static [PlanDoc] {
    static LIST: LazyLock<Vec<PlanDoc>> = LazyLock::new(|| parse_examples().unwrap_or_default());
    &LIST
}

pub fn example(code: &str) -> Option<&'static PlanDoc> {
    examples().iter().find(|p| p.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agencies_parse_and_cover_the_brief_keys() {
        let list = parse_agencies(AGENCIES_CSV).unwrap();
        assert_eq!(list.len(), agencies().len());
        for key in [
            "UBND", "SYT", "CCDSTE", "CDC", "SGDDT", "CA", "STP", "SVHTT", "SNV", "STC", "SDTTG",
            "MTTQ", "TDOAN", "HLHPN", "UBNDX", "VHXH", "TYT", "CAX", "MN", "TH", "THCS", "MTTQX",
        ] {
            assert!(agency(key).is_some(), "{key}");
        }
        assert_eq!(agency("SYT").unwrap().name, "Sở Y tế");
        assert_eq!(agency("UBNDX").unwrap().level, AgencyLevel::Commune);
        assert_eq!(agency("CA").unwrap().kind, AgencyKind::Police);
        assert!(agency("XYZ").is_none());
    }

    #[test]
    fn agency_errors_name_the_line_and_column() {
        let bad =
            "key,level,name,short,kind\nSYT,province,Sở Y tế,SYT,department\nX,region,A,B,other\n";
        let e = parse_agencies(bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "data/agencies.csv, dòng 3, cột level: \"region\" không phải province hoặc commune"
        );
        let dup = "key,level,name,short,kind\nA,province,A,A,other\nA,province,B,B,other\n";
        assert!(
            parse_agencies(dup)
                .unwrap_err()
                .to_string()
                .contains("dòng 3")
        );
    }

    #[test]
    fn all_five_plans_parse() {
        let plans = parse_examples().unwrap();
        let codes: Vec<&str> = plans.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            ["HP-SYT", "HN-UBND", "NB-SYT", "HD-WARD", "HUE-UBND"]
        );
        assert_eq!(examples().len(), 5);
        for p in examples() {
            assert!(
                (10..=80).contains(&p.tasks.len()),
                "{}: {}",
                p.code,
                p.tasks.len()
            );
            assert!(
                !p.legal_bases.is_empty() && !p.purposes.is_empty(),
                "{}",
                p.code
            );
            assert!(
                !p.funding.is_empty() && !p.recipients.is_empty(),
                "{}",
                p.code
            );
        }
        let units = [
            ("HP-SYT", "31"),
            ("HN-UBND", "01"),
            ("NB-SYT", "37"),
            ("HD-WARD", "10525"),
            ("HUE-UBND", "46"),
        ];
        for (code, unit) in units {
            assert_eq!(example(code).unwrap().unit_code, unit);
        }
        assert!(example("XX").is_none());
    }

    #[test]
    fn every_key_is_in_the_directory() {
        for p in examples() {
            for t in &p.tasks {
                assert!(agency(&t.lead).is_some(), "{} {}: {}", p.code, t.no, t.lead);
                for k in &t.partners {
                    assert!(agency(k).is_some(), "{} {}: {k}", p.code, t.no);
                }
            }
            for r in &p.reports {
                assert!(
                    agency(&r.recipient).is_some(),
                    "{}: {}",
                    p.code,
                    r.recipient
                );
            }
        }
    }

    #[test]
    fn periods_and_dates_parse() {
        for p in examples() {
            assert!(p.period().is_some(), "{}", p.code);
            assert_eq!(p.date.is_some(), p.date().is_some(), "{}", p.code);
            for r in &p.reports {
                assert!(r.period().is_some(), "{} {}", p.code, r.period);
                assert_eq!(r.due.is_some(), r.due_date().is_some(), "{}", p.code);
            }
            for t in &p.tasks {
                assert_eq!(
                    t.due.is_some(),
                    t.due_date().is_some(),
                    "{} {}",
                    p.code,
                    t.no
                );
            }
            if let Some(s) = &p.sub_plans {
                assert_eq!(s.due.is_some(), s.due_date().is_some(), "{}", p.code);
            }
        }
        assert_eq!(
            example("HD-WARD").unwrap().period(),
            Some(Period::Years(2026, 2030))
        );
        assert_eq!(parse_iso_date("2026-02-30"), None);
        assert_eq!(parse_iso_date("5/2/2026"), None);
    }

    #[test]
    fn task_numbers_are_unique_per_plan() {
        for p in examples() {
            let mut seen = BTreeSet::new();
            for t in &p.tasks {
                assert!(seen.insert(&t.no), "{} {}", p.code, t.no);
            }
        }
    }

    #[test]
    fn strings_are_nfc_and_not_empty() {
        fn check(code: &str, s: &str) {
            assert!(!s.trim().is_empty(), "{code}: empty string");
            assert!(is_nfc(s), "{code}: not NFC: {s}");
        }
        for p in examples() {
            let c = p.code.as_str();
            let json = serde_json::to_value(p).unwrap();
            fn walk(code: &str, v: &serde_json::Value, f: &dyn Fn(&str, &str)) {
                match v {
                    serde_json::Value::String(s) => f(code, s),
                    serde_json::Value::Array(a) => a.iter().for_each(|x| walk(code, x, f)),
                    serde_json::Value::Object(o) => o.values().for_each(|x| walk(code, x, f)),
                    _ => {}
                }
            }
            walk(c, &json, &check);
        }
        for a in agencies() {
            check(&a.key, &a.name);
            check(&a.key, &a.short);
        }
    }

    /// (kind, period, due, recipient) of the half-year and annual reports.
    fn dues(code: &str) -> Vec<(&'static str, String, Option<String>, String)> {
        example(code)
            .unwrap()
            .reports
            .iter()
            .filter(|r| r.kind != "ad_hoc")
            .map(|r| {
                let kind = if r.kind == "half" { "half" } else { "annual" };
                (kind, r.period.clone(), r.due.clone(), r.recipient.clone())
            })
            .collect()
    }

    fn due(
        kind: &'static str,
        period: &str,
        date: Option<&str>,
        to: &str,
    ) -> (&'static str, String, Option<String>, String) {
        (kind, period.into(), date.map(Into::into), to.into())
    }

    #[test]
    fn reporting_regime_matches_brief_6_1() {
        assert_eq!(
            dues("HP-SYT"),
            [
                due("half", "2026S1", Some("2026-05-15"), "SYT"),
                due("annual", "2026", Some("2026-11-15"), "SYT"),
            ]
        );
        assert_eq!(
            dues("HN-UBND"),
            [
                due("half", "2026S1", None, "SYT"),
                due("annual", "2026", None, "SYT"),
            ]
        );
        assert_eq!(
            dues("NB-SYT"),
            [
                due("half", "2026S1", Some("2026-05-20"), "SYT"),
                due("annual", "2026", Some("2026-11-15"), "SYT"),
            ]
        );
        let mut hd = Vec::new();
        for y in 2026..=2030 {
            hd.push(due(
                "half",
                &format!("{y}S1"),
                Some(&format!("{y}-06-15")),
                "SYT",
            ));
            hd.push(due(
                "annual",
                &y.to_string(),
                Some(&format!("{y}-12-15")),
                "SYT",
            ));
        }
        assert_eq!(dues("HD-WARD"), hd);
        assert_eq!(
            dues("HUE-UBND"),
            [
                due("annual", "2026", Some("2026-11-30"), "SYT"),
                due("annual", "2026", Some("2026-12-05"), "UBND"),
            ]
        );
        let hue = example("HUE-UBND").unwrap();
        assert!(hue.reports[1].text.contains("Sở Y tế"));
        // Ad-hoc reports never carry a date.
        for p in examples() {
            for r in p.reports.iter().filter(|r| r.kind == "ad_hoc") {
                assert_eq!(r.due, None, "{}", p.code);
            }
        }
    }

    #[test]
    fn sub_plans_match_brief_6_1() {
        let sub = |code: &str| {
            example(code)
                .unwrap()
                .sub_plans
                .as_ref()
                .map(|s| (s.of.clone(), s.due.clone()))
        };
        assert_eq!(sub("HP-SYT"), Some(("communes".into(), None)));
        assert_eq!(
            sub("HN-UBND"),
            Some(("communes_and_agencies".into(), Some("2026-02-05".into())))
        );
        assert_eq!(sub("NB-SYT"), None);
        assert_eq!(sub("HD-WARD"), None);
        assert_eq!(
            sub("HUE-UBND"),
            Some(("communes_and_agencies".into(), Some("2026-04-15".into())))
        );
    }

    #[test]
    fn header_and_signature() {
        let hp = example("HP-SYT").unwrap();
        assert_eq!(hp.number_symbol(), "Số: /KH-SYT");
        assert_eq!(hp.signature.title, "GIÁM ĐỐC");
        assert_eq!(hp.signature.authority, None);
        let nb = example("NB-SYT").unwrap();
        assert_eq!(nb.signature.authority.as_deref(), Some("KT. GIÁM ĐỐC"));
        let hn = example("HN-UBND").unwrap();
        assert_eq!(
            hn.signature.authority.as_deref(),
            Some("TM. ỦY BAN NHÂN DÂN")
        );
        assert_eq!(hn.signature.signing_for.as_deref(), Some("KT. CHỦ TỊCH"));
        assert_eq!(hn.number_symbol(), "Số: /KH-UBND");
        // The last "Nơi nhận" line is the archive line.
        for p in examples() {
            assert!(
                p.recipients.last().unwrap().starts_with("Lưu"),
                "{}",
                p.code
            );
            assert!(
                p.recipients
                    .iter()
                    .all(|r| !r.starts_with('-') && !r.ends_with(';'))
            );
        }
    }

    #[test]
    fn no_real_names_of_the_source_documents() {
        // Names printed in the source plans (signatories, a deputy director, drafters).
        let real = [
            "Lê Minh Quang",
            "Phan Huy Thục",
            "Đ.T.Thảo",
            "Vũ Thu Hà",
            "P.T.T. Huyện",
            "Nhưng",
            "Trương Thanh Phòng",
            "Nguyễn Thị Thu Thuỷ",
            "B.Thuỷ",
            "Trần Hữu Thùy Giang",
        ];
        for (_, file, text) in PLAN_FILES {
            for name in real {
                assert!(!text.contains(name), "{file}: {name}");
            }
        }
    }

    #[test]
    fn tasks_read_as_the_plans_assign_them() {
        let hn = example("HN-UBND").unwrap();
        let t = hn.task("IV.12.1").unwrap();
        assert_eq!(
            (t.lead.as_str(), t.due.as_deref()),
            ("UBNDX", Some("2026-02-05"))
        );
        assert_eq!(hn.tasks_led_by("SYT").count(), 19);
        let hue = example("HUE-UBND").unwrap();
        assert_eq!(
            hue.task("IV.11.a").unwrap().due.as_deref(),
            Some("2026-04-15")
        );
        assert_eq!(hue.task("IV.12.c").unwrap().lead, "TDOAN");
        let hd = example("HD-WARD").unwrap();
        assert_eq!(hd.task("V.6.1").unwrap().partners, ["VHXH"]);
        assert_eq!(hd.task("V.8.2.THCS").unwrap().lead, "THCS");
    }

    #[test]
    fn validation_names_the_field() {
        let (_, file, text) = PLAN_FILES[0];
        let mut plan: PlanDoc = serde_json::from_str(text).unwrap();
        plan.tasks[2].lead = "NOPE".into();
        let e = validate(&plan, file, agencies()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "data/plans/HP-SYT.json, trường tasks[2].lead: cơ quan \"NOPE\" không có trong data/agencies.csv"
        );
        let mut plan: PlanDoc = serde_json::from_str(text).unwrap();
        plan.reports[0].period = "2026H1".into();
        assert!(
            validate(&plan, file, agencies())
                .unwrap_err()
                .to_string()
                .contains("reports[0].period")
        );
        let e = parse_plan(file, "{\"code\": 1}", agencies()).unwrap_err();
        assert!(matches!(e, PlanError::Json { line: 1, .. }), "{e}");
    }
}
