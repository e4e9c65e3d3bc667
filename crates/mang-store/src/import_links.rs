//! The registry import's sheets of records tied to a child — caregivers ("Người chăm
//! sóc") and special circumstances / risk factors ("Hoàn cảnh, nguy cơ") — each row naming
//! its child by household code, full name and birth date (a child in the same file or
//! already stored). Checked with the rest of the file, written in its transaction, skipped
//! when already present (same child and caregiver name + relationship; same child, code
//! and start date), so a second import adds nothing.

use crate::dialect::{Backend, ColType, json_col, json_rows_source};
use crate::import::{RowError, row_error};
use crate::{Result, Store};
use mang_docs::Table;
use mang_domain::circumstances::{self, CircumstanceRecord, RawCircumstance};
use mang_domain::import::{
    CAREGIVER_COLUMNS, CAREGIVER_SHEET, CIRCUMSTANCE_COLUMNS, CIRCUMSTANCE_SHEET, ChildRef,
    HeaderMap, child_ref,
};
use mang_domain::life::{Caregiver, RawCaregiver, check_caregiver};
use mang_domain::text;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

/// A child as the import knows it: (household code, lower-case full name, ISO birth date).
pub(crate) type ChildKey = (String, String, String);

fn key_of(r: &ChildRef) -> ChildKey {
    (
        r.household_code.clone(),
        r.full_name.to_lowercase(),
        r.birth_date.to_string(),
    )
}

struct Sheet<'a> {
    table: &'a Table,
    map: Option<HeaderMap>,
}

/// The parsed linked sheets of a file.
pub(crate) struct Links<'a> {
    caregivers: Option<Sheet<'a>>,
    circumstances: Option<Sheet<'a>>,
    cg_rows: Vec<(usize, ChildRef, Caregiver)>,
    ci_rows: Vec<(usize, ChildRef, CircumstanceRecord)>,
    /// Rows ready to write: (child key, values).
    cg_new: Vec<(ChildKey, Caregiver)>,
    ci_new: Vec<(ChildKey, CircumstanceRecord)>,
    pub caregivers_existing: usize,
    pub circumstances_existing: usize,
}

fn find<'a>(
    tables: &'a [Table],
    name: &str,
    columns: &[mang_domain::import::Column],
) -> Option<&'a Table> {
    tables
        .iter()
        .find(|t| crate::import::is_sheet(t, name, columns))
}

