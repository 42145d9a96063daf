//! What a run tells its front end while it goes, and how it asks for the
//! go-ahead before sending anything to a remote host.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::error::Result;
use crate::outcome::Status;

/// One thing that happened during a run, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Something the user should know before the run goes on (a key file
    /// readable by others, a damaged journal line…), in their language.
    Warning { message: String },
    /// `--only-failed`: rows run again, rows kept from the previous results.
    Rerun { rows_again: usize, rows_kept: usize },
    /// The registre's memory, before anything is confirmed: valid rows done
    /// already, rows with something to send, rows held (A_VERIFIER, or
    /// another run's, never ended), the tenant whose memory it is;
    /// `plain_loopback`: a loopback address that sends no instance id.
    Remembered { rows_done: usize, rows_to_send: usize, rows_held: usize, tenant: String, plain_loopback: bool },
    /// Sending starts. `key` is the key id, masked.
    Started { base_url: String, calls: usize, key: String, rate: String, rate_per_s: f64 },
    /// A call has its final outcome. `skipped`: not sent by this run (done
    /// before, per the journal or the previous results).
    CallDone { call: u32, operation: String, dossier: String, status: Status, message: String, skipped: bool },
    /// The gateway asked to wait (Retry-After): the whole pool pauses.
    Paused { wait: Duration },
    /// The pacing rate changed: cut after throttling, or growing back.
    RateChanged { per_s: f64 },
    /// No new call will be sent; `reason` says why, in the user's language.
    Stopping { reason: String, interrupted: bool },
    /// The results file asked for could not be written (open in Excel…):
    /// `message` says why; another place is tried next.
    ResultsFailed { path: PathBuf, message: String },
    /// The results were written; `instead_of`: the file asked for, when
    /// they went elsewhere.
    ResultsWritten { path: PathBuf, instead_of: Option<PathBuf> },
}

/// The front end a run's messages speak to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Front {
    #[default]
    Command,
    Page,
}

/// Where events go: a closure called from the run's tasks, in order per call.
pub type EventSink = Arc<dyn Fn(Event) + Send + Sync>;

/// What the user is asked to confirm before calls go to a remote host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confirmation {
    pub host: String,
    pub calls: usize,
    pub calls_per_route: BTreeMap<String, usize>,
}

/// Asks the user (a prompt, a dialog); `Err` is the refusal, said as the
/// front end wants it said. Called at most once, before anything is sent.
pub type Confirm = Box<dyn FnOnce(Confirmation) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send>;
