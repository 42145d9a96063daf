//! A run from the page: the plan and its in-page confirmation, the run in
//! the server (closing or reloading the tab loses nothing), its progress
//! pushed as server-sent events, Stop, and the results. The same library
//! call as `loopbatch run`, with its journal and resume.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::{Response, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect};
use futures_util::Stream;

use super::pages::{self, Stored};
use super::progress::{self, Pace, Progress, RunState};
use super::{Shared, failed, failure, html, internal, owner_only_folder};
use crate::job::{self, Bodies, Event, EventSink, Plan, RunFiles, RunRequest, RunSource, Stopper};
use crate::messages::AnswerText;

pub(super) struct Run {
    pub name: String,
    pub host: String,
    pub plan: Plan,
    pub progress: Progress,
    pub started: Instant,
    pub paused_until: Option<Instant>,
    /// The calls this run sent lately: the time left follows them.
    pub pace: Pace,
    pub stopper: Stopper,
    pub files: RunFiles,
    pub csv: PathBuf,
    pub report: Option<job::RunReport>,
    /// What it was asked beyond the memory's rule (kept for its resume).
    pub options: super::options::RunOptions,
}

pub(super) type Runs = Mutex<HashMap<String, Arc<Mutex<Run>>>>;

/// How many views of one unchanged plan (tabs) may each confirm it.
const CONFIRMS_KEPT: usize = 8;

/// The plan of a sheet last shown, waiting for its confirmation: each view
/// of this same plan (another tab) adds one; a changed plan voids them.
pub(super) struct Pending {
    confirms: Vec<String>,
    hash: String,
    /// The sheet's version the plan was made from.
    version: u64,
    name: String,
    plan: Box<Plan>,
    host: String,
}

impl Run {
    /// Sending now (or pausing for a Retry-After): not yet ended.
    pub(super) fn going(&self) -> bool {
        self.report.is_none() && self.progress.state.going()
    }
}

/// The plan of a sheet as it stands, and the confirmation it needs; kept
/// while the sheet is unchanged (its version): reloads cost no new plan.
pub(super) async fn plan(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let Some(l) = super::sheets::loaded(&app, &id) else { return super::sheets::not_found(&app) };
    // Taken out: never two plans of one sheet held at once.
    let previous = app.confirmations.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    let version = l.lock().unwrap_or_else(|e| e.into_inner()).version;
    // A changed sheet: a new plan, and the confirmations of the old void.
    let kept = match previous.filter(|p| p.version == version) {
        Some(p) => Ok(p),
        None => {
            tokio::task::spawn_blocking(move || {
                let l = l.lock().unwrap_or_else(|e| e.into_inner());
                let plan = l.sheet.plan(Bodies::Yes);
                let hash = plan.hash();
                let (name, version) = (l.name.clone(), l.version);
                Pending { confirms: Vec::new(), hash, version, name, plan: Box::new(plan), host: String::new() }
            })
            .await
        }
    };
    let mut pending = match kept {
        Ok(p) => p,
        Err(e) => return failed(&app, &internal(e), None),
    };
    let confirm = super::guard::secret();
    pending.host = crate::job::host_of(&app.cfg.base_url).map(|(_, h)| h).unwrap_or_default();
    let Pending { ref plan, ref hash, ref name, ref host, .. } = pending;
    let counts = plan.counts();
    let kept = stored(&app);
    let new_since = if kept.is_empty() { None } else { super::plan_page::registre_new_since(&app) };
    let mut earlier: Vec<Stored> = kept.into_iter().filter(|s| s.plan_hash.as_ref() == Some(hash)).collect();
    if earlier.is_empty() {
        earlier.extend(going_with(&app, hash));
    }
    let (per_operation, per_dossier) = super::plan_page::in_words(plan);
    let keys_missing = !app.simulation && app.send_keys().is_err();
    let memory = match app.send_keys() {
        Ok(keys) => {
            crate::job::memory_counts(&app.config(), &keys, plan, &super::plan_page::registre_files(&app)).await
        }
        Err(_) => None,
    };
    let view = super::plan_page::PlanView {
        sheet_id: &id,
        name,
        host,
        counts: &counts,
        per_operation: &per_operation,
        per_dossier: &per_dossier,
        keys_missing,
        confirm: &confirm,
        earlier: &earlier,
        registre_new_since: new_since.as_deref(),
        memory: memory.as_ref(),
        lang: app.lang(),
        simulation: app.simulation,
    };
    let page = super::plan_page::plan_page(&view);
    // The same plan again (another tab): its earlier views still confirm it.
    pending.confirms.push(confirm);
    if pending.confirms.len() > CONFIRMS_KEPT {
        pending.confirms.remove(0);
    }
    app.confirmations.lock().unwrap_or_else(|e| e.into_inner()).insert(id, pending);
    html(page)
}

