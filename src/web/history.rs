//! « Historique »: what loopbatch did for a dossier or a person, call by
//! call, from the registre (the same library call as `loopbatch history`),
//! searched by code or e-mail, reached from the navigation and from each
//! row of a run's results; its XLSX export downloaded as the results are.
//! Without a search: the runs the registre holds, newest first.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::pages::layout;
use super::run_page::urlencode;
use super::{Shared, failed, html, internal};
use crate::job::{self, History, Lang, Operation, RunLine, Status};
use crate::messages::{HistoryMessage, HistoryText, Text};

/// The search: a dossier code or an e-mail, and a first day.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Asked {
    #[serde(default)]
    q: String,
    #[serde(default)]
    depuis: String,
}

/// What the screen shows under its form.
enum Found {
    /// No search: the runs (since that day).
    Runs(Vec<RunLine>, Option<String>),
    Calls(History),
    /// A date the screen cannot read (said beside the form).
    BadDate(String),
}

pub(super) async fn view(State(app): State<Shared>, Query(a): Query<Asked>) -> Response<Body> {
    let (lang, cfg) = (app.lang(), app.config());
    let (q, depuis) = (a.q.trim().to_string(), a.depuis.trim().to_string());
    let since = match (!depuis.is_empty()).then(|| job::parse_since(&depuis)).transpose() {
        Ok(s) => s,
        Err(f) => {
            let said = crate::messages::Text::text(&f, lang);
            return html(screen(&app, &q, &depuis, &Found::BadDate(said)));
        }
    };
    let who = q.clone();
    let found = tokio::task::spawn_blocking(move || match who.is_empty() {
        true => job::runs_history(&cfg, since.as_deref()).map(|r| Found::Runs(r, since)),
        false => job::history(&cfg, &who, since.as_deref()).map(Found::Calls),
    })
    .await;
    match found.map_err(internal).and_then(|r| r) {
        Ok(found) => html(screen(&app, &q, &depuis, &found)),
        Err(f) => failed(&app, &f, Some((HistoryText::History.say(lang), "/historique"))),
    }
}

/// The history searched, as an XLSX download (the export of the command
/// line, formula guard and all), under a name of its own.
pub(super) async fn download(State(app): State<Shared>, Query(a): Query<Asked>) -> Response<Body> {
    let (lang, cfg) = (app.lang(), app.config());
    let (q, depuis) = (a.q.trim().to_string(), a.depuis.trim().to_string());
    // Nothing sought: nothing to download (never an empty file); the screen.
    if q.is_empty() {
        return axum::response::IntoResponse::into_response(axum::response::Redirect::to("/historique"));
    }
    let made = tokio::task::spawn_blocking(move || {
        let since = (!depuis.is_empty()).then(|| job::parse_since(&depuis)).transpose()?;
        let h = job::history(&cfg, &q, since.as_deref())?;
        job::history_xlsx(&h, lang).map(|bytes| (h.sought, bytes))
    })
    .await;
    match made.map_err(internal).and_then(|r| r) {
        Ok((sought, bytes)) => {
            let name: String =
                sought.chars().map(|c| if c.is_alphanumeric() || "-_.@".contains(c) { c } else { '_' }).collect();
            let file = format!("{}-{name}.xlsx", HistoryText::History.say(lang).to_lowercase());
            super::sheets::download(bytes, super::sheets::XLSX, &file)
        }
        Err(f) => failed(&app, &f, Some((HistoryText::History.say(lang), "/historique"))),
    }
}

