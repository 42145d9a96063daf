//! The inverse plan of a run (issue 24), from the effects the registre
//! recorded for it: one verdict per row (`verdict`, the last column of the
//! undo's results), and the inverse calls of the rows undone, per dossier
//! in the reverse order of the run's effects. A row is undone whole or not
//! at all: one whose calls are not all ANNULABLE makes no call unless it
//! is ticked (`--partial`, the page's box). A row is REFUSE when a later
//! run on the tenant changed one of its things, or an earlier undo of the
//! run sent one of its inverse calls. Pure: no IO.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::config::Routes;
use crate::i18n::Lang;
use crate::loop_api::{Changes, Inverse, Operation};
use crate::messages::{Text, UndoText};
use crate::registre::state::{Thing, things_of};
use crate::registre::undo::{CallEffect, Effect, UNDO_PREFIX, UndoFacts};

use super::{Call, Plan, PlanRow, PlanSource, RowCheck, RowRef};

/// The column of the undo's results that holds each row's verdict.
pub(crate) const VERDICT_COLUMN: &str = "verdict";

pub use crate::outcome::Verdict;

/// Which PARTIEL rows go: none, all (`--partial`), or those ticked
/// (every ANNULABLE row going); or, as the page's form sends them, the rows
/// ticked, ANNULABLE and PARTIEL alike (an ANNULABLE row unticked stays).
#[derive(Debug, Clone, Default)]
pub enum Ticks {
    #[default]
    None,
    All,
    Rows(HashSet<RowRef>),
    Page(HashSet<RowRef>),
}

impl Ticks {
    /// Ticks a person gives row by row: the page's.
    fn on_page(&self) -> bool {
        matches!(self, Ticks::Rows(_) | Ticks::Page(_))
    }

    fn has(&self, row: &RowRef) -> bool {
        match self {
            Ticks::None => false,
            Ticks::All => true,
            Ticks::Rows(rows) | Ticks::Page(rows) => rows.contains(row),
        }
    }

    /// Whether an ANNULABLE row goes: unless the page's form left it out.
    fn keeps(&self, row: &RowRef) -> bool {
        match self {
            Ticks::Page(rows) => rows.contains(row),
            _ => true,
        }
    }
}

/// One row's verdict, whether it goes, and what is said of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowVerdict {
    pub feuille: Arc<str>,
    pub ligne: u32,
    pub verdict: Verdict,
    /// Its inverse calls are sent.
    pub goes: bool,
    /// What comes back and what does not, or why nothing is sent.
    pub reason: String,
}

/// One call's verdict, its inverse (if any) and what is said of it.
struct CallVerdict {
    verdict: Verdict,
    inverse: Option<(Operation, serde_json::Value)>,
    text: String,
}

fn field<'a>(c: &'a CallEffect, k: &str) -> &'a str {
    c.body.get(k).and_then(|v| v.as_str()).unwrap_or_default()
}

fn person_body(c: &CallEffect) -> serde_json::Value {
    serde_json::json!({"email": field(c, "email"), "codeDossier": field(c, "codeDossier"), "offre": field(c, "offre")})
}

