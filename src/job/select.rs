//! `--only-failed`: what the previous results keep, and which calls need
//! not be sent again.

use std::collections::{HashMap, HashSet};

use crate::execute::journal::Prior;
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, Status, now_iso};
use crate::plan::{Operation, Plan, PlanRow, RowCheck, RowRef};
use crate::report::{self, ReadBack, RowResult};

use super::RunFiles;

/// What `--only-failed` keeps from the previous results and does not send.
pub(super) struct Selection {
    /// Rows not run again, with their previous result.
    pub kept: HashMap<usize, RowResult>,
    /// Calls not sent again, with the outcome they count as.
    pub skipped: HashMap<u32, CallOutcome>,
}

/// The calls the previous run ended OK, by operation and exact body, from
/// the plan and journal kept beside its results (none if they are gone).
/// A plan and a journal that do not belong together are trusted neither:
/// the warning says so.
pub(super) fn previous_done_calls(previous: &RunFiles, lang: Lang) -> (HashSet<(Operation, String)>, Option<String>) {
    let Ok(plan) = Plan::load_json(&previous.plan(), lang) else { return (HashSet::new(), None) };
    let Some(ok) = crate::execute::journal::done_ok(&previous.journal(), &plan.hash()) else {
        let message = format!(
            "{} {} {} {} {}",
            lang.t("le plan", "the plan"),
            previous.plan().display(),
            lang.t("et le journal", "and the journal"),
            previous.journal().display(),
            lang.t(
                "ne vont pas ensemble : ils sont ignorés, seules les lignes OK des résultats précédents sont gardées.",
                "do not belong together: they are ignored, only the OK rows of the previous results are kept."
            )
        );
        return (HashSet::new(), previous.journal().exists().then_some(message));
    };
    let done = plan.calls.iter().filter(|c| ok.contains(&c.id)).map(|c| (c.operation, c.body.to_string())).collect();
    (done, None)
}

/// Calls left in flight whose every row ended OK in this run's own results
/// (same rows, same content): their answer arrived though their outcome
/// could not be journaled. They count as done.
pub(super) fn confirmed_by_results(
    plan: &Plan,
    files: &RunFiles,
    prior: &HashMap<u32, Prior>,
    lang: Lang,
) -> Vec<(u32, CallOutcome)> {
    let Ok(results) = report::read_results(files.results(), lang) else { return Vec::new() };
    let ok: HashSet<RowRef> = kept_rows(plan, &results, false)
        .into_iter()
        .filter(|(_, r)| r.status == Status::Ok)
        .map(|(i, _)| plan.rows[i].row_ref())
        .collect();
    let message = lang.t(
        "fait lors de l'exécution précédente (d'après ses résultats)",
        "done in the previous run (according to its results)",
    );
    plan.calls
        .iter()
        .filter(|c| matches!(prior.get(&c.id), Some(Prior::InFlight { .. })))
        .filter(|c| !c.rows.is_empty() && c.rows.iter().all(|r| ok.contains(r)))
        .map(|c| (c.id, previous_outcome(Status::Ok, message)))
        .collect()
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
    }
}

/// Rows that ended OK (or IGNORE with nothing to do, or A_VERIFIER unless
/// asked) are kept; a row is matched by feuille, ligne and its content, so a
/// row edited since is run again. Calls that served an OK row are done.
pub(super) fn select_failed(
    plan: &Plan,
    prev: &ReadBack,
    done_calls: &HashSet<(Operation, String)>,
    include_a_verifier: bool,
    lang: Lang,
) -> Selection {
    let kept = kept_rows(plan, prev, include_a_verifier);
    let index: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    let mut skipped = HashMap::new();
    for call in &plan.calls {
        let rows: Vec<usize> = call.rows.iter().filter_map(|r| index.get(r).copied()).collect();
        let done_ok = done_calls.contains(&(call.operation, call.body.to_string()))
            || rows.iter().any(|i| kept.get(i).is_some_and(|r| r.status == Status::Ok));
        let needed = rows.iter().any(|i| !kept.contains_key(i));
        let previous = previous_outcome;
        if done_ok {
            let m = lang.t("déjà fait lors de l'exécution précédente", "already done in the previous run");
            skipped.insert(call.id, previous(Status::Ok, m));
        } else if !needed {
            let worst = rows.iter().filter_map(|i| kept.get(i).map(|r| r.status)).max().unwrap_or(Status::AVerifier);
            skipped.insert(
                call.id,
                previous(worst, lang.t("non relancé (--only-failed)", "not run again (--only-failed)")),
            );
        }
    }
    Selection { kept, skipped }
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
            && match status {
                Status::Ok => true,
                Status::Ignore => row.check == RowCheck::Ignore,
                Status::AVerifier => !include_a_verifier,
                _ => false,
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
