//! loopbatch: batch provisioning of Cegid Loop from a cabinet's spreadsheet.
//!
//! A pipeline of stages, one module each (see ARCHITECTURE.md):
//! read -> rows -> validate -> plan -> execute -> report.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod execute;
#[doc(hidden)]
pub mod fuzzing;
pub mod headers;
pub mod i18n;
pub mod normalize;
pub mod plan;
pub mod portfolio;
pub mod read;
pub mod report;
pub mod rows;
pub mod simulator;
pub mod templates;
pub mod validate;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::error::exit;

/// Parses the command line, runs the command, prints any failure in French
/// (or English) without a backtrace, and returns the exit code.
pub fn main_entry() -> u8 {
    report::init_local_offset();
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let lang = cli.global.lang;
    let code = match commands::dispatch(cli) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("{} {}", lang.t("Erreur :", "Error:"), f.message);
            f.exit
        }
    };
    report_peak_memory();
    code
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

/// clap's own errors, in French: what was wrong and how to get help.
fn usage_error(e: clap::Error) -> u8 {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                exit::UNUSABLE
            } else {
                exit::OK
            };
        }
        _ => {}
    }
    let ctx = |k| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let msg = match e.kind() {
        ErrorKind::UnknownArgument => format!("option inconnue : {}", ctx(ContextKind::InvalidArg)),
        ErrorKind::InvalidSubcommand => {
            format!(
                "commande inconnue : {}. Commandes : check, plan, run, demo, dossiers, template, simulate",
                ctx(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::MissingRequiredArgument => {
            format!("argument obligatoire manquant : {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let valid = ctx(ContextKind::ValidValue);
            format!(
                "valeur invalide « {} » pour {}{}",
                ctx(ContextKind::InvalidValue),
                ctx(ContextKind::InvalidArg),
                if valid.is_empty() { String::new() } else { format!(" (valeurs possibles : {valid})") }
            )
        }
        ErrorKind::MissingSubcommand => {
            "commande manquante : check, plan, run, demo, dossiers, template, simulate".to_string()
        }
        ErrorKind::ArgumentConflict => format!("options incompatibles : {}", ctx(ContextKind::InvalidArg)),
        _ => e.render().to_string().trim().to_string(),
    };
    eprintln!("Erreur d'utilisation : {msg}\nAide : loopbatch --help");
    exit::UNUSABLE
}
