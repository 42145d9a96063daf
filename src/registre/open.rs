//! Opening the registre: created owner-only, WAL, a wait on a busy lock,
//! automatic checkpoints off (the writer makes its own between batches),
//! the schema made or checked. A damaged file, or one of a newer schema,
//! is refused with what to do, and left as it is.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use crate::error::{Failure, Result};
use crate::i18n::Lang;

use super::schema;

/// How long a statement waits for another process's write lock (a copy or
/// a check of a large registre can hold it for a while).
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

pub(super) fn open(path: &Path, lang: Lang) -> Result<Connection> {
    if let Some(what) = unsafe_place(path, lang) {
        return Err(Failure::unusable(format!(
            "{} {} ({what}). {}",
            lang.t("Le registre ne peut pas être gardé là :", "The registre cannot be kept there:"),
            path.display(),
            lang.t(
                "Sur un partage réseau ou dans un dossier synchronisé, le verrouillage de SQLite n'est pas sûr : le registre pourrait être abîmé. Gardez-le sur un disque de ce poste (par défaut, le dossier de données local de l'utilisateur) ; copiez-le ailleurs avec « loopbatch registre copy ». Rien n'a été envoyé.",
                "On a network share or in a synced folder, SQLite's locking is not safe: the registre could be damaged. Keep it on a disk of this machine (by default, the user's local data folder); copy it elsewhere with “loopbatch registre copy”. Nothing was sent."
            )
        )));
    }
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        crate::files::owner_only_folder(dir).map_err(|e| cannot_open(path, &e.to_string(), lang))?;
    }
    if !path.exists() {
        create(path, lang)?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| failure(path, &e, lang))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| failure(path, &e, lang))?;
    // Read before anything is written: a newer schema, or a file that is no
    // registre (emptied, truncated, another program's), is left untouched.
    // A registre is made whole elsewhere and linked into place (`create`),
    // so a file here without a schema version was never a registre.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| failure(path, &e, lang))?;
    if version > schema::VERSION {
        let by: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| r.get(0)).optional().ok().flatten();
        return Err(newer(path, by.as_deref(), lang));
    }
    if version == 0 {
        return Err(damaged(path, lang));
    }
    let set = |sql: &str| conn.query_row(sql, [], |_| Ok(())).optional().map(drop);
    set("PRAGMA journal_mode = WAL")
        .and_then(|()| set("PRAGMA synchronous = NORMAL"))
        .and_then(|()| set("PRAGMA wal_autocheckpoint = 0"))
        .and_then(|()| set("PRAGMA secure_delete = ON"))
        .and_then(|()| set("PRAGMA foreign_keys = ON"))
        .and_then(|()| set("PRAGMA temp_store = MEMORY"))
        .map_err(|e| failure(path, &e, lang))?;
    schema::ensure(&conn, version, path).map_err(|e| failure(path, &e, lang))?;
    Ok(conn)
}

/// Makes a new registre beside `path` (owner-only, its schema whole), then
/// links it into place: a link fails if another process made one first
/// (theirs is kept), and a process killed midway leaves only its own
/// temporary file, never an empty registre at `path`.
fn create(path: &Path, lang: Lang) -> Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.nouveau-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let made = (|| -> std::result::Result<(), String> {
        create_owner_only(&temp).map_err(|e| e.to_string())?;
        let conn = Connection::open(&temp).map_err(|e| e.to_string())?;
        schema::ensure(&conn, 0, &temp).map_err(|e| e.to_string())?;
        conn.close().map_err(|(_, e)| e.to_string())?;
        match std::fs::hard_link(&temp, path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e.to_string()),
            _ => Ok(()),
        }
    })();
    let _ = std::fs::remove_file(&temp);
    made.map_err(|e| cannot_open(path, &e, lang))
}

/// A folder synced by a cloud client, or a network file system, where
/// SQLite's locking is not safe: what it is, where it can be seen.
fn unsafe_place(path: &Path, lang: Lang) -> Option<&'static str> {
    const SYNCED: [&str; 6] = ["onedrive", "dropbox", "google drive", "googledrive", "icloud drive", "icloud"];
    let synced = path.components().any(|c| {
        let name = c.as_os_str().to_string_lossy().to_lowercase();
        SYNCED.iter().any(|s| name == *s || name.starts_with(&format!("{s} -")) || name.starts_with(&format!("{s}-")))
    });
    if synced {
        return Some(lang.t("dossier synchronisé", "synced folder"));
    }
    network_fs(path).then_some(lang.t("partage réseau", "network share"))
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

/// The message of a registre that cannot be used, by SQLite's error.
pub(super) fn failure(path: &Path, e: &rusqlite::Error, lang: Lang) -> Failure {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => damaged(path, lang),
        Some(ErrorCode::DiskFull) => Failure::unusable(format!(
            "{} {} {}",
            lang.t("Le disque du registre est plein :", "The registre's disk is full:"),
            path.display(),
            lang.t("— libérez de la place, puis relancez.", "— free some space, then run again.")
        )),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Failure::unusable(format!(
            "{} {} {}",
            lang.t("Le registre est occupé par un autre programme :", "The registre is busy in another program:"),
            path.display(),
            lang.t(
                "— attendez qu'il le libère (une copie, une synchronisation ?), puis relancez.",
                "— wait until it lets go (a copy, a sync?), then run again."
            )
        )),
        _ => cannot_open(path, &e.to_string(), lang),
    }
}

fn cannot_open(path: &Path, error: &str, lang: Lang) -> Failure {
    Failure::unusable(format!(
        "{} {} ({error}). {}",
        lang.t("Registre impossible à ouvrir :", "Cannot open the registre:"),
        path.display(),
        lang.t(
            "Vérifiez le dossier et le droit d'y écrire, ou indiquez un autre registre avec --registre. Rien n'a été envoyé.",
            "Check the folder and the permission to write there, or name another registre with --registre. Nothing was sent."
        )
    ))
}

/// A damaged file is never replaced by an empty registre (its first run
/// would send everything again): the user moves it aside, knowingly.
fn damaged(path: &Path, lang: Lang) -> Failure {
    let aside = format!("{}.endommage", path.display());
    let command = if cfg!(windows) {
        format!("move \"{}\" \"{aside}\"", path.display())
    } else {
        format!("mv \"{}\" \"{aside}\"", path.display())
    };
    Failure::unusable(format!(
        "{} {} {} {command} {}",
        lang.t("Le registre est endommagé :", "The registre is damaged:"),
        path.display(),
        lang.t(
            "— loopbatch ne le remplace pas par un registre vide, qui ne saurait plus ce qui a été envoyé. Rien n'a été envoyé. Mettez-le de côté avec :",
            "— loopbatch does not replace it with an empty registre, which would no longer know what was sent. Nothing was sent. Move it aside with:"
        ),
        lang.t(
            "puis relancez (gardez la copie pour le support ; `loopbatch registre import` relit les journaux qui restent à côté des résultats).",
            "then run again (keep the copy for support; `loopbatch registre import` reads back the journals left beside results)."
        )
    ))
}

fn newer(path: &Path, by: Option<&str>, lang: Lang) -> Failure {
    Failure::unusable(format!(
        "{} {} {} {}{} {}",
        lang.t("Le registre", "The registre"),
        path.display(),
        lang.t("a été créé par loopbatch", "was made by loopbatch"),
        by.unwrap_or("?"),
        lang.t(", plus récent : mettez à jour loopbatch.", ", newer: update loopbatch."),
        lang.t(
            "Le registre n'a pas été modifié ; rien n'a été envoyé.",
            "The registre was not changed; nothing was sent."
        )
    ))
}
