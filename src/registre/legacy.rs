//! The journal of the previous version: JSON lines beside the results
//! (`<results>.journal.jsonl`), one record each. Read to import it into
//! the registre.

use serde::{Deserialize, Serialize};

use crate::outcome::CallOutcome;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Entry {
    Start {
        plan_hash: String,
        source: String,
        timestamp: String,
        /// The journal records "sending" before each request. One written
        /// before that rule (false) counts every reservation as sent.
        #[serde(default)]
        sending: bool,
        /// In a rescue file: the registre's run whose outcomes it keeps.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run: Option<i64>,
    },
    /// A later run took over the journal (`--resume`).
    Resume {
        timestamp: String,
    },
    /// Attempt `attempt` of `call` may go out from now on (a reservation,
    /// made ahead of its turn: not a sending).
    Sent {
        call: u32,
        attempt: u32,
        timestamp: String,
    },
    /// Attempt `attempt` of `call` is about to go out: in the file before
    /// the request's first byte.
    Sending {
        call: u32,
        attempt: u32,
    },
    /// The attempt recorded "sent" did not go out after all, or failed
    /// before any byte of it was written.
    Withdrawn {
        call: u32,
        attempt: u32,
    },
    Done {
        call: u32,
        outcome: CallOutcome,
    },
    /// Where the run goes; the last one recorded stands.
    Tenant {
        tenant: serde_json::Value,
    },
    /// The results were written at the results file itself.
    ResultsWritten {
        timestamp: String,
    },
}

impl Entry {
    /// One line of a journal, if it reads as a record.
    pub(crate) fn parse(line: &[u8]) -> Option<Entry> {
        std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str(l).ok())
    }
}