fn call_verdict(c: &CallEffect, facts: &UndoFacts, lang: Lang, future: bool) -> Option<CallVerdict> {
    let op = Operation::from_name(&c.operation)?;
    let (offre, email, dossier) = (field(c, "offre"), field(c, "email"), c.dossier.as_str());
    let said = |t: UndoText<'_>| t.text(lang);
    let v = |verdict, inverse, text| Some(CallVerdict { verdict, inverse, text });
    match c.effect {
        Effect::Nothing => return v(Verdict::RienADefaire, None, String::new()),
        Effect::Unknown => {
            return v(Verdict::AVerifier, None, said(UndoText::ToCheck { operation: op.name(), dossier }));
        }
        Effect::Changed => {}
    }
    let inverse = op.inverse();
    if inverse == Inverse::GiveOfferBack && facts.offer_removed_after(dossier, offre, c.order) {
        return v(Verdict::Irreversible, None, said(UndoText::OfferRemovedSince { offre, email, dossier }));
    }
    let later =
        things_of(&c.operation, &c.dossier, &c.body).iter().filter_map(|(t, _)| changed_later(facts, t, op)).min();
    if let Some(run) = later {
        return v(Verdict::Refuse, None, said(UndoText::ChangedSince { operation: op.name(), dossier, run }));
    }
    let person = || Some((Operation::RemoveApplication, person_body(c)));
    match inverse {
        Inverse::WithdrawOffer { person_stays: false } => {
            v(Verdict::Partiel, person(), said(UndoText::OfferWithdrawn { offre, email, dossier, future }))
        }
        Inverse::WithdrawOffer { person_stays: true } => {
            v(Verdict::Partiel, person(), said(UndoText::ClientStays { offre, email, dossier, future }))
        }
        Inverse::GiveOfferBack => v(
            Verdict::Annulable,
            Some((Operation::AddCollaborativeOffer, person_body(c))),
            said(UndoText::OfferGivenBack { offre, email, dossier, future }),
        ),
        Inverse::RestoreFields => match fields_before(c, facts) {
            Some((body, names)) => {
                let text =
                    UndoText::FieldsRestored { email, fields: &names.join(", "), offer: !offre.is_empty(), future };
                v(Verdict::Partiel, Some((Operation::UpdateClient, body)), said(text))
            }
            None => v(Verdict::Irreversible, None, said(UndoText::Updated { email })),
        },
        Inverse::None => {
            let text = match op.changes() {
                Changes::Dossier => UndoText::Provisioned { dossier },
                Changes::DossierOffer { .. } => UndoText::DossierOffer { operation: op.name(), offre, dossier },
                Changes::Person { .. } => UndoText::NoInverse { operation: op.name(), email, dossier },
            };
            v(Verdict::Irreversible, None, said(text))
        }
    }
}

/// An updateClient's inverse: each field it sent back to the value an
/// earlier applied call sent (and no later call of the run changed);
/// `None` when one field has no such value. The body and the fields' names.
fn fields_before(c: &CallEffect, facts: &UndoFacts) -> Option<(serde_json::Value, Vec<String>)> {
    let mut body = serde_json::Map::new();
    body.insert("email".into(), c.body.get("email")?.clone());
    body.insert("codeDossier".into(), c.body.get("codeDossier")?.clone());
    let mut names = Vec::new();
    for (thing, _) in things_of(&c.operation, &c.dossier, &c.body) {
        let Thing::Field(_, name) = &thing else { continue };
        let seen = facts.fields.get(&thing)?;
        if seen.iter().any(|(order, _)| *order > c.order) {
            return None;
        }
        let (_, value) = seen.iter().filter(|(order, _)| *order < c.order).max_by_key(|(order, _)| *order)?;
        body.insert(name.to_string(), serde_json::from_str(value).ok()?);
        names.push(name.clone());
    }
    (!names.is_empty()).then_some((serde_json::Value::Object(body), names))
}

/// The later run that changed a thing the inverse would restore. A
/// person's created user and fields are not restored by any inverse.
fn changed_later(facts: &UndoFacts, thing: &Thing, op: Operation) -> Option<i64> {
    let restored = match thing {
        Thing::Person(..) => true,
        Thing::Created(_) => false,
        Thing::Field(..) => op.inverse() == Inverse::RestoreFields,
        Thing::Dossier(_) | Thing::Offer(..) => !matches!(op.changes(), Changes::Person { fields: true, .. }),
    };
    if restored { facts.changed_later(thing) } else { None }
}

