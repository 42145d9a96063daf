//! Why the system refused, in English.

use super::*;

/// What went wrong, short: for a sentence that says the next step itself.
pub(super) fn what(c: &SystemCause) -> String {
    let detail = &c.detail;
    match c.kind {
        CauseKind::NotFound => "file or folder not found".into(),
        CauseKind::NotAFolder => "the path goes through a file where a folder is expected".into(),
        CauseKind::IsAFolder => "it is a folder, not a file".into(),
        CauseKind::Denied => "access refused".into(),
        CauseKind::InUse => "file in use by another program (Excel?)".into(),
        CauseKind::StorageFull => "disk full".into(),
        CauseKind::AlreadyExists => "a file of that name exists already".into(),
        CauseKind::ReadOnly => "read-only disk (a protected drive, a read-only share)".into(),
        CauseKind::AddressInUse => "port already used by another program".into(),
        CauseKind::TimedOut => "timed out: the disk or the network does not answer".into(),
        CauseKind::InvalidData => "unreadable or incomplete content".into(),
        CauseKind::Other => match c.code {
            Some(Code::Os(n)) => format!("system error {n} ({detail})"),
            Some(Code::Sqlite(n)) => format!("SQLite error {n} ({detail})"),
            None => format!("unexpected error ({detail})"),
        },
    }
}

/// What went wrong, then what to do when there is something to do.
pub(super) fn cause(c: &SystemCause) -> String {
    let what = what(c);
    match c.kind {
        CauseKind::NotFound | CauseKind::NotAFolder => format!("{what}: check the path"),
        CauseKind::Denied => format!(
            "{what}: the file may be open in Excel, close it and try again (else, check your rights on this folder)"
        ),
        CauseKind::InUse => format!("{what}: close it and try again"),
        CauseKind::StorageFull => format!("{what}: free some space and try again"),
        CauseKind::ReadOnly => format!("{what}: choose another folder"),
        CauseKind::TimedOut => format!("{what}, try again"),
        CauseKind::IsAFolder
        | CauseKind::AlreadyExists
        | CauseKind::AddressInUse
        | CauseKind::InvalidData
        | CauseKind::Other => what,
    }
}
