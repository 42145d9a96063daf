//! `--only-failed`: what the previous results keep, and which calls need
//! not be sent again.

use std::collections::{HashMap, HashSet};

use crate::error::{Failure, NoProof, Refusal, Result};
use crate::execute::journal::Prior;
use crate::i18n::Lang;
use crate::loop_api::Operation;
use crate::messages::{RunMessage, Text};
use crate::outcome::{CallOutcome, Standing, Status, now_iso};
use crate::plan::{Plan, PlanRow, RowCheck, RowRef};
use crate::report::{self, ReadBack, RowResult};

use super::RunFiles;

/// What `--only-failed` keeps from the previous results and does not send.
pub(super) struct Selection {
    /// Rows not run again, with their previous result.
    pub kept: HashMap<usize, RowResult>,
    /// Calls not sent again, with the outcome they count as.
    pub skipped: HashMap<u32, CallOutcome>,
    /// Those of `skipped` the previous run's journal proves done OK.
    pub proven: Vec<u32>,
    /// Calls the previous run sent without a delivered answer (it stopped
    /// first): they may have been applied, and are settled, not sent blind.
    pub unsettled: HashMap<u32, u32>,
}

/// What the previous run's journal proves: the calls it ended OK, and those
/// it sent without a delivered answer (with their attempts), by operation
/// and exact body.
#[derive(Default)]
pub(super) struct PreviousCalls {
    pub done: HashSet<(Operation, String)>,
    pub unsettled: HashMap<(Operation, String), u32>,
}

/// The calls the previous run ended OK, by operation and exact body, from
/// the plan and journal kept beside its results: only loopbatch's own
/// records prove a call was done, never a results file. Either missing, or
/// not belonging together: refused (nothing is sent), naming what is wrong.
pub(super) fn previous_done_calls(previous: &RunFiles, lang: Lang) -> Result<PreviousCalls> {
    let plan_path = previous.plan();
    let refused = |missing: NoProof| Failure::refused(Refusal::NoProof(Box::new(missing)));
    let plan = match Plan::load_json(&plan_path) {
        Ok(p) => p,
        Err(_) if !plan_path.exists() => {
            return Err(refused(NoProof::PlanMissing { plan: plan_path }));
        }
        Err(e) => return Err(refused(NoProof::PlanUnreadable { why: e.text(lang) })),
    };
    let recorded = match crate::execute::journal::peek(
        &previous.registre(),
        previous.results(),
        &previous.journal_rescue(),
        &plan.hash(),
        lang,
    ) {
        Some(Ok(rec)) => rec,
        None => {
            return Err(refused(NoProof::RunUnknown {
                registre: previous.registre(),
                results: previous.results().to_path_buf(),
            }));
        }
        Some(Err(_)) => {
            return Err(refused(NoProof::OtherPlan { results: previous.results().to_path_buf(), plan: plan_path }));
        }
    };
    let mut calls = PreviousCalls::default();
    for c in &plan.calls {
        let key = (c.operation, c.body.to_string());
        match recorded.prior.get(&c.id) {
            Some(Prior::Done(o)) if o.status == Status::Ok => {
                calls.done.insert(key);
            }
            Some(Prior::InFlight { attempts, sent: true }) => {
                calls.unsettled.insert(key, *attempts);
            }
            _ => {}
        }
    }
    Ok(calls)
}

fn previous_outcome(status: Status, message: &str) -> CallOutcome {
    CallOutcome {
        status,
        code_http: None,
        message: message.to_string(),
        request_id: String::new(),
        object_id: String::new(),
        attempts: 0,
        timestamp: now_iso(),
        resend_on_resume: false,
        already: false,
    }
}

/// Rows that ended OK (or IGNORE with nothing to do, or A_VERIFIER unless
/// asked) are kept; a row is matched by feuille, ligne and its content, so a
/// row edited since is run again. A call is done only if the previous
/// journal says so (`done_calls`); one serving only kept rows is not sent.
pub(super) fn select_failed(
    plan: &Plan,
    prev: &ReadBack,
    previous: &PreviousCalls,
    include_a_verifier: bool,
    front: super::events::Front,
    lang: Lang,
) -> Selection {
    let mut kept = kept_rows(plan, prev, include_a_verifier);
    let index: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    let done_calls = &previous.done;
    // A row OK in the results is kept only if the journal proves each of
    // its calls done: a results file is no proof (a stale one, another run's).
    for call in &plan.calls {
        if !done_calls.contains(&(call.operation, call.body.to_string())) {
            for i in call.rows.iter().filter_map(|r| index.get(r)) {
                if kept.get(i).is_some_and(|r| r.status == Status::Ok) {
                    kept.remove(i);
                }
            }
        }
    }
    let (mut skipped, mut proven, mut unsettled) = (HashMap::new(), Vec::new(), HashMap::new());
    for call in &plan.calls {
        let rows: Vec<usize> = call.rows.iter().filter_map(|r| index.get(r).copied()).collect();
        let key = (call.operation, call.body.to_string());
        if let Some(attempts) = previous.unsettled.get(&key) {
            unsettled.insert(call.id, *attempts);
        }
        let done_ok = done_calls.contains(&key);
        let needed = rows.iter().any(|i| !kept.contains_key(i));
        let previous = previous_outcome;
        if done_ok {
            let m = &RunMessage::DoneInPreviousRun.text(lang);
            skipped.insert(call.id, previous(Status::Ok, m));
            proven.push(call.id);
        } else if !needed {
            let worst = rows.iter().filter_map(|i| kept.get(i).map(|r| r.status)).max().unwrap_or(Status::AVerifier);
            skipped.insert(
                call.id,
                previous(
                    worst,
                    &RunMessage::NotRunAgain { on_page: matches!(front, super::events::Front::Page) }.text(lang),
                ),
            );
        }
    }
    Selection { kept, skipped, proven, unsettled }
}

