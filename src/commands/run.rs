//! `loopbatch run` and `loopbatch demo`: the run through the library, its
//! progress and summary on the terminal, Ctrl-C as the stop handle.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use crate::cli::{DemoArgs, OutputFormat, RunArgs, UndoArgs};
use crate::config::Config;
use crate::error::{Failure, Refusal, Result, exit};
use crate::i18n::Lang;
use crate::job::{
    self, Confirm, Confirmation, OnlineCheck, Pacing, RunFiles, RunReport, RunRequest, RunSource, Stopper,
};
use crate::messages::{MemoryMessage, Message, RunMessage, Text};

use super::checked::{SheetCheck, check_and_say};
use super::progress::Terminal;

pub(super) fn run(args: &RunArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let is_plan = args.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if args.dry_run {
        return dry_run(args, cfg, is_plan);
    }
    let source = match is_plan {
        true => RunSource::PlanFile(args.file.clone()),
        false => RunSource::Sheet {
            input: super::sheet_input(&args.file, &args.input),
            online: args.online.then(|| OnlineCheck { domain: args.domain.clone(), as_email: None }),
        },
    };
    let mut req = RunRequest::new(source, &args.results);
    req.resume = args.resume;
    req.only_failed = args.only_failed.as_ref().map(RunFiles::new);
    req.include_a_verifier = args.include_a_verifier;
    req.send_all = args.send_all;
    req.assume_yes = args.yes;
    req.new_key = args.new_key;
    req.pacing = Pacing { rate: args.rate, burst: args.burst, concurrency: args.concurrency, retries: args.retries };
    let resume = resume_command(args, cfg);
    let report = execute(&super::engine_runtime()?, cfg, req, args.quiet, &resume)?;
    summary(&report, args.quiet, args.format, &resume, lang, None);
    if report.stopped_on_unknown_route() && !is_plan && args.format == OutputFormat::Text {
        eprintln!("{}", RunMessage::RerunAfterRoutes { command: &rerun_command(args, cfg) }.text(lang));
    }
    Ok(report.exit_code)
}

/// `--dry-run`: a sheet is checked as by `check`; a plan's rows are reported.
fn dry_run(args: &RunArgs, cfg: &Config, is_plan: bool) -> Result<u8> {
    if !is_plan {
        let check = SheetCheck {
            file: &args.file,
            input: &args.input,
            results: Some(&args.results),
            format: args.format,
            online: args.online,
            domain: args.domain.as_deref(),
            as_email: None,
        };
        return check_and_say(cfg, &check);
    }
    job::check_results_target(&args.file, &args.results, cfg.registre.as_deref(), cfg.lang)?;
    let plan = job::check_plan_file(cfg, &args.file, &args.results)?;
    Ok(if plan.counts().invalid > 0 { exit::ROWS_FAILED } else { exit::OK })
}

/// The command that resumes this run, printed when it stops: it works as
/// printed from any folder, in sh, cmd and PowerShell. It runs the plan
/// copy kept beside the results (which holds the rows and the calls), with
/// the configuration and the flags that change what is sent.
fn resume_command(args: &RunArgs, cfg: &Config) -> String {
    let files = RunFiles::new(&args.results);
    let mut words = vec!["loopbatch".to_string()];
    if let Some(config) = &cfg.file {
        words.extend(["--config".into(), quote(config)]);
    }
    if cfg.lang == Lang::En {
        words.extend(["--lang".into(), "en".into()]);
    }
    words.extend(["run".into(), quote(&files.plan()), "--results".into(), quote(files.results()), "--resume".into()]);
    if let Some(previous) = &args.only_failed {
        words.extend(["--only-failed".into(), quote(previous)]);
    }
    if args.include_a_verifier {
        words.push("--include-a-verifier".into());
    }
    if args.send_all {
        words.push("--send-all".into());
    }
    if args.yes {
        words.push("--yes".into());
    }
    let numbers = [
        ("--rate", args.rate.map(|r| r.to_string())),
        ("--burst", args.burst.map(|b| b.to_string())),
        ("--concurrency", args.concurrency.map(|c| c.to_string())),
        ("--retries", args.retries.map(|r| r.to_string())),
    ];
    for (flag, value) in numbers {
        if let Some(v) = value {
            words.extend([flag.to_string(), v]);
        }
    }
    words.join(" ")
}

/// The command that runs again, from the sheet (so with a new plan), the
/// rows this run did not do, into results of their own beside these.
fn rerun_command(args: &RunArgs, cfg: &Config) -> String {
    let results = &args.results;
    let stem = results.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = results.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "xlsx".into());
    let again = results.with_file_name(format!("{stem}-relance.{ext}"));
    let mut words = vec!["loopbatch".to_string()];
    if let Some(config) = &cfg.file {
        words.extend(["--config".into(), quote(config)]);
    }
    if cfg.lang == Lang::En {
        words.extend(["--lang".into(), "en".into()]);
    }
    words.extend(["run".into(), quote(&args.file), "--results".into(), quote(&again)]);
    words.extend(["--only-failed".into(), quote(results)]);
    words.join(" ")
}

