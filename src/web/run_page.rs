//! A run's screen: its progress (pushed by the server while it goes),
//! Stop and Resume, then its results: who each row is about, its status in
//! words and colour, Loop's message and what to do next.

use maud::{Markup, html};

use super::pages::layout;
use super::progress::{self, Progress, RunState};
use crate::job::Lang;
use crate::job::{self, Plan, RunReport};
use crate::job::{Standing, Status};
use crate::messages::{HistoryText, RunMessage, RunText, Text, UndoPageText, VerifyText, verdict_said};

/// Result rows shown at most (the files hold them all).
const SHOWN: usize = 500;

pub(super) struct RunView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub host: &'a str,
    pub progress: &'a Progress,
    /// The confirmation of a replaced key, when a resume met one.
    pub new_key: Option<Markup>,
    pub report: Option<&'a RunReport>,
    pub plan: &'a Plan,
    /// The status the results are filtered on.
    pub only: Option<Status>,
    /// A person's check was just recorded (`verify`).
    pub verified: bool,
    /// Calls « Relancer les échecs » would send (none: not offered).
    pub rerun_calls: usize,
    pub lang: Lang,
    pub simulation: bool,
}

/// A run: its progress (pushed by the server while it goes), then its results.
pub(super) fn run_page(v: &RunView) -> Markup {
    let lang = v.lang;
    // A resume refused for another key: the engine's words name --new-key,
    // the page has its dialog and button.
    let refused = v
        .new_key
        .as_ref()
        .map(|_| Progress { reason: RunText::TheKeyChangedNothingWasSent.say(lang).to_string(), ..v.progress.clone() });
    let p = refused.as_ref().unwrap_or(v.progress);
    layout(
        lang,
        RunText::Run.say(lang),
        v.simulation,
        html! {
            @if job::is_undo(v.plan) {
                h1 { (v.plan.source.file) " → " (v.host) }
            } @else {
                h1 { (RunText::RunOf.say(lang)) " " (v.name) " → " (v.host) }
            }
            (progress::block(v.id, p, lang))
            @if let Some(m) = &v.new_key { (m) }
            // Closed without a resume (« Clore sans reprendre »): what became of its calls.
            @if p.state == RunState::Done && !p.reason.is_empty() {
                p role="status" data-testid="closed" { (p.reason) }
            }
            @if v.report.is_none() && p.state.going() {
                form method="post" action=(format!("/execution/{}/arret", v.id)) {
                    button type="submit" data-testid="stop" { (RunText::Stop.say(lang)) }
                    " " span.hint { (RunText::CallsInFlightFinishResumeWill.say(lang)) }
                }
            }
            @if p.state == RunState::Stopped {
                form method="post" action=(format!("/execution/{}/reprise", v.id)) {
                    button type="submit" data-testid="resume" { (RunText::Resume.say(lang)) }
                    " " (RunText::NothingDoneIsSentAgain.say(lang))
                }
                (close(v))
            }
            @if let Some(report) = v.report {
                // A stopped run goes on with Reprendre, not a new run beside it.
                @if v.rerun_calls > 0 && p.state != RunState::Stopped { (rerun(v)) }
                @if p.state == RunState::Done { (undo_button(v.id, lang)) }
                (results(v, report))
            }
        },
    )
}

/// « Relancer les échecs »: a confirmation (CSS :target) saying how many
/// calls it sends.
fn rerun(v: &RunView) -> Markup {
    let lang = v.lang;
    html! {
        p { a.button href="#relancer" data-testid="rerun-failed" { (RunText::RunTheFailuresAgain.say(lang)) } }
        section #relancer .confirm role="dialog" aria-labelledby="relancer-titre" {
            h2 #relancer-titre { (RunText::RunTheFailuresAgain2.say(lang)) }
            p data-testid="rerun-calls" data-calls=(v.rerun_calls) {
                (RunMessage::RerunCalls { calls: v.rerun_calls, host: v.host }.text(lang))
            }
            form method="post" action=(format!("/execution/{}/echecs", v.id)) {
                button type="submit" data-testid="confirm-rerun" { (RunText::RunAgain.say(lang)) }
                " " a href="#" { (RunText::Cancel.say(lang)) }
            }
        }
    }
}

