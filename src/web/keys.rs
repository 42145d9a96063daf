//! Keys typed in the page: in memory for this session, or saved for the
//! user; said as they were kept; back to the screen that asked for them.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode};
use axum::response::{IntoResponse, Redirect};

use super::{App, Shared, html, pages};
use crate::messages::{AnswerText, KeysKept, Notice, Text};

/// Whether keys are configured, masked as the CLI shows them.
pub(super) fn said(app: &App) -> String {
    let lang = app.lang();
    if app.simulation {
        return AnswerText::SimulatorKeys.say(lang).to_string();
    }
    if let Some(k) = app.typed_keys() {
        let kept = if app.keys_saved.load(Ordering::Relaxed) { KeysKept::Saved } else { KeysKept::Typed };
        return Notice::KeysSaid { kept, key: &k.masked_id() }.text(lang);
    }
    match app.send_keys() {
        Ok(k) => Notice::KeysSaid { kept: KeysKept::Configured, key: &k.masked_id() }.text(lang),
        Err(_) => AnswerText::NoKeys.say(lang).to_string(),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct KeysForm {
    abonnement: String,
    api: String,
    /// "session": in memory only; "enregistrer": also in the per-user folder.
    garder: String,
    /// The page's own screen to go back to.
    #[serde(default)]
    retour: Option<String>,
}

/// Keys typed in the page: kept in memory for this session, or saved in
/// the per-user folder (owner only) for every command. Never sent back.
pub(super) async fn set_keys(
    State(app): State<Shared>,
    axum::extract::Form(f): axum::extract::Form<KeysForm>,
) -> Response<Body> {
    let lang = app.lang();
    if app.simulation {
        // The demo talks to its simulator with the simulator's keys only.
        let mut r =
            html(pages::message(lang, AnswerText::KeysUnchanged.say(lang), AnswerText::DemoKeysCannotChange.say(lang)));
        *r.status_mut() = StatusCode::CONFLICT;
        return r;
    }
    let (sub, api) = (f.abonnement.trim(), f.api.trim());
    if sub.is_empty() || !crate::job::well_formed_api_key(api) {
        let mut r = html(pages::message(lang, AnswerText::KeysRefused.say(lang), AnswerText::GiveBothKeys.say(lang)));
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    }
    let keys = crate::job::Keys {
        subscription: crate::job::Secret::new(sub),
        api: crate::job::Secret::new(api),
        warnings: Vec::new(),
    };
    if f.garder == "enregistrer"
        && let Err(e) = crate::job::save_user_keys(&keys)
    {
        let mut r = html(pages::message(
            lang,
            AnswerText::KeysNotSaved.say(lang),
            &crate::job::SystemCause::from(&e).text(lang),
        ));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return r;
    }
    app.keys_saved.store(f.garder == "enregistrer", Ordering::Relaxed);
    *app.keys.lock().unwrap_or_else(|e| e.into_inner()) = Some(keys);
    // Back to the screen that asked for them (the plan, its sheet's fixes kept).
    let back = f.retour.as_deref().filter(|r| super::screens::own_screen(r, None)).unwrap_or("/");
    Redirect::to(back).into_response()
}
