//! Finds the files under `[book] src`: Markdown documents and other files (attachments). Refuses
//! what cannot be a document — binary data, invalid UTF-8, huge files, symlinks that leave the
//! repository or loop — with a diagnostic, never a panic.

use crate::diagnostic::{Code, Diagnostic, Pos};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Largest Markdown file read. Policies are a few hundred kilobytes at most; larger files are
/// mistakes (a pasted export) and would slow every build.
pub const MAX_DOCUMENT_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct Found {
    /// (path below src, path below root, absolute path) of each Markdown file, sorted.
    pub markdown: Vec<(String, String, PathBuf)>,
    /// Paths below src of every other file (attachments), sorted.
    pub assets: BTreeSet<String>,
}

/// Walks `src` (inside `root`) with walkdir, in file-name order, following symlinks that stay in
/// the repository. Hidden files and directories are skipped.
pub fn walk(root: &Path, src: &Path, diagnostics: &mut Vec<Diagnostic>) -> Found {
    let mut found = Found::default();
    if !src.is_dir() {
        diagnostics.push(
            Diagnostic::new(
                Code::UnreadableFile,
                format!("the content directory `{}` does not exist", rel(root, src)),
            )
            .in_file(crate::config::FILE_NAME)
            .help("create it, or set [book] src in book.toml"),
        );
        return found;
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    // What the walk refuses to enter or read (the entry filter and the loop both say so).
    let refused = std::cell::RefCell::new(Vec::new());
    let entries = walkdir::WalkDir::new(src)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| match admit(entry, &canonical_root) {
            Ok(admitted) => admitted,
            Err(refusal) => {
                refused
                    .borrow_mut()
                    .push(unreadable(root, entry.path(), refusal));
                false
            }
        });
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(src);
                refused
                    .borrow_mut()
                    .push(unreadable(root, path, walk_error(path, &e)));
                continue;
            }
        };
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let path = entry.path();
        let below_src = rel(src, path);
        if below_src.ends_with(".md") {
            found
                .markdown
                .push((below_src, rel(root, path), path.to_path_buf()));
        } else if entry.file_type().is_file() {
            found.assets.insert(below_src);
        }
    }
    diagnostics.extend(refused.into_inner());
    found.markdown.sort();
    found
}

/// Why a file cannot be read: a message and a help.
type Refusal = (String, &'static str);

/// `unreadable-file` for `path` (named below `root`).
fn unreadable(root: &Path, path: &Path, (message, help): Refusal) -> Diagnostic {
    Diagnostic::new(Code::UnreadableFile, message)
        .in_file(&rel(root, path))
        .help(help.to_string())
}

/// Whether the walk enters or reads `entry`: not a hidden one (skipped silently), not one
/// whose name is not UTF-8 or a symlink that leads outside the repository (refused, said why).
fn admit(entry: &walkdir::DirEntry, canonical_root: &Path) -> Result<bool, Refusal> {
    if entry.depth() == 0 {
        return Ok(true);
    }
    let Some(name) = entry.file_name().to_str() else {
        return Err(("file name is not valid UTF-8".into(), "rename the file"));
    };
    if name.starts_with('.') {
        return Ok(false);
    }
    let outside = entry.path_is_symlink()
        && entry
            .path()
            .canonicalize()
            .is_ok_and(|target| !target.starts_with(canonical_root));
    if outside {
        return Err((
            "symlink leads outside the repository; it is not read".into(),
            "copy the file into the repository instead of linking to it",
        ));
    }
    Ok(true)
}

/// Why the walk could not read `path`: a symlink loop, a broken symlink, or an I/O error.
fn walk_error(path: &Path, e: &walkdir::Error) -> Refusal {
    if e.loop_ancestor().is_some() {
        ("directory symlink loop".into(), "remove the symlink")
    } else if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
        (
            "symlink is broken or loops".into(),
            "remove the symlink or point it at a file in the repository",
        )
    } else {
        let why = e.io_error().map_or(e.to_string(), ToString::to_string);
        (format!("cannot read: {why}"), "check permissions")
    }
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads a Markdown file as text, or says why it cannot be a document.
pub fn read_text(path: &Path, file: &str) -> Result<String, Box<Diagnostic>> {
    let (bytes, _) = read_bytes(path, file)?;
    to_text(bytes, file)
}

/// `read_text`, with the file's Git blob id (of its bytes as read, a byte order mark
/// included): from `stat_cache` when Git's index vouches for the file (`file`, from the root),
/// else hashed.
pub fn read_text_and_id(
    path: &Path,
    file: &str,
    stat_cache: Option<&crate::stat_cache::StatCache>,
) -> Result<(String, Option<String>), Box<Diagnostic>> {
    let (bytes, stat) = read_bytes(path, file)?;
    let id = crate::stat_cache::blob_id(stat_cache, file, stat.as_ref(), &bytes);
    Ok((to_text(bytes, file)?, id))
}

fn unreadable_file(file: &str, message: String, pos: Pos, help: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(Code::UnreadableFile, message)
            .at(file, pos)
            .help(help.to_string()),
    )
}

/// The bytes of the file at `path` (at most `MAX_DOCUMENT_BYTES`), and its stat data once
/// read (see `StatCache`).
fn read_bytes(
    path: &Path,
    file: &str,
) -> Result<(Vec<u8>, Option<std::fs::Metadata>), Box<Diagnostic>> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        unreadable_file(
            file,
            format!("cannot read file: {e}"),
            Pos::new(1, 1),
            "check permissions",
        )
    };
    let mut handle = std::fs::File::open(path).map_err(cannot)?;
    let too_large = |size: u64| {
        unreadable_file(
            file,
            format!(
                "file is {} MiB, more than the {} MiB a document may have",
                size / (1024 * 1024),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            Pos::new(1, 1),
            "split the document, or move large data into an attachment",
        )
    };
    let size = handle.metadata().map_err(cannot)?.len();
    if size > MAX_DOCUMENT_BYTES {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // No more than the limit, whatever the file grew to since.
    (&mut handle)
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    let stat = handle.metadata().ok();
    Ok((bytes, stat))
}

/// The text of a Markdown file's bytes (its byte order mark removed), or why it cannot be a
/// document.
fn to_text(bytes: Vec<u8>, file: &str) -> Result<String, Box<Diagnostic>> {
    let fail = |message: String, pos: Pos, help: &str| unreadable_file(file, message, pos, help);
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let prefix = String::from_utf8_lossy(&bytes[..nul]);
        let pos = Pos::of_offset(&prefix, prefix.len());
        return Err(fail(
            "file contains NUL bytes: it is binary, not Markdown".into(),
            pos,
            "rename it so it does not end in .md, or remove it",
        ));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
        fail(
            format!(
                "file is not valid UTF-8 (invalid byte 0x{:02x})",
                bytes[valid]
            ),
            Pos::of_offset(prefix, valid),
            "save the file as UTF-8",
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}
