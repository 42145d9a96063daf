//! One call, from its dependencies to its final outcome: retries of
//! transient failures, waits on throttling, and the settling of calls that
//! may have been applied (a non-idempotent call is never blindly repeated).

use crate::i18n::Lang;
use crate::loop_api::MSG_EMAIL_TAKEN;
use crate::outcome::{CallOutcome, Status, now_iso};
use crate::plan::{Call, Operation};

use super::client::{Answer, fatal_message, route_not_found_hint};
use super::{Shared, StopReason};

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
    }
}

/// Where one call stands between attempts.
struct Attempts<'a> {
    call: &'a Call,
    lang: Lang,
    sent: u32,
    /// A request went out whose answer was not read: it may have been applied.
    maybe_applied: bool,
    failures: u32,
    throttles: u32,
}

/// What to do after an answer.
enum Next {
    Final(CallOutcome),
    /// The run stops; the call has an outcome only if it may have been applied.
    Stop(Option<CallOutcome>),
    Again,
    /// Send again after this wait (a transient failure's backoff).
    Sleep(std::time::Duration),
}

/// Sends one call until it has a final outcome; `None` when the run stops
/// before it could be sent. `in_flight`: attempts an earlier run left
/// unanswered (the call may have been applied).
pub(super) async fn run_call(shared: &Shared, id: u32, in_flight: Option<u32>) -> Option<CallOutcome> {
    let call = shared.calls.get(&id)?;
    let lang = shared.opts.lang;
    match shared.wait_deps(call).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(dep) => return Some(dependency_failed(shared, dep, lang)),
    }
    let mut state = Attempts {
        call,
        lang,
        sent: in_flight.unwrap_or(0),
        maybe_applied: in_flight.is_some(),
        failures: 0,
        throttles: 0,
    };
    loop {
        if shared.stopping() {
            return state.stopped();
        }
        let settling = state.settling();
        let Some((answer, sent_at)) = shared.attempt(call, state.sent + 1).await else {
            return state.stopped();
        };
        state.sent += 1;
        if !matches!(answer, Answer::Throttled { .. }) {
            shared.pacer.success();
        }
        if let Answer::Throttled { wait, .. } = answer {
            match state.throttled(shared, wait, sent_at) {
                Next::Stop(o) => return o,
                _ => continue,
            }
        }
        match state.on_answer(shared, answer, settling) {
            Next::Final(o) => return Some(o),
            Next::Stop(o) => return o,
            Next::Again => {}
            Next::Sleep(wait) => {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shared.halt.interrupted() => {}
                }
            }
        }
    }
}

fn dependency_failed(shared: &Shared, dep: u32, lang: Lang) -> CallOutcome {
    let d = shared.calls.get(&dep);
    let msg = format!(
        "{} {} ({} {}) {}",
        lang.t("non envoyé : l'appel", "not sent: call"),
        dep,
        d.map(|c| c.operation.name()).unwrap_or_default(),
        d.map(|c| &*c.dossier).unwrap_or_default(),
        lang.t("dont il dépend n'a pas abouti", "it depends on did not succeed")
    );
    outcome(Status::Ignore, None, msg, String::new(), 0)
}

