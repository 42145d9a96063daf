//! « Annuler cette exécution » (issue 24), from a finished run's screen:
//! the verdicts per row, a tick for each PARTIEL row, a confirmation saying
//! how many inverse calls go where, then a run like any other (progress,
//! Stop, Resume, results) through the same library call as `loopbatch undo`.

use std::collections::{HashMap, HashSet};

use axum::body::Body;
use axum::extract::{Form, Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::pages::layout;
use super::runs::{Again, busy, launch, not_found, runs_get, stored};
use super::{Shared, failed, failure, html};
use crate::job::{self, RunFiles, UndoPreview, UndoTicks, UndoVerdict, UndoneRef};
use crate::messages::{RunText, UndoPageText as T, undo_calls, verdict_said};

/// The undone run's files: only a run this server knows or the folder
/// lists (the id is never taken as a path).
fn files_of(app: &Shared, id: &str) -> Option<(RunFiles, String)> {
    if let Some(run) = runs_get(app, id) {
        let r = run.lock().unwrap_or_else(|e| e.into_inner());
        if r.going() {
            return None;
        }
        return Some((r.files.clone(), r.name.clone()));
    }
    stored(app).into_iter().find(|s| s.id == id).map(|s| (s.files, s.sheet))
}

/// The ticks a form sent: `coche-N` for the run's row N (its index).
fn ticks_of(preview: &UndoPreview, form: &HashMap<String, String>) -> UndoTicks {
    let rows: HashSet<_> = (0..preview.plan.rows.len())
        .filter(|i| form.contains_key(&format!("coche-{i}")))
        .map(|i| preview.plan.rows[i].row_ref())
        .collect();
    UndoTicks::Page(rows)
}

fn preview(app: &Shared, files: &RunFiles, ticks: &UndoTicks) -> job::Result<UndoPreview> {
    let undone = UndoneRef::Results(files.results().to_path_buf());
    job::undo_preview(&app.config(), &undone, app.cfg.registre.as_deref(), ticks)
}

/// The verdicts, with a tick per PARTIEL row (unticked) and ANNULABLE row
/// (ticked).
pub(super) async fn verdicts(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let Some((files, _)) = files_of(&app, &id) else { return not_found(&app) };
    let back = format!("/execution/{id}");
    match preview(&app, &files, &UndoTicks::Rows(HashSet::new())) {
        Ok(p) => html(screen(&app, &id, &p, None)),
        Err(e) => failed(&app, &e, Some((crate::messages::PlanText::SeeThatRun.say(app.lang()), &back))),
    }
}

/// The confirmation: the verdicts as ticked, the calls they send.
pub(super) async fn confirmation(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response<Body> {
    let Some((files, _)) = files_of(&app, &id) else { return not_found(&app) };
    let back = format!("/execution/{id}");
    let first = match preview(&app, &files, &UndoTicks::Rows(HashSet::new())) {
        Ok(p) => p,
        Err(e) => return failed(&app, &e, Some((crate::messages::PlanText::SeeThatRun.say(app.lang()), &back))),
    };
    let ticks = ticks_of(&first, &form);
    match preview(&app, &files, &ticks) {
        Ok(p) => html(screen(&app, &id, &p, Some(&form))),
        Err(e) => failed(&app, &e, Some((crate::messages::PlanText::SeeThatRun.say(app.lang()), &back))),
    }
}

/// The go-ahead: the verdicts computed again (the registre as it is now),
/// the inverse plan run as a run of its own.
pub(super) async fn start(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response<Body> {
    let _starting = app.starting.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(busy) = busy(&app) {
        return busy;
    }
    let Some((files, name)) = files_of(&app, &id) else { return not_found(&app) };
    let back = format!("/execution/{id}");
    let see = crate::messages::PlanText::SeeThatRun.say(app.lang());
    let first = match preview(&app, &files, &UndoTicks::Rows(HashSet::new())) {
        Ok(p) => p,
        Err(e) => return failed(&app, &e, Some((see, &back))),
    };
    let p = match preview(&app, &files, &ticks_of(&first, &form)) {
        Ok(p) => p,
        Err(e) => return failed(&app, &e, Some((see, &back))),
    };
    if p.plan.calls.is_empty() {
        return failure(&app, StatusCode::CONFLICT, T::NothingToSend.say(app.lang()));
    }
    let host = job::host_of(&app.cfg.base_url).map(|(_, h)| h).unwrap_or_default();
    let tenant = p.tenant();
    launch(&app, format!("annulation-{name}"), host, Box::new(p.plan), Again::Undo(tenant))
}

/// The verdicts' screen; with `ticked` (the form sent), the confirmation.
fn screen(app: &Shared, id: &str, p: &UndoPreview, ticked: Option<&HashMap<String, String>>) -> Markup {
    let lang = app.lang();
    let people = job::people(&p.plan.columns, &p.plan.rows);
    let host = job::host_of(&app.cfg.base_url).map(|(_, h)| h).unwrap_or_default();
    let going = p.verdicts.iter().filter(|v| v.goes).count();
    let (action, button) = match ticked {
        None => (format!("/execution/{id}/annulation/confirmation"), T::Continue),
        Some(_) => (format!("/execution/{id}/annulation/lancer"), T::Confirm),
    };
    let title = if ticked.is_some() { T::ConfirmTitle } else { T::Title };
    layout(
        lang,
        title.say(lang),
        app.simulation,
        html! {
            h1 data-testid="undo-title" {
                @if ticked.is_some() { (title.say(lang)) " · " } (p.plan.source.file)
            }
            p { (T::Intro.say(lang)) }
            p data-testid="undo-counts" {
                (T::RowsPerVerdict.say(lang))
                @for (word, n) in p.counts() { " " span data-verdict=(word) data-count=(n) { (word) " " (n) } }
            }
            @if ticked.is_some() {
                p role="status" data-testid="undo-calls" data-calls=(p.plan.calls.len()) {
                    @if p.plan.calls.is_empty() { (T::NothingToSend.say(lang)) }
                    @else { (undo_calls(p.plan.calls.len(), going, &host, lang)) }
                }
            }
            form method="post" action=(action) {
                @if ticked.is_none() { p.hint { (T::TickHint.say(lang)) } }
                table.rows data-testid="undo-rows" {
                    thead { tr {
                        th scope="col" { (T::Tick.say(lang)) }
                        th scope="col" { (RunText::Row.say(lang)) } th scope="col" { (RunText::DossierCode.say(lang)) }
                        th scope="col" { "e-mail" }
                        th scope="col" { (T::Verdict.say(lang)) } th scope="col" { (T::Why.say(lang)) }
                    } }
                    tbody {
                        @for (i, v) in p.verdicts.iter().enumerate() {
                            @let key = format!("coche-{i}");
                            @let on = ticked.is_some_and(|f| f.contains_key(&key));
                            tr data-testid="undo-row" data-verdict=(v.verdict.word()) data-ligne=(v.ligne) {
                                td {
                                    @if matches!(v.verdict, UndoVerdict::Partiel | UndoVerdict::Annulable) {
                                        @if ticked.is_some() {
                                            @if on { input type="hidden" name=(key) value="1"; "✓" }
                                        } @else {
                                            input type="checkbox" name=(key) value="1" data-testid="undo-tick"
                                                checked[v.verdict == UndoVerdict::Annulable]
                                                aria-label=(format!("{} {}", T::Tick.say(lang), v.ligne));
                                        }
                                    } @else if v.goes { "✓" }
                                }
                                td { (v.ligne) } td { (people[i][0]) } td { (people[i][2]) }
                                td data-col="verdict" { (verdict_said(v.verdict, lang)) " " small { (v.verdict.word()) } }
                                td data-col="raison" { (v.reason) }
                            }
                        }
                    }
                }
                @if ticked.is_none() || !p.plan.calls.is_empty() {
                    button type="submit" data-testid=(if ticked.is_some() { "undo-confirm" } else { "undo-continue" }) {
                        (button.say(lang)) }
                }
                @if ticked.is_some() {
                    " " a href=(format!("/execution/{id}/annulation")) { (T::Back.say(lang)) }
                }
            }
        },
    )
}
