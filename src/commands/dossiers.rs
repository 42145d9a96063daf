//! `loopbatch dossiers`: the LoopHub portfolio as a sheet ready to fill in
//! for a monthly offer change (or a table on the terminal).

use std::io::Write;

use crate::cli::DossiersArgs;
use crate::config::Config;
use crate::error::{Result, exit};
use crate::job::{self, Filter};

pub(super) fn dossiers(args: &DossiersArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let filter = Filter::new(args.search.clone(), args.maitre.clone(), args.manager.clone(), lang)?;
    if let Some(out) = &args.results {
        job::results_format(out, lang)?;
    }
    let keys = super::keys(cfg)?;
    let export = job::export_portfolio(cfg, args.domain.as_deref(), keys, &filter, args.results.as_deref());
    let export = super::runtime(lang)?.block_on(export)?;
    match &args.results {
        Some(out) => eprintln!(
            "{} / {} {} {} {}",
            export.kept.len(),
            export.total,
            lang.t("dossiers écrits dans", "dossiers written to"),
            out.display(),
            lang.t(
                "— remplissez action, offre et ancienne_offre, puis `loopbatch check --online`.",
                "— fill in action, offre and ancienne_offre, then `loopbatch check --online`."
            )
        ),
        None => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{:<14} {:<40} {:<34} engagement_manager",
                "code_dossier", "raison_sociale", "maitre_dossier"
            );
            for f in &export.kept {
                let name: String = f.raison_sociale.chars().take(40).collect();
                let _ = writeln!(out, "{:<14} {:<40} {:<34} {}", f.code, name, f.maitre_dossier, f.engagement_manager);
            }
            eprintln!("{} / {} {}", export.kept.len(), export.total, lang.t("dossiers", "dossiers"));
        }
    }
    Ok(exit::OK)
}