/// The undo of a run: its plan (the run's rows, their verdicts in the last
/// column, the inverse calls) and each row's verdict; `future`: said of an
/// undo still to come (a dry run).
pub(crate) fn undo_plan(
    run: &Plan,
    facts: &UndoFacts,
    ticks: &Ticks,
    routes: &Routes,
    lang: Lang,
    future: bool,
) -> (Plan, Vec<RowVerdict>) {
    let index: HashMap<RowRef, usize> = run.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    let mut per_row: Vec<Vec<(u32, CallVerdict)>> = (0..run.rows.len()).map(|_| Vec::new()).collect();
    let mut served: HashMap<u32, Vec<usize>> = HashMap::new();
    for call in &run.calls {
        let Some(effect) = facts.calls.get(&call.id) else { continue };
        let rows: Vec<usize> = call.rows.iter().filter_map(|r| index.get(r).copied()).collect();
        for &i in &rows {
            if let Some(cv) = call_verdict(effect, facts, lang, future) {
                per_row[i].push((call.id, cv));
            }
        }
        served.insert(call.id, rows);
    }
    let mut verdicts: Vec<RowVerdict> =
        run.rows.iter().zip(&per_row).map(|(row, calls)| row_verdict(row, calls, facts, ticks, lang, future)).collect();
    unlink_shared(run, &per_row, &served, &mut verdicts, lang);
    let plan = build(run, facts, &per_row, &verdicts, routes, lang);
    (plan, verdicts)
}

fn row_verdict(
    row: &PlanRow,
    calls: &[(u32, CallVerdict)],
    facts: &UndoFacts,
    ticks: &Ticks,
    lang: Lang,
    future: bool,
) -> RowVerdict {
    let has = |v: Verdict| calls.iter().any(|(_, c)| c.verdict == v);
    // An earlier undo of this run sent one of this row's inverse calls.
    let before = calls
        .iter()
        .filter_map(|(_, c)| c.inverse.as_ref())
        .find_map(|(op, body)| facts.undone_before.get(&(op.name().to_string(), body.to_string())).copied());
    let reversible = has(Verdict::Annulable) || has(Verdict::Partiel);
    let (verdict, lead) = if let Some(run) = before {
        (Verdict::Refuse, UndoText::UndoneBefore { run }.text(lang))
    } else if has(Verdict::Refuse) {
        (Verdict::Refuse, UndoText::LeadRefused.text(lang))
    } else if has(Verdict::AVerifier) {
        (Verdict::AVerifier, UndoText::LeadToCheck.text(lang))
    } else if !reversible && has(Verdict::Irreversible) {
        (Verdict::Irreversible, UndoText::LeadIrreversible.text(lang))
    } else if !reversible {
        (Verdict::RienADefaire, UndoText::NothingToUndo.text(lang))
    } else if has(Verdict::Partiel) || has(Verdict::Irreversible) {
        let ticked = ticks.has(&row.row_ref());
        (
            Verdict::Partiel,
            if ticked {
                UndoText::LeadPartialTicked { future }
            } else {
                UndoText::LeadPartialLeft { page: ticks.on_page() }
            }
            .text(lang),
        )
    } else if ticks.keeps(&row.row_ref()) {
        (Verdict::Annulable, UndoText::LeadAnnulable.text(lang))
    } else {
        (Verdict::Annulable, UndoText::LeadAnnulableLeft.text(lang))
    };
    let goes = match verdict {
        Verdict::Annulable => ticks.keeps(&row.row_ref()),
        Verdict::Partiel => ticks.has(&row.row_ref()),
        _ => false,
    };
    // Each sentence once per row (several calls may say the same).
    let mut said: Vec<&str> = Vec::new();
    for t in calls.iter().map(|(_, c)| c.text.as_str()).filter(|t| !t.is_empty()) {
        if !said.contains(&t) {
            said.push(t);
        }
    }
    let reason = if said.is_empty() || verdict == Verdict::RienADefaire || before.is_some() {
        lead
    } else {
        format!("{lead} {}", said.join(" ; "))
    };
    RowVerdict { feuille: row.feuille.clone(), ligne: row.ligne, verdict, goes, reason }
}

