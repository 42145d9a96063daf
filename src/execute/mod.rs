//! Stage 5, execute: sends a plan's calls through a bounded, rate-limited
//! pool, keeping each dossier's order and running dossiers in parallel.
//!
//! Each dossier is a lane (a task) that sends its calls in plan order; a
//! call first waits for its `depends_on` (possibly in another lane) and is
//! not sent when one of them did not end OK. A semaphore bounds requests in
//! flight; governor paces them; a Retry-After pauses the whole pool.
//! Calls that may have been applied are never blindly repeated when they
//! are not idempotent: they are settled, or marked A_VERIFIER.

pub mod client;
pub mod journal;

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use tokio::sync::{Notify, Semaphore};

use crate::config::Rate;
use crate::i18n::Lang;
use crate::plan::{Call, Operation, Plan};
use crate::report::{Status, now_iso};
use client::{Answer, Client, FatalKind};
use journal::{CallOutcome, Journal, Prior};

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
    /// First backoff step; full jitter up to base * 2^n, capped.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub lang: Lang,
}

/// Progress callbacks (bar, plain lines, or nothing).
pub trait Progress: Send + Sync {
    fn call_done(&self, outcome: &CallOutcome);
}

pub struct RunOutcome {
    pub outcomes: HashMap<u32, CallOutcome>,
    pub stop: Option<StopReason>,
    pub calls_sent: usize,
    pub elapsed: Duration,
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
    progress: Box<dyn Progress>,
    sent: AtomicUsize,
    calls: HashMap<u32, Call>,
}

/// A handle to stop a run from outside (Ctrl-C).
#[derive(Clone, Default)]
pub struct Stopper(Arc<Mutex<Option<Arc<Shared>>>>);

impl Stopper {
    pub fn interrupt(&self) {
        if let Some(s) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            s.set_stop(StopReason::Interrupted);
        }
    }
}

pub fn quota(rate: Rate, burst: u32) -> Quota {
    let period = rate.per / rate.count.max(1);
    let q = Quota::with_period(period.max(Duration::from_micros(1))).unwrap_or(Quota::per_second(NonZeroU32::MIN));
    q.allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN))
}

