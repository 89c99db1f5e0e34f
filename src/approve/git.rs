//! The approval recorded in Git with libgit2: the commit (authored by the approver, optionally
//! SSH-signed as `git commit -S` with `gpg.format = ssh` signs) and the signed approval tag.

use super::error::ApproveError;
use std::path::Path;

fn git(context: &str) -> impl FnOnce(git2::Error) -> ApproveError + '_ {
    move |source| crate::Error::git(context, source).into()
}

/// Stages `path` and commits it on HEAD, authored by the approver; the committer is git's
/// configured user (or the approver). Returns the commit id.
pub fn commit(
    repo: &git2::Repository,
    path: &str,
    name: &str,
    email: &str,
    message: &str,
    sign: bool,
) -> Result<String, ApproveError> {
    let mut index = repo.index().map_err(git("cannot read the index"))?;
    index
        .add_path(Path::new(path))
        .map_err(git("cannot stage the document"))?;
    index.write().map_err(git("cannot write the index"))?;
    let tree = index
        .write_tree()
        .and_then(|id| repo.find_tree(id))
        .map_err(git("cannot write the tree"))?;
    let author =
        git2::Signature::now(name, email).map_err(git("the approver is no Git identity"))?;
    let committer = repo.signature().unwrap_or_else(|_| author.clone());
    let parent = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(git("HEAD is not a commit"))?;
    if !sign {
        let id = repo
            .commit(
                Some("HEAD"),
                &author,
                &committer,
                message,
                &tree,
                &[&parent],
            )
            .map_err(git("cannot commit"))?;
        return Ok(id.to_string());
    }
    let buffer = repo
        .commit_create_buffer(&author, &committer, message, &tree, &[&parent])
        .map_err(git("cannot write the commit"))?;
    let content = std::str::from_utf8(&buffer)
        .map_err(|_| ApproveError::Refused("the commit is not UTF-8".into()))?;
    let signature = ssh_sign(repo, content.as_bytes())?;
    let id = repo
        .commit_signed(content, &signature, None)
        .map_err(git("cannot write the signed commit"))?;
    // Move the branch HEAD points at (or HEAD itself when detached) to the signed commit.
    let target = match repo.head_detached() {
        Ok(true) => "HEAD".to_string(),
        _ => repo
            .head()
            .map_err(git("HEAD is not readable"))?
            .name()
            .map_err(git("HEAD's branch has no UTF-8 name"))?
            .to_string(),
    };
    repo.reference(&target, id, true, "policybook approve (signed)")
        .map_err(git("cannot move the branch to the signed commit"))?;
    Ok(id.to_string())
}

/// Writes the annotated tag `name` on `commit`, as `git tag -s` would with `gpg.format = ssh`:
/// the tag object's text, then its SSH signature appended to the message.
pub fn approval_tag(
    repo: &git2::Repository,
    commit: &str,
    name: &str,
    approver: &str,
    email: &str,
    content_hash: &str,
) -> Result<(), ApproveError> {
    if repo.find_reference(&format!("refs/tags/{name}")).is_ok() {
        return Err(ApproveError::Refused(format!(
            "the tag {name} exists already"
        )));
    }
    let tagger =
        git2::Signature::now(approver, email).map_err(git("the approver is no Git identity"))?;
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
        .and_then(|odb| odb.write(git2::ObjectType::Tag, object.as_bytes()))
        .map_err(git("cannot write the tag"))?;
    repo.reference(
        &format!("refs/tags/{name}"),
        id,
        false,
        "policybook approve --tag",
    )
    .map_err(git("cannot write the tag's reference"))?;
    Ok(())
}

/// An SSH signature of `data` in git's format (SSHSIG, namespace `git`, armored) made with the
/// private key that `user.signingkey` names.
fn ssh_sign(repo: &git2::Repository, data: &[u8]) -> Result<String, ApproveError> {
    let refused = |why: String| ApproveError::Refused(why);
    let config = repo
        .config()
        .map_err(git("cannot read git's configuration"))?;
    let format = config.get_string("gpg.format").unwrap_or_default();
    if format != "ssh" {
        return Err(refused(
            "--sign needs `gpg.format = ssh` in git's configuration".into(),
        ));
    }
    let key_path = config.get_path("user.signingkey").map_err(|_| {
        refused("--sign needs `user.signingkey` (the path of an SSH private key)".into())
    })?;
    let text = std::fs::read_to_string(&key_path)
        .map_err(|e| crate::Error::io(format!("cannot read {}", key_path.display()), e))?;
    let ssh = |context: String| move |source| ApproveError::Ssh { context, source };
    let key = ssh_key::PrivateKey::from_openssh(&text).map_err(ssh(format!(
        "{} is not an OpenSSH private key; `user.signingkey` must name the private key file",
        key_path.display()
    )))?;
    if key.is_encrypted() {
        return Err(refused(format!(
            "{} is passphrase-protected; policybook cannot ask for the passphrase (sign with git instead)",
            key_path.display()
        )));
    }
    key.sign("git", ssh_key::HashAlg::Sha512, data)
        .map_err(ssh("cannot sign".into()))?
        .to_pem(ssh_key::LineEnding::LF)
        .map_err(ssh("cannot encode the signature".into()))
}
