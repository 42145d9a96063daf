//! The run journal: JSON lines beside the results, tied to the plan's hash,
//! locked against a second run. A call's "sent" record is on disk before it
//! goes out, and its "done" record before any call that depends on it is
//! sent, so that a resume never sends a done call twice and knows which
//! calls may be in flight. No bodies, no secrets: ids, statuses and messages.
//!
//! Records are appended to a buffer in memory; one writer thread owns the
//! file. A sync is made only when a call about to go out finds its "sent"
//! record not yet on disk, and it covers every record appended so far: the
//! engine records "sent" a little ahead of each call's turn (a bounded
//! number of calls), so that one sync lets dozens of calls go. Between
//! syncs the writer writes what is waiting every few milliseconds (a killed
//! process loses at most those). A "done" is appended in order before any
//! later "sent", so the sync that lets a dependent call go out covers its
//! dependency's outcome too. A call recorded but not sent after all (the
//! run stopped first) gets a "withdrawn" record. A write or sync that fails
//! fails every record from then on: the engine stops rather than send a
//! call it could not record, and the outcomes that may not be on disk are
//! listed for the rescue file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, now_iso};

mod read;

pub use read::{Prior, Recorded, done_ok, peek, plan_hash_of, tenant_of};
use read::{read_prior, read_rescue};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Entry {
    Start {
        plan_hash: String,
        source: String,
        timestamp: String,
    },
    /// A later run took over the journal (`--resume`).
    Resume {
        timestamp: String,
    },
    /// Attempt `attempt` of `call` may go out from now on.
    Sent {
        call: u32,
        attempt: u32,
        timestamp: String,
    },
    /// The attempt recorded "sent" did not go out after all (the run stopped
    /// before its turn).
    Withdrawn {
        call: u32,
        attempt: u32,
    },
    Done {
        call: u32,
        outcome: CallOutcome,
    },
    /// Where the run goes (endpoint, domain, key id masked and keyed
    /// fingerprint, simulator instance), as the library describes it; the
    /// last one recorded stands (`--new-key` records another).
    Tenant {
        tenant: serde_json::Value,
    },
    /// The results were written at the results file itself: until then, a
    /// resume has something to do (write them).
    ResultsWritten {
        timestamp: String,
    },
}

/// A "done" record as written: the outcome borrowed, not copied (one per
/// call); read back as `Entry::Done`.
#[derive(Serialize)]
#[serde(tag = "type", rename = "done")]
struct DoneRecord<'a> {
    call: u32,
    outcome: &'a CallOutcome,
}

/// The journal could not be written: the system's error, as it said it.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteError(pub String);

type Written = std::result::Result<(), WriteError>;

/// A record's place in the journal: on disk once the sync covering it is
/// made (see [`Journal::durable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticket(u64);

/// How long appended records may wait in memory when nobody needs a sync.
const WRITE_EVERY: Duration = Duration::from_millis(10);

#[derive(Default)]
struct Buffer {
    /// Records appended and not yet handed to the writer.
    pending: Vec<u8>,
    /// Records appended so far; those before `synced` are on disk.
    appended: u64,
    synced: u64,
    /// A sync is wanted up to this record (exclusive).
    wanted: u64,
    /// Told once the records before their number are on disk.
    waiters: Vec<(u64, oneshot::Sender<Written>)>,
    /// Outcomes appended since the last sync (lost with it if it fails).
    unsynced: Vec<(u64, u32)>,
    /// Outcomes that may not be on disk: the journal failed.
    unwritten: Vec<u32>,
    broken: Option<WriteError>,
    closed: bool,
    syncs: u64,
}

struct Shared {
    buffer: Mutex<Buffer>,
    wake_writer: Condvar,
}

pub struct Journal {
    shared: Arc<Shared>,
    writer: Option<std::thread::JoinHandle<()>>,
    pub path: PathBuf,
}

