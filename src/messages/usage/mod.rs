//! The command line's own words: what is wrong with a command line (clap's
//! errors, in the user's language), the form a value should have, and the
//! help's last lines; French in `fr.rs`, English in `en.rs`.

mod en;
mod fr;

use super::Text;
use crate::i18n::Lang;

/// What is wrong with a command line (clap's errors, in the user's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Usage {
    UnknownOption {
        arg: String,
    },
    UnknownCommand {
        command: String,
        commands: String,
    },
    MissingArgument {
        arg: String,
    },
    /// `valid`: the possible values, if clap knows them; `form`: what
    /// the value should look like, if one of loopbatch's parsers said.
    InvalidValue {
        value: String,
        arg: String,
        valid: String,
        form: Option<ValueForm>,
    },
    MissingCommand {
        commands: String,
    },
    ConflictingOptions {
        arg: String,
    },
    /// Any other: clap's own words.
    Other {
        said: String,
    },
}

impl Text for Usage {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::usage(self),
            Lang::En => en::usage(self),
        }
    }
}

/// What a command-line value should look like: a refusal of one of the
/// command line's value parsers, put into words by the usage error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueForm {
    /// `--delimiter`.
    Delimiter,
    /// `--rate`.
    Rate,
    /// A share between 0 and 1, or a percentage (the simulator's faults).
    Fraction,
}

impl ValueForm {
    pub(crate) fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::value_form(self),
            Lang::En => en::value_form(self),
        }
    }
}

/// Clap asks for an error; the usage error says it in the user's language.
impl std::fmt::Display for ValueForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text(Lang::Fr))
    }
}

impl std::error::Error for ValueForm {}

/// The help's last lines: the exit codes (their numbers from `error::exit`)
/// and how to get a command's help.
pub(crate) fn help_footer(lang: Lang) -> String {
    match lang {
        Lang::Fr => fr::help_footer(),
        Lang::En => en::help_footer(),
    }
}

/// A help clap wrote, its own words said in `lang`.
pub(crate) fn help_in(help: &str, lang: Lang) -> String {
    let words = match lang {
        Lang::Fr => fr::help_words(),
        Lang::En => en::help_words(),
    };
    words.iter().fold(help.to_string(), |text, (clap, said)| text.replace(clap, said))
}
