//! Stage 5, execute: sends a plan's calls through a bounded, rate-limited
//! pool, keeping each dossier's order and running dossiers in parallel.
//!
//! Each dossier is a lane (a task) that sends its calls in plan order; a
//! call first waits for its `depends_on` (possibly in another lane) and is
//! not sent when one of them did not end OK. A semaphore bounds requests in
//! flight; governor paces them; a Retry-After pauses the whole pool.
//! Calls that may have been applied are never blindly repeated when they
//! are not idempotent: they are settled, or marked A_VERIFIER.

pub mod backoff;
mod call;
pub mod client;
pub mod journal;
pub mod loophub;

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Notify, Semaphore};

use crate::config::Rate;
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, Status};
use crate::plan::{Call, Plan};
use backoff::Backoff;
use client::{Answer, Client, FatalKind};
use journal::{Journal, Prior};

/// Why a run stopped before its end.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    Fatal { kind: FatalKind, status: u16, message: String },
    RetryAfterTooLong { wait: Duration },
    Interrupted,
}

#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub rate: Rate,
    pub burst: u32,
    pub concurrency: usize,
    pub retries: u32,
    pub max_retry_after: Duration,
    pub backoff: Backoff,
    pub lang: Lang,
}

/// What the pool reports while it runs, as it happens.
pub trait Progress: Send + Sync {
    /// A call has its final outcome; `skipped`: not sent by this run (done
    /// before, per the journal or `--only-failed`).
    fn call_done(&self, call: &Call, outcome: &CallOutcome, skipped: bool);
    /// The gateway asked the whole pool to wait.
    fn paused(&self, wait: Duration);
    /// No new call will be sent, for this reason.
    fn stopping(&self, reason: &StopReason);
}

pub struct RunOutcome {
    pub outcomes: HashMap<u32, CallOutcome>,
    pub stop: Option<StopReason>,
    pub calls_sent: usize,
    pub elapsed: Duration,
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
    limiter: DefaultDirectRateLimiter,
    in_flight: Semaphore,
    pause_until: Mutex<Option<Instant>>,
    done: Mutex<HashMap<u32, CallOutcome>>,
    notify: Notify,
    stop: Mutex<Option<StopReason>>,
    stopping: AtomicBool,
    journal: Journal,
    progress: Arc<dyn Progress>,
    sent: AtomicUsize,
    calls: HashMap<u32, Call>,
}

pub fn quota(rate: Rate, burst: u32) -> Quota {
    let period = rate.per / rate.count.max(1);
    let q = Quota::with_period(period.max(Duration::from_micros(1))).unwrap_or(Quota::per_second(NonZeroU32::MIN));
    q.allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN))
}

/// What one run of the pool needs besides the plan.
pub struct Execution {
    pub client: Client,
    pub opts: ExecOptions,
    pub journal: Journal,
    /// What an earlier run recorded, or what counts as done already.
    pub prior: HashMap<u32, Prior>,
    pub progress: Arc<dyn Progress>,
    pub stopper: Stopper,
}

/// Runs the plan's calls.
pub async fn execute(plan: &Plan, run: Execution) -> RunOutcome {
    let started = Instant::now();
    let Execution { client, opts, journal, prior, progress, stopper } = run;
    let shared = Arc::new(Shared {
        client,
        limiter: RateLimiter::direct(quota(opts.rate, opts.burst)),
        in_flight: Semaphore::new(opts.concurrency.max(1)),
        opts,
        pause_until: Mutex::new(None),
        done: Mutex::new(HashMap::new()),
        notify: Notify::new(),
        stop: Mutex::new(None),
        stopping: AtomicBool::new(false),
        journal,
        progress,
        sent: AtomicUsize::new(0),
        calls: plan.calls.iter().map(|c| (c.id, c.clone())).collect(),
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
    let outcomes = shared.done.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let stop = shared.stop.lock().unwrap_or_else(|e| e.into_inner()).clone();
    RunOutcome { outcomes, stop, calls_sent: shared.sent.load(Ordering::Relaxed), elapsed: started.elapsed() }
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
        let (outcome, skipped) = match prior.get(&id) {
            Some(Prior::Done(o)) => (Some(o.clone()), true),
            Some(Prior::InFlight { attempts }) => (call::run_call(&shared, id, Some(*attempts)).await, false),
            None => (call::run_call(&shared, id, None).await, false),
        };
        match outcome {
            Some(o) => shared.finish(id, o, skipped),
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
        self.notify.notify_waiters();
        if first {
            self.progress.stopping(&reason);
        }
    }

    fn finish(&self, id: u32, outcome: CallOutcome, skipped: bool) {
        if !skipped {
            self.journal.done(id, &outcome);
        }
        if let Some(call) = self.calls.get(&id) {
            self.progress.call_done(call, &outcome, skipped);
        }
        self.done.lock().unwrap_or_else(|e| e.into_inner()).insert(id, outcome);
        self.notify.notify_waiters();
    }

    /// Waits until every dependency is done; `Err` names the first that did
    /// not end OK, `Ok(false)` means the run is stopping.
    async fn wait_deps(&self, call: &Call) -> Result<bool, u32> {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
                let mut all = true;
                for d in &call.depends_on {
                    match done.get(d) {
                        Some(o) if o.status == Status::Ok => {}
                        Some(_) => return Err(*d),
                        None => all = false,
                    }
                }
                if all {
                    return Ok(true);
                }
            }
            if self.stopping.load(Ordering::SeqCst) {
                return Ok(false);
            }
            notified.await;
        }
    }

    /// Waits out a pool-wide pause, then a rate-limiter slot.
    async fn pace(&self) {
        loop {
            let until = *self.pause_until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t.into()).await,
                _ => break,
            }
        }
        self.limiter.until_ready().await;
    }

    fn pause(&self, wait: Duration) {
        let mut p = self.pause_until.lock().unwrap_or_else(|e| e.into_inner());
        let t = Instant::now() + wait;
        if p.is_none_or(|cur| cur < t) {
            *p = Some(t);
            drop(p);
            self.progress.paused(wait);
        }
    }

    fn paused(&self) -> bool {
        self.pause_until.lock().unwrap_or_else(|e| e.into_inner()).is_some_and(|t| t > Instant::now())
    }

    /// Sends one attempt once paced and given a slot; `None` when the run
    /// is stopping by then (nothing was sent).
    async fn attempt(&self, call: &Call, attempt: u32) -> Option<Answer> {
        let _permit = loop {
            self.pace().await;
            let permit = self.in_flight.acquire().await;
            // A Retry-After may have come while this call waited its turn.
            if !self.paused() {
                break permit;
            }
        };
        if self.stopping.load(Ordering::SeqCst) {
            return None;
        }
        self.journal.sent(call.id, attempt);
        self.sent.fetch_add(1, Ordering::Relaxed);
        Some(self.client.send("POST", &call.route, call.body.get()).await)
    }
}
