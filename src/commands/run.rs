//! `loopbatch run` and `loopbatch demo`: validate, plan, then execute the
//! plan against Cegid Loop (or the embedded simulator) and write results.

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{CheckArgs, DemoArgs, InputArgs, OutputFormat, RunArgs};
use crate::config::{Config, Secret, mask};
use crate::error::{Failure, Result, exit};
use crate::execute::client::{Client, is_loopback};
use crate::execute::journal::{self, CallOutcome, Journal};
use crate::execute::{ExecOptions, Progress, RunOutcome, StopReason, Stopper};
use crate::i18n::Lang;
use crate::plan::{Bodies, Operation, Plan, RowCheck, RowRef};
use crate::report::{self, RowResult, Status};
use crate::simulator;

pub fn run(args: &RunArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let is_plan = args.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if args.dry_run {
        if !is_plan {
            let check = CheckArgs {
                file: args.file.clone(),
                results: Some(args.results.clone()),
                input: args.input.clone(),
                format: args.format,
                online: args.online,
                as_email: None,
                domain: args.domain.clone(),
            };
            return super::check::check(&check, cfg);
        }
        let plan = Plan::load_json(&args.file, lang)?;
        let results = report::check_results(&plan.rows, lang);
        report::write_results(&args.results, &plan.columns, &plan.rows, &results, lang)?;
        return Ok(if plan.counts().invalid > 0 { exit::ROWS_FAILED } else { exit::OK });
    }
    report::results_format(&args.results, lang)?;
    let plan = if is_plan {
        Plan::load_json(&args.file, lang)?
    } else {
        {
            let portfolio = match args.online {
                true => Some(fetch_portfolio(cfg, args.domain.as_deref())?),
                false => None,
            };
            let online = portfolio.as_ref().map(|p| crate::validate::Online { portfolio: p, as_email: None });
            super::prepare(&args.file, &args.input, cfg, Bodies::Yes, online.as_ref())?.plan
        }
    };
    let (subscription_key, api_key) = load_secrets(cfg)?;
    check_base_url(&cfg.base_url, lang)?;
    let mut cfg = cfg.clone();
    if let Some(r) = args.rate {
        cfg.rate = r;
    }
    if let Some(b) = args.burst {
        cfg.burst = b.max(1);
    }
    if let Some(c) = args.concurrency {
        cfg.concurrency = c.max(1);
    }
    if let Some(r) = args.retries {
        cfg.retries = r;
    }
    if !is_loopback(&cfg.base_url) && !args.yes {
        confirm(&plan, &cfg.base_url, lang)?;
    }
    let selection = match &args.only_failed {
        Some(prev) => {
            let done = previous_done_calls(prev, lang);
            Some(select_failed(&plan, &report::read_results(prev, lang)?, &done, args.include_a_verifier, lang))
        }
        None => None,
    };
    if let Some(sel) = &selection {
        let again = plan.rows.len() - sel.kept.len();
        eprintln!(
            "{} {again} {} ({} {})",
            lang.t("Relance de", "Re-running"),
            lang.t("ligne(s) qui n'ont pas fini OK", "row(s) that did not end OK"),
            sel.kept.len(),
            lang.t("gardées telles quelles", "kept as they were")
        );
        // A new generation of the journal for this results file.
        let jp = journal::path_for(&args.results);
        if jp.exists() && !args.resume {
            let _ = std::fs::rename(&jp, jp.with_extension("jsonl.precedent"));
        }
    }
    let settings = Settings {
        quiet: args.quiet,
        format: args.format,
        resume: args.resume,
        command: format!(
            "loopbatch run {} --results {}{} --resume",
            quote(&args.file),
            quote(&args.results),
            args.only_failed.as_ref().map(|p| format!(" --only-failed {}", quote(p))).unwrap_or_default()
        ),
    };
    execute_and_report(&plan, &args.results, &cfg, subscription_key, api_key, &settings, selection)
}

/// The calls the previous run ended OK, by operation and exact body, from
/// the plan and journal kept beside its results (none if they are gone).
fn previous_done_calls(prev: &Path, lang: Lang) -> HashSet<(Operation, String)> {
    let Ok(plan) = Plan::load_json(&journal::plan_path_for(prev), lang) else { return HashSet::new() };
    let ok = journal::done_ok(&journal::path_for(prev));
    plan.calls.iter().filter(|c| ok.contains(&c.id)).map(|c| (c.operation, c.body.to_string())).collect()
}

