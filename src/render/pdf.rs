//! The evidence pack printed to PDF by headless Chromium.
//!
//! There is no well-kept pure-Rust HTML+CSS → PDF renderer (the crates that exist either drive
//! a browser themselves or lay out a small subset of CSS), and a LaTeX toolchain is not
//! something an ISMS repository's CI should need: the PDF is Chromium's print of the HTML, so
//! it looks exactly like printing the pack from a browser.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The browsers looked for on PATH, in order.
pub const BROWSERS: &[&str] = &["chromium", "chromium-browser", "google-chrome"];
/// The variable naming a browser explicitly.
pub const BROWSER_VARIABLE: &str = "POLICYBOOK_CHROMIUM";
/// How long Chromium may take to print the pack.
const PRINT_TIMEOUT: Duration = Duration::from_secs(180);

/// Why no PDF was written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "a PDF needs headless Chromium, and none was found: looked for {} on PATH and for \
         {BROWSER_VARIABLE} (the path of a Chromium or Chrome binary). Install one (Debian/Ubuntu: \
         `apt-get install chromium`; Fedora: `dnf install chromium`; macOS: `brew install --cask \
         chromium`) or set {BROWSER_VARIABLE}; or print the HTML pack from any browser",
        BROWSERS.join(", ")
    )]
    NoBrowser,
    #[error("{BROWSER_VARIABLE} names `{}`, which is not an executable file", .0.display())]
    NotExecutable(PathBuf),
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{} did not finish within {} seconds", .0.display(), PRINT_TIMEOUT.as_secs())]
    Timeout(PathBuf),
    #[error("{} exited with {status} without writing a PDF{}", browser.display(), last_messages(log))]
    NoPdf {
        browser: PathBuf,
        status: ExitStatus,
        /// The end of what the browser printed.
        log: String,
    },
}

fn last_messages(log: &str) -> String {
    let tail: Vec<&str> = log.lines().rev().take(8).collect();
    if tail.is_empty() {
        return String::new();
    }
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    format!("; its last messages:\n{}", tail.join("\n"))
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> PdfError {
    move |source| PdfError::Io { context, source }
}

/// `POLICYBOOK_CHROMIUM` when set (a path, or a name looked up on PATH), else the first of
/// `BROWSERS` on PATH.
pub fn find_browser() -> Result<PathBuf, PdfError> {
    if let Some(named) = std::env::var_os(BROWSER_VARIABLE).filter(|v| !v.is_empty()) {
        return which::which(&named).map_err(|_| PdfError::NotExecutable(PathBuf::from(named)));
    }
    BROWSERS
        .iter()
        .find_map(|name| which::which(name).ok())
        .ok_or(PdfError::NoBrowser)
}

/// Prints `html` to `pdf` with headless Chromium; the number of pages written.
pub fn print_to_pdf(browser: &Path, html: &Path, pdf: &Path) -> Result<usize, PdfError> {
    let html = html
        .canonicalize()
        .map_err(io(format!("cannot resolve {}", html.display())))?;
    if let Some(dir) = pdf.parent() {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    }
    // A stale file must not pass for Chromium's output.
    match std::fs::remove_file(pdf) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(io(format!("cannot replace {}", pdf.display()))(e));
        }
        _ => {}
    }
    // A profile of its own: never the user's, never locked by a running browser.
    let profile = tempfile::tempdir().map_err(io("cannot create a temporary directory".into()))?;
    let log_path = profile.path().join("policybook-chromium.log");
    let log = std::fs::File::create(&log_path)
        .map_err(io(format!("cannot create {}", log_path.display())))?;
    let mut print_arg = OsString::from("--print-to-pdf=");
    print_arg.push(pdf.as_os_str());
    let mut profile_arg = OsString::from("--user-data-dir=");
    profile_arg.push(profile.path().as_os_str());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-pdf-header-footer",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
        ])
        .arg(profile_arg)
        .arg(print_arg)
        .arg(file_url(&html))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(io(format!("cannot run {}", browser.display())))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > PRINT_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PdfError::Timeout(browser.to_path_buf()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(io(format!("cannot wait for {}", browser.display()))(e)),
        }
    };
    let bytes = std::fs::read(pdf).unwrap_or_default();
    if !bytes.starts_with(b"%PDF") {
        return Err(PdfError::NoPdf {
            browser: browser.to_path_buf(),
            status,
            log: std::fs::read_to_string(&log_path).unwrap_or_default(),
        });
    }
    Ok(page_count(&bytes))
}

/// `file://` URL of an absolute path, percent-encoding what a URL path cannot hold.
fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut url = String::from("file://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// The number of `/Type /Page` objects (not `/Pages`) in a PDF. Chromium (Skia) writes page
/// dictionaries uncompressed, so a byte scan is enough.
pub fn page_count(pdf: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while let Some(found) = find(&pdf[i..], b"/Type") {
        let mut j = i + found + 5;
        while j < pdf.len() && pdf[j].is_ascii_whitespace() {
            j += 1;
        }
        if pdf[j..].starts_with(b"/Page")
            && !pdf
                .get(j + 5)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            count += 1;
        }
        i = j;
    }
    count
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_counted_without_the_page_tree() {
        let pdf = b"%PDF-1.4\n1 0 obj <</Type /Pages /Kids [2 0 R 3 0 R]>>\n2 0 obj <</Type /Page>>\n3 0 obj <</Type/Page/Parent 1 0 R>>\n4 0 obj <</Type /PageLabel>>";
        assert_eq!(page_count(pdf), 2);
        assert_eq!(page_count(b"%PDF"), 0);
    }

    #[test]
    fn file_urls_are_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/pack#1.html")),
            "file:///tmp/a%20b/pack%231.html"
        );
    }
}
