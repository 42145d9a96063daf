//! The command line's front end: each command turns its arguments into a
//! call to the library (`job`), prints what came back, and returns the exit
//! code. No command calls another command's module. A closed standard output
//! never changes the exit code.

mod check;
mod checked;
mod dossiers;
mod history;
mod progress;
mod registre;
mod run;
mod simulate;
mod template;
mod ui;

use crate::cli::{Cli, Command, InputArgs};
use crate::config::Config;
use crate::error::Result;
use crate::i18n::Lang;
use crate::job::SheetInput;

/// The runtime of a command that talks HTTP: the front end's, never the
/// library's.
fn runtime() -> Result<tokio::runtime::Runtime> {
    built(tokio::runtime::Builder::new_multi_thread().enable_all().build())
}

/// One thread for a run's engine: it waits on the network and the pace
/// nearly all the time, and handing tasks between threads would cost more
/// CPU than the work itself (measured in benches/run.rs). Blocking work
/// (reading the sheet) still goes to tokio's blocking threads.
fn engine_runtime() -> Result<tokio::runtime::Runtime> {
    built(tokio::runtime::Builder::new_current_thread().enable_all().build())
}

fn built(rt: std::io::Result<tokio::runtime::Runtime>) -> Result<tokio::runtime::Runtime> {
    rt.map_err(|e| crate::error::Failure::refused(crate::error::Refusal::CannotStart { error: (&e).into() }))
}

fn sheet_input(file: &std::path::Path, input: &InputArgs) -> SheetInput {
    SheetInput {
        file: file.to_path_buf(),
        sheet: input.sheet.clone(),
        encoding: input.encoding,
        delimiter: input.delimiter,
    }
}

/// The configuration's keys, their warnings said.
fn keys(cfg: &Config) -> Result<crate::job::Keys> {
    let keys = crate::job::keys(cfg, None)?;
    for w in &keys.warnings {
        warn(cfg.lang, w);
    }
    Ok(keys)
}

/// Writes one line to standard output. A reader that went away (`| head
/// -1`, a closed pipe) is not the work's business: the error is ignored, so
/// the work goes on and the exit code stays what the work decided.
fn print_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

fn warn(lang: Lang, message: &str) {
    eprintln!("{}", crate::messages::Text::text(&crate::messages::Notice::Warning { text: message }, lang));
}

/// Runs the command and returns its exit code.
pub(crate) fn dispatch(cli: Cli) -> Result<u8> {
    let lang = cli.global.lang;
    let mut cfg = Config::load(cli.global.config.as_deref(), lang)?;
    // `--registre` wins over LOOPBATCH_REGISTRE and the file's `registre`.
    let flag = match &cli.command {
        Command::Run(a) => a.place.registre.clone(),
        Command::Demo(a) => a.place.registre.clone(),
        Command::Ui(a) => a.place.registre.clone(),
        Command::Registre(a) => a.place.registre.clone(),
        Command::Verify(a) => a.place.registre.clone(),
        Command::Undo(a) => a.place.registre.clone(),
        Command::History(a) => a.place.registre.clone(),
        _ => None,
    };
    cfg.registre = flag.or(cfg.registre);
    for w in &cfg.warnings {
        warn(lang, w);
    }
    match cli.command {
        Command::Check(args) => check::check(&args, &cfg),
        Command::Plan(args) => check::plan(&args, &cfg),
        Command::Template(args) => template::template(&args, &cfg),
        Command::Simulate(args) => simulate::simulate(&args, &cfg),
        Command::Run(args) => run::run(&args, &cfg),
        Command::Dossiers(args) => dossiers::dossiers(&args, &cfg),
        Command::Demo(args) => run::demo(&args, &cfg),
        Command::Undo(args) => run::undo(&args, &cfg),
        Command::Ui(args) => ui::ui(&args, &cfg),
        Command::Registre(args) => registre::registre(&args, &cfg),
        Command::Verify(args) => {
            let files = crate::job::RunFiles::new(&args.results).with_registre(cfg.registre.clone());
            let (sheet, calls) = crate::job::verify(&files, args.sheet.as_deref(), args.line, args.done, lang)?;
            let said =
                crate::messages::MemoryMessage::Verified { done: args.done, calls, sheet: &sheet, line: args.line };
            print_line(&crate::messages::Text::text(&said, lang));
            Ok(crate::error::exit::OK)
        }
        Command::History(args) => history::history(&args, &cfg),
    }
}
