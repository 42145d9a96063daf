//! The rows the memory holds back: a call last A_VERIFIER (held until a
//! person checks it, or chooses to send it again), or one another run
//! never ended holds. Counted apart from the rows to send; the A_VERIFIER
//! ones listed for the page's choice per row (« renvoyer quand même »): a run
//! sends their calls for the rows chosen only (`RunRequest::a_verifier_rows`),
//! or all of them with `--include-a-verifier`.

use std::collections::{BTreeMap, HashSet};

use crate::plan::memory::Remembered;
use crate::plan::{Call, Plan, PlanRow, RowCheck, RowRef};

/// A row held because a call of it was last A_VERIFIER: the page offers to
/// send it again anyway.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HeldRow {
    pub sheet: String,
    pub line: u32,
    /// The run whose attempt is to check.
    pub run: i64,
    pub dossier: String,
    /// The person's e-mail, when the held call names one.
    pub email: String,
}

/// Valid rows per what the memory makes of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct RowCounts {
    /// All of whose calls are done already.
    pub done: usize,
    /// With a call to send, and none held.
    pub to_send: usize,
    /// With a call held (A_VERIFIER, or another run's, never ended).
    pub held: usize,
}

/// The valid rows done already, to send, and held.
pub(super) fn row_counts(rows: &[PlanRow], calls: &[Call], r: &Remembered) -> RowCounts {
    let mut to_send: HashSet<&RowRef> = HashSet::new();
    let mut served: HashSet<&RowRef> = HashSet::new();
    let mut held: HashSet<&RowRef> = HashSet::new();
    for c in calls {
        let holds = r.guarded.contains_key(&c.id) || r.pending.contains_key(&c.id);
        for row in &c.rows {
            served.insert(row);
            if !r.done.contains_key(&c.id) {
                to_send.insert(row);
            }
            if holds {
                held.insert(row);
            }
        }
    }
    let valid = rows.iter().filter(|r| r.check == RowCheck::Valide).count();
    let done = served.len() - to_send.len();
    let held = held.len();
    RowCounts { done, to_send: valid.saturating_sub(done + held), held }
}

/// The calls the memory holds as A_VERIFIER that serve one of `rows` are
/// sent (as `--include-a-verifier` sends them all): the settling of an
/// earlier attempt that may have been applied.
pub(super) fn include_rows(r: &mut Remembered, plan: &Plan, rows: &[(String, u32)]) {
    if rows.is_empty() {
        return;
    }
    let chosen: HashSet<(&str, u32)> = rows.iter().map(|(s, l)| (s.as_str(), *l)).collect();
    for c in &plan.calls {
        if r.guarded.contains_key(&c.id) && c.rows.iter().any(|row| chosen.contains(&(&*row.feuille, row.ligne))) {
            r.guarded.remove(&c.id);
            r.settle.insert(c.id);
        }
    }
}

/// The rows held because a call of theirs is last A_VERIFIER, in the
/// sheet's order.
pub(super) fn held_rows(plan: &Plan, r: &Remembered) -> Vec<HeldRow> {
    let order: BTreeMap<(&str, u32), usize> =
        plan.rows.iter().enumerate().map(|(i, row)| ((&*row.feuille, row.ligne), i)).collect();
    let mut held: BTreeMap<usize, HeldRow> = BTreeMap::new();
    for c in plan.calls.iter().filter(|c| r.guarded.contains_key(&c.id)) {
        let email = serde_json::from_str::<serde_json::Value>(c.body.get())
            .ok()
            .and_then(|b| b.get("email").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_default();
        for row in &c.rows {
            let at = order.get(&(&*row.feuille, row.ligne)).copied().unwrap_or(usize::MAX);
            held.entry(at).or_insert_with(|| HeldRow {
                sheet: row.feuille.to_string(),
                line: row.ligne,
                run: r.guarded[&c.id],
                dossier: c.dossier.to_string(),
                email: email.clone(),
            });
        }
    }
    held.into_values().collect()
}
