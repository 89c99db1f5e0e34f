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

/// Walks `src` (inside `root`). Hidden files and directories are skipped.
pub fn walk(root: &Path, src: &Path, diagnostics: &mut Vec<Diagnostic>) -> Found {
    let mut found = Found::default();
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut visited = BTreeSet::new();
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
    walk_dir(
        &canonical_root,
        root,
        src,
        "",
        &mut visited,
        &mut found,
        diagnostics,
    );
    found.markdown.sort();
    found
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn walk_dir(
    canonical_root: &Path,
    root: &Path,
    dir: &Path,
    prefix: &str,
    visited: &mut BTreeSet<PathBuf>,
    found: &mut Found,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let unreadable = |path: &Path, message: String, help: &str| {
        Diagnostic::new(Code::UnreadableFile, message)
            .in_file(&rel(root, path))
            .help(help.to_string())
    };
    match dir.canonicalize() {
        Ok(c) if !visited.insert(c.clone()) => {
            diagnostics.push(unreadable(
                dir,
                "directory symlink loop".into(),
                "remove the symlink",
            ));
            return;
        }
        Err(e) => {
            diagnostics.push(unreadable(
                dir,
                format!("cannot read directory: {e}"),
                "check permissions",
            ));
            return;
        }
        _ => {}
    }
    let mut entries: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(Result::ok).collect(),
        Err(e) => {
            diagnostics.push(unreadable(
                dir,
                format!("cannot read directory: {e}"),
                "check permissions",
            ));
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            diagnostics.push(unreadable(
                &entry.path(),
                "file name is not valid UTF-8".into(),
                "rename the file",
            ));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let below_src = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            match path.canonicalize() {
                Err(_) => {
                    diagnostics.push(unreadable(
                        &path,
                        "symlink is broken or loops".into(),
                        "remove the symlink or point it at a file in the repository",
                    ));
                    continue;
                }
                Ok(target) if !target.starts_with(canonical_root) => {
                    diagnostics.push(unreadable(
                        &path,
                        "symlink leads outside the repository; it is not read".into(),
                        "copy the file into the repository instead of linking to it",
                    ));
                    continue;
                }
                Ok(_) => {}
            }
        }
        if path.is_dir() {
            walk_dir(
                canonical_root,
                root,
                &path,
                &below_src,
                visited,
                found,
                diagnostics,
            );
        } else if name.ends_with(".md") {
            found.markdown.push((below_src, rel(root, &path), path));
        } else if path.is_file() {
            found.assets.insert(below_src);
        }
    }
}

/// Reads a Markdown file as text, or says why it cannot be a document.
pub fn read_text(path: &Path, file: &str) -> Result<String, Box<Diagnostic>> {
    let fail = |message: String, pos: Pos, help: &str| {
        Box::new(
            Diagnostic::new(Code::UnreadableFile, message)
                .at(file, pos)
                .help(help.to_string()),
        )
    };
    let size = std::fs::metadata(path)
        .map_err(|e| {
            fail(
                format!("cannot read file: {e}"),
                Pos::new(1, 1),
                "check permissions",
            )
        })?
        .len();
    if size > MAX_DOCUMENT_BYTES {
        return Err(fail(
            format!(
                "file is {} MiB, more than the {} MiB a document may have",
                size / (1024 * 1024),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            Pos::new(1, 1),
            "split the document, or move large data into an attachment",
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        fail(
            format!("cannot read file: {e}"),
            Pos::new(1, 1),
            "check permissions",
        )
    })?;
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