fn screen(app: &Shared, q: &str, depuis: &str, found: &Found) -> Markup {
    let lang = app.lang();
    layout(
        lang,
        HistoryText::History.say(lang),
        app.simulation,
        html! {
            h1 { (HistoryText::History.say(lang)) }
            p.hint { (HistoryText::WhatLoopbatchDidCallByCall.say(lang)) }
            form.history method="get" action="/historique" role="search" data-testid="history-search" {
                label for="q" { (HistoryText::DossierCodeOrEMail.say(lang)) }
                input #q type="text" name="q" value=(q) data-testid="history-q" autocomplete="off";
                label for="depuis" { (HistoryText::SinceOptional.say(lang)) }
                input #depuis type="text" name="depuis" value=(depuis) data-testid="history-since";
                button type="submit" data-testid="history-go" { (HistoryText::Search.say(lang)) }
            }
            @match found {
                Found::BadDate(said) => { p role="alert" data-testid="failure" { (app.shown(said)) } }
                Found::Runs(runs, since) => { (runs_table(app, runs, since.as_deref(), lang)) }
                Found::Calls(h) => { (calls(app, h, q, depuis, lang)) }
            }
        },
    )
}

/// Calls shown at most (the XLSX download holds them all).
const SHOWN: usize = 1000;

fn calls(app: &Shared, h: &History, q: &str, depuis: &str, lang: Lang) -> Markup {
    let n = h.lines.len();
    if n == 0 {
        let nothing =
            HistoryMessage::Nothing { sought: &h.sought, email: h.email, since: h.since.as_deref(), on_page: true };
        return html! {
            p role="status" data-testid="history-nothing" { (nothing.text(lang)) }
            @if h.maybe_forgotten { p.hint data-testid="history-maybe-forgotten" { (HistoryMessage::MaybeForgotten.text(lang)) } }
        };
    }
    let shown = &h.lines[n.saturating_sub(SHOWN)..];
    let all_simulator = !shown.is_empty() && shown.iter().all(|l| l.simulator);
    let mut places: Vec<&str> = shown.iter().map(|l| l.sent_to_address.as_str()).collect();
    places.sort_unstable();
    places.dedup();
    let export = format!("/historique/xlsx?q={}&depuis={}", urlencode(&h.sought), urlencode(depuis));
    html! {
        p role="status" data-testid="history-count" data-calls=(n) data-not-sent=(h.not_sent) {
            @if h.not_sent == 0 {
                (HistoryMessage::Calls { n, sought: &h.sought, email: h.email }.text(lang))
            } @else {
                (HistoryMessage::SomeNotSent { sent: n - h.not_sent, not_sent: h.not_sent, sought: &h.sought, email: h.email }.text(lang))
            }
        }
        @if !h.found_under.is_empty() {
            p.hint data-testid="history-found-under" {
                (HistoryMessage::FoundUnder { typed: q, codes: &h.found_under.join(", ") }.text(lang))
            }
        }
        p { a href=(export) data-testid="history-download" { (HistoryText::DownloadTheHistoryXLSX.say(lang)) } }
        @if n > SHOWN { p.hint data-testid="history-cut" { (HistoryMessage::FirstCalls { shown: SHOWN }.text(lang)) } }
        // Every call to the simulator: said once, above the table.
        @if all_simulator {
            p.simulation data-testid="history-all-simulator" {
                strong { (HistoryText::SimulatorMark.say(lang)) } ". "
                (HistoryMessage::AllToSimulator { address: &places.join(", ") }.text(lang))
            }
        }
        table.rows data-testid="history" {
            caption { (HistoryText::Calls.say(lang)) }
            thead { tr {
                th scope="col" { (HistoryText::Date.say(lang)) } th scope="col" { (HistoryText::Who.say(lang)) }
                th scope="col" { (HistoryText::Run.say(lang)) } th scope="col" { (HistoryText::SheetAndRow.say(lang)) }
                th scope="col" { (HistoryText::Dossier.say(lang)) } th scope="col" { (HistoryText::EMail.say(lang)) }
                th scope="col" { (HistoryText::Operation.say(lang)) } th scope="col" { (HistoryText::CallSentTo.say(lang)) }
                th scope="col" { (HistoryText::Status.say(lang)) }
                th scope="col" { (HistoryText::LoopSMessage.say(lang)) } th scope="col" { (HistoryText::RequestId.say(lang)) }
                th scope="col" { (HistoryText::Check.say(lang)) }
            } }
            // The newest calls, in the registre's order.
            tbody { @for l in h.lines.iter().skip(n.saturating_sub(SHOWN)) {
                @let status = Status::from_word(&l.status);
                tr data-testid="history-call" data-statut=(l.status) data-request-id=(l.request_id) data-forgotten=(l.forgotten)
                    data-simulator=(l.simulator) data-not-sent=(l.not_sent) {
                    td data-col="date" { (l.when_said()) }
                    td data-col="qui" { (l.os_user) " (" (l.machine) ")" }
                    td data-col="execution" { (run_cell(app, l.run, &l.results)) }
                    td data-col="ligne" { (l.sheet) " · " (l.place(lang)) }
                    td data-col="dossier" { (l.dossier) }
                    td data-col="email" { (l.email.as_deref().unwrap_or("—")) }
                    td data-col="operation" {
                        @if Operation::all().any(|o| o.name() == l.operation) {
                            (crate::messages::operation_name_label(&l.operation, lang)) br;
                        }
                        small { (l.operation) } @if let Some(o) = &l.offer { " · " (o) }
                    }
                    td data-col="envoye_a" {
                        @if all_simulator {
                            small data-testid="history-simulator" { (HistoryText::SimulatorShort.say(lang)) }
                        } @else if l.simulator {
                            strong.simulator data-testid="history-simulator" { (HistoryText::SimulatorMark.say(lang)) }
                            br; small { (l.sent_to_address) }
                        } @else { (l.sent_to) }
                    }
                    td class=(format!("statut {}", status.map_or("", super::run_page::tone))) data-col="statut" {
                        (status.map_or("", |s| job::status_said(s, lang))) small { (l.status) } }
                    td data-col="message" { @if l.forgotten { em { (l.message_said(lang, true)) } } @else { (l.message_said(lang, true)) } }
                    td data-col="request_id" { code { (l.request_id) } }
                    td data-col="verification" { (l.check_said(lang)) }
                }
            } }
        }
    }
}