/// What `--only-failed` keeps from the previous results and does not send.
struct Selection {
    /// Rows not run again, with their previous result.
    kept: HashMap<usize, RowResult>,
    /// Calls not sent again, with the outcome they count as.
    skipped: HashMap<u32, CallOutcome>,
}

/// Rows that ended OK (or IGNORE with nothing to do, or A_VERIFIER unless
/// asked) are kept; a row is matched by feuille, ligne and its content, so a
/// row edited since is run again. Calls that served an OK row are done.
fn select_failed(
    plan: &Plan,
    prev: &report::ReadBack,
    done_calls: &HashSet<(Operation, String)>,
    include_a_verifier: bool,
    lang: Lang,
) -> Selection {
    let by_ref: HashMap<(String, String), &HashMap<String, String>> = prev
        .lines
        .iter()
        .map(|l| ((l.get("feuille").cloned().unwrap_or_default(), l.get("ligne").cloned().unwrap_or_default()), l))
        .collect();
    let mut kept = HashMap::new();
    for (i, row) in plan.rows.iter().enumerate() {
        let Some(line) = by_ref.get(&(row.feuille.to_string(), row.ligne.to_string())) else { continue };
        let same = plan.columns.iter().enumerate().all(|(c, name)| {
            report::RESULT_COLUMNS.contains(&name.as_str())
                || line.get(name).is_none_or(|v| v.trim() == row.values.get(c).map_or("", |x| x.trim()))
        });
        let Some(status) = line.get("statut").and_then(|s| Status::from_word(s)) else { continue };
        let keep = same
            && match status {
                Status::Ok => true,
                Status::Ignore => row.check == RowCheck::Ignore,
                Status::AVerifier => !include_a_verifier,
                _ => false,
            };
        if keep {
            let get = |k: &str| line.get(k).cloned().unwrap_or_default();
            kept.insert(
                i,
                RowResult {
                    status,
                    etape: get("etape"),
                    code_http: get("code_http").parse().ok(),
                    message: get("message"),
                    request_id: get("request_id"),
                    object_id: get("object_id"),
                    attempts: get("tentatives").parse().unwrap_or(0),
                    timestamp: get("horodatage"),
                },
            );
        }
    }
    let index: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    let mut skipped = HashMap::new();
    for call in &plan.calls {
        let rows: Vec<usize> = call.rows.iter().filter_map(|r| index.get(r).copied()).collect();
        let done_ok = done_calls.contains(&(call.operation, call.body.to_string()))
            || rows.iter().any(|i| kept.get(i).is_some_and(|r| r.status == Status::Ok));
        let needed = rows.iter().any(|i| !kept.contains_key(i));
        let previous = |status: Status, message: &str| CallOutcome {
            status,
            code_http: None,
            message: message.to_string(),
            request_id: String::new(),
            object_id: String::new(),
            attempts: 0,
            timestamp: report::now_iso(),
        };
        if done_ok {
            skipped.insert(
                call.id,
                previous(
                    Status::Ok,
                    lang.t("déjà fait lors de l'exécution précédente", "already done in the previous run"),
                ),
            );
        } else if !needed {
            let worst = rows.iter().filter_map(|i| kept.get(i).map(|r| r.status)).max().unwrap_or(Status::AVerifier);
            skipped.insert(
                call.id,
                previous(worst, lang.t("non relancé (--only-failed)", "not run again (--only-failed)")),
            );
        }
    }
    Selection { kept, skipped }
}

struct Settings {
    quiet: bool,
    format: OutputFormat,
    resume: bool,
    /// The command that resumes this run, printed when it stops.
    command: String,
}

fn quote(p: &Path) -> String {
    let s = p.display().to_string();
    if s.contains(' ') { format!("\"{s}\"") } else { s }
}

/// The LoopHub portfolio, for `--online` (checks the address and keys first).
pub(super) fn fetch_portfolio(cfg: &Config, domain: Option<&str>) -> Result<crate::portfolio::Portfolio> {
    check_base_url(&cfg.base_url, cfg.lang)?;
    let (sub, api) = load_secrets(cfg)?;
    crate::portfolio::fetch(cfg, domain, sub, api)
}