impl<'a> Links<'a> {
    pub(crate) fn find(tables: &'a [Table]) -> Links<'a> {
        let sheet = |t: &'a Table, columns: &[mang_domain::import::Column]| Sheet {
            table: t,
            map: None.or_else(|| t.rows.first().and_then(|h| HeaderMap::new(columns, h).ok())),
        };
        Links {
            caregivers: find(tables, CAREGIVER_SHEET, &CAREGIVER_COLUMNS)
                .map(|t| sheet(t, &CAREGIVER_COLUMNS)),
            circumstances: find(tables, CIRCUMSTANCE_SHEET, &CIRCUMSTANCE_COLUMNS)
                .map(|t| sheet(t, &CIRCUMSTANCE_COLUMNS)),
            cg_rows: Vec::new(),
            ci_rows: Vec::new(),
            cg_new: Vec::new(),
            ci_new: Vec::new(),
            caregivers_existing: 0,
            circumstances_existing: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.caregivers.is_none() && self.circumstances.is_none()
    }

    /// Rows to check (for the progress bar).
    pub(crate) fn rows_to_check(&self) -> u64 {
        crate::import::rows_to_check(
            self.caregivers.as_ref().map(|s| s.table),
            &CAREGIVER_COLUMNS,
        ) + crate::import::rows_to_check(
            self.circumstances.as_ref().map(|s| s.table),
            &CIRCUMSTANCE_COLUMNS,
        )
    }

    /// Check every row; problems go to `errors`; `row_read` is told of each non-empty row.
    pub(crate) fn parse(
        &mut self,
        as_of: time::Date,
        errors: &mut Vec<RowError>,
        mut row_read: impl FnMut(),
    ) {
        for (which, columns) in [(0, &CAREGIVER_COLUMNS[..]), (1, &CIRCUMSTANCE_COLUMNS[..])] {
            let Some(sheet) = (if which == 0 {
                &self.caregivers
            } else {
                &self.circumstances
            }) else {
                continue;
            };
            let t = sheet.table;
            let Some(map) = sheet.map.as_ref() else {
                if let Some(Err(msg)) = t.rows.first().map(|h| HeaderMap::new(columns, h)) {
                    errors.push(row_error(&t.name, 1, None, "", "", msg));
                }
                continue;
            };
            for (i, row) in t.rows.iter().enumerate().skip(1) {
                if row.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                row_read();
                let n = i + 1;
                let g = |f: &str| map.get(row, f).to_owned();
                let child = child_ref(map, row);
                let fields = if which == 0 {
                    check_caregiver(
                        &RawCaregiver {
                            full_name: g("full_name"),
                            relationship: g("relationship"),
                            birth_year: g("birth_year"),
                            phone: g("phone"),
                            lives_with: g("lives_with"),
                        },
                        as_of,
                    )
                    .map(|c| {
                        if let Ok(r) = &child {
                            self.cg_rows.push((n, r.clone(), c));
                        }
                    })
                } else {
                    circumstances::check(
                        &RawCircumstance {
                            code: g("code"),
                            start_date: g("start_date"),
                            end_date: g("end_date"),
                            source: g("source"),
                            note: g("note"),
                        },
                        as_of,
                    )
                    .map(|c| {
                        if let Ok(r) = &child {
                            self.ci_rows.push((n, r.clone(), c));
                        }
                    })
                };
                for e in child
                    .err()
                    .into_iter()
                    .flatten()
                    .chain(fields.err().into_iter().flatten())
                {
                    let v = map.get(row, e.field).to_owned();
                    errors.push(row_error(&t.name, n, Some(map), e.field, &v, e.message));
                }
            }
        }
    }

    /// Households the rows name (to look their children up).
    pub(crate) fn household_codes(&self) -> impl Iterator<Item = &str> {
        self.cg_rows
            .iter()
            .map(|(_, r, _)| r.household_code.as_str())
            .chain(
                self.ci_rows
                    .iter()
                    .map(|(_, r, _)| r.household_code.as_str()),
            )
    }

    /// Match each row to its child (`known`: the file's new children and the stored ones of
    /// the named households, already checked for scope), drop rows already stored, and
    /// report rows whose child is unknown or out of scope, or repeated in the file.
    pub(crate) async fn resolve(
        &mut self,
        store: &Store,
        codes_json: &str,
        known: &HashMap<ChildKey, String>,
        errors: &mut Vec<RowError>,
    ) -> Result<()> {
        let b = store.backend();
        let src = json_rows_source(b);
        let in_codes = format!(
            "h.code IN (SELECT {} FROM {src})",
            json_col(b, 0, ColType::Text)
        );
        let stored_cg: HashSet<(ChildKey, String, String)> = sqlx::query(AssertSqlSafe(format!(
            "SELECT h.code, c.full_name, c.birth_date, g.full_name, g.relationship FROM child_caregivers g \
             JOIN children c ON c.id = g.child_id JOIN households h ON h.id = c.household_id WHERE {in_codes}"
        )))
        .bind(codes_json)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            (
                (r.get(0), r.get::<String, _>(1).to_lowercase(), r.get(2)),
                text::fold(&r.get::<String, _>(3)),
                r.get(4),
            )
        })
        .collect();
        // (child, code) -> (start, open) of stored circumstances.
        let stored_ci: Vec<(ChildKey, String, String, bool)> = sqlx::query(AssertSqlSafe(format!(
            "SELECT h.code, c.full_name, c.birth_date, x.code, x.start_date, x.end_date FROM child_circumstances x \
             JOIN children c ON c.id = x.child_id JOIN households h ON h.id = c.household_id WHERE {in_codes}"
        )))
        .bind(codes_json)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            (
                (r.get(0), r.get::<String, _>(1).to_lowercase(), r.get(2)),
                r.get(3),
                r.get(4),
                r.get::<Option<String>, _>(5).is_none(),
            )
        })
        .collect();
        let unknown = |r: &ChildRef| {
            format!(
                "Không có trẻ «{}» sinh ngày {} trong hộ {} (trong tệp hoặc đã lưu, trong phạm vi của bạn)",
                r.full_name,
                mang_domain::vi::date(r.birth_date),
                r.household_code
            )
        };
        if let Some(sheet) = &self.caregivers {
            let mut seen: HashMap<(ChildKey, String, String), usize> = HashMap::new();
            for (n, r, c) in std::mem::take(&mut self.cg_rows) {
                let key = key_of(&r);
                if !known.contains_key(&key) {
                    errors.push(row_error(
                        &sheet.table.name,
                        n,
                        sheet.map.as_ref(),
                        "child_name",
                        &r.full_name,
                        unknown(&r),
                    ));
                    continue;
                }
                let id = (
                    key.clone(),
                    text::fold(&c.full_name),
                    c.relationship.as_str().to_owned(),
                );
                if stored_cg.contains(&id) {
                    self.caregivers_existing += 1;
                } else if let Some(first) = seen.get(&id) {
                    errors.push(row_error(
                        &sheet.table.name,
                        n,
                        sheet.map.as_ref(),
                        "full_name",
                        &c.full_name,
                        format!("Trùng với dòng {first} (cùng trẻ, người chăm sóc và quan hệ)"),
                    ));
                } else {
                    seen.insert(id, n);
                    self.cg_new.push((key, c));
                }
            }
        }
        if let Some(sheet) = &self.circumstances {
            let mut seen: HashMap<(ChildKey, String, String), usize> = HashMap::new();
            let mut open: HashSet<(ChildKey, String)> = stored_ci
                .iter()
                .filter(|x| x.3)
                .map(|x| (x.0.clone(), x.1.clone()))
                .collect();
            for (n, r, c) in std::mem::take(&mut self.ci_rows) {
                let key = key_of(&r);
                let (sheet_name, map) = (&sheet.table.name, sheet.map.as_ref());
                if !known.contains_key(&key) {
                    errors.push(row_error(
                        sheet_name,
                        n,
                        map,
                        "child_name",
                        &r.full_name,
                        unknown(&r),
                    ));
                    continue;
                }
                if c.start < r.birth_date {
                    errors.push(row_error(
                        sheet_name,
                        n,
                        map,
                        "start_date",
                        &mang_domain::vi::date(c.start),
                        "Ngày bắt đầu trước ngày sinh của trẻ".into(),
                    ));
                    continue;
                }
                let code = c.circumstance.code.clone();
                let start = c.start.to_string();
                if stored_ci
                    .iter()
                    .any(|x| x.0 == key && x.1 == code && x.2 == start)
                {
                    self.circumstances_existing += 1;
                    continue;
                }
                let id = (key.clone(), code.clone(), start);
                if let Some(first) = seen.get(&id) {
                    errors.push(row_error(
                        sheet_name,
                        n,
                        map,
                        "code",
                        &c.circumstance.label,
                        format!("Trùng với dòng {first} (cùng trẻ, hoàn cảnh và ngày bắt đầu)"),
                    ));
                    continue;
                }
                if c.end.is_none() && !open.insert((key.clone(), code)) {
                    errors.push(row_error(
                        sheet_name,
                        n,
                        map,
                        "code",
                        &c.circumstance.label,
                        format!("Trẻ đang có «{}» (chưa kết thúc)", c.circumstance.label),
                    ));
                    continue;
                }
                seen.insert(id, n);
                self.ci_new.push((key, c));
            }
        }
        Ok(())
    }

    pub(crate) fn to_write(&self) -> u64 {
        (self.cg_new.len() + self.ci_new.len()) as u64
    }

    pub(crate) fn added(&self) -> (usize, usize) {
        (self.cg_new.len(), self.ci_new.len())
    }

    /// Write the new rows in the import's transaction (after its children), joined to
    /// their child by household code, exact full name and birth date.
    pub(crate) async fn write(
        &self,
        tx: &mut crate::Tx,
        b: Backend,
        names: &HashMap<ChildKey, String>,
        now: &str,
    ) -> Result<()> {
        let src = json_rows_source(b);
        let t = |i| json_col(b, i, ColType::Text);
        let child_join = format!(
            "FROM {src} JOIN households h ON h.code = {} JOIN children c ON c.household_id = h.id \
             AND c.full_name = {} AND c.birth_date = {}",
            t(0),
            t(1),
            t(2)
        );
        let name = |k: &ChildKey| names.get(k).cloned().unwrap_or_default();
        for part in self.cg_new.chunks(5000) {
            let rows: Vec<serde_json::Value> = part
                .iter()
                .map(|(k, c)| {
                    serde_json::json!([
                        k.0,
                        name(k),
                        k.2,
                        c.full_name,
                        c.relationship.as_str(),
                        c.birth_year.map(i64::from),
                        c.phone,
                        i64::from(c.lives_with)
                    ])
                })
                .collect();
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO child_caregivers (child_id, full_name, relationship, birth_year, phone, lives_with, \
                 province_code, commune_code, village_code, created_at, updated_at) \
                 SELECT c.id, {}, {}, {}, {}, {}, c.province_code, c.commune_code, c.village_code, $2, $2 {child_join}",
                t(3),
                t(4),
                json_col(b, 5, ColType::Int),
                t(6),
                json_col(b, 7, ColType::Int)
            )))
            .bind(serde_json::Value::Array(rows).to_string())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        for part in self.ci_new.chunks(5000) {
            let rows: Vec<serde_json::Value> = part
                .iter()
                .map(|(k, c)| {
                    let kind = if c.circumstance.kind == circumstances::Kind::Special {
                        "special"
                    } else {
                        "risk"
                    };
                    serde_json::json!([
                        k.0,
                        name(k),
                        k.2,
                        c.circumstance.code,
                        kind,
                        c.start.to_string(),
                        c.end.map(|d| d.to_string()),
                        c.source,
                        c.note
                    ])
                })
                .collect();
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO child_circumstances (child_id, code, kind, start_date, end_date, source, note, \
                 province_code, commune_code, village_code, created_at, updated_at) \
                 SELECT c.id, {}, {}, {}, {}, {}, {}, c.province_code, c.commune_code, c.village_code, $2, $2 {child_join}",
                t(3),
                t(4),
                t(5),
                t(6),
                t(7),
                t(8)
            )))
            .bind(serde_json::Value::Array(rows).to_string())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}
