//! Files written whole or not at all: through a temporary file in the same
//! folder, synced, then renamed over the target. Every stage that writes a
//! file (plan, results, templates) goes through here.

use std::io::Write;
use std::path::Path;

use crate::error::{Failure, Result};
use crate::i18n::Lang;

/// Writes through a temporary file in the same folder, then renames it over
/// the target, so that a crash never leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8], lang: Lang) -> Result<()> {
    write_atomic_with(path, lang, |w| w.write_all(bytes))
}

/// `write_atomic` for content produced by a writer function.
pub fn write_atomic_with(
    path: &Path,
    lang: Lang,
    produce: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| {
        Failure::unusable(format!(
            "{} {} : {e}. {}",
            lang.t("Écriture impossible de", "Cannot write"),
            path.display(),
            lang.t(
                "Vérifiez que le dossier existe, que vous avez le droit d'y écrire et que le fichier n'est pas ouvert dans Excel.",
                "Check that the folder exists, that you may write there and that the file is not open in Excel."
            )
        ))
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(fail(&lang.t("c'est un dossier", "it is a folder")));
    }
    let mut tmp =
        tempfile::Builder::new().prefix(".loopbatch-").suffix(".tmp").tempfile_in(dir).map_err(|e| fail(&e))?;
    {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        produce(&mut buffered).map_err(|e| fail(&e))?;
        buffered.flush().map_err(|e| fail(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}
