//! Plans and reports on the shipped Hải Phòng plan (HP-SYT: 6-month report due 15/05/2026,
//! annual due 15/11/2026): the review workflow, timeliness with a fixed "today", frozen
//! figures of an approved report, the consolidation of communes' approved reports, plan
//! tasks updated by agencies, and the documents (.docx via LibreOffice to PDF, .xlsx read
//! back).

use mang_domain::access::{Principal, Role};
use mang_domain::reports::RawTaskUpdate;
use mang_store::indicators::Cache;
use mang_store::reports::{self, ActInput, ScheduleRow};
use mang_store::testing::TestDb;
use mang_store::{OpenMode, Store, StoreError, plans, report_docs, units};
use time::OffsetDateTime;
use time::macros::{date, datetime};

async fn user(store: &Store, name: &str, role: Role, unit: &str) -> Principal {
    mang_store::testing::user(store, name, role, unit).await
}

async fn setup() -> (TestDb, Store) {
    let db = TestDb::new().await;
    let store = Store::open(&db.location, OpenMode::CreateOrMigrate)
        .await
        .unwrap();
    assert_eq!(plans::seed_examples(&store).await.unwrap(), 5);
    // Idempotent.
    assert_eq!(plans::seed_examples(&store).await.unwrap(), 0);
    (db, store)
}

async fn half_year(store: &Store, commune: &str) -> ScheduleRow {
    let unit = units::get(store, commune).await.unwrap();
    reports::schedule_for_period(store, &unit, "2026S1")
        .await
        .unwrap()
}

fn act(action: &str, row_version: i64) -> ActInput {
    ActInput {
        action: action.into(),
        row_version,
        results: "Đã rà soát danh sách trẻ em có hoàn cảnh đặc biệt; tổ chức 2 lớp tập huấn."
            .into(),
        difficulties: "Thiếu cộng tác viên ở hai thôn.".into(),
        proposals: "Đề nghị bổ sung kinh phí tập huấn.".into(),
        doc_number: "7".into(),
        signer: "Nguyễn Văn An".into(),
        comment: String::new(),
    }
}

/// Open the commune's 6-month report and submit it at `at`.
async fn submit(
    store: &Store,
    cache: &Cache,
    p: &Principal,
    s: &ScheduleRow,
    at: OffsetDateTime,
) -> i64 {
    let unit = units::get(store, p.unit.as_str()).await.unwrap();
    let id = reports::open(store, &p.scoped().unwrap(), s.id, &unit)
        .await
        .unwrap();
    let r = reports::get(store, &p.scoped().unwrap(), id, at)
        .await
        .unwrap();
    reports::act(store, cache, p, id, &act("submit", r.row_version), at)
        .await
        .unwrap();
    id
}

