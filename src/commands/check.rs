//! `loopbatch check` and `loopbatch plan`: read, type, validate, plan, and
//! report without sending anything.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::{CheckArgs, InputArgs, OutputFormat, PlanArgs};
use crate::config::Config;
use crate::error::{Failure, Result, exit};
use crate::i18n::Lang;
use crate::pipeline::Prepared;
use crate::plan::{Bodies, Plan, PlanCounts, RowCheck};
use crate::read::ReadOptions;
use crate::report;

/// Read -> rows -> validate -> plan, with the command's reading options.
pub fn prepare(
    file: &Path,
    input: &InputArgs,
    cfg: &Config,
    bodies: Bodies,
    online: Option<&crate::validate::Online>,
) -> Result<Prepared> {
    let lang = cfg.lang;
    let opts = ReadOptions { sheet: input.sheet.clone(), encoding: input.encoding, delimiter: input.delimiter, lang };
    crate::pipeline::prepare(file, &opts, cfg, bodies, online)
}

pub fn check(args: &CheckArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    if let Some(out) = &args.results {
        report::results_format(out, lang)?;
    }
    let portfolio = match args.online {
        true => Some(super::run::fetch_portfolio(cfg, args.domain.as_deref())?),
        false => None,
    };
    let online =
        portfolio.as_ref().map(|p| crate::validate::Online { portfolio: p, as_email: args.as_email.as_deref() });
    let p = prepare(&args.file, &args.input, cfg, Bodies::No, online.as_ref())?;
    if let Some(out) = &args.results {
        report::write_check_results(out, &p.plan.columns, &p.plan.rows, lang)?;
    }
    let counts = p.plan.counts();
    let code = if counts.invalid > 0 { exit::ROWS_FAILED } else { exit::OK };
    match args.format {
        OutputFormat::Json => print_json("check", &p, &counts, args.results.as_deref(), None, code),
        OutputFormat::Text => print_text(&p, &counts, args.results.as_deref(), None, lang),
    }
    // The process ends here: freeing every row one by one would only cost time.
    std::mem::forget(p);
    Ok(code)
}

pub fn plan(args: &PlanArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let p = prepare(&args.file, &args.input, cfg, Bodies::Yes, None)?;
    let counts = p.plan.counts();
    p.plan.save_json(&args.out, lang)?;
    let readable = args.out.with_extension("xlsx");
    let bytes = plan_xlsx(&p.plan, lang).map_err(|e| Failure::unusable(format!("{} : {e}", readable.display())))?;
    report::write_atomic(&readable, &bytes, lang)?;
    let code = if counts.invalid > 0 { exit::ROWS_FAILED } else { exit::OK };
    let written = [args.out.clone(), readable];
    match args.format {
        OutputFormat::Json => print_json("plan", &p, &counts, None, Some(&written), code),
        OutputFormat::Text => print_text(&p, &counts, None, Some(&written), lang),
    }
    Ok(code)
}

/// The machine-readable summary (schema in the README).
pub(super) fn print_json(
    command: &str,
    p: &Prepared,
    c: &PlanCounts,
    results: Option<&Path>,
    plan: Option<&[PathBuf]>,
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
        "calls": { "total": c.calls, "per_route": c.calls_per_route },
        "results": results.map(|p| p.display().to_string()),
        "plan": plan.map(|ps| ps.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()),
        "exit_code": code,
    });
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
}

/// How many invalid rows the text summary lists before "…and N more".
const SHOWN_PROBLEMS: usize = 15;

pub(super) fn print_text(p: &Prepared, c: &PlanCounts, results: Option<&Path>, plan: Option<&[PathBuf]>, lang: Lang) {
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

/// The plan as a sheet a person can review.
fn plan_xlsx(plan: &Plan, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    // As the results sheet: rows streamed to a temporary file, Excel's level.
    book.set_zip_compression_level(3);
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name(lang.t("Plan", "Plan"))?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format_index(49);
    let headers = [
        "id",
        "dossier",
        "etape",
        "route",
        lang.t("corps_json", "json_body"),
        lang.t("lignes", "rows"),
        lang.t("depend_de", "depends_on"),
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, call) in plan.calls.iter().enumerate() {
        let r = i as u32 + 1;
        let rows: Vec<String> = call.rows.iter().map(|x| format!("{}!{}", x.feuille, x.ligne)).collect();
        let deps: Vec<String> = call.depends_on.iter().map(u32::to_string).collect();
        sheet.write_number(r, 0, call.id)?;
        sheet.write_string_with_format(r, 1, &*call.dossier, &text)?;
        sheet.write_string(r, 2, call.operation.name())?;
        sheet.write_string(r, 3, &*call.route)?;
        sheet.write_string_with_format(r, 4, call.body.to_string(), &text)?;
        sheet.write_string_with_format(r, 5, rows.join(", "), &text)?;
        sheet.write_string_with_format(r, 6, deps.join(", "), &text)?;
    }
    for (c, w) in [6.0, 14.0, 22.0, 42.0, 90.0, 24.0, 14.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, plan.calls.len() as u32, 6)?;
    book.save_to_buffer()
}