/// « Clore sans reprendre »: a confirmation (CSS :target) saying what
/// becomes of its calls, as `loopbatch registre close`.
fn close(v: &RunView) -> Markup {
    let lang = v.lang;
    html! {
        p { a.button href="#clore" data-testid="close-run" { (RunText::CloseWithoutResuming.say(lang)) } }
        section #clore .confirm role="dialog" aria-labelledby="clore-titre" {
            h2 #clore-titre { (RunText::CloseWithoutResumingQ.say(lang)) }
            p { (RunText::WhatClosingDoes.say(lang)) }
            form method="post" action=(format!("/execution/{}/cloture", v.id)) {
                button type="submit" data-testid="confirm-close" { (RunText::Close.say(lang)) }
                " " a href="#" { (RunText::Cancel.say(lang)) }
            }
        }
    }
}

/// « Annuler cette exécution », for a finished run: its verdicts first.
fn undo_button(id: &str, lang: Lang) -> Markup {
    html! {
        p {
            a.button href=(format!("/execution/{id}/annulation")) data-testid="undo" { (UndoPageText::UndoThisRun.say(lang)) }
            " " span.hint { (UndoPageText::UndoThisRunHint.say(lang)) }
        }
    }
}

/// The CSS class of a status's colour.
pub(super) fn tone(s: Status) -> &'static str {
    match s.standing() {
        Standing::Done | Standing::Ready => "ok",
        Standing::Skipped => "ignore",
        Standing::NotRun => "not-run",
        Standing::ToCheck => "check",
        Standing::Refused | Standing::Invalid => "error",
    }
}

fn results(v: &RunView, report: &RunReport) -> Markup {
    let lang = v.lang;
    let counts = report.counts();
    let link = |s: &str| format!("/execution/{}?statut={s}", v.id);
    let people = job::people(&v.plan.columns, &v.plan.rows);
    // The sheet's name beside the line only when the file has several.
    let several = v.plan.rows.iter().any(|r| v.plan.rows.first().is_some_and(|f| f.feuille != r.feuille));
    // An undo's verdict per row (its plan's last column).
    let verdict_at = v.plan.columns.iter().rposition(|c| c == "verdict");
    let shown: Vec<usize> =
        (0..report.rows.len()).filter(|i| v.only.is_none_or(|s| report.rows[*i].status == s)).collect();
    html! {
        h2 { (RunText::Results.say(lang)) }
        @if v.verified {
            p.hint role="status" data-testid="verified" { (VerifyText::Recorded.say(lang)) }
        }
        p {
            a href=(format!("/execution/{}/resultats/xlsx", v.id)) data-testid="download-xlsx" { (RunText::DownloadTheResultsXLSX.say(lang)) }
            " · "
            a href=(format!("/execution/{}/resultats/csv", v.id)) data-testid="download-csv" { (RunText::DownloadTheResultsCSV.say(lang)) }
        }
        nav.pages.filters aria-label=(RunText::FilterByStatus.say(lang)) {
            a href=(format!("/execution/{}", v.id)) data-active=(v.only.is_none()) aria-current=[v.only.is_none().then_some("true")] {
                (RunText::All.say(lang)) " (" (report.rows.len()) ")" }
            @for (word, n) in &counts {
                @let active = v.only.is_some_and(|s| s.word() == *word);
                @let said = Status::from_word(word).map_or("", |s| job::status_said(s, lang));
                a href=(link(word)) data-status=(word) data-active=(active) aria-current=[active.then_some("true")] {
                    (said) " · " (word) " (" (n) ")" }
            }
        }
        @if left_later(v, report) {
            p.hint data-testid="undo-left" { (UndoPageText::LeftLater.say(lang)) }
        }
        @let top = report.top_errors(5);
        @if !top.is_empty() {
            h3 { (RunText::MostFrequentErrors.say(lang)) }
            ol { @for (m, n) in &top { li { (n) " × " (m) } } }
        }
        @if shown.len() > SHOWN {
            p.hint { (RunText::TheFirst500RowsTheResults.say(lang)) }
        }
        table.rows.results data-testid="results" {
            thead { tr {
                th scope="col" { (RunText::Row.say(lang)) } th scope="col" { (RunText::DossierCode.say(lang)) }
                th scope="col" { (RunText::Name.say(lang)) } th scope="col" { "e-mail" }
                th scope="col" { (RunText::Status.say(lang)) } th scope="col" { "message" }
                th scope="col" { (RunText::Advice.say(lang)) }
                th scope="col" { (VerifyText::Column.say(lang)) }
                @if verdict_at.is_some() { th scope="col" { "verdict" } }
            } }
            tbody {
                @for i in shown.iter().take(SHOWN) {
                    @let (row, r, who) = (&v.plan.rows[*i], &report.rows[*i], &people[*i]);
                    tr data-testid="result" data-statut=(r.status.word()) data-ligne=(row.ligne) {
                        td { @if several { (&*row.feuille) " · " } (row.ligne) }
                        td data-col="code" { (history_link(&who[0], HistoryText::HistoryOfThisDossier, lang)) }
                        td data-col="nom" { (who[1]) }
                        td data-col="email" { (history_link(&who[2], HistoryText::HistoryOfThisEMail, lang)) }
                        @let word = verdict_at.and_then(|c| row.values.get(c)).map_or("", String::as_str);
                        @let verdict = job::UndoVerdict::from_word(word);
                        @let left = r.status == Status::Ignore && verdict.is_some_and(|v| v != job::UndoVerdict::RienADefaire);
                        td class=(format!("statut {}", tone(r.status))) data-col="statut" {
                            @if left { (UndoPageText::NotUndone.say(lang)) } @else { (job::status_said(r.status, lang)) }
                            small { (r.status.word()) } }
                        td data-col="message" { (r.message) }
                        td data-col="conseil" data-testid="advice" { (job::advice_for(r, lang)) }
                        td data-col="verifier" { @if r.status == Status::AVerifier { (verify_buttons(v.id, &row.feuille, row.ligne, lang)) } }
                        @if verdict_at.is_some() { td data-col="verdict" { (verdict.map_or("", |v| verdict_said(v, lang))) " " small { (word) } } }
                    }
                }
            }
        }
    }
}