/// Secrets from the environment, else from the key files of the config.
pub(super) fn load_secrets(cfg: &Config) -> Result<(Secret, Secret)> {
    let lang = cfg.lang;
    let read = |var: &str, file: &Option<PathBuf>, what: &str| -> Result<Secret> {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return Ok(Secret::new(v.trim()));
        }
        if let Some(path) = file {
            warn_if_readable_by_others(path, lang);
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::unusable(format!(
                    "{what} : {} {} ({e})",
                    lang.t("fichier de clé illisible", "unreadable key file"),
                    path.display()
                ))
            })?;
            if !text.trim().is_empty() {
                return Ok(Secret::new(text.trim()));
            }
        }
        Err(Failure::unusable(format!(
            "{what} {} {var} {}",
            lang.t("manquante : définissez la variable d'environnement", "missing: set the environment variable"),
            lang.t("ou indiquez un fichier de clé dans loopbatch.toml.", "or name a key file in loopbatch.toml.")
        )))
    };
    let sub =
        read("LOOP_SUBSCRIPTION_KEY", &cfg.subscription_key_file, lang.t("Clé d'abonnement", "Subscription key"))?;
    let api = read("LOOP_API_KEY", &cfg.api_key_file, lang.t("Clé d'API", "API key"))?;
    let well_formed = api.expose().split_once(':').is_some_and(|(id, secret)| !id.is_empty() && !secret.is_empty());
    if !well_formed {
        return Err(Failure::unusable(lang.t(
            "La clé d'API (LOOP_API_KEY) doit être de la forme IDCLE:SECRET (identifiant de clé, deux-points, secret) ; sa valeur n'est pas affichée.",
            "The API key (LOOP_API_KEY) must look like KEYID:SECRET (key id, colon, secret); its value is not shown.",
        )));
    }
    Ok((sub, api))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, lang: Lang) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "{} {} {}",
            lang.t("Avertissement : le fichier de clé", "Warning: key file"),
            path.display(),
            lang.t(
                "est lisible par d'autres utilisateurs ; restreignez-le (chmod 600).",
                "is readable by other users; restrict it (chmod 600)."
            )
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path, _lang: Lang) {
    // Windows protects files with ACLs, which std cannot inspect.
}

fn host_of(url: &str) -> Option<(String, String)> {
    let u = reqwest::Url::parse(url).ok()?;
    Some((u.scheme().to_string(), u.host_str()?.trim_matches(['[', ']']).to_string()))
}

/// https everywhere; plain http only to this machine.
pub(super) fn check_base_url(url: &str, lang: Lang) -> Result<()> {
    match host_of(url) {
        Some((s, _)) if s == "https" => Ok(()),
        Some((s, _)) if s == "http" && is_loopback(url) => Ok(()),
        Some((s, h)) if s == "http" => Err(Failure::unusable(format!(
            "{} http://{h} {}",
            lang.t("Adresse refusée :", "Address refused:"),
            lang.t(
                "— les clés ne partent qu'en https (http n'est admis que vers 127.0.0.1).",
                "— keys only travel over https (http is allowed to 127.0.0.1 only)."
            )
        ))),
        _ => Err(Failure::unusable(format!(
            "{} {url}",
            lang.t(
                "Adresse de l'API invalide (base_url / LOOP_BASE_URL) :",
                "Invalid API address (base_url / LOOP_BASE_URL):"
            )
        ))),
    }
}

fn confirm(plan: &Plan, url: &str, lang: Lang) -> Result<()> {
    let host = host_of(url).map(|(_, h)| h).unwrap_or_default();
    let counts = plan.counts();
    eprintln!("{} {host}", lang.t("Cible :", "Target:"));
    for (route, n) in &counts.calls_per_route {
        eprintln!("  {route:<45} {n:>6}");
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::unusable(lang.t(
            "Confirmation impossible sans terminal : ajoutez --yes pour une exécution planifiée.",
            "Cannot ask for confirmation without a terminal: add --yes for a scheduled run.",
        )));
    }
    eprint!("{} {} {} [o/N] ", lang.t("Envoyer ces", "Send these"), counts.calls, lang.t("appels ?", "calls?"));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim().to_lowercase().as_str(), "o" | "oui" | "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::unusable(lang.t("Abandon : rien n'a été envoyé.", "Aborted: nothing was sent.")))
    }
}

