//! A run: the plan (from a sheet or a plan file), the go-ahead, the calls
//! through the engine with their journal, one result per row, the results
//! file. Also `--resume` (the journal) and `--only-failed` (the previous
//! results).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, Keys, Rate};
use crate::error::{Failure, Refusal, Result, exit};
use crate::execute::client::{Client, host_of, is_loopback};
use crate::execute::journal::{self, Journal, Prior, Recorded, RunSpec, Take};
use crate::execute::{Execution, RunOutcome, StopReason, Stopper};
use crate::i18n::Lang;
use crate::messages::{RunMessage, Text};
use crate::outcome::{Standing, now_iso};
use crate::plan::Plan;
use crate::report::{self, RowResult};

use super::before::{
    folder_of, import_old_journal, no_unknown_run, not_another_run, not_the_input, noted_holder, same_tenant,
    something_to_resume, take_locks,
};
use super::check::{OnlineCheck, fetch_portfolio, keys, plan_sheet};
use super::engine::{EventProgress, exec_options};
use super::events::Front;
use super::events::{Confirm, Confirmation, Event, EventSink};
use super::fold::{fold_rows, stop_text};
use super::memory::MemoryCounts;
use super::select::{Selection, previous_done_calls, select_failed};
use super::tenant::Tenant;
use super::{RunFiles, SheetInput};

/// Where the calls come from.
pub enum RunSource {
    /// A sheet, checked and planned first (against LoopHub with `online`).
    Sheet { input: SheetInput, online: Option<OnlineCheck> },
    /// A plan written by `loopbatch plan` (or kept beside earlier results).
    PlanFile(PathBuf),
    /// A plan built in memory (the page's sheet, as fixed there).
    Plan(Box<Plan>),
}

/// Flags that override the configuration's pacing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pacing {
    pub rate: Option<Rate>,
    pub burst: Option<u32>,
    pub concurrency: Option<usize>,
    pub retries: Option<u32>,
}

impl Pacing {
    fn apply(&self, cfg: &Config) -> Config {
        let mut cfg = cfg.clone();
        cfg.rate = self.rate.unwrap_or(cfg.rate);
        cfg.burst = self.burst.map_or(cfg.burst, |b| b.max(1));
        cfg.concurrency = self.concurrency.map_or(cfg.concurrency, |c| c.max(1));
        cfg.retries = self.retries.unwrap_or(cfg.retries);
        cfg
    }
}

pub struct RunRequest {
    pub source: RunSource,
    pub files: RunFiles,
    /// Go on with the journal of an earlier run of the same plan.
    pub resume: bool,
    /// Run again only what did not end OK in these earlier results.
    pub only_failed: Option<RunFiles>,
    /// A_VERIFIER rows are run again too (with `only_failed`), and calls
    /// whose last outcome in the registre is A_VERIFIER are sent again.
    pub include_a_verifier: bool,
    /// These rows (sheet, line) only: their calls last A_VERIFIER are sent
    /// again (the page's choice per row); `include_a_verifier` sends all.
    pub a_verifier_rows: Vec<(String, u32)>,
    /// Send every call, even those the registre knows done already.
    pub send_all: bool,
    /// Send to a remote host without asking (a scheduled run).
    pub assume_yes: bool,
    /// With `resume` or `only_failed`: the key id differs from the one the
    /// run recorded because the key was replaced; the new one is recorded.
    pub new_key: bool,
    pub pacing: Pacing,
    /// Keys to use instead of the configuration's (the demo's, or keys
    /// typed in the page for this session).
    pub keys: Option<Keys>,
    /// Which front end asks: its messages name its own controls (Arrêter
    /// and Reprendre in the page, Ctrl-C and --resume on the command line).
    pub front: Front,
    /// An undo: the undone run's tenant, where it must go too.
    pub bound_tenant: Option<serde_json::Value>,
}

