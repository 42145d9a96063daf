//! The user's language: French by default, English with `--lang en`.
//!
//! The sentences themselves live in `messages`, one catalogue per language,
//! each whole: none is assembled from French and English pieces where it is
//! said (there is no `Lang::t`). Column names, status words and exit codes
//! never depend on the language.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Fr,
    En,
}