/// A call serving several rows goes only if all of them go: a row that
/// shares one with a row that stays, stays (whole or not at all).
fn unlink_shared(
    run: &Plan,
    per_row: &[Vec<(u32, CallVerdict)>],
    served: &HashMap<u32, Vec<usize>>,
    verdicts: &mut [RowVerdict],
    lang: Lang,
) {
    loop {
        let mut changed = false;
        for (i, calls) in per_row.iter().enumerate() {
            if !verdicts[i].goes {
                continue;
            }
            let staying = calls
                .iter()
                .filter(|(_, c)| c.inverse.is_some())
                .flat_map(|(id, _)| served.get(id).into_iter().flatten())
                .find(|&&j| !verdicts[j].goes);
            if let Some(&j) = staying {
                let other = &run.rows[j];
                verdicts[i].goes = false;
                verdicts[i].reason = UndoText::Linked { feuille: &other.feuille, ligne: other.ligne }.text(lang);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// An inverse call: its operation, its body, the rows it serves.
type InverseCall = (Operation, serde_json::Value, Vec<RowRef>);

/// The undo's plan: the run's rows with their verdict last, and the
/// inverse calls of the rows that go, in the reverse order of the run's
/// effects; a row's later inverse waits for its earlier one.
fn build(
    run: &Plan,
    facts: &UndoFacts,
    per_row: &[Vec<(u32, CallVerdict)>],
    verdicts: &[RowVerdict],
    routes: &Routes,
    lang: Lang,
) -> Plan {
    let kept: Vec<usize> = (0..run.columns.len()).filter(|&i| run.columns[i] != VERDICT_COLUMN).collect();
    let mut columns: Vec<String> = kept.iter().map(|&i| run.columns[i].clone()).collect();
    columns.push(VERDICT_COLUMN.into());
    let rows = run
        .rows
        .iter()
        .zip(verdicts)
        .map(|(r, v)| {
            let mut values: Vec<String> = kept.iter().map(|&i| r.values.get(i).cloned().unwrap_or_default()).collect();
            values.push(v.verdict.word().into());
            PlanRow {
                feuille: r.feuille.clone(),
                ligne: r.ligne,
                values,
                numbers: r.numbers.iter().filter_map(|n| kept.iter().position(|k| k == n)).collect(),
                check: if v.goes { RowCheck::Valide } else { RowCheck::Ignore },
                problems: vec![super::Kept::Said(v.reason.clone())],
                warnings: Vec::new(),
            }
        })
        .collect();
    // The inverse of each original call, once, with the rows it serves.
    let mut inverses: BTreeMap<std::cmp::Reverse<(i64, u32)>, InverseCall> = BTreeMap::new();
    for (i, calls) in per_row.iter().enumerate() {
        if !verdicts[i].goes {
            continue;
        }
        for (id, c) in calls {
            let Some((op, body)) = &c.inverse else { continue };
            let order = facts.calls.get(id).map_or(0, |e| e.order);
            let entry = inverses.entry(std::cmp::Reverse((order, *id))).or_insert_with(|| (*op, body.clone(), vec![]));
            entry.2.push(run.rows[i].row_ref());
        }
    }
    let mut calls: Vec<Call> = Vec::new();
    let mut last_of_row: HashMap<RowRef, u32> = HashMap::new();
    for (op, body, rows) in inverses.into_values() {
        let id = calls.len() as u32 + 1;
        let mut depends_on: Vec<u32> = rows.iter().filter_map(|r| last_of_row.get(r).copied()).collect();
        depends_on.sort_unstable();
        depends_on.dedup();
        for r in &rows {
            last_of_row.insert(r.clone(), id);
        }
        let dossier: Arc<str> = body.get("codeDossier").and_then(|d| d.as_str()).unwrap_or_default().into();
        let body: Box<RawValue> = serde_json::value::to_raw_value(&body).unwrap_or_default();
        calls.push(Call { id, operation: op, route: routes.of(op).into(), dossier, body, rows, depends_on });
    }
    let sha256 = format!("{UNDO_PREFIX}{}:{}", facts.run.id, run.source.sha256);
    Plan {
        format_version: super::FORMAT_VERSION,
        // The history names an undo by what it undoes.
        source: PlanSource {
            file: UndoText::SourceName { run: facts.run.id, sheet: &run.source.file, date: &facts.run.date() }
                .text(lang),
            sha256,
        },
        columns,
        rows,
        calls,
        summary: None,
    }
}

/// Rows per verdict word.
pub(crate) fn count_verdicts(verdicts: &[RowVerdict]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for v in verdicts {
        *counts.entry(v.verdict.word()).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registre::undo::UndoneRun;

    fn call(id: u32, operation: Operation, offre: &str) -> Call {
        let body = serde_json::json!({"email": "a@x.fr", "codeDossier": "D1", "offre": offre});
        Call {
            id,
            operation,
            route: "/r".into(),
            dossier: "D1".into(),
            body: serde_json::value::to_raw_value(&body).unwrap(),
            rows: vec![RowRef { feuille: "f".into(), ligne: 2 }],
            depends_on: vec![],
        }
    }

    /// A changer_offre row with e-mail: the old offer is given back first,
    /// then the new one withdrawn, waiting for it; PARTIEL, so only ticked.
    #[test]
    fn a_changed_offer_is_given_back_before_the_new_one_goes() {
        let calls =
            vec![call(1, Operation::AddCollaborativeOffer, "new"), call(2, Operation::RemoveApplication, "old")];
        let row = PlanRow {
            feuille: "f".into(),
            ligne: 2,
            values: vec!["changer_offre".into()],
            numbers: vec![],
            check: RowCheck::Valide,
            problems: vec![],
            warnings: vec![],
        };
        let run = Plan {
            format_version: super::super::FORMAT_VERSION,
            source: PlanSource { file: "f".into(), sha256: "s".into() },
            columns: vec!["action".into()],
            rows: vec![row],
            calls: calls.clone(),
            summary: None,
        };
        let effect = |c: &Call, order| CallEffect {
            operation: c.operation.name().into(),
            dossier: "D1".into(),
            body: serde_json::from_str(c.body.get()).unwrap(),
            effect: Effect::Changed,
            order,
        };
        let facts = UndoFacts {
            run: UndoneRun {
                id: 7,
                plan_hash: String::new(),
                tenant: None,
                results: String::new(),
                ended: true,
                started: String::new(),
            },
            calls: HashMap::from([(1, effect(&calls[0], 10)), (2, effect(&calls[1], 20))]),
            later: HashMap::new(),
            later_removed: HashSet::new(),
            undone_before: HashMap::new(),
            fields: HashMap::new(),
            forgotten: Default::default(),
        };
        let routes = Routes::default();
        let (plan, verdicts) = undo_plan(&run, &facts, &Ticks::None, &routes, Lang::Fr, false);
        assert_eq!((verdicts[0].verdict, verdicts[0].goes), (Verdict::Partiel, false));
        assert!(plan.calls.is_empty());
        assert_eq!(plan.columns, ["action", "verdict"]);
        assert_eq!(plan.rows[0].values, ["changer_offre", "PARTIEL"]);
        let (plan, _) = undo_plan(&run, &facts, &Ticks::All, &routes, Lang::Fr, false);
        let order: Vec<(Operation, String)> = plan
            .calls
            .iter()
            .map(|c| {
                (c.operation, serde_json::from_str::<serde_json::Value>(c.body.get()).unwrap()["offre"].to_string())
            })
            .collect();
        assert_eq!(
            order,
            [(Operation::AddCollaborativeOffer, "\"old\"".into()), (Operation::RemoveApplication, "\"new\"".into())]
        );
        assert_eq!(plan.calls[1].depends_on, [plan.calls[0].id]);
        assert_eq!(plan.source.sha256, "undo:7:s");
    }
}
