//! Checking a sheet and saying what was found, as `check` and
//! `run --dry-run` both do; the summaries of `check` and `plan`.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::{InputArgs, OutputFormat};
use crate::config::Config;
use crate::error::{Result, exit};
use crate::i18n::Lang;
use crate::job::{self, PlanCounts, Prepared, RowCheck};
use crate::messages::{MemoryMessage, Message, Text};
use crate::problems::Place;

/// What to check and how to say it.
pub(super) struct SheetCheck<'a> {
    pub file: &'a Path,
    pub input: &'a InputArgs,
    pub results: Option<&'a Path>,
    pub format: OutputFormat,
    /// `--online`, with `--domain` and `--as`.
    pub online: bool,
    pub domain: Option<&'a str>,
    pub as_email: Option<&'a str>,
}

/// Checks the sheet (against LoopHub when online), writes the results when
/// asked, prints the summary; exit 1 when a row is invalid.
pub(super) fn check_and_say(cfg: &Config, c: &SheetCheck) -> Result<u8> {
    let lang = cfg.lang;
    if let Some(out) = c.results {
        job::results_format(out)?;
        job::check_results_target(c.file, out, cfg.registre.as_deref(), lang)?;
    }
    let portfolio = match c.online {
        true => Some(super::runtime()?.block_on(job::fetch_portfolio(cfg, c.domain, super::keys(cfg)?))?),
        false => None,
    };
    let input = super::sheet_input(c.file, c.input);
    let p = job::check_sheet(cfg, &input, portfolio.as_ref(), c.as_email)?;
    if let Some(out) = c.results {
        job::write_check_results(&p.plan, out, cfg)?;
    }
    let counts = p.plan.counts();
    let code = if counts.invalid > 0 { exit::ROWS_FAILED } else { exit::OK };
    // The check plans no bodies: the memory compares them, so a known
    // registre has the sheet planned whole (with keys only: it is a tenant's).
    let known = job::keys(cfg, None).is_ok() && registre_files(cfg).registre().exists();
    let memory = match known {
        true => job::plan_sheet(cfg, &input, portfolio.as_ref()).ok().and_then(|full| memory_of(cfg, &full.plan)),
        false => memory_of(cfg, &p.plan),
    };
    print_summary("check", &p, &counts, c.results, None, memory.as_ref(), c.format, cfg.lang, code);
    // The process ends here: freeing every row one by one would only cost time.
    std::mem::forget(p);
    Ok(code)
}

/// What the registre's memory would make of the plan sent now (rows done
/// already, rows to send), when keys are set (the memory is a tenant's)
/// and the registre can be read; reads only, sends nothing.
pub(super) fn memory_of(cfg: &Config, plan: &job::Plan) -> Option<job::MemoryCounts> {
    let keys = job::keys(cfg, None).ok()?;
    super::runtime().ok()?.block_on(job::memory_counts(cfg, &keys, plan, &registre_files(cfg)))
}

fn registre_files(cfg: &Config) -> job::RunFiles {
    job::RunFiles::new("").with_registre(cfg.registre.clone())
}

/// The summary, as text on stderr or JSON on stdout.
#[allow(clippy::too_many_arguments)]
pub(super) fn print_summary(
    command: &str,
    p: &Prepared,
    c: &PlanCounts,
    results: Option<&Path>,
    plan: Option<&[PathBuf]>,
    memory: Option<&job::MemoryCounts>,
    format: OutputFormat,
    lang: Lang,
    code: u8,
) {
    match format {
        OutputFormat::Json => print_json(command, p, c, results, plan, memory, code),
        OutputFormat::Text => print_text(p, c, results, plan, memory, lang),
    }
}

/// The machine-readable summary (schema in the README).
fn print_json(
    command: &str,
    p: &Prepared,
    c: &PlanCounts,
    results: Option<&Path>,
    plan: Option<&[PathBuf]>,
    memory: Option<&job::MemoryCounts>,
    code: u8,
) {
    let v = json!({
        "command": command,
        "file": p.source.path.display().to_string(),
        "sha256": p.source.sha256,
        "rows": {
            "total": c.rows,
            "valid": c.valid,
            "invalid": c.invalid,
            "ignored": c.ignored,
            "with_warnings": c.with_warnings,
        },
        "dossiers": c.dossiers,
        "remarks": p.remarks,
        "calls": { "total": c.calls, "per_route": c.calls_per_route },
        "results": results.map(|p| p.display().to_string()),
        "plan": plan.map(|ps| ps.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()),
        "memory": memory,
        "exit_code": code,
    });
    super::print_line(&serde_json::to_string_pretty(&v).unwrap_or_default());
}

/// How many invalid rows the text summary lists before "…and N more".
const SHOWN_PROBLEMS: usize = 15;

fn print_text(
    p: &Prepared,
    c: &PlanCounts,
    results: Option<&Path>,
    plan: Option<&[PathBuf]>,
    memory: Option<&job::MemoryCounts>,
    lang: Lang,
) {
    for r in &p.remarks {
        eprintln!("{r}");
    }
    let sheets: Vec<&str> = {
        let mut s: Vec<&str> = p.plan.rows.iter().map(|r| &*r.feuille).collect();
        s.dedup();
        s
    };
    let path = p.source.path.as_path();
    eprintln!("{}", Message::CheckedFile { path, sheets: &sheets }.text(lang));
    let (rows, valid, invalid, ignored, with_warnings) = (c.rows, c.valid, c.invalid, c.ignored, c.with_warnings);
    eprintln!("{}", Message::CheckedRows { rows, valid, invalid, ignored, with_warnings }.text(lang));
    eprintln!("{}", Message::DossiersInvolved { n: c.dossiers }.text(lang));
    eprintln!("{}", Message::CallsPlanned { n: c.calls }.text(lang));
    for (route, n) in &c.calls_per_route {
        eprintln!("  {route:<45} {n:>6}");
    }
    if let Some(m) = memory {
        let (rows_done, rows_to_send, rows_held, tenant) =
            (m.rows_done, m.rows_to_send, m.rows_held, m.tenant.as_str());
        eprintln!("{}", MemoryMessage::Counts { rows_done, rows_to_send, rows_held, tenant }.text(lang));
        eprintln!("{}", MemoryMessage::Limits.text(lang));
    }
    let invalid: Vec<_> = p.plan.rows.iter().filter(|r| r.check == RowCheck::Invalide).collect();
    if !invalid.is_empty() {
        eprintln!("{}", Message::InvalidRows.text(lang));
        for r in invalid.iter().take(SHOWN_PROBLEMS) {
            let at = Place { sheet: r.feuille.clone(), line: r.ligne };
            eprintln!("  {}", Message::InvalidRow { at: &at, problems: &r.problems_said(lang) }.text(lang));
        }
        if invalid.len() > SHOWN_PROBLEMS {
            eprintln!("  {}", Message::MoreInvalidRows { n: invalid.len() - SHOWN_PROBLEMS }.text(lang));
        }
    }
    if let Some(path) = results {
        eprintln!("{}", Message::ResultsWritten { path }.text(lang));
    }
    if let Some(ps) = plan {
        for path in ps {
            eprintln!("{}", Message::PlanWritten { path }.text(lang));
        }
    }
}
