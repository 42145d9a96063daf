//! Checking and planning a sheet without sending anything, and the LoopHub
//! portfolio (fetched for `--online`, exported for a monthly change).

use std::path::{Path, PathBuf};

use crate::config::{Config, Keys};
use crate::error::{Failure, Result, WriteProblem};
use crate::execute::loophub;
use crate::messages::WorkbookText;
use crate::pipeline::Prepared;
use crate::plan::{Bodies, Plan};
use crate::portfolio::{Filter, Folder, Portfolio};
use crate::report::{self, ResultsFormat};
use crate::templates::{PORTFOLIO, template_xlsx};
use crate::validate::Online;

use super::SheetInput;

/// `--online`: check the rows against the LoopHub portfolio.
#[derive(Debug, Clone, Default)]
pub struct OnlineCheck {
    /// The cabinet's code in LoopHub (else the configuration's `domain`).
    pub domain: Option<String>,
    /// `--as EMAIL`: warn where this person may not switch applications on.
    pub as_email: Option<String>,
}

/// The keys to send: those given (typed in the page, the demo's), else the
/// configuration's (`Config::keys`), for its address: keys only travel over
/// https (or to this machine), so the address is checked first.
pub fn keys(cfg: &Config, given: Option<Keys>) -> Result<Keys> {
    crate::execute::client::check_base_url(&cfg.base_url)?;
    match given {
        Some(keys) => Ok(keys),
        None => cfg.keys(),
    }
}

/// The LoopHub portfolio of the cabinet.
pub async fn fetch_portfolio(cfg: &Config, domain: Option<&str>, keys: Keys) -> Result<Portfolio> {
    crate::execute::client::check_base_url(&cfg.base_url)?;
    loophub::fetch(cfg, domain, keys).await
}

/// Read -> rows -> validate -> plan of rows only (no calls: counts), with
/// the portfolio when the check is online. Blocking: CPU and file IO.
pub fn check_sheet(
    cfg: &Config,
    input: &SheetInput,
    portfolio: Option<&Portfolio>,
    as_email: Option<&str>,
) -> Result<Prepared> {
    let online = portfolio.map(|p| Online { portfolio: p, as_email });
    crate::pipeline::prepare(&input.file, &input.read_options(cfg.lang), cfg, Bodies::No, online.as_ref())
}

/// The full plan of a sheet (bodies, dependencies, order). Blocking.
pub fn plan_sheet(cfg: &Config, input: &SheetInput, portfolio: Option<&Portfolio>) -> Result<Prepared> {
    let online = portfolio.map(|p| Online { portfolio: p, as_email: None });
    crate::pipeline::prepare(&input.file, &input.read_options(cfg.lang), cfg, Bodies::Yes, online.as_ref())
}

/// Writes a plan as PLAN.json and, beside it, the readable PLAN.xlsx;
/// returns both paths.
pub fn write_plan(plan: &Plan, out: &Path) -> Result<[PathBuf; 2]> {
    plan.save_json(out)?;
    let readable = out.with_extension("xlsx");
    report::write_plan_xlsx(plan, &readable)?;
    Ok([out.to_path_buf(), readable])
}

/// The check's results file: every row with VALIDE / INVALIDE / IGNORE.
pub fn write_check_results(plan: &Plan, out: &Path, cfg: &Config) -> Result<()> {
    report::write_check_results(out, &plan.columns, &plan.rows, cfg.lang)
}

/// `run --dry-run PLAN.json`: the plan's rows as a check's results.
pub fn check_plan_file(cfg: &Config, plan_file: &Path, out: &Path) -> Result<Plan> {
    let plan = Plan::load_json(plan_file)?;
    plan.check_calls(plan_file, &cfg.routes)?;
    let results = report::check_results(&plan.rows, cfg.lang);
    report::write_results(out, &plan.columns, &plan.rows, &results, cfg.lang)?;
    Ok(plan)
}

/// The templates handed to users, written in `dir`.
pub fn write_templates(cfg: &Config, dir: &Path) -> Result<Vec<PathBuf>> {
    crate::templates::write_templates(dir, cfg.lang)
}

/// One template by its file name, for a download (`TEMPLATE_FILES`).
pub fn template_file(name: &str, lang: crate::i18n::Lang) -> Option<Vec<u8>> {
    crate::templates::template_file(name, lang)
}

pub use crate::templates::TEMPLATE_FILES;

/// The portfolio's dossiers a filter keeps, out of how many.
pub struct PortfolioExport {
    pub kept: Vec<Folder>,
    pub total: usize,
}

/// Fetches the portfolio, filters it as LoopHub does, and writes it as a
/// sheet ready to fill in (XLSX with the templates' look, or CSV).
pub async fn export_portfolio(
    cfg: &Config,
    domain: Option<&str>,
    keys: Keys,
    filter: &Filter,
    out: Option<&Path>,
) -> Result<PortfolioExport> {
    let lang = cfg.lang;
    if let Some(out) = out {
        report::results_format(out)?;
    }
    let portfolio = fetch_portfolio(cfg, domain, keys).await?;
    let total = portfolio.folders.len();
    let kept: Vec<Folder> = portfolio.folders.into_iter().filter(|f| filter.keeps(f)).collect();
    if let Some(out) = out {
        let rows: Vec<Vec<String>> = kept.iter().map(sheet_row).collect();
        match report::results_format(out)? {
            ResultsFormat::Xlsx => {
                let bytes = template_xlsx(WorkbookText::PortfolioSheet.say(lang), PORTFOLIO, &rows, lang)
                    .map_err(|e| Failure::write(out, WriteProblem::Workbook((&e).into())))?;
                crate::files::write_atomic(out, &bytes)?;
            }
            ResultsFormat::Csv => {
                let header: Vec<&str> = PORTFOLIO.iter().map(|col| col.name).collect();
                report::write_plain_csv(out, &header, &rows)?;
            }
        }
    }
    Ok(PortfolioExport { kept, total })
}

/// A dossier as a row of the portfolio sheet: action, offre and
/// ancienne_offre left for the user to fill in.
fn sheet_row(f: &Folder) -> Vec<String> {
    vec![
        String::new(),
        f.code.clone(),
        f.raison_sociale.clone(),
        f.nom_usuel.clone(),
        f.maitre_dossier.clone(),
        f.engagement_manager.clone(),
        String::new(),
        String::new(),
    ]
}