/// The run going with this plan, if any (just started: no journal yet).
fn going_with(app: &Shared, hash: &str) -> Option<Stored> {
    let runs: Vec<_> =
        app.runs.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(i, r)| (i.clone(), r.clone())).collect();
    runs.into_iter().find_map(|(id, run)| {
        let r = run.lock().unwrap_or_else(|e| e.into_inner());
        (r.going() && r.plan.hash() == hash).then(|| Stored {
            id,
            files: r.files.clone(),
            sheet: r.name.clone(),
            when: crate::job::format_local(std::time::SystemTime::now() - r.started.elapsed()),
            counts: None,
            unfinished: true,
            plan_hash: Some(hash.to_string()),
            target: None,
        })
    })
}

/// Starts the run the confirmation names: once, and only if no other run
/// is going in this server; any start voids every confirmation shown. Its
/// fields: `confirm`, « Tout renvoyer » (`tout`: `--send-all`), and each
/// A_VERIFIER row ticked « renvoyer quand même » (`renvoyer`).
pub(super) async fn start(State(app): State<Shared>, Form(fields): Form<Vec<(String, String)>>) -> Response<Body> {
    let lang = app.lang();
    let (confirm, options) = super::options::RunOptions::from_form(&fields);
    let _starting = app.starting.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(busy) = busy(&app) {
        return busy;
    }
    let pending = {
        let mut all = app.confirmations.lock().unwrap_or_else(|e| e.into_inner());
        let named = |p: &Pending| p.confirms.iter().any(|c| super::guard::same_secret(&confirm, c));
        let sheet = all.iter().find(|(_, p)| named(p)).map(|(s, _)| s.clone());
        sheet.and_then(|s| all.remove(&s))
    };
    let Some(Pending { name, plan, host, .. }) = pending else {
        return failure(&app, StatusCode::CONFLICT, AnswerText::ConfirmationNoLongerHolds.say(lang));
    };
    launch(&app, name, host, plan, Again::No(options))
}

/// Refuses a second run while one goes in this server.
pub(super) fn busy(app: &Shared) -> Option<Response<Body>> {
    let lang = app.lang();
    let current = app.current_run.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let going = current.as_ref().and_then(|id| runs_get(app, id)).is_some_and(|r| {
        let r = r.lock().unwrap_or_else(|e| e.into_inner());
        r.going()
    });
    going.then(|| failure(app, StatusCode::CONFLICT, AnswerText::RunAlreadyGoingInPage.say(lang)))
}

