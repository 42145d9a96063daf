//! A system's or library's error as data: its kind and its code, said in
//! the user's words by `messages` (the system's own text is English).

use std::error::Error;

/// Why the system (or SQLite, or a workbook library) refused, by kind, with
/// the code IT can look up. Never said with the system's English text in
/// French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemCause {
    pub kind: CauseKind,
    pub code: Option<Code>,
    /// The system's own words: said in English only, for IT.
    pub detail: String,
}

/// What went wrong, as a person can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CauseKind {
    /// The file or folder is not there.
    NotFound,
    /// A path goes through a file where a folder is expected.
    NotAFolder,
    IsAFolder,
    /// Permission denied (or a file locked by Excel, as Windows says it).
    Denied,
    /// Another program has the file open (Windows' sharing violation, SQLite busy).
    InUse,
    StorageFull,
    AlreadyExists,
    ReadOnly,
    AddressInUse,
    TimedOut,
    /// Content that is not what was expected (damaged, incomplete).
    InvalidData,
    Other,
}

/// Whose number a code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The operating system's error number.
    Os(i32),
    /// SQLite's extended result code.
    Sqlite(i32),
}

impl SystemCause {
    /// A cause without a system error behind it (a thread gone, a defect).
    pub(crate) fn other(detail: &str) -> SystemCause {
        SystemCause { kind: CauseKind::Other, code: None, detail: detail.to_owned() }
    }

    /// Any error: the first system (or SQLite) error in its chain, else
    /// `otherwise` with its text (a parser's complaint: `InvalidData`).
    pub(crate) fn within(e: &(dyn Error + 'static), otherwise: CauseKind) -> SystemCause {
        let mut next = Some(e);
        while let Some(e) = next {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                return SystemCause::from(io);
            }
            if let Some(sql) = e.downcast_ref::<rusqlite::Error>() {
                return SystemCause::from(sql);
            }
            if let Some(rust_xlsxwriter::XlsxError::IoError(io)) = e.downcast_ref::<rust_xlsxwriter::XlsxError>() {
                return SystemCause::from(io);
            }
            next = e.source();
        }
        SystemCause { kind: otherwise, code: None, detail: e.to_string() }
    }
}

impl From<&std::io::Error> for SystemCause {
    fn from(e: &std::io::Error) -> SystemCause {
        // A temporary file's error wraps the system's with its own name:
        // the system's is the one said.
        let inner = e.get_ref().and_then(|i| i.source()).and_then(|s| s.downcast_ref::<std::io::Error>());
        let raw = e.raw_os_error().or_else(|| inner.and_then(std::io::Error::raw_os_error));
        let kind = inner.map_or(e.kind(), std::io::Error::kind);
        SystemCause { kind: io_kind(kind, raw), code: raw.map(Code::Os), detail: e.to_string() }
    }
}

fn io_kind(kind: std::io::ErrorKind, raw: Option<i32>) -> CauseKind {
    use std::io::ErrorKind as K;
    // Windows' sharing and lock violations (a file open in Excel), and its
    // write-protected disk, which std leaves uncategorised.
    if cfg!(windows) {
        match raw {
            Some(32 | 33) => return CauseKind::InUse,
            Some(19) => return CauseKind::ReadOnly,
            _ => {}
        }
    }
    match kind {
        K::NotFound => CauseKind::NotFound,
        K::NotADirectory => CauseKind::NotAFolder,
        K::IsADirectory => CauseKind::IsAFolder,
        K::PermissionDenied => CauseKind::Denied,
        K::ResourceBusy | K::WouldBlock | K::ExecutableFileBusy => CauseKind::InUse,
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => CauseKind::StorageFull,
        K::AlreadyExists => CauseKind::AlreadyExists,
        K::ReadOnlyFilesystem => CauseKind::ReadOnly,
        K::AddrInUse => CauseKind::AddressInUse,
        K::TimedOut => CauseKind::TimedOut,
        K::InvalidData | K::UnexpectedEof => CauseKind::InvalidData,
        _ => CauseKind::Other,
    }
}

