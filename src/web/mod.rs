//! `loopbatch ui`: the page, served by this binary on 127.0.0.1 only, for
//! the cabinet's staff. It calls the same library (`job`) as the command
//! line: no rule, message or call order is written twice here.
//!
//! Here: the opening (see `guard`), the language switch, "Quitter", and
//! the routes; `keys` (keys typed in the page), `sheets` (upload, check,
//! fixes, fixed sheet), `loophub` (templates, portfolio, online check),
//! `runs` (plan, run, progress, results, kept runs), `history` (the
//! « Historique » of a dossier or an e-mail); the HTML in `pages`,
//! `grid`, `plan_page`, `run_page` and `progress`.

mod close;
mod delete;
mod grid;
mod guard;
mod handover;
mod history;
mod keys;
mod loophub;
mod options;
mod pages;
mod plan_page;
mod progress;
mod run_page;
mod runs;
mod screens;
mod server;
mod sheets;
mod undo;
mod verify;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use tokio::sync::Notify;

use crate::job::Config;
use crate::job::Lang;
use crate::job::Refusal;
use crate::job::{Failure, Result};
use crate::job::{owner_only_file, owner_only_folder};
use crate::messages::{AnswerText, Message, Notice, Text};

pub(crate) use guard::OPENING_TTL;

/// Uploads larger than this are refused with a message (and never read).
pub(crate) const UPLOAD_LIMIT_MB: u64 = 100;
/// The server ends after this long without a request (and no run going).
pub(crate) const IDLE_LIMIT: Duration = Duration::from_secs(30 * 60);

const PAGE_JS: &str = include_str!("assets/page.js");
const PAGE_CSS: &str = include_str!("assets/page.css");

/// How `loopbatch ui` was asked to serve.
#[derive(Debug, Clone, Default)]
pub(crate) struct UiOptions {
    /// 0: a free port.
    pub port: u16,
    pub open_browser: bool,
    /// The embedded simulator with the sample data, said on every screen.
    pub demo: bool,
    /// Keys to send instead of the configuration's (the simulator's).
    pub keys: Option<crate::job::Keys>,
}

struct App {
    cfg: Config,
    /// The page's language: `--lang` at first, then the page's switch.
    english: std::sync::atomic::AtomicBool,
    guard: guard::Guard,
    simulation: bool,
    /// Where uploads, opening file and runs live: per user, owner only.
    folder: PathBuf,
    sheets: Mutex<HashMap<String, Arc<Mutex<sheets::Loaded>>>>,
    /// The plan last shown of each sheet, by sheet id, with the one-time
    /// confirmations of the tabs showing it: one plan per sheet (a changed
    /// plan replaces it), all void once a run starts.
    confirmations: Mutex<HashMap<String, runs::Pending>>,
    /// Held while a run is being started (start, resume, failures again):
    /// the check that none goes and the start are one step.
    starting: Mutex<()>,
    runs: runs::Runs,
    /// The run started last: one run at a time per server.
    current_run: Mutex<Option<String>>,
    /// Keys given to the page rather than the configuration's: the demo's,
    /// or typed for this session (memory only, never sent back).
    keys: Mutex<Option<crate::job::Keys>>,
    /// The keys typed in the page were also saved for this user.
    keys_saved: std::sync::atomic::AtomicBool,
    last_request: Mutex<Instant>,
    quit: Notify,
    /// Proves a later `loopbatch ui` of the same user (it reads it in the
    /// owner-only serving file) when it asks for a fresh opening.
    handover_key: String,
    /// The challenges this server answered, waiting for a proof.
    nonces: handover::Nonces,
}

impl App {
    fn lang(&self) -> Lang {
        match self.english.load(std::sync::atomic::Ordering::Relaxed) {
            true => Lang::En,
            false => Lang::Fr,
        }
    }

