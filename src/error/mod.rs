//! The errors that end a command, each with its exit code.
//!
//! Row problems are not errors: they are data written to the results
//! (`problems`). A `Failure` is what stops the whole command (a file that
//! cannot be used, a registre that cannot be written, the LoopHub list that
//! cannot be had). Its kinds carry their context, put into words by
//! `messages` at the edges. A run that stops once started (a refused key,
//! Ctrl-C, a registre failing mid-run) is no `Failure`: its report says why,
//! exit 3.
//!
//! What keeps a command from starting beyond its files (the registre, the
//! configuration, the keys, a run's lock and place; the memory's, the
//! history's and the undo's refusals) is a `Refusal`, exit 2; a `Halt`
//! (the registre unwritable, the LoopHub list) is exit 3; both said by
//! `messages::setup`.

use std::path::PathBuf;
use std::process::ExitCode;

mod cause;
mod refusal;
pub(crate) use cause::{CauseKind, Code, SystemCause};
pub(crate) use refusal::{ConfigFault, HistoryRefusal, Holder, MemoryRefusal, NoProof, Refusal, RunPlace, UndoRefusal};

/// Exit codes, the same for every command: the README's « Codes de
/// sortie » table says each once, `tests/it/exits.rs` checks both and
/// reaches each through the binary.
pub mod exit {
    /// Every row valid, or every row OK.
    pub const OK: u8 = 0;
    /// Some rows invalid or not OK; results written.
    pub const ROWS_FAILED: u8 = 1;
    /// Could not start: input, configuration or results location.
    pub const UNUSABLE: u8 = 2;
    /// Stopped: authentication refused, wrong route, interrupted, wait too long.
    pub const STOPPED: u8 = 3;
    /// A defect of loopbatch (a panic): Rust's own code, the message said
    /// by the hook that `main_entry` sets.
    pub const DEFECT: u8 = 101;
    /// Every code, in the README's order.
    pub const ALL: [u8; 5] = [OK, ROWS_FAILED, UNUSABLE, STOPPED, DEFECT];
}

/// What stops a command, by kind, with its context and cause. Put into
/// words at the edges (`messages`): the command line, the page.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A file given to read cannot be used.
    #[error("{}: {problem:?}", file.display())]
    Input {
        file: PathBuf,
        problem: InputProblem,
        #[source]
        cause: Option<std::io::Error>,
    },
    /// A plan file that cannot be run; nothing was sent.
    #[error("{}: {problem:?}", file.display())]
    Plan { file: PathBuf, problem: PlanProblem },
    /// A results file that cannot be written or read back.
    #[error("{}: {problem:?}", file.display())]
    Results { file: PathBuf, problem: ResultsProblem },
    /// A file that cannot be written (results, plan, templates).
    #[error("{}: {problem:?}", file.display())]
    Write { file: PathBuf, problem: WriteProblem },
    /// A defect: work that ended abnormally (a task that panicked).
    #[error("internal error: {what}")]
    Internal { what: String },
    /// Something that keeps a command from starting (registre,
    /// configuration, keys, lock…), by kind with its context.
    // Displayed in French, the default (`Display` in `messages`); the
    // edges say it in the user's language.
    #[error("{0}")]
    Refused(Box<Refusal>),
    /// A run or a LoopHub listing that had to stop, by kind.
    #[error("{0}")]
    Halted(Box<Halt>),
}

/// Why a file given to read cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputProblem {
    NotFound,
    CannotOpen,
    Folder,
    Empty,
    PasswordProtected,
    ChangedWhileRead,
    Unreadable,
    HeadersOnly,
    /// No code_dossier column in the first rows; the headers seen.
    NoCodeDossierColumn {
        seen: Vec<String>,
    },
    /// A workbook that cannot be opened (damaged, not fully saved).
    DamagedWorkbook,
    /// `--sheet` names a sheet the workbook does not have.
    NoSuchSheet {
        sheet: String,
        present: Vec<String>,
    },
    /// A cell past Excel's last row, in this sheet.
    BeyondLastRow {
        sheet: String,
    },
    /// A cell past Excel's last column, in this sheet and row.
    BeyondLastColumn {
        sheet: String,
        row: u32,
    },
    /// Not a spreadsheet at all: what it is.
    NotASheet(Foreign),
    /// A text file with a row of more columns than a spreadsheet holds.
    TooWide {
        line: u32,
        columns: usize,
    },
    /// A cell longer than Excel allows (often an unclosed quote).
    CellTooLong {
        sheet: String,
        line: u32,
        column: String,
    },
    /// A workbook whose zip is not a normal workbook's: what gave it away.
    SuspiciousArchive(ArchiveFault),
    /// A workbook needing more memory or time than a file is given.
    OverBudget {
        mb: u64,
        secs: u64,
    },
}

