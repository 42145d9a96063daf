//! The command line's words in English.

use super::{Usage, ValueForm};

pub(super) fn usage(u: &Usage) -> String {
    let what = match u {
        Usage::UnknownOption { arg } => format!("unknown option: {arg}"),
        Usage::UnknownCommand { command, commands } => {
            format!("unknown command: {command}. Commands: {commands}")
        }
        Usage::MissingArgument { arg } => format!("missing required argument: {arg}"),
        Usage::InvalidValue { value, arg, valid, form: Some(form) } if valid.is_empty() => {
            format!("invalid value « {value} » for {arg}: {}", value_form(*form))
        }
        Usage::InvalidValue { value, arg, valid, .. } if valid.is_empty() => {
            format!("invalid value « {value} » for {arg}")
        }
        Usage::InvalidValue { value, arg, valid, .. } => {
            format!("invalid value « {value} » for {arg} (possible values: {valid})")
        }
        Usage::MissingCommand { commands } => format!("missing command: {commands}"),
        Usage::ConflictingOptions { arg } => format!("conflicting options: {arg}"),
        Usage::Other { said } => said.clone(),
    };
    format!("Usage error: {what}\nHelp: loopbatch --help")
}

/// What a command-line value should look like.
pub(super) fn value_form(form: ValueForm) -> &'static str {
    match form {
        ValueForm::Delimiter => "separator expected: ';' ',' 'tab' or '|'",
        ValueForm::Rate => "rate expected: N/s, N/min or N/h (e.g. 20/s)",
        ValueForm::Fraction => "share expected between 0 and 1 (e.g. 0.05) or as a percentage (5%)",
    }
}

pub(super) fn help_footer() -> String {
    use crate::error::exit::{DEFECT, OK, ROWS_FAILED, STOPPED, UNUSABLE};
    format!(
        "Exit codes: {OK} all good, {ROWS_FAILED} some rows failed (results written), {UNUSABLE} file or configuration unusable, {STOPPED} run stopped, {DEFECT} loopbatch's internal error (to report).\nHelp on a command: loopbatch COMMAND --help"
    )
}

/// The help's own words clap writes (headings, defaults, possible values),
/// each with what it becomes in this language.
pub(super) fn help_words() -> &'static [(&'static str, &'static str)] {
    &[]
}
