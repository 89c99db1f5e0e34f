//! One approval at a time per repository: two approvers of the same document at once would
//! otherwise each write the front matter they read, and one approval would be lost.

use super::error::ApproveError;
use std::path::{Path, PathBuf};

/// A lock file held while an approval is read, written and committed. A lock left by a process
/// that no longer runs is taken over.
pub struct Lock(PathBuf);

impl Lock {
    pub fn acquire(path: &Path) -> Result<Lock, ApproveError> {
        let io = |context: String| move |e| ApproveError::from(crate::Error::io(context, e));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
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
                        return Err(ApproveError::Refused(format!(
                            "another approval has held {} for a minute; if no policybook is running, delete it",
                            path.display()
                        )));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(io(format!("cannot create {}", path.display()))(e)),
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
