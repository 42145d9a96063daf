//! From call outcomes to one result per input row, and the words that say
//! why a run stopped.

use std::collections::HashMap;

use crate::execute::{RunOutcome, StopReason};
use crate::i18n::Lang;
use crate::messages::{Message, RunMessage, Stop, Text};
use crate::outcome::{CallOutcome, Status, now_iso};
use crate::plan::{Plan, RowCheck, RowRef};
use crate::report::RowResult;

use super::events::Front;

/// One result per input row: the worst outcome among the calls serving it.
pub(super) fn fold_rows(plan: &Plan, run: &RunOutcome, front: Front, lang: Lang) -> Vec<RowResult> {
    let index: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    let mut serving: Vec<Vec<usize>> = vec![Vec::new(); plan.rows.len()];
    for (ci, c) in plan.calls.iter().enumerate() {
        for r in &c.rows {
            if let Some(&i) = index.get(r) {
                serving[i].push(ci);
            }
        }
    }
    let not_run = not_run_message(run.stop.as_ref(), front, lang);
    let ts = now_iso();
    plan.rows
        .iter()
        .enumerate()
        .map(|(i, row)| match row.check {
            RowCheck::Invalide => {
                RowResult { etape: "validation".into(), ..RowResult::new(Status::Invalide, row.problems_said(lang)) }
            }
            RowCheck::Ignore => RowResult::new(Status::Ignore, Message::NothingToDo.text(lang)),
            RowCheck::Valide => worst_of(plan, &serving[i], run, (&not_run, &unsettled(front, lang)), &ts, lang),
        })
        .collect()
}

/// The row's result from the calls serving it; attempts add up.
/// The message of a call sent whose answer the stop left unknown.
fn unsettled(front: Front, lang: Lang) -> String {
    RunMessage::Unsettled { on_page: front == Front::Page }.text(lang)
}

fn worst_of(
    plan: &Plan,
    calls: &[usize],
    run: &RunOutcome,
    (not_run, unsettled): (&str, &str),
    ts: &str,
    lang: Lang,
) -> RowResult {
    let mut best: Option<RowResult> = None;
    let mut statuses = Vec::with_capacity(calls.len());
    let mut attempts = 0;
    for &ci in calls {
        let call = &plan.calls[ci];
        let o = run.outcomes.get(&call.id).cloned().unwrap_or_else(|| CallOutcome {
            status: Status::NonExecute,
            code_http: None,
            message: if run.unsettled.contains(&call.id) { unsettled.to_string() } else { not_run.to_string() },
            request_id: String::new(),
            object_id: String::new(),
            attempts: 0,
            timestamp: ts.to_string(),
            resend_on_resume: false,
            already: false,
        });
        attempts += o.attempts;
        statuses.push(o.status);
        let candidate = RowResult {
            status: o.status,
            etape: call.operation.name().into(),
            code_http: o.code_http,
            message: o.message,
            request_id: o.request_id,
            object_id: o.object_id,
            attempts: 0,
            timestamp: o.timestamp,
        };
        // Ties go to the later call (the contact's, with its objectId).
        if best.as_ref().is_none_or(|b| candidate.status >= b.status) {
            best = Some(candidate);
        }
    }
    let mut r = best.unwrap_or_else(|| RowResult::new(Status::Ok, RunMessage::NothingToSend.text(lang)));
    r.attempts = attempts;
    r.status = Status::of_row(statuses);
    r
}

/// Why a run stopped, as the catalogue says it: a key refused, on the
/// page, said with the page's way to fix it (not an environment variable).
fn stop_of(stop: &StopReason, front: Front) -> Stop<'_> {
    use crate::execute::client::FatalKind;
    match stop {
        StopReason::Interrupted => Stop::Interrupted,
        StopReason::Fatal { kind: kind @ (FatalKind::SubscriptionKey | FatalKind::ApiKey), status, .. }
            if front == Front::Page =>
        {
            Stop::KeyRefused { api: *kind == FatalKind::ApiKey, status: *status }
        }
        StopReason::Journal { .. } if front == Front::Page => Stop::RegistreUnwritable,
        StopReason::Fatal { kind: FatalKind::RouteNotFound, status, operation, route, .. } if front == Front::Page => {
            Stop::RouteUnknown { operation: *operation, route, status: *status }
        }
        StopReason::RetryAfterTooLong { wait } => Stop::WaitTooLong { secs: wait.as_secs() },
        StopReason::Fatal { message, .. } | StopReason::Journal { message } => Stop::Said(message),
    }
}

/// The message of a row whose calls were never sent.
fn not_run_message(stop: Option<&StopReason>, front: Front, lang: Lang) -> String {
    RunMessage::NotRun { stop: stop.map(|s| stop_of(s, front)), on_page: front == Front::Page }.text(lang)
}

/// Why the run stopped, for the summary and the page.
pub(super) fn stop_text(stop: &StopReason, front: Front, lang: Lang) -> String {
    RunMessage::Stopped { stop: stop_of(stop, front), on_page: front == Front::Page }.text(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_hears_of_its_buttons_and_the_command_line_of_its_flags() {
        let stop = StopReason::Interrupted;
        let page = stop_text(&stop, Front::Page, Lang::Fr);
        assert!(
            page.contains("bouton Arrêter") && page.contains("« Reprendre »") && !page.contains("Ctrl-C"),
            "{page}"
        );
        assert_eq!(stop_text(&stop, Front::Command, Lang::Fr), "interrompue (Ctrl-C)");
        let not_run = not_run_message(Some(&stop), Front::Page, Lang::Fr);
        assert!(not_run.contains("bouton Arrêter") && !not_run.contains("Ctrl-C"), "{not_run}");
        let wait = StopReason::RetryAfterTooLong { wait: std::time::Duration::from_secs(120) };
        let page = stop_text(&wait, Front::Page, Lang::Fr);
        assert!(page.contains("Cegid Loop") && page.contains("Reprendre") && !page.contains("--resume"), "{page}");
        assert!(stop_text(&wait, Front::Command, Lang::Fr).contains("--resume"));
        assert!(!unsettled(Front::Page, Lang::En).contains("--resume"));
        assert!(unsettled(Front::Command, Lang::En).contains("--resume"));
    }
}
