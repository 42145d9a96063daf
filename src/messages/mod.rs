//! One catalogue per language: every sentence the user reads, whole, in
//! `fr.rs` and `en.rs`. Each matches exhaustively on what is said
//! (`Problem`, `Warning`, `Failure`, `Message`), so a sentence missing in a language,
//! or an argument it does not take, fails the build. Loop's own answers are
//! not messages: they stay verbatim in `loop_api`.
//! `setup` holds the refusals and stops (`Failure::Refused`, `Halted`) and
//! the notices of commands and the page; `call` the engine's words about
//! one call; `page` the page's fixed words; `cause` a system's error
//! (`SystemCause`) in words; `usage` the command line's own words;
//! `template` the templates' header notes (both languages in one match,
//! like an operation's words in `loop_api`).

mod call;
mod cause;
mod checks;
mod en;
mod fr;
mod history;
mod page;
mod setup;
mod template;
mod undo;
mod usage;

pub(crate) use call::{CallText, RouteHint, TransportFault};
pub(crate) use history::{HistoryMessage, operation_name_label};
pub(crate) use page::{
    AnswerText, GridText, HeldText, HistoryText, HomeText, PlanText, RunText, SheetText, VerifyText, held_run,
    memory_calls, memory_counts, memory_limits, plain_loopback, send_all_label,
};
pub(crate) use setup::{KeysKept, Notice};
pub(crate) use undo::{UndoPageText, UndoText, undo_calls, verdict_said};

use crate::error::Failure;
use crate::i18n::Lang;
use crate::loop_api::KnownAnswer;
use crate::outcome::Status;
use crate::problems::{Expected, Place, Problem, Warning};

/// Something put into words in the user's language.
pub(crate) trait Text {
    fn text(&self, lang: Lang) -> String;
}

/// The sentences that are neither a problem nor a warning of a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Message<'a> {
    /// The page's group of a value problem: its column and what is wrong,
    /// the value left out, so that the same mistake on many rows is one.
    ProblemKind {
        column: &'a str,
        expected: &'a Expected,
    },
    /// A warning, as the results' message says it after the problems.
    Warning {
        text: &'a str,
    },
    /// An IGNORE row's message.
    NothingToDo,
    /// The plan sends the dossier-level addOffer, which Cegid declared
    /// deprecated: `calls` of them, on `route`, since `since`.
    AddOfferDeprecated {
        calls: usize,
        route: &'a str,
        since: &'a str,
    },
    /// The check's summary on the command line: the file and its sheets read.
    CheckedFile {
        path: &'a std::path::Path,
        sheets: &'a [&'a str],
    },
    /// The rows by what the check found.
    CheckedRows {
        rows: usize,
        valid: usize,
        invalid: usize,
        ignored: usize,
        with_warnings: usize,
    },
    DossiersInvolved {
        n: usize,
    },
    CallsPlanned {
        n: usize,
    },
    InvalidRows,
    /// An invalid row and its problems (said already).
    InvalidRow {
        at: &'a Place,
        problems: &'a str,
    },
    /// How many invalid rows were not listed.
    MoreInvalidRows {
        n: usize,
    },
    ResultsWritten {
        path: &'a std::path::Path,
    },
    PlanWritten {
        path: &'a std::path::Path,
    },
    /// A command that failed: what failed, said.
    Error {
        text: &'a str,
    },
    /// A defect of loopbatch (a panic): what and where.
    Defect {
        what: &'a str,
        at: &'a str,
    },
    /// The command line cannot be understood.
    /// The page: a cell edited on a row the checked file does not have.
    RowNotFound {
        at: &'a Place,
    },
    /// The page: a cell edited in a column the sheet does not have.
    NoSuchColumn {
        column: &'a str,
        sheet: &'a str,
    },
    /// The page: a cell's accessible name.
    CellLabel {
        column: &'a str,
        line: u32,
    },
    /// `dossiers --results`: how many written, of how many, where.
    DossiersWritten {
        kept: usize,
        total: usize,
        path: &'a std::path::Path,
    },
    /// `dossiers` on screen: how many shown, of how many.
    DossiersShown {
        kept: usize,
        total: usize,
    },
    SimulatorReady {
        base_url: &'a str,
        dossiers: usize,
    },
    /// `ui`: the page's address, if the browser did not open it; `opened`:
    /// whether loopbatch asked the browser to open it (not with --no-open).
    PageOpened {
        address: &'a str,
        opened: bool,
    },
    TemplatesWritten,
    /// A LoopHub search shorter than LoopHub's 3 characters.
    SearchTooShort {
        search: &'a str,
    },
    /// The reader's remark: a second column for a field already read.
    ColumnRepeated {
        column: &'a str,
    },
    /// The reader's remark: a CSV read as Windows-1252.
    EncodingDetected1252,
    /// The reader's remark: a sheet without a code_dossier column, skipped.
    SheetSkipped {
        sheet: &'a str,
    },
    /// The page: a file over the upload limit.
    UploadTooBig {
        limit_mb: u64,
    },
    /// The page: the upload was cut or too slow.
    UploadCut,
    NoFileChosen,
    /// The page: a sheet without a code_dossier column (the headers seen);
    /// the templates are on the home page.
    NoCodeDossierColumnOnPage {
        file: &'a std::path::Path,
        seen: &'a [String],
    },
    /// The page: an empty file chosen.
    UploadEmpty {
        name: &'a str,
    },
}

