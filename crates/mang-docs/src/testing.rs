//! Test oracle, not used in production: render a .docx with LibreOffice (headless) to PDF
//! and extract its text with `pdftotext -layout`, to check that generated documents open
//! and read as intended. Needs `soffice` (Debian `libreoffice-writer-nogui`) and
//! `pdftotext` (`poppler-utils`); `fonts-liberation` supplies a metric-compatible stand-in
//! for Times New Roman.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one conversion may take.
const TIMEOUT: Duration = Duration::from_secs(120);

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Whether `soffice` and `pdftotext` are on the PATH.
pub fn pdf_available() -> bool {
    on_path("soffice") && on_path("pdftotext")
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, String> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "mang-docs-pdf-{}-{}-{nanos}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run a command with a timeout; its output goes to `log`.
fn run(cmd: &mut Command, log: &Path) -> Result<(), String> {
    let out = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            if status.success() {
                return Ok(());
            }
            let text = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!("{cmd:?} exited with {status}: {text}"));
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{cmd:?} timed out after {} s", TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Convert a .docx to PDF with LibreOffice and return the PDF's text (`pdftotext -layout`).
/// Each call uses its own LibreOffice profile, so tests may run in parallel.
pub fn docx_to_pdf_text(docx: &[u8]) -> Result<String, String> {
    let (dir, pdf) = docx_to_pdf(docx)?;
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .map_err(|e| format!("pdftotext: {e}"))?;
    drop(dir);
    if !out.status.success() {
        return Err(format!(
            "pdftotext: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// Convert a .docx to PDF bytes with LibreOffice (to look at a rendering).
pub fn docx_to_pdf_bytes(docx: &[u8]) -> Result<Vec<u8>, String> {
    let (_dir, pdf) = docx_to_pdf(docx)?;
    std::fs::read(&pdf).map_err(|e| e.to_string())
}

fn docx_to_pdf(docx: &[u8]) -> Result<(TempDir, PathBuf), String> {
    let dir = TempDir::new()?;
    let input = dir.0.join("doc.docx");
    std::fs::write(&input, docx).map_err(|e| e.to_string())?;
    let profile = dir.0.join("profile");
    run(
        Command::new("soffice")
            .arg("--headless")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .arg("--convert-to")
            .arg("pdf")
            .arg("--outdir")
            .arg(&dir.0)
            .arg(&input),
        &dir.0.join("soffice.log"),
    )?;
    let pdf = dir.0.join("doc.pdf");
    if !pdf.is_file() {
        let log = std::fs::read_to_string(dir.0.join("soffice.log")).unwrap_or_default();
        return Err(format!("LibreOffice wrote no PDF: {log}"));
    }
    Ok((dir, pdf))
}