async fn row_version(store: &Store, p: &Principal, id: i64) -> i64 {
    reports::get(store, &p.scoped().unwrap(), id, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .row_version
}

#[tokio::test]
async fn completeness_and_timeliness_with_a_fixed_today() {
    let (_db, store) = setup().await;
    let cache = Cache::default();
    let province = units::get(&store, "31").await.unwrap();
    let communes = units::communes_of(&store, "31").await.unwrap();
    let (a, b, c) = (&communes[0].code, &communes[1].code, &communes[2].code);
    let xa_a = user(&store, "xa_a", Role::CommuneOfficer, a).await;
    let xa_b = user(&store, "xa_b", Role::CommuneOfficer, b).await;
    let xa_c = user(&store, "xa_c", Role::CommuneOfficer, c).await;
    let s = half_year(&store, a).await;
    assert_eq!(s.plan_code, "HP-SYT");
    assert_eq!(s.due_on.as_deref(), Some("2026-05-15"));
    // A: 20:00 on the due day in Vietnam (13:00 UTC): on time.
    submit(&store, &cache, &xa_a, &s, datetime!(2026-05-15 13:00 UTC)).await;
    // B: 00:30 the next day in Vietnam (still 15/05 in UTC): late.
    submit(&store, &cache, &xa_b, &s, datetime!(2026-05-15 17:30 UTC)).await;
    // C: started a draft and never sent it: missing.
    let unit_c = units::get(&store, c).await.unwrap();
    reports::open(&store, &xa_c.scoped().unwrap(), s.id, &unit_c)
        .await
        .unwrap();

    let (k, list) = reports::completeness(&store, &s, &province, date!(2026 - 06 - 01))
        .await
        .unwrap();
    let n = communes.len() as u32;
    assert_eq!(
        (k.expected, k.on_time, k.late, k.missing, k.pending),
        (n, 1, 1, n - 2, 0)
    );
    let status = |code: &str| list.iter().find(|u| u.code == code).unwrap().clone();
    assert_eq!(status(a).timeliness, "on_time");
    assert_eq!(status(a).submitted_on, "15/05/2026");
    assert_eq!(status(b).timeliness, "late");
    assert_eq!(status(b).submitted_on, "16/05/2026");
    assert_eq!(status(c).timeliness, "missing");
    assert_eq!(status(c).status, "draft");
    assert_eq!(status(&communes[3].code).status, "none");

    // Seen before the due date, the others are pending, not missing.
    let (k, _) = reports::completeness(&store, &s, &province, date!(2026 - 05 - 15))
        .await
        .unwrap();
    assert_eq!((k.on_time, k.late, k.missing, k.pending), (1, 1, 0, n - 2));
}

#[tokio::test]
async fn review_workflow_and_frozen_figures_of_an_approved_report() {
    let (_db, store) = setup().await;
    let cache = Cache::default();
    let communes = units::communes_of(&store, "31").await.unwrap();
    let a = communes[0].code.clone();
    let other = communes[1].code.clone();
    let xa = user(&store, "xa", Role::CommuneOfficer, &a).await;
    let xa_other = user(&store, "xa_khac", Role::CommuneOfficer, &other).await;
    let tinh = user(&store, "tinh", Role::ProvinceOfficer, "31").await;
    let tinh_khac = user(&store, "tinh_khac", Role::ProvinceOfficer, "01").await;
    for i in 0..4 {
        mang_store::testing::child(&store, &a, &format!("Lê Văn Số {i}"), "male", "2020-03-01")
            .await;
    }
    let s = half_year(&store, &a).await;
    let now = datetime!(2026-05-10 03:00 UTC);
    let unit = units::get(&store, &a).await.unwrap();
    let id = reports::open(&store, &xa.scoped().unwrap(), s.id, &unit)
        .await
        .unwrap();
    // Opening again gives the same report.
    assert_eq!(
        reports::open(&store, &xa.scoped().unwrap(), s.id, &unit)
            .await
            .unwrap(),
        id
    );
    // Another commune's officer cannot write it; another province does not see it.
    let other_unit = units::get(&store, &other).await.unwrap();
    assert!(matches!(
        reports::open(&store, &xa_other.scoped().unwrap(), s.id, &unit).await,
        Err(StoreError::Denied)
    ));
    assert!(
        reports::open(&store, &xa_other.scoped().unwrap(), s.id, &other_unit)
            .await
            .is_ok()
    );
    assert!(matches!(
        reports::get(&store, &tinh_khac.scoped().unwrap(), id, now).await,
        Err(StoreError::NotFound)
    ));

    // Submitting needs the results section.
    let mut empty = act("submit", row_version(&store, &xa, id).await);
    empty.results.clear();
    let e = reports::act(&store, &cache, &xa, id, &empty, now)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Invalid {
                field: "results",
                ..
            }
        ),
        "{e}"
    );
    // The province cannot approve a draft; the commune cannot approve its own report.
    assert!(
        reports::act(
            &store,
            &cache,
            &tinh,
            id,
            &act("approve", row_version(&store, &xa, id).await),
            now
        )
        .await
        .is_err()
    );

    let v = row_version(&store, &xa, id).await;
    reports::act(&store, &cache, &xa, id, &act("submit", v), now)
        .await
        .unwrap();
    let v = row_version(&store, &xa, id).await;
    assert!(matches!(
        reports::act(&store, &cache, &xa, id, &act("approve", v), now).await,
        Err(StoreError::Denied)
    ));
    // Return needs a comment.
    let e = reports::act(&store, &cache, &tinh, id, &act("return", v), now)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        StoreError::Invalid {
            field: "comment",
            ..
        }
    ));
    let mut ret = act("return", v);
    ret.comment = "Bổ sung số liệu trẻ em bị tai nạn thương tích.".into();
    reports::act(&store, &cache, &tinh, id, &ret, now)
        .await
        .unwrap();
    let r = reports::get(&store, &xa.scoped().unwrap(), id, now)
        .await
        .unwrap();
    assert_eq!(r.status, "returned");
    assert_eq!(
        r.events.last().unwrap().comment,
        "Bổ sung số liệu trẻ em bị tai nạn thương tích."
    );
    // A stale form is refused.
    assert!(matches!(
        reports::act(&store, &cache, &xa, id, &act("submit", v), now).await,
        Err(StoreError::StaleVersion { .. })
    ));
    reports::act(&store, &cache, &xa, id, &act("submit", r.row_version), now)
        .await
        .unwrap();
    let v = row_version(&store, &xa, id).await;
    reports::act(&store, &cache, &tinh, id, &act("approve", v), now)
        .await
        .unwrap();
    let approved = reports::get(&store, &xa.scoped().unwrap(), id, now)
        .await
        .unwrap();
    assert_eq!(approved.status, "approved");
    assert_eq!(
        approved
            .events
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        ["create", "submit", "return", "submit", "approve"]
    );
    let frozen = reports::content(&store, &cache, &approved, now)
        .await
        .unwrap();
    let children = |c: &reports::ReportContent| {
        c.figures
            .iter()
            .find(|f| f.indicator_id == "cnsc_prevalence_pct")
            .and_then(|f| f.denominator)
    };
    assert_eq!(children(&frozen), Some(4.0));
    let (meta, _) = reports::document_parts(&store, &cache, &approved, now)
        .await
        .unwrap();
    let xlsx = mang_docs::appendix::to_xlsx(&report_docs::report_appendix(&meta, &frozen)).unwrap();
    let docx = mang_docs::official::to_docx(&report_docs::report_document(&meta, &frozen)).unwrap();

    // Records change afterwards: the approved report does not.
    for i in 0..3 {
        mang_store::testing::child(
            &store,
            &a,
            &format!("Lê Thị Mới {i}"),
            "female",
            "2021-01-01",
        )
        .await;
    }
    let later = datetime!(2026-06-20 03:00 UTC);
    let again = reports::get(&store, &xa.scoped().unwrap(), id, later)
        .await
        .unwrap();
    let still = reports::content(&store, &cache, &again, later)
        .await
        .unwrap();
    assert_eq!(still, frozen);
    let (meta2, _) = reports::document_parts(&store, &cache, &again, later)
        .await
        .unwrap();
    // The same data gives the same documents, byte for byte.
    assert_eq!(
        mang_docs::appendix::to_xlsx(&report_docs::report_appendix(&meta2, &still)).unwrap(),
        xlsx
    );
    assert_eq!(
        mang_docs::official::to_docx(&report_docs::report_document(&meta2, &still)).unwrap(),
        docx
    );
    // Editing an approved report is refused; a new version can be requested.
    let e = reports::act(
        &store,
        &cache,
        &xa,
        id,
        &act("save", again.row_version),
        later,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("phiên bản mới"), "{e}");
    let v2 = reports::act(
        &store,
        &cache,
        &xa,
        id,
        &act("new_version", again.row_version),
        later,
    )
    .await
    .unwrap();
    assert_ne!(v2, id);
    let draft = reports::get(&store, &xa.scoped().unwrap(), v2, later)
        .await
        .unwrap();
    assert_eq!((draft.version, draft.status.as_str()), (2, "draft"));
    assert_eq!(draft.results, approved.results);
    // The draft's figures are live; the approved version is still the approved one.
    let live = reports::content(&store, &cache, &draft, later)
        .await
        .unwrap();
    assert_eq!(children(&live), Some(7.0));
    assert_eq!(
        reports::get(&store, &xa.scoped().unwrap(), id, later)
            .await
            .unwrap()
            .status,
        "approved"
    );
    // Once the new version is approved, the old one is superseded.
    reports::act(
        &store,
        &cache,
        &xa,
        v2,
        &act("submit", draft.row_version),
        later,
    )
    .await
    .unwrap();
    let v = row_version(&store, &xa, v2).await;
    reports::act(&store, &cache, &tinh, v2, &act("approve", v), later)
        .await
        .unwrap();
    assert_eq!(
        reports::get(&store, &xa.scoped().unwrap(), id, later)
            .await
            .unwrap()
            .status,
        "superseded"
    );
    // Timeliness counts the first submission (10/05, before the due date).
    assert_eq!(
        reports::get(&store, &xa.scoped().unwrap(), v2, later)
            .await
            .unwrap()
            .timeliness,
        "on_time"
    );
}