/// A run of the registre: a link to its page when the page keeps it (its
/// results in the page's own folder of runs), else its results file's name
/// (never a path of the server).
fn run_cell(app: &Shared, run: i64, results: &str) -> Markup {
    let results = std::path::Path::new(results);
    let kept = results.parent().filter(|folder| {
        let runs = std::fs::canonicalize(app.folder.join("executions")).ok();
        folder.is_dir() && runs.is_some() && folder.parent().map(std::path::Path::to_path_buf) == runs
    });
    let id = kept.and_then(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned());
    let name = results.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    html! {
        @match id {
            Some(id) => { a href=(format!("/execution/{}", urlencode(&id))) data-testid="history-run-link" { "n° " (run) } }
            None => { "n° " (run) @if !name.is_empty() { br; small { (name) } } }
        }
    }
}

fn runs_table(app: &Shared, runs: &[RunLine], since: Option<&str>, lang: Lang) -> Markup {
    html! {
        h2 { (HistoryText::RunsRecorded.say(lang)) }
        @if runs.is_empty() {
            p role="status" data-testid="history-no-run" { (HistoryMessage::NoRun { since }.text(lang)) }
        } @else {
            table.rows data-testid="history-runs" {
                thead { tr {
                    th scope="col" { (HistoryText::Date.say(lang)) } th scope="col" { (HistoryText::Who.say(lang)) }
                    th scope="col" { (HistoryText::Run.say(lang)) } th scope="col" { (HistoryText::SheetRun.say(lang)) }
                    th scope="col" { (HistoryText::SentTo.say(lang)) } th scope="col" { (HistoryText::Rows.say(lang)) }
                } }
                tbody { @for r in runs {
                    tr data-testid="history-run" data-run=(r.id) {
                        td { (job::when(&r.started)) } td { (r.os_user) " (" (r.machine) ")" }
                        td { (run_cell(app, r.id, &r.results)) } td { (r.sheet) }
                        td { (r.tenant.as_deref().unwrap_or("—")) } td data-col="counts" { (r.counts_in_words(lang)) }
                    }
                } }
            }
        }
    }
}
