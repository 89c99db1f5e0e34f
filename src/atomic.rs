//! Writes that a crash cannot leave half done: the bytes go to a temporary file in the target's
//! directory, are flushed to disk, and the temporary file is renamed over (or, for a file that
//! must be new, linked to) the target; then the directory is flushed, so the rename itself
//! survives a power cut. A reader, or a process killed at any point, sees the old file or the
//! new one, never a truncated one. Every file policybook writes into the repository goes
//! through here.

use std::io::Write;
use std::path::Path;

/// Replaces (or creates) `path` with `bytes`. An existing file keeps its permissions; a new
/// one gets what `File::create` would give it.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mode = std::fs::metadata(path).ok().map(|m| m.permissions());
    let file = staged(path, bytes, mode)?;
    file.persist(path).map_err(|e| e.error)?;
    sync_dir(path);
    Ok(())
}

/// Creates `path` with `bytes`; fails with `AlreadyExists` (and leaves it alone) when it exists.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file = staged(path, bytes, None)?;
    file.persist_noclobber(path).map_err(|e| e.error)?;
    sync_dir(path);
    Ok(())
}

fn staged(
    path: &Path,
    bytes: &[u8],
    mode: Option<std::fs::Permissions>,
) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A dot file named after the target: editors and `git status` of a crashed run show what
    // it was, and `*.md` globs do not pick it up.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A new file gets what `File::create` gives (0666 less the umask); temporary files are
    // otherwise private.
    #[cfg(unix)]
    if mode.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(bytes)?;
    if let Some(mode) = mode {
        file.as_file().set_permissions(mode)?;
    }
    file.as_file().sync_all()?;
    Ok(file)
}

/// Flushes the directory entry of `path` (where the platform can); a failure here loses no
/// data that a reader could see, so it is not reported.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeps_the_mode_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        write(&path, b"one").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn write_new_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("entry.md");
        write_new(&path, b"first").unwrap();
        let error = write_new(&path, b"second").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