impl RunRequest {
    pub fn new(source: RunSource, results: impl Into<PathBuf>) -> RunRequest {
        RunRequest {
            source,
            files: RunFiles::new(results),
            resume: false,
            only_failed: None,
            include_a_verifier: false,
            a_verifier_rows: Vec::new(),
            send_all: false,
            assume_yes: false,
            new_key: false,
            pacing: Pacing::default(),
            keys: None,
            front: Front::Command,
            bound_tenant: None,
        }
    }
}

/// What a run did, for the front end's summary.
pub struct RunReport {
    /// The input file's name, as the plan records it.
    pub source: String,
    pub files: RunFiles,
    /// Where the results were written (the file asked for, or another);
    /// `None` when they could be written nowhere (the journal keeps the
    /// outcomes; `--resume` writes them).
    pub results: Option<PathBuf>,
    pub rows: Vec<RowResult>,
    pub calls_total: usize,
    pub calls_sent: usize,
    pub elapsed: Duration,
    pub stop: Option<StopReason>,
    /// Why the run stopped, in the user's language.
    pub stop_text: Option<String>,
    /// The pacing rate at the end (calls per second).
    pub rate_final_per_s: f64,
    pub exit_code: u8,
    /// The registre held no run before this one while earlier results were
    /// there: the date it was made, before which it knows nothing.
    pub registre_new_since: Option<String>,
    /// What the registre's memory made of the plan: rows done already, rows
    /// to send, and the tenant whose memory it is.
    pub memory: Option<MemoryCounts>,
}

impl RunReport {
    /// Rows per status word.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        report::count_statuses(&self.rows)
    }

    /// The gateway did not know a route of the plan (404 « Resource not
    /// found »): a resume of the kept plan meets it again unless the address
    /// was the mistake; a change of routes or of `onboarding_add_offer`
    /// needs a new plan (`--only-failed`).
    pub fn stopped_on_unknown_route(&self) -> bool {
        matches!(self.stop, Some(StopReason::Fatal { kind: crate::execute::client::FatalKind::RouteNotFound, .. }))
    }

    /// The `n` most frequent messages of rows in ERREUR or A_VERIFIER.
    pub fn top_errors(&self, n: usize) -> Vec<(String, usize)> {
        let mut errors: HashMap<&str, usize> = HashMap::new();
        for r in self.rows.iter().filter(|r| r.status.is_error()) {
            *errors.entry(r.message.as_str()).or_default() += 1;
        }
        let mut top: Vec<(String, usize)> = errors.into_iter().map(|(m, n)| (m.to_string(), n)).collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(n);
        top
    }
}

/// The results of a run written again in another file (CSV beside XLSX,
/// say): the same rows, the same columns.
pub fn write_run_results(plan: &Plan, report: &RunReport, path: &Path, lang: Lang) -> Result<()> {
    crate::report::write_results(path, &plan.columns, &plan.rows, &report.rows, lang)
}

