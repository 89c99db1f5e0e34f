//! `policybook approve ID --as NAME|EMAIL`: records an approval the way SPEC §5 evidences it.
//! The document's front matter gets the approval (`approvals`, `status: approved`,
//! `effective`), and a commit authored by the approver carries the `Approved-by:` trailer —
//! optionally SSH-signed with git's `user.signingkey`. Refuses when the approver holds no role
//! authorised for the document's type on the date, or when other changes are uncommitted (the
//! commit must contain exactly the approval).

use super::{EXIT_INVALID, EXIT_OK};
use crate::content::Document;
use crate::content::front_matter;
use crate::content::yaml::Value;
use crate::validate::authorised_roles;
use anyhow::{Context, anyhow, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The document's id.
    pub id: String,
    /// The approver: a role holder's name or email, as in the roles registry.
    #[arg(long = "as", value_name = "NAME|EMAIL")]
    pub approver: String,
    /// The role they approve in (needed when they hold several authorised roles).
    #[arg(long)]
    pub role: Option<String>,
    /// The approval date (default: today, as `check` resolves it).
    #[arg(long, value_parser = super::parse_today)]
    pub date: Option<jiff::civil::Date>,
    /// Sign the commit with the SSH key in git's `user.signingkey` (`gpg.format = ssh`).
    #[arg(long)]
    pub sign: bool,
    /// A paragraph for the commit message (why, what was reviewed).
    #[arg(long)]
    pub message: Option<String>,
    /// Also write a signed approval tag `approval/ID/VERSION/ROLE` on the approval commit,
    /// naming the approver and the approved content hash, SSH-signed with `user.signingkey`:
    /// evidence with `evidence = "signed"` without signing the commit.
    #[arg(long)]
    pub tag: bool,
}

/// ` (did you mean `X`?)` when a candidate is near `word`, else nothing.
fn hint<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> String {
    crate::diagnostic::did_you_mean(word, candidates)
        .map(|best| format!(" (did you mean `{best}`?)"))
        .unwrap_or_default()
}