    /// A message as the page shows it: paths of this computer's folders
    /// (the per-user one, the home folder) cut to their file name.
    fn shown(&self, text: &str) -> String {
        let folders = [Some(self.folder.clone()), dirs::home_dir()];
        let folders: Vec<String> = folders.into_iter().flatten().map(|f| f.display().to_string()).collect();
        file_names_only(text, &folders)
    }

    /// The configuration, in the page's language (messages of checks and
    /// runs started from the page).
    fn config(&self) -> Config {
        Config { lang: self.lang(), ..self.cfg.clone() }
    }

    /// The keys typed in this session (or the demo's), if any.
    fn typed_keys(&self) -> Option<crate::job::Keys> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The keys a call from the page sends: the session's (or the demo's),
    /// else the configuration's, for its address.
    fn send_keys(&self) -> crate::job::Result<crate::job::Keys> {
        crate::job::keys(&self.config(), self.typed_keys())
    }
}

type Shared = Arc<App>;

/// `text` with every path that starts with one of `folders` replaced by
/// its last part (a path runs to " : ", " (", a newline or the end).
fn file_names_only(text: &str, folders: &[String]) -> String {
    let mut out = text.to_string();
    for folder in folders.iter().filter(|f| f.len() > 1) {
        while let Some(at) = out.find(folder.as_str()) {
            let rest = &out[at..];
            let end = [" : ", " (", "\n", " »"].iter().filter_map(|s| rest.find(s)).min().unwrap_or(rest.len());
            let name = std::path::Path::new(&rest[..end])
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.replace_range(at..at + end, &name);
        }
    }
    out
}

/// The per-user folder of the page's files, created owner-only: the local
/// data folder, beside the registre (never the roaming one, which IT often
/// redirects to a file server).
pub(crate) fn user_folder() -> Result<PathBuf> {
    // Never a shared folder (the temporary one): another user could own it.
    let base = dirs::data_local_dir().ok_or(Failure::refused(Refusal::NoPageFolder))?;
    let folder = base.join("loopbatch");
    owner_only_folder(&folder).map_err(|e| page_file(&folder, &e))?;
    crate::job::tighten(&folder);
    // Earlier versions kept them in the roaming folder (Windows).
    if let Some(old) = dirs::data_dir().map(|d| d.join("loopbatch")).filter(|old| *old != folder) {
        move_page_files(&old, &folder);
    }
    Ok(folder)
}

/// Moves the page's kept runs and sheets from an earlier folder into
/// `folder`, each entry that `folder` does not hold yet; what cannot be
/// moved (another volume, in use) stays where it was, untouched.
fn move_page_files(old: &std::path::Path, folder: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(old) else { return };
    for entry in entries.flatten() {
        let to = folder.join(entry.file_name());
        if !to.exists() {
            let _ = std::fs::rename(entry.path(), &to);
        }
    }
    // Gone once empty; left (with what stayed) otherwise.
    let _ = std::fs::remove_dir(old);
}

/// A file or folder of the page's own that cannot be made, written or read.
fn page_file(file: &std::path::Path, e: &std::io::Error) -> Failure {
    Failure::refused(Refusal::PageFile { file: file.to_path_buf(), error: e.into() })
}

/// The same said on the page, as the server's fault (never the system's English).
fn page_file_failed(app: &App, file: &std::path::Path, e: &std::io::Error) -> Response<Body> {
    failure(app, StatusCode::INTERNAL_SERVER_ERROR, &page_file(file, e).text(app.lang()))
}