/// A run's sentences: its progress, its stop, its summary, its rows not run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunMessage<'a> {
    /// The row of a call whose route the gateway does not know: what, in
    /// words that fit both front ends (each says the way out in the stop).
    RouteUnknownRow {
        route: &'a str,
        operation: &'a str,
        status: u16,
        message: &'a str,
    },
    /// A run of the rows that did not end OK: how many again, how many kept.
    Rerunning {
        again: usize,
        kept: usize,
    },
    ResultsWrittenInstead {
        path: &'a std::path::Path,
    },
    /// A run starting: where, how many calls, the key's masked id, the rate.
    Sending {
        base_url: &'a str,
        calls: usize,
        key: &'a str,
        rate: &'a str,
    },
    /// The pace allowed now, in calls per second.
    Pace {
        rate: f64,
    },
    /// The progress bar's message.
    CallsBar {
        errors: usize,
        pace: &'a str,
    },
    /// Progress as a line (no terminal).
    CallsLine {
        done: usize,
        total: usize,
        errors: usize,
        pace: &'a str,
    },
    /// The progress bar's template (indicatif's keys kept).
    ProgressBar,
    /// After a run stopped on a route: the command for the rows not done.
    RerunAfterRoutes {
        command: &'a str,
    },
    /// Ctrl-C: calls in flight finish.
    Interrupted,
    /// A second Ctrl-C, and how to resume.
    StoppedAtOnce {
        resume: &'a str,
    },
    /// The host a run will send to.
    Target {
        host: &'a str,
    },
    NoTerminalToConfirm,
    /// The question asked before sending (answer o/N).
    SendTheseCalls {
        calls: usize,
    },
    Aborted,
    RunStopped {
        why: &'a str,
    },
    /// The command that resumes; after fixing base_url, when a route was unknown.
    ToResume {
        command: &'a str,
        fix_base_url: bool,
    },
    /// A run's rows by status, the calls sent and the time it took.
    RunRows {
        statuses: &'a str,
        sent: usize,
        total: usize,
        seconds: f64,
    },
    MostFrequentErrors,
    /// The registre held no run before this one while results of earlier
    /// runs were there: `since` is when it was made (ISO 8601).
    RegistreNewSince {
        since: &'a str,
    },
    DemoStarted {
        base_url: &'a str,
    },
    DemoResults {
        path: &'a std::path::Path,
    },
    /// The page: what running the failures again sends, and where.
    RerunCalls {
        calls: usize,
        host: &'a str,
    },
    /// A row whose calls were never sent, and why (if the run stopped).
    NotRun {
        stop: Option<Stop<'a>>,
        on_page: bool,
    },
    /// A call sent whose answer the stop left unknown; the page has its
    /// « Reprendre » button, the command line its --resume.
    Unsettled {
        on_page: bool,
    },
    /// Why the run stopped, for the summary and the page.
    Stopped {
        stop: Stop<'a>,
        on_page: bool,
    },
    /// A valid row with nothing to send.
    NothingToSend,
    /// The results written nowhere: the registre keeps each outcome; how
    /// to write them (the page's button, else --resume).
    ResultsNowhere {
        registre: &'a std::path::Path,
        on_page: bool,
    },
    /// Outcomes the registre could not record, kept in the rescue file.
    RescueKept {
        n: usize,
        path: &'a std::path::Path,
    },
    /// The rescue file could not be written either: why.
    RescueFailed {
        path: &'a std::path::Path,
        error: &'a crate::error::SystemCause,
    },
    /// `--only-failed`: a call the previous run's journal proves done.
    DoneInPreviousRun,
    /// `--only-failed`: a call serving only rows kept.
    NotRunAgain {
        on_page: bool,
    },
}