impl Drop for Journal {
    /// The writer writes and syncs what it was given and lets the file (and
    /// its lock) go before the journal is said closed: a resume may follow.
    fn drop(&mut self) {
        lock(&self.shared.buffer).closed = true;
        self.shared.wake_writer.notify_one();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl Journal {
    /// Opens (resume) or creates the journal, locks it, and returns what an
    /// earlier run recorded (in it, and in its `rescue` file). Lines that
    /// cannot be read are skipped and said.
    pub fn open(
        path: &Path,
        rescue: &Path,
        plan_hash: &str,
        source: &str,
        resume: bool,
        lang: Lang,
    ) -> Result<(Journal, Recorded)> {
        let exists = path.metadata().map(|m| m.len() > 0).unwrap_or(false);
        if exists && !resume {
            return Err(Failure::unusable(format!(
                "{} {} {}",
                lang.t("Un journal d'exécution existe déjà :", "A run journal already exists:"),
                path.display(),
                lang.t(
                    "— ajoutez --resume pour reprendre cette exécution sans rien renvoyer de ce qui est fait, ou choisissez un autre fichier --results.",
                    "— add --resume to continue that run without resending what is done, or choose another --results file."
                )
            )));
        }
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(path).map_err(|e| {
            Failure::unusable(format!(
                "{} {} : {e}",
                lang.t("Journal impossible à ouvrir :", "Cannot open the journal:"),
                path.display()
            ))
        })?;
        if file.try_lock().is_err() {
            return Err(Failure::unusable(format!(
                "{} {}",
                lang.t(
                    "Une autre exécution de loopbatch utilise déjà ce journal :",
                    "Another loopbatch run is already using this journal:"
                ),
                path.display()
            )));
        }
        let mut recorded = match exists {
            true => read_prior(&mut file, path, plan_hash, lang)?,
            false => Recorded::default(),
        };
        if exists {
            read_rescue(rescue, plan_hash, &mut recorded);
        } else {
            // A rescue file of an earlier, unrelated run goes with it.
            let _ = std::fs::remove_file(rescue);
        }
        // A torn line has no newline: the next entry starts on its own line.
        let first = match exists {
            false => {
                Entry::Start { plan_hash: plan_hash.to_string(), source: source.to_string(), timestamp: now_iso() }
            }
            true => Entry::Resume { timestamp: now_iso() },
        };
        let mut line = if exists { b"\n".to_vec() } else { Vec::new() };
        line.extend(encode(&first));
        append(&mut file, &line).map_err(|e| Failure::stopped(write_failure(path, &e.0, lang)))?;
        let shared = Arc::new(Shared { buffer: Mutex::new(Buffer::default()), wake_writer: Condvar::new() });
        let for_writer = shared.clone();
        let writer = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || writer(file, &for_writer))
            .map_err(|e| Failure::stopped(write_failure(path, &e.to_string(), lang)))?;
        Ok((Journal { shared, writer: Some(writer), path: path.to_path_buf() }, recorded))
    }

    /// Appends a record; `Err` once the journal has failed.
    fn append(&self, entry: &impl Serialize, outcome_of: Option<u32>) -> std::result::Result<Ticket, WriteError> {
        let line = encode(entry);
        let mut b = lock(&self.shared.buffer);
        if let Some(e) = &b.broken {
            let e = e.clone();
            b.unwritten.extend(outcome_of);
            return Err(e);
        }
        let seq = b.appended;
        b.pending.extend_from_slice(&line);
        b.appended += 1;
        if let Some(call) = outcome_of {
            b.unsynced.push((seq, call));
        }
        Ok(Ticket(seq))
    }

    /// Records where the run goes (see `Entry::Tenant`); on disk with the
    /// first sync, before any call goes out.
    pub fn tenant(&self, tenant: serde_json::Value) -> Written {
        self.append(&Entry::Tenant { tenant }, None).map(drop)
    }

    /// Records that attempt `attempt` of `call` may go out. It must not go
    /// out before [`Journal::durable`] says so for the returned ticket.
    pub fn sent(&self, call: u32, attempt: u32) -> std::result::Result<Ticket, WriteError> {
        self.append(&Entry::Sent { call, attempt, timestamp: now_iso() }, None)
    }

    /// Records that an attempt recorded "sent" did not go out after all.
    pub fn withdrawn(&self, call: u32, attempt: u32) {
        // A journal that failed already stops the run: the resume settles it.
        let _ = self.append(&Entry::Withdrawn { call, attempt }, None);
    }

    /// Records a call's final outcome without waiting: it is on disk before
    /// any later record is said durable, and after `flush`.
    pub fn done(&self, call: u32, outcome: &CallOutcome) -> Written {
        self.append(&DoneRecord { call, outcome }, Some(call)).map(drop)
    }

    /// Returns once the record of `ticket` (and everything appended before
    /// it) is on disk; the sync made for it covers everything appended so
    /// far, so that the calls recorded after it need none of their own.
    pub async fn durable(&self, ticket: Ticket) -> Written {
        let told = {
            let mut b = lock(&self.shared.buffer);
            if let Some(e) = &b.broken {
                return Err(e.clone());
            }
            if ticket.0 < b.synced {
                return Ok(());
            }
            if b.closed {
                return Err(WriteError("journal closed".into()));
            }
            let (tell, told) = oneshot::channel();
            b.waiters.push((ticket.0, tell));
            b.wanted = b.wanted.max(b.appended);
            told
        };
        self.shared.wake_writer.notify_one();
        told.await.unwrap_or_else(|_| Err(WriteError("journal closed".into())))
    }

    /// Returns once everything recorded so far is on disk.
    pub async fn flush(&self) -> Written {
        let last = {
            let b = lock(&self.shared.buffer);
            if b.appended == b.synced {
                return b.broken.clone().map_or(Ok(()), Err);
            }
            b.appended - 1
        };
        self.durable(Ticket(last)).await
    }

    /// How many syncs were made so far (one per group of records).
    pub fn syncs(&self) -> u64 {
        lock(&self.shared.buffer).syncs
    }

    /// The calls whose outcome may not be on disk (the journal failed).
    pub fn unwritten(&self) -> Vec<u32> {
        lock(&self.shared.buffer).unwritten.clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn encode(e: &impl Serialize) -> Vec<u8> {
    let mut line = serde_json::to_vec(e).unwrap_or_default();
    line.push(b'\n');
    line
}

fn append(file: &mut File, bytes: &[u8]) -> Written {
    write(file, bytes, true)
}

fn write(file: &mut File, bytes: &[u8], sync: bool) -> Written {
    let synced = |file: &mut File| if sync { file.sync_data() } else { Ok(()) };
    file.write_all(bytes).and_then(|()| synced(file)).map_err(|e| WriteError(e.to_string()))
}

/// The writer thread: sleeps until a sync is wanted (or records have waited
/// `WRITE_EVERY`, or the journal closes), writes everything appended, syncs
/// if wanted, then tells the waiters. After a failure every record fails at
/// once, and outcomes not known to be on disk are listed.
fn writer(mut file: File, shared: &Shared) {
    let mut b = lock(&shared.buffer);
    loop {
        let sync = b.wanted > b.synced || (b.closed && b.appended > b.synced);
        if !sync && b.pending.is_empty() {
            if b.closed {
                return;
            }
            b = shared.wake_writer.wait(b).unwrap_or_else(|e| e.into_inner());
            continue;
        }
        if !sync {
            let (woken, _) = shared.wake_writer.wait_timeout(b, WRITE_EVERY).unwrap_or_else(|e| e.into_inner());
            b = woken;
            if b.wanted <= b.synced && !b.closed {
                let bytes = std::mem::take(&mut b.pending);
                drop(b);
                let written = write(&mut file, &bytes, false);
                b = lock(&shared.buffer);
                if let Err(e) = written {
                    fail(&mut b, e);
                }
            }
            continue;
        }
        let bytes = std::mem::take(&mut b.pending);
        let upto = b.appended;
        drop(b);
        let written = write(&mut file, &bytes, true);
        b = lock(&shared.buffer);
        match written {
            Ok(()) => {
                b.syncs += 1;
                b.synced = upto;
                b.unsynced.retain(|(seq, _)| *seq >= upto);
                let (ready, waiting): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut b.waiters).into_iter().partition(|(seq, _)| *seq < upto);
                b.waiters = waiting;
                for (_, tell) in ready {
                    let _ = tell.send(Ok(()));
                }
            }
            Err(e) => fail(&mut b, e),
        }
    }
}

/// The journal failed: every waiter is told, every outcome not known to be
/// on disk is listed, and nothing more is written.
fn fail(b: &mut Buffer, error: WriteError) {
    if b.broken.is_none() {
        b.broken = Some(error.clone());
    }
    let lost: Vec<u32> = b.unsynced.drain(..).map(|(_, call)| call).collect();
    b.unwritten.extend(lost);
    b.pending.clear();
    b.synced = b.appended;
    b.wanted = b.appended;
    for (_, tell) in b.waiters.drain(..) {
        let _ = tell.send(Err(error.clone()));
    }
}

/// Saves, in a file of its own, the outcomes that the journal could not
/// record once it failed: a resume reads them, so that a call answered then
/// is not sent again. Written whole or not at all.
pub fn rescue(path: &Path, plan_hash: &str, outcomes: &[(u32, CallOutcome)]) -> std::io::Result<()> {
    let mut bytes =
        encode(&Entry::Start { plan_hash: plan_hash.to_string(), source: String::new(), timestamp: now_iso() });
    for (call, outcome) in outcomes {
        bytes.extend(encode(&Entry::Done { call: *call, outcome: outcome.clone() }));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(crate::files::TEMP_PREFIX).suffix(".tmp").tempfile_in(dir)?;
    // Held while it lives: the cleaning of a later start leaves it alone.
    let _ = tmp.as_file().try_lock();
    tmp.write_all(&bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    crate::files::sync_dir(dir)
}

/// Records, once the journal is closed, that the results were written at
/// the results file (the run's lock is still held): synced.
pub fn results_written(path: &Path) -> std::io::Result<()> {
    let mut file = OpenOptions::new().read(true).append(true).open(path)?;
    let torn = {
        use std::io::{Read, Seek, SeekFrom};
        let len = file.metadata()?.len();
        let mut last = [0u8; 1];
        len > 0
            && file.seek(SeekFrom::Start(len - 1)).and_then(|_| file.read_exact(&mut last)).is_ok()
            && last[0] != b'\n'
    };
    let mut line = if torn { b"\n".to_vec() } else { Vec::new() };
    line.extend(encode(&Entry::ResultsWritten { timestamp: now_iso() }));
    file.write_all(&line)?;
    file.sync_data()
}

/// The message of a journal that cannot be written, for the stop.
pub fn write_failure(path: &Path, error: &str, lang: Lang) -> String {
    format!(
        "{} {} ({error}). {}",
        lang.t("journal impossible à écrire :", "journal cannot be written:"),
        path.display(),
        lang.t(
            "Aucun appel n'est plus envoyé. Libérez de la place (ou corrigez le droit d'écrire), puis reprenez avec --resume : rien de ce qui est noté comme fait ne sera renvoyé.",
            "No more calls are sent. Free some space (or fix the permission to write), then resume with --resume: nothing recorded as done is sent again."
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;
    use std::collections::HashSet;

    fn outcome(status: Status, resend: bool) -> CallOutcome {
        CallOutcome {
            status,
            code_http: None,
            message: String::new(),
            request_id: String::new(),
            object_id: String::new(),
            attempts: 1,
            timestamp: String::new(),
            resend_on_resume: resend,
        }
    }

    #[test]
    fn a_damaged_line_is_skipped_and_reading_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv.journal.jsonl");
        let mut text = encode(&Entry::Start { plan_hash: "h".into(), source: "s".into(), timestamp: String::new() });
        text.extend(encode(&Entry::Sent { call: 1, attempt: 1, timestamp: String::new() }));
        text.extend(b"\xff\xfe not utf-8\n{\"type\":\"sent\",\"call\n");
        text.extend(encode(&Entry::Done { call: 1, outcome: outcome(Status::Ok, false) }));
        text.extend(encode(&Entry::Sent { call: 2, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Done { call: 2, outcome: outcome(Status::Erreur, true) }));
        text.extend(encode(&Entry::Sent { call: 3, attempt: 2, timestamp: String::new() }));
        text.extend(b"{\"type\":\"done\",\"ca");
        std::fs::write(&p, &text).unwrap();
        let (_j, rec) = Journal::open(&p, &dir.path().join("none"), "h", "s", true, Lang::Fr).unwrap();
        assert!(matches!(rec.prior.get(&1), Some(Prior::Done(o)) if o.status == Status::Ok), "read past the damage");
        assert_eq!(rec.prior.get(&2), None, "a call marked for resending is sent again");
        assert_eq!(rec.prior.get(&3), Some(&Prior::InFlight { attempts: 2 }));
        assert!(rec.damaged);
        assert_eq!(rec.warnings.len(), 3, "{:?}", rec.warnings);
        assert_eq!(done_ok(&p, "h"), Some(HashSet::from([1])));
        assert_eq!(done_ok(&p, "other"), None, "a journal of another plan is not trusted");
    }

    #[tokio::test]
    async fn records_are_on_disk_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let kept = dir.path().join("j.secours.jsonl");
        let (j, rec) = Journal::open(&p, &kept, "h", "s", false, Lang::Fr).unwrap();
        assert!(rec.prior.is_empty());
        let tickets: Vec<Ticket> = (1..=50).map(|c| j.sent(c, 1).unwrap()).collect();
        // The first call to go out waits for one sync, which covers all 50.
        j.durable(tickets[0]).await.unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 51, "every record appended so far is on disk");
        for t in &tickets {
            j.durable(*t).await.unwrap();
        }
        assert_eq!(j.syncs(), 1, "one sync for the whole group");
        j.done(7, &outcome(Status::Ok, false)).unwrap();
        j.withdrawn(50, 1);
        j.flush().await.unwrap();
        assert_eq!(j.syncs(), 2);
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 53);
        assert!(Journal::open(&p, &kept, "h", "s", true, Lang::Fr).is_err(), "locked while in use");
        drop(j);
        // What the journal could not take, a rescue file keeps for the resume.
        rescue(&kept, "h", &[(9, outcome(Status::Ok, false))]).unwrap();
        let (_j, rec) = Journal::open(&p, &kept, "h", "s", true, Lang::Fr).unwrap();
        assert!(matches!(rec.prior.get(&9), Some(Prior::Done(_))));
        assert!(matches!(rec.prior.get(&7), Some(Prior::Done(_))));
        assert_eq!(rec.prior.get(&3), Some(&Prior::InFlight { attempts: 1 }), "recorded sent, never answered");
        assert_eq!(rec.prior.get(&50), None, "withdrawn: as if never recorded");
    }

    #[tokio::test]
    async fn a_withdrawn_resend_leaves_the_earlier_attempt_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let mut text = encode(&Entry::Start { plan_hash: "h".into(), source: "s".into(), timestamp: String::new() });
        text.extend(encode(&Entry::Sent { call: 4, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Resume { timestamp: String::new() }));
        text.extend(encode(&Entry::Sent { call: 4, attempt: 2, timestamp: String::new() }));
        text.extend(encode(&Entry::Withdrawn { call: 4, attempt: 2 }));
        std::fs::write(&p, &text).unwrap();
        let (_j, rec) = Journal::open(&p, &dir.path().join("none"), "h", "s", true, Lang::Fr).unwrap();
        assert_eq!(rec.prior.get(&4), Some(&Prior::InFlight { attempts: 1 }));
        assert!(!rec.damaged && rec.warnings.is_empty());
    }

    #[tokio::test]
    async fn records_not_waited_for_reach_the_file_within_moments() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let (j, _) = Journal::open(&p, &dir.path().join("none"), "h", "s", false, Lang::Fr).unwrap();
        j.done(1, &outcome(Status::Ok, false)).unwrap();
        // Written (not synced) by the writer on its own: a killed process
        // loses at most the last few milliseconds of outcomes.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::fs::read_to_string(&p).unwrap().lines().count() < 2 {
            assert!(std::time::Instant::now() < deadline, "the outcome never reached the file");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(j.syncs(), 0, "nobody waited: no sync");
    }
}