/// Runs a plan against the configuration's API (or the simulator): asks
/// `confirm` first when the host is not this machine, reports progress to
/// `events`, stops cleanly when `stopper` is triggered.
pub async fn run(
    cfg: &Config,
    mut req: RunRequest,
    events: EventSink,
    stopper: Stopper,
    confirm: Confirm,
) -> Result<RunReport> {
    let lang = cfg.lang;
    report::results_format(req.files.results())?;
    // A results file reached through a link is its target's: one lock, one
    // journal, whatever the path typed.
    if req.files.results().is_symlink()
        && let Ok(target) = std::fs::canonicalize(req.files.results())
    {
        req.files = RunFiles::new(target).with_registre(req.files.registre_asked());
    }
    // The registre asked for by the request, else by the configuration.
    let registre = req.files.registre_asked().or_else(|| cfg.registre.clone());
    req.files = req.files.clone().with_registre(registre.clone());
    req.only_failed = req.only_failed.take().map(|f| f.with_registre(registre));
    let input = match &req.source {
        RunSource::Sheet { input, .. } => Some(input.file.as_path()),
        RunSource::PlanFile(path) => Some(path.as_path()),
        RunSource::Plan(_) => None,
    };
    not_the_input(input, req.files.results())?;
    // Who ran into these results before (a note a kill leaves beside the
    // lock): named if this registre does not know their run.
    let earlier = noted_holder(&req.files);
    // One process per run, before anything is renamed, written or sent.
    let _locks = take_locks(&req.files, req.only_failed.as_ref(), lang)?;
    if let Some(previous) = req.only_failed.as_ref() {
        not_another_run(previous, &req.files, req.resume)?;
    }
    crate::files::remove_stale_temps(folder_of(req.files.results()));
    // A journal of the previous version beside these results (or the
    // previous ones) is that run's record: imported first, so that a new run
    // into them is refused as it was while the journal was the record.
    for files in std::iter::once(&req.files).chain(&req.only_failed) {
        import_old_journal(files, lang)?;
    }
    if !req.resume {
        no_unknown_run(&req.files, earlier.clone())?;
    }
    super::stored::forget_expired(&req.files, cfg)?;
    let keys = keys(cfg, req.keys.take())?;
    for w in &keys.warnings {
        events(Event::Warning { message: w.clone() });
    }
    let cfg = req.pacing.apply(cfg);
    // Where the run it continues went, before anything is asked of this
    // endpoint (even the LoopHub list of --online).
    let mut tenant = Tenant::of(&cfg, &keys).await;
    let continued: Vec<&RunFiles> = req.resume.then_some(&req.files).into_iter().chain(&req.only_failed).collect();
    for message in same_tenant(&continued, req.new_key, &tenant, lang)? {
        events(Event::Warning { message });
    }
    if let Some(bound) = req.bound_tenant.clone().and_then(|t| serde_json::from_value::<Tenant>(t).ok()) {
        super::tenant::check_same(&bound, &tenant, req.new_key, lang)?;
    }
    let mut plan = load_plan(&cfg, &req.source, &events).await?;
    if req.new_key && !req.resume && req.only_failed.is_none() {
        super::linked::link_keys(&req.files, &mut tenant, lang)?;
    } else if !req.new_key {
        super::linked::same_look_other_print(&req.files, &tenant, lang)?;
    }
    let recall = super::memory::remember(&mut plan, &req, &tenant, &cfg, &events)?;
    let selection = match &req.only_failed {
        Some(previous) => Some(select(&plan, previous, &req, &events, lang)?),
        None => None,
    };
    if req.resume {
        something_to_resume(&plan, &req.files, selection.as_ref(), earlier, lang)?;
    }
    if !is_loopback(&cfg.base_url) && !req.assume_yes {
        let counts = plan.counts();
        let host = host_of(&cfg.base_url).map(|(_, h)| h).unwrap_or_default();
        let calls = counts.calls - recall.remembered.done.len();
        confirm(Confirmation { host, calls, calls_per_route: counts.calls_per_route }).await?;
    }
    // Into its own previous results: a new generation, the earlier one kept
    // in the registre (what it proves is carried into the new one).
    let take = match (req.resume, &req.only_failed) {
        (true, _) => Take::Resume,
        (false, Some(_)) => Take::NextGeneration,
        (false, None) => Take::New,
    };
    let exec = Started { plan: &plan, files: &req.files, cfg: &cfg, take, events: &events, front: req.front };
    exec.run(keys, &tenant, selection, &recall, stopper).await
}

