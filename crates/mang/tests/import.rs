//! Registry import acceptance: a generated 100,000-row .xlsx with ~1 % faulty rows (bad
//! ID, impossible date, missing name, unknown commune). Every faulty row is reported with
//! its reason, every good row is in, and a second import of the same file adds nothing.

use mang_docs::SheetOut;
use mang_domain::demo::{DemoCommune, plan};
use mang_domain::import::{CHILD_COLUMNS, CHILD_SHEET, HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET};
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store};
use std::process::Command;

const CHILDREN: usize = 100_000;

fn mang(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_mang"))
        .args(args)
        .output()
        .expect("run mang");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

type Rows = Vec<Vec<String>>;
/// (sheet row, expected message) of each faulty child row.
type Faults = Vec<(usize, &'static str)>;

/// Rows of the two sheets, and what each faulty child row must be reported for.
fn generate(communes: &[String]) -> (Rows, Rows, Faults) {
    let demo: Vec<DemoCommune> = communes
        .iter()
        .map(|c| DemoCommune {
            code: c.clone(),
            name: c.clone(),
            is_ward: false,
        })
        .collect();
    let p = plan(&demo, CHILDREN as u64, 42);
    let as_of = time::Date::from_calendar_date(2026, time::Month::June, 30).unwrap();
    let mut households = Vec::new();
    let mut children = Vec::new();
    let mut faults = Vec::new();
    for i in 0..p.chunk_count() {
        let chunk = p.chunk(i, as_of);
        for h in &chunk.households {
            households.push(vec![
                h.code.clone(),
                h.commune_code.clone(),
                String::new(),
                h.head_name.clone(),
                h.address.clone(),
                h.phone.clone().unwrap_or_default(),
                h.poverty.map(|(y, _)| y.to_string()).unwrap_or_default(),
                h.poverty
                    .map(|(_, s)| s.label_vi().to_owned())
                    .unwrap_or_default(),
            ]);
        }
        for c in &chunk.children {
            let n = children.len();
            let mut row = vec![
                c.household_code.clone(),
                c.full_name.clone(),
                c.sex.label_vi().to_owned(),
                mang_domain::vi::date(c.birth_date),
                c.personal_id.clone().unwrap_or_default(),
                String::new(),
                c.ethnicity.clone(),
                String::new(),
                "Có".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ];
            // Row number in the sheet: header is row 1.
            let sheet_row = n + 2;
            if n % 100 == 50 {
                match (n / 100) % 4 {
                    0 => {
                        row[4] = "03121400004X".into();
                        faults.push((sheet_row, "chỉ được chứa chữ số"));
                    }
                    1 => {
                        row[3] = "31/02/2016".into();
                        faults.push((sheet_row, "Ngày sinh «31/02/2016» không hợp lệ"));
                    }
                    2 => {
                        row[1] = String::new();
                        faults.push((sheet_row, "Thiếu họ và tên"));
                    }
                    _ => {
                        // A household of its own in a commune that does not exist.
                        let code = format!("X-{n}");
                        households.push(vec![
                            code.clone(),
                            "99999".into(),
                            String::new(),
                            "Trần Văn Khách".into(),
                            "Số 1".into(),
                            String::new(),
                            String::new(),
                            String::new(),
                        ]);
                        row[0] = code;
                        faults.push((sheet_row, "Không có hộ mã X-"));
                    }
                }
            }
            children.push(row);
        }
    }
    assert_eq!(children.len(), CHILDREN);
    (households, children, faults)
}

#[test]
fn a_100k_row_workbook_with_faulty_rows_imports_exactly_the_good_rows_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    assert!(mang(&["migrate", "--db", &db.location]).0);
    let communes: Vec<String> = rt.block_on(async {
        let s = Store::open(&db.location, OpenMode::Existing).await.unwrap();
        mang_store::units::communes_of(&s, "31")
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.code)
            .collect()
    });
    let (households, children, faults) = generate(&communes);
    let unknown_commune_households = households.iter().filter(|h| h[1] == "99999").count();
    let sheets = [
        SheetOut {
            name: HOUSEHOLD_SHEET.into(),
            headers: HOUSEHOLD_COLUMNS.iter().map(|c| c.header.into()).collect(),
            rows: households.clone(),
            ..Default::default()
        },
        SheetOut {
            name: CHILD_SHEET.into(),
            headers: CHILD_COLUMNS.iter().map(|c| c.header.into()).collect(),
            rows: children,
            ..Default::default()
        },
    ];
    let dir = std::env::temp_dir().join(format!("mang-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("so-tre-em.xlsx");
    std::fs::write(&file, mang_docs::write_xlsx(&sheets).unwrap()).unwrap();

    let (ok, out) = mang(&[
        "import",
        "children",
        "--db",
        &db.location,
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    let good_households = households.len() - unknown_commune_households;
    let good_children = CHILDREN - faults.len();
    assert!(
        out.contains(&format!(
            "thêm {} hộ, {} trẻ em",
            mang_domain::vi::number(good_households as i64),
            mang_domain::vi::number(good_children as i64)
        )),
        "{out}"
    );

    // Every faulty row is in the error report with its reason.
    let report = mang_docs::read(&dir.join("so-tre-em-loi.xlsx")).unwrap();
    let rows = &report[0].rows;
    assert_eq!(
        rows[0],
        ["Trang tính", "Dòng", "Cột", "Trường", "Giá trị", "Lỗi"]
    );
    for (row, reason) in &faults {
        let hit = rows
            .iter()
            .any(|r| r[0] == CHILD_SHEET && r[1] == row.to_string() && r[5].contains(reason));
        assert!(hit, "row {row} reported with «{reason}»");
    }
    let household_errors = rows
        .iter()
        .filter(|r| r[0] == HOUSEHOLD_SHEET && r[5].contains("Không có xã, phường mã 99999"))
        .count();
    assert_eq!(household_errors, unknown_commune_households);
    let date_error = rows.iter().find(|r| r[5].contains("31/02/2016")).unwrap();
    assert_eq!(
        (
            date_error[2].as_str(),
            date_error[3].as_str(),
            date_error[4].as_str()
        ),
        ("D", "Ngày sinh", "31/02/2016")
    );
    assert_eq!(
        rows.len() - 1,
        faults.len() + unknown_commune_households,
        "nothing else reported"
    );

    let count = |db: &TestDb| {
        rt.block_on(async {
            let s = Store::open(&db.location, OpenMode::Existing).await.unwrap();
            let c: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
                .fetch_one(s.pool())
                .await
                .unwrap();
            let h: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households")
                .fetch_one(s.pool())
                .await
                .unwrap();
            (c as usize, h as usize)
        })
    };
    assert_eq!(count(&db), (good_children, good_households));

    // The same file again adds nothing.
    let (ok, out) = mang(&[
        "import",
        "children",
        "--db",
        &db.location,
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("thêm 0 hộ, 0 trẻ em"), "{out}");
    assert_eq!(count(&db), (good_children, good_households));

    // Export and re-import: nothing new either, and the export carries the same children.
    let exported = dir.join("xuat.xlsx");
    let (ok, out) = mang(&[
        "export",
        "children",
        "--db",
        &db.location,
        "--unit",
        "31",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    let (ok, out) = mang(&[
        "import",
        "children",
        "--db",
        &db.location,
        exported.to_str().unwrap(),
    ]);
    assert!(
        ok && out.contains("thêm 0 hộ, 0 trẻ em") && out.contains("0 lỗi"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn csv_files_and_clear_file_level_errors() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    assert!(mang(&["migrate", "--db", &db.location]).0);
    let dir = std::env::temp_dir().join(format!("mang-import-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hh = dir.join("ho.csv");
    std::fs::write(
        &hh,
        "\u{feff}Mã hộ,Mã xã,Mã thôn, tổ,Chủ hộ,Địa chỉ\nH-1,10507,,Nguyễn Văn Bình,Số 3\n"
            .replace("Mã thôn, tổ", "\"Mã thôn, tổ\""),
    )
    .unwrap();
    let (ok, out) = mang(&[
        "import",
        "households",
        "--db",
        &db.location,
        hh.to_str().unwrap(),
    ]);
    assert!(ok && out.contains("thêm 1 hộ"), "{out}");
    let ch = dir.join("tre.csv");
    std::fs::write(&ch, "Mã hộ;Họ và tên;Giới tính;Ngày sinh;Số định danh cá nhân\nH-1;Nguyễn Thị Ánh;Nữ;5/2/2015;031315123456\nH-1;Nguyễn Văn An;Nam;1/1/2016;\n").unwrap();
    let (ok, out) = mang(&[
        "import",
        "children",
        "--db",
        &db.location,
        ch.to_str().unwrap(),
    ]);
    assert!(
        ok && out.contains("thêm 0 hộ, 2 trẻ em") && out.contains("0 lỗi"),
        "{out}"
    );
    // Missing columns and legacy encodings are refused with a message that says what to do.
    let bad = dir.join("thieu.csv");
    std::fs::write(&bad, "Mã hộ,Họ và tên\nH-1,Lê An\n").unwrap();
    let (_, out) = mang(&[
        "import",
        "children",
        "--db",
        &db.location,
        bad.to_str().unwrap(),
    ]);
    assert!(
        out.contains("Không nhận ra trang tính") || out.contains("Thiếu cột"),
        "{out}"
    );
    let tcvn = dir.join("tcvn3.csv");
    std::fs::write(&tcvn, b"M\xb8 h\xe9,Ho\nH1,\xb8\n").unwrap();
    let (ok, out) = mang(&[
        "import",
        "children",
        "--db",
        &db.location,
        tcvn.to_str().unwrap(),
    ]);
    assert!(!ok && out.contains("UTF-8"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}