impl Attempts<'_> {
    /// The next send decides a call that may have been applied.
    fn settling(&self) -> bool {
        self.maybe_applied && !self.call.operation.idempotent()
    }

    fn stopped(&self) -> Option<CallOutcome> {
        self.maybe_applied.then(|| {
            let m = self.lang.t(
                "envoyé puis exécution arrêtée avant la réponse : à vérifier dans Loop",
                "sent, then the run stopped before the answer: check in Loop",
            );
            outcome(Status::AVerifier, None, m.into(), String::new(), self.sent)
        })
    }

    fn on_answer(&mut self, shared: &Shared, answer: Answer, settling: bool) -> Next {
        let lang = self.lang;
        match answer {
            Answer::Success { status, message, object_id, request_id } => {
                let message = match settling {
                    true => format!(
                        "{} {message}",
                        lang.t(
                            "(réponse perdue à une tentative précédente, confirmé)",
                            "(answer lost on an earlier attempt, confirmed)"
                        )
                    ),
                    false => message,
                };
                let mut o = outcome(Status::Ok, Some(status), message.trim().into(), request_id, self.sent);
                o.object_id = object_id;
                Next::Final(o)
            }
            Answer::Business { status, message, request_id } => {
                Next::Final(self.business(status, message, request_id, settling))
            }
            Answer::Fatal { status, kind, message, request_id } => {
                let hint = route_not_found_hint(self.call.operation, &self.call.route, lang);
                let m = fatal_message(kind, status, &message, Some(&hint), lang);
                shared.set_stop(StopReason::Fatal { kind, status, message: m.clone() });
                let st = if self.maybe_applied { Status::AVerifier } else { Status::Erreur };
                let mut o = outcome(st, Some(status), m, request_id, self.sent);
                // The gateway refused it: not applied, sent again on resume.
                o.resend_on_resume = st == Status::Erreur;
                Next::Final(o)
            }
            // Handled before: the pool pauses.
            Answer::Throttled { .. } => Next::Again,
            Answer::Transient { status, maybe_applied, detail, request_id } => {
                self.transient(shared, status, maybe_applied, detail, request_id, settling)
            }
        }
    }

    /// A business answer is final, unless it decides a call that may have
    /// been applied: "e-mail taken" then means the earlier addClient worked.
    fn business(&self, status: u16, message: String, request_id: String, settling: bool) -> CallOutcome {
        let lang = self.lang;
        if settling && self.call.operation == Operation::AddClient && message.contains(MSG_EMAIL_TAKEN) {
            let m = format!(
                "{} ({message})",
                lang.t(
                    "interlocuteur créé par la tentative précédente dont la réponse a été perdue : déduit de la réponse au nouvel envoi",
                    "contact created by the earlier attempt whose answer was lost: inferred from the answer to the resend"
                )
            );
            return outcome(Status::Ok, Some(status), m, request_id, self.sent);
        }
        if settling {
            let m = format!(
                "{} {message}",
                lang.t("réponse perdue, puis au nouvel envoi :", "answer lost, then on resending:")
            );
            return outcome(Status::AVerifier, Some(status), m, request_id, self.sent);
        }
        outcome(Status::Erreur, Some(status), message, request_id, self.sent)
    }

    fn throttled(&mut self, shared: &Shared, wait: Option<std::time::Duration>, sent_at: tokio::time::Instant) -> Next {
        self.throttles += 1;
        let wait = wait.unwrap_or_else(|| shared.opts.backoff.delay(self.throttles));
        if wait > shared.opts.max_retry_after || self.throttles > 200 {
            shared.set_stop(StopReason::RetryAfterTooLong { wait });
            let m = self.lang.t(
                "à vérifier : exécution arrêtée (attente imposée trop longue)",
                "to check: run stopped (imposed wait too long)",
            );
            return Next::Stop(
                self.maybe_applied.then(|| outcome(Status::AVerifier, None, m.into(), String::new(), self.sent)),
            );
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
                let msg = format!(
                    "{} {} {} ({detail})",
                    lang.t("réponse perdue", "answer lost"),
                    self.failures,
                    lang.t(
                        "fois : l'appel a peut-être été appliqué, vérifiez dans Loop avant de relancer",
                        "times: the call may have been applied, check in Loop before running it again"
                    )
                );
                return Next::Final(outcome(Status::AVerifier, status, msg, request_id, self.sent));
            }
            return if settling { Next::Sleep(shared.opts.backoff.delay(self.failures)) } else { Next::Again };
        }
        if exhausted {
            let st = if self.settling() { Status::AVerifier } else { Status::Erreur };
            let msg =
                format!("{detail} ({} {} {})", lang.t("après", "after"), self.sent, lang.t("tentatives", "attempts"));
            let mut o = outcome(st, status, msg, request_id, self.sent);
            // Given up on passing troubles (idempotent, or never applied): a
            // resume tries again.
            o.resend_on_resume = st == Status::Erreur;
            return Next::Final(o);
        }
        Next::Sleep(shared.opts.backoff.delay(self.failures))
    }
}
