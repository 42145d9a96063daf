//! Stage 5, execute: sends a plan's calls through a bounded, rate-limited
//! pool, keeping each dossier's order and running dossiers in parallel. A
//! `Stopper` (Ctrl-C, the page's Stop) ends the pool: the calls in flight
//! finish, no new one goes out.
//!
//! Each dossier is a lane (a task) that sends its calls in plan order; a
//! call first waits for its `depends_on` (possibly in another lane) and is
//! not sent when one of them did not end OK; a finished call wakes only the
//! calls that wait for it. A semaphore bounds requests in flight; the pacer
//! paces the whole pool, pauses it on Retry-After and adapts its rate.
//! Calls that may have been applied are never blindly repeated when they
//! are not idempotent: they are settled, or marked A_VERIFIER. No call goes
//! out before its "sent" record is on disk and its "sending" record in the
//! file; a call keeps its place in flight until its outcome is handed to the
//! journal, which commits it before any later call goes out (a kill leaves
//! at most `concurrency` answers unrecorded); a journal that cannot be
//! written stops the run. A stop is never an outcome: a call
//! that may have reached Loop is left unsettled, for the resume to settle.

pub(crate) mod backoff;
mod call;
pub(crate) mod client;
pub(crate) mod journal;
pub(crate) mod kill_point;
pub(crate) mod loophub;
pub(crate) mod pacer;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore, SemaphorePermit};

use crate::config::Rate;
use crate::i18n::Lang;
use crate::outcome::CallOutcome;
use crate::plan::{Call, Plan};
use backoff::Backoff;
use client::{Answer, Client, FatalKind};
use journal::{Journal, Prior};
use pacer::Pacer;

/// Calls whose "sent" may be recorded at once, per call in flight: the
/// more, the fewer syncs (one covers the records of all the calls waiting
/// their turn); a crash leaves those looking in flight, and a resume
/// settles them.
const LOOK_AHEAD: usize = 8;

