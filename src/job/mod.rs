//! The library layer: the one way a front end (the command line, the page)
//! checks a sheet, re-checks an edited row, exports the LoopHub portfolio,
//! plans, runs, resumes, re-runs failed rows and writes results.
//!
//! Options go in as plain data (`SheetInput`, `RunRequest`, `Edit`),
//! progress comes out as `Event`s through a closure (`EventSink`), reports
//! come back as data (`Prepared`, `RunReport`). The command line and the page
//! call the same functions, so no rule, message or call order is written
//! twice. Nothing here prints, ends the process, or builds a runtime: what
//! does IO on the network is async, for the caller's runtime; the offline
//! stages run on blocking threads.
//!
//! The memory across runs, for a run, is `memory` (the rows it holds apart,
//! `held`; which recorded runs are this tenant's, `linked`); an undo is
//! `undo`, its answers read its own way by `settle`.
//!
//! A run takes a `Stopper` (Ctrl-C, a Stop button; usable before it starts)
//! and a `Confirm` callback, called before anything goes to a host that is
//! not this machine. Two runs on different results files can live in one
//! process. `RunFiles` names a run's files after its results file (its
//! plan copy, its lock, its rescue file). Before anything is sent
//! (`before`, each refusal exit 2): the results are not the input, the run's lock is taken (`lock`), the
//! folder's stale temporary files are removed, the tenant is the one the
//! registre records (`tenant`), a resume has something to do. The CLI runs
//! `run` on a one-thread runtime (the engine waits on the network nearly
//! all the time, see BENCHMARKS.md); the page on the multi-thread one.

mod before;
mod check;
mod demo;
mod engine;
mod events;
mod files;
mod fold;
mod held;
mod history;
mod linked;
mod lock;
mod memory;
mod run;
mod select;
mod settle;
mod sheet;
mod stored;
mod tenant;
mod undo;

use std::path::PathBuf;

pub use crate::config::{Config, FileConfig, Keys, Rate, Secret};
pub use crate::error::{Failure, exit};
pub use crate::execute::Stopper;
pub use crate::execute::client::is_loopback;
pub use crate::i18n::Lang;
// What the page needs beside the library's calls: it imports from here only.
pub(crate) use crate::config::{save_user_keys, well_formed_api_key};
pub(crate) use crate::error::{InputProblem, Refusal, Result, ResultsProblem, SystemCause, WriteProblem};
pub(crate) use crate::execute::client::host_of;
pub(crate) use crate::files::{owner_only_file, owner_only_folder, tighten};
pub(crate) use crate::headers::Field;
pub use crate::loop_api::Operation;
pub(crate) use crate::outcome::format_local;
pub use crate::outcome::{CallOutcome, Standing, Status};
pub use crate::pipeline::Prepared;
pub use crate::plan::{Bodies, Plan, PlanCounts, RowCheck};
pub use crate::portfolio::{Filter, Folder, Portfolio};
pub use crate::problems::Problem;
pub use crate::read::Encoding;
pub use crate::registre::{Prior, Registre};
// What the registre's bench writes and asks (benches/large_registre.rs).
pub use crate::registre::{CallSeen, Event as AttemptEvent, NewRun, PlannedCall, Record, RunSummary, WriteFailure};
pub use crate::report::{RowResult, plan_xlsx, results_format};
pub use crate::report::{advice_for, people, status_said};
pub(crate) use crate::rows::Row;
pub(crate) use crate::simulator::bind_failure;
pub use before::{check_results_target, is_running};
pub use check::{
    OnlineCheck, PortfolioExport, TEMPLATE_FILES, check_plan_file, check_sheet, export_portfolio, fetch_portfolio,
    keys, plan_sheet, template_file, write_check_results, write_plan, write_templates,
};
pub use demo::{Demo, start_demo};
pub use events::{Confirm, Confirmation, Event, EventSink, Front};
pub use files::RunFiles;
pub use held::HeldRow;
pub use history::{
    History, HistoryLine, RunLine, SheetRow, history, history_format, history_target, history_xlsx, parse_since,
    runs_history, sought, when, write_history, write_runs,
};
pub use memory::{MemoryCounts, memory_counts};
pub use memory::{close_results, close_run, verify};
pub use run::{Pacing, RunReport, RunRequest, RunSource, run, write_run_results};
pub use select::{failed_calls_in_results, failed_calls_to_send};
pub use sheet::{CheckedSheet, Edit};
pub use stored::{StoredRun, forget_run, stored_run};
pub use tenant::{Tenant, key_replaced, user_secret};
pub use undo::{
    UndoPreview, UndoRequest, UndoRow, UndoTicks, UndoVerdict, UndoneRef, is_undo, undo, undo_dry_results,
    undo_preview, undo_preview_dry, write_undo_dry_run,
};

/// Which sheet to read and how (the reader's options).
#[derive(Debug, Clone, Default)]
pub struct SheetInput {
    pub file: PathBuf,
    /// Only this sheet of a workbook (else every sheet with a code dossier column).
    pub sheet: Option<String>,
    /// A CSV's encoding, when not to be detected.
    pub encoding: Option<Encoding>,
    /// A CSV's delimiter, when not to be detected.
    pub delimiter: Option<u8>,
}

impl SheetInput {
    pub fn new(file: impl Into<PathBuf>) -> SheetInput {
        SheetInput { file: file.into(), ..SheetInput::default() }
    }

    fn read_options(&self, lang: crate::i18n::Lang) -> crate::read::ReadOptions {
        crate::read::ReadOptions { sheet: self.sheet.clone(), encoding: self.encoding, delimiter: self.delimiter, lang }
    }
}