impl From<&rusqlite::Error> for SystemCause {
    fn from(e: &rusqlite::Error) -> SystemCause {
        use rusqlite::ErrorCode as C;
        let detail = e.to_string();
        let rusqlite::Error::SqliteFailure(failure, _) = e else {
            return SystemCause { kind: CauseKind::Other, code: None, detail };
        };
        let kind = match failure.code {
            C::PermissionDenied => CauseKind::Denied,
            C::DatabaseBusy | C::DatabaseLocked => CauseKind::InUse,
            C::DiskFull => CauseKind::StorageFull,
            C::ReadOnly => CauseKind::ReadOnly,
            C::DatabaseCorrupt | C::NotADatabase => CauseKind::InvalidData,
            _ => CauseKind::Other,
        };
        SystemCause { kind, code: Some(Code::Sqlite(failure.extended_code)), detail }
    }
}

impl From<&rust_xlsxwriter::XlsxError> for SystemCause {
    fn from(e: &rust_xlsxwriter::XlsxError) -> SystemCause {
        match e {
            rust_xlsxwriter::XlsxError::IoError(io) => SystemCause::from(io),
            other => SystemCause::other(&other.to_string()),
        }
    }
}

impl From<&csv::Error> for SystemCause {
    fn from(e: &csv::Error) -> SystemCause {
        match e.kind() {
            csv::ErrorKind::Io(io) => SystemCause::from(io),
            _ => SystemCause { kind: CauseKind::InvalidData, code: None, detail: e.to_string() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error as IoError, ErrorKind};

    #[test]
    fn the_systems_errors_keep_their_kind_and_code() {
        let cases = [
            (2, CauseKind::NotFound),
            (13, CauseKind::Denied),
            (20, CauseKind::NotAFolder),
            (21, CauseKind::IsAFolder),
            (28, CauseKind::StorageFull),
            (17, CauseKind::AlreadyExists),
            (30, CauseKind::ReadOnly),
            (98, CauseKind::AddressInUse),
            (110, CauseKind::TimedOut),
            (16, CauseKind::InUse),
            (5, CauseKind::Other),
        ];
        if cfg!(target_os = "linux") {
            for (code, kind) in cases {
                let c = SystemCause::from(&IoError::from_raw_os_error(code));
                assert_eq!((c.kind, c.code), (kind, Some(Code::Os(code))), "errno {code}");
            }
        }
        let c = SystemCause::from(&IoError::new(ErrorKind::InvalidData, "bad"));
        assert_eq!((c.kind, c.code), (CauseKind::InvalidData, None));
    }

    #[test]
    fn a_wrapped_system_error_is_found_under_its_wrapper() {
        // As tempfile wraps it: the system's kind and code, not the wrapper's.
        let wrapped = IoError::other(Wrapper(IoError::from(ErrorKind::NotFound)));
        assert_eq!(SystemCause::from(&wrapped).kind, CauseKind::NotFound);
        let xlsx = rust_xlsxwriter::XlsxError::IoError(IoError::from(ErrorKind::PermissionDenied));
        assert_eq!(SystemCause::from(&xlsx).kind, CauseKind::Denied);
        assert_eq!(SystemCause::within(&xlsx, CauseKind::Other).kind, CauseKind::Denied);
        let parse = SystemCause::within(&Wrapper(IoError::from(ErrorKind::TimedOut)), CauseKind::InvalidData);
        assert_eq!(parse.kind, CauseKind::TimedOut);
        let csv = csv::ReaderBuilder::new().from_reader(&b"a,b\n1\n"[..]).records().find_map(Result::err);
        assert_eq!(csv.as_ref().map(|e| SystemCause::from(e).kind), Some(CauseKind::InvalidData));
    }

    #[test]
    fn sqlites_errors_keep_its_code() {
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(5), None);
        assert_eq!(
            SystemCause::from(&busy),
            SystemCause { kind: CauseKind::InUse, code: Some(Code::Sqlite(5)), detail: busy.to_string() }
        );
        let full = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(13), None);
        assert_eq!(SystemCause::from(&full).kind, CauseKind::StorageFull);
        assert_eq!(SystemCause::from(&rusqlite::Error::InvalidQuery).code, None);
    }

    #[derive(Debug)]
    struct Wrapper(IoError);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }
    impl Error for Wrapper {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }
}
