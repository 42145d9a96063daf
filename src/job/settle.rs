//! An undo's answers read its own way, after its calls (see `undo`): an
//! inverse removeApplication answered « not assigned » ends RIEN_A_DEFAIRE,
//! an inverse addCollaborativeOffer refused because the offer is not active
//! on the dossier says to activate it first; the rows that made no call
//! say their verdict's reason. Also for a resume of an undo: the plan says
//! it is one (its source fingerprint).

use std::collections::{HashMap, HashSet};

use crate::i18n::Lang;
use crate::loop_api::{KnownAnswer, Operation, known_answer, says_not_assigned};
use crate::messages::{Text, UndoText};
use crate::outcome::{CallOutcome, Status};
use crate::plan::undo::{VERDICT_COLUMN, Verdict};
use crate::plan::{Plan, RowCheck, RowRef};
use crate::registre::undo::undoes;
use crate::report::RowResult;

/// What `settle_calls` read of an undo's answers.
#[derive(Debug, Default)]
pub(super) struct Settled {
    /// Calls answered « not assigned » at once: nothing to undo.
    pub nothing: HashSet<u32>,
    /// Calls that reached their goal, said how (appended to their rows).
    pub notes: HashMap<u32, String>,
}

/// An undo plan's answers read its own way (see the module's doc): the
/// calls answered « not assigned » (now OK, said so), `None` when the plan
/// is no undo. An inverse removeApplication whose answer was lost and whose
/// resend was answered « not assigned » (A_VERIFIER for a run) reached its
/// goal either way, the offer is not assigned: OK, said so (the registre
/// keeps it to check, so an undo of this undo asks a person first).
pub(super) fn settle_calls(
    plan: &Plan,
    outcomes: &mut HashMap<u32, CallOutcome>,
    not_assigned: &[String],
    lang: Lang,
) -> Option<Settled> {
    undoes(&plan.source.sha256)?;
    let mut settled = Settled::default();
    for call in &plan.calls {
        let Some(o) = outcomes.get_mut(&call.id) else { continue };
        let not_assigned_said =
            says_not_assigned(&o.message, not_assigned) || known_answer(&o.message) == Some(KnownAnswer::NotAssigned);
        match (o.status, call.operation) {
            (Status::AVerifier, Operation::RemoveApplication) if not_assigned_said => {
                // The call's own message says the lost attempt and Loop's
                // answer; the note says what it means for the undo.
                let note = UndoText::WithdrawnLost { said: &o.message }.text(lang);
                o.message = note.clone();
                o.status = Status::Ok;
                settled.notes.insert(call.id, note);
            }
            (Status::Erreur, Operation::RemoveApplication) if says_not_assigned(&o.message, not_assigned) => {
                o.message = UndoText::NotAssigned { answer: &o.message }.text(lang);
                o.status = Status::Ok;
                settled.nothing.insert(call.id);
            }
            (Status::Erreur, Operation::AddCollaborativeOffer)
                if known_answer(&o.message) == Some(KnownAnswer::OfferNotActive) =>
            {
                o.message = UndoText::OfferNotActive { answer: &o.message }.text(lang);
            }
            _ => {}
        }
    }
    Some(settled)
}

/// An undo's rows after its calls: a row that made no call says its
/// verdict's reason (IGNORE); a row whose calls all met « not assigned »
/// is RIEN_A_DEFAIRE (IGNORE); an undone row says what came back. Returns
/// the plan with the verdicts so updated.
pub(super) fn settle_rows(plan: &Plan, settled: &Settled, rows: &mut [RowResult]) -> Plan {
    let nothing = &settled.nothing;
    let mut plan = plan.clone();
    let mut calls_of: HashMap<RowRef, Vec<u32>> = HashMap::new();
    for c in &plan.calls {
        for r in &c.rows {
            calls_of.entry(r.clone()).or_default().push(c.id);
        }
    }
    let verdict_at = plan.columns.iter().rposition(|c| c == VERDICT_COLUMN);
    for (row, result) in plan.rows.iter_mut().zip(rows.iter_mut()) {
        // An undo plan's reasons are sentences said when it was made.
        let reason = row.problems_said(crate::i18n::Lang::Fr);
        if row.check != RowCheck::Valide {
            *result = RowResult { etape: "annulation".into(), ..RowResult::new(Status::Ignore, reason) };
            continue;
        }
        let calls = calls_of.get(&row.row_ref()).map(Vec::as_slice).unwrap_or_default();
        if !calls.is_empty() && calls.iter().all(|c| nothing.contains(c)) {
            result.status = Status::Ignore;
            if let Some(cell) = verdict_at.and_then(|i| row.values.get_mut(i)) {
                *cell = Verdict::RienADefaire.word().into();
            }
        } else if result.status.is_success() {
            let notes: Vec<&str> = calls.iter().filter_map(|c| settled.notes.get(c)).map(String::as_str).collect();
            result.message = if notes.is_empty() { reason } else { format!("{reason} ({})", notes.join(" ; ")) };
        }
    }
    plan
}