/// Runs the plan's calls; `prior` holds what an earlier run recorded.
pub async fn execute(
    plan: &Plan,
    client: Client,
    opts: ExecOptions,
    journal: Journal,
    prior: HashMap<u32, Prior>,
    progress: Box<dyn Progress>,
    stopper: Stopper,
) -> RunOutcome {
    let started = Instant::now();
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
    *stopper.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(shared.clone());
    let mut lanes: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut lane_order: Vec<&str> = Vec::new();
    for c in &plan.calls {
        if !lanes.contains_key(&*c.dossier) {
            lane_order.push(&c.dossier);
        }
        lanes.entry(&c.dossier).or_default().push(c.id);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for d in lane_order {
        let ids = lanes.remove(d).unwrap_or_default();
        let (shared, prior) = (
            shared.clone(),
            ids.iter().filter_map(|i| prior.get(i).map(|p| (*i, p.clone()))).collect::<HashMap<_, _>>(),
        );
        tasks.spawn(async move {
            for id in ids {
                if shared.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let outcome = match prior.get(&id) {
                    Some(Prior::Done(o)) => Some(o.clone()),
                    other => {
                        let in_flight = match other {
                            Some(Prior::InFlight { attempts }) => Some(*attempts),
                            _ => None,
                        };
                        run_call(&shared, id, in_flight).await
                    }
                };
                match outcome {
                    Some(o) => {
                        shared.finish(id, o, prior.contains_key(&id) && matches!(prior.get(&id), Some(Prior::Done(_))))
                    }
                    None => break,
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let outcomes = shared.done.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let stop = shared.stop.lock().unwrap_or_else(|e| e.into_inner()).clone();
    RunOutcome { outcomes, stop, calls_sent: shared.sent.load(Ordering::Relaxed), elapsed: started.elapsed() }
}

impl Shared {
    fn set_stop(&self, reason: StopReason) {
        let mut s = self.stop.lock().unwrap_or_else(|e| e.into_inner());
        if s.is_none() {
            *s = Some(reason);
        }
        self.stopping.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    fn finish(&self, id: u32, outcome: CallOutcome, from_journal: bool) {
        if !from_journal {
            self.journal.done(id, &outcome);
        }
        self.progress.call_done(&outcome);
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

    fn backoff(&self, n: u32) -> Duration {
        let max = self.opts.backoff_base.saturating_mul(2u32.saturating_pow(n.min(16))).min(self.opts.backoff_cap);
        max.mul_f64(rand::rng().random::<f64>())
    }
}

fn outcome(
    status: Status,
    code: Option<u16>,
    message: String,
    request_id: String,
    object_id: String,
    attempts: u32,
) -> CallOutcome {
    CallOutcome { status, code_http: code, message, request_id, object_id, attempts, timestamp: now_iso() }
}

fn fatal_message(kind: FatalKind, status: u16, message: &str, lang: Lang) -> String {
    let what = match kind {
        FatalKind::SubscriptionKey => lang.t(
            "clé d'abonnement refusée par la passerelle (LOOP_SUBSCRIPTION_KEY)",
            "subscription key refused by the gateway (LOOP_SUBSCRIPTION_KEY)",
        ),
        FatalKind::ApiKey => lang.t(
            "clé d'API refusée (LOOP_API_KEY, format IDCLE:SECRET)",
            "API key refused (LOOP_API_KEY, format KEYID:SECRET)",
        ),
        FatalKind::Forbidden => lang.t("accès interdit par la passerelle", "access forbidden by the gateway"),
        FatalKind::RouteNotFound => lang.t(
            "route inconnue de la passerelle : vérifiez base_url et [routes] dans loopbatch.toml",
            "route unknown to the gateway: check base_url and [routes] in loopbatch.toml",
        ),
    };
    if message.is_empty() { format!("{what} (HTTP {status})") } else { format!("{what} (HTTP {status}) : {message}") }
}

/// Sends one call until it has a final outcome; `None` when the run stops
/// before it could be sent. `in_flight`: attempts an earlier run left
/// unanswered (the call may have been applied).
async fn run_call(shared: &Shared, id: u32, in_flight: Option<u32>) -> Option<CallOutcome> {
    let call = shared.calls.get(&id)?.clone();
    let lang = shared.opts.lang;
    match shared.wait_deps(&call).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(dep) => {
            let d = shared.calls.get(&dep);
            let msg = format!(
                "{} {} ({} {}) {}",
                lang.t("non envoyé : l'appel", "not sent: call"),
                dep,
                d.map(|c| c.operation.name()).unwrap_or_default(),
                d.map(|c| &*c.dossier).unwrap_or_default(),
                lang.t("dont il dépend n'a pas abouti", "it depends on did not succeed")
            );
            return Some(outcome(Status::Ignore, None, msg, String::new(), String::new(), 0));
        }
    }
    let mut attempts = in_flight.unwrap_or(0);
    let mut maybe_applied = in_flight.is_some();
    let mut failures = 0u32;
    let mut throttles = 0u32;
    let settling = |maybe: bool| maybe && !call.operation.idempotent();
    let stopped = |attempts: u32, maybe_applied: bool| {
        maybe_applied.then(|| {
            outcome(
                Status::AVerifier,
                None,
                lang.t(
                    "envoyé puis exécution arrêtée avant la réponse : à vérifier dans Loop",
                    "sent, then the run stopped before the answer: check in Loop",
                )
                .into(),
                String::new(),
                String::new(),
                attempts,
            )
        })
    };
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return stopped(attempts, maybe_applied);
        }
        let was_settling = settling(maybe_applied);
        let Some(answer) = shared.attempt(&call, attempts + 1).await else {
            return stopped(attempts, maybe_applied);
        };
        attempts += 1;
        match answer {
            Answer::Success { status, message, object_id, request_id } => {
                let message = if was_settling {
                    format!(
                        "{} {message}",
                        lang.t(
                            "(réponse perdue à une tentative précédente, confirmé)",
                            "(answer lost on an earlier attempt, confirmed)"
                        )
                    )
                } else {
                    message
                };
                return Some(outcome(Status::Ok, Some(status), message.trim().into(), request_id, object_id, attempts));
            }
            Answer::Business { status, message, request_id } => {
                if was_settling
                    && call.operation == Operation::AddClient
                    && message.contains(crate::simulator::MSG_EMAIL_TAKEN)
                {
                    let m = format!(
                        "{} ({message})",
                        lang.t(
                            "interlocuteur créé par la tentative précédente dont la réponse a été perdue",
                            "contact created by the earlier attempt whose answer was lost"
                        )
                    );
                    return Some(outcome(Status::Ok, Some(status), m, request_id, String::new(), attempts));
                }
                if was_settling {
                    let m = format!(
                        "{} {message}",
                        lang.t("réponse perdue, puis au nouvel envoi :", "answer lost, then on resending:")
                    );
                    return Some(outcome(Status::AVerifier, Some(status), m, request_id, String::new(), attempts));
                }
                return Some(outcome(Status::Erreur, Some(status), message, request_id, String::new(), attempts));
            }
            Answer::Fatal { status, kind, message, request_id } => {
                let m = fatal_message(kind, status, &message, lang);
                shared.set_stop(StopReason::Fatal { kind, status, message: m.clone() });
                let st = if maybe_applied { Status::AVerifier } else { Status::Erreur };
                return Some(outcome(st, Some(status), m, request_id, String::new(), attempts));
            }
            Answer::Throttled { wait, .. } => {
                throttles += 1;
                let wait = wait.unwrap_or_else(|| shared.backoff(throttles));
                if wait > shared.opts.max_retry_after || throttles > 200 {
                    shared.set_stop(StopReason::RetryAfterTooLong { wait });
                    return maybe_applied.then(|| {
                        outcome(
                            Status::AVerifier,
                            None,
                            lang.t(
                                "à vérifier : exécution arrêtée (attente imposée trop longue)",
                                "to check: run stopped (imposed wait too long)",
                            )
                            .into(),
                            String::new(),
                            String::new(),
                            attempts,
                        )
                    });
                }
                shared.pause(wait);
            }
            Answer::Transient { status, maybe_applied: m, detail, request_id } => {
                if m && !call.operation.idempotent() {
                    if was_settling {
                        let msg = format!(
                            "{} ({detail})",
                            lang.t(
                                "réponse perdue deux fois : l'appel a peut-être été appliqué, vérifiez dans Loop avant de relancer",
                                "answer lost twice: the call may have been applied, check in Loop before running it again"
                            )
                        );
                        return Some(outcome(Status::AVerifier, status, msg, request_id, String::new(), attempts));
                    }
                    maybe_applied = true;
                    continue;
                }
                maybe_applied |= m;
                failures += 1;
                if failures > shared.opts.retries {
                    let st = if settling(maybe_applied) { Status::AVerifier } else { Status::Erreur };
                    let msg = format!(
                        "{detail} ({} {attempts} {})",
                        lang.t("après", "after"),
                        lang.t("tentatives", "attempts")
                    );
                    return Some(outcome(st, status, msg, request_id, String::new(), attempts));
                }
                tokio::time::sleep(shared.backoff(failures)).await;
            }
        }
    }
}