/// Serves the page until "Quitter", Ctrl-C, or `IDLE_LIMIT` without a
/// request. `announce` gets the opening address once the server listens.
pub(crate) async fn serve(cfg: &Config, opts: UiOptions, announce: impl FnOnce(&str)) -> Result<()> {
    let lang = cfg.lang;
    let folder = user_folder()?;
    // A server of this user already serves: it hands a fresh opening.
    if !opts.demo
        && let Some(address) = handover(&folder).await
    {
        return open_at(&folder, &address, &opts, announce);
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
        .await
        .map_err(|e| crate::job::bind_failure(opts.port, &e))?;
    let port = listener.local_addr().map_err(|e| crate::job::bind_failure(opts.port, &e))?.port();
    sheets::remove_unreachable(&folder);
    let app = Arc::new(App {
        cfg: cfg.clone(),
        english: std::sync::atomic::AtomicBool::new(lang == Lang::En),
        guard: guard::Guard::new(port, opening_ttl()),
        simulation: opts.demo,
        folder: folder.clone(),
        sheets: Mutex::new(HashMap::new()),
        confirmations: Mutex::new(HashMap::new()),
        starting: Mutex::new(()),
        runs: Mutex::new(HashMap::new()),
        current_run: Mutex::new(None),
        keys: Mutex::new(opts.keys.clone()),
        keys_saved: std::sync::atomic::AtomicBool::new(false),
        last_request: Mutex::new(Instant::now()),
        quit: Notify::new(),
        handover_key: guard::secret(),
        nonces: handover::Nonces::default(),
    });
    // Where a later `loopbatch ui` finds this server (owner-only file).
    let serving = folder.join(SERVING);
    if !opts.demo {
        let line = format!("{port} {}", app.handover_key);
        owner_only_file(&serving, line.as_bytes()).map_err(|e| page_file(&serving, &e))?;
    }
    let address = format!("http://127.0.0.1:{port}/ouvrir/{}", app.guard.new_opening());
    open_at(&folder, &address, &opts, announce)?;
    let router = router(app.clone());
    let app_at_end = app.clone();
    let idle = idle_watch(app.clone());
    let stop = async move {
        tokio::select! {
            _ = app.quit.notified() => {}
            _ = tokio::signal::ctrl_c() => {}
            _ = idle => {}
        }
        // As Stop for a run going: calls in flight finish, results written.
        finish_runs(&app).await;
    };
    server::serve(listener, router, stop).await;
    // The sheets die with the server: their uploads too.
    sheets::sweep(&app_at_end, true);
    if !opts.demo {
        let _ = std::fs::remove_file(&serving);
    }
    let _ = std::fs::remove_file(folder.join(OPENING));
    Ok(())
}

/// `LOOPBATCH_OUVERTURE_SECONDES` shortens how long an opening works (for
/// the cautious, and for tests); it cannot lengthen it.
fn opening_ttl() -> Duration {
    let asked = std::env::var("LOOPBATCH_OUVERTURE_SECONDES").ok().and_then(|s| s.trim().parse::<u64>().ok());
    asked.map_or(OPENING_TTL, |s| Duration::from_secs(s).min(OPENING_TTL))
}

/// The file that tells a later `loopbatch ui` where this server listens.
const SERVING: &str = "serveur-loopbatch.txt";
/// The local file the browser is opened on: it hands the token over, so
/// that the token never stands on a command line other users can read.
const OPENING: &str = "ouvrir-loopbatch.html";

/// Says the opening address, writes the opening file, opens the browser.
fn open_at(folder: &std::path::Path, address: &str, opts: &UiOptions, announce: impl FnOnce(&str)) -> Result<()> {
    let opening = folder.join(OPENING);
    // Escaped by the template engine, whatever the address holds.
    let page = maud::html! {
        (maud::DOCTYPE)
        meta charset="utf-8";
        meta http-equiv="refresh" content={ "0;url=" (address) };
        title { "loopbatch" }
        a href=(address) { "loopbatch" }
    };
    owner_only_file(&opening, page.into_string().as_bytes()).map_err(|e| page_file(&opening, &e))?;
    announce(address);
    if opts.open_browser {
        let _ = open::that_detached(&opening);
    }
    Ok(())
}

/// Asks the server of this user that already serves, if any, for a fresh
/// opening address, once it proved it holds the key of the serving file.
/// A serving file that leads to no such server is stale: removed.
async fn handover(folder: &std::path::Path) -> Option<String> {
    let serving = folder.join(SERVING);
    let text = std::fs::read_to_string(&serving).ok()?;
    let found = match text.trim().split_once(' ') {
        Some((port, key)) => match port.parse::<u16>() {
            Ok(port) => handover::ask(port, key).await,
            Err(_) => None,
        },
        None => None,
    };
    if found.is_none() {
        let _ = std::fs::remove_file(&serving);
    }
    found
}

/// Stops every run going and waits (a minute at most) for its results.
async fn finish_runs(app: &App) {
    let runs: Vec<_> = app.runs.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
    for r in &runs {
        r.lock().unwrap_or_else(|e| e.into_inner()).stopper.interrupt();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline
        && runs.iter().any(|r| {
            let r = r.lock().unwrap_or_else(|e| e.into_inner());
            r.going()
        })
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `LOOPBATCH_INACTIVITE_SECONDES` shortens how long the server waits
/// without a request before it ends (for tests); it cannot lengthen it.
fn idle_limit() -> Duration {
    let asked = std::env::var("LOOPBATCH_INACTIVITE_SECONDES").ok().and_then(|s| s.trim().parse::<u64>().ok());
    asked.map_or(IDLE_LIMIT, |s| Duration::from_secs(s).min(IDLE_LIMIT))
}

async fn idle_watch(app: Shared) {
    let limit = idle_limit();
    loop {
        tokio::time::sleep((limit / 4).clamp(Duration::from_millis(200), Duration::from_secs(30))).await;
        sheets::sweep(&app, false);
        let idle = app.last_request.lock().unwrap_or_else(|e| e.into_inner()).elapsed() >= limit;
        let running = app.runs.lock().unwrap_or_else(|e| e.into_inner()).values().any(|r| {
            let r = r.lock().unwrap_or_else(|e| e.into_inner());
            r.going()
        });
        if idle && !running {
            return;
        }
    }
}

fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/quitter", post(quit))
        .route("/cles", post(keys::set_keys))
        .route("/langue", post(set_lang))
        .route("/feuille", post(sheets::upload))
        .route("/feuille/{id}", get(sheets::view))
        .route("/feuille/{id}/cellule", post(sheets::edit))
        .route("/feuille/{id}/corrige", get(sheets::fixed))
        .route("/feuille/{id}/plan", get(runs::plan))
        .route("/feuille/{id}/plan.xlsx", get(sheets::plan_workbook))
        .route("/feuille/{id}/en-ligne", post(loophub::check_online))
        .route("/feuille/{id}/suppression", post(sheets::delete))
        .route("/modeles/{name}", get(loophub::template))
        .route("/portefeuille", post(loophub::portfolio))
        .route("/execution", post(runs::start))
        .route("/execution/{id}", get(runs::view))
        .route("/execution/{id}/evenements", get(runs::events))
        .route("/execution/{id}/arret", post(runs::stop))
        .route("/execution/{id}/reprise", post(runs::resume))
        .route("/execution/{id}/echecs", post(runs::rerun_failed))
        .route("/execution/{id}/verification", post(verify::verify))
        .route("/execution/{id}/annulation", get(undo::verdicts))
        .route("/execution/{id}/annulation/confirmation", post(undo::confirmation))
        .route("/execution/{id}/annulation/lancer", post(undo::start))
        .route("/execution/{id}/suppression", post(delete::delete))
        .route("/execution/{id}/cloture", post(close::close))
        .route("/executions", get(runs::list))
        .route("/historique", get(history::view))
        .route("/historique/xlsx", get(history::download))
        .route("/execution/{id}/resultats/{kind}", get(runs::download))
        .route("/static/page.js", get(|| async { asset(PAGE_JS, "text/javascript; charset=utf-8") }))
        .route("/static/page.css", get(|| async { asset(PAGE_CSS, "text/css; charset=utf-8") }))
        .route("/ouvrir/{token}", get(open_page))
        .route("/__ouverture", post(fresh_opening))
        .layer(axum::extract::DefaultBodyLimit::max(((UPLOAD_LIMIT_MB + 1) << 20) as usize))
        .layer(middleware::from_fn_with_state(app.clone(), check))
        .layer(middleware::from_fn(server::body_deadline))
        .with_state(app)
}

/// The guard before every route: Host always, Origin on POST, the session
/// everywhere but the opening and the page's own assets.
async fn check(State(app): State<Shared>, req: Request, next: Next) -> Response<Body> {
    let path = req.uri().path();
    let needs_session = !(path.starts_with("/ouvrir/") || path.starts_with("/static/") || path == "/__ouverture");
    // Only the browser's requests keep the server alive: with its session,
    // or its opening; answered, not refused.
    let alive = needs_session || path.starts_with("/ouvrir/");
    let mut response = match app.guard.check(&req, needs_session) {
        Ok(()) => {
            let response = next.run(req).await;
            if alive && !response.status().is_client_error() {
                *app.last_request.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
            }
            response
        }
        Err(refusal) => {
            let mut r = html(pages::refused(app.lang()));
            *r.status_mut() = refusal.status();
            r
        }
    };
    guard::harden(&mut response);
    response
}

fn html(markup: maud::Markup) -> Response<Body> {
    let mut r = Response::new(Body::from(markup.into_string()));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// A page saying what could not be done, with its status.
fn failure(app: &App, status: StatusCode, text: &str) -> Response<Body> {
    failure_then(app, status, text, None)
}

/// A failure of the work asked, in the page's language; its HTTP status
/// from its kind (the one place that maps them).
fn failed(app: &App, f: &Failure, next: Option<(&str, &str)>) -> Response<Body> {
    let status = match f {
        // A file that cannot be used; what was asked that cannot be done.
        Failure::Input { .. } | Failure::Plan { .. } | Failure::Results { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        // The server's own disk.
        Failure::Write { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        Failure::Refused(_) => StatusCode::BAD_REQUEST,
        Failure::Halted(_) => StatusCode::BAD_GATEWAY,
        Failure::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let lang = app.lang();
    let text = match f {
        // The templates the command line names are on the page's home.
        Failure::Input { file, problem: crate::job::InputProblem::NoCodeDossierColumn { seen }, .. } => {
            Message::NoCodeDossierColumnOnPage { file, seen }.text(lang)
        }
        _ => f.text(lang),
    };
    failure_then(app, status, &text, next)
}

/// Work handed to another thread that ended abnormally (it panicked).
fn internal(e: tokio::task::JoinError) -> Failure {
    Failure::Internal { what: e.to_string() }
}

/// The same, with the button to the next step (its words, its address).
fn failure_then(app: &App, status: StatusCode, text: &str, next: Option<(&str, &str)>) -> Response<Body> {
    let lang = app.lang();
    let text = app.shown(text);
    let title = AnswerText::ThisCouldNotBeDone.say(lang);
    let mut r = html(pages::failed(lang, title, &text, next));
    *r.status_mut() = status;
    r
}

fn asset(text: &'static str, kind: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r
}

/// A later `loopbatch ui` of the same user asks for a fresh opening: first
/// a challenge this server answers, then its proof (see `handover`).
async fn fresh_opening(State(app): State<Shared>, headers: axum::http::HeaderMap) -> Response<Body> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let asked = app.nonces.ask(
        &app.handover_key,
        get(handover::CHALLENGE_HEADER),
        get(handover::SERVER_NONCE_HEADER),
        get(handover::PROOF_HEADER),
    );
    match asked {
        handover::Asked::Answer(text) => Response::new(Body::from(text)),
        handover::Asked::Proved => {
            let port = app.guard.port();
            Response::new(Body::from(format!("http://127.0.0.1:{port}/ouvrir/{}", app.guard.new_opening())))
        }
        handover::Asked::Refused => {
            let mut r = html(pages::refused(app.lang()));
            *r.status_mut() = StatusCode::FORBIDDEN;
            r
        }
    }
}

async fn open_page(State(app): State<Shared>, UrlPath(token): UrlPath<String>) -> Response<Body> {
    match app.guard.open(&token) {
        Some(session) => {
            let mut r = Redirect::to("/").into_response();
            r.headers_mut().insert(header::SET_COOKIE, guard::session_cookie(&session));
            r
        }
        None => {
            let mut r = html(pages::refused(app.lang()));
            *r.status_mut() = StatusCode::FORBIDDEN;
            r
        }
    }
}

/// Home; `retour`: the screen to go back to once keys are given there.
async fn home(
    State(app): State<Shared>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response<Body> {
    let back = q.get("retour").filter(|r| screens::own_screen(r, None)).map(String::as_str);
    let keys = keys::said(&app);
    html(pages::home(app.lang(), app.simulation, UPLOAD_LIMIT_MB, &keys, runs::going(&app), back))
}

#[derive(serde::Deserialize)]
struct LangForm {
    langue: String,
}

/// The page's language switch: the pages, and the messages of what is
/// checked or run from then on. Back to the page it was made on, when that
/// is one of the page's own screens (else home).
async fn set_lang(
    State(app): State<Shared>,
    headers: axum::http::HeaderMap,
    axum::extract::Form(f): axum::extract::Form<LangForm>,
) -> Response<Body> {
    app.english.store(f.langue == "en", std::sync::atomic::Ordering::Relaxed);
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|r| reqwest::Url::parse(r).ok());
    let back = referer.filter(|u| screens::own_screen(u.path(), u.query())).map(|u| match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    });
    Redirect::to(back.as_deref().unwrap_or("/")).into_response()
}

async fn quit(State(app): State<Shared>) -> Response<Body> {
    let going = runs::going(&app);
    app.quit.notify_one();
    let lang = app.lang();
    let text = match going {
        Some((_, name)) => Notice::StoppedOnQuit { name: &name }.text(lang),
        None => AnswerText::YouMayCloseThisTab.say(lang).to_string(),
    };
    html(pages::goodbye(lang, AnswerText::LoopbatchHasStopped.say(lang), &text))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_files_of_the_roaming_folder_move_to_the_local_one() {
        let home = tempfile::tempdir().unwrap();
        let (old, new) = (home.path().join("Roaming/loopbatch"), home.path().join("Local/loopbatch"));
        std::fs::create_dir_all(old.join("executions/r1")).unwrap();
        std::fs::write(old.join("executions/r1/resultats.csv"), "x").unwrap();
        std::fs::create_dir_all(old.join("televersements")).unwrap();
        std::fs::create_dir_all(new.join("televersements")).unwrap();
        std::fs::write(new.join("televersements/a.csv"), "kept").unwrap();
        super::move_page_files(&old, &new);
        assert_eq!(std::fs::read_to_string(new.join("executions/r1/resultats.csv")).unwrap(), "x");
        // What the local folder already holds is never replaced; the rest stays.
        assert_eq!(std::fs::read_to_string(new.join("televersements/a.csv")).unwrap(), "kept");
        assert!(old.join("televersements").exists() && !old.join("executions").exists());
        // Once emptied, the old folder goes.
        std::fs::remove_dir(old.join("televersements")).unwrap();
        super::move_page_files(&old, &new);
        assert!(!old.exists());
    }

    #[test]
    fn a_message_shows_file_names_not_server_paths() {
        let folders = vec!["/home/marie/.local/share/loopbatch".to_string(), "/home/marie".to_string()];
        let shown = super::file_names_only(
            "/home/marie/.local/share/loopbatch/televersements/0a1b/clients (v2).xlsx : illisible. Et /home/marie/x/y.csv (ligne 3)",
            &folders,
        );
        assert_eq!(shown, "clients (v2).xlsx : illisible. Et y.csv (ligne 3)");
    }
}
