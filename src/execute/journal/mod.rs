//! A run's record in the registre, as the engine writes it. A call's
//! reservation is on disk (committed with `synchronous=FULL`) before it goes
//! out; its "sending" record is committed (in the WAL: a kill cannot lose
//! it) before the request's first byte; its outcome is appended before its
//! place in flight is given to another call, and committed within 10 ms or
//! with the next commit, whichever comes first: before any later call goes
//! out (each commit takes every record appended before it), and on disk
//! before any call that depends on it is reserved (a FULL commit syncs
//! every earlier frame). So a resume never sends a done call twice, knows
//! which calls may have reached Loop, and a kill leaves at most the calls
//! in flight at the last commit unrecorded. No bodies of answers, no
//! secrets: ids, statuses, messages.
//!
//! One writer thread owns the registre's connection (see `writer`): the
//! engine hands it records and waits, when it must, for a ticket. A write
//! that fails fails every record from then on: the engine stops rather
//! than send a call it could not record, and the outcomes that may not be
//! recorded are listed for the rescue file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use tokio::sync::oneshot;

use crate::error::{Failure, Halt, Result, SystemCause};
use crate::i18n::Lang;
use crate::messages::Text;
use crate::outcome::{CallOutcome, now_iso};
use crate::registre::legacy::Entry;
use crate::registre::{Event, NewRun, PlannedCall, Record, Registre};

mod read;
mod writer;

pub(crate) use crate::registre::Prior;
pub(crate) use read::{Recorded, peek, run_info};
pub(crate) use writer::Say;
use writer::{Queue, Shared, Writer, Written, lock};

/// The registre could not be written: the system's (or SQLite's) error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WriteError(pub SystemCause);

/// A record's place in the run's record: committed, then on disk (see
/// [`Journal::written`], [`Journal::durable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ticket(u64);

/// How a run takes its results file's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Take {
    /// A new run: refused when these results already have one.
    New,
    /// `--resume`: the last run of these results goes on.
    Resume,
    /// A new run whatever came before (`--only-failed` into its own
    /// previous results; the earlier run stays in the history).
    NextGeneration,
}

/// The run a journal records.
pub(crate) struct RunSpec<'a> {
    pub results: &'a Path,
    /// Where the outcomes go when the registre cannot take them.
    pub rescue: &'a Path,
    pub plan_hash: &'a str,
    pub sheet: &'a str,
    pub sheet_sha256: &'a str,
    pub calls: Vec<PlannedCall<'a>>,
}

pub(crate) struct Journal {
    shared: Arc<Shared>,
    writer: Option<std::thread::JoinHandle<()>>,
    /// The registre's file, for messages.
    pub path: PathBuf,
    /// The run's number in the registre.
    pub run: i64,
}

