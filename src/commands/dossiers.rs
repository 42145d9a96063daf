//! `loopbatch dossiers`: the LoopHub portfolio as a sheet ready to fill in
//! for a monthly offer change (or a table on the terminal).

use std::io::Write;

use crate::cli::DossiersArgs;
use crate::config::Config;
use crate::error::{Result, exit};
use crate::job::{self, Filter};
use crate::messages::{Message, Text};

pub(super) fn dossiers(args: &DossiersArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let filter = Filter::new(args.search.clone(), args.maitre.clone(), args.manager.clone())?;
    if let Some(out) = &args.results {
        job::results_format(out)?;
    }
    let keys = super::keys(cfg)?;
    let export = job::export_portfolio(cfg, args.domain.as_deref(), keys, &filter, args.results.as_deref());
    let export = super::runtime()?.block_on(export)?;
    match &args.results {
        Some(out) => {
            let (kept, total) = (export.kept.len(), export.total);
            eprintln!("{}", Message::DossiersWritten { kept, total, path: out }.text(lang))
        }
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
            eprintln!("{}", Message::DossiersShown { kept: export.kept.len(), total: export.total }.text(lang));
        }
    }
    Ok(exit::OK)
}
