//! A person's check in Loop of an A_VERIFIER row, from the run's screen:
//! recorded in the registre as `loopbatch verify --done|--not-done` does.

use axum::body::Body;
use axum::extract::{Form, Path as UrlPath, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::runs::{not_found, stored};
use super::{Shared, failed};

#[derive(Deserialize)]
pub(super) struct Checked {
    feuille: String,
    ligne: u32,
    /// "1": done in Loop; "0": not done.
    fait: String,
}

/// Records the check, then back to the run's screen (which says so).
pub(super) async fn verify(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Form(f): Form<Checked>,
) -> Response<Body> {
    let lang = app.lang();
    // Only a run the folder lists: the id is never taken as a path.
    let Some(s) = stored(&app).into_iter().find(|s| s.id == id) else { return not_found(&app) };
    let done = f.fait == "1";
    let back = format!("/execution/{id}");
    match crate::job::verify(&s.files, Some(&f.feuille), f.ligne, done, lang) {
        Ok(_) => Redirect::to(&format!("{back}?verifie={}", f.ligne)).into_response(),
        Err(e) => failed(&app, &e, Some((crate::messages::PlanText::SeeThatRun.say(lang), &back))),
    }
}
