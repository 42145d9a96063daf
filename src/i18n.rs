//! The user's language: French by default, English with `--lang en`.
//!
//! Messages are written inline as `lang.t("…", "…")` so each French text
//! sits beside its English twin. Column names, status words and exit codes
//! never depend on the language.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// Picks the text for this language.
    pub fn t<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}