/// Progress: a bar on a terminal, plain lines otherwise, nothing when quiet.
enum Display {
    Bar(ProgressBar),
    Lines { total: usize, last: Mutex<Instant> },
    Quiet,
}

struct Tracker {
    display: Display,
    done: AtomicUsize,
    errors: AtomicUsize,
    lang: Lang,
}

impl Progress for Tracker {
    fn call_done(&self, o: &CallOutcome) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if matches!(o.status, Status::Erreur | Status::AVerifier) {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        let errors = self.errors.load(Ordering::Relaxed);
        match &self.display {
            Display::Bar(pb) => {
                pb.set_position(done as u64);
                pb.set_message(format!("{errors} {}", self.lang.t("erreur(s)", "error(s)")));
            }
            Display::Lines { total, last } => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.elapsed() >= Duration::from_secs(5) || done == *total {
                    *last = Instant::now();
                    eprintln!(
                        "{} {done}/{total} ({errors} {})",
                        self.lang.t("appels :", "calls:"),
                        self.lang.t("erreur(s)", "error(s)")
                    );
                }
            }
            Display::Quiet => {}
        }
    }
}

fn tracker(total: usize, quiet: bool, lang: Lang) -> Tracker {
    let display = if quiet {
        Display::Quiet
    } else if std::io::stderr().is_terminal() {
        let pb = ProgressBar::new(total as u64);
        let template = lang.t(
            "{bar:30} {pos}/{len} appels  {rate}  reste {eta}  {msg}",
            "{bar:30} {pos}/{len} calls  {rate}  ETA {eta}  {msg}",
        );
        let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1}/s", state.per_sec());
            },
        );
        pb.set_style(style);
        Display::Bar(pb)
    } else {
        Display::Lines { total, last: Mutex::new(Instant::now()) }
    };
    Tracker { display, done: AtomicUsize::new(0), errors: AtomicUsize::new(0), lang }
}

fn execute_and_report(
    plan: &Plan,
    results: &Path,
    cfg: &Config,
    sub: Secret,
    api: Secret,
    s: &Settings,
    selection: Option<Selection>,
) -> Result<u8> {
    let lang = cfg.lang;
    let journal_path = journal::path_for(results);
    // Before the first call: the results and the journal must be writable.
    probe_writable(results, lang)?;
    // The plan beside the journal lets a later --only-failed know which
    // calls succeeded.
    plan.save_json(&journal::plan_path_for(results), lang)?;
    let (journal, mut prior, warnings) = Journal::open(&journal_path, &plan.hash(), &plan.source.file, s.resume, lang)?;
    if let Some(sel) = &selection {
        for (id, o) in &sel.skipped {
            prior.entry(*id).or_insert_with(|| journal::Prior::Done(o.clone()));
        }
    }
    for w in warnings {
        eprintln!("{} {w}", lang.t("Avertissement :", "Warning:"));
    }
    if !s.quiet {
        let key_id = api.expose().split(':').next().unwrap_or_default();
        eprintln!(
            "{} {} — {} {} ({} {}, {} {})",
            lang.t("Envoi vers", "Sending to"),
            cfg.base_url,
            plan.calls.len(),
            lang.t("appels", "calls"),
            lang.t("clé", "key"),
            mask(key_id),
            lang.t("débit", "rate"),
            cfg.rate
        );
    }
    let client =
        Client::new(&cfg.base_url, sub, api, cfg.connect_timeout, cfg.request_timeout, cfg.already_done.clone(), lang)
            .map_err(|e| {
                Failure::unusable(format!(
                    "{} {e}",
                    lang.t("Client HTTP impossible à créer :", "Cannot create the HTTP client:")
                ))
            })?;
    let opts = ExecOptions {
        rate: cfg.rate,
        burst: cfg.burst,
        concurrency: cfg.concurrency,
        retries: cfg.retries,
        max_retry_after: cfg.max_retry_after,
        backoff_base: Duration::from_millis(250),
        backoff_cap: Duration::from_secs(30),
        lang,
    };
    let progress = tracker(plan.calls.len(), s.quiet, lang);
    let stopper = Stopper::default();
    let rt = super::runtime(lang)?;
    let outcome = rt.block_on(async {
        let s2 = stopper.clone();
        let resume = s.command.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "{}",
                    lang.t(
                        "Interruption : les appels en cours se terminent, puis les résultats sont écrits (Ctrl-C encore pour arrêter tout de suite).",
                        "Interrupted: calls in flight finish, then the results are written (Ctrl-C again to stop at once)."
                    )
                );
                s2.interrupt();
            }
            // A second Ctrl-C stops at once: the journal settles the rest.
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("{} {resume}", lang.t("Arrêt immédiat. Pour reprendre :", "Stopped at once. To resume:"));
                std::process::exit(i32::from(exit::STOPPED));
            }
        });
        let o = crate::execute::execute(plan, client, opts, journal, prior, Box::new(progress), stopper).await;
        ctrl_c.abort();
        o
    });
    let mut rows = fold_rows(plan, &outcome, lang);
    if let Some(sel) = selection {
        for (i, r) in sel.kept {
            rows[i] = r;
        }
    }
    let written = write_results_somewhere(results, plan, &rows, lang);
    let code = if outcome.stop.is_some() {
        exit::STOPPED
    } else if rows.iter().any(|r| !matches!(r.status, Status::Ok | Status::Ignore)) {
        exit::ROWS_FAILED
    } else {
        exit::OK
    };
    summary(plan, &rows, &outcome, &written, &journal_path, s, code, lang);
    Ok(code)
}