/// Files people pick by mistake instead of their sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    Pdf,
    Image,
    Word,
    PowerPoint,
    /// A zip with no workbook inside.
    Archive,
    /// Bytes that are no text in any encoding loopbatch reads.
    Binary,
}

/// What makes a workbook's zip look damaged or booby-trapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveFault {
    TooManyEntries(usize),
    /// An entry too big, or too compressed: its name and unpacked size.
    Entry {
        name: String,
        mb: u64,
    },
}

/// Why a plan file cannot be run.
#[derive(Debug)]
pub enum PlanProblem {
    Unreadable(std::io::Error),
    /// Not a plan's JSON (edited by hand?).
    Invalid(serde_json::Error),
    /// Written by another version of loopbatch.
    OtherVersion {
        found: u32,
        expected: u32,
    },
    /// The first call at fault.
    Call {
        call: CallRef,
        fault: CallFault,
    },
}

/// Why a results file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultsProblem {
    /// Neither .xlsx nor .csv.
    Extension,
    /// Earlier results that cannot be read: why.
    Unreadable(SystemCause),
    /// A file without loopbatch's results columns.
    NotResults,
    /// Earlier results that are not there (moved, deleted); `page`: said
    /// to the page (« Relancer les échecs »), else to the command line.
    Missing { page: bool },
}

/// Why a file cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteProblem {
    /// The system's error, by kind and code (said in the user's words,
    /// never the system's English nor a temporary file's name).
    Io(SystemCause),
    /// The path is a folder.
    Folder,
    /// The workbook could not be made: why.
    Workbook(SystemCause),
}

/// Why a run or a LoopHub listing stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Halt {
    /// The registre could not be written: why.
    RegistreUnwritable { file: PathBuf, error: SystemCause },
    /// The LoopHub list could not be had: the call, what went wrong.
    LoopHub { call: LoopHubCall, fault: LoopHubFault },
}

/// The LoopHub list's call, as the user can check it in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopHubCall {
    pub method: String,
    pub route: String,
    /// The key id, masked.
    pub key: String,
}

/// Why the LoopHub list could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopHubFault {
    /// Not the JSON array of dossiers expected.
    Unreadable,
    /// The gateway refused a key, or does not know the route.
    Fatal {
        kind: crate::loop_api::FatalKind,
        status: u16,
        message: String,
    },
    /// Loop's answer, verbatim.
    Business {
        status: u16,
        message: String,
    },
    /// A passing trouble that outlasted the retries (said already).
    Transient {
        detail: String,
    },
    Throttled {
        status: u16,
    },
}

/// A call of a plan, as the user finds it in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRef {
    pub id: u32,
    pub operation: &'static str,
    pub dossier: String,
}

/// What is wrong with a plan's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFault {
    /// Its id is another call's.
    IdTaken,
    /// It waits for a call that is not before it.
    NotAnEarlierCall { depends_on: u32 },
    /// Its route is not the configuration's for its operation.
    Route { route: String, configured: String },
}

impl Failure {
    /// The user said no to the confirmation (a front end's `Confirm`).
    pub fn declined() -> Failure {
        Failure::refused(Refusal::Aborted)
    }

    /// Something that keeps a command from starting (boxed: a `Result`'s
    /// error stays small).
    pub fn refused(r: Refusal) -> Failure {
        Failure::Refused(Box::new(r))
    }

    /// A run or the LoopHub list that had to stop.
    pub fn halted(h: Halt) -> Failure {
        Failure::Halted(Box::new(h))
    }

    /// A file that cannot be used, without a cause of its own.
    pub fn input(file: &std::path::Path, problem: InputProblem) -> Failure {
        Failure::Input { file: file.to_path_buf(), problem, cause: None }
    }

    /// A plan file that cannot be run.
    pub fn plan(file: &std::path::Path, problem: PlanProblem) -> Failure {
        Failure::Plan { file: file.to_path_buf(), problem }
    }

    /// A results file that cannot be used.
    pub fn results(file: &std::path::Path, problem: ResultsProblem) -> Failure {
        Failure::Results { file: file.to_path_buf(), problem }
    }

    /// A file that cannot be written.
    pub fn write(file: &std::path::Path, problem: WriteProblem) -> Failure {
        Failure::Write { file: file.to_path_buf(), problem }
    }

    /// The process's exit code for it (see `exit`).
    pub fn exit(&self) -> u8 {
        match self {
            Failure::Input { .. }
            | Failure::Plan { .. }
            | Failure::Results { .. }
            | Failure::Write { .. }
            | Failure::Refused(_) => exit::UNUSABLE,
            Failure::Halted(_) => exit::STOPPED,
            // As a panic of the process: Rust's own code for it.
            Failure::Internal { .. } => 101,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit())
    }
}

