//! The plan: what will be done in Cegid Loop, in the user's words (the
//! routes go to PLAN.xlsx), per dossier on demand; « Lancer » opens the
//! in-page confirmation (CSS :target, no script needed).

use maud::{Markup, html};

use super::pages::{Stored, counts, layout};
use crate::job::Lang;
use crate::job::{Operation, Plan};
use crate::job::{PlanCounts, Standing, Status};
use crate::messages::{HeldText, PlanText};

/// Dossiers detailed in the page at most (a large plan stays light).
const PER_DOSSIER_SHOWN: usize = 500;

/// An operation as a person says what it does (`n` of them).
pub(super) fn said(op: Operation, n: usize, lang: Lang) -> &'static str {
    op.done(n, lang)
}

/// The page's registre (as its runs use it).
pub(super) fn registre_files(app: &super::Shared) -> crate::job::RunFiles {
    crate::job::RunFiles::new(app.folder.join("registre-de")).with_registre(app.cfg.registre.clone())
}

/// When the registre was made (its date), if it holds no run yet.
pub(super) fn registre_new_since(app: &super::Shared) -> Option<String> {
    let path = registre_files(app).registre();
    let since = crate::job::Registre::open(&path, app.lang()).ok()?.new_since().ok()??;
    let day = since.get(..10).unwrap_or(&since);
    match (app.lang(), day.split('-').collect::<Vec<_>>().as_slice()) {
        (crate::job::Lang::Fr, [y, m, d]) => Some(format!("{d}/{m}/{y}")),
        _ => Some(day.to_string()),
    }
}

pub(super) struct PlanView<'a> {
    pub sheet_id: &'a str,
    pub name: &'a str,
    pub host: &'a str,
    pub counts: &'a PlanCounts,
    /// Calls per operation, and per dossier.
    pub per_operation: &'a [(Operation, usize)],
    pub per_dossier: &'a [(String, Vec<(Operation, usize)>)],
    /// No keys to send with: the way to give them instead of « Lancer ».
    pub keys_missing: bool,
    pub confirm: &'a str,
    /// Kept runs of this very plan, newest first.
    pub earlier: &'a [Stored],
    /// The registre holds no run while runs are kept: the day it was made.
    pub registre_new_since: Option<&'a str>,
    /// What the registre's memory makes of the plan (rows done already, to
    /// send), when it can be read.
    pub memory: Option<&'a crate::job::MemoryCounts>,
    pub lang: Lang,
    pub simulation: bool,
}