/// An absolute path, quoted for sh, cmd and PowerShell alike: in double
/// quotes (spaces, accents), or single ones where sh and PowerShell would
/// expand `$` or a backquote inside double quotes.
fn quote(p: &Path) -> String {
    let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let s = absolute.display().to_string();
    if s.contains(['$', '`', '"']) && !s.contains('\'') { format!("'{s}'") } else { format!("\"{s}\"") }
}

/// Runs the request on a runtime of its own, with Ctrl-C as the stop
/// handle (a second Ctrl-C ends the process at once) and the terminal's
/// confirmation.
fn execute(
    rt: &tokio::runtime::Runtime,
    cfg: &Config,
    req: RunRequest,
    quiet: bool,
    resume: &str,
) -> Result<RunReport> {
    on_terminal(rt, cfg.lang, quiet, resume, |events, stopper, confirm| job::run(cfg, req, events, stopper, confirm))
}

/// A run of the library (a run, an undo) with the terminal's progress,
/// Ctrl-C and confirmation.
fn on_terminal<'a, F>(
    rt: &tokio::runtime::Runtime,
    lang: Lang,
    quiet: bool,
    resume: &str,
    go: impl FnOnce(job::EventSink, Stopper, Confirm) -> F,
) -> Result<RunReport>
where
    F: std::future::Future<Output = Result<RunReport>> + 'a,
{
    let terminal = Arc::new(Terminal::new(lang, quiet));
    let events: job::EventSink = {
        let terminal = terminal.clone();
        Arc::new(move |e| terminal.show(e))
    };
    let stopper = Stopper::default();
    rt.block_on(async {
        let ctrl_c = tokio::spawn(ctrl_c(stopper.clone(), resume.to_string(), lang));
        let report = go(events, stopper, confirm_on_terminal(lang)).await;
        ctrl_c.abort();
        report
    })
}

async fn ctrl_c(stopper: Stopper, resume: String, lang: Lang) {
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("{}", RunMessage::Interrupted.text(lang));
        stopper.interrupt();
    }
    // A second Ctrl-C stops at once: the journal settles the rest.
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("{}", RunMessage::StoppedAtOnce { resume: &resume }.text(lang));
        std::process::exit(i32::from(exit::STOPPED));
    }
}

/// The go-ahead asked on the terminal: the target, the calls per route.
fn confirm_on_terminal(lang: Lang) -> Confirm {
    Box::new(move |c: Confirmation| {
        Box::pin(async move {
            let asked = tokio::task::spawn_blocking(move || ask(&c, lang)).await;
            asked.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        })
    })
}

fn ask(c: &Confirmation, lang: Lang) -> Result<()> {
    eprintln!("{}", RunMessage::Target { host: &c.host }.text(lang));
    for (route, n) in &c.calls_per_route {
        eprintln!("  {route:<45} {n:>6}");
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::refused(Refusal::NoTerminalToConfirm));
    }
    eprint!("{} ", RunMessage::SendTheseCalls { calls: c.calls }.text(lang));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim().to_lowercase().as_str(), "o" | "oui" | "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::refused(Refusal::Aborted))
    }
}

