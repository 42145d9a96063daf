//! What keeps a command from starting, by kind with its context: said by
//! `messages::setup`.

use std::path::PathBuf;

use super::SystemCause;
use crate::problems::Place;

/// What keeps a command from starting, beyond the files it reads and
/// writes: each kind with the context its sentence needs (`messages`).
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// `verify`, `registre close` or a resume refused by the memory.
    Memory(MemoryRefusal),
    /// `history` refused.
    History(HistoryRefusal),
    /// `undo` refused (nothing sent).
    Undo(UndoRefusal),
    /// The registre on a network share (else in a synced folder).
    RegistreUnsafePlace {
        file: PathBuf,
        network: bool,
    },
    RegistreDiskFull {
        file: PathBuf,
    },
    RegistreBusy {
        file: PathBuf,
    },
    /// The system's or SQLite's error.
    RegistreCannotOpen {
        file: PathBuf,
        error: SystemCause,
    },
    /// Never replaced by an empty one: the user moves it aside.
    RegistreDamaged {
        file: PathBuf,
    },
    /// Made by a newer loopbatch (its version, if noted).
    RegistreNewer {
        file: PathBuf,
        by: Option<String>,
    },
    RegistreNoRoom {
        folder: PathBuf,
        free_mb: u64,
        needed_mb: u64,
    },
    /// `registre check` found problems (each said before).
    RegistreProblems {
        file: PathBuf,
        count: usize,
    },
    /// The system's words; none: the destination exists (never overwritten).
    RegistreCopy {
        dest: PathBuf,
        error: Option<SystemCause>,
    },
    /// No default place for the registre.
    NoDataFolder,
    /// No per-user folder, so no key for the fingerprints; `deleting`: the
    /// page's deletion of a run (else `registre forget`).
    NoConfigFolder {
        deleting: bool,
    },
    /// A journal of the previous version: why, or none when
    /// it has no header.
    JournalUnreadable {
        journal: PathBuf,
        error: Option<SystemCause>,
    },
    /// The engine's runtime could not be made.
    CannotStart {
        error: SystemCause,
    },
    ConfigUnreadable {
        file: PathBuf,
        error: SystemCause,
    },
    /// Never the file's text (a key may be pasted in it).
    ConfigInvalid {
        file: PathBuf,
        line: Option<usize>,
        fault: ConfigFault,
    },
    /// A `rate` that is not N/s, N/min or N/h.
    ConfigRate {
        value: String,
    },
    /// `api`: the API key, else the subscription key.
    KeyMissing {
        api: bool,
    },
    KeyFileUnreadable {
        api: bool,
        file: Option<PathBuf>,
        error: SystemCause,
    },
    ApiKeyMalformed,
    /// The results' folder cannot hold the run's lock file.
    RunCannotPrepare {
        folder: PathBuf,
        error: SystemCause,
    },
    /// The results' folder cannot lock.
    RunCannotLock {
        folder: PathBuf,
        error: SystemCause,
    },
    /// Another process runs into these results: who, if its note says.
    RunTaken {
        results: String,
        holder: Option<Holder>,
    },
    DemoGoing {
        folder: PathBuf,
    },
    /// A run resumed elsewhere than it started; `gone`: its simulator.
    OtherPlace {
        recorded: RunPlace,
        now: RunPlace,
        gone: bool,
    },
    /// A run resumed with another key; `look_alike`: the same masked id.
    OtherKey {
        recorded: String,
        now: String,
        look_alike: bool,
    },
    /// A new run whose key looks like one the registre's runs at this
    /// place used, under another fingerprint (another user's secret: a new
    /// profile, a registre copied from another machine): their memory would
    /// not count, and what they did would be sent again.
    SameLookOtherPrint {
        key: String,
        endpoint: String,
    },
    /// Plain http to another machine: the host.
    AddressRefused {
        host: String,
    },
    /// A base_url that does not parse, as written.
    InvalidAddress {
        url: String,
    },
    /// The HTTP client could not be made: why.
    HttpClient {
        error: SystemCause,
    },
    /// `dossiers` or `--online` without the cabinet's domain.
    NoDomain,
    /// The run recorded for these results is another plan's.
    OtherPlan {
        results: PathBuf,
    },
    /// `--resume` with no run recorded for these results.
    NothingToResume {
        results: PathBuf,
    },
    /// A new run into results that already have one.
    RunRecorded {
        results: PathBuf,
    },
    /// `--results` naming the input sheet: it would be overwritten.
    ResultsAreInput {
        results: PathBuf,
    },
    /// A check's results naming a run's results: it would overwrite them.
    ResultsOfARun {
        results: PathBuf,
    },
    /// `--only-failed` into results that have a run of their own.
    ResultsHaveTheirRun {
        results: PathBuf,
    },
    /// `--resume` with no journal beside the results.
    NoRunStarted {
        results: PathBuf,
    },
    /// `--resume` of a run that is over (every call answered, results written).
    RunOver {
        results: PathBuf,
    },
    /// Results written by a run this registre does not know: who ran it
    /// (user, machine), if its note says.
    RunNotHeld {
        registre: PathBuf,
        results: PathBuf,
        by: Option<(String, String)>,
    },
    /// `--results` naming a folder.
    ResultsAreFolder {
        results: PathBuf,
    },
    /// The results' folder refuses a file: why.
    ResultsFolderUnwritable {
        folder: PathBuf,
        error: SystemCause,
    },
    /// The page: a cell edited on a row the checked file does not have.
    RowNotFound {
        at: Place,
    },
    /// The page: a cell edited in a column the sheet does not have.
    NoSuchColumn {
        column: String,
        sheet: String,
    },
    /// A LoopHub search shorter than LoopHub's 3 characters.
    SearchTooShort {
        search: String,
    },
    /// No terminal to ask before sending (a scheduled run needs --yes).
    NoTerminalToConfirm,
    /// The user answered no before sending.
    Aborted,
    /// `--only-failed` without the proof of what the previous run did.
    NoProof(Box<NoProof>),
    /// No per-user data folder for the page's files.
    NoPageFolder,
    /// A port that cannot be listened on: why.
    CannotListen {
        port: u16,
        error: SystemCause,
    },
    /// A folder that cannot be made: why.
    CannotCreateFolder {
        folder: PathBuf,
        error: SystemCause,
    },
    /// A file or folder of the page's own: why.
    PageFile {
        file: PathBuf,
        error: SystemCause,
    },
}