/// Creates and removes a file beside the results: fails early, before any
/// call, when the folder is not writable or the name is a folder.
fn probe_writable(results: &Path, lang: Lang) -> Result<()> {
    if results.is_dir() {
        return Err(Failure::unusable(format!(
            "{} {} {}",
            lang.t("Le fichier de résultats", "The results file"),
            results.display(),
            lang.t(
                "est un dossier : donnez un nom de fichier .xlsx ou .csv.",
                "is a folder: give a .xlsx or .csv file name."
            )
        )));
    }
    let dir = results.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::Builder::new().prefix(".loopbatch-probe").tempfile_in(dir).map(drop).map_err(|e| {
        Failure::unusable(format!(
            "{} {} : {e}. {}",
            lang.t("Impossible d'écrire les résultats dans", "Cannot write results in"),
            dir.display(),
            lang.t("Rien n'a été envoyé.", "Nothing was sent.")
        ))
    })
}

/// Writes the results; when that fails at the end (file locked by Excel),
/// writes them beside it under another name, or in the temporary folder.
fn write_results_somewhere(results: &Path, plan: &Plan, rows: &[RowResult], lang: Lang) -> PathBuf {
    let first = report::write_results(results, &plan.columns, &plan.rows, rows, lang);
    let Err(e) = first else { return results.to_path_buf() };
    eprintln!("{} {}", lang.t("Erreur :", "Error:"), e.message);
    let stem = results.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "resultats".into());
    let ext = results.extension().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "xlsx".into());
    let stamp = report::now_iso().replace([':', '+'], "-");
    let name = format!("{stem}-{stamp}.{ext}");
    for candidate in [results.with_file_name(&name), std::env::temp_dir().join(&name)] {
        if report::write_results(&candidate, &plan.columns, &plan.rows, rows, lang).is_ok() {
            eprintln!(
                "{} {}",
                lang.t("Résultats écrits à la place dans :", "Results written instead to:"),
                candidate.display()
            );
            return candidate;
        }
    }
    results.to_path_buf()
}

