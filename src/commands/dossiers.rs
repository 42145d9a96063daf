//! `loopbatch dossiers`: the LoopHub portfolio as a sheet ready to fill in
//! for a monthly offer change (or a table on the terminal).

use std::io::Write;

use crate::cli::DossiersArgs;
use crate::config::Config;
use crate::error::{Failure, Result, exit};
use crate::portfolio::{Filter, Folder};
use crate::report::{self, ResultsFormat};
use crate::templates::{PORTFOLIO, template_xlsx};

pub fn dossiers(args: &DossiersArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let filter = Filter::new(args.search.clone(), args.maitre.clone(), args.manager.clone(), lang)?;
    if let Some(out) = &args.results {
        report::results_format(out, lang)?;
    }
    let portfolio = super::run::fetch_portfolio(cfg, args.domain.as_deref())?;
    let kept: Vec<&Folder> = portfolio.folders.iter().filter(|f| filter.keeps(f)).collect();
    let rows: Vec<Vec<String>> = kept
        .iter()
        .map(|f| {
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
        })
        .collect();
    match &args.results {
        Some(out) => {
            match report::results_format(out, lang)? {
                ResultsFormat::Xlsx => {
                    let bytes = template_xlsx(lang.t("Portefeuille", "Portfolio"), &PORTFOLIO, &rows, lang)
                        .map_err(|e| Failure::unusable(format!("{} : {e}", out.display())))?;
                    report::write_atomic(out, &bytes, lang)?;
                }
                ResultsFormat::Csv => report::write_atomic_with(out, lang, |w| {
                    w.write_all(b"\xEF\xBB\xBF")?;
                    let mut c =
                        csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(w);
                    c.write_record(PORTFOLIO.iter().map(|col| col.name))?;
                    for r in &rows {
                        c.write_record(r.iter().map(|v| report::csv_safe(v).into_owned()))?;
                    }
                    c.flush()
                })?,
            }
            eprintln!(
                "{} {} / {} {} {}",
                kept.len(),
                portfolio.folders.len(),
                lang.t("dossiers écrits dans", "dossiers written to"),
                out.display(),
                lang.t(
                    "— remplissez action, offre et ancienne_offre, puis `loopbatch check --online`.",
                    "— fill in action, offre and ancienne_offre, then `loopbatch check --online`."
                )
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{:<14} {:<40} {:<34} engagement_manager",
                "code_dossier", "raison_sociale", "maitre_dossier"
            );
            for f in &kept {
                let name: String = f.raison_sociale.chars().take(40).collect();
                let _ = writeln!(out, "{:<14} {:<40} {:<34} {}", f.code, name, f.maitre_dossier, f.engagement_manager);
            }
            eprintln!("{} / {} {}", kept.len(), portfolio.folders.len(), lang.t("dossiers", "dossiers"));
        }
    }
    Ok(exit::OK)
}
