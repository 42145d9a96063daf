//! What the page offers besides a sheet of the user's: the templates to
//! download, the LoopHub portfolio exported with its filters (as
//! `loopbatch dossiers`), and a sheet checked online against it (as
//! `check --online`). The library's functions, the configuration's (or the
//! session's) keys.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Form, Path as UrlPath, State};
use axum::http::Response;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::sheets::{XLSX, download, loaded, not_found};
use super::{Shared, failed, internal};
use crate::job::{self, Filter};
use crate::messages::AnswerText;

fn blank_is_none(s: String) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// One template by its name; any other name is not found (never a path).
pub(super) async fn template(State(app): State<Shared>, UrlPath(name): UrlPath<String>) -> Response<Body> {
    let lang = app.lang();
    match job::template_file(&name, lang) {
        Some(bytes) if name.ends_with(".xlsx") => download(bytes, XLSX, &name),
        Some(bytes) => download(bytes, "text/csv; charset=utf-8", &name),
        None => not_found(&app),
    }
}

#[derive(Deserialize)]
pub(super) struct PortfolioForm {
    #[serde(default)]
    recherche: String,
    #[serde(default)]
    maitre: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    domaine: String,
}

/// The portfolio, filtered as LoopHub filters, as a sheet ready to fill in
/// for a monthly offer change.
pub(super) async fn portfolio(State(app): State<Shared>, Form(f): Form<PortfolioForm>) -> Response<Body> {
    let cfg = app.config();
    let lang = cfg.lang;
    let filter = match Filter::new(blank_is_none(f.recherche), blank_is_none(f.maitre), blank_is_none(f.manager)) {
        Ok(filter) => filter,
        Err(f) => return failed(&app, &f, None),
    };
    let keys = match app.send_keys() {
        Ok(k) => k,
        Err(f) => return failed(&app, &f, None),
    };
    let folder = app.folder.join("portefeuilles");
    if let Err(e) = super::owner_only_folder(&folder) {
        return super::page_file_failed(&app, &folder, &e);
    }
    let out = folder.join(format!("{}.xlsx", super::guard::secret()));
    let domain = blank_is_none(f.domaine);
    let exported = job::export_portfolio(&cfg, domain.as_deref(), keys, &filter, Some(&out)).await;
    let bytes = exported.and_then(|_| std::fs::read(&out).map_err(|e| super::page_file(&out, &e)));
    // Clients' data: the copy served is not kept.
    let _ = std::fs::remove_file(&out);
    match bytes {
        Ok(bytes) => download(bytes, XLSX, AnswerText::PortfolioFileName.say(lang)),
        Err(f) => failed(&app, &f, None),
    }
}

#[derive(Deserialize)]
pub(super) struct OnlineForm {
    #[serde(default)]
    domaine: String,
    #[serde(default)]
    email: String,
}

/// The sheet checked again against the LoopHub portfolio, its fixes kept.
pub(super) async fn check_online(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Form(f): Form<OnlineForm>,
) -> Response<Body> {
    let Some(l) = loaded(&app, &id) else { return not_found(&app) };
    let cfg = app.config();
    let keys = match app.send_keys() {
        Ok(k) => k,
        Err(f) => return failed(&app, &f, None),
    };
    let domain = blank_is_none(f.domaine);
    let portfolio = match job::fetch_portfolio(&cfg, domain.as_deref(), keys).await {
        Ok(p) => Arc::new(p),
        Err(f) => return failed(&app, &f, None),
    };
    let as_email = blank_is_none(f.email);
    let checked = tokio::task::spawn_blocking(move || {
        let mut l = l.lock().unwrap_or_else(|e| e.into_inner());
        l.sheet.check_online(portfolio, as_email);
        l.version += 1;
    })
    .await;
    match checked {
        Ok(()) => {
            // Rows may have changed: the plan shown before is void.
            app.confirmations.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            Redirect::to(&format!("/feuille/{id}")).into_response()
        }
        Err(e) => failed(&app, &internal(e), None),
    }
}
