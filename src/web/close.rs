//! « Clore sans reprendre »: a stopped or unfinished run closed without a
//! resume, as `loopbatch registre close` does: its unsent calls are never
//! sent by it, those sent without an answer become A_VERIFIER.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::progress::RunState;
use super::runs::{not_found, runs_get, stored};
use super::{Shared, failed, failure};
use crate::messages::AnswerText;

/// Closes the run (confirmed in its dialog), then shows it closed.
pub(super) async fn close(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let lang = app.lang();
    let run = runs_get(&app, &id);
    if run.as_ref().is_some_and(|r| r.lock().unwrap_or_else(|e| e.into_inner()).progress.state.going()) {
        return failure(&app, StatusCode::CONFLICT, AnswerText::RunGoingStopItFirst.say(lang));
    }
    // Only a run the folder lists: the id is never taken as a path.
    let Some(s) = stored(&app).into_iter().find(|s| s.id == id) else { return not_found(&app) };
    if crate::job::is_running(&s.files) {
        return failure(&app, StatusCode::CONFLICT, AnswerText::RunGoingElsewhere.say(lang));
    }
    let files = s.files.clone();
    let closed = tokio::task::spawn_blocking(move || crate::job::close_results(&files, lang)).await;
    let said = match closed {
        Ok(Ok(said)) => said,
        Ok(Err(e)) => return failed(&app, &e, Some((AnswerText::KeptRuns.say(lang), "/executions"))),
        Err(_) => return not_found(&app),
    };
    if let Some(run) = run {
        let mut r = run.lock().unwrap_or_else(|e| e.into_inner());
        r.progress.state = RunState::Done;
        r.progress.reason = app.shown(&said);
    }
    Redirect::to(&format!("/execution/{id}")).into_response()
}