impl Drop for Journal {
    /// The writer commits what waits, folds the WAL into the file and lets
    /// the connection go before the journal is said closed.
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.wake.notify_one();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl Journal {
    /// Opens the registre, takes the run of `spec.results` as `take` says,
    /// and returns what an earlier session of it recorded (with the outcomes
    /// of its rescue file, which are then the run's own).
    pub(crate) fn open(registre: &Path, spec: RunSpec<'_>, take: Take, lang: Lang) -> Result<(Journal, Recorded)> {
        let mut reg = Registre::open(registre, lang)?;
        crate::registre::enough_space(registre)?;
        let existing = reg.run_for(spec.results)?;
        let (run, recorded) = match (take, existing) {
            (Take::Resume, Some(row)) => {
                if row.plan_hash != spec.plan_hash {
                    return Err(read::other_plan(spec.results));
                }
                let rescued = read::rescued(spec.rescue, row.id, spec.plan_hash, &reg.rescue_id());
                reg.rescued(row.id, &rescued.outcomes)?;
                let (prior, damaged) = reg.prior(row.id)?;
                reg.resumed(row.id)?;
                // Imported: gone from both places it may be.
                for f in &rescued.files {
                    let _ = std::fs::remove_file(f);
                }
                let warnings = rescued
                    .foreign
                    .iter()
                    .map(|f| crate::messages::MemoryMessage::RescueForeign { file: f }.text(lang))
                    .collect();
                let rec =
                    Recorded { prior, damaged, results_written: row.results_written, warnings, ..Recorded::default() };
                (row.id, rec)
            }
            (Take::New, Some(_)) => return Err(read::taken(spec.results)),
            (Take::Resume, None) => return Err(read::nothing(spec.results)),
            _ => {
                let new = NewRun {
                    sheet: spec.sheet.to_string(),
                    sheet_sha256: spec.sheet_sha256.to_string(),
                    plan_hash: spec.plan_hash.to_string(),
                    tenant: None,
                    results: spec.results.to_path_buf(),
                };
                // A rescue file of an earlier, unrelated run goes with it.
                let _ = std::fs::remove_file(spec.rescue);
                let registre_new_since = reg.new_since()?;
                (reg.start_run(&new, &spec.calls)?, Recorded { registre_new_since, ..Recorded::default() })
            }
        };
        let shared = Arc::new(Shared { queue: Mutex::new(Queue::default()), wake: Condvar::new() });
        let for_writer = shared.clone();
        let writer = std::thread::Builder::new()
            .name("registre".into())
            .spawn(move || writer::writer(reg, run, &for_writer))
            .map_err(|e| {
                Failure::halted(Halt::RegistreUnwritable { file: registre.to_path_buf(), error: (&e).into() })
            })?;
        Ok((Journal { shared, writer: Some(writer), path: registre.to_path_buf(), run }, recorded))
    }

    /// Queues a record; the writer is woken only when asleep past the time
    /// the record may wait (a record someone waits for wakes it in `wait`).
    fn append(&self, record: Record, outcome_of: Option<u32>) -> std::result::Result<Ticket, WriteError> {
        let (ticket, wake) = lock(&self.shared.queue).append(record, outcome_of)?;
        if wake {
            self.shared.wake.notify_one();
        }
        Ok(Ticket(ticket))
    }

    /// Records where the run goes (the last one recorded stands); on disk
    /// with the first reservation, before any call goes out.
    pub(crate) fn tenant(&self, tenant: serde_json::Value) -> Written {
        self.append(Record::Tenant(tenant), None).map(drop)
    }

    /// Records that attempt `attempt` of `call` may go out. It must not go
    /// out before [`Journal::durable`] says so for the returned ticket
    /// (committed at once, synced when a call waits for it: one sync then
    /// covers every reservation made by then).
    pub(crate) fn sent(&self, call: u32, attempt: u32) -> std::result::Result<Ticket, WriteError> {
        self.append(Record::Attempt { call, attempt, event: Event::Reserved }, None)
    }

    /// Checks each call again when it is reserved, against what other runs
    /// recorded since `guard` was made (see `registre::guard`); to call
    /// before the first reservation.
    /// `say`: the outcome of a call it refuses.
    pub(crate) fn guard(&self, guard: crate::registre::guard::Guard, say: writer::Say) {
        let mut q = lock(&self.shared.queue);
        q.guard = Some(guard);
        q.say = Some(say);
    }

    /// The outcome of `call` when the send-time check refused its
    /// reservation (once that reservation's ticket is written): the call
    /// must not go out.
    pub(crate) fn refused(&self, call: u32) -> Option<CallOutcome> {
        let mut q = lock(&self.shared.queue);
        let why = q.refused.remove(&call)?;
        q.say.as_ref().map(|say| say(&why))
    }

    /// Records that attempt `attempt` of `call` goes out now: it must not
    /// go out before [`Journal::written`] says so for the returned ticket.
    pub(crate) fn sending(&self, call: u32, attempt: u32) -> std::result::Result<Ticket, WriteError> {
        self.append(Record::Attempt { call, attempt, event: Event::Sending }, None)
    }

    /// Records that an attempt recorded "sent" did not go out after all.
    pub(crate) fn withdrawn(&self, call: u32, attempt: u32) {
        // A registre that failed already stops the run: the resume settles it.
        let _ = self.append(Record::Attempt { call, attempt, event: Event::Withdrawn }, None);
    }

    /// Records a call's final outcome: committed within 10 ms, or with the
    /// next commit (before any later call goes out), on disk before any
    /// later reservation is said durable.
    pub(crate) fn done(&self, call: u32, outcome: &CallOutcome) -> std::result::Result<Ticket, WriteError> {
        self.append(Record::Answered { call, outcome: outcome.clone() }, Some(call))
    }

    /// Returns once the record of `ticket` (and every one before it) is
    /// committed: in the WAL, a kill cannot lose it.
    pub(crate) async fn written(&self, ticket: Ticket) -> Written {
        self.wait(ticket, false).await
    }

    /// Returns once the record of `ticket` (and every one before it) is on
    /// disk: a power cut cannot lose it.
    pub(crate) async fn durable(&self, ticket: Ticket) -> Written {
        self.wait(ticket, true).await
    }

    async fn wait(&self, Ticket(ticket): Ticket, full: bool) -> Written {
        let told = {
            let mut q = lock(&self.shared.queue);
            if let Some(e) = &q.broken {
                return Err(e.clone());
            }
            if ticket < if full { q.synced } else { q.committed } {
                return Ok(());
            }
            let (tell, told) = oneshot::channel();
            q.waiters.push((ticket, full, tell));
            // A busy writer looks at the waiters before it sleeps again.
            if q.writer != Writer::Busy {
                self.shared.wake.notify_one();
            }
            told
        };
        told.await.unwrap_or_else(|_| Err(WriteError(SystemCause::other("registre closed"))))
    }

    /// Returns once everything recorded so far is committed.
    pub(crate) async fn flush(&self) -> Written {
        let last = {
            let q = lock(&self.shared.queue);
            if let Some(e) = &q.broken {
                return Err(e.clone());
            }
            if q.appended == q.committed {
                return Ok(());
            }
            q.appended - 1
        };
        self.wait(Ticket(last), false).await
    }

    /// How many commits were synced so far (one per group of records).
    #[cfg(test)]
    pub(crate) fn syncs(&self) -> u64 {
        lock(&self.shared.queue).syncs
    }

    /// The calls whose outcome may not be recorded (the registre failed).
    pub(crate) fn unwritten(&self) -> Vec<u32> {
        lock(&self.shared.queue).unwritten.clone()
    }
}

/// Records the end of run `run` once its results are written (or could be
/// written nowhere): rows per status word, and whether at their file.
pub(crate) fn end(
    registre: &Path,
    run: i64,
    counts: &serde_json::Value,
    results_written: bool,
    lang: Lang,
) -> Result<()> {
    Registre::open(registre, lang)?.end_run(run, counts, results_written)
}

/// Saves, in a file of its own tagged with the run, the outcomes that the
/// registre could not record once it failed: the resume takes them as the
/// run's own, so that a call answered then is not sent again. Beside the
/// results, else in the temporary folder; written whole or not at all.
/// Returns where.
pub(crate) fn rescue(
    path: &Path,
    (run, registre): (i64, &str),
    plan_hash: &str,
    outcomes: &[(u32, CallOutcome)],
) -> std::io::Result<PathBuf> {
    let mut bytes = encode(&Entry::Start {
        plan_hash: plan_hash.to_string(),
        // The registre whose run it is (see `Registre::rescue_id`).
        source: registre.to_string(),
        timestamp: now_iso(),
        sending: true,
        run: Some(run),
    });
    for (call, outcome) in outcomes {
        bytes.extend(encode(&Entry::Done { call: *call, outcome: outcome.clone() }));
    }
    let beside = write_whole(path, &bytes);
    match (beside, path.file_name()) {
        (Ok(()), _) => Ok(path.to_path_buf()),
        (Err(_), Some(name)) => {
            let temp = std::env::temp_dir().join(name);
            write_whole(&temp, &bytes).map(|()| temp)
        }
        (Err(e), None) => Err(e),
    }
}

fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(crate::files::TEMP_PREFIX).suffix(".tmp").tempfile_in(dir)?;
    // Held while it lives: the cleaning of a later start leaves it alone.
    let _ = tmp.as_file().try_lock();
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    crate::files::sync_dir(dir)
}

fn encode(e: &Entry) -> Vec<u8> {
    let mut line = serde_json::to_vec(e).unwrap_or_default();
    line.push(b'\n');
    line
}

/// The message of a registre that cannot be written, for the stop.
pub(crate) fn write_failure(path: &Path, error: &SystemCause, lang: Lang) -> String {
    Failure::halted(Halt::RegistreUnwritable { file: path.to_path_buf(), error: error.clone() }).text(lang)
}

#[cfg(test)]
mod tests;
