//! Pourquoi le système a refusé, en français.

use super::*;

/// What went wrong, short: for a sentence that says the next step itself.
pub(super) fn what(c: &SystemCause) -> String {
    match c.kind {
        CauseKind::NotFound => "fichier ou dossier introuvable".into(),
        CauseKind::NotAFolder => "le chemin passe par un fichier là où un dossier est attendu".into(),
        CauseKind::IsAFolder => "c'est un dossier, pas un fichier".into(),
        CauseKind::Denied => "accès refusé".into(),
        CauseKind::InUse => "fichier utilisé par un autre programme (Excel ?)".into(),
        CauseKind::StorageFull => "disque plein".into(),
        CauseKind::AlreadyExists => "un fichier de ce nom existe déjà".into(),
        CauseKind::ReadOnly => "disque en lecture seule (clé protégée, partage en lecture seule)".into(),
        CauseKind::AddressInUse => "port déjà utilisé par un autre programme".into(),
        CauseKind::TimedOut => "délai dépassé : le disque ou le réseau ne répond pas".into(),
        CauseKind::InvalidData => "contenu illisible ou incomplet".into(),
        CauseKind::Other => match c.code {
            Some(Code::Os(n)) => format!("erreur système n° {n}"),
            Some(Code::Sqlite(n)) => format!("erreur SQLite n° {n}"),
            None => "erreur imprévue (sans code du système)".into(),
        },
    }
}

/// What went wrong, then what to do when there is something to do.
pub(super) fn cause(c: &SystemCause) -> String {
    let what = what(c);
    match c.kind {
        CauseKind::NotFound | CauseKind::NotAFolder => format!("{what} : vérifiez le chemin"),
        CauseKind::Denied => format!(
            "{what} : le fichier est peut-être ouvert dans Excel, fermez-le puis relancez (sinon, vérifiez vos droits sur ce dossier)"
        ),
        CauseKind::InUse => format!("{what} : fermez-le puis relancez"),
        CauseKind::StorageFull => format!("{what} : libérez de la place puis relancez"),
        CauseKind::ReadOnly => format!("{what} : choisissez un autre dossier"),
        CauseKind::TimedOut => format!("{what}, réessayez"),
        CauseKind::IsAFolder
        | CauseKind::AlreadyExists
        | CauseKind::AddressInUse
        | CauseKind::InvalidData
        | CauseKind::Other => what,
    }
}
