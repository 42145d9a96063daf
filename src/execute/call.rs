//! One call, from its dependencies to its final outcome: retries of
//! transient failures, waits on throttling, and the settling of calls that
//! may have been applied (a non-idempotent call is never blindly repeated).

use crate::i18n::Lang;
use crate::loop_api::Operation;
use crate::loop_api::{KnownAnswer, known_answer};
use crate::outcome::{CallOutcome, Status, now_iso};
use crate::plan::Call;

use tokio::sync::SemaphorePermit;

use super::client::{Answer, FatalKind, fatal_message, fatal_row_message};
use super::{Shared, StopReason};
use crate::messages::{CallText, RouteHint, Text};

fn outcome(status: Status, code: Option<u16>, message: String, request_id: String, attempts: u32) -> CallOutcome {
    CallOutcome {
        status,
        code_http: code,
        message,
        request_id,
        object_id: String::new(),
        attempts,
        timestamp: now_iso(),
        resend_on_resume: false,
        already: false,
    }
}

/// Where one call stands between attempts.
struct Attempts<'a> {
    call: &'a Call,
    lang: Lang,
    sent: u32,
    /// A request went out whose answer was not delivered (reset, timeout,
    /// kill, 502, 504): it may have been applied.
    maybe_applied: bool,
    failures: u32,
    throttles: u32,
}

/// What to do after an answer.
enum Next {
    Final(CallOutcome),
    /// The run stops before the call is settled: no outcome.
    Stop,
    Again,
    /// Send again after this wait (a transient failure's backoff).
    Sleep(std::time::Duration),
}

/// Sends one call until it has a final outcome, returned with the place in
/// flight of its last attempt; `None` when the run stops first (a call that
/// may have reached Loop is then left unsettled, for the resume).
/// `(attempts, sent)`: what an earlier run left (see `Prior::InFlight`).
pub(super) async fn run_call(
    shared: &Shared,
    id: u32,
    (attempts, sent): (u32, bool),
) -> Option<(CallOutcome, Option<SemaphorePermit<'_>>)> {
    let call = shared.calls.get(&id)?;
    let lang = shared.opts.lang;
    match shared.wait_deps(call).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(dep) => return Some((dependency_failed(shared, dep, lang), None)),
    }
    let mut state = Attempts { call, lang, sent: attempts, maybe_applied: sent, failures: 0, throttles: 0 };
    let ended = state.send_until_settled(shared).await;
    if ended.is_none() && state.maybe_applied {
        shared.unsettled.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
    }
    ended
}

/// Whom a call concerns, from its body: the e-mail, the person (prénom nom
/// as in the sheet) and the dossier.
struct Who {
    email: String,
    person: String,
    dossier: String,
}

impl Who {
    fn of(call: &Call) -> Who {
        let body: serde_json::Value = serde_json::from_str(call.body.get()).unwrap_or_default();
        let field = |k: &str| body.get(k).and_then(|v| v.as_str()).unwrap_or_default().trim().to_string();
        let person = format!("{} {}", field("prenom"), field("nom")).trim().to_string();
        let dossier = Some(field("codeDossier")).filter(|d| !d.is_empty()).unwrap_or_else(|| call.dossier.to_string());
        Who { email: field("email"), person: if person.is_empty() { "-".into() } else { person }, dossier }
    }
}

/// What to check in Loop when an addClient without a delivered answer was
/// answered « e-mail déjà associé » on resending: names the e-mail, the
/// person and the dossier from the call's body, then Loop's message.
fn email_taken_to_check(call: &Call, message: &str, lang: Lang) -> String {
    let who = Who::of(call);
    CallText::EmailTakenToCheck { email: &who.email, person: &who.person, dossier: &who.dossier, message }.text(lang)
}

fn dependency_failed(shared: &Shared, dep: u32, lang: Lang) -> CallOutcome {
    let d = shared.calls.get(&dep);
    let msg = CallText::DependencyFailed {
        dep,
        operation: d.map(|c| c.operation.name()).unwrap_or_default(),
        dossier: d.map(|c| &*c.dossier).unwrap_or_default(),
    }
    .text(lang);
    // A dependency a resume sends again (given up on transient errors, held
    // by another run): this call goes again after it, not left for good.
    let again = shared
        .done
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&dep)
        .is_some_and(|o| o.resend_on_resume || o.status == Status::NonExecute);
    CallOutcome { resend_on_resume: again, ..outcome(Status::Ignore, None, msg, String::new(), 0) }
}

