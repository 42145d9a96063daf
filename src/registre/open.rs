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

/// How long a statement waits for another process's write lock.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn open(path: &Path, lang: Lang) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        crate::files::owner_only_folder(dir).map_err(|e| cannot_open(path, &e.to_string(), lang))?;
    }
    if !path.exists() {
        create_owner_only(path).map_err(|e| cannot_open(path, &e.to_string(), lang))?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| failure(path, &e, lang))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| failure(path, &e, lang))?;
    // Read before anything is written: a newer schema is left untouched.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| failure(path, &e, lang))?;
    if version > schema::VERSION {
        let by: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| r.get(0)).optional().ok().flatten();
        return Err(newer(path, by.as_deref(), lang));
    }
    let set = |sql: &str| conn.query_row(sql, [], |_| Ok(())).optional().map(drop);
    set("PRAGMA journal_mode = WAL")
        .and_then(|()| set("PRAGMA synchronous = NORMAL"))
        .and_then(|()| set("PRAGMA wal_autocheckpoint = 0"))
        .and_then(|()| set("PRAGMA secure_delete = ON"))
        .and_then(|()| set("PRAGMA foreign_keys = ON"))
        .map_err(|e| failure(path, &e, lang))?;
    schema::ensure(&conn, version).map_err(|e| failure(path, &e, lang))?;
    Ok(conn)
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
