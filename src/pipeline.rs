//! The pipeline up to validation, composed: book.toml, the documents and the history (read side
//! by side), the `Site`, and every rule's findings. Takes the stages below it (`config`,
//! `content`, `history`, `site`, `validate`) and gives `Loaded`; commands and `serve` start here.
//! It must not import `compliance`, `render`, `serve` or `cmd`.

use crate::diagnostic::{self, Code, Diagnostic};
use crate::error::Error;
use crate::site::{self, Site};
use crate::{config, content, dates, history, timing, validate};
use std::path::{Path, PathBuf};

/// The loaded, validated site and everything found wrong with it.
pub struct Loaded {
    pub site: Site,
    pub diagnostics: Vec<Diagnostic>,
}

/// Finds the project root: `root` if given, else the nearest parent of the working directory
/// with a book.toml.
pub fn find_root(root: Option<&Path>) -> Result<PathBuf, Error> {
    match root {
        Some(root) if root.join(config::FILE_NAME).is_file() => Ok(root.to_path_buf()),
        Some(root) => Err(Error::NoRoot(root.to_path_buf())),
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::io("cannot read the working directory", e))?;
            config::discover_root(&cwd).ok_or(Error::NoRoot(cwd))
        }
    }
}

/// Runs the pipeline up to validation.
pub fn load(root: &Path, options: site::Options) -> Result<Loaded, Error> {
    load_reusing(root, options, None)
}

/// Like `load`, reusing the history index of an earlier load while it is still current (same
/// HEAD and scope); what `serve` does between rebuilds.
pub fn load_reusing(
    root: &Path,
    options: site::Options,
    previous: Option<history::HistoryIndex>,
) -> Result<Loaded, Error> {
    let (today, _) = dates::resolve_today(options.today)?;
    let (project, mut diagnostics) = config::load(root).map_err(Error::Config)?;
    // The documents, the people and acknowledgement records, and the history are
    // independent: each is read while the others are.
    let (((corpus, content_diagnostics), acknowledgements), history) = rayon::join(
        || {
            rayon::join(
                || {
                    let started = crate::timing::start();
                    let loaded = content::load(&project);
                    timing::phase("load documents", started);
                    loaded
                },
                || crate::acknowledgement::timed_load(&project),
            )
        },
        || history::load_reusing(&project, previous),
    );
    diagnostics.extend(content_diagnostics);
    Ok(assemble(
        project,
        diagnostics,
        corpus,
        history,
        today,
        options,
        None,
        Some(acknowledgements),
        None,
    ))
}

/// The stages after reading, shared by `load_reusing` and the incremental rebuild
/// (`incremental`), which reads only what changed: the allowed signers, the `Site` (with the
/// in-force versions when they are known, see `Site::with_in_force`), every rule's findings
/// (with `diagnostics`, those of reading), and the caches written meanwhile. The people and
/// acknowledgement records are read here unless they were already; `evidence`, the previous
/// build's history findings that still hold for unchanged texts (after a body edit only).
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    project: config::Project,
    mut diagnostics: Vec<Diagnostic>,
    corpus: content::Corpus,
    history: Result<history::HistoryIndex, history::Unavailable>,
    today: jiff::civil::Date,
    options: site::Options,
    in_force: Option<std::collections::HashMap<String, crate::in_force::InForce>>,
    acknowledgements: Option<crate::acknowledgement::Register>,
    evidence: Option<site::FindingsByFile>,
) -> Loaded {
    let signers = load_signers(&project, &mut diagnostics);
    let mut site = Site::with_in_force(
        project,
        corpus,
        today,
        history,
        signers,
        options,
        in_force,
        acknowledgements,
    );
    site.evidence_reusable = evidence.unwrap_or_default();
    // Before anything counts acknowledgements: the records no custodian committed go.
    let custody = crate::custody::judge(&site);
    site.withhold_records(custody);
    // The history cache is written while the site is validated.
    let (found, saved) = rayon::join(
        || {
            let started = crate::timing::start();
            let found = validate::run(&site);
            timing::phase("validate", started);
            found
        },
        || site.history.as_ref().is_ok_and(history::HistoryIndex::save),
    );
    if saved && let Ok(history) = site.history.as_mut() {
        history.unsaved = false;
    }
    if let Ok(history) = site.history.as_ref() {
        site.rules_at.save(&history.git_dir);
    }
    diagnostics.extend(found);
    one_per_cause(&mut diagnostics);
    diagnostic::normalise(&mut diagnostics);
    Loaded { site, diagnostics }
}

/// Findings that only follow from another finding in the same file: a front matter that does
/// not parse, or a misspelt required field (an `unknown-field` error), makes the document's
/// fields and content hash unreliable, so the history rules about it say nothing new.
const DERIVED: &[Code] = &[
    Code::VersionNotBumped,
    Code::ApprovalNotEvidenced,
    Code::ApprovalMissing,
];

/// Keeps one error per cause: drops the `DERIVED` findings of files whose front matter is
/// broken or has a misspelt required field, and the `approval-not-evidenced` of an approval
/// whose role is unknown.
fn one_per_cause(diagnostics: &mut Vec<Diagnostic>) {
    let causes: std::collections::HashSet<String> = diagnostics
        .iter()
        .filter(|d| {
            d.code == Code::FrontMatterSyntax.as_str()
                || (d.code == Code::UnknownField.as_str() && d.is_error())
        })
        .filter_map(|d| d.file.clone())
        .collect();
    // An approval in an unknown role is reported as that, not also as not evidenced.
    let unknown_roles: std::collections::HashSet<(String, usize)> = diagnostics
        .iter()
        .filter(|d| d.code == Code::UnknownRole.as_str())
        .filter_map(|d| Some((d.file.clone()?, d.line?)))
        .collect();
    diagnostics.retain(|d| {
        let in_cause = d.file.as_ref().is_some_and(|f| causes.contains(f))
            && DERIVED.iter().any(|c| c.as_str() == d.code);
        let unknown_role = d.code == Code::ApprovalNotEvidenced.as_str()
            && d.file
                .clone()
                .zip(d.line)
                .is_some_and(|at| unknown_roles.contains(&at));
        !(in_cause || unknown_role)
    });
}

/// Reads `[approval] allowed-signers`; unreadable lines are `invalid-field` findings.
fn load_signers(
    project: &config::Project,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<history::signature::AllowedSigner> {
    let Some(file) = &project.config.approval.allowed_signers else {
        if project.config.approval.evidence == config::Evidence::Signed {
            diagnostics.push(
                Diagnostic::new(Code::MissingField, "`evidence = \"signed\"` needs `[approval] allowed-signers`")
                    .in_file(config::FILE_NAME)
                    .help("point it at a file in git's allowed_signers format, e.g. \".policybook/allowed_signers\""),
            );
        }
        return Vec::new();
    };
    let text = match std::fs::read_to_string(project.root.join(file)) {
        Ok(text) => text,
        Err(e) => {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidField,
                    format!("cannot read allowed-signers file `{file}`: {e}"),
                )
                .in_file(config::FILE_NAME)
                .help("commit the file, or fix the path in [approval] allowed-signers"),
            );
            return Vec::new();
        }
    };
    let (signers, errors) = history::signature::parse_allowed_signers(&text);
    for (line, message) in errors {
        diagnostics.push(
            Diagnostic::new(Code::InvalidField, format!("allowed-signers: {message}"))
                .at(file, diagnostic::Pos::new(line, 1))
                .help(
                    "each line is `principal[,principal…] [options] keytype base64-key [comment]`",
                ),
        );
    }
    signers
}