/// Why a run stopped before its end.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    Fatal {
        kind: FatalKind,
        status: u16,
        message: String,
        /// The call that met it, and its route (for a route not found).
        operation: crate::loop_api::Operation,
        route: String,
    },
    RetryAfterTooLong {
        wait: Duration,
    },
    Interrupted,
    /// The registre could not be written (disk full…): the message says
    /// which file, the system's error, and what to do.
    Journal {
        message: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct ExecOptions {
    pub rate: Rate,
    pub burst: u32,
    pub concurrency: usize,
    pub retries: u32,
    pub max_retry_after: Duration,
    pub backoff: Backoff,
    pub lang: Lang,
    /// `--send-all`: calls the registre knows applied; Loop's « already »
    /// answer to one is DEJA_FAIT, a success for its dependents too.
    pub known_applied: std::collections::HashSet<u32>,
    /// The « not assigned » answers (`not_assigned` of loopbatch.toml): a
    /// withdrawal so answered after a lost attempt is to check.
    pub not_assigned: Vec<String>,
}

/// What the pool reports while it runs, as it happens.
pub(crate) trait Progress: Send + Sync {
    /// A call has its final outcome; `skipped`: not sent by this run (done
    /// before, per the journal or `--only-failed`).
    fn call_done(&self, call: &Call, outcome: &CallOutcome, skipped: bool);
    /// The gateway asked the whole pool to wait.
    fn paused(&self, wait: Duration);
    /// No new call will be sent, for this reason.
    fn stopping(&self, reason: &StopReason);
    /// The pacing rate changed (calls per second).
    fn rate_changed(&self, per_s: f64);
}

pub(crate) struct RunOutcome {
    pub outcomes: HashMap<u32, CallOutcome>,
    pub stop: Option<StopReason>,
    pub calls_sent: usize,
    pub elapsed: Duration,
    /// The pacing rate at the end (calls per second).
    pub final_rate: f64,
    /// Calls whose outcome the journal could not record (it failed).
    pub unjournaled: Vec<u32>,
    /// Calls without an outcome that may have reached Loop (sent, answer
    /// not received before the run stopped): a resume settles them.
    pub unsettled: HashSet<u32>,
}

/// A handle to stop a run from outside (Ctrl-C, a Stop button): calls in
/// flight finish, no new call is sent. May be used before the run starts.
#[derive(Clone, Default)]
pub struct Stopper(Arc<StopperState>);

#[derive(Default)]
struct StopperState {
    requested: AtomicBool,
    wake: Notify,
}

impl Stopper {
    pub fn interrupt(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        self.0.wake.notify_waiters();
    }

    pub fn is_interrupted(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Resolves once `interrupt` was called (at once if it already was).
    pub async fn interrupted(&self) {
        loop {
            let woken = self.0.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.is_interrupted() {
                return;
            }
            woken.await;
        }
    }
}

struct Shared {
    client: Client,
    opts: ExecOptions,
    pacer: Pacer,
    in_flight: Semaphore,
    /// Calls whose "sent" is recorded and not yet answered: those in flight
    /// and the next ones (see `attempt`).
    look_ahead: Semaphore,
    done: Mutex<HashMap<u32, CallOutcome>>,
    /// One signal per call, raised when it is done: wakes its dependents only.
    finished: HashMap<u32, Notify>,
    stop: Mutex<Option<StopReason>>,
    stopping: AtomicBool,
    /// Triggered by any stop (the user's, a fatal answer, the journal):
    /// ends waits for a dependency or a pause at once.
    halt: Stopper,
    journal: Journal,
    progress: Arc<dyn Progress>,
    sent: AtomicUsize,
    calls: HashMap<u32, Call>,
    /// See [`RunOutcome::unsettled`].
    unsettled: Mutex<HashSet<u32>>,
}

/// What one run of the pool needs besides the plan.
pub(crate) struct Execution {
    pub client: Client,
    pub opts: ExecOptions,
    pub journal: Journal,
    /// What an earlier run recorded, or what counts as done already.
    pub prior: HashMap<u32, Prior>,
    pub progress: Arc<dyn Progress>,
    pub stopper: Stopper,
}

/// Runs the plan's calls.
pub(crate) async fn execute(plan: &Plan, run: Execution) -> RunOutcome {
    let started = Instant::now();
    let Execution { client, opts, journal, prior, progress, stopper } = run;
    let shared = Arc::new(Shared {
        client,
        pacer: Pacer::new(opts.rate.per_second(), opts.burst),
        in_flight: Semaphore::new(opts.concurrency.max(1)),
        look_ahead: Semaphore::new(LOOK_AHEAD * opts.concurrency.max(1)),
        opts,
        done: Mutex::new(HashMap::with_capacity(plan.calls.len())),
        finished: plan.calls.iter().map(|c| (c.id, Notify::new())).collect(),
        stop: Mutex::new(None),
        stopping: AtomicBool::new(false),
        halt: Stopper::default(),
        journal,
        progress,
        sent: AtomicUsize::new(0),
        calls: plan.calls.iter().map(|c| (c.id, c.clone())).collect(),
        unsettled: Mutex::new(HashSet::new()),
    });
    let watcher = {
        let shared = shared.clone();
        tokio::spawn(async move {
            stopper.interrupted().await;
            shared.set_stop(StopReason::Interrupted);
        })
    };
    let mut tasks = tokio::task::JoinSet::new();
    for ids in lanes(plan) {
        let lane_prior: HashMap<u32, Prior> =
            ids.iter().filter_map(|i| prior.get(i).map(|p| (*i, p.clone()))).collect();
        tasks.spawn(run_lane(shared.clone(), ids, lane_prior));
    }
    while tasks.join_next().await.is_some() {}
    watcher.abort();
    // The last outcomes were not waited for: on disk before the run says so.
    if let Err(e) = shared.journal.flush().await {
        shared.journal_failed(e);
    }
    kill_point::reached("recorded");
    let outcomes = shared.done.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let stop = shared.stop.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut unsettled = std::mem::take(&mut *shared.unsettled.lock().unwrap_or_else(|e| e.into_inner()));
    for (id, p) in &prior {
        if matches!(p, Prior::InFlight { sent: true, .. }) {
            unsettled.insert(*id);
        }
    }
    unsettled.retain(|id| !outcomes.contains_key(id));
    let calls_sent = shared.sent.load(Ordering::Relaxed);
    let unjournaled = shared.journal.unwritten();
    let final_rate = shared.pacer.rate();
    RunOutcome { outcomes, stop, calls_sent, elapsed: started.elapsed(), final_rate, unjournaled, unsettled }
}

/// An attempt: sent (its answer, when, its place in flight), or refused by
/// the send-time check (the call's outcome, its place).
enum Attempted<'a> {
    Sent(Answer, tokio::time::Instant, SemaphorePermit<'a>),
    Refused(CallOutcome, SemaphorePermit<'a>),
}

/// The attempt surely changed nothing: no byte of it went out (no
/// connection), or the gateway refused to take it.
fn not_taken(answer: &Answer) -> bool {
    matches!(answer, Answer::Throttled { .. } | Answer::Transient { maybe_applied: false, .. })
}

/// The calls of each dossier, in plan order; dossiers as first met.
fn lanes(plan: &Plan) -> Vec<Vec<u32>> {
    let mut lanes: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for c in &plan.calls {
        if !lanes.contains_key(&*c.dossier) {
            order.push(&c.dossier);
        }
        lanes.entry(&c.dossier).or_default().push(c.id);
    }
    order.into_iter().map(|d| lanes.remove(d).unwrap_or_default()).collect()
}

async fn run_lane(shared: Arc<Shared>, ids: Vec<u32>, prior: HashMap<u32, Prior>) {
    for id in ids {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let ended = match prior.get(&id) {
            Some(Prior::Done(o)) => Some((o.clone(), None)),
            Some(Prior::InFlight { attempts, sent }) => call::run_call(&shared, id, (*attempts, *sent)).await,
            None => call::run_call(&shared, id, (0, false)).await,
        };
        let skipped = matches!(prior.get(&id), Some(Prior::Done(_)));
        match ended {
            // The call's place in flight is given up once its outcome is appended.
            Some((o, place)) => {
                shared.finish(id, o, skipped);
                drop(place);
            }
            None => break,
        }
    }
}

impl Shared {
    fn set_stop(&self, reason: StopReason) {
        let first = {
            let mut s = self.stop.lock().unwrap_or_else(|e| e.into_inner());
            let first = s.is_none();
            if first {
                *s = Some(reason.clone());
            }
            first
        };
        self.stopping.store(true, Ordering::SeqCst);
        self.halt.interrupt();
        if first {
            self.progress.stopping(&reason);
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    fn journal_failed(&self, error: journal::WriteError) {
        let message = journal::write_failure(&self.journal.path, &error.0, self.opts.lang);
        self.set_stop(StopReason::Journal { message });
    }

    /// Records the outcome (on disk before any dependent is sent: its "sent"
    /// comes later in the journal) and wakes the calls that wait for this one.
    /// Not waited for: appended before the place is given up, it is
    /// committed with the next commit, which any later call's sending
    /// needs, or within 10 ms.
    fn finish(&self, id: u32, outcome: CallOutcome, skipped: bool) {
        if !skipped && let Err(e) = self.journal.done(id, &outcome) {
            self.journal_failed(e);
        }
        if let Some(call) = self.calls.get(&id) {
            self.progress.call_done(call, &outcome, skipped);
        }
        self.done.lock().unwrap_or_else(|e| e.into_inner()).insert(id, outcome);
        if let Some(signal) = self.finished.get(&id) {
            signal.notify_waiters();
        }
    }

    /// Waits until every dependency is done; `Err` names the first that did
    /// not end OK, `Ok(false)` means the run is stopping.
    async fn wait_deps(&self, call: &Call) -> Result<bool, u32> {
        for d in &call.depends_on {
            let Some(signal) = self.finished.get(d) else { return Err(*d) };
            loop {
                let woken = signal.notified();
                tokio::pin!(woken);
                woken.as_mut().enable();
                match self.done.lock().unwrap_or_else(|e| e.into_inner()).get(d) {
                    Some(o) if o.status.is_success() => break,
                    Some(_) => return Err(*d),
                    None => {}
                }
                if self.stopping() {
                    return Ok(false);
                }
                tokio::select! {
                    _ = woken => {}
                    _ = self.halt.interrupted() => return Ok(false),
                }
            }
        }
        Ok(true)
    }

    /// Sends one attempt once given a slot and its turn, once its "sent"
    /// record is on disk and its "sending" record in the file; `None` when
    /// the run is stopping by then (nothing was sent). Returns the answer,
    /// when the call went out, and its place in flight (kept until its
    /// outcome is appended to the journal).
    ///
    /// The "sent" record is appended when the call takes one of the
    /// look-ahead places, before it waits for a slot and its turn: by then
    /// one sync has usually covered it along with the records of the calls
    /// ahead of it. A call that does not go out after all is withdrawn, and
    /// so is an attempt that surely was not taken (no connection, or the
    /// gateway said so).
    async fn attempt(&self, call: &Call, attempt: u32) -> Option<Attempted<'_>> {
        let _place = self.look_ahead.acquire().await.ok()?;
        if self.stopping() {
            return None;
        }
        let ticket = match self.journal.sent(call.id, attempt) {
            Ok(t) => t,
            Err(e) => {
                self.journal_failed(e);
                return None;
            }
        };
        let withdraw = || {
            self.journal.withdrawn(call.id, attempt);
            None
        };
        let Ok(permit) = self.in_flight.acquire().await else { return withdraw() };
        let Some(sent_at) = self.pacer.turn(&self.halt).await else { return withdraw() };
        if self.stopping() {
            return withdraw();
        }
        if let Err(e) = self.journal.durable(ticket).await {
            self.journal_failed(e);
            return None;
        }
        // Another run applied or holds it since the plan: not sent, and its
        // reservation was never written.
        if let Some(o) = self.journal.refused(call.id) {
            return Some(Attempted::Refused(o, permit));
        }
        if self.stopping() {
            return withdraw();
        }
        kill_point::reached("reserved");
        // Committed before the request's first byte.
        let recorded = match self.journal.sending(call.id, attempt) {
            Ok(t) => self.journal.written(t).await,
            Err(e) => Err(e),
        };
        if let Err(e) = recorded {
            self.journal_failed(e);
            return withdraw();
        }
        kill_point::reached("sending");
        self.sent.fetch_add(1, Ordering::Relaxed);
        if let Some(rate) = self.pacer.moved() {
            self.progress.rate_changed(rate);
        }
        let answer = self.client.send("POST", &call.route, call.body.get()).await;
        kill_point::reached("answered");
        if not_taken(&answer) {
            self.journal.withdrawn(call.id, attempt);
        }
        Some(Attempted::Sent(answer, sent_at, permit))
    }

    /// The gateway throttled a call: the pool pauses, and the rate is cut
    /// once per episode.
    fn throttled(&self, sent_at: tokio::time::Instant, wait: Duration) {
        if let Some(rate) = self.pacer.throttled(sent_at, wait) {
            self.progress.rate_changed(rate);
        }
        self.progress.paused(wait);
    }
}