pub(crate) type Result<T, E = Failure> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, FileConfig};
    use crate::i18n::Lang;
    use crate::job::{CheckedSheet, SheetInput};
    use crate::messages::Text;

    fn open(file: &std::path::Path) -> Failure {
        let cfg = Config::resolve(FileConfig::default(), None, Lang::Fr).unwrap();
        CheckedSheet::open(&cfg, &SheetInput::new(file), None, None).err().unwrap()
    }

    #[test]
    fn a_file_that_cannot_be_used_is_a_kind_with_its_file_and_cause() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent.csv");
        let f = open(&missing);
        assert!(
            matches!(&f, Failure::Input { file, problem: InputProblem::NotFound, cause: Some(_) } if *file == missing)
        );
        assert_eq!(f.exit(), exit::UNUSABLE);
        assert!(std::error::Error::source(&f).is_some(), "the cause is kept");
        assert!(matches!(open(dir.path()), Failure::Input { problem: InputProblem::Folder, .. }));
        let empty = dir.path().join("vide.csv");
        std::fs::write(&empty, "").unwrap();
        assert!(matches!(open(&empty), Failure::Input { problem: InputProblem::Empty, .. }));
        let headers = dir.path().join("entetes.csv");
        std::fs::write(&headers, "code_dossier;email\n").unwrap();
        assert!(matches!(open(&headers), Failure::Input { problem: InputProblem::HeadersOnly, .. }));
        let other = dir.path().join("autre.csv");
        std::fs::write(&other, "nom;ville\nA;B\n").unwrap();
        let Failure::Input { problem: InputProblem::NoCodeDossierColumn { seen }, .. } = open(&other) else { panic!() };
        assert_eq!(seen, ["nom", "ville"]);
    }

    #[test]
    fn a_plan_that_cannot_be_run_is_a_kind_naming_the_call_at_fault() {
        use crate::plan::{Bodies, Plan};
        let dir = tempfile::tempdir().unwrap();
        let sheet = dir.path().join("s.csv");
        std::fs::write(&sheet, "code_dossier;email;offre\nD1;a@x.fr;start\n").unwrap();
        let cfg = Config::resolve(FileConfig::default(), None, Lang::Fr).unwrap();
        let mut plan = CheckedSheet::open(&cfg, &SheetInput::new(&sheet), None, None).unwrap().plan(Bodies::Yes);
        let path = dir.path().join("plan.json");
        plan.calls[1].depends_on = vec![99];
        plan.save_json(&path).unwrap();
        let f = Plan::load_json(&path).unwrap().check_calls(&path, &cfg.routes).unwrap_err();
        let Failure::Plan { problem: PlanProblem::Call { call, fault }, .. } = &f else { panic!("{f:?}") };
        assert_eq!((call.id, call.dossier.as_str()), (plan.calls[1].id, "D1"));
        assert_eq!(*fault, CallFault::NotAnEarlierCall { depends_on: 99 });
        assert_eq!(f.exit(), exit::UNUSABLE);
        plan.format_version = 0;
        plan.save_json(&path).unwrap();
        let other = Plan::load_json(&path).unwrap_err();
        assert!(matches!(other, Failure::Plan { problem: PlanProblem::OtherVersion { found: 0, expected: 1 }, .. }));
    }

    #[test]
    fn a_results_file_that_cannot_be_used_is_a_kind() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("r.pdf");
        let f = crate::report::results_format(&pdf).err().unwrap();
        assert!(matches!(&f, Failure::Results { file, problem: ResultsProblem::Extension } if *file == pdf));
        let other = dir.path().join("r.csv");
        std::fs::write(&other, "nom;ville\nA;B\n").unwrap();
        let f = crate::report::read_results(&other).err().unwrap();
        assert!(matches!(f, Failure::Results { problem: ResultsProblem::NotResults, .. }));
        assert_eq!(f.exit(), exit::UNUSABLE);
    }

    #[test]
    fn each_kind_has_its_exit_code_and_is_said_in_both_languages() {
        assert_eq!(
            Failure::halted(Halt::RegistreUnwritable { file: "r".into(), error: SystemCause::other("x") }).exit(),
            exit::STOPPED
        );
        assert_eq!(Failure::refused(Refusal::History(HistoryRefusal::EmptySought)).exit(), exit::UNUSABLE);
        let internal = Failure::Internal { what: "task panicked".into() };
        assert_eq!(internal.exit(), 101);
        assert!(internal.text(Lang::Fr).starts_with("Erreur interne de loopbatch"), "{}", internal.text(Lang::Fr));
        assert!(internal.text(Lang::En).starts_with("loopbatch internal error"), "{}", internal.text(Lang::En));
        let f = Failure::input(std::path::Path::new("a.csv"), InputProblem::Empty);
        assert_eq!(f.text(Lang::Fr), "a.csv est vide (0 octet) : enregistrez le tableur puis recommencez.");
        assert_eq!(f.text(Lang::En), "a.csv is empty (0 bytes): save the spreadsheet and try again.");
    }
}