/// What `--only-failed` misses to prove what the previous run did.
#[derive(Debug, Clone, PartialEq)]
pub enum NoProof {
    PlanMissing {
        plan: PathBuf,
    },
    /// The plan unreadable: why, said.
    PlanUnreadable {
        why: String,
    },
    /// Neither the registre nor a journal knows the previous run.
    RunUnknown {
        registre: PathBuf,
        results: PathBuf,
    },
    /// The run recorded belongs to another plan.
    OtherPlan {
        results: PathBuf,
        plan: PathBuf,
    },
}

/// Where a run sends: the address, the cabinet's domain, the simulator's
/// instance (a simulator that restarted is another place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPlace {
    pub endpoint: String,
    pub domain: Option<String>,
    pub instance: Option<String>,
}

/// Who holds a run's lock, as its note says.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub user: String,
    pub machine: String,
    pub pid: u32,
    pub since: String,
}

/// Why the memory refuses `verify`, `registre close` or a resume.
#[derive(Debug, Clone, PartialEq)]
pub enum MemoryRefusal {
    /// `--resume` of a run closed with `registre close`.
    ResumeClosed { run: i64 },
    /// `verify`: the registre knows no run for these results.
    VerifyNoRun { results: PathBuf },
    /// `verify`: the results hold several sheets (their names).
    VerifySheetNeeded { sheets: String },
    /// `verify`: no such line, or a line that sent nothing.
    VerifyNoLine { sheet: String, line: u32 },
    /// `verify`: the row has no call whose outcome is unknown.
    VerifyNotToCheck { sheet: String, line: u32 },
    /// `verify`: the run is going (its lock is held).
    VerifyGoing { results: PathBuf },
    /// `registre close`: no such run, or one that ended.
    CloseNoRun { run: i64 },
    /// `registre close`: the run is going.
    CloseGoing { run: i64 },
}

/// Why `history` refuses.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryRefusal {
    /// A date that is neither AAAA-MM-JJ nor JJ/MM/AAAA.
    BadDate { value: String },
    /// An export file that is neither .xlsx nor .csv.
    Extension { path: PathBuf, ext: String },
    /// `--results` names an existing file loopbatch did not write as a history.
    NotAHistory { path: PathBuf },
    /// `--results` names the results of a run.
    RunResults { path: PathBuf },
    /// `--registre` names a file that does not exist.
    NoSuchRegistre { path: PathBuf },
    /// An empty dossier code or e-mail.
    EmptySought,
}

/// Why an undo does not start (nothing sent).
#[derive(Debug, Clone, PartialEq)]
pub enum UndoRefusal {
    /// No such run in the registre.
    NoRun { run: String, registre: String },
    /// The run never ended.
    NotEnded { run: i64 },
    /// The plan kept beside its results is not (or no longer) the run's.
    NoPlan { run: i64, plan: String },
    /// The undo's results are the run's own.
    SameResults,
    /// The undo's results are another run's results.
    RunResults { file: String },
    /// The undo's results are a run's input sheet.
    InputSheet { file: String },
    /// The undo goes elsewhere than the undone run went (another place or key).
    OtherTenant { run: i64, place: String, key: Option<String> },
    /// `--resume` into the results of a run that is no undo.
    ResumeNotUndo { results: String, run: i64 },
    /// `--resume` into the results of an undo of another run.
    ResumeOtherUndo { results: String, run: i64, undoes: i64, named: Option<String> },
}

/// What is wrong in a configuration file, from the TOML reader's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFault {
    /// A key this version does not know; `known`: the keys it knows.
    UnknownKey { key: String, known: Vec<String> },
    /// A value of another kind than its key takes (a text for a number…);
    /// `detail`: the reader's words (English), said in English only.
    WrongValue { detail: String },
    /// Not TOML; `detail` as above.
    Syntax { detail: String },
}

impl ConfigFault {
    /// Sorts the TOML reader's message (serde's words for the first two).
    pub(crate) fn of(message: &str) -> ConfigFault {
        let message = message.trim();
        let ticked = |s: &str| s.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>();
        if let Some(rest) = message.strip_prefix("unknown field ") {
            let (key, known) = rest.split_once(", expected").unwrap_or((rest, ""));
            let key = ticked(key).into_iter().next().unwrap_or_else(|| key.to_string());
            return ConfigFault::UnknownKey { key, known: ticked(known) };
        }
        let detail = message.to_string();
        if message.starts_with("invalid type") || message.starts_with("invalid value") {
            ConfigFault::WrongValue { detail }
        } else {
            ConfigFault::Syntax { detail }
        }
    }
}
