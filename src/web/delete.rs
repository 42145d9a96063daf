//! Deleting a kept run: its files, and its people in the registre.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::runs::{not_found, runs_get, stored};
use super::{Shared, failed, failure};
use crate::messages::AnswerText;

/// Deletes a kept run (its results and plan: clients' data), and forgets
/// its people in the registre.
pub(super) async fn delete(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let lang = app.lang();
    let going = runs_get(&app, &id).is_some_and(|r| r.lock().unwrap_or_else(|e| e.into_inner()).going());
    if going {
        return failure(&app, StatusCode::CONFLICT, AnswerText::RunGoingStopItFirst.say(lang));
    }
    // Only a run the folder lists: the id is never taken as a path.
    let Some(s) = stored(&app).into_iter().find(|s| s.id == id) else { return not_found(&app) };
    // Another process (a command line, another page) may be running it.
    if crate::job::is_running(&s.files) {
        return failure(&app, StatusCode::CONFLICT, AnswerText::RunGoingElsewhere.say(lang));
    }
    // Its people go from the registre with it (a keyed tombstone of each
    // call stays); a registre that cannot be written keeps the run whole.
    let emptied = match crate::job::forget_run(&s.files, &app.cfg) {
        Ok((_, emptied)) => emptied,
        Err(e) => return failed(&app, &e, Some((AnswerText::KeptRuns.say(lang), "/executions"))),
    };
    if let Some(folder) = s.files.results().parent() {
        let _ = std::fs::remove_dir_all(folder);
    }
    app.runs.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    if !emptied {
        let text = AnswerText::RunDeletedRegistreHeld.say(lang);
        return super::failure_then(&app, StatusCode::OK, text, Some((AnswerText::KeptRuns.say(lang), "/executions")));
    }
    Redirect::to("/executions").into_response()
}