async fn load_plan(cfg: &Config, source: &RunSource, events: &EventSink) -> Result<Plan> {
    match source {
        RunSource::PlanFile(path) => {
            let plan = Plan::load_json(path)?;
            plan.check_calls(path, &cfg.routes)?;
            Ok(plan)
        }
        RunSource::Plan(plan) => Ok((**plan).clone()),
        RunSource::Sheet { input, online } => {
            let portfolio = match online {
                Some(o) => {
                    let keys = keys(cfg, None)?;
                    for w in &keys.warnings {
                        events(Event::Warning { message: w.clone() });
                    }
                    Some(fetch_portfolio(cfg, o.domain.as_deref(), keys).await?)
                }
                None => None,
            };
            let (cfg, input) = (cfg.clone(), input.clone());
            let prepared = tokio::task::spawn_blocking(move || plan_sheet(&cfg, &input, portfolio.as_ref()));
            match prepared.await {
                Ok(p) => p.map(|p| p.plan),
                // A defect in the offline stages is the process's (said by the panic hook).
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
    }
}

/// `--only-failed`: reads the previous results.
fn select(plan: &Plan, previous: &RunFiles, req: &RunRequest, events: &EventSink, lang: Lang) -> Result<Selection> {
    let done = previous_done_calls(previous, lang)?;
    let read = report::read_results(previous.results()).map_err(|f| match f {
        // The page's « Relancer les échecs » is told in the page's words.
        Failure::Results { file, problem: crate::error::ResultsProblem::Missing { .. } } => {
            let page = req.front == Front::Page;
            Failure::results(&file, crate::error::ResultsProblem::Missing { page })
        }
        f => f,
    })?;
    let sel = select_failed(plan, &read, &done, req.include_a_verifier, req.front, lang);
    events(Event::Rerun { rows_again: plan.rows.len() - sel.kept.len(), rows_kept: sel.kept.len() });
    Ok(sel)
}

/// A run past its go-ahead.
struct Started<'a> {
    plan: &'a Plan,
    files: &'a RunFiles,
    cfg: &'a Config,
    take: Take,
    events: &'a EventSink,
    front: Front,
}

impl Started<'_> {
    async fn run(
        &self,
        keys: Keys,
        tenant: &Tenant,
        selection: Option<Selection>,
        recall: &super::memory::Recall,
        stopper: Stopper,
    ) -> Result<RunReport> {
        let (plan, cfg, lang) = (self.plan, self.cfg, self.cfg.lang);
        // Before the first call: the results and the registre must be writable.
        probe_writable(self.files.results())?;
        let (rescue, hash) = (self.files.journal_rescue(), plan.hash());
        let spec = RunSpec {
            results: self.files.results(),
            rescue: &rescue,
            plan_hash: &hash,
            sheet: &plan.source.file,
            sheet_sha256: &plan.source.sha256,
            calls: planned_calls(plan),
        };
        // Results already there: runs before this one, which a registre
        // holding no run does not know.
        let earlier = self.files.results().exists();
        let (journal, recorded) = Journal::open(&self.files.registre(), spec, self.take, lang)?;
        let run_id = journal.run;
        let new_since = recorded.registre_new_since.clone().filter(|_| earlier);
        // Where this run goes (a new key id with --new-key): before any call.
        let _ = journal.tenant(serde_json::to_value(tenant).unwrap_or_default());
        // Each call checked again as it is reserved: another run may have
        // applied or taken it since the memory was read.
        if let Some((guard, say)) = recall.guard(plan, lang) {
            journal.guard(guard, say);
        }
        // Once the journal took the run: the plan beside it lets a resume
        // and a later --only-failed know what its call ids mean.
        plan.save_json(&self.files.plan())?;
        for message in &recorded.warnings {
            (self.events)(Event::Warning { message: message.clone() });
        }
        let mut prior = prior_outcomes(plan, recorded, selection.as_ref());
        recall.add_priors(&mut prior, lang);
        // What the previous run's journal proves done goes in this journal
        // too: the proof carries to the next --only-failed.
        for id in selection.iter().flat_map(|s| &s.proven) {
            if let Some(Prior::Done(o)) = prior.get(id) {
                let _ = journal.done(*id, o);
            }
        }
        // And what it sent without an answer: a kill now still leaves them
        // to settle, for a resume or the next --only-failed.
        for (id, attempts) in selection.iter().flat_map(|s| &s.unsettled) {
            if matches!(prior.get(id), Some(Prior::InFlight { .. })) {
                let _ = journal.sending(*id, *attempts);
            }
        }
        (self.events)(Event::Started {
            base_url: cfg.base_url.clone(),
            calls: plan.calls.len(),
            key: keys.masked_id(),
            rate: cfg.rate.to_string(),
            rate_per_s: cfg.rate.per_second(),
        });
        let client = Client::for_config(cfg, keys.subscription, keys.api, cfg.already_done.clone())?;
        let progress = Arc::new(EventProgress { events: self.events.clone(), lang, front: self.front });
        let mut opts = exec_options(cfg);
        opts.known_applied = recall.remembered.known_applied.clone();
        let run = Execution { client, opts, journal, prior, progress, stopper };
        let outcome = crate::execute::execute(plan, run).await;
        let mut report = self.report(outcome, selection, recall, run_id);
        report.registre_new_since = new_since;
        report.memory = Some(recall.counts(plan));
        Ok(report)
    }

    fn report(
        &self,
        mut outcome: RunOutcome,
        selection: Option<Selection>,
        recall: &super::memory::Recall,
        run_id: i64,
    ) -> RunReport {
        let (plan, lang) = (self.plan, self.cfg.lang);
        self.rescue(&outcome, run_id);
        let undo = super::settle::settle_calls(plan, &mut outcome.outcomes, &self.cfg.not_assigned, lang);
        let mut rows = fold_rows(plan, &outcome, self.front, lang);
        recall.words(plan, &mut rows, lang);
        for (i, r) in selection.map(|s| s.kept).unwrap_or_default() {
            rows[i] = r;
        }
        let settled = undo.map(|nothing| super::settle::settle_rows(plan, &nothing, &mut rows));
        let plan = settled.as_ref().unwrap_or(plan);
        let results = write_results_somewhere(self.files, plan, &rows, self.events, lang);
        // A resume now has nothing to do unless a call is left to send.
        let written = results.as_deref() == Some(self.files.results());
        let counts = serde_json::to_value(report::count_statuses(&rows)).unwrap_or_default();
        if let Err(f) = journal::end(&self.files.registre(), run_id, &counts, written, lang) {
            (self.events)(Event::Warning { message: f.text(lang) });
        }
        let nowhere = results.is_none().then(|| self.nowhere(lang));
        let exit_code = if outcome.stop.is_some() || nowhere.is_some() {
            exit::STOPPED
        } else if rows.iter().any(|r| !matches!(r.status.standing(), Standing::Done | Standing::Skipped)) {
            exit::ROWS_FAILED
        } else {
            exit::OK
        };
        RunReport {
            source: plan.source.file.clone(),
            files: self.files.clone(),
            results,
            rows,
            calls_total: plan.calls.len(),
            calls_sent: outcome.calls_sent,
            elapsed: outcome.elapsed,
            stop_text: outcome
                .stop
                .as_ref()
                .map(|s| stop_text(s, self.front, lang))
                .into_iter()
                .chain(nowhere)
                .reduce(|a, b| format!("{a} ; {b}")),
            rate_final_per_s: outcome.final_rate,
            stop: outcome.stop,
            exit_code,
            registre_new_since: None,
            memory: None,
        }
    }
}

