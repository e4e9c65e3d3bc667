//! Registry import and export over the web: the template download, the upload page (the
//! import runs as a background job whose page shows a progress bar, then every problem
//! listed with sheet, row, column; the full report downloadable as .xlsx), and exports of
//! a unit (personal data: only roles allowed to export; audited).

use crate::AppState;
use crate::auth::MaybeUser;
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::pages::{
    Layout, PageError, check_csrf, denied, layout, principal, render, require, store_fail,
};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use mang_domain::access::{EditChildRecord, ExportPersonalData, Scoped};
use mang_domain::import::{ImportPhase, ImportProgress};
use mang_domain::vi;
use mang_store::StoreError;
use mang_store::import::{self, ImportReport, Importer};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Largest upload accepted (a 2.5-million-child province exports to ~150 MB; imports are
/// done commune by commune).
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

/// An error report waiting for download: when it was made, whose it is, the .xlsx.
type StoredReport = (Instant, i64, Vec<u8>);

/// Error reports kept for download for an hour, per user.
#[derive(Debug, Default)]
pub struct Reports {
    inner: Mutex<HashMap<String, StoredReport>>,
}

impl Reports {
    fn put(&self, user: i64, bytes: Vec<u8>) -> String {
        let key = crate::auth::random_hex();
        let mut m = self.inner.lock().expect("reports lock");
        m.retain(|_, (t, _, _)| t.elapsed() < Duration::from_secs(3600));
        m.insert(key.clone(), (Instant::now(), user, bytes));
        key
    }

    fn get(&self, user: i64, key: &str) -> Option<Vec<u8>> {
        let m = self.inner.lock().expect("reports lock");
        m.get(key)
            .filter(|(t, u, _)| *u == user && t.elapsed() < Duration::from_secs(3600))
            .map(|(_, _, b)| b.clone())
    }
}

/// How long an import job and its result stay visible.
const JOB_KEPT: Duration = Duration::from_secs(3600);

/// An import running in the background (or finished): whose it is, the file, how far it is.
#[derive(Debug)]
struct Job {
    user: i64,
    file: String,
    state: Mutex<JobState>,
}

#[derive(Debug, Clone)]
struct JobState {
    progress: ImportProgress,
    /// Set once finished: the report to show, or why the import could not run.
    outcome: Option<Result<ReportView, String>>,
}

impl Job {
    fn state(&self) -> JobState {
        self.state.lock().expect("job lock").clone()
    }

    fn update(&self, f: impl FnOnce(&mut JobState)) {
        f(&mut self.state.lock().expect("job lock"));
    }
}

/// Import jobs, each visible only to the user who started it, for an hour.
#[derive(Debug, Default)]
pub struct Jobs {
    inner: Mutex<HashMap<String, (Instant, Arc<Job>)>>,
}

impl Jobs {
    fn start(&self, user: i64, file: &str) -> (String, Arc<Job>) {
        let key = crate::auth::random_hex();
        let job = Arc::new(Job {
            user,
            file: file.to_owned(),
            state: Mutex::new(JobState {
                progress: ImportProgress::new(ImportPhase::Read, 0, 0),
                outcome: None,
            }),
        });
        let mut m = self.inner.lock().expect("jobs lock");
        m.retain(|_, (t, _)| t.elapsed() < JOB_KEPT);
        m.insert(key.clone(), (Instant::now(), job.clone()));
        (key, job)
    }

    fn get(&self, user: i64, key: &str) -> Option<Arc<Job>> {
        let m = self.inner.lock().expect("jobs lock");
        m.get(key)
            .filter(|(t, j)| j.user == user && t.elapsed() < JOB_KEPT)
            .map(|(_, j)| j.clone())
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry/template.xlsx", get(template))
        .route("/registry/export", get(export))
        .route("/registry/import", get(import_form).post(import_upload))
        .route("/registry/import/jobs/{key}", get(import_job))
        .route("/registry/import/jobs/{key}/status", get(import_job_status))
        .route("/registry/import/errors/{key}", get(error_report))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

/// An .xlsx download (not cached: it may hold personal data).
pub(crate) fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

async fn template(m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    let bytes = mang_docs::write_xlsx(&import::template_sheets())
        .map_err(|e| crate::pages::fail(&u, StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(xlsx("mau-nhap-so-tre-em.xlsx", bytes))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    pub unit: Option<String>,
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// The export response shared by the page and the API: a file named after the unit.
async fn export_response(
    st: &AppState,
    scoped: &mang_domain::access::Scoped<ExportPersonalData>,
    q: &ExportQuery,
) -> Result<Response, StoreError> {
    let unit = q
        .unit
        .clone()
        .unwrap_or_else(|| scoped.actor().unit.to_string());
    let sheets = import::export_registry(&st.store, Some(scoped), &unit).await?;
    let csv = q.format.as_deref() == Some("csv");
    let bytes = import::export_file(&sheets, csv)?;
    let (ctype, name) = if csv {
        ("text/csv; charset=utf-8", format!("tre-em-{unit}.csv"))
    } else {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("so-tre-em-{unit}.xlsx"),
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

async fn export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    // Exporting personal data needs its own permission; rows are scoped by its subtree.
    let scoped = principal(&u)
        .scoped::<ExportPersonalData>()
        .map_err(|_| denied(&u))?;
    export_response(&st, &scoped, &q)
        .await
        .map_err(|e| store_fail(&u, e))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    report: Option<ReportView>,
    form_error: Option<String>,
    /// An import still running: the page shows its progress instead of the form.
    running: Option<RunningView>,
}

struct RunningView {
    file: String,
    key: String,
    done: u64,
    total: u64,
    text: String,
}

#[derive(Debug, Clone)]
struct ReportView {
    file: String,
    rows_read: String,
    households_added: String,
    children_added: String,
    caregivers_added: String,
    circumstances_added: String,
    skipped: String,
    error_count: String,
    errors: Vec<import::RowError>,
    more_errors: usize,
    download: Option<String>,
}

async fn import_form(m: MaybeUser) -> Result<Response, PageError> {
    let u = require(m)?;
    principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    Ok(render(&ImportPage {
        layout: layout(&u, "/children"),
        report: None,
        form_error: None,
        running: None,
    }))
}

/// An upload to a register's page: the file, or why there is none.
pub(crate) enum Upload {
    File(String, Vec<u8>),
    Refused(String),
}

/// Read a register page's upload and check its CSRF token.
pub(crate) async fn page_upload(u: &SignedIn, mp: Multipart) -> Result<Upload, PageError> {
    match read_upload(mp).await {
        Ok((name, bytes, csrf)) => {
            check_csrf(u, &csrf)?;
            Ok(Upload::File(name, bytes))
        }
        Err(msg) => Ok(Upload::Refused(msg)),
    }
}

/// Read an API upload (field `file`) after the CSRF check of cookie sessions.
pub(crate) async fn api_upload(
    u: &SignedIn,
    headers: &axum::http::HeaderMap,
    mp: Multipart,
) -> Result<(String, Vec<u8>), ApiError> {
    crate::api::check_csrf(u, headers)?;
    let (name, bytes, _) = read_upload(mp)
        .await
        .map_err(|msg| ApiError::bad_request("file", msg))?;
    Ok((name, bytes))
}

/// A register import's outcome as its page shows it: (error message, the import's
/// report, status).
pub(crate) fn import_outcome(
    u: &SignedIn,
    r: Result<mang_store::register_exchange::RegisterImport, mang_store::StoreError>,
) -> Result<
    (
        Option<String>,
        Option<mang_store::register_exchange::RegisterImport>,
        StatusCode,
    ),
    PageError,
> {
    match r {
        Ok(r) if r.errors.is_empty() => Ok((None, Some(r), StatusCode::OK)),
        Ok(r) => Ok((None, Some(r), StatusCode::UNPROCESSABLE_ENTITY)),
        Err(e @ mang_store::StoreError::Invalid { .. }) => Ok((
            Some(crate::registry_pages::fields_message(&e)),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(store_fail(u, e)),
    }
}

/// The uploaded file and the CSRF token from a multipart form.
pub(crate) async fn read_upload(mut mp: Multipart) -> Result<(String, Vec<u8>, String), String> {
    let (mut name, mut bytes, mut csrf) = (String::new(), Vec::new(), String::new());
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| format!("Tải tệp lên không thành công: {e}"))?
    {
        match field.name() {
            Some("file") => {
                name = field.file_name().unwrap_or("tep").to_owned();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|e| format!("Tải tệp lên không thành công: {e}"))?
                    .to_vec();
            }
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    if bytes.is_empty() {
        return Err("Chưa chọn tệp, hoặc tệp rỗng".into());
    }
    Ok((name, bytes, csrf))
}

/// The upload: checked for the user's right and the CSRF token, then imported in the
/// background; the browser is sent to the job's page (303), which shows the progress and
/// then the report.
async fn import_upload(
    State(st): State<AppState>,
    m: MaybeUser,
    mp: Multipart,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let scoped = principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let (name, bytes, csrf) = match read_upload(mp).await {
        Ok(x) => x,
        Err(msg) => {
            let page = ImportPage {
                layout: layout(&u, "/children"),
                report: None,
                form_error: Some(msg),
                running: None,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
    };
    check_csrf(&u, &csrf)?;
    let (key, job) = st.jobs.start(principal(&u).user_id, &name);
    tokio::spawn(run_job(st, scoped, name, bytes, job));
    Ok(Redirect::to(&format!("/registry/import/jobs/{key}")).into_response())
}

/// Run one import job to its end, recording its progress and then its outcome.
async fn run_job(
    st: AppState,
    scoped: Scoped<EditChildRecord>,
    name: String,
    bytes: Vec<u8>,
    job: Arc<Job>,
) {
    let as_of = crate::api::today();
    let (store, reports, watched) = (st.store.clone(), st.reports.clone(), job.clone());
    // A task of its own, so that a panic ends the job as failed instead of leaving it running.
    let work = tokio::spawn(async move {
        let report =
            import::import_file(&store, Importer::User(&scoped), &name, bytes, as_of, |p| {
                watched.update(|s| s.progress = p)
            })
            .await?;
        let download = if report.errors.is_empty() {
            None
        } else {
            let bytes = import::error_report_xlsx(&report)?;
            Some(reports.put(scoped.actor().user_id, bytes))
        };
        Ok::<_, StoreError>(view_of(&name, &report, download))
    });
    let outcome = match work.await {
        Ok(Ok(view)) => Ok(view),
        Ok(Err(e)) => Err(crate::error::classify(&e).1),
        Err(e) => {
            tracing::error!(error = %e, "import job failed");
            Err(vi::INTERNAL.to_owned())
        }
    };
    job.update(|s| s.outcome = Some(outcome));
}

fn job_gone(u: &crate::auth::SignedIn) -> PageError {
    crate::pages::fail(
        u,
        StatusCode::NOT_FOUND,
        "Không tìm thấy lần nhập này (kết quả giữ 1 giờ). Hãy nhập lại tệp.",
    )
}

/// The page of an import job: its progress while it runs (refreshing itself without
/// JavaScript, polled by `mang.js` with it), then the same report as ever.
async fn import_job(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    principal(&u)
        .scoped::<EditChildRecord>()
        .map_err(|_| denied(&u))?;
    let job = st
        .jobs
        .get(principal(&u).user_id, &key)
        .ok_or_else(|| job_gone(&u))?;
    let state = job.state();
    let mut page = ImportPage {
        layout: layout(&u, "/children"),
        report: None,
        form_error: None,
        running: None,
    };
    match state.outcome {
        Some(Ok(view)) => page.report = Some(view),
        Some(Err(msg)) => page.form_error = Some(msg),
        None => {
            page.running = Some(RunningView {
                file: job.file.clone(),
                key,
                done: state.progress.done,
                total: state.progress.total,
                text: state.progress.text_vi(),
            })
        }
    }
    Ok(render(&page))
}

/// What `mang.js` polls while an import runs.
#[derive(Serialize)]
struct JobStatus {
    #[serde(flatten)]
    progress: ImportProgress,
    /// The progress in words, e.g. «Đang kiểm tra dòng 12.000/100.000».
    text: String,
    /// Finished (with a report, or with `error`): time to reload the page.
    finished: bool,
    error: Option<String>,
}

async fn import_job_status(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    let job = st
        .jobs
        .get(principal(&u).user_id, &key)
        .ok_or_else(|| job_gone(&u))?;
    let state = job.state();
    let status = JobStatus {
        progress: state.progress,
        text: state.progress.text_vi(),
        finished: state.outcome.is_some(),
        error: state.outcome.and_then(|o| o.err()),
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(status)).into_response())
}

fn view_of(name: &str, r: &ImportReport, download: Option<String>) -> ReportView {
    ReportView {
        file: name.to_owned(),
        rows_read: vi::number(r.rows_read as i64),
        households_added: vi::number(r.households_added as i64),
        children_added: vi::number(r.children_added as i64),
        caregivers_added: vi::number(r.caregivers_added as i64),
        circumstances_added: vi::number(r.circumstances_added as i64),
        skipped: vi::number(
            (r.households_existing
                + r.children_existing
                + r.caregivers_existing
                + r.circumstances_existing) as i64,
        ),
        error_count: vi::number(r.errors.len() as i64),
        errors: r.errors.iter().take(200).cloned().collect(),
        more_errors: r.errors.len().saturating_sub(200),
        download,
    }
}

async fn error_report(
    State(st): State<AppState>,
    m: MaybeUser,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let u = require(m)?;
    match st.reports.get(principal(&u).user_id, &key) {
        Some(bytes) => Ok(xlsx("loi-nhap-lieu.xlsx", bytes)),
        None => Err(crate::pages::fail(
            &u,
            StatusCode::NOT_FOUND,
            "Báo cáo lỗi đã hết hạn (giữ 1 giờ). Hãy nhập lại tệp.",
        )),
    }
}

// ---------- API ----------

/// Import a registry file (.xlsx or .csv, multipart field `file`). Returns the report;
/// the good rows are written, the faulty rows listed.
///
/// Synchronous: the answer comes when the import is done (the web page runs the same
/// import as a background job with a progress bar).
#[utoipa::path(post, path = "/api/v1/registry/import",
    request_body(content_type = "multipart/form-data", description = "Trường `file`: tệp .xlsx hoặc .csv theo mẫu"),
    responses((status = 200, body = ImportReport), (status = 403, body = crate::error::ApiErrorBody), (status = 422, body = crate::error::ApiErrorBody)))]
pub async fn api_import(
    State(st): State<AppState>,
    m: MaybeUser,
    headers: axum::http::HeaderMap,
    mp: Multipart,
) -> Result<axum::Json<ImportReport>, ApiError> {
    let u = m.0.ok_or_else(ApiError::unauthorized)?;
    crate::api::check_csrf(&u, &headers)?;
    let scoped = u.session.principal.scoped::<EditChildRecord>()?;
    let (name, bytes, _) = read_upload(mp)
        .await
        .map_err(|m| ApiError::bad_request("file", m))?;
    let report = import::import_file(
        &st.store,
        Importer::User(&scoped),
        &name,
        bytes,
        crate::api::today(),
        |_| {},
    )
    .await?;
    Ok(axum::Json(report))
}

/// Export a unit's registry (.xlsx, or CSV with `format=csv`). Audited.
#[utoipa::path(get, path = "/api/v1/registry/export", params(("unit" = Option<String>, Query, description = "Mã đơn vị"), ("format" = Option<String>, Query, description = "xlsx hoặc csv")),
    responses((status = 200, description = "Tệp .xlsx hoặc .csv"), (status = 403, body = crate::error::ApiErrorBody), (status = 404, body = crate::error::ApiErrorBody)))]
pub async fn api_export(
    State(st): State<AppState>,
    m: MaybeUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let u = m.0.ok_or_else(ApiError::unauthorized)?;
    let scoped = u.session.principal.scoped::<ExportPersonalData>()?;
    Ok(export_response(&st, &scoped, &q).await?)
}
