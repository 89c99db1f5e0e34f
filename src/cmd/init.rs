//! `policybook init [DIR]`: scaffolds an ISMS repository that `policybook check` accepts as it
//! stands — book.toml, a starter information security policy, a roles registry, a management
//! review, a communication entry, `.gitignore` and a GitHub Actions workflow — and runs
//! `git init` (with git2) when DIR is not inside a repository. Never commits, never overwrites.
//!
//! A fresh repository has no commits, so no approval can be evidenced by Git: the scaffold's
//! book.toml starts with `[approval] evidence = "none"` and says to switch it to "trailer" in
//! the commit that records the (real) approval. Every placeholder says `REPLACE ME`.

use super::EXIT_OK;
use crate::Error;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Directory to scaffold (created if missing); default: `--root`, else the current directory.
    pub dir: Option<PathBuf>,
    /// The organization's name, written into book.toml and the starter documents.
    #[arg(long, value_name = "NAME", default_value = "Your Organization")]
    pub organization: String,
    /// Date the starter documents carry (YYYY-MM-DD) instead of SOURCE_DATE_EPOCH or the clock.
    #[arg(long, value_parser = super::parse_today)]
    pub today: Option<jiff::civil::Date>,
    /// Instead of a scaffold, write the default theme (templates, CSS, JavaScript) into DIR, to
    /// override files of it with `[output.html] theme = "DIR"`.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["dir", "organization"])]
    pub theme: Option<PathBuf>,
}

/// One scaffold file: where it goes (may hold `@@TODAY@@`) and its template text.
struct Template {
    path: &'static str,
    text: &'static str,
}

macro_rules! templates {
    ($($path:literal => $file:literal),* $(,)?) => {
        &[$(Template { path: $path, text: include_str!(concat!("../../templates/init/", $file)) }),*]
    };
}

const TEMPLATES: &[Template] = templates![
    "book.toml" => "book.toml",
    ".gitignore" => "gitignore",
    ".github/workflows/policybook.yml" => "github/policybook.yml",
    "content/policies/information-security-policy.md" => "content/policies/information-security-policy.md",
    "content/roles/roles-and-responsibilities.md" => "content/roles/roles-and-responsibilities.md",
    "content/reviews/@@TODAY@@-management-review.md" => "content/reviews/management-review.md",
    "content/communications/@@TODAY@@-pol-001-v1-0-intranet.md" => "content/communications/communication.md",
];

/// How many days the starter review gives the team to replace the placeholders.
const PLACEHOLDER_DAYS: i64 = 90;

/// The scaffold's files, placeholders filled in: (relative path, contents).
/// `branch` is the branch the CI workflow runs on pushes to.
pub fn scaffold(
    organization: &str,
    today: jiff::civil::Date,
    branch: &str,
) -> Vec<(String, String)> {
    let due = crate::dates::add_days(today, PLACEHOLDER_DAYS).to_string();
    let today = today.to_string();
    let fill = |text: &str| {
        text.replace("@@ORGANIZATION_TOML@@", &toml_escape(organization))
            .replace("@@ORGANIZATION@@", organization)
            .replace("@@TODAY@@", &today)
            .replace("@@DUE@@", &due)
            .replace("@@BRANCH@@", branch)
    };
    TEMPLATES
        .iter()
        .map(|t| (fill(t.path), fill(t.text)))
        .collect()
}

/// Escapes text for a TOML basic string.
fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// What `init` tells a new team to do next.
const NEXT_STEPS: &str = r#"
`policybook check` passes as it stands (with warnings: nothing is committed yet).
Next steps:
  1. Replace every `REPLACE ME` placeholder: the role holders (names and the e-mail addresses
     they commit with) in content/roles/roles-and-responsibilities.md, and the approver's name in
     content/policies/information-security-policy.md. Rewrite the starter policy, review record
     and communication in your own words.
  2. In book.toml set `[approval] evidence = "trailer"`, so that approvals must be backed by Git.
  3. Commit everything, with the CEO's approval as a trailer in the last paragraph:
       git add -A
       git commit -m "Information security policy v1.0" -m "Approved-by: Full Name <ceo@your.domain>"
     (the name and e-mail must match the CEO holder in the roles registry).
  4. Run `policybook check`, then `policybook build` and open site/index.html.
  5. Record each communication of an approved version with
       policybook communicate POL-001 --channel email --audience all-staff