#[tokio::test]
async fn the_province_report_consolidates_approved_commune_reports() {
    let (_db, store) = setup().await;
    let cache = Cache::default();
    let communes = units::communes_of(&store, "31").await.unwrap();
    let (a, b) = (communes[0].code.clone(), communes[1].code.clone());
    for (c, n) in [(&a, 3), (&b, 5)] {
        for i in 0..n {
            mang_store::testing::child(
                &store,
                c,
                &format!("Phạm Văn Hải {i}"),
                "male",
                "2019-02-01",
            )
            .await;
        }
    }
    let tinh = user(&store, "tinh", Role::ProvinceOfficer, "31").await;
    let now = datetime!(2026-05-12 03:00 UTC);
    let s = half_year(&store, &a).await;
    for (name, c) in [("xa_a", &a), ("xa_b", &b)] {
        let p = user(&store, name, Role::CommuneOfficer, c).await;
        let id = submit(&store, &cache, &p, &s, now).await;
        if name == "xa_a" {
            let v = row_version(&store, &p, id).await;
            reports::act(&store, &cache, &tinh, id, &act("approve", v), now)
                .await
                .unwrap();
        }
    }
    let province = units::get(&store, "31").await.unwrap();
    let (meta, content) = reports::parts_for_unit(&store, &cache, &province, &s, now)
        .await
        .unwrap();
    // The province's own figures are the dashboard's.
    let board = mang_store::scorecard::board(
        &store,
        &cache,
        &province,
        &mang_domain::targets::Period::parse("2026S1").unwrap(),
        now,
    )
    .await
    .unwrap();
    assert_eq!(content.figures, board.figures);
    let c = content.consolidation.as_ref().unwrap();
    assert_eq!((c.counts.on_time, c.counts.approved), (2, 1));
    // Only A's approved report is consolidated (3 children), not B's submitted one.
    let denominator = c
        .figures
        .iter()
        .find(|f| f.indicator_id == "cnsc_prevalence_pct")
        .unwrap()
        .denominator;
    assert_eq!(denominator, Some(3.0));
    // The appendix has the consolidation sheets.
    let xlsx =
        mang_docs::appendix::to_xlsx(&report_docs::report_appendix(&meta, &content)).unwrap();
    let tables = mang_docs::read_bytes("phu-luc.xlsx", &xlsx).unwrap();
    assert!(
        tables
            .iter()
            .any(|t| t.name == report_docs::CONSOLIDATED_SHEET)
    );
}