/// The plan: calls per route and per dossier, the target; "Lancer" opens
/// the in-page confirmation (CSS :target, no script needed).
pub(super) fn plan_page(v: &PlanView) -> Markup {
    let lang = v.lang;
    let c = v.counts;
    let held: &[crate::job::HeldRow] = v.memory.map_or(&[], |m| &m.a_verifier);
    layout(
        lang,
        PlanText::Plan.say(lang),
        v.simulation,
        html! {
            h1 { (PlanText::PlanOfCallsOf.say(lang)) " " (v.name) }
            p { (c.calls) " " (PlanText::CallsTo.say(lang)) " " strong data-testid="host" { (v.host) } ", "
                (c.dossiers) " " (PlanText::Dossiers.say(lang)) ", " (c.valid) " " (PlanText::ValidRows.say(lang))
                @if c.invalid > 0 { ", " (c.invalid) " " (PlanText::InvalidRowsNotSent.say(lang)) } }
            @if let Some(day) = v.registre_new_since {
                p.hint role="note" data-testid="registre-new" {
                    (PlanText::RegistreKnowsNoRunBefore.say(lang)) " " (day) ". " (PlanText::RegistreNewNextStep.say(lang))
                }
            }
            @if let Some(m) = v.memory {
                p data-testid="memory-counts" data-done=(m.rows_done) data-to-send=(m.rows_to_send) data-held=(m.rows_held) {
                    (crate::messages::memory_counts(m.rows_done, m.rows_to_send, m.rows_held, &m.tenant, lang))
                }
                p.hint role="note" data-testid="memory-limits" { (crate::messages::memory_limits(lang)) }
                @if m.plain_loopback {
                    p.hint role="note" data-testid="plain-loopback" { (crate::messages::plain_loopback(lang)) }
                }
            }
            h2 { (PlanText::WhatWillBeDoneInCegid.say(lang)) }
            @if let Some(m) = v.memory.filter(|m| m.calls_to_send < c.calls) {
                p data-testid="memory-calls" { (crate::messages::memory_calls(m.calls_to_send, c.calls, lang)) }
            }
            ul data-testid="plan-words" { @for (op, n) in v.per_operation { li { (n) " " (said(*op, *n, lang)) } } }
            p { a href=(format!("/feuille/{}/plan.xlsx", v.sheet_id)) data-testid="download-plan" { (PlanText::DownloadTheReadablePlanPLANXlsx.say(lang)) } }
            details data-testid="per-dossier" {
                summary { (PlanText::PerDossier.say(lang)) }
                table {
                    thead { tr { th scope="col" { (PlanText::DossierCode.say(lang)) } th scope="col" { (PlanText::WhatWillBeDone.say(lang)) } } }
                    tbody { @for (d, ops) in v.per_dossier { tr { td { (d) } td {
                        @for (i, (op, n)) in ops.iter().enumerate() { @if i > 0 { ", " } (n) " " (said(*op, *n, lang)) }
                    } } } }
                }
                @if v.per_dossier.len() >= PER_DOSSIER_SHOWN && c.dossiers > v.per_dossier.len() {
                    p.hint { (PlanText::TheFirst.say(lang)) " " (v.per_dossier.len()) " " (PlanText::DossiersTheReadablePlanPLANXlsx.say(lang)) }
                }
            }
            p { a href=(format!("/feuille/{}", v.sheet_id)) { (PlanText::BackToTheCheck.say(lang)) } }
            @if let Some(e) = v.earlier.first() {
                (already_run(e, lang))
            }
            @if v.earlier.is_empty() && c.calls > 0 && v.keys_missing {
                section.already data-testid="keys-missing" role="note" {
                    h2 { (PlanText::TheCegidLoopKeysAreMissing.say(lang)) }
                    p { (PlanText::ToSendLoopbatchNeedsTheFirm.say(lang)) }
                    p { a.button href=(format!("/?retour=/feuille/{}/plan#cles", v.sheet_id)) data-testid="enter-keys" { (PlanText::TypeTheKeys.say(lang)) } }
                }
            } @else if c.calls > 0 && !v.keys_missing && (v.earlier.is_empty() || !held.is_empty() || more_to_send(v)) {
                // A plan run before is offered again for its rows held to
                // check, or for what its memory still sends (a row a person
                // noted « pas fait dans Loop »): the memory sends nothing else
                // done. An unfinished run of it is resumed instead.
                @if !held.is_empty() { (held_rows(held, lang)) }
                p { a.button href="#confirmer" data-testid="run" { (PlanText::Run.say(lang)) } }
                section #confirmer role="dialog" aria-labelledby="confirmer-titre" {
                    h2 #confirmer-titre { (PlanText::ConfirmSending.say(lang)) }
                    p { (PlanText::Send.say(lang)) " " strong { (v.memory.map_or(c.calls, |m| m.calls_to_send)) } " " (PlanText::CallsTo2.say(lang)) " " strong { (v.host) } " ?" }
                    @if !held.is_empty() { p.hint data-testid="held-ticked-go-too" { (HeldText::TickedGoToo.say(lang)) } }
                    form #lancement method="post" action="/execution" {
                        input type="hidden" name="confirm" value=(v.confirm);
                        @if v.memory.is_some_and(|m| m.rows_done > 0) {
                            p { label { input type="checkbox" name="tout" value="1" data-testid="send-all"; " " (crate::messages::send_all_label(lang)) } }
                        }
                        button type="submit" data-testid="confirm" { (PlanText::Send.say(lang)) }
                        " " a href="#" { (PlanText::Cancel.say(lang)) }
                    }
                }
            }
        },
    )
}

/// The memory still sends calls of a plan run before (none of its runs
/// left unfinished): without « Lancer », such a row would have no way out.
fn more_to_send(v: &PlanView) -> bool {
    v.memory.is_some_and(|m| m.calls_to_send > 0) && !v.earlier.iter().any(|e| e.unfinished)
}

