//! loopbatch: batch provisioning of Cegid Loop from a cabinet's spreadsheet.
//!
//! A pipeline of stages, one module each (see ARCHITECTURE.md):
//! read -> rows -> validate -> plan -> execute -> report.
//!
//! Public: `job` (and the types it hands out), `simulator` and a hidden
//! `fuzzing`; every other module is `pub(crate)`, and the `unreachable_pub`
//! lint (Cargo.toml) flags a `pub` nothing outside can reach. `main_entry`
//! says a failure in the user's words, and a panic as a defect (exit 101).

// Standard error written as `eprintln!` does, but a closed one (`2>&1 |
// head`) is ignored instead of panicking: a run never dies of its words.
// Declared before the modules, so it is the one they use.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) mod cli;
mod cli_en;
pub(crate) mod commands;
pub(crate) mod config;
pub(crate) mod error;
pub(crate) mod execute;
pub(crate) mod files;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod headers;
pub(crate) mod i18n;
pub mod job;
pub(crate) mod loop_api;
pub(crate) mod messages;
pub(crate) mod normalize;
pub(crate) mod outcome;
pub(crate) mod pipeline;
pub(crate) mod plan;
pub(crate) mod portfolio;
pub(crate) mod problems;
pub(crate) mod read;
pub(crate) mod registre;
pub(crate) mod report;
pub(crate) mod rows;
pub mod simulator;
pub(crate) mod templates;
pub(crate) mod validate;
pub(crate) mod web;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches};

use crate::i18n::Lang;
use crate::messages::{Message, Text, Usage};

use crate::error::exit;

/// Parses the command line, runs the command, prints any failure in French
/// (or English) without a backtrace, and returns the exit code.
pub fn main_entry() -> u8 {
    outcome::init_local_offset();
    let early = early_lang();
    install_panic_hook(early);
    let mut command = cli::one_options_heading(cli::Cli::command()).after_help(messages::help_footer(Lang::Fr));
    if early == Lang::En {
        command = cli_en::english(command);
    }
    let cli = match command.try_get_matches_from(arguments()).and_then(|m| cli::Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => return usage_error(e, early),
    };
    let lang = cli.global.lang;
    let code = match commands::dispatch(cli) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("{}", Message::Error { text: &f.text(lang) }.text(lang));
            f.exit()
        }
    };
    report_peak_memory();
    code
}

/// The command line; with no argument at all in an interactive console
/// (what a double-click on loopbatch.exe gives), the page: `loopbatch ui`.
/// A script (no console) keeps the help and exit 2.
fn arguments() -> Vec<std::ffi::OsString> {
    use std::io::IsTerminal;
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 1 && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        args.push("ui".into());
    }
    args
}

/// A defect of loopbatch is said as one, in the user's language and without
/// a backtrace (whatever RUST_BACKTRACE says), so that it can be reported;
/// the process still ends with Rust's exit code for it, 101.
fn install_panic_hook(lang: Lang) {
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("{}", panic_message(&what, &at, lang));
    }));
}

fn panic_message(what: &str, at: &str, lang: Lang) -> String {
    Message::Defect { what, at }.text(lang)
}

/// For the benchmarks: the process's own peak memory, read just before it
/// exits (a parent's measure of a child counts the parent's pages at fork).
fn report_peak_memory() {
    if std::env::var_os("LOOPBATCH_PEAK_MEMORY").is_none() {
        return;
    }
    #[cfg(target_os = "linux")]
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
    {
        let kb: String = line.chars().filter(char::is_ascii_digit).collect();
        eprintln!("peak_memory_kb={kb}");
    }
}

/// The commands a usage error names: clap's own list (hidden ones left
/// out), never a list kept by hand beside it.
fn commands() -> String {
    cli::Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The language asked for, before the command line is parsed (the help
/// itself must be in it): `--lang en`, `--lang=en`, or LOOPBATCH_LANG.
fn early_lang() -> Lang {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args.iter().enumerate().find_map(|(i, a)| match a.as_str() {
        "--lang" => args.get(i + 1).cloned(),
        _ => a.strip_prefix("--lang=").map(str::to_string),
    });
    match from_args.or_else(|| std::env::var("LOOPBATCH_LANG").ok()).as_deref().map(str::trim) {
        Some("en") => Lang::En,
        _ => Lang::Fr,
    }
}

/// clap's own errors, in the user's language: what was wrong and how to get help.
fn usage_error(e: clap::Error, lang: Lang) -> u8 {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let help = messages::help_in(&e.render().to_string(), lang);
            // A help on standard output (asked for), else on standard error.
            if e.kind() == ErrorKind::DisplayHelp {
                // A closed standard output (`--help | head`) is no failure.
                let _ = std::io::Write::write_all(&mut std::io::stdout(), help.as_bytes());
            } else {
                eprint!("{help}");
            }
            return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                exit::UNUSABLE
            } else {
                exit::OK
            };
        }
        ErrorKind::DisplayVersion => {
            let _ = e.print();
            return exit::OK;
        }
        _ => {}
    }
    let ctx = |k| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let usage = match e.kind() {
        ErrorKind::UnknownArgument => Usage::UnknownOption { arg: ctx(ContextKind::InvalidArg) },
        ErrorKind::InvalidSubcommand => {
            Usage::UnknownCommand { command: ctx(ContextKind::InvalidSubcommand), commands: commands() }
        }
        ErrorKind::MissingRequiredArgument => Usage::MissingArgument { arg: ctx(ContextKind::InvalidArg) },
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => Usage::InvalidValue {
            value: ctx(ContextKind::InvalidValue),
            arg: ctx(ContextKind::InvalidArg),
            valid: ctx(ContextKind::ValidValue),
            form: std::error::Error::source(&e).and_then(|s| s.downcast_ref::<messages::ValueForm>()).copied(),
        },
        ErrorKind::MissingSubcommand => Usage::MissingCommand { commands: commands() },
        ErrorKind::ArgumentConflict => Usage::ConflictingOptions { arg: ctx(ContextKind::InvalidArg) },
        _ => Usage::Other { said: e.render().to_string().trim().to_string() },
    };
    eprintln!("{}", usage.text(lang));
    exit::UNUSABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_defect_is_said_as_one_without_backtrace() {
        let fr = panic_message("index out of bounds", "src/plan.rs:12", Lang::Fr);
        assert!(fr.starts_with("Erreur interne de loopbatch : index out of bounds (src/plan.rs:12)."), "{fr}");
        assert!(fr.contains("pas de votre fichier") && fr.contains("--resume"), "{fr}");
        let en = panic_message("boom", "x.rs:1", Lang::En);
        assert!(en.starts_with("loopbatch internal error: boom"), "{en}");
    }
}