impl Attempts<'_> {
    async fn send_until_settled<'s>(
        &mut self,
        shared: &'s Shared,
    ) -> Option<(CallOutcome, Option<SemaphorePermit<'s>>)> {
        loop {
            if shared.stopping() {
                return None;
            }
            let settling = self.settling();
            let (answer, sent_at, place) = match shared.attempt(self.call, self.sent + 1).await? {
                super::Attempted::Sent(answer, sent_at, place) => (answer, sent_at, place),
                super::Attempted::Refused(o, place) => return Some((o, Some(place))),
            };
            self.sent += 1;
            if !matches!(answer, Answer::Throttled { .. }) {
                shared.pacer.success(sent_at);
            }
            if let Answer::Throttled { wait, .. } = answer {
                match self.throttled(shared, wait, sent_at) {
                    Next::Stop => return None,
                    _ => continue,
                }
            }
            match self.on_answer(shared, answer, settling) {
                Next::Final(o) => return Some((o, Some(place))),
                Next::Stop => return None,
                Next::Again => {}
                Next::Sleep(wait) => {
                    drop(place);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shared.halt.interrupted() => {}
                    }
                }
            }
        }
    }

    /// The next send decides a call that may have been applied.
    fn settling(&self) -> bool {
        self.maybe_applied && !self.call.operation.idempotent()
    }

    fn on_answer(&mut self, shared: &Shared, answer: Answer, settling: bool) -> Next {
        let lang = self.lang;
        match answer {
            Answer::Success { status, message, object_id, request_id, already } => {
                let message = match settling {
                    true => CallText::Confirmed { message: &message }.text(lang),
                    false => message,
                };
                // `--send-all`: « already » to a call the registre knows
                // applied (an already-done answer counts as a success).
                let known = already && shared.opts.known_applied.contains(&self.call.id);
                let status_word = if known { Status::DejaFait } else { Status::Ok };
                let mut o = outcome(status_word, Some(status), message.trim().into(), request_id, self.sent);
                o.object_id = object_id;
                o.already = already;
                Next::Final(o)
            }
            // `--send-all`: « already » to a call the registre knows applied.
            Answer::Business { status, message, request_id }
                if shared.opts.known_applied.contains(&self.call.id) && crate::loop_api::says_already(&message) =>
            {
                let o = outcome(Status::DejaFait, Some(status), message, request_id, self.sent);
                Next::Final(CallOutcome { already: true, ..o })
            }
            Answer::Business { status, message, request_id } => {
                Next::Final(self.business(shared, status, message, request_id, settling))
            }
            Answer::Fatal { status, kind, message, request_id } => {
                let hint = RouteHint::Call { operation: self.call.operation, route: &self.call.route };
                let m = fatal_message(kind, status, &message, hint, lang);
                shared.set_stop(StopReason::Fatal {
                    kind,
                    status,
                    message: m.clone(),
                    operation: self.call.operation,
                    route: self.call.route.to_string(),
                });
                // A stop is no outcome: an earlier attempt that may have
                // been applied is left for the resume to settle.
                if self.maybe_applied {
                    return Next::Stop;
                }
                let row = match kind {
                    FatalKind::RouteNotFound => crate::messages::RunMessage::RouteUnknownRow {
                        route: &self.call.route,
                        operation: self.call.operation.name(),
                        status,
                        message: &message,
                    }
                    .text(lang),
                    _ => fatal_row_message(kind, status, &message, hint, lang),
                };
                let mut o = outcome(Status::Erreur, Some(status), row, request_id, self.sent);
                // The gateway refused it: not applied, sent again on resume.
                o.resend_on_resume = true;
                Next::Final(o)
            }
            // Handled before: the pool pauses.
            Answer::Throttled { .. } => Next::Again,
            Answer::Transient { status, maybe_applied, detail, request_id } => {
                self.transient(shared, status, maybe_applied, detail, request_id, settling)
            }
        }
    }

    /// A business answer is final. When it decides a call that may have
    /// been applied by an attempt without a delivered answer, it proves
    /// nothing: « e-mail déjà associé » may be that attempt's contact or
    /// someone else's, so the row is to check (no probing call: it would
    /// give the offer to whoever owns the e-mail). After attempts that were
    /// never sent, Loop's answer stands.
    fn business(
        &self,
        shared: &Shared,
        status: u16,
        message: String,
        request_id: String,
        settling: bool,
    ) -> CallOutcome {
        let lang = self.lang;
        let op = self.call.operation;
        if op.refusal_means_done(&message) {
            let o = outcome(Status::Ok, Some(status), message, request_id, self.sent);
            return CallOutcome { already: true, ..o };
        }
        // A withdrawal counts as idempotent (a resend never applies it
        // twice), but once an attempt may have applied it, Loop's « not
        // assigned » may be that attempt's doing: not a refusal, to check.
        // A person's withdrawal answered with one of the cabinet's own « not
        // assigned » sentences meets its goal too.
        let withdraws = matches!(op.changes(), crate::loop_api::Changes::Person { on: false, .. });
        let goal_met = op.goal_met_in(&message)
            || (withdraws && crate::loop_api::says_not_assigned(&message, &shared.opts.not_assigned));
        let settling = settling || (self.maybe_applied && op.changes().takes_off() && goal_met);
        if settling && op == Operation::AddClient && known_answer(&message) == Some(KnownAnswer::EmailTaken) {
            let m = email_taken_to_check(self.call, &message, lang);
            return outcome(Status::AVerifier, Some(status), m, request_id, self.sent);
        }
        if settling {
            let m = CallText::LostThenAnswered { message: &message }.text(lang);
            return outcome(Status::AVerifier, Some(status), m, request_id, self.sent);
        }
        outcome(Status::Erreur, Some(status), message, request_id, self.sent)
    }

    fn throttled(&mut self, shared: &Shared, wait: Option<std::time::Duration>, sent_at: tokio::time::Instant) -> Next {
        self.throttles += 1;
        let wait = wait.unwrap_or_else(|| shared.opts.backoff.delay(self.throttles));
        if wait > shared.opts.max_retry_after || self.throttles > 200 {
            // A stop, not an outcome: the resume settles or sends it.
            shared.set_stop(StopReason::RetryAfterTooLong { wait });
            return Next::Stop;
        }
        shared.throttled(sent_at, wait);
        Next::Again
    }

    fn transient(
        &mut self,
        shared: &Shared,
        status: Option<u16>,
        maybe_applied: bool,
        detail: String,
        request_id: String,
        settling: bool,
    ) -> Next {
        let lang = self.lang;
        self.maybe_applied |= maybe_applied;
        self.failures += 1;
        let exhausted = self.failures > shared.opts.retries;
        if maybe_applied && !self.call.operation.idempotent() {
            // Each resend either applies it for the first time or meets the
            // trace of an earlier one ("e-mail déjà associé", "déjà
            // opérationnel"): safe, until the retries are spent.
            if exhausted {
                let who = Who::of(self.call);
                let contact = (self.call.operation == Operation::AddClient).then_some((&*who.person, &*who.email));
                let msg =
                    CallText::LostTooOften { failures: self.failures, contact, dossier: &who.dossier, detail: &detail }
                        .text(lang);
                return Next::Final(outcome(Status::AVerifier, status, msg, request_id, self.sent));
            }
            return if settling { Next::Sleep(shared.opts.backoff.delay(self.failures)) } else { Next::Again };
        }
        if exhausted {
            let st = if self.settling() { Status::AVerifier } else { Status::Erreur };
            let msg = CallText::GaveUp { detail: &detail, attempts: self.sent }.text(lang);
            let mut o = outcome(st, status, msg, request_id, self.sent);
            // Given up on passing troubles (idempotent, or never applied): a
            // resume tries again.
            o.resend_on_resume = st == Status::Erreur;
            return Next::Final(o);
        }
        Next::Sleep(shared.opts.backoff.delay(self.failures))
    }
}
