//! Files written whole or not at all: through a temporary file in the same
//! folder, synced, then renamed over the target, and the folder synced so
//! that the rename survives a power cut. Every stage that writes a file
//! (plan, results, templates) goes through here. A temporary file is locked
//! by its writer while it lives, so that one left by a killed process can be
//! told from one being written (`remove_stale_temps`). Owner-only files and
//! folders of the per-user folders (`owner_only_*`) are made here too.

use std::io::Write;
use std::path::Path;

use crate::error::{Failure, Result, WriteProblem};

/// Writes through a temporary file in the same folder, then renames it over
/// the target, so that a crash never leaves a half-written file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// `write_atomic` for content produced by a writer function.
pub(crate) fn write_atomic_with(
    path: &Path,
    produce: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    // The system's error, its kind and code (`SystemCause` keeps the
    // system's under a temporary file's, never the temporary name).
    let fail = |e: &std::io::Error| Failure::write(path, WriteProblem::Io(e.into()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(Failure::write(path, WriteProblem::Folder));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(".tmp");
    // The folder's permissions (without execute): colleagues who may read
    // the folder may read the results; an owner-only folder keeps them so.
    #[cfg(unix)]
    if let Ok(folder) = std::fs::metadata(dir) {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(folder.permissions().mode() & 0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| fail(&e))?;
    // Some file systems have no locks: the file is written all the same.
    let _ = tmp.as_file().try_lock();
    {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        produce(&mut buffered).map_err(|e| fail(&e))?;
        buffered.flush().map_err(|e| fail(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    sync_dir(dir).map_err(|e| fail(&e))
}

/// How the temporary files of loopbatch start (`.loopbatch-XXXX.tmp`).
pub(crate) const TEMP_PREFIX: &str = ".loopbatch-";

/// Makes a rename in `dir` durable: on unix the folder itself is synced;
/// Windows has no such call (its renames are journaled by NTFS).
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates `path` (and its parents) and makes it owner-only (unix 0700),
/// also when it existed already.
pub(crate) fn owner_only_folder(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes a file only its owner can read (unix 0600), as a new file
/// renamed over the old one: a reader holding the old one open (when it was
/// readable by others) never sees the new content, and a link there is
/// replaced, not followed.
pub(crate) fn owner_only_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    let _ = sync_dir(dir);
    Ok(())
}

/// Brings everything under `folder` to owner-only (folders 0700, files
/// 0600): what an earlier version left readable by others. Links are not
/// followed.
pub(crate) fn tighten(folder: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut stack = vec![folder.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let Ok(meta) = std::fs::symlink_metadata(entry.path()) else { continue };
                let mode = if meta.is_dir() {
                    stack.push(entry.path());
                    0o700
                } else if meta.is_file() {
                    0o600
                } else {
                    continue;
                };
                if meta.permissions().mode() & 0o777 != mode {
                    let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode));
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = folder;
}

/// From now on, whatever this process creates is owner-only (unix umask
/// 077): `loopbatch ui` writes only in the per-user folders, so journals,
/// locks and results of its runs are the owner's alone.
pub(crate) fn owner_only_from_now() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe {
        libc::umask(0o077);
    }
}

/// Removes the temporary files of loopbatch in `dir` that no live process
/// holds (a kill left them): each is locked by its writer while it lives.
/// Returns how many were removed.
pub(crate) fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(TEMP_PREFIX) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = std::fs::OpenOptions::new().read(true).write(true).open(&path) else { continue };
        // Held by a live writer: not ours to remove.
        if file.try_lock().is_ok() && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The user running this process, as the system names them.
pub(crate) fn user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "?".into())
}

/// This machine's name.
pub(crate) fn machine_name() -> String {
    #[cfg(unix)]
    if let Ok(name) =
        std::fs::read_to_string("/proc/sys/kernel/hostname").or_else(|_| std::fs::read_to_string("/etc/hostname"))
    {
        let name = name.trim();
        if !name.is_empty() {
            return name.to_string();
        }
    }
    ["COMPUTERNAME", "HOSTNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_file_left_behind_is_removed_unless_a_writer_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join(".loopbatch-abc123.tmp");
        std::fs::write(&left, b"half a plan").unwrap();
        let held = dir.path().join(".loopbatch-live.tmp");
        let holder = std::fs::File::create(&held).unwrap();
        holder.lock().unwrap();
        let other = dir.path().join("resultats.csv");
        std::fs::write(&other, b"x").unwrap();
        assert_eq!(remove_stale_temps(dir.path()), 1);
        assert!(!left.exists() && held.exists() && other.exists());
        drop(holder);
        assert_eq!(remove_stale_temps(dir.path()), 1, "its writer gone, it goes too");
        write_atomic(&dir.path().join("plan.json"), b"{}").unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }
}