CI: .github/workflows/policybook.yml runs `policybook check --format github` on every pull
request (with `fetch-depth: 0`: versions come from the whole history), posts
`policybook diff origin/<base>..HEAD` as a comment and uploads the built portal as an artifact."#;

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    if let Some(theme) = &args.theme {
        return write_theme(theme);
    }
    let organization = args.organization.trim();
    if organization.is_empty() || organization.chars().any(char::is_control) {
        anyhow::bail!("--organization must be a non-empty name on one line");
    }
    let (today, _) = crate::dates::resolve_today(args.today)?;
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the working directory", e))?;
    // DIR, else `--root`, else the working directory.
    let dir = match args.dir.as_ref().or(root) {
        Some(dir) => cwd.join(dir),
        None => cwd,
    };
    // DIR may not exist yet: its nearest existing ancestor says which repository it is in.
    let existing_repo = dir
        .ancestors()
        .find(|a| a.is_dir())
        .and_then(|a| git2::Repository::discover(a).ok());
    // The branch the CI runs on: the existing repository's current one, else the one `git init`
    // would make (git's `init.defaultBranch`, else `main`).
    let branch = match &existing_repo {
        Some(repo) => current_branch(repo).unwrap_or_else(default_branch),
        None => default_branch(),
    };
    let files = scaffold(organization, today, &branch);

    // Check every target before writing anything.
    let existing: Vec<&str> = files
        .iter()
        .filter(|(rel, _)| dir.join(rel).symlink_metadata().is_ok())
        .map(|(rel, _)| rel.as_str())
        .collect();
    if !existing.is_empty() {
        anyhow::bail!(
            "not initializing {}: these files already exist and would be overwritten:\n{}\nnothing was written; move them aside or choose another directory",
            dir.display(),
            listed(&existing)
        );
    }

    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    for (rel, text) in &files {
        write_new(&dir.join(rel), text)?;
    }
    let repo_note = match &existing_repo {
        Some(repo) => existing_repository_note(repo, &dir),
        None => {
            let mut options = git2::RepositoryInitOptions::new();
            options.initial_head(&branch);
            git2::Repository::init_opts(&dir, &options)
                .map_err(|e| Error::git(format!("git init {}", dir.display()), e))?;
            format!(
                "initialized an empty Git repository in {} on branch {branch}",
                dir.display()
            )
        }
    };
    println!("created the ISMS scaffold in {}:", dir.display());
    for (rel, _) in &files {
        println!("  {rel}");
    }
    println!("{repo_note}");
    println!("{NEXT_STEPS}");
    Ok(EXIT_OK)
}

/// What `init` says of the repository the scaffold went into, and what to move when the
/// scaffold is not at its top (GitHub reads workflows only there).
fn existing_repository_note(repo: &git2::Repository, dir: &Path) -> String {
    let top = repo.workdir().map(Path::to_path_buf);
    let at_top = top
        .as_deref()
        .and_then(|t| t.canonicalize().ok())
        .zip(dir.canonicalize().ok())
        .is_some_and(|(t, d)| t == d);
    let mut note = format!(
        "using the existing Git repository at {}",
        top.as_deref().unwrap_or(repo.path()).display()
    );
    if !at_top {
        note.push_str(
            "\nnote: GitHub only runs workflows from the repository's top-level .github/workflows: \
             move policybook.yml there and add `--root` with this directory to its policybook commands",
        );
    }
    note
}

/// Files one per line, indented, for an error message.
fn listed(files: &[&str]) -> String {
    files
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `init --theme DIR`: the embedded default theme, file by file, into DIR (never overwriting).
fn write_theme(dir: &Path) -> super::Outcome {
    let files = crate::render::theme::DEFAULT_FILES;
    let existing: Vec<&str> = files
        .iter()
        .filter(|(rel, _)| dir.join(rel).symlink_metadata().is_ok())
        .map(|(rel, _)| *rel)
        .collect();
    if !existing.is_empty() {
        anyhow::bail!(
            "not writing the theme into {}: these files already exist and would be overwritten:\n{}\nnothing was written; move them aside or choose another directory",
            dir.display(),
            listed(&existing)
        );
    }
    for (rel, text) in files {
        write_new(&dir.join(rel), text)?;
    }
    println!(
        "wrote the default theme ({} files) to {}",
        files.len(),
        dir.display()
    );
    println!(
        "use it with `[output.html] theme = \"{}\"` in book.toml (relative to the project root); each file overrides the default file of the same path, so delete the ones you do not change",
        dir.display()
    );
    Ok(EXIT_OK)
}

/// The branch HEAD names (born or not), if it is a branch.
fn current_branch(repo: &git2::Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok()??;
    target.strip_prefix("refs/heads/").map(str::to_string)
}

/// git's `init.defaultBranch` when set to a valid branch name, else `main`.
fn default_branch() -> String {
    git2::Config::open_default()
        .and_then(|c| c.get_string("init.defaultBranch"))
        .ok()
        .map(|b| b.trim().to_string())
        .filter(|b| git2::Branch::name_is_valid(b).unwrap_or(false))
        .unwrap_or_else(|| "main".to_string())
}

/// Writes a file that must not exist yet (creating its directories).
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    crate::atomic::write_new(path, text.as_bytes())
        .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_toml_escaped() {
        let files = scaffold(r#"Acme "Labs""#, jiff::civil::date(2026, 6, 1), "main");
        for (rel, text) in &files {
            assert!(
                !rel.contains("@@") && !text.contains("@@"),
                "{rel} keeps a placeholder"
            );
        }
        let book = &files.iter().find(|(p, _)| p == "book.toml").unwrap().1;
        assert!(book.contains(r#"organization = "Acme \"Labs\"""#), "{book}");
        assert!(
            files
                .iter()
                .any(|(p, _)| p == "content/reviews/2026-06-01-management-review.md")
        );
        let review = &files
            .iter()
            .find(|(p, _)| p.starts_with("content/reviews/"))
            .unwrap()
            .1;
        assert!(review.contains("due: 2026-08-30"), "{review}");
    }
}