impl Text for Problem {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::problem(self),
            Lang::En => en::problem(self),
        }
    }
}

impl Text for Warning {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::warning(self),
            Lang::En => en::warning(self),
        }
    }
}

impl Text for Failure {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::failure(self),
            Lang::En => en::failure(self),
        }
    }
}

/// The memory across runs (the registre): why a call is not sent, the
/// counts before sending, its limits, `loopbatch verify`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MemoryMessage<'a> {
    /// Not sent: run `run` did it at `at`.
    DoneBy { run: i64, at: &'a str },
    /// A DEJA_FAIT row creating a contact with values in columns its
    /// action does not send: which columns, and the action that sends them.
    NotSentByAction { columns: &'a str },
    /// A row completed now: what was done already (by run `run`).
    PartlyDone { operations: &'a str, run: i64 },
    /// Not sent: run `run` did it at `at`, after the plan was made.
    DoneMeanwhile { run: i64, at: &'a str },
    /// Not sent: its last attempt, in run `run`, is to check in Loop.
    Guarded { run: i64, page: bool },
    /// Not sent: run `run`, never ended and held by no process, reserved
    /// or sent it without an answer; its files, for the commands.
    Pending { run: i64, results: &'a std::path::Path, plan: &'a std::path::Path },
    /// Not sent: run `run` is going (its lock is held) and holds it.
    Going { run: i64 },
    /// `registre close`: the outcome given to a call sent without answer.
    ClosedCall { run: i64 },
    /// `registre close`: done.
    Closed { run: i64, never_sent: usize, to_check: usize },
    /// The page's « Clore sans reprendre » of a stopped run that holds no call.
    ClosedHoldingNothing { run: i64 },
    /// `registre close`: no such run, or one that ended.
    CloseNoRun { run: i64 },
    /// `registre close`: the run is going.
    CloseGoing { run: i64 },
    /// An addClient for a person created before, sent as a change.
    ChangedInstead { run: i64, at: &'a str },
    /// The counts before anything is sent (rows done, to send, held by
    /// the memory: A_VERIFIER or another run's), and whose memory it is.
    Counts { rows_done: usize, rows_to_send: usize, rows_held: usize, tenant: &'a str },
    /// What the registre cannot know.
    Limits,
    /// A loopback address that sends no instance id.
    PlainLoopback { endpoint: &'a str },
    /// `verify`: recorded.
    Verified { done: bool, calls: usize, sheet: &'a str, line: u32 },
    /// `verify`: the registre knows no run for these results.
    VerifyNoRun { results: &'a std::path::Path },
    /// `verify`: no such line, or a line that sent nothing.
    VerifyNoLine { sheet: &'a str, line: u32 },
    /// `verify`: the results hold several sheets.
    VerifySheetNeeded { sheets: &'a str },
    /// `verify`: the row has no call whose outcome is unknown.
    VerifyNotToCheck { sheet: &'a str, line: u32 },
    /// `verify`: the run is going (its lock is held).
    VerifyGoing { results: &'a std::path::Path },
    /// A resume: a call sent without an answer, checked done in Loop.
    CheckedDone { who: &'a str, at: &'a str },
    /// `--resume` of a run closed with `registre close`.
    ResumeClosed { run: i64 },
    /// A rescue file of the same run number and plan, of another registre.
    RescueForeign { file: &'a std::path::Path },
}

impl Text for MemoryMessage<'_> {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::memory(self),
            Lang::En => en::memory(self),
        }
    }
}

/// A moment recorded as ISO 8601, for people: `2026-12-06 10:04`.
pub(crate) fn moment(at: &str) -> String {
    at.get(..16).map_or_else(|| at.to_string(), |s| s.replace('T', " "))
}

impl Text for RunMessage<'_> {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::run_message(self),
            Lang::En => en::run_message(self),
        }
    }
}

impl Text for Message<'_> {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::message(self),
            Lang::En => en::message(self),
        }
    }
}

/// The results workbook's words: sheet names, headings, its print footer
/// (the results' columns never change with the language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkbookText {
    PortfolioSheet,
    SummarySheet,
    Rows,
    WhatItMeans,
    Total,
    RowsPerStatus,
    PrintSheet,
    DossierCode,
    Name,
    Advice,
    PageFooter,
    ResultsSheet,
    /// A template's drop-down refusing a value: its title.
    UnknownValue,
    /// The operations template's sheet.
    OperationsSheet,
}

impl WorkbookText {
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::workbook(self),
            Lang::En => en::workbook(self),
        }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop<'a> {
    /// Ctrl-C, or the page's « Arrêter ».
    Interrupted,
    /// The gateway asked to wait longer than allowed.
    WaitTooLong { secs: u64 },
    /// The page: Cegid Loop refused a key (`api`: the API key, else the
    /// subscription key); the command line says it with its variable.
    KeyRefused { api: bool, status: u16 },
    /// The page: the registre could not be written (disk full…); the
    /// command line says the file and the system's error.
    RegistreUnwritable,
    /// The page: the gateway does not know a call's route (404); the
    /// command line says the settings and flags to change.
    RouteUnknown { operation: crate::loop_api::Operation, route: &'a str, status: u16 },
    /// Stopped for a reason said where found (the engine's words).
    Said(&'a str),
}

/// What to do next about a row's result (the `conseil` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Advice {
    /// Valid: start the run.
    Start,
    /// Invalid: fix the cell named.
    FixCell,
    /// Not sent because a call it depends on failed.
    FixWhatItDependsOn,
    /// The run stopped before it.
    Resume,
    /// Loop's answer was lost.
    CheckInLoop,
    /// The gateway refused a key: the run stopped.
    KeyRefused,
    /// Refused by Loop: the kind of its answer, if known.
    Refused(Option<KnownAnswer>),
    /// Given up: Loop was unavailable or did not answer; nothing applied.
    Unavailable,
}

/// The advice in words.
pub(crate) fn advice(a: Advice, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => fr::advice(a),
        Lang::En => en::advice(a),
    }
}

pub(crate) use template::TemplateNote;
pub(crate) use usage::{Usage, ValueForm, help_footer, help_in};

pub(crate) fn status_said(s: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => fr::status_said(s),
        Lang::En => en::status_said(s),
    }
}

/// What a status means and what to do next, for the summary sheet.
pub(crate) fn status_meaning(s: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => fr::status_meaning(s),
        Lang::En => en::status_meaning(s),
    }
}

