//! The user's language: French by default, English with `--lang en`.
//!
//! The sentences themselves live in `messages`, one catalogue per language.
//! `t` picks between two inline texts: what is left of the older way, in
//! the modules not converted yet. Column names, status words and exit codes
//! never depend on the language.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// Picks the text for this language (sentences belong in `messages`).
    pub fn t<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}