/// One result per input row: the worst outcome among the calls serving it.
pub fn fold_rows(plan: &Plan, run: &RunOutcome, lang: Lang) -> Vec<RowResult> {
    let index: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    let mut serving: Vec<Vec<usize>> = vec![Vec::new(); plan.rows.len()];
    for (ci, c) in plan.calls.iter().enumerate() {
        for r in &c.rows {
            if let Some(&i) = index.get(r) {
                serving[i].push(ci);
            }
        }
    }
    let not_run = match &run.stop {
        Some(StopReason::Interrupted) => {
            lang.t("non exécuté : exécution interrompue (Ctrl-C)", "not run: run interrupted (Ctrl-C)").to_string()
        }
        Some(StopReason::RetryAfterTooLong { wait }) => format!(
            "{} {} s)",
            lang.t(
                "non exécuté : la passerelle impose une attente trop longue (",
                "not run: the gateway imposes too long a wait ("
            ),
            wait.as_secs()
        ),
        Some(StopReason::Fatal { message, .. }) => {
            format!("{} {message}", lang.t("non exécuté : exécution arrêtée,", "not run: run stopped,"))
        }
        None => lang.t("non exécuté", "not run").to_string(),
    };
    let ts = report::now_iso();
    plan.rows
        .iter()
        .enumerate()
        .map(|(i, row)| match row.check {
            RowCheck::Invalide => {
                RowResult { etape: "validation".into(), ..RowResult::new(Status::Invalide, row.problems.join(" | ")) }
            }
            RowCheck::Ignore => {
                RowResult::new(Status::Ignore, lang.t("rien à faire (action vide)", "nothing to do (blank action)"))
            }
            RowCheck::Valide => {
                let mut best: Option<RowResult> = None;
                let mut attempts = 0;
                for &ci in &serving[i] {
                    let call = &plan.calls[ci];
                    let o = run.outcomes.get(&call.id).cloned().unwrap_or_else(|| CallOutcome {
                        status: Status::NonExecute,
                        code_http: None,
                        message: not_run.clone(),
                        request_id: String::new(),
                        object_id: String::new(),
                        attempts: 0,
                        timestamp: ts.clone(),
                    });
                    attempts += o.attempts;
                    let candidate = RowResult {
                        status: o.status,
                        etape: call.operation.name().into(),
                        code_http: o.code_http,
                        message: o.message,
                        request_id: o.request_id,
                        object_id: o.object_id,
                        attempts: 0,
                        timestamp: o.timestamp,
                    };
                    // Ties go to the later call (the contact's, with its objectId).
                    if best.as_ref().is_none_or(|b| candidate.status >= b.status) {
                        best = Some(candidate);
                    }
                }
                let mut r =
                    best.unwrap_or_else(|| RowResult::new(Status::Ok, lang.t("rien à envoyer", "nothing to send")));
                r.attempts = attempts;
                r
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn summary(
    plan: &Plan,
    rows: &[RowResult],
    run: &RunOutcome,
    results: &Path,
    journal: &Path,
    s: &Settings,
    code: u8,
    lang: Lang,
) {
    let counts = report::count_statuses(rows);
    let mut errors: HashMap<&str, usize> = HashMap::new();
    for r in rows.iter().filter(|r| matches!(r.status, Status::Erreur | Status::AVerifier)) {
        *errors.entry(r.message.as_str()).or_default() += 1;
    }
    let mut top: Vec<(&str, usize)> = errors.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top.truncate(5);
    let stop_text = run.stop.as_ref().map(|st| match st {
        StopReason::Interrupted => lang.t("interrompue (Ctrl-C)", "interrupted (Ctrl-C)").to_string(),
        StopReason::RetryAfterTooLong { wait } => format!(
            "{} {} s ; {}",
            lang.t("la passerelle impose une attente de", "the gateway imposes a wait of"),
            wait.as_secs(),
            lang.t(
                "relancez plus tard avec --resume, ou augmentez max_retry_after_s",
                "run again later with --resume, or raise max_retry_after_s"
            )
        ),
        StopReason::Fatal { message, .. } => message.clone(),
    });
    if s.format == OutputFormat::Json {
        let v = json!({
            "command": "run",
            "source": plan.source.file,
            "results": results.display().to_string(),
            "journal": journal.display().to_string(),
            "rows": counts,
            "calls": { "total": plan.calls.len(), "sent": run.calls_sent },
            "stopped": stop_text,
            "top_errors": top.iter().map(|(m, n)| json!({"message": m, "rows": n})).collect::<Vec<_>>(),
            "elapsed_s": (run.elapsed.as_secs_f64() * 10.0).round() / 10.0,
            "exit_code": code,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    if let Some(t) = &stop_text {
        eprintln!("{} {t}", lang.t("Exécution arrêtée :", "Run stopped:"));
        eprintln!("{} {}", lang.t("Pour reprendre :", "To resume:"), s.command);
    }
    if s.quiet {
        return;
    }
    let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    eprintln!(
        "{} {} ({} {} {}, {:.1} s)",
        lang.t("Lignes :", "Rows:"),
        parts.join(", "),
        run.calls_sent,
        lang.t("envois pour", "requests for"),
        plan.calls.len(),
        run.elapsed.as_secs_f64()
    );
    if !top.is_empty() {
        eprintln!("{}", lang.t("Erreurs les plus fréquentes :", "Most frequent errors:"));
        for (m, n) in &top {
            eprintln!("  {n:>5} × {m}");
        }
    }
    eprintln!("{} {}", lang.t("Résultats :", "Results:"), results.display());
}

const DEMO_SHEET: &[u8] = include_bytes!("../../samples/onboarding-clients.csv");
const DEMO_DOSSIERS: &[u8] = include_bytes!("../../samples/dossiers-simulateur.csv");

/// The whole engine on the embedded simulator: no account, no network.
pub fn demo(args: &DemoArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|e| Failure::unusable(format!("{} : {e}", out.display())))?;
    let sheet = out.join("onboarding-clients.csv");
    let dossiers = out.join("dossiers-simulateur.csv");
    let results = out.join("resultats-demo.xlsx");
    report::write_atomic(&sheet, DEMO_SHEET, lang)?;
    report::write_atomic(&dossiers, DEMO_DOSSIERS, lang)?;
    // Each demo starts afresh: its own journal from a previous demo goes.
    let _ = std::fs::remove_file(journal::path_for(&results));
    let model = simulator::build_model(
        &simulator::Seed {
            dossiers: Some(dossiers),
            uninvited_domains: vec!["boucherie-robert.fr".into()],
            ..Default::default()
        },
        7,
        lang,
    )?;
    let prepared =
        super::prepare(&sheet, &InputArgs { sheet: None, encoding: None, delimiter: None }, cfg, Bodies::Yes, None)?;
    let mut cfg = cfg.clone();
    cfg.rate = crate::config::Rate { count: 10, per: Duration::from_secs(1) };
    cfg.burst = 1;
    cfg.concurrency = 4;
    cfg.request_timeout = Duration::from_secs(5);
    let sim_opts = simulator::Options {
        model,
        rate: Some(crate::config::Rate { count: 20, per: Duration::from_secs(1) }),
        faults: simulator::Faults {
            latency: Duration::from_millis(25),
            jitter: Duration::from_millis(15),
            fail_rate: 0.03,
            lost_answer_rate: 0.02,
            ..Default::default()
        },
        seed: 7,
        routes: cfg.routes.clone(),
        ..Default::default()
    };
    let rt = super::runtime(lang)?;
    let handle = rt.block_on(simulator::start(sim_opts, 0)).map_err(|e| simulator::bind_failure(0, &e, lang))?;
    cfg.base_url = handle.base_url.clone();
    eprintln!(
        "{} {}\n{}",
        lang.t("Démonstration : simulateur Cegid Loop intégré sur", "Demo: embedded Cegid Loop simulator on"),
        handle.base_url,
        lang.t(
            "(débit limité à 10 appels/s, quelques pannes injectées ; les erreurs de l'exemple sont volontaires)",
            "(rate limited to 10 calls/s, a few injected faults; the sample's mistakes are deliberate)"
        )
    );
    let settings =
        Settings { quiet: args.quiet, format: OutputFormat::Text, resume: false, command: "loopbatch demo".into() };
    let code = execute_and_report(
        &prepared.plan,
        &results,
        &cfg,
        Secret::new(simulator::DEMO_SUBSCRIPTION_KEY),
        Secret::new(simulator::DEMO_API_KEY),
        &settings,
        None,
    );
    rt.block_on(handle.stop());
    let code = code?;
    eprintln!(
        "{} {}",
        lang.t(
            "Ouvrez le fichier de résultats dans Excel ou LibreOffice : une ligne par ligne du tableur, avec son statut et le message exact de l'API :",
            "Open the results file in Excel or LibreOffice: one line per sheet row, with its status and the API's exact message:"
        ),
        results.display()
    );
    Ok(if code == exit::STOPPED { exit::STOPPED } else { exit::OK })
}