/// The group a problem is counted in on the page.
pub(crate) fn kind(p: &Problem, lang: Lang) -> String {
    match p {
        Problem::Invalid { column, expected, .. } => Message::ProblemKind { column, expected }.text(lang),
        other => other.text(lang),
    }
}

#[cfg(test)]
mod tests;

impl Text for crate::error::MemoryRefusal {
    fn text(&self, lang: Lang) -> String {
        use crate::error::MemoryRefusal as R;
        match self {
            R::ResumeClosed { run } => MemoryMessage::ResumeClosed { run: *run },
            R::VerifyNoRun { results } => MemoryMessage::VerifyNoRun { results },
            R::VerifySheetNeeded { sheets } => MemoryMessage::VerifySheetNeeded { sheets },
            R::VerifyNoLine { sheet, line } => MemoryMessage::VerifyNoLine { sheet, line: *line },
            R::VerifyNotToCheck { sheet, line } => MemoryMessage::VerifyNotToCheck { sheet, line: *line },
            R::VerifyGoing { results } => MemoryMessage::VerifyGoing { results },
            R::CloseNoRun { run } => MemoryMessage::CloseNoRun { run: *run },
            R::CloseGoing { run } => MemoryMessage::CloseGoing { run: *run },
        }
        .text(lang)
    }
}

impl Text for crate::error::HistoryRefusal {
    fn text(&self, lang: Lang) -> String {
        use crate::error::HistoryRefusal as R;
        match self {
            R::BadDate { value } => HistoryMessage::BadDate { value },
            R::Extension { path, ext } => HistoryMessage::Extension { path, ext },
            R::NotAHistory { path } => HistoryMessage::NotAHistory { path },
            R::RunResults { path } => HistoryMessage::RunResults { path },
            R::NoSuchRegistre { path } => HistoryMessage::NoSuchRegistre { path },
            R::EmptySought => HistoryMessage::EmptySought,
        }
        .text(lang)
    }
}
