//! Writing the synthetic demo province (`mang demo`). Each chunk of households and their
//! children is written in one transaction together with the run's progress row, so a run
//! killed at any moment leaves only whole chunks behind and the next run resumes after the
//! last one committed.

use crate::audit::{self, Actor};
use crate::units::{self, Unit};
use crate::users::{self, NewUser};
use crate::{Result, Store, StoreError, now_text};
use mang_domain::access::Role;
use mang_domain::demo::{DemoChunk, DemoCommune, DemoPlan, plan};
use mang_domain::units::{UnitCode, UnitPath};
use sqlx::AssertSqlSafe;
use sqlx::Row;

/// Parameters of a demo run (the same parameters resume the same run).
#[derive(Debug, Clone)]
pub struct DemoParams {
    pub province: String,
    pub children: u64,
    pub seed: u64,
    pub as_of: time::Date,
}

/// Password of every demo account (printed by `mang demo`; synthetic data only).
pub const DEMO_PASSWORD: &str = "mang-demo-2026";

/// A demo login to print.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub unit_code: String,
    pub unit_name: String,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    pub chunks_total: usize,
    pub chunks_written_now: usize,
    pub resumed_from: usize,
    pub already_complete: bool,
    pub logins: Vec<DemoLogin>,
}

/// Run (or resume) the demo. `progress(children_done, children_total)` is called after
/// every chunk.
pub async fn run(
    store: &Store,
    params: &DemoParams,
    mut progress: impl FnMut(u64, u64),
) -> Result<DemoOutcome> {
    let province = units::get(store, &params.province)
        .await
        .map_err(|_| StoreError::Invalid {
            field: "province",
            message: format!("Không có tỉnh, thành phố mã {}", params.province),
        })?;
    if province.level != "province" {
        return Err(StoreError::Invalid {
            field: "province",
            message: format!("{} không phải mã cấp tỉnh", params.province),
        });
    }
    let communes = units::communes_of(store, &province.code).await?;
    let demo_communes: Vec<DemoCommune> = communes
        .iter()
        .map(|c| DemoCommune {
            code: c.code.clone(),
            name: c.name.clone(),
            is_ward: c.kind == "phường",
        })
        .collect();
    let plan = plan(&demo_communes, params.children, params.seed);
    let total = plan.chunk_count();

    let existing = sqlx::query("SELECT province_code, seed, children, as_of, chunks_done, finished FROM demo_runs WHERE id = 1")
        .fetch_optional(store.pool())
        .await?;
    let as_of = params.as_of.to_string();
    let start = match existing {
        Some(r) => {
            let same = r.get::<String, _>("province_code") == province.code
                && r.get::<i64, _>("seed") == params.seed as i64
                && r.get::<i64, _>("children") == params.children as i64
                && r.get::<String, _>("as_of") == as_of;
            if !same {
                return Err(StoreError::Conflict {
                    field: "db",
                    message: format!(
                        "Cơ sở dữ liệu này đã có dữ liệu mẫu với tham số khác (tỉnh {}, hạt giống {}, {} trẻ, ngày {}). Dùng một tệp mới.",
                        r.get::<String, _>("province_code"),
                        r.get::<i64, _>("seed"),
                        r.get::<i64, _>("children"),
                        r.get::<String, _>("as_of")
                    ),
                });
            }
            r.get::<i64, _>("chunks_done") as usize
        }
        None => {
            begin_run(store, params, &province, &communes, &plan, total).await?;
            0
        }
    };
    let logins = ensure_demo_users(store, &province, &communes).await?;

    let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE province_code = $1")
        .bind(&province.code)
        .fetch_one(store.pool())
        .await?;
    let mut children_done = already as u64;
    progress(children_done, params.children);
    // Bulk load without the indexes whose keys arrive in random order (name order, ID
    // numbers); they are built once at the end. Inserting into them live made the whole
    // load 3–4× slower (BENCHMARKS.md). The others grow in commune order and stay live.
    if start < total {
        crate::defer_indexes(
            store,
            "children",
            &[
                "children_commune_name",
                "children_personal_id",
                "children_birth",
            ],
        )
        .await?;
        // The child tally is counted per chunk from the generator's own counts
        // (tally::add_new_children), not row by row: the trigger cost about 2 s per
        // million children.
        crate::defer_triggers(store, "children", &[crate::tally::CHILD_INSERT_TRIGGER]).await?;
    }
    // Generate and serialise on a blocking thread, two chunks ahead of the writer.
    let (send, mut recv) = tokio::sync::mpsc::channel::<PreparedChunk>(2);
    let gen_plan = plan.clone();
    let gen_province = province.code.clone();
    let gen_seed = params.seed;
    let as_of_date = params.as_of;
    let generator = tokio::task::spawn_blocking(move || {
        for index in start..total {
            let prepared = prepare_chunk(
                &gen_plan.chunk(index, as_of_date),
                &gen_province,
                gen_seed,
                as_of_date,
            );
            if send.blocking_send(prepared).is_err() {
                break; // the writer stopped (error); nothing more to do
            }
        }
    });
    // Up to four ready chunks share one transaction (fewer commits and checkpoints); each
    // still records its own progress and audit entry, so a kill leaves whole chunks only.
    while let Some(first) = recv.recv().await {
        let mut batch = vec![first];
        while batch.len() < 4 {
            match recv.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        let mut tx = store.begin_write().await?;
        for chunk in &batch {
            write_chunk(store, &mut tx, chunk, &province.code, total).await?;
        }
        tx.commit().await?;
        for chunk in &batch {
            children_done += chunk.children as u64;
        }
        progress(children_done, params.children);
    }
    generator.await.map_err(|e| StoreError::Invalid {
        field: "demo",
        message: format!("trình sinh dữ liệu mẫu dừng bất thường: {e}"),
    })?;
    crate::restore_deferred_indexes(store).await?;
    sqlx::query("UPDATE demo_runs SET finished = 1 WHERE id = 1")
        .execute(store.pool())
        .await?;
    Ok(DemoOutcome {
        chunks_total: total,
        chunks_written_now: total - start,
        resumed_from: start,
        already_complete: start == total && total > 0,
        logins,
    })
}

/// First transaction of a run: the progress row and all villages.
async fn begin_run(
    store: &Store,
    params: &DemoParams,
    province: &Unit,
    communes: &[Unit],
    plan: &DemoPlan,
    total: usize,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query(
        "INSERT INTO demo_runs (id, province_code, seed, children, as_of, chunks_total, chunks_done, finished) \
         VALUES (1, $1, $2, $3, $4, $5, 0, 0)",
    )
    .bind(&province.code)
    .bind(params.seed as i64)
    .bind(params.children as i64)
    .bind(params.as_of.to_string())
    .bind(total as i64)
    .execute(&mut *tx)
    .await?;
    let by_code: std::collections::HashMap<&str, &Unit> =
        communes.iter().map(|c| (c.code.as_str(), c)).collect();
    let villages = plan.villages();
    let now = now_text();
    let mut rows = Vec::with_capacity(villages.len());
    for v in &villages {
        let commune = by_code
            .get(v.commune_code.as_str())
            .ok_or(StoreError::NotFound)?;
        rows.push(serde_json::json!([
            v.code,
            v.name,
            mang_domain::text::fold(&v.name),
            "village",
            v.commune_code,
            units::village_kind_for(&commune.kind),
            province.code,
            v.commune_code,
            0,
            now
        ]));
    }
    units::insert_unit_rows(store, &mut tx, rows).await?;
    audit::append(
        &mut tx,
        &Actor::system("demo"),
        &UnitPath { province: Some(province.code.clone()), ..Default::default() },
        "create",
        "demo_run",
        &province.code,
        serde_json::json!({ "seed": params.seed, "children": params.children, "as_of": params.as_of.to_string(), "villages": villages.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One demo user per role, bound to the province, its first commune or that commune's
/// first village. Existing ones are left alone (a resumed run).
async fn ensure_demo_users(
    store: &Store,
    province: &Unit,
    communes: &[Unit],
) -> Result<Vec<DemoLogin>> {
    let commune = communes.first().ok_or(StoreError::NotFound)?;
    let village_code = format!("{}-001", commune.code);
    let village = units::get(store, &village_code).await?;
    let specs: [(&str, Role, &Unit, &str); 12] = [
        ("admin", Role::Admin, province, "Quản trị hệ thống"),
        (
            "tinh",
            Role::ProvinceOfficer,
            province,
            "Cán bộ Chi cục Dân số và Trẻ em",
        ),
        (
            "xa",
            Role::CommuneOfficer,
            commune,
            "Cán bộ phụ trách trẻ em cấp xã",
        ),
        ("ctv", Role::Collaborator, &village, "Cộng tác viên thôn"),
        ("yte", Role::HealthWorker, commune, "Nhân viên Trạm Y tế"),
        ("congan", Role::Police, commune, "Công an xã"),
        (
            "chutich",
            Role::CommuneChairman,
            commune,
            "Chủ tịch UBND xã",
        ),
        ("truong", Role::School, commune, "Nhà trường"),
        ("lanhdao", Role::Leader, province, "Lãnh đạo UBND"),
        ("kiemtra", Role::Auditor, province, "Kiểm tra viên"),
        (
            "xa2",
            Role::CommuneOfficer,
            communes.get(1).unwrap_or(commune),
            "Cán bộ phụ trách trẻ em cấp xã (xã thứ hai)",
        ),
        (
            "cdc",
            Role::AgencyOfficer,
            province,
            "Cán bộ Trung tâm Kiểm soát bệnh tật",
        ),
    ];
    let mut out = Vec::new();
    for (name, role, unit, display) in specs {
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(name)
            .fetch_one(store.pool())
            .await?;
        if exists == 0 {
            users::create(
                store,
                None,
                NewUser {
                    username: name.into(),
                    display_name: display.into(),
                    password: DEMO_PASSWORD.into(),
                    role,
                    unit: UnitCode::parse(&unit.code).map_err(|_| StoreError::NotFound)?,
                },
            )
            .await?;
        }
        // The agency each demo account works for (its plan tasks).
        let agency = match name {
            "cdc" => Some("CDC"),
            "yte" => Some("TYT"),
            "congan" => Some("CAX"),
            "truong" => Some("THCS"),
            _ => None,
        };
        if agency.is_some() {
            crate::plans::set_agency(store, name, agency).await?;
        }
        out.push(DemoLogin {
            username: name.into(),
            role,
            unit_code: unit.code.clone(),
            unit_name: unit.name.clone(),
        });
    }
    Ok(out)
}

use crate::dialect::{ColType, json_col, json_rows_source};

/// A chunk turned into JSON row sets, ready to write. Preparing the next chunk (generation,
/// folding, serialisation) runs on another thread while the database writes this one.
pub struct PreparedChunk {
    index: usize,
    commune_code: String,
    households: usize,
    children: usize,
    households_json: String,
    poverty_json: Option<String>,
    children_json: String,
    circumstances_json: Option<String>,
    /// The chunk's children by birth month for the child tally: `[commune, month, n]`.
    tally_json: String,
}

/// Household rows: code, province, commune, village, head, address, phone.
const HOUSEHOLD_COLS: [&str; 7] = [
    "code",
    "province_code",
    "commune_code",
    "village_code",
    "head_name",
    "address",
    "phone",
];
/// Child rows: household code, then these columns.
const CHILD_COLS: [&str; 12] = [
    "full_name",
    "name_folded",
    "name_key",
    "sex",
    "birth_date",
    "ethnicity",
    "personal_id",
    "province_code",
    "commune_code",
    "village_code",
    "disability_type",
    "disability_severity",
];

pub fn prepare_chunk(
    chunk: &DemoChunk,
    province: &str,
    seed: u64,
    as_of: time::Date,
) -> PreparedChunk {
    use serde_json::json;
    let extras = mang_domain::demo_extras::extras(chunk, seed);
    // Apply the duplicate pairs: the copy repeats the original's name, sex and birth date.
    let mut kids: Vec<mang_domain::demo::DemoChild> = chunk.children.clone();
    for &(orig, copy) in &extras.duplicates {
        let o = kids[orig].clone();
        kids[copy].full_name = o.full_name;
        kids[copy].sex = o.sex;
        kids[copy].birth_date = o.birth_date;
        kids[copy].personal_id = None;
    }
    let households: Vec<serde_json::Value> = chunk
        .households
        .iter()
        .map(|h| {
            json!([
                h.code,
                province,
                h.commune_code,
                h.village_code,
                h.head_name,
                h.address,
                h.phone
            ])
        })
        .collect();
    let poverty: Vec<serde_json::Value> = chunk
        .households
        .iter()
        .filter_map(|h| {
            h.poverty
                .as_ref()
                .map(|(year, status)| json!([h.code, year, status.as_str()]))
        })
        .collect();
    let village_of: std::collections::HashMap<&str, &str> = chunk
        .households
        .iter()
        .map(|h| (h.code.as_str(), h.village_code.as_str()))
        .collect();
    let children: Vec<serde_json::Value> = kids
        .iter()
        .zip(&extras.children)
        .map(|(c, e)| {
            let pid = match (&c.personal_id, e.wrong_id_sex) {
                (Some(p), true) => Some(mang_domain::demo_extras::flip_sex_digit(p)),
                (p, _) => p.clone(),
            };
            json!([
                c.household_code,
                c.full_name,
                mang_domain::text::fold(&c.full_name),
                mang_domain::names::sort_key(&c.full_name),
                c.sex.as_str(),
                c.birth_date.to_string(),
                c.ethnicity,
                pid,
                province,
                chunk.commune_code,
                village_of[c.household_code.as_str()],
                e.disability.map(|d| d.0),
                e.disability.map(|d| d.1),
            ])
        })
        .collect();
    // Circumstances, matched to their child by household, name and birth date (children
    // with circumstances are never part of a duplicate pair, so the match is unique).
    let circumstances: Vec<serde_json::Value> = kids
        .iter()
        .zip(&extras.children)
        .flat_map(|(c, e)| {
            e.circumstances.iter().map(move |(code, days)| {
                let kind = match mang_domain::circumstances::find(code).map(|x| x.kind) {
                    Some(mang_domain::circumstances::Kind::Special) => "special",
                    _ => "risk",
                };
                json!([
                    c.household_code,
                    c.full_name,
                    c.birth_date.to_string(),
                    code,
                    kind,
                    (c.birth_date + time::Duration::days(i64::from(*days)))
                        .min(as_of)
                        .to_string(),
                    "Dữ liệu mẫu: xác minh của cán bộ xã",
                ])
            })
        })
        .collect();
    PreparedChunk {
        index: chunk.index,
        commune_code: chunk.commune_code.clone(),
        households: households.len(),
        children: children.len(),
        households_json: serde_json::Value::Array(households).to_string(),
        poverty_json: (!poverty.is_empty()).then(|| serde_json::Value::Array(poverty).to_string()),
        children_json: serde_json::Value::Array(children).to_string(),
        tally_json: {
            let mut by_month: std::collections::BTreeMap<String, i64> = Default::default();
            for c in &kids {
                *by_month
                    .entry(crate::tally::month_of(c.birth_date))
                    .or_default() += 1;
            }
            serde_json::Value::Array(
                by_month
                    .into_iter()
                    .map(|(m, n)| json!([chunk.commune_code, m, n]))
                    .collect(),
            )
            .to_string()
        },
        circumstances_json: (!circumstances.is_empty())
            .then(|| serde_json::Value::Array(circumstances).to_string()),
    }
}

async fn write_chunk(
    store: &Store,
    tx: &mut crate::Tx,
    chunk: &PreparedChunk,
    province: &str,
    total: usize,
) -> Result<()> {
    let b = store.backend();
    let src = json_rows_source(b);
    let text_cols = |n: usize, from: usize| -> Vec<String> {
        (from..from + n)
            .map(|i| json_col(b, i, ColType::Text))
            .collect()
    };
    let now = now_text();
    let sql = format!(
        "INSERT INTO households ({}, version, created_at, updated_at) SELECT {}, 1, $2, $2 FROM {src}",
        HOUSEHOLD_COLS.join(", "),
        text_cols(HOUSEHOLD_COLS.len(), 0).join(", ")
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(&chunk.households_json)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    if let Some(poverty) = &chunk.poverty_json {
        let sql = format!(
            "INSERT INTO household_poverty (household_id, year, status) SELECT h.id, {}, {} FROM {src} \
             JOIN households h ON h.code = {}",
            json_col(b, 1, ColType::Int),
            json_col(b, 2, ColType::Text),
            json_col(b, 0, ColType::Text)
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(poverty)
            .execute(&mut **tx)
            .await?;
    }
    let sql = format!(
        "INSERT INTO children (household_id, {}, version, created_at, updated_at) SELECT h.id, {}, 1, $2, $2 \
         FROM {src} JOIN households h ON h.code = {}",
        CHILD_COLS.join(", "),
        text_cols(CHILD_COLS.len(), 1).join(", "),
        json_col(b, 0, ColType::Text)
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(&chunk.children_json)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    crate::tally::add_new_children(tx, b, province, &chunk.tally_json).await?;
    if let Some(circ) = &chunk.circumstances_json {
        let t = |i: usize| json_col(b, i, ColType::Text);
        let sql = format!(
            "INSERT INTO child_circumstances (child_id, code, kind, start_date, source, province_code, commune_code, village_code, created_at, updated_at) \
             SELECT c.id, {}, {}, {}, {}, c.province_code, c.commune_code, c.village_code, $2, $2 FROM {src} \
             JOIN households h ON h.code = {} JOIN children c ON c.household_id = h.id AND c.full_name = {} AND c.birth_date = {}",
            t(3),
            t(4),
            t(5),
            t(6),
            t(0),
            t(1),
            t(2)
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(circ)
            .bind(&now)
            .execute(&mut **tx)
            .await?;
    }
    let index = chunk.index;
    sqlx::query("UPDATE demo_runs SET chunks_done = $1 WHERE id = 1 AND chunks_done = $2")
        .bind((index + 1) as i64)
        .bind(index as i64)
        .execute(&mut **tx)
        .await?;
    audit::append(
        tx,
        &Actor::system("demo"),
        &UnitPath {
            province: Some(province.to_owned()),
            commune: Some(chunk.commune_code.clone()),
            village: None,
        },
        "create",
        "demo_chunk",
        &format!("{}/{}", index + 1, total),
        serde_json::json!({ "households": chunk.households, "children": chunk.children }),
    )
    .await?;
    Ok(())
}

/// The demo accounts present in a database (for `serve --demo` to print).
pub async fn existing_logins(store: &Store) -> Result<Vec<DemoLogin>> {
    let rows = sqlx::query(
        "SELECT u.username, u.role, u.unit_code, a.name FROM users u JOIN admin_units a ON a.code = u.unit_code \
         WHERE u.username IN ('admin', 'tinh', 'xa', 'xa2', 'ctv', 'yte', 'congan', 'chutich', 'truong', 'lanhdao', 'kiemtra', 'cdc') ORDER BY u.id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(DemoLogin {
                username: r.get(0),
                role: Role::parse(&r.get::<String, _>(1))?,
                unit_code: r.get(2),
                unit_name: r.get(3),
            })
        })
        .collect())
}
