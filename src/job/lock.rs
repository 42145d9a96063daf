//! One process per run: an operating-system lock on a file beside the
//! results, taken before anything else is done for the run (no rename, no
//! write). The system lets it go when the process ends, however it ends, so
//! there is no expiry. The holder writes a note beside it (user, machine,
//! process) for the one it refuses.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::outcome::now_iso;

use super::RunFiles;

/// Who holds a run's lock, as its note says.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct Holder {
    user: String,
    machine: String,
    pid: u32,
    since: String,
}

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
    pub(super) fn take(files: &RunFiles, lang: Lang) -> Result<RunLock> {
        let file = open_lock(&files.lock()).map_err(|e| {
            Failure::unusable(format!(
                "{} {} : {e}. {}",
                lang.t("Impossible de préparer l'exécution dans", "Cannot prepare the run in"),
                folder_of(files.results()).display(),
                lang.t(
                    "Vérifiez que le dossier existe et que vous avez le droit d'y écrire. Rien n'a été envoyé.",
                    "Check that the folder exists and that you may write there. Nothing was sent."
                )
            ))
        })?;
        Self::hold(file, files, lang)
    }

    /// The lock of a run only read (`--only-failed`'s previous run): taken
    /// when its folder lets us, refused when another process holds it.
    pub(super) fn take_to_read(files: &RunFiles, lang: Lang) -> Result<Option<RunLock>> {
        match open_lock(&files.lock()) {
            Ok(file) => Self::hold(file, files, lang).map(Some),
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

    fn hold(file: File, files: &RunFiles, lang: Lang) -> Result<RunLock> {
        let note = files.lock_note();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(refused(files, &note, lang)),
            Err(TryLockError::Error(e)) => {
                return Err(Failure::unusable(format!(
                    "{} {} : {e}. {}",
                    lang.t("Impossible de verrouiller l'exécution dans", "Cannot lock the run in"),
                    folder_of(files.results()).display(),
                    lang.t(
                        "Ce dossier ne permet pas d'empêcher deux exécutions à la fois : choisissez pour les résultats un dossier du poste ou un partage qui le permet. Rien n'a été envoyé.",
                        "This folder cannot keep two runs from going at once: put the results in a folder of this machine or on a share that can. Nothing was sent."
                    )
                )));
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

fn refused(files: &RunFiles, note: &Path, lang: Lang) -> Failure {
    let name = files.results().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let holder = std::fs::read(note).ok().and_then(|b| serde_json::from_slice::<Holder>(&b).ok());
    let who = match holder {
        Some(h) => format!(
            "{} {}, {} {}, {} {}, {} {}",
            lang.t("utilisateur", "user"),
            h.user,
            lang.t("poste", "machine"),
            h.machine,
            lang.t("processus", "process"),
            h.pid,
            lang.t("depuis", "since"),
            h.since
        ),
        None => lang.t("qui vient de la commencer", "just started").to_string(),
    };
    Failure::unusable(format!(
        "{} {name} ({who}). {}",
        lang.t("Une autre exécution de loopbatch travaille déjà sur", "Another loopbatch run is already working on"),
        lang.t(
            "Rien n'a été envoyé. Attendez qu'elle se termine (ou arrêtez-la), puis relancez votre commande ; ou choisissez un autre fichier de résultats.",
            "Nothing was sent. Wait until it ends (or stop it), then run your command again; or choose another results file."
        )
    ))
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
