//! The statuses and outcome types every stage after `plan` shares: the
//! status words of the results, one call's final outcome, and the clock
//! that timestamps them. A leaf: it imports no other module of loopbatch.
//! A row's status is the worst of its calls' (`Status::of_row`); a sent
//! call's status is decided in `execute` (its `call` module).

use serde::{Deserialize, Serialize};

/// Status words (keep them stable), from best to worst for a run. Adding
/// one: a variant here (its word is the variant's in SCREAMING_SNAKE_CASE;
/// its standing and colour below; for a row's status, its rule in
/// `of_row`), its words in the catalogue (`messages::fr`, `messages::en`);
/// a call's status comes from `execute`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Valide,
    /// Nothing sent: the registre knows each of the row's calls applied
    /// already (by an earlier run on this tenant). Below OK in the order.
    DejaFait,
    Ok,
    Ignore,
    NonExecute,
    AVerifier,
    Erreur,
    Invalide,
}

impl Status {
    /// Every status, from best to worst.
    pub fn all() -> impl Iterator<Item = Status> {
        <Status as strum::IntoEnumIterator>::iter()
    }

    /// A success for the exit code: done now (OK) or before (DEJA_FAIT).
    pub fn is_success(self) -> bool {
        self.standing() == Standing::Done
    }

    /// What it says of a row, for what follows from it: the advice, the
    /// page's colour, the exit code.
    pub fn standing(self) -> Standing {
        match self {
            Status::Valide => Standing::Ready,
            Status::DejaFait | Status::Ok => Standing::Done,
            Status::Ignore => Standing::Skipped,
            Status::NonExecute => Standing::NotRun,
            Status::AVerifier => Standing::ToCheck,
            Status::Erreur => Standing::Refused,
            Status::Invalide => Standing::Invalid,
        }
    }

    /// Counted among a run's errors (the progress, the most frequent
    /// messages): refused, or to check in Loop.
    pub fn is_error(self) -> bool {
        matches!(self.standing(), Standing::Refused | Standing::ToCheck)
    }

    /// Its background colour in the results workbook (rows, chart).
    pub fn colour(self) -> u32 {
        match self {
            Status::Valide => 0xE2F0D9,
            Status::DejaFait => 0xC6E0B4,
            Status::Ok => 0xA9D08E,
            Status::Ignore => 0xEDEDED,
            Status::NonExecute => 0xBDD7EE,
            Status::AVerifier => 0xFFE699,
            Status::Erreur => 0xFF9B9B,
            Status::Invalide => 0xF8CBAD,
        }
    }

    /// A row's status from its calls' (none: nothing to send, OK): the
    /// worst of them.
    pub fn of_row(calls: impl IntoIterator<Item = Status>) -> Status {
        calls.into_iter().max().unwrap_or(Status::Ok)
    }

    /// Its word in the results (`statut`).
    pub fn word(self) -> &'static str {
        self.into()
    }

    /// The status a results file's word names (spaces around ignored).
    pub fn from_word(s: &str) -> Option<Status> {
        s.trim().parse().ok()
    }
}

/// What a status says of its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Checked, nothing sent yet.
    Ready,
    /// What the row asks for is done (now or before).
    Done,
    /// Nothing to do, or not sent because what it needs failed.
    Skipped,
    /// Not sent: the run stopped before it.
    NotRun,
    /// Its outcome is not known: to check in Loop.
    ToCheck,
    /// Loop refused it.
    Refused,
    /// The sheet's row is not valid: never sent.
    Invalid,
}

/// The final outcome of one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallOutcome {
    pub status: Status,
    #[serde(default)]
    pub code_http: Option<u16>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub object_id: String,
    pub attempts: u32,
    pub timestamp: String,
    /// Not applied (a refused key, a wrong route) or given up on transient
    /// errors: a resume sends it again. Absent from older journals: final.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resend_on_resume: bool,
    /// Loop's answer said what the call asks for was there before it
    /// (an « already done » answer): nothing changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub already: bool,
}

/// The local offset, read once while the process has one thread (the
/// `time` crate refuses to read it later, for soundness on Unix).
static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Reads the local offset; call first thing in `main`.
pub(crate) fn init_local_offset() {
    let _ = now_iso();
}

/// A moment as local date and time, for people (`2026-12-03 10:04`).
pub(crate) fn format_local(t: std::time::SystemTime) -> String {
    let offset = *LOCAL_OFFSET.get_or_init(|| time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
    let at = time::OffsetDateTime::from(t).to_offset(offset);
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    at.format(f).unwrap_or_default()
}

/// The current local time, ISO 8601 with its offset (UTC when the local
/// offset cannot be known).
pub(crate) fn now_iso() -> String {
    let offset = *LOCAL_OFFSET.get_or_init(|| time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
    let now = time::OffsetDateTime::now_utc().to_offset(offset);
    now.replace_nanosecond(0).unwrap_or(now).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// What an undo can do for a row (stable words: scripts read them).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    RienADefaire,
    Annulable,
    Partiel,
    Irreversible,
    AVerifier,
    Refuse,
}

impl Verdict {
    /// The word of the undo's results (the variant's name in
    /// SCREAMING_SNAKE_CASE, as serde writes it).
    pub fn word(self) -> &'static str {
        self.into()
    }

    /// The verdict a results file's word names (spaces around ignored).
    pub fn from_word(w: &str) -> Option<Verdict> {
        w.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_words_stay_what_scripts_read() {
        let words = [
            (Verdict::RienADefaire, "RIEN_A_DEFAIRE"),
            (Verdict::Annulable, "ANNULABLE"),
            (Verdict::Partiel, "PARTIEL"),
            (Verdict::Irreversible, "IRREVERSIBLE"),
            (Verdict::AVerifier, "A_VERIFIER"),
            (Verdict::Refuse, "REFUSE"),
        ];
        for (verdict, word) in words {
            assert_eq!(verdict.word(), word);
            assert_eq!(Verdict::from_word(&format!(" {word} ")), Some(verdict));
            assert_eq!(serde_json::to_value(verdict).unwrap(), serde_json::json!(word));
        }
        assert_eq!(Verdict::from_word("annulable"), None);
    }

    #[test]
    fn status_words_are_kept() {
        let words: Vec<&str> = Status::all().map(Status::word).collect();
        assert_eq!(words, ["VALIDE", "DEJA_FAIT", "OK", "IGNORE", "NON_EXECUTE", "A_VERIFIER", "ERREUR", "INVALIDE"]);
        for st in Status::all() {
            assert_eq!(serde_json::to_string(&st).unwrap(), format!("\"{}\"", st.word()), "serde says the word");
            assert_eq!(Status::from_word(&format!(" {} ", st.word())), Some(st));
        }
        assert_eq!(Status::from_word("ok"), None, "words are upper case");
    }
}