fn summary(
    report: &RunReport,
    quiet: bool,
    format: OutputFormat,
    resume: &str,
    lang: Lang,
    verdicts: Option<std::collections::BTreeMap<String, usize>>,
) {
    let counts = report.counts();
    let top = report.top_errors(5);
    if format == OutputFormat::Json {
        let v = json!({
            "command": if verdicts.is_some() { "undo" } else { "run" },
            "verdicts": verdicts,
            "source": report.source,
            "results": report.results.as_ref().map(|p| p.display().to_string()),
            "journal": report.files.registre().display().to_string(),
            "registre": report.files.registre().display().to_string(),
            "rows": counts,
            "calls": { "total": report.calls_total, "sent": report.calls_sent },
            "stopped": report.stop_text,
            "top_errors": top.iter().map(|(m, n)| json!({"message": m, "rows": n})).collect::<Vec<_>>(),
            "elapsed_s": (report.elapsed.as_secs_f64() * 10.0).round() / 10.0,
            "rate_final_per_s": (report.rate_final_per_s * 10.0).round() / 10.0,
            "exit_code": report.exit_code,
            "registre_new_since": report.registre_new_since,
            "memory": report.memory,
        });
        super::print_line(&serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    if let Some(t) = &report.stop_text {
        eprintln!("{}", RunMessage::RunStopped { why: t }.text(lang));
        let fix_base_url = report.stopped_on_unknown_route();
        eprintln!("{}", RunMessage::ToResume { command: resume, fix_base_url }.text(lang));
    }
    if let Some(since) = &report.registre_new_since {
        eprintln!("{}", RunMessage::RegistreNewSince { since }.text(lang));
    }
    if quiet {
        return;
    }
    let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let (sent, total, seconds) = (report.calls_sent, report.calls_total, report.elapsed.as_secs_f64());
    eprintln!("{}", RunMessage::RunRows { statuses: &parts.join(", "), sent, total, seconds }.text(lang));
    if !top.is_empty() {
        eprintln!("{}", RunMessage::MostFrequentErrors.text(lang));
        for (m, n) in &top {
            eprintln!("  {n:>5} × {m}");
        }
    }
    if let Some(m) = &report.memory {
        let (rows_done, rows_to_send, rows_held) = (m.rows_done, m.rows_to_send, m.rows_held);
        let counts = MemoryMessage::Counts { rows_done, rows_to_send, rows_held, tenant: &m.tenant };
        eprintln!("{}", counts.text(lang));
    }
    if let Some(results) = &report.results {
        eprintln!("{}", Message::ResultsWritten { path: results }.text(lang));
    }
}

/// The whole engine on the embedded simulator: no account, no network.
pub(super) fn demo(args: &DemoArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let rt = super::runtime()?;
    let demo = rt.block_on(job::start_demo(cfg, &args.out))?;
    eprintln!("{}", RunMessage::DemoStarted { base_url: &demo.cfg.base_url }.text(lang));
    let report = execute(&rt, &demo.cfg, demo.request(), args.quiet, "loopbatch demo");
    rt.block_on(demo.simulator.stop());
    let report = report?;
    summary(&report, args.quiet, OutputFormat::Text, "loopbatch demo", lang, None);
    // Only a file that was written is named.
    if let Some(results) = &report.results {
        eprintln!("{}", RunMessage::DemoResults { path: results }.text(lang));
    }
    Ok(if report.exit_code == exit::STOPPED { exit::STOPPED } else { exit::OK })
}

/// `loopbatch undo`: the verdicts said (and written with `--dry-run`), then
/// the inverse calls run as a run of their own.
pub(super) fn undo(args: &UndoArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let undone = job::UndoneRef::parse(&args.run);
    let ticks = if args.partial { job::UndoTicks::All } else { job::UndoTicks::None };
    let preview = match args.resume {
        true => None,
        false if args.dry_run => Some(job::undo_preview_dry(cfg, &undone, cfg.registre.as_deref(), &ticks)?),
        false => Some(job::undo_preview(cfg, &undone, cfg.registre.as_deref(), &ticks)?),
    };
    if let Some(p) = &preview {
        p.results_allowed(&args.results, lang)?;
        let parts: Vec<String> = p.counts().iter().map(|(k, v)| format!("{k} {v}")).collect();
        let calls = p.plan.calls.len();
        if args.format == OutputFormat::Text && !args.quiet {
            let said = crate::messages::UndoText::Verdicts { run: p.run, verdicts: &parts.join(", "), calls };
            eprintln!("{}", said.text(lang));
        }
        if args.dry_run {
            job::write_undo_dry_run(p, &args.results, lang)?;
            if args.format == OutputFormat::Json {
                let v =
                    json!({"command": "undo", "run": p.run, "dry_run": true, "verdicts": p.counts(), "calls": calls});
                super::print_line(&serde_json::to_string_pretty(&v).unwrap_or_default());
            } else if !args.quiet {
                eprintln!("{}", Message::ResultsWritten { path: &args.results }.text(lang));
            }
            return Ok(exit::OK);
        }
    }
    let verdicts = preview.as_ref().map(|p| p.counts().into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let req = job::UndoRequest {
        undone,
        results: args.results.clone(),
        ticks,
        resume: args.resume,
        registre: cfg.registre.clone(),
        assume_yes: args.yes,
        pacing: Pacing { rate: args.rate, ..Pacing::default() },
        keys: None,
        front: job::Front::Command,
    };
    let resume = undo_resume_command(args, cfg);
    let rt = super::engine_runtime()?;
    let report = on_terminal(&rt, lang, args.quiet, &resume, |events, stopper, confirm| {
        job::undo(cfg, req, preview, events, stopper, confirm)
    })?;
    summary(&report, args.quiet, args.format, &resume, lang, verdicts);
    Ok(report.exit_code)
}

/// The command that resumes an undo as printed when it stops.
fn undo_resume_command(args: &UndoArgs, cfg: &Config) -> String {
    let mut words = vec!["loopbatch".to_string()];
    if let Some(config) = &cfg.file {
        words.extend(["--config".into(), quote(config)]);
    }
    if cfg.lang == Lang::En {
        words.extend(["--lang".into(), "en".into()]);
    }
    words.extend(["undo".into(), format!("\"{}\"", args.run), "--results".into(), quote(&args.results)]);
    words.push("--resume".into());
    if args.yes {
        words.push("--yes".into());
    }
    words.join(" ")
}
