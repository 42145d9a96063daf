//! Deleting a kept run: its files, and its people in the registre.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::runs::{not_found, runs_get, stored};
use super::{Shared, failed, failure};

/// Deletes a kept run (its results and plan: clients' data), and forgets
/// its people in the registre.
pub(super) async fn delete(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let lang = app.lang();
    let going = runs_get(&app, &id).is_some_and(|r| r.lock().unwrap_or_else(|e| e.into_inner()).going());
    if going {
        return failure(
            &app,
            StatusCode::CONFLICT,
            lang.t("Cette exécution tourne : arrêtez-la d'abord.", "This run is going: stop it first."),
        );
    }
    // Only a run the folder lists: the id is never taken as a path.
    let Some(s) = stored(&app).into_iter().find(|s| s.id == id) else { return not_found(&app) };
    // Another process (a command line, another page) may be running it.
    if crate::job::is_running(&s.files) {
        return failure(
            &app,
            StatusCode::CONFLICT,
            lang.t(
                "Cette exécution tourne encore (ailleurs que dans cette page) : rien n'a été supprimé. Attendez sa fin, puis recommencez.",
                "This run is still going (elsewhere than in this page): nothing was deleted. Wait for its end, then try again.",
            ),
        );
    }
    // Its people go from the registre with it (a keyed tombstone of each
    // call stays); a registre that cannot be written keeps the run whole.
    let emptied = match crate::job::forget_run(&s.files, &app.cfg) {
        Ok((_, emptied)) => emptied,
        Err(e) => return failed(&app, &e, Some((lang.t("Exécutions gardées", "Kept runs"), "/executions"))),
    };
    if let Some(folder) = s.files.results().parent() {
        let _ = std::fs::remove_dir_all(folder);
    }
    app.runs.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    if !emptied {
        let text = lang.t(
            "Exécution supprimée. Un autre programme lit le registre en ce moment : une copie de ses données personnelles y reste jusqu'à ce qu'il le relâche. Fermez-le (une copie, une sauvegarde) : la prochaine suppression ou la prochaine fin d'exécution finira l'effacement.",
            "Run deleted. Another program is reading the registre right now: a copy of its personal data stays there until it lets go. Close it (a copy, a backup): the next deletion or the next end of a run finishes the erasure.",
        );
        return super::failure_then(
            &app,
            StatusCode::OK,
            text,
            Some((lang.t("Exécutions gardées", "Kept runs"), "/executions")),
        );
    }
    Redirect::to("/executions").into_response()
}
