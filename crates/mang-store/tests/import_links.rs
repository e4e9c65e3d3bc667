//! The registry import's caregiver and circumstance sheets on a real database: rows tied to
//! a child of the same file or already stored, every problem named by sheet, row and
//! column, nothing twice on a second import, and both sheets in the export and template.

use mang_docs::Table;
use mang_store::import::{Importer, export_registry, import_registry, template_sheets};
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store};

fn table(name: &str, rows: &[&[&str]]) -> Table {
    Table {
        name: name.into(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
    }
}

#[tokio::test]
async fn caregivers_and_circumstances_import_once_with_named_errors() {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    let commune = mang_store::units::communes_of(&store, "31").await.unwrap()[0]
        .code()
        .to_string();
    let as_of = time::macros::date!(2026 - 11 - 26);
    let tables = vec![
        table(
            "Hộ gia đình",
            &[
                &["Mã hộ", "Mã xã", "Chủ hộ", "Địa chỉ"],
                &["LK-1", &commune, "Lê Văn Chủ", "Số 1"],
            ],
        ),
        table(
            "Trẻ em",
            &[
                &["Mã hộ", "Họ và tên", "Giới tính", "Ngày sinh"],
                &["LK-1", "Lê Thị Mai", "Nữ", "05/06/2018"],
                &["LK-1", "Lê Văn Tùng", "Nam", "07/08/2020"],
            ],
        ),
        table(
            "Người chăm sóc",
            &[
                &[
                    "Mã hộ",
                    "Họ và tên trẻ",
                    "Ngày sinh của trẻ",
                    "Họ và tên người chăm sóc",
                    "Quan hệ với trẻ",
                    "Năm sinh",
                    "Điện thoại",
                    "Sống cùng trẻ",
                ],
                &[
                    "LK-1",
                    "Lê Thị Mai",
                    "05/06/2018",
                    "Trần Thị Hoa",
                    "Mẹ",
                    "1990",
                    "0912345678",
                    "Có",
                ],
                &[
                    "LK-1",
                    "Lê Văn Tùng",
                    "07/08/2020",
                    "Trần Thị Hoa",
                    "Hàng xóm",
                    "",
                    "",
                    "",
                ],
                &[
                    "LK-1",
                    "Không Có Trẻ",
                    "01/01/2019",
                    "Trần Thị Hoa",
                    "Mẹ",
                    "",
                    "",
                    "",
                ],
                &[
                    "LK-1",
                    "LÊ THỊ MAI",
                    "05/06/2018",
                    "Tran Thi Hoa",
                    "Mẹ",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        table(
            "Hoàn cảnh, nguy cơ",
            &[
                &[
                    "Mã hộ",
                    "Họ và tên trẻ",
                    "Ngày sinh của trẻ",
                    "Hoàn cảnh, nguy cơ",
                    "Từ ngày",
                    "Đến ngày",
                    "Nguồn thông tin",
                    "Ghi chú",
                ],
                &[
                    "LK-1",
                    "Lê Văn Tùng",
                    "07/08/2020",
                    "orphan_both",
                    "01/03/2024",
                    "",
                    "Xác minh tại hộ",
                    "",
                ],
                &[
                    "LK-1",
                    "Lê Văn Tùng",
                    "07/08/2020",
                    "orphan_both",
                    "01/04/2024",
                    "",
                    "Xác minh tại hộ",
                    "",
                ],
                &[
                    "LK-1",
                    "Lê Thị Mai",
                    "05/06/2018",
                    "orphan_both",
                    "01/03/2017",
                    "",
                    "Xác minh",
                    "",
                ],
                &[
                    "LK-1",
                    "Lê Thị Mai",
                    "05/06/2018",
                    "không có mã này",
                    "01/03/2024",
                    "",
                    "Xác minh",
                    "",
                ],
            ],
        ),
    ];
    let report = import_registry(
        &store,
        Importer::Operator,
        &tables,
        "lk.xlsx",
        as_of,
        |_| {},
    )
    .await
    .unwrap();
    let where_ = |sheet: &str, row: usize| {
        report
            .errors
            .iter()
            .find(|e| e.sheet == sheet && e.row == row)
            .unwrap_or_else(|| panic!("no error at {sheet} row {row}: {:?}", report.errors))
            .clone()
    };
    assert_eq!(
        (
            report.children_added,
            report.caregivers_added,
            report.circumstances_added
        ),
        (2, 1, 1),
        "{:?}",
        report.errors
    );
    let e = where_("Người chăm sóc", 3);
    assert_eq!(
        (e.column.as_str(), e.field.as_str()),
        ("E", "Quan hệ với trẻ")
    );
    assert!(
        where_("Người chăm sóc", 4)
            .message
            .contains("Không có trẻ «Không Có Trẻ»")
    );
    assert!(
        where_("Người chăm sóc", 5)
            .message
            .contains("Trùng với dòng 2"),
        "folded alike"
    );
    assert!(
        where_("Hoàn cảnh, nguy cơ", 3)
            .message
            .contains("chưa kết thúc")
    );
    assert!(
        where_("Hoàn cảnh, nguy cơ", 4)
            .message
            .contains("trước ngày sinh")
    );
    assert_eq!(where_("Hoàn cảnh, nguy cơ", 5).column, "D");
    assert_eq!(report.errors.len(), 6, "{:?}", report.errors);

    // Again: nothing added, the good rows counted as present.
    let again = import_registry(
        &store,
        Importer::Operator,
        &tables,
        "lk.xlsx",
        as_of,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (
            again.children_added,
            again.caregivers_added,
            again.circumstances_added
        ),
        (0, 0, 0)
    );
    // (Row 5 repeats row 2 in the file; now it matches the stored row as well.)
    assert_eq!(
        (again.caregivers_existing, again.circumstances_existing),
        (2, 1)
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_caregivers")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);

    // Linked rows alone, naming a stored child: the stored child is found.
    let more = vec![table(
        "Người chăm sóc",
        &[
            &[
                "Mã hộ",
                "Họ và tên trẻ",
                "Ngày sinh của trẻ",
                "Họ và tên người chăm sóc",
                "Quan hệ với trẻ",
            ],
            &["LK-1", "Lê Văn Tùng", "07/08/2020", "Lê Văn Chủ", "Cha"],
        ],
    )];
    let r = import_registry(&store, Importer::Operator, &more, "cg.csv", as_of, |_| {})
        .await
        .unwrap();
    assert_eq!(r.caregivers_added, 1, "{:?}", r.errors);

    // An officer of another commune cannot attach rows to this child.
    let other = &mang_store::units::communes_of(&store, "31").await.unwrap()[1];
    let officer = mang_domain::access::Principal {
        user_id: 0,
        username: "xa-khac".into(),
        role: mang_domain::access::Role::CommuneOfficer,
        unit: other.code(),
        unit_path: other.path(),
    };
    let scoped = officer
        .scoped::<mang_domain::access::EditChildRecord>()
        .unwrap();
    let r = import_registry(
        &store,
        Importer::User(&scoped),
        &more,
        "cg.csv",
        as_of,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(r.caregivers_added + r.caregivers_existing, 0);
    assert!(
        r.errors[0].message.contains("trong phạm vi của bạn"),
        "{:?}",
        r.errors
    );

    // Export and template carry both sheets.
    let sheets = export_registry(&store, None, &commune).await.unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Hộ gia đình",
            "Trẻ em",
            "Người chăm sóc",
            "Hoàn cảnh, nguy cơ"
        ]
    );
    assert!(
        sheets[2]
            .rows
            .iter()
            .any(|r| r[3] == "Trần Thị Hoa" && r[4] == "Mẹ" && r[7] == "Có")
    );
    assert!(
        sheets[3]
            .rows
            .iter()
            .any(|r| r[1] == "Lê Văn Tùng" && r[4] == "01/03/2024" && r[3].starts_with("a) "))
    );
    let template = template_sheets();
    assert_eq!(template.len(), 4);
    assert!(
        template[2]
            .lists
            .iter()
            .any(|(_, l)| l.contains(&"Người giám hộ".to_owned()))
    );
}