/// A new run, in its own folder under its own id (a resume keeps its run's
/// files and id: see `resume`). Called with `starting` held.
pub(super) fn launch(app: &Shared, name: String, host: String, plan: Box<Plan>, again: Again) -> Response<Body> {
    let run_id = super::guard::secret();
    let folder = app.folder.join("executions").join(&run_id);
    if let Err(e) = owner_only_folder(&folder) {
        return super::page_file_failed(app, &folder, &e);
    }
    let stem = PathBuf::from(&name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let files = RunFiles::new(folder.join(format!("{stem}-resultats.xlsx"))).with_registre(app.cfg.registre.clone());
    let csv = folder.join(format!("{stem}-resultats.csv"));
    let mut run = new_run(app, name, host, &plan, files.clone(), csv);
    if let Again::No(options) = &again {
        // Kept for its resume (even after a restart of the page).
        if let Err(e) = options.save(&folder) {
            return super::failed(app, &e, None);
        }
        run.options = options.clone();
    }
    let run = Arc::new(Mutex::new(run));
    app.runs.lock().unwrap_or_else(|e| e.into_inner()).insert(run_id.clone(), run.clone());
    started(app, &run_id);
    tokio::spawn(go(app.clone(), run, plan, files, again));
    Redirect::to(&format!("/execution/{run_id}")).into_response()
}

fn new_run(app: &Shared, name: String, host: String, plan: &Plan, files: RunFiles, csv: PathBuf) -> Run {
    Run {
        name,
        host,
        progress: Progress::new(plan.calls.len(), app.cfg.rate.per_second()),
        plan: plan.clone(),
        started: Instant::now(),
        paused_until: None,
        pace: Pace::default(),
        stopper: Stopper::default(),
        files,
        csv,
        report: None,
        options: Default::default(),
    }
}

/// This run is the one going: every confirmation shown before is void.
fn started(app: &Shared, run_id: &str) {
    *app.current_run.lock().unwrap_or_else(|e| e.into_inner()) = Some(run_id.to_string());
    app.confirmations.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// "Reprendre": the same run, its journal, nothing done sent again. With
/// `nouvelle_cle` (the new key's masked id, as the page showed it): the key
/// replaced is confirmed, if it is still the one shown.
pub(super) async fn resume(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response<Body> {
    let _starting = app.starting.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(busy) = busy(&app) {
        return busy;
    }
    let Some(run) = runs_get(&app, &id).or_else(|| from_disk(&app, &id)) else { return not_found(&app) };
    let new_key = q.get("nouvelle_cle");
    let (plan, files, options) = {
        let mut r = run.lock().unwrap_or_else(|e| e.into_inner());
        if r.going() {
            return Redirect::to(&format!("/execution/{id}")).into_response();
        }
        if let Some(shown) = new_key
            && key_replaced(&app, &r.files).is_none_or(|(_, now)| &now != shown)
        {
            let lang = app.lang();
            let said = AnswerText::KeyNoLongerShown.say(lang);
            return failure(&app, StatusCode::CONFLICT, said);
        }
        let mut fresh = new_run(&app, r.name.clone(), r.host.clone(), &r.plan.clone(), r.files.clone(), r.csv.clone());
        fresh.options = r.options.clone();
        *r = fresh;
        (Box::new(r.plan.clone()), r.files.clone(), r.options.clone())
    };
    started(&app, &id);
    let again = Again::Resume { new_key: new_key.is_some(), options };
    tokio::spawn(go(app.clone(), run, plan, files, again));
    Redirect::to(&format!("/execution/{id}")).into_response()
}

/// A run kept in the per-user folder but unknown to this server (it was
/// started before a restart): its plan copy and files, for a resume.
fn from_disk(app: &Shared, id: &str) -> Option<Arc<Mutex<Run>>> {
    let stored = stored(app).into_iter().find(|s| s.id == id)?;
    let plan = Plan::load_json(&stored.files.plan()).ok()?;
    let host = crate::job::host_of(&app.cfg.base_url).map(|(_, h)| h).unwrap_or_default();
    let csv = stored.files.results().with_extension("csv");
    let folder = stored.files.results().parent().map(|f| f.to_path_buf()).unwrap_or_default();
    let mut run = new_run(app, plan.source.file.clone(), host, &plan, stored.files, csv);
    run.options = super::options::RunOptions::load(&folder);
    // Not going: the page offers to resume it.
    run.progress.state = RunState::Stopped;
    let run = Arc::new(Mutex::new(run));
    app.runs.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_string(), run.clone());
    Some(run)
}

/// The runs kept in the per-user folder, newest first.
pub(super) fn stored(app: &Shared) -> Vec<Stored> {
    let Ok(dirs) = std::fs::read_dir(app.folder.join("executions")) else { return Vec::new() };
    let mut found: Vec<(std::time::SystemTime, Stored)> = dirs
        .filter_map(|d| d.ok())
        .filter_map(|d| {
            let id = d.file_name().to_string_lossy().into_owned();
            let copy = std::fs::read_dir(d.path()).ok()?.filter_map(|f| f.ok()).find_map(|f| {
                let name = f.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".plan.json").map(|results| d.path().join(results))
            })?;
            let files = RunFiles::new(copy).with_registre(app.cfg.registre.clone());
            let modified = std::fs::metadata(files.plan()).and_then(|m| m.modified()).ok()?;
            let summary = job::stored_run(&files, app.lang());
            let when = crate::job::format_local(modified);
            Some((
                modified,
                Stored {
                    id,
                    files,
                    sheet: summary.sheet,
                    when,
                    counts: summary.counts,
                    unfinished: summary.unfinished,
                    plan_hash: summary.plan_hash,
                    target: summary.tenant.map(|t| t.place(app.lang())),
                },
            ))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, s)| s).collect()
}

pub(super) async fn list(State(app): State<Shared>) -> Response<Body> {
    let runs = stored(&app);
    let going = going(&app).map(|(id, _)| id);
    html(pages::stored_runs(&runs, going.as_deref(), super::sheets::listed(&app), app.lang(), app.simulation))
}

/// "Relancer les échecs": a new run of the rows that did not end OK.
pub(super) async fn rerun_failed(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let _starting = app.starting.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(busy) = busy(&app) {
        return busy;
    }
    let Some(run) = runs_get(&app, &id).or_else(|| from_disk(&app, &id)) else { return not_found(&app) };
    let (name, host, plan, previous) = {
        let r = run.lock().unwrap_or_else(|e| e.into_inner());
        // Its results: this server's report, or the file a kept run left.
        let results = match &r.report {
            Some(report) if report.results.is_some() => report.results.clone().unwrap_or_default(),
            None if !r.going() => r.files.results().to_path_buf(),
            _ => return Redirect::to(&format!("/execution/{id}")).into_response(),
        };
        // Moved or deleted since: said in words, with the way on.
        if !results.exists() {
            let missing = crate::job::ResultsProblem::Missing { page: true };
            let home = crate::messages::HomeText::Home.say(app.lang());
            return super::failed(&app, &job::Failure::results(&results, missing), Some((home, "/")));
        }
        let to_send = match &r.report {
            Some(report) => job::failed_calls_to_send(&r.plan, &report.rows, &r.files, app.lang()),
            None => job::failed_calls_in_results(&r.plan, &r.files, app.lang()),
        };
        if to_send == 0 {
            return nothing_to_send(&app, &id);
        }
        (r.name.clone(), r.host.clone(), Box::new(r.plan.clone()), RunFiles::new(results))
    };
    launch(&app, name, host, plan, Again::OnlyFailed(previous))
}

/// The run going in this server, if any: its id and sheet's name.
pub(super) fn going(app: &Shared) -> Option<(String, String)> {
    let id = app.current_run.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
    let run = runs_get(app, &id)?;
    let r = run.lock().unwrap_or_else(|e| e.into_inner());
    r.going().then(|| (id.clone(), r.name.clone()))
}

/// « Relancer les échecs » with nothing to send: no empty run.
fn nothing_to_send(app: &Shared, id: &str) -> Response<Body> {
    let lang = app.lang();
    let text = AnswerText::NothingToRunAgain.say(lang);
    let to = format!("/execution/{id}");
    super::failure_then(app, StatusCode::CONFLICT, text, Some((AnswerText::SeeTheRun.say(lang), &to)))
}

pub(super) fn runs_get(app: &Shared, id: &str) -> Option<Arc<Mutex<Run>>> {
    app.runs.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
}

/// The run itself, in the server: events fold into the progress.
/// How a run relates to an earlier one.
pub(super) enum Again {
    /// A new run, with what it was asked beyond the memory's rule
    /// (`--send-all`, A_VERIFIER rows to send again).
    No(super::options::RunOptions),
    /// `--resume`: the same files, nothing done sent again, asking what
    /// the run was asked; with the new key confirmed in the page
    /// (`--new-key`).
    Resume { new_key: bool, options: super::options::RunOptions },
    /// `--only-failed`: rows that did not end OK in these results.
    OnlyFailed(RunFiles),
    /// An undo: bound to the undone run's tenant.
    Undo(Option<serde_json::Value>),
}

async fn go(app: Shared, run: Arc<Mutex<Run>>, plan: Box<Plan>, files: RunFiles, again: Again) {
    let lang = app.lang();
    let (stopper, keys) = {
        let r = run.lock().unwrap_or_else(|e| e.into_inner());
        (r.stopper.clone(), app.typed_keys())
    };
    let seen = run.clone();
    let events: EventSink = Arc::new(move |e| fold(&mut seen.lock().unwrap_or_else(|e| e.into_inner()), e));
    let mut req = RunRequest::new(RunSource::Plan(plan.clone()), files.results());
    req.assume_yes = true; // confirmed in the page
    req.front = job::Front::Page;
    req.keys = keys;
    match again {
        Again::No(options) => {
            req.send_all = options.send_all;
            req.a_verifier_rows = options.a_verifier_rows;
        }
        Again::Resume { new_key, options } => {
            req.resume = true;
            req.new_key = new_key;
            req.send_all = options.send_all;
            req.a_verifier_rows = options.a_verifier_rows;
        }
        Again::OnlyFailed(previous) => req.only_failed = Some(previous),
        Again::Undo(tenant) => req.bound_tenant = tenant,
    }
    let confirm: job::Confirm = Box::new(|_| Box::pin(async { Ok(()) }));
    let outcome = job::run(&app.config(), req, events, stopper, confirm).await;
    let mut r = run.lock().unwrap_or_else(|e| e.into_inner());
    match outcome {
        Ok(report) => {
            let _ = job::write_run_results(&plan, &report, &r.csv, lang);
            r.progress.state = if report.stop.is_some() { RunState::Stopped } else { RunState::Done };
            r.progress.reason = app.shown(&report.stop_text.clone().unwrap_or_default());
            r.report = Some(report);
        }
        Err(f) => {
            r.progress.state = RunState::Failed;
            r.progress.reason = app.shown(&crate::messages::Text::text(&f, lang));
            r.report = None;
        }
    }
    if r.progress.state == RunState::Failed {
        // A run that never started is no longer "going".
        *app.current_run.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn fold(r: &mut Run, e: Event) {
    match e {
        Event::Started { rate_per_s, calls, .. } => {
            r.progress.rate = rate_per_s;
            r.progress.total = calls;
        }
        Event::CallDone { status, skipped, .. } => {
            r.progress.done += 1;
            if !skipped {
                r.pace.sent(Instant::now());
            }
            if matches!(status, job::Status::Erreur | job::Status::AVerifier) {
                r.progress.errors += 1;
            }
        }
        Event::Paused { wait } => r.paused_until = Some(Instant::now() + wait),
        Event::RateChanged { per_s } => r.progress.rate = per_s,
        Event::Stopping { reason, .. } => r.progress.reason = reason,
        _ => {}
    }
}

/// The progress as it is now (paused while a Retry-After runs).
fn snapshot(r: &Run, lang: crate::job::Lang) -> Progress {
    let mut p = r.progress.clone();
    if p.state == RunState::Running && r.paused_until.is_some_and(|t| t > Instant::now()) {
        p.state = RunState::Paused;
    }
    let now = Instant::now();
    let pause_left = r.paused_until.filter(|t| *t > now).map(|t| t - now);
    let recent = r.pace.per_second(now).filter(|_| p.state.going());
    p.per_second = recent.unwrap_or_else(|| p.done as f64 / r.started.elapsed().as_secs_f64().max(1.0));
    p.eta_s = recent.filter(|x| *x > 0.0 && p.done < p.total).map(|x| {
        ((p.total - p.done) as f64 / x).ceil() as u64 + pause_left.map_or(0, |d| d.as_secs_f64().ceil() as u64)
    });
    progress::say(&mut p, pause_left, lang);
    p
}

pub(super) async fn view(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response<Body> {
    let Some(run) = runs_get(&app, &id).or_else(|| from_disk(&app, &id)) else { return not_found(&app) };
    let r = run.lock().unwrap_or_else(|e| e.into_inner());
    let progress = snapshot(&r, app.lang());
    let replaced = (progress.state == RunState::Failed).then(|| key_replaced(&app, &r.files)).flatten();
    let rerun_calls = match &r.report {
        Some(report) if report.results.is_some() => {
            job::failed_calls_to_send(&r.plan, &report.rows, &r.files, app.lang())
        }
        _ => 0,
    };
    let view = super::run_page::RunView {
        id: &id,
        name: &r.name,
        host: &r.host,
        progress: &progress,
        new_key: replaced.map(|(was, now)| super::run_page::confirm_new_key(&id, &was, &now, app.lang())),
        report: r.report.as_ref(),
        plan: &r.plan,
        only: q.get("statut").and_then(|s| job::Status::from_word(s)),
        verified: q.contains_key("verifie"),
        rerun_calls,
        lang: app.lang(),
        simulation: app.simulation,
    };
    html(super::run_page::run_page(&view))
}

/// The run's key replaced at the same place (masked ids: as recorded, now).
fn key_replaced(app: &Shared, files: &RunFiles) -> Option<(String, String)> {
    let keys = app.send_keys().ok()?;
    job::key_replaced(&app.config(), &keys, files)
}

pub(super) fn not_found(app: &Shared) -> Response<Body> {
    let lang = app.lang();
    failure(app, StatusCode::NOT_FOUND, AnswerText::RunUnknown.say(lang))
}

/// The progress pushed to the page, twice a second, until the run ends.
pub(super) async fn events(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, std::convert::Infallible>>>, Response<Body>> {
    let Some(run) = runs_get(&app, &id) else { return Err(not_found(&app)) };
    let lang = app.lang();
    let stream = futures_util::stream::unfold((run, false), move |(run, finished)| async move {
        if finished {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
        let p = snapshot(&run.lock().unwrap_or_else(|e| e.into_inner()), lang);
        let last = !p.state.going();
        let event = SseEvent::default().event("progress").data(serde_json::to_string(&p).unwrap_or_default());
        Some((Ok(event), (run, last)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Stop: calls in flight finish, the results are written (as Ctrl-C).
pub(super) async fn stop(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let Some(run) = runs_get(&app, &id) else { return not_found(&app) };
    run.lock().unwrap_or_else(|e| e.into_inner()).stopper.interrupt();
    Redirect::to(&format!("/execution/{id}")).into_response()
}

/// The results files, by run id and kind, never by a path.
pub(super) async fn download(
    State(app): State<Shared>,
    UrlPath((id, kind)): UrlPath<(String, String)>,
) -> Response<Body> {
    let Some(run) = runs_get(&app, &id) else { return not_found(&app) };
    let (path, mime) = {
        let r = run.lock().unwrap_or_else(|e| e.into_inner());
        match (kind.as_str(), &r.report) {
            ("xlsx", Some(report)) if report.results.is_some() => {
                (report.results.clone().unwrap_or_default(), super::sheets::XLSX)
            }
            ("csv", Some(_)) => (r.csv.clone(), "text/csv; charset=utf-8"),
            _ => return not_found(&app),
        }
    };
    let reading = path.clone();
    let read = tokio::task::spawn_blocking(move || std::fs::read(&reading)).await;
    match read.unwrap_or_else(|e| Err(std::io::Error::other(e))) {
        Ok(bytes) => super::sheets::download(bytes, mime, &super::sheets::dated_name(&path)),
        Err(_) => not_found(&app),
    }
}
