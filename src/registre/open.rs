//! Opening the registre: created owner-only, WAL, a wait on a busy lock,
//! automatic checkpoints off (the writer makes its own between batches),
//! the schema made or checked. A damaged file, or one of a newer schema,
//! is refused with what to do, and left as it is.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use crate::error::{Failure, Refusal, Result, SystemCause};
use crate::i18n::Lang;

use super::schema;

/// How long a statement waits for another process's write lock (a copy or
/// a check of a large registre can hold it for a while).
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a reader (`history`) waits for a busy registre before saying
/// so: reads never need the writers' long wait.
pub(super) const READER_WAIT: Duration = Duration::from_secs(3);

pub(super) fn open(path: &Path) -> Result<Connection> {
    open_waiting(path, BUSY_TIMEOUT)
}

/// `open`, waiting `wait` at most for another process's lock.
pub(super) fn open_waiting(path: &Path, wait: Duration) -> Result<Connection> {
    if let Some(network) = unsafe_place(path) {
        return Err(Failure::refused(Refusal::RegistreUnsafePlace { file: path.to_path_buf(), network }));
    }
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        crate::files::owner_only_folder(dir).map_err(|e| cannot_open(path, (&e).into()))?;
    }
    if !path.exists() {
        create(path)?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| refusal(path, &e))?;
    conn.busy_timeout(wait).map_err(|e| refusal(path, &e))?;
    // Read before anything is written: a newer schema, or a file that is no
    // registre (emptied, truncated, another program's), is left untouched.
    // A registre is made whole elsewhere and linked into place (`create`),
    // so a file here without a schema version was never a registre.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| refusal(path, &e))?;
    if version > schema::VERSION {
        let by: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| r.get(0)).optional().ok().flatten();
        return Err(newer(path, by.as_deref()));
    }
    if version == 0 {
        return Err(damaged(path));
    }
    let set = |sql: &str| conn.query_row(sql, [], |_| Ok(())).optional().map(drop);
    set("PRAGMA journal_mode = WAL")
        .and_then(|()| set("PRAGMA synchronous = NORMAL"))
        .and_then(|()| set("PRAGMA wal_autocheckpoint = 0"))
        .and_then(|()| set("PRAGMA secure_delete = ON"))
        .and_then(|()| set("PRAGMA foreign_keys = ON"))
        .and_then(|()| set("PRAGMA temp_store = MEMORY"))
        .map_err(|e| refusal(path, &e))?;
    schema::ensure(&conn, version, path).map_err(|e| refusal(path, &e))?;
    Ok(conn)
}

/// Makes a new registre beside `path` (owner-only, its schema whole), then
/// links it into place: a link fails if another process made one first
/// (theirs is kept), and a process killed midway leaves only its own
/// temporary file, never an empty registre at `path`.
fn create(path: &Path) -> Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.nouveau-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let made = (|| -> std::result::Result<(), SystemCause> {
        create_owner_only(&temp).map_err(|e| SystemCause::from(&e))?;
        let conn = Connection::open(&temp).map_err(|e| SystemCause::from(&e))?;
        schema::ensure(&conn, 0, &temp).map_err(|e| SystemCause::from(&e))?;
        conn.close().map_err(|(_, e)| SystemCause::from(&e))?;
        match std::fs::hard_link(&temp, path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(SystemCause::from(&e)),
            _ => Ok(()),
        }
    })();
    let _ = std::fs::remove_file(&temp);
    made.map_err(|e| cannot_open(path, e))
}

/// A folder synced by a cloud client, or a network file system, where
/// SQLite's locking is not safe: whether a network share (else synced).
fn unsafe_place(path: &Path) -> Option<bool> {
    const SYNCED: [&str; 6] = ["onedrive", "dropbox", "google drive", "googledrive", "icloud drive", "icloud"];
    let synced = path.components().any(|c| {
        let name = c.as_os_str().to_string_lossy().to_lowercase();
        SYNCED.iter().any(|s| name == *s || name.starts_with(&format!("{s} -")) || name.starts_with(&format!("{s}-")))
    });
    if synced {
        return Some(false);
    }
    (unc(path) || network_fs(path)).then_some(true)
}

/// A Windows share named by its server (`\\serveur\partage\…`, also in
/// its `\\?\UNC\…` form): a network share whatever the system says.
fn unc(path: &Path) -> bool {
    use std::path::{Component, Prefix};
    matches!(path.components().next(), Some(Component::Prefix(p)) if matches!(p.kind(), Prefix::UNC(..) | Prefix::VerbatimUNC(..)))
}

/// Whether the folder of `path` (or its nearest existing parent) is on a
/// network file system (Linux: NFS, SMB/CIFS, AFS, 9p…).
#[cfg(target_os = "linux")]
fn network_fs(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    const NETWORK: [i64; 7] = [0x6969, 0x517B, 0xFF53_4D42, 0xFE53_4D42, 0x5346_414F, 0x0102_1997, 0x6B41_4653];
    let Some(dir) = path.ancestors().skip(1).find(|p| p.exists()) else { return false };
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return false };
    let mut st = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: `c` is a valid NUL-terminated path; statfs fills `st` on success only.
    let st = unsafe {
        if libc::statfs(c.as_ptr(), st.as_mut_ptr()) != 0 {
            return false;
        }
        st.assume_init()
    };
    #[allow(clippy::unnecessary_cast)]
    NETWORK.contains(&(st.f_type as i64))
}

#[cfg(not(target_os = "linux"))]
fn network_fs(_path: &Path) -> bool {
    false
}

/// Creates an empty file only its owner may read and write (unix 0600):
/// SQLite gives its `-wal` and `-shm` files the same permissions.
pub(super) fn create_owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

/// A registre that cannot be used, by SQLite's error. (`_lang`: query.rs
/// still passes it; the refusal is said at the edge.)
pub(super) fn failure(path: &Path, e: &rusqlite::Error, _lang: Lang) -> Failure {
    refusal(path, e)
}

fn refusal(path: &Path, e: &rusqlite::Error) -> Failure {
    let file = path.to_path_buf();
    Failure::refused(match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Refusal::RegistreDamaged { file },
        Some(ErrorCode::DiskFull) => Refusal::RegistreDiskFull { file },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Refusal::RegistreBusy { file },
        _ => Refusal::RegistreCannotOpen { file, error: e.into() },
    })
}

fn cannot_open(path: &Path, error: SystemCause) -> Failure {
    Failure::refused(Refusal::RegistreCannotOpen { file: path.to_path_buf(), error })
}

/// A damaged file is never replaced by an empty registre (its first run
/// would send everything again): the user moves it aside, knowingly.
fn damaged(path: &Path) -> Failure {
    Failure::refused(Refusal::RegistreDamaged { file: path.to_path_buf() })
}

fn newer(path: &Path, by: Option<&str>) -> Failure {
    Failure::refused(Refusal::RegistreNewer { file: path.to_path_buf(), by: by.map(str::to_string) })
}

#[cfg(all(test, windows))]
mod tests {
    use super::*;

    #[test]
    fn a_share_named_by_its_server_is_a_network_share() {
        assert!(unc(Path::new(r"\\serveur\partage\loopbatch\registre.sqlite")));
        assert!(unc(Path::new(r"\\?\UNC\serveur\partage\registre.sqlite")));
        assert!(!unc(Path::new(r"C:\Users\claire\AppData\Local\loopbatch\registre.sqlite")));
        assert_eq!(unsafe_place(Path::new(r"\\serveur\partage\registre.sqlite")), Some(true));
    }
}
