//! The statuses and outcome types every stage after `plan` shares: the
//! status words of the results, one call's final outcome, and the clock
//! that timestamps them. A leaf: it imports no other module of loopbatch.

use serde::{Deserialize, Serialize};

/// Status words (keep them stable), from best to worst for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "VALIDE")]
    Valide,
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "IGNORE")]
    Ignore,
    #[serde(rename = "NON_EXECUTE")]
    NonExecute,
    #[serde(rename = "A_VERIFIER")]
    AVerifier,
    #[serde(rename = "ERREUR")]
    Erreur,
    #[serde(rename = "INVALIDE")]
    Invalide,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Valide,
        Status::Ok,
        Status::Ignore,
        Status::NonExecute,
        Status::AVerifier,
        Status::Erreur,
        Status::Invalide,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Status::Valide => "VALIDE",
            Status::Ok => "OK",
            Status::Ignore => "IGNORE",
            Status::NonExecute => "NON_EXECUTE",
            Status::AVerifier => "A_VERIFIER",
            Status::Erreur => "ERREUR",
            Status::Invalide => "INVALIDE",
        }
    }

    pub fn from_word(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.word() == s.trim())
    }
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
}

/// The local offset, read once while the process has one thread (the
/// `time` crate refuses to read it later, for soundness on Unix).
static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Reads the local offset; call first thing in `main`.
pub fn init_local_offset() {
    let _ = now_iso();
}

/// A moment as local date and time, for people (`2026-12-03 10:04`).
pub fn format_local(t: std::time::SystemTime) -> String {
    let offset = *LOCAL_OFFSET.get_or_init(|| time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
    let at = time::OffsetDateTime::from(t).to_offset(offset);
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    at.format(f).unwrap_or_default()
}

/// The current local time, ISO 8601 with its offset (UTC when the local
/// offset cannot be known).
pub fn now_iso() -> String {
    let offset = *LOCAL_OFFSET.get_or_init(|| time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
    let now = time::OffsetDateTime::now_utc().to_offset(offset);
    now.replace_nanosecond(0).unwrap_or(now).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
