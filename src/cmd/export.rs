//! `policybook export`: the auditor evidence pack as one self-contained HTML file and,
//! with `--pdf`, a PDF of it printed by headless Chromium.
//!
//! There is no well-kept pure-Rust HTML+CSS → PDF renderer (the crates that exist either drive
//! a browser themselves or lay out a small subset of CSS), and a LaTeX toolchain is not
//! something an ISMS repository's CI should need: the PDF is Chromium's print of the HTML, so
//! it looks exactly like printing the pack from a browser.

use super::{EXIT_ENVIRONMENT, EXIT_OK, Validation};
use crate::Error;
use crate::diagnostic::report::summary;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub validation: Validation,
    /// Write the HTML pack here (default: FILE.html beside `--pdf FILE.pdf`, else
    /// `evidence-pack.html`).
    #[arg(long, value_name = "FILE.html")]
    pub out: Option<PathBuf>,
    /// Also print the pack to this PDF with headless Chromium (`POLICYBOOK_CHROMIUM`, or
    /// chromium, chromium-browser or google-chrome on PATH).
    #[arg(long, value_name = "FILE.pdf")]
    pub pdf: Option<PathBuf>,
}

/// The browsers looked for on PATH, in order.
pub const BROWSERS: &[&str] = &["chromium", "chromium-browser", "google-chrome"];
/// The variable naming a browser explicitly.
pub const BROWSER_VARIABLE: &str = "POLICYBOOK_CHROMIUM";
/// How long Chromium may take to print the pack.
const PRINT_TIMEOUT: Duration = Duration::from_secs(180);

pub fn run(root: Option<&PathBuf>, args: &Args) -> Result<i32, Error> {
    let root = super::root(root)?;
    let mut loaded = crate::load(&root, args.validation.options())?;
    args.validation.apply(&mut loaded.diagnostics);
    let sources = super::sources(&loaded.site);
    args.validation.print(&loaded.diagnostics, &sources, true);
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();

    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the working directory", e))?;
    let pdf = args.pdf.as_ref().map(|p| cwd.join(p));
    let out = match (&args.out, &pdf) {
        (Some(out), _) => cwd.join(out),
        (None, Some(pdf)) => pdf.with_extension("html"),
        (None, None) => cwd.join("evidence-pack.html"),
    };
    let digest = crate::render::manifest_digest(&loaded.site, &loaded.diagnostics)?;
    let pack = crate::render::export::render(&loaded.site, &loaded.diagnostics, digest.as_deref())?;
    write_atomically(&out, pack.html.as_bytes())?;
    eprintln!(
        "wrote the evidence pack ({}, {} KiB) to {}{}",
        crate::diagnostic::report::count(pack.documents, "document"),
        pack.html.len() / 1024,
        out.display(),
        if errors > 0 {
            format!(
                " (it says the repository has {})",
                summary(&loaded.diagnostics)
            )
        } else {
            String::new()
        }
    );

    let Some(pdf) = pdf else {
        return Ok(EXIT_OK);
    };
    let browser = match find_browser() {
        Ok(browser) => browser,
        Err(message) => {
            eprintln!("error: cannot write {}: {message}", pdf.display());
            eprintln!("  the HTML pack was written to {}", out.display());
            return Ok(EXIT_ENVIRONMENT);
        }
    };
    match print_to_pdf(&browser, &out, &pdf) {
        Ok(pages) => {
            eprintln!(
                "wrote {} ({pages} page{}) with {}",
                pdf.display(),
                if pages == 1 { "" } else { "s" },
                browser.display()
            );
            Ok(EXIT_OK)
        }
        Err(message) => {
            eprintln!("error: cannot write {}: {message}", pdf.display());
            eprintln!("  the HTML pack was written to {}", out.display());
            Ok(EXIT_ENVIRONMENT)
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(format!("cannot write in {}", dir.display()), e))?;
    file.write_all(bytes)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    // A temporary file is private; the pack is meant to be handed on.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    file.persist(path)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e.error))?;
    Ok(())
}

/// `POLICYBOOK_CHROMIUM` when set, else the first of `BROWSERS` on PATH; the error says what
/// was looked for and how to get a browser.
pub fn find_browser() -> Result<PathBuf, String> {
    if let Some(named) = std::env::var_os(BROWSER_VARIABLE).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(&named);
        return match executable_named(&path) {
            Some(found) => Ok(found),
            None => Err(format!(
                "{BROWSER_VARIABLE} names `{}`, which is not an executable file",
                path.display()
            )),
        };
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    for name in BROWSERS {
        for dir in std::env::split_paths(&search) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "a PDF needs headless Chromium, and none was found: looked for {} on PATH and for \
         {BROWSER_VARIABLE} (the path of a Chromium or Chrome binary). Install one (Debian/Ubuntu: \
         `apt-get install chromium`; Fedora: `dnf install chromium`; macOS: `brew install --cask \
         chromium`) or set {BROWSER_VARIABLE}; or print the HTML pack from any browser",
        BROWSERS.join(", ")
    ))
}

/// A path given by the user: as is when it has a directory part, else looked up on PATH.
fn executable_named(path: &Path) -> Option<PathBuf> {
    if path.components().count() > 1 {
        return is_executable(path).then(|| path.to_path_buf());
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&search)
        .map(|d| d.join(path))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Prints `html` to `pdf` with headless Chromium; the number of pages written.
pub fn print_to_pdf(browser: &Path, html: &Path, pdf: &Path) -> Result<usize, String> {
    let html = html
        .canonicalize()
        .map_err(|e| format!("cannot resolve {}: {e}", html.display()))?;
    if let Some(dir) = pdf.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // A stale file must not pass for Chromium's output.
    match std::fs::remove_file(pdf) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot replace {}: {e}", pdf.display())),
    }
    // A profile of its own: never the user's, never locked by a running browser.
    let profile =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let log_path = profile.path().join("policybook-chromium.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
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
        .map_err(|e| format!("cannot run {}: {e}", browser.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > PRINT_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {} seconds",
                    browser.display(),
                    PRINT_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("cannot wait for {}: {e}", browser.display())),
        }
    };
    let bytes = std::fs::read(pdf).unwrap_or_default();
    if !bytes.starts_with(b"%PDF") {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(8).collect();
        return Err(format!(
            "{} exited with {status} without writing a PDF{}",
            browser.display(),
            if tail.is_empty() {
                String::new()
            } else {
                format!(
                    "; its last messages:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            }
        ));
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
