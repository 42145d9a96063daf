//! One module per command: each turns its arguments into calls to the
//! pipeline stages and returns the exit code.

mod check;
mod dossiers;
mod run;
mod simulate;
mod template;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::error::Result;

pub use check::prepare;

/// A multi-threaded tokio runtime for the commands that talk HTTP.
pub(crate) fn runtime(lang: crate::i18n::Lang) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| {
        crate::error::Failure::unusable(format!("{} {e}", lang.t("Démarrage impossible :", "Cannot start:")))
    })
}

/// Runs the command and returns its exit code.
pub fn dispatch(cli: Cli) -> Result<u8> {
    let lang = cli.global.lang;
    let cfg = Config::load(cli.global.config.as_deref(), lang)?;
    for w in &cfg.warnings {
        eprintln!("{} {w}", lang.t("Avertissement :", "Warning:"));
    }
    match cli.command {
        Command::Check(args) => check::check(&args, &cfg),
        Command::Plan(args) => check::plan(&args, &cfg),
        Command::Template(args) => template::template(&args, &cfg),
        Command::Simulate(args) => simulate::simulate(&args, &cfg),
        Command::Run(args) => run::run(&args, &cfg),
        Command::Dossiers(args) => dossiers::dossiers(&args, &cfg),
        Command::Demo(args) => run::demo(&args, &cfg),
    }
}