/// The rows held because A_VERIFIER, each with its choice « renvoyer quand
/// même » (unticked), sent with the confirmation's form.
fn held_rows(held: &[crate::job::HeldRow], lang: Lang) -> Markup {
    let value = |h: &crate::job::HeldRow| super::options::RunOptions::row_value(&h.sheet, h.line);
    html! {
        section.already data-testid="held" role="note" {
            h2 { (HeldText::Title.say(lang)) }
            p { (HeldText::Why.say(lang)) }
            p data-testid="held-risk" { strong { (HeldText::Risk.say(lang)) } }
            table data-testid="held-rows" {
                caption { (HeldText::Caption.say(lang)) }
                thead { tr {
                    th scope="col" { (HeldText::Sheet.say(lang)) } th scope="col" { (HeldText::Line.say(lang)) }
                    th scope="col" { (HeldText::Dossier.say(lang)) } th scope="col" { (HeldText::Email.say(lang)) }
                    th scope="col" { (HeldText::Run.say(lang)) } th scope="col" { (HeldText::Choice.say(lang)) }
                } }
                tbody { @for h in held {
                    tr data-testid="held-row" data-feuille=(h.sheet) data-ligne=(h.line) {
                        td { (h.sheet) } td { (h.line) } td { (h.dossier) } td { (h.email) }
                        td { (crate::messages::held_run(h.run, lang)) }
                        td { label { input type="checkbox" form="lancement" name="renvoyer" value=(value(h)) data-testid="send-again"; " " (HeldText::SendAgainAnyway.say(lang)) } }
                    }
                } }
            }
        }
    }
}

/// The same plan ran already: resume it or run its failures again rather
/// than send everything a second time.
fn already_run(e: &Stored, lang: Lang) -> Markup {
    // Something to send again (invalid rows are fixed in the sheet, not run again).
    let failed = e.counts.as_ref().is_some_and(|c| {
        c.keys()
            .any(|w| Status::from_word(w).is_some_and(|s| matches!(s.standing(), Standing::Refused | Standing::NotRun)))
    });
    html! {
        section.already data-testid="already-run" data-run=(e.id) role="note" {
            h2 { (PlanText::ThisSheetWasRunAlready.say(lang)) }
            p { (PlanText::TheSameSheetAsItIs.say(lang)) " " (e.when) " : "
                (counts(e, lang)) }
            p { (PlanText::RunningItAgainWouldSendAgain.say(lang)) }
            p {
                a href=(format!("/execution/{}", e.id)) { (PlanText::SeeThatRun.say(lang)) }
                @if e.unfinished {
                    form.inline method="post" action=(format!("/execution/{}/reprise", e.id)) {
                        button type="submit" data-testid="resume" { (PlanText::Resume.say(lang)) }
                    }
                }
                @if failed {
                    " " a.button href=(format!("/execution/{}#relancer", e.id)) data-testid="rerun-failed" { (PlanText::RunTheFailuresAgain.say(lang)) }
                }
            }
        }
    }
}

/// Calls per operation, and per dossier (in its order of codes).
pub(super) type PerDossier = Vec<(String, Vec<(Operation, usize)>)>;
pub(super) fn in_words(plan: &Plan) -> (Vec<(Operation, usize)>, PerDossier) {
    use std::collections::BTreeMap;
    let mut all: BTreeMap<Operation, usize> = BTreeMap::new();
    let mut per: BTreeMap<&str, BTreeMap<Operation, usize>> = BTreeMap::new();
    for c in &plan.calls {
        *all.entry(c.operation).or_default() += 1;
        // The page details the first dossiers only; PLAN.xlsx has them all.
        if per.len() < PER_DOSSIER_SHOWN || per.contains_key(&*c.dossier) {
            *per.entry(&c.dossier).or_default().entry(c.operation).or_default() += 1;
        }
    }
    let per = per.into_iter().map(|(d, ops)| (d.to_string(), ops.into_iter().collect())).collect();
    (all.into_iter().collect(), per)
}