impl Started<'_> {
    /// The results could be written nowhere: where the outcomes are kept.
    fn nowhere(&self, lang: Lang) -> String {
        RunMessage::ResultsNowhere { registre: &self.files.registre(), on_page: matches!(self.front, Front::Page) }
            .text(lang)
    }
}

/// What counts as done or in flight before this run sends anything: the
/// journal's record (only loopbatch's own records of attempts are proof,
/// never a results file); after a damaged line, every call without an
/// outcome may have been sent; `--only-failed`'s calls not to send again.
fn prior_outcomes(plan: &Plan, recorded: Recorded, selection: Option<&Selection>) -> HashMap<u32, Prior> {
    let mut prior = recorded.prior;
    if recorded.damaged {
        for call in &plan.calls {
            let attempts = match prior.get(&call.id) {
                Some(Prior::Done(_)) => continue,
                Some(Prior::InFlight { attempts, .. }) => *attempts,
                None => 0,
            };
            prior.insert(call.id, Prior::InFlight { attempts, sent: true });
        }
    }
    if let Some(sel) = selection {
        for (id, o) in &sel.skipped {
            prior.entry(*id).or_insert_with(|| Prior::Done(o.clone()));
        }
        // Sent by the previous run without a delivered answer: settled.
        for (id, attempts) in &sel.unsettled {
            prior.entry(*id).or_insert(Prior::InFlight { attempts: *attempts, sent: true });
        }
    }
    prior
}