/// A refusal: nothing is written; `main` prints it (exit code 2).
fn refuse(message: impl std::fmt::Display) -> super::Outcome {
    Err(anyhow!("{message}"))
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    // One approval at a time per repository: two approvers of the same document at once would
    // otherwise each write the front matter they read, and one approval would be lost.
    let _lock = match git2::Repository::discover(&root) {
        Ok(repo) => match Lock::acquire(&repo.path().join("policybook").join("approve.lock")) {
            Ok(lock) => Some(lock),
            Err(e) => return Err(e),
        },
        Err(_) => None,
    };
    let loaded = crate::load(&root, crate::site::Options::default())?;
    let site = &loaded.site;
    let date = args.date.unwrap_or(site.today);
    let Some(doc) = site.documents().iter().find(|d| d.id() == Some(&args.id)) else {
        return refuse(format!(
            "no document has the id `{}`{}",
            args.id,
            hint(&args.id, site.ids().map(|(id, _)| id))
        ));
    };
    let (Some(meta), Some(controlled)) = (doc.meta.as_ref(), doc.controlled()) else {
        return refuse(format!(
            "`{}` is not a controlled document (only policies, standards, procedures, objectives and declared types are approved)",
            args.id
        ));
    };
    let doc_type = meta.doc_type.value.as_str();

    // Who approves, in which role.
    let wanted = args.approver.trim().to_lowercase();
    let is_them =
        |name: &str, email: &str| name.to_lowercase() == wanted || email.to_lowercase() == wanted;
    let authorised = authorised_roles(site, doc_type);
    let mut candidates: Vec<(String, String, String)> = Vec::new();
    for role in site.roles() {
        for holder in role.holders_on(date) {
            if is_them(&holder.name, &holder.email) {
                candidates.push((
                    role.id.value.clone(),
                    holder.name.clone(),
                    holder.email.clone(),
                ));
            }
        }
    }
    if candidates.is_empty() {
        let holders: Vec<&str> = site
            .roles()
            .flat_map(|role| role.holders_on(date))
            .flat_map(|h| [h.name.as_str(), h.email.as_str()])
            .collect();
        return refuse(format!(
            "`{}` holds no role on {date} in the roles registry{}",
            args.approver,
            hint(args.approver.trim(), holders.into_iter())
        ));
    }
    if let Some(wanted_role) = &args.role
        && !candidates.iter().any(|(role, _, _)| role == wanted_role)
    {
        let held: Vec<&str> = candidates.iter().map(|c| c.0.as_str()).collect();
        return refuse(format!(
            "{} does not hold the role `{wanted_role}` on {date}{}; they hold {}",
            candidates[0].1,
            hint(wanted_role, held.iter().copied()),
            held.join(", ")
        ));
    }
    let eligible: Vec<&(String, String, String)> = candidates
        .iter()
        .filter(|(role, _, _)| authorised.contains(role))
        .filter(|(role, _, _)| args.role.as_ref().is_none_or(|r| r == role))
        .collect();
    let (role, name, email) = match eligible.as_slice() {
        [one] => (*one).clone(),
        [] => {
            let held: Vec<&str> = candidates.iter().map(|c| c.0.as_str()).collect();
            return refuse(format!(
                "{} may not approve a {doc_type}: on {date} they hold {}, and a {doc_type} is approved by {}",
                candidates[0].1,
                held.join(", "),
                if authorised.is_empty() {
                    "no role yet".to_string()
                } else {
                    authorised.join(", ")
                }
            ));
        }
        several => {
            let roles: Vec<&str> = several.iter().map(|c| c.0.as_str()).collect();
            return refuse(format!(
                "{} holds several roles that may approve a {doc_type} ({}); say which with --role",
                several[0].1,
                roles.join(", ")
            ));
        }
    };
    if controlled
        .approvals
        .iter()
        .any(|a| a.role.value == role && a.name.value == name && controlled.is_approved())
    {
        return refuse(format!(
            "{name} ({role}) already approved this version of {}",
            args.id
        ));
    }

    // Separation of duties: nobody approves content they wrote.
    if site.project.config.approval.separation_of_duties
        && let Ok(history) = site.history.as_ref()
    {
        let dh = crate::history::versions::document_history(history, doc);
        let writers = crate::history::versions::content_authors_since_last_version(&dh);
        if let Some((commit, _)) = writers.iter().find(|(_, a)| {
            a.email.eq_ignore_ascii_case(&email) || (email.is_empty() && a.name == name)
        }) {
            return refuse(format!(
                "{name} wrote a change of this content ({}), and [approval] separation-of-duties is on: someone else must approve it",
                crate::history::versions::short(commit)
            ));
        }
    }

    // The commit must hold exactly the approval.
    let repo = match git2::Repository::discover(&root) {
        Ok(repo) => repo,
        Err(e) => {
            return refuse(format!(
                "approvals are recorded in Git, and {} is not in a repository: {}",
                root.display(),
                e.message()
            ));
        }
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return refuse("a bare repository has no documents to approve");
    };
    let file_path = site.project.src_dir.join(&doc.rel_path);
    let repo_path = crate::history::worktree::relative(&workdir, &file_path)
        .ok_or_else(|| anyhow!("the document is outside the repository"))?;
    // Git's own lock: a running git command, or one that was killed. libgit2 would only say
    // "failed to create locked file" after the document was written.
    let index_lock = repo.path().join("index.lock");
    if index_lock.exists() {
        return refuse(format!(
            "{} exists: a git command is running in this repository, or one was interrupted; if none is running, delete it (rm {}) and approve again",
            index_lock.display(),
            index_lock.display()
        ));
    }
    let dirty = uncommitted(&repo, &site.project.src_dir, &workdir)?;
    if !dirty.is_empty() {
        return refuse(format!(
            "the working tree has uncommitted changes ({}); commit or stash them first, so that the approval commit holds only the approval",
            dirty.join(", ")
        ));
    }

    let original = std::fs::read(&file_path)
        .map_err(|e| crate::Error::io(format!("cannot read {}", file_path.display()), e))?;
    let new_text = with_approval(doc, &role, &name, date, controlled.is_approved())?;
    crate::atomic::write(&file_path, new_text.as_bytes())
        .map_err(|e| crate::Error::io(format!("cannot write {}", file_path.display()), e))?;

    let version = controlled
        .version
        .as_ref()
        .map(|v| v.value.clone())
        .unwrap_or_default();
    let mut message = format!("Approve {} v{version}: {}\n\n", args.id, meta.title.value);
    if let Some(extra) = &args.message {
        message.push_str(extra.trim());
        message.push_str("\n\n");
    }
    message.push_str(&format!("Approved-by: {name} <{email}>\n"));
    let commit = match commit(&repo, &repo_path, &name, &email, &message, args.sign) {
        Ok(id) => id,
        Err(e) => {
            // Leave the working tree as it was: the approval was not recorded.
            let _ = crate::atomic::write(&file_path, &original);
            return Err(e.context("cannot record the approval commit"));
        }
    };
    eprintln!(
        "approved {} v{version} as {name} ({role}) on {date} in commit {}",
        args.id,
        &commit[..10]
    );
    if args.tag {
        let hash = crate::content::facts::read(&new_text)
            .content_hash
            .unwrap_or_default();
        let tag_name = format!("approval/{}/{version}/{role}", args.id);
        approval_tag(&repo, &commit, &tag_name, &name, &email, &hash)
            .context("the approval is committed, but the tag is not")?;
        eprintln!("signed approval tag {tag_name}");
    }

    // What check now says about the document.
    let after = crate::load(&root, crate::site::Options::default())?;
    let findings: Vec<_> = after
        .diagnostics
        .iter()
        .filter(|d| d.doc_id.as_deref() == Some(args.id.as_str()))
        .cloned()
        .collect();
    if !findings.is_empty() {
        let sources = super::sources(&after.site);
        super::print(
            crate::diagnostic::report::Format::Human,
            &findings,
            &sources,
            true,
        );
    }
    Ok(if findings.iter().any(|d| d.is_error()) {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}

/// Uncommitted changes: any tracked file modified or staged, and untracked files in the
/// content directory (they would change what the approval covers).
fn uncommitted(
    repo: &git2::Repository,
    src_dir: &Path,
    workdir: &Path,
) -> anyhow::Result<Vec<String>> {
    let src = crate::history::worktree::folder(workdir, src_dir);
    crate::history::worktree::uncommitted(repo, src.as_deref())
        .context("cannot read the working tree's status")
}

/// The document's text with the approval recorded: the approval appended to `approvals`
/// (replacing them when the version was not approved yet: approvals are per version),
/// `status: approved`, and `effective` no earlier than the approval.
fn with_approval(
    doc: &Document,
    role: &str,
    name: &str,
    date: jiff::civil::Date,
    already_approved: bool,
) -> anyhow::Result<String> {
    let source = doc.source.as_str();
    let split =
        front_matter::split(source).map_err(|_| anyhow!("the front matter cannot be read"))?;
    let node = split
        .matter
        .map_err(|_| anyhow!("the front matter does not parse"))?;
    let Value::Map(entries) = &node.value else {
        bail!("the front matter is not a mapping");
    };
    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut lines: Vec<String> = source.split_inclusive('\n').map(str::to_string).collect();
    // 0-based index of the closing `---` line.
    let closing = source[..split.body_offset].matches('\n').count() - 1;
    let mut keys: Vec<(String, usize)> = entries
        .iter()
        .filter_map(|(k, _)| Some((k.as_str()?.to_string(), k.pos.line - 1)))
        .collect();
    keys.sort_by_key(|k| k.1);
    let block = |key: &str| -> Option<(usize, usize)> {
        let i = keys.iter().position(|k| k.0 == key)?;
        let start = keys[i].1;
        let end = keys.get(i + 1).map_or(closing, |k| k.1);
        Some((start, end))
    };
    let item_indent = block("approvals")
        .and_then(|(s, e)| {
            lines[s + 1..e]
                .iter()
                .find(|l| l.trim_start().starts_with("- "))
                .map(|l| l.len() - l.trim_start().len())
        })
        .unwrap_or(2);
    let pad = " ".repeat(item_indent);
    let quoted = serde_json::to_string(name).expect("strings serialise");
    let item = format!(
        "{pad}- role: {role}{newline}{pad}  name: {quoted}{newline}{pad}  date: {date}{newline}"
    );
    let existing_effective = entries.iter().find_map(|(k, v)| {
        (k.as_str() == Some("effective"))
            .then(|| v.as_str().and_then(crate::dates::parse_date))
            .flatten()
    });

    // Edits from the bottom up, so earlier line numbers stay valid.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    match block("approvals") {
        Some((s, e)) => {
            let keep_items = already_approved && lines[s].trim_end().ends_with(':');
            let mut text = format!("approvals:{newline}");
            if keep_items {
                text.extend(lines[s + 1..e].iter().cloned());
            }
            text.push_str(&item);
            edits.push((s, e, text));
        }
        None => edits.push((closing, closing, format!("approvals:{newline}{item}"))),
    }
    match block("status") {
        Some((s, e)) => edits.push((s, e, format!("status: approved{newline}"))),
        None => edits.push((closing, closing, format!("status: approved{newline}"))),
    }
    if existing_effective.is_none_or(|d| d < date) {
        match block("effective") {
            Some((s, e)) => edits.push((s, e, format!("effective: {date}{newline}"))),
            None => edits.push((closing, closing, format!("effective: {date}{newline}"))),
        }
    }
    edits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    for (start, end, text) in edits {
        lines.splice(start..end, [text]);
    }
    Ok(lines.concat())
}

/// Stages `path` and commits it on HEAD, authored by the approver; the committer is git's
/// configured user (or the approver). Returns the commit id.
fn commit(
    repo: &git2::Repository,
    path: &str,
    name: &str,
    email: &str,
    message: &str,
    sign: bool,
) -> anyhow::Result<String> {
    let mut index = repo.index()?;
    index.add_path(Path::new(path))?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let author = git2::Signature::now(name, email)?;
    let committer = repo.signature().unwrap_or_else(|_| author.clone());
    let parent = repo.head().and_then(|h| h.peel_to_commit())?;
    if !sign {
        let id = repo.commit(
            Some("HEAD"),
            &author,
            &committer,
            message,
            &tree,
            &[&parent],
        )?;
        return Ok(id.to_string());
    }
    let buffer = repo.commit_create_buffer(&author, &committer, message, &tree, &[&parent])?;
    let content = std::str::from_utf8(&buffer).context("the commit is not UTF-8")?;
    let signature = ssh_sign(repo, content.as_bytes())?;
    let id = repo.commit_signed(content, &signature, None)?;
    // Move the branch HEAD points at (or HEAD itself when detached) to the signed commit.
    let head = repo.head()?;
    let target = if repo.head_detached().unwrap_or(false) {
        "HEAD".to_string()
    } else {
        head.name()?.to_string()
    };
    repo.reference(&target, id, true, "policybook approve (signed)")?;
    Ok(id.to_string())
}

/// Writes the annotated tag `name` on `commit`, as `git tag -s` would with `gpg.format = ssh`:
/// the tag object's text, then its SSH signature appended to the message.
fn approval_tag(
    repo: &git2::Repository,
    commit: &str,
    name: &str,
    approver: &str,
    email: &str,
    content_hash: &str,
) -> anyhow::Result<()> {
    if repo.find_reference(&format!("refs/tags/{name}")).is_ok() {
        bail!("the tag {name} exists already");
    }
    let tagger = git2::Signature::now(approver, email)?;
    let offset = tagger.when().offset_minutes();
    let payload = format!(
        "object {commit}\ntype commit\ntag {name}\ntagger {approver} <{email}> {} {}{:02}{:02}\n\nApprove {name}\n\nApproved-by: {approver} <{email}>\nApproved-content: sha256:{content_hash}\n",
        tagger.when().seconds(),
        if offset < 0 { '-' } else { '+' },
        offset.abs() / 60,
        offset.abs() % 60,
    );
    let signature = ssh_sign(repo, payload.as_bytes())?;
    let object = format!("{payload}{signature}");
    let id = repo
        .odb()
        .and_then(|odb| odb.write(git2::ObjectType::Tag, object.as_bytes()))?;
    repo.reference(
        &format!("refs/tags/{name}"),
        id,
        false,
        "policybook approve --tag",
    )?;
    Ok(())
}

/// An SSH signature of `data` in git's format (SSHSIG, namespace `git`, armored) made with the
/// private key that `user.signingkey` names.
fn ssh_sign(repo: &git2::Repository, data: &[u8]) -> anyhow::Result<String> {
    let config = repo.config()?;
    let format = config.get_string("gpg.format").unwrap_or_default();
    if format != "ssh" {
        bail!("--sign needs `gpg.format = ssh` in git's configuration");
    }
    let key_path = config
        .get_path("user.signingkey")
        .context("--sign needs `user.signingkey` (the path of an SSH private key)")?;
    let text = std::fs::read_to_string(&key_path)
        .with_context(|| format!("cannot read {}", key_path.display()))?;
    let key = ssh_key::PrivateKey::from_openssh(&text).with_context(|| {
        format!(
            "{} is not an OpenSSH private key; `user.signingkey` must name the private key file",
            key_path.display()
        )
    })?;
    if key.is_encrypted() {
        bail!(
            "{} is passphrase-protected; policybook cannot ask for the passphrase (sign with git instead)",
            key_path.display()
        );
    }
    let signature = key
        .sign("git", ssh_key::HashAlg::Sha512, data)
        .context("cannot sign")?;
    signature
        .to_pem(ssh_key::LineEnding::LF)
        .context("cannot encode the signature")
}

/// A lock file held while an approval is read, written and committed. A lock left by a process
/// that no longer runs is taken over.
struct Lock(PathBuf);

impl Lock {
    fn acquire(path: &Path) -> anyhow::Result<Lock> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut file) => {
                    use std::io::Write;
                    let _ = write!(file, "{}", std::process::id());
                    return Ok(Lock(path.to_path_buf()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if holder_is_gone(path) {
                        let _ = std::fs::remove_file(path);
                        continue;
                    }
                    if std::time::Instant::now() > deadline {
                        bail!(
                            "another approval has held {} for a minute; if no policybook is running, delete it",
                            path.display()
                        );
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()));
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether the process named in a lock file has ended (Linux: no /proc entry).
fn holder_is_gone(path: &Path) -> bool {
    let Some(pid) = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
    else {
        // Being written right now, or garbage: not provably stale.
        return false;
    };
    cfg!(target_os = "linux") && !Path::new(&format!("/proc/{pid}")).exists()
}