/// The rows whose previous result stands, by index in the plan.
fn kept_rows(plan: &Plan, prev: &ReadBack, include_a_verifier: bool) -> HashMap<usize, RowResult> {
    let by_ref: HashMap<(String, String), &HashMap<String, String>> = prev
        .lines
        .iter()
        .map(|l| ((l.get("feuille").cloned().unwrap_or_default(), l.get("ligne").cloned().unwrap_or_default()), l))
        .collect();
    let mut kept = HashMap::new();
    for (i, row) in plan.rows.iter().enumerate() {
        let Some(line) = by_ref.get(&(row.feuille.to_string(), row.ligne.to_string())) else { continue };
        let Some(status) = line.get("statut").and_then(|s| Status::from_word(s)) else { continue };
        let keep = unchanged(plan, row, line)
            && match status.standing() {
                Standing::Done => true,
                Standing::Skipped => row.check == RowCheck::Ignore,
                Standing::ToCheck => !include_a_verifier,
                Standing::Ready | Standing::NotRun | Standing::Refused | Standing::Invalid => false,
            };
        if keep {
            let get = |k: &str| line.get(k).cloned().unwrap_or_default();
            kept.insert(
                i,
                RowResult {
                    status,
                    etape: get("etape"),
                    code_http: get("code_http").parse().ok(),
                    message: get("message"),
                    request_id: get("request_id"),
                    object_id: get("object_id"),
                    attempts: get("tentatives").parse().unwrap_or(0),
                    timestamp: get("horodatage"),
                },
            );
        }
    }
    kept
}

/// The row reads as it did in the previous results (result columns aside).
fn unchanged(plan: &Plan, row: &PlanRow, line: &HashMap<String, String>) -> bool {
    plan.columns.iter().enumerate().all(|(c, name)| {
        report::RESULT_COLUMNS.contains(&name.as_str())
            || line.get(name).is_none_or(|v| v.trim() == row.values.get(c).map_or("", |x| x.trim()))
    })
}

/// How many calls « Relancer les échecs » would send for a run whose rows
/// ended as `results`: as `select_failed` chooses them — those the run's
/// journal does not prove done that serve a row not kept (A_VERIFIER is
/// kept; an OK row is kept only if its calls are proven done).
pub fn failed_calls_to_send(plan: &Plan, results: &[RowResult], run: &RunFiles, lang: Lang) -> usize {
    let kept: HashMap<usize, Status> = plan
        .rows
        .iter()
        .zip(results)
        .enumerate()
        .filter(|(_, (row, r))| match r.status.standing() {
            Standing::Done | Standing::ToCheck => true,
            Standing::Skipped => row.check == RowCheck::Ignore,
            Standing::Ready | Standing::NotRun | Standing::Refused | Standing::Invalid => false,
        })
        .map(|(i, (_, r))| (i, r.status))
        .collect();
    calls_not_kept(plan, &kept, run, lang)
}

/// The same for a kept run known by its files only: its results file says
/// how its rows ended (none readable: nothing to send).
pub fn failed_calls_in_results(plan: &Plan, run: &RunFiles, lang: Lang) -> usize {
    let Ok(prev) = report::read_results(run.results()) else { return 0 };
    let kept: HashMap<usize, Status> = kept_rows(plan, &prev, false).into_iter().map(|(i, r)| (i, r.status)).collect();
    calls_not_kept(plan, &kept, run, lang)
}

fn calls_not_kept(plan: &Plan, kept: &HashMap<usize, Status>, run: &RunFiles, lang: Lang) -> usize {
    let done = previous_done_calls(run, lang).map(|p| p.done).unwrap_or_default();
    let index: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    // A call not proven done: an OK row it serves is no proof either.
    let shields = |i: &usize| kept.get(i).is_some_and(|st| *st != Status::Ok);
    plan.calls
        .iter()
        .filter(|c| !done.contains(&(c.operation, c.body.to_string())))
        .filter(|c| c.rows.iter().filter_map(|r| index.get(r)).any(|i| !shields(i)))
        .count()
}