#[tokio::test]
async fn tasks_are_updated_by_their_agencies_and_sub_plans_are_tracked() {
    let (_db, store) = setup().await;
    let today = date!(2026 - 06 - 01);
    let communes = units::communes_of(&store, "31").await.unwrap();
    let tinh = user(&store, "tinh", Role::ProvinceOfficer, "31").await;
    let sogd = user(&store, "sogd", Role::AgencyOfficer, "31").await;
    plans::set_agency(&store, "sogd", Some("CDC"))
        .await
        .unwrap();
    let xa = user(&store, "xa", Role::CommuneOfficer, &communes[0].code).await;
    let list = plans::list(
        &store,
        &tinh.scoped().unwrap(),
        &units::get(&store, "31").await.unwrap(),
        today,
    )
    .await
    .unwrap();
    let hp = list.iter().find(|p| p.code == "HP-SYT").unwrap();
    let view = plans::get(&store, &tinh, hp.id, today).await.unwrap();
    assert!(!view.tasks.is_empty());
    assert_eq!(view.schedules.len(), 2);
    // A commune reads its province's plan.
    assert!(plans::get(&store, &xa, hp.id, today).await.is_ok());
    let theirs = view.tasks.iter().find(|t| t.lead_key == "CDC").unwrap();
    let not_theirs = view
        .tasks
        .iter()
        .find(|t| t.lead_key != "CDC" && !t.partner_keys.iter().any(|k| k == "CDC"))
        .unwrap();
    let update = RawTaskUpdate {
        status: "in_progress".into(),
        progress: "40".into(),
        note: "Đã lồng ghép nội dung phòng, chống xâm hại vào giờ sinh hoạt lớp".into(),
        evidence: "Công văn 15/SGDĐT".into(),
    };
    assert!(matches!(
        plans::update_task(&store, &sogd, not_theirs.id, &update, today).await,
        Err(StoreError::Denied)
    ));
    plans::update_task(&store, &sogd, theirs.id, &update, today)
        .await
        .unwrap();
    let tv = plans::task(&store, &sogd, theirs.id, today).await.unwrap();
    assert_eq!(
        (tv.task.status.as_str(), tv.task.progress),
        ("in_progress", 40)
    );
    assert_eq!(tv.updates[0].agency_name, "Trung tâm Kiểm soát bệnh tật");
    assert!(tv.may_update);
    // The province's officer updates any task of the province's plan.
    plans::update_task(&store, &tinh, not_theirs.id, &update, today)
        .await
        .unwrap();

    // Sub-plans: Hà Nội requires its communes' plans by 05/02/2026.
    let hn = plans::list(
        &store,
        &user(&store, "tinh_hn", Role::ProvinceOfficer, "01")
            .await
            .scoped()
            .unwrap(),
        &units::get(&store, "01").await.unwrap(),
        today,
    )
    .await
    .unwrap()
    .into_iter()
    .find(|p| p.code == "HN-UBND")
    .unwrap();
    let hn_communes = units::communes_of(&store, "01").await.unwrap();
    for (i, issued) in [(0, "03/02/2026"), (1, "10/02/2026"), (2, "")] {
        let c = &hn_communes[i];
        let p = user(&store, &format!("xa_hn{i}"), Role::CommuneOfficer, &c.code).await;
        plans::create_sub_plan(
            &store,
            &p.scoped().unwrap(),
            hn.id,
            c,
            &plans::NewSubPlan {
                issued_on: issued.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let view = plans::get(&store, &tinh, hn.id, today).await;
    assert!(
        matches!(view, Err(StoreError::NotFound)),
        "another province's plan"
    );
    let tinh_hn = mang_store::users::principal_by_username(&store, "tinh_hn")
        .await
        .unwrap()
        .unwrap();
    let view = plans::get(&store, &tinh_hn, hn.id, today).await.unwrap();
    let k = view.sub_plan_counts;
    let n = hn_communes.len() as u32;
    assert_eq!((k.expected, k.on_time, k.late, k.missing), (n, 1, 1, n - 2));
    assert_eq!(view.sub_plans_due_text, "Trước 05/02/2026");
}

#[tokio::test]
async fn report_documents_convert_to_pdf_with_the_official_header() {
    if !mang_docs::testing::pdf_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "LibreOffice and pdftotext are required in CI"
        );
        eprintln!("skipped: soffice or pdftotext missing");
        return;
    }
    let (_db, store) = setup().await;
    let cache = Cache::default();
    let communes = units::communes_of(&store, "31").await.unwrap();
    let a = communes[0].code.clone();
    for i in 0..6 {
        mang_store::testing::child(
            &store,
            &a,
            &format!("Đỗ Thị Hằng {i}"),
            "female",
            "2018-09-09",
        )
        .await;
    }
    let xa = user(&store, "xa", Role::CommuneOfficer, &a).await;
    let s = half_year(&store, &a).await;
    let id = submit(&store, &cache, &xa, &s, datetime!(2026-05-14 03:00 UTC)).await;
    let r = reports::get(&store, &xa.scoped().unwrap(), id, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let (meta, content) = reports::document_parts(&store, &cache, &r, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let docx =
        mang_docs::official::to_docx(&report_docs::report_document(&meta, &content)).unwrap();
    let text = mang_docs::testing::docx_to_pdf_text(&docx).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 07/BC-UBND",
        "ngày 14 tháng 5 năm 2026",
        "BÁO CÁO",
        "Nơi nhận:",
        "Nguyễn Văn An",
    ] {
        assert!(
            flat.contains(expected),
            "«{expected}» not in the PDF:\n{text}"
        );
    }
    // The indicator values of the report are in the PDF as the dashboard writes them.
    let f = content
        .figures
        .iter()
        .find(|f| f.indicator_id == "cnsc_prevalence_pct")
        .unwrap();
    assert!(
        flat.contains(&f.value_text),
        "{} not in the PDF",
        f.value_text
    );
}
