//! One process per run: an operating-system lock on a file beside the
//! results, taken before anything else is done for the run (no rename, no
//! write). The system lets it go when the process ends, however it ends, so
//! there is no expiry. The holder writes a note beside it (user, machine,
//! process) for the one it refuses.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Failure, Holder, Refusal, Result, SystemCause};
use crate::i18n::Lang;
use crate::outcome::now_iso;

use super::RunFiles;

/// A run's lock, held until dropped (or the process ends).
pub(super) struct RunLock {
    _file: File,
    note: PathBuf,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // The lock file stays: removing it would let two processes lock two
        // different files of one name.
        let _ = std::fs::remove_file(&self.note);
    }
}

impl RunLock {
    /// Takes the lock of the run writing `files`' results, or says who has it.
    // `_lang`: the callers' (before.rs) still pass it; the refusal is said at the edge.
    pub(super) fn take(files: &RunFiles, _lang: Lang) -> Result<RunLock> {
        let file = open_lock(&files.lock()).map_err(|e| {
            Failure::refused(Refusal::RunCannotPrepare {
                folder: folder_of(files.results()).to_path_buf(),
                error: SystemCause::from(&e),
            })
        })?;
        Self::hold(file, files)
    }

    /// The lock of a run only read (`--only-failed`'s previous run): taken
    /// when its folder lets us, refused when another process holds it.
    pub(super) fn take_to_read(files: &RunFiles, _lang: Lang) -> Result<Option<RunLock>> {
        match open_lock(&files.lock()) {
            Ok(file) => Self::hold(file, files).map(Some),
            // A folder we may only read: nobody runs there through us.
            Err(_) => Ok(None),
        }
    }

    /// Whether a process holds the lock of these results now (the lock
    /// file is only looked at, never created).
    pub(super) fn is_held(files: &RunFiles) -> bool {
        let Ok(file) = OpenOptions::new().read(true).open(files.lock()) else { return false };
        matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
    }

    fn hold(file: File, files: &RunFiles) -> Result<RunLock> {
        let note = files.lock_note();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(refused(files, &note)),
            Err(TryLockError::Error(e)) => {
                return Err(Failure::refused(Refusal::RunCannotLock {
                    folder: folder_of(files.results()).to_path_buf(),
                    error: SystemCause::from(&e),
                }));
            }
        }
        let holder = Holder {
            user: crate::files::user_name(),
            machine: crate::files::machine_name(),
            pid: std::process::id(),
            since: now_iso(),
        };
        // The note only helps the one refused: a run goes on without it.
        let _ = std::fs::write(&note, serde_json::to_vec(&holder).unwrap_or_default());
        Ok(RunLock { _file: file, note })
    }
}

/// Who ran into these results last, as the note beside the lock says (it
/// stays after a kill): user and machine.
pub(super) fn noted_holder(files: &RunFiles) -> Option<(String, String)> {
    let holder = serde_json::from_slice::<Holder>(&std::fs::read(files.lock_note()).ok()?).ok()?;
    Some((holder.user, holder.machine))
}

/// The lock file, created if need be. One created by a colleague in a
/// shared folder may be read-only to us: a lock needs only to read it.
fn open_lock(path: &Path) -> std::io::Result<File> {
    match OpenOptions::new().create(true).truncate(false).read(true).write(true).open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && path.exists() => {
            OpenOptions::new().read(true).open(path)
        }
        other => other,
    }
}

fn refused(files: &RunFiles, note: &Path) -> Failure {
    let results = files.results().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let holder = std::fs::read(note).ok().and_then(|b| serde_json::from_slice::<Holder>(&b).ok());
    Failure::refused(Refusal::RunTaken { results, holder })
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let files = RunFiles::new(dir.path().join("r.csv"));
        let first = RunLock::take(&files, Lang::Fr).unwrap();
        let refused = RunLock::take(&files, Lang::Fr).err().expect("refused");
        assert_eq!(refused.exit(), crate::error::exit::UNUSABLE);
        let pid = std::process::id().to_string();
        assert!(refused.to_string().contains("r.csv") && refused.to_string().contains(&pid), "{}", refused.to_string());
        assert!(refused.to_string().contains("Rien n'a été envoyé"), "{}", refused.to_string());
        drop(first);
        assert!(!files.lock_note().exists(), "the note goes with its holder");
        RunLock::take(&files, Lang::Fr).expect("free again");
    }
}
