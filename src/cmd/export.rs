//! `policybook export`: the auditor evidence pack as one self-contained HTML file and,
//! with `--pdf`, a PDF of it printed by headless Chromium.
//! The printing is `render::pdf`'s.

use super::{EXIT_OK, Validation};
use crate::Error;
use crate::diagnostic::report::summary;
use crate::render::pdf;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Write the acknowledgement population (every person required per document version and
    /// audience, with the outcome) as CSV here; the pack then only with `--out` or `--pdf`.
    #[arg(long, value_name = "FILE.csv")]
    pub acknowledgements: Option<PathBuf>,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let mut loaded = crate::load(&root, args.validation.options())?;
    args.validation.apply(&mut loaded.diagnostics);
    let sources = super::sources(&loaded.site);
    args.validation.print(&loaded.diagnostics, &sources, true);
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();

    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the working directory", e))?;
    if let Some(file) = &args.acknowledgements {
        let csv = crate::ack_status::population_csv(&loaded.site).ok_or_else(|| {
            anyhow::anyhow!("no people to export: set `[acknowledgement] people` in book.toml")
        })?;
        let path = cwd.join(file);
        write_atomically(&path, csv.as_bytes())?;
        eprintln!("wrote the acknowledgement population to {}", path.display());
        if args.out.is_none() && args.pdf.is_none() {
            return Ok(EXIT_OK);
        }
    }
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
    let printed = pdf::find_browser()
        .and_then(|browser| Ok((pdf::print_to_pdf(&browser, &out, &pdf)?, browser)));
    let (pages, browser) = printed.with_context(|| {
        format!(
            "cannot write {} (the HTML pack was written to {})",
            pdf.display(),
            out.display()
        )
    })?;
    eprintln!(
        "wrote {} ({pages} page{}) with {}",
        pdf.display(),
        if pages == 1 { "" } else { "s" },
        browser.display()
    );
    Ok(EXIT_OK)
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
