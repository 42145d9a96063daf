//! Keys typed in the page: in memory for this session, or saved for the
//! user; said as they were kept; back to the screen that asked for them.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode};
use axum::response::{IntoResponse, Redirect};

use super::{App, Shared, html, pages};

/// Whether keys are configured, masked as the CLI shows them.
pub(super) fn said(app: &App) -> String {
    let lang = app.lang();
    if app.simulation {
        return lang.t("celles du simulateur intégré", "the embedded simulator's").to_string();
    }
    if let Some(k) = app.typed_keys() {
        return format!(
            "{} {}",
            if app.keys_saved.load(Ordering::Relaxed) {
                lang.t("enregistrées pour cet utilisateur, clé d'API", "saved for this user, API key")
            } else {
                lang.t("saisies pour cette session, clé d'API", "typed for this session, API key")
            },
            k.masked_id()
        );
    }
    match app.send_keys() {
        Ok(k) => format!("{} {}", lang.t("configurées, clé d'API", "configured, API key"), k.masked_id()),
        Err(_) => lang
            .t(
                "aucune : saisissez ci-dessous la clé d'abonnement et la clé d'API du cabinet (votre contact Cegid vous les donne).",
                "none: type the firm's subscription key and API key below (your Cegid contact gives them).",
            )
            .to_string(),
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
        let mut r = html(pages::message(
            lang,
            lang.t("Clés inchangées", "Keys unchanged"),
            lang.t(
                "En démonstration, les clés du simulateur intégré sont utilisées et ne peuvent pas être changées. Pour vos propres clés, relancez loopbatch ui sans --demo.",
                "In the demo, the embedded simulator's keys are used and cannot be changed. For your own keys, start loopbatch ui again without --demo.",
            ),
        ));
        *r.status_mut() = StatusCode::CONFLICT;
        return r;
    }
    let (sub, api) = (f.abonnement.trim(), f.api.trim());
    if sub.is_empty() || !crate::job::well_formed_api_key(api) {
        let mut r = html(pages::message(
            lang,
            lang.t("Clés refusées", "Keys refused"),
            lang.t(
                "Donnez la clé d'abonnement et la clé d'API de la forme IDCLE:SECRET (identifiant de clé, deux-points, secret).",
                "Give the subscription key and the API key as KEYID:SECRET (key id, colon, secret).",
            ),
        ));
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
        let mut r = html(pages::message(lang, lang.t("Clés non enregistrées", "Keys not saved"), &e.to_string()));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return r;
    }
    app.keys_saved.store(f.garder == "enregistrer", Ordering::Relaxed);
    *app.keys.lock().unwrap_or_else(|e| e.into_inner()) = Some(keys);
    // Back to the screen that asked for them (the plan, its sheet's fixes kept).
    let back = f.retour.as_deref().filter(|r| super::own_screen(r, None)).unwrap_or("/");
    Redirect::to(back).into_response()
}
