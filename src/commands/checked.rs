//! Checking a sheet and saying what was found, as `check` and
//! `run --dry-run` both do; the summaries of `check` and `plan`.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::{InputArgs, OutputFormat};
use crate::config::Config;
use crate::error::{Result, exit};
use crate::i18n::Lang;
use crate::job::{self, PlanCounts, Prepared, RowCheck};

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
        job::results_format(out, lang)?;
        job::check_results_target(c.file, out, cfg.registre.as_deref(), lang)?;
    }
    let portfolio = match c.online {
        true => Some(super::runtime(lang)?.block_on(job::fetch_portfolio(cfg, c.domain, super::keys(cfg)?))?),
        false => None,
    };
    let input = super::sheet_input(c.file, c.input);
    let p = job::check_sheet(cfg, &input, portfolio.as_ref(), c.as_email)?;
    if let Some(out) = c.results {
        job::write_check_results(&p.plan, out, cfg)?;
    }
    let counts = p.plan.counts();
    let code = if counts.invalid > 0 { exit::ROWS_FAILED } else { exit::OK };
    print_summary("check", &p, &counts, c.results, None, c.format, cfg.lang, code);
    // The process ends here: freeing every row one by one would only cost time.
    std::mem::forget(p);
    Ok(code)
}

/// The summary, as text on stderr or JSON on stdout.
#[allow(clippy::too_many_arguments)]
pub(super) fn print_summary(
    command: &str,
    p: &Prepared,
    c: &PlanCounts,
    results: Option<&Path>,
    plan: Option<&[PathBuf]>,
    format: OutputFormat,
    lang: Lang,
    code: u8,
) {
    match format {
        OutputFormat::Json => print_json(command, p, c, results, plan, code),
        OutputFormat::Text => print_text(p, c, results, plan, lang),
    }
}

/// The machine-readable summary (schema in the README).
fn print_json(command: &str, p: &Prepared, c: &PlanCounts, results: Option<&Path>, plan: Option<&[PathBuf]>, code: u8) {
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
        "exit_code": code,
    });
    super::print_line(&serde_json::to_string_pretty(&v).unwrap_or_default());
}

/// How many invalid rows the text summary lists before "…and N more".
const SHOWN_PROBLEMS: usize = 15;

fn print_text(p: &Prepared, c: &PlanCounts, results: Option<&Path>, plan: Option<&[PathBuf]>, lang: Lang) {
    for r in &p.remarks {
        eprintln!("{r}");
    }
    let sheets: Vec<&str> = {
        let mut s: Vec<&str> = p.plan.rows.iter().map(|r| &*r.feuille).collect();
        s.dedup();
        s
    };
    eprintln!(
        "{} {} ({} : {})",
        lang.t("Fichier :", "File:"),
        p.source.path.display(),
        lang.t("feuilles lues", "sheets read"),
        sheets.join(", ")
    );
    eprintln!(
        "{} {} — {} {}, {} {}, {} {}, {} {}",
        lang.t("Lignes :", "Rows:"),
        c.rows,
        c.valid,
        lang.t("valides", "valid"),
        c.invalid,
        lang.t("invalides", "invalid"),
        c.ignored,
        lang.t("ignorées (rien à faire)", "ignored (nothing to do)"),
        c.with_warnings,
        lang.t("avec avertissements", "with warnings")
    );
    eprintln!("{} {}", lang.t("Dossiers concernés :", "Dossiers involved:"), c.dossiers);
    eprintln!("{} {}", lang.t("Appels prévus :", "Calls planned:"), c.calls);
    for (route, n) in &c.calls_per_route {
        eprintln!("  {route:<45} {n:>6}");
    }
    let invalid: Vec<_> = p.plan.rows.iter().filter(|r| r.check == RowCheck::Invalide).collect();
    if !invalid.is_empty() {
        eprintln!("{}", lang.t("Lignes invalides :", "Invalid rows:"));
        for r in invalid.iter().take(SHOWN_PROBLEMS) {
            eprintln!(
                "  {} « {} » {} {} : {}",
                lang.t("feuille", "sheet"),
                r.feuille,
                lang.t("ligne", "row"),
                r.ligne,
                r.problems.join(" | ")
            );
        }
        if invalid.len() > SHOWN_PROBLEMS {
            eprintln!(
                "  … {} {}",
                invalid.len() - SHOWN_PROBLEMS,
                lang.t("autres (voir le fichier de résultats)", "more (see the results file)")
            );
        }
    }
    if let Some(r) = results {
        eprintln!("{} {}", lang.t("Résultats :", "Results:"), r.display());
    }
    if let Some(ps) = plan {
        for p in ps {
            eprintln!("{} {}", lang.t("Plan écrit :", "Plan written:"), p.display());
        }
    }
}