impl Started<'_> {
    /// The outcomes the journal could not record go to the rescue file.
    fn rescue(&self, outcome: &RunOutcome, run_id: i64) {
        if outcome.unjournaled.is_empty() {
            return;
        }
        let lang = self.cfg.lang;
        let lost: Vec<(u32, crate::outcome::CallOutcome)> =
            outcome.unjournaled.iter().filter_map(|id| outcome.outcomes.get(id).map(|o| (*id, o.clone()))).collect();
        let path = self.files.journal_rescue();
        let registre = crate::registre::Registre::open(&self.files.registre(), lang).map(|r| r.rescue_id());
        let registre = registre.unwrap_or_default();
        let message = match crate::execute::journal::rescue(&path, (run_id, &registre), &self.plan.hash(), &lost) {
            Ok(path) => RunMessage::RescueKept { n: lost.len(), path: &path }.text(lang),
            Err(e) => RunMessage::RescueFailed { path: &path, error: &(&e).into() }.text(lang),
        };
        (self.events)(Event::Warning { message });
    }
}

/// The plan's calls as the registre keeps them (once per plan).
fn planned_calls(plan: &Plan) -> Vec<crate::registre::PlannedCall<'_>> {
    plan.calls
        .iter()
        .map(|c| crate::registre::PlannedCall {
            id: c.id,
            operation: c.operation.name(),
            dossier: &c.dossier,
            // The e-mail the call is about, if any: `forget` finds it by it.
            email: serde_json::from_str::<serde_json::Value>(c.body.get())
                .ok()
                .and_then(|b| b.get("email").and_then(|e| e.as_str()).map(str::to_string)),
            body: c.body.get(),
        })
        .collect()
}

/// Creates and removes a file beside the results: fails early, before any
/// call, when the folder is not writable or the name is a folder.
fn probe_writable(results: &Path) -> Result<()> {
    if results.is_dir() {
        return Err(Failure::refused(Refusal::ResultsAreFolder { results: results.to_path_buf() }));
    }
    let dir = results.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::Builder::new().prefix(".loopbatch-probe").tempfile_in(dir).map(drop).map_err(|e| {
        Failure::refused(Refusal::ResultsFolderUnwritable { folder: dir.to_path_buf(), error: (&e).into() })
    })
}

/// Writes the results; when that fails at the end (file locked by Excel),
/// writes them beside it under another name, or in the temporary folder;
/// `None` when nowhere would take them.
fn write_results_somewhere(
    files: &RunFiles,
    plan: &Plan,
    rows: &[RowResult],
    events: &EventSink,
    lang: Lang,
) -> Option<PathBuf> {
    let results = files.results();
    let Err(e) = report::write_results(results, &plan.columns, &plan.rows, rows, lang) else {
        events(Event::ResultsWritten { path: results.to_path_buf(), instead_of: None });
        return Some(results.to_path_buf());
    };
    events(Event::ResultsFailed { path: results.to_path_buf(), message: e.text(lang) });
    for candidate in files.fallbacks(&now_iso()) {
        if report::write_results(&candidate, &plan.columns, &plan.rows, rows, lang).is_ok() {
            events(Event::ResultsWritten { path: candidate.clone(), instead_of: Some(results.to_path_buf()) });
            return Some(candidate);
        }
    }
    None
}