/// An undo's rows that sent nothing though something is left to undo.
fn left_later(v: &RunView, report: &RunReport) -> bool {
    let Some(c) = v.plan.columns.iter().rposition(|c| c == "verdict") else { return false };
    v.plan.rows.iter().zip(&report.rows).any(|(row, r)| {
        r.status == Status::Ignore
            && row
                .values
                .get(c)
                .and_then(|w| job::UndoVerdict::from_word(w))
                .is_some_and(|v| !matches!(v, job::UndoVerdict::RienADefaire | job::UndoVerdict::Irreversible))
    })
}

/// An A_VERIFIER row's two buttons: what a person saw in Loop, recorded in
/// the registre (`loopbatch verify --done|--not-done`).
fn verify_buttons(id: &str, feuille: &str, ligne: u32, lang: Lang) -> Markup {
    html! {
        @for (done, label, testid) in [("1", VerifyText::Done, "verify-done"), ("0", VerifyText::NotDone, "verify-not-done")] {
            form.inline method="post" action=(format!("/execution/{id}/verification")) {
                input type="hidden" name="feuille" value=(feuille);
                input type="hidden" name="ligne" value=(ligne);
                input type="hidden" name="fait" value=(done);
                button type="submit" data-testid=(testid) { (label.say(lang)) }
            }
        }
    }
}

/// A dossier code or an e-mail of a result row, as a link to its history
/// (nothing when the cell is empty).
fn history_link(value: &str, title: HistoryText, lang: Lang) -> Markup {
    let testid = match title {
        HistoryText::HistoryOfThisEMail => "history-email",
        _ => "history-dossier",
    };
    html! {
        @if !value.trim().is_empty() {
            a href=(format!("/historique?q={}", urlencode(value))) title=(title.say(lang)) data-testid=(testid) { (value) }
        }
    }
}

/// The confirmation of a new key (`--new-key`), both masked ids shown.
pub(super) fn confirm_new_key(id: &str, was: &str, now: &str, lang: Lang) -> Markup {
    html! {
        section role="dialog" data-testid="new-key" data-was=(was) data-now=(now) {
            p { (RunText::ThisRunWasMadeWithThe.say(lang)) " " strong { (was) }
                " ; " (RunText::ThisPageSKeyIs.say(lang)) " " strong { (now) } "." }
            p { (RunText::IfItIsTheSameFirm.say(lang)) }
            form method="post" action=(format!("/execution/{id}/reprise?nouvelle_cle={}", urlencode(now))) {
                button type="submit" data-testid="resume-new-key" { (RunText::ResumeWithTheNewKey.say(lang)) }
            }
        }
    }
}

/// A masked key id in a query string (letters, digits, `*`, and whatever
/// else the id holds, percent-encoded).
pub(super) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
