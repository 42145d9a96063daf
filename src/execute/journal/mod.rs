//! The run journal: JSON lines beside the results, tied to the plan's hash,
//! locked against a second run. A call's "sent" record (its reservation) is
//! on disk before it goes out; its "sending" record is in the file before
//! the request's first byte; its "done" record is in the file before its
//! place in flight is given to another call, and on disk before any call
//! that depends on it is sent. So a resume never sends a done call twice,
//! knows which calls may have reached Loop, and a kill leaves at most the
//! calls in flight unrecorded. No bodies, no secrets: ids, statuses and
//! messages.
//!
//! Records are appended to a buffer in memory; one writer thread owns the
//! file and writes what waits as soon as it is free (see `writer`). A sync
//! is made only when a call about to go out finds its "sent" record not yet
//! on disk, and it covers every record appended so far: the engine records
//! "sent" a little ahead of each call's turn (a bounded number of calls),
//! so that one sync lets dozens of calls go. A call recorded but not sent
//! after all (the run stopped first, or the connection could not even be
//! made) gets a "withdrawn" record. A write or sync that fails fails every
//! record from then on: the engine stops rather than send a call it could
//! not record, and the outcomes that may not be on disk are listed for the
//! rescue file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use serde::Serialize;
use tokio::sync::oneshot;

use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, now_iso};
use crate::registre::legacy::Entry;

mod read;
mod writer;

pub use read::{Prior, Recorded, done_ok, peek, plan_hash_of, tenant_of};
use read::{read_prior, read_rescue};
use writer::{Buffer, Shared, Written, lock, syncer};

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

/// A record's place in the journal: in the file once appended, on disk
/// once a sync covers it (see [`Journal::durable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticket(u64);

pub struct Journal {
    shared: Arc<Shared>,
    file: Arc<File>,
    syncer: Option<std::thread::JoinHandle<()>>,
    pub path: PathBuf,
}

impl Drop for Journal {
    /// The syncing thread syncs what was written and lets the file (and its
    /// lock) go before the journal is said closed: a resume may follow.
    fn drop(&mut self) {
        lock(&self.shared.buffer).closed = true;
        self.shared.wake_syncer.notify_one();
        if let Some(w) = self.syncer.take() {
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
        let first = match exists {
            false => Entry::Start {
                plan_hash: plan_hash.to_string(),
                source: source.to_string(),
                timestamp: now_iso(),
                sending: true,
            },
            true => Entry::Resume { timestamp: now_iso() },
        };
        let mut line = Vec::new();
        // A torn last line (the normal shape of a kill) is cut off before
        // anything is appended, so that it never reads as damage mid-file;
        // a whole record that only lacks its newline gets it.
        let cut = match recorded.tail {
            read::Tail::Torn { keep } => file.set_len(keep),
            read::Tail::Unterminated => {
                line.push(b'\n');
                Ok(())
            }
            read::Tail::Whole => Ok(()),
        };
        cut.map_err(|e| Failure::stopped(write_failure(path, &e.to_string(), lang)))?;
        line.extend(encode(&first));
        append(&mut file, &line).map_err(|e| Failure::stopped(write_failure(path, &e.0, lang)))?;
        let shared = Arc::new(Shared { buffer: Mutex::new(Buffer::default()), wake_syncer: Condvar::new() });
        let file = Arc::new(file);
        let (for_syncer, file_for_syncer) = (shared.clone(), file.clone());
        let syncer = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || syncer(&file_for_syncer, &for_syncer))
            .map_err(|e| Failure::stopped(write_failure(path, &e.to_string(), lang)))?;
        Ok((Journal { shared, file, syncer: Some(syncer), path: path.to_path_buf() }, recorded))
    }

    /// Appends a record; with `now`, it is in the file when this returns
    /// (a kill cannot lose it; a power cut may, until a sync covers it),
    /// otherwise within `WRITE_WITHIN`. `Err` once the journal has failed.
    fn append(
        &self,
        entry: &impl Serialize,
        outcome_of: Option<u32>,
        now: bool,
    ) -> std::result::Result<Ticket, WriteError> {
        let line = encode(entry);
        lock(&self.shared.buffer).append(&self.file, &line, outcome_of, now).map(Ticket)
    }

    /// Records where the run goes (see `Entry::Tenant`); on disk with the
    /// first sync, before any call goes out.
    pub fn tenant(&self, tenant: serde_json::Value) -> Written {
        self.append(&Entry::Tenant { tenant }, None, true).map(drop)
    }

    /// Records that attempt `attempt` of `call` may go out. It must not go
    /// out before [`Journal::durable`] says so for the returned ticket.
    pub fn sent(&self, call: u32, attempt: u32) -> std::result::Result<Ticket, WriteError> {
        // On disk before the call goes (`durable`); a kill that loses it
        // loses nothing: a reservation is not a sending.
        self.append(&Entry::Sent { call, attempt, timestamp: now_iso() }, None, false)
    }

    /// Records that attempt `attempt` of `call` goes out now: in the file
    /// when this returns `Ok`, before the request's first byte.
    pub fn sending(&self, call: u32, attempt: u32) -> std::result::Result<Ticket, WriteError> {
        self.append(&Entry::Sending { call, attempt }, None, true)
    }

    /// Records that an attempt recorded "sent" did not go out after all.
    pub fn withdrawn(&self, call: u32, attempt: u32) {
        // A journal that failed already stops the run: the resume settles it.
        let _ = self.append(&Entry::Withdrawn { call, attempt }, None, true);
    }

    /// Records a call's final outcome: in the file when this returns `Ok`,
    /// on disk before any later record is said durable, and after `flush`.
    pub fn done(&self, call: u32, outcome: &CallOutcome) -> std::result::Result<Ticket, WriteError> {
        self.append(&DoneRecord { call, outcome }, Some(call), true)
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
            b.sync_waiters.push((ticket.0, tell));
            b.wanted = b.wanted.max(b.appended);
            told
        };
        self.shared.wake_syncer.notify_one();
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

fn encode(e: &impl Serialize) -> Vec<u8> {
    let mut line = serde_json::to_vec(e).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Writes and syncs (the journal's first record, before any call).
fn append(file: &mut File, bytes: &[u8]) -> Written {
    file.write_all(bytes).and_then(|()| file.sync_data()).map_err(|e| WriteError(e.to_string()))
}

/// Saves, in a file of its own, the outcomes that the journal could not
/// record once it failed: a resume reads them, so that a call answered then
/// is not sent again. Written whole or not at all.
pub fn rescue(path: &Path, plan_hash: &str, outcomes: &[(u32, CallOutcome)]) -> std::io::Result<()> {
    let mut bytes = encode(&Entry::Start {
        plan_hash: plan_hash.to_string(),
        source: String::new(),
        timestamp: now_iso(),
        sending: true,
    });
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

    fn start() -> Entry {
        Entry::Start { plan_hash: "h".into(), source: "s".into(), timestamp: String::new(), sending: true }
    }

    #[test]
    fn a_journal_of_the_previous_version_counts_reservations_as_sent() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let mut text = b"{\"type\":\"start\",\"plan_hash\":\"h\",\"source\":\"s\",\"timestamp\":\"\"}\n".to_vec();
        text.extend(encode(&Entry::Sent { call: 1, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Sent { call: 2, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Withdrawn { call: 2, attempt: 1 }));
        std::fs::write(&p, &text).unwrap();
        let (_j, rec) = Journal::open(&p, &dir.path().join("none"), "h", "s", true, Lang::Fr).unwrap();
        assert_eq!(rec.prior.get(&1), Some(&Prior::InFlight { attempts: 1, sent: true }));
        assert_eq!(rec.prior.get(&2), Some(&Prior::InFlight { attempts: 1, sent: false }));
    }

    #[test]
    fn a_damaged_line_is_skipped_and_reading_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv.journal.jsonl");
        let mut text = encode(&start());
        text.extend(encode(&Entry::Sent { call: 1, attempt: 1, timestamp: String::new() }));
        text.extend(b"\xff\xfe not utf-8\n{\"type\":\"sent\",\"call\n");
        text.extend(encode(&Entry::Done { call: 1, outcome: outcome(Status::Ok, false) }));
        text.extend(encode(&Entry::Sent { call: 2, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Done { call: 2, outcome: outcome(Status::Erreur, true) }));
        text.extend(encode(&Entry::Sent { call: 3, attempt: 2, timestamp: String::new() }));
        text.extend(encode(&Entry::Sending { call: 3, attempt: 2 }));
        text.extend(encode(&Entry::Sent { call: 5, attempt: 1, timestamp: String::new() }));
        let whole = text.len() as u64;
        text.extend(b"{\"type\":\"done\",\"ca");
        std::fs::write(&p, &text).unwrap();
        let (j, rec) = Journal::open(&p, &dir.path().join("none"), "h", "s", true, Lang::Fr).unwrap();
        assert!(rec.damaged);
        assert_eq!(rec.warnings.len(), 3, "{:?}", rec.warnings);
        assert!(matches!(rec.prior.get(&1), Some(Prior::Done(o)) if o.status == Status::Ok), "read past the damage");
        let again = Some(&Prior::InFlight { attempts: 1, sent: false });
        assert_eq!(rec.prior.get(&2), again, "a call marked for resending is sent again, as never sent");
        assert_eq!(rec.prior.get(&3), Some(&Prior::InFlight { attempts: 2, sent: true }));
        assert_eq!(rec.prior.get(&5), again, "reserved is not sent");
        drop(j);
        // The torn tail was cut off before the resume's first record.
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[..whole as usize], &text[..whole as usize]);
        assert!(bytes[whole as usize..].starts_with(b"{\"type\":\"resume\""), "{:?}", String::from_utf8_lossy(&bytes));
        let (_j, rec) = Journal::open(&p, &dir.path().join("none"), "h", "s", true, Lang::Fr).unwrap();
        assert_eq!(rec.warnings.len(), 2, "only the damage mid-file is left: {:?}", rec.warnings);
        assert_eq!(done_ok(&p, "h"), Some(HashSet::from([1])));
        assert_eq!(done_ok(&p, "other"), None, "a journal of another plan is not trusted");
    }

    /// A journal of this format, torn or damaged, imported into the
    /// registre reads back as the journal itself reads.
    #[test]
    fn an_imported_journal_reads_back_as_the_journal_reads() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("r.csv");
        let p = crate::registre::journal_beside(&results);
        let mut text = encode(&start());
        text.extend(encode(&Entry::Tenant { tenant: serde_json::json!({"endpoint": "http://127.0.0.1:9"}) }));
        text.extend(encode(&Entry::Sent { call: 1, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Sending { call: 1, attempt: 1 }));
        text.extend(encode(&Entry::Done { call: 1, outcome: outcome(Status::Ok, false) }));
        text.extend(encode(&Entry::Sent { call: 2, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Done { call: 2, outcome: outcome(Status::Erreur, true) }));
        text.extend(encode(&Entry::Sent { call: 3, attempt: 2, timestamp: String::new() }));
        text.extend(encode(&Entry::Sending { call: 3, attempt: 2 }));
        text.extend(encode(&Entry::Sent { call: 4, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Sending { call: 4, attempt: 1 }));
        text.extend(encode(&Entry::Withdrawn { call: 4, attempt: 1 }));
        text.extend(encode(&Entry::Sent { call: 5, attempt: 1, timestamp: String::new() }));
        let whole = text.clone();
        text.extend(b"{\"type\":\"done\",\"ca");
        let mut damaged = whole.clone();
        damaged.extend(b"\xff not json\n");
        damaged.extend(encode(&Entry::Sent { call: 6, attempt: 1, timestamp: String::new() }));
        let reg_path = dir.path().join("registre.sqlite3");
        let mut reg = crate::registre::Registre::open(&reg_path, Lang::Fr).unwrap();
        for (bytes, is_damaged) in [(text, false), (damaged, true)] {
            std::fs::write(&p, &bytes).unwrap();
            let rec = peek(&p, &dir.path().join("none"), "h", Lang::Fr).unwrap().unwrap();
            let imported = reg.import_journal(&p, &results).unwrap().expect("imported");
            assert_eq!(imported.damaged, is_damaged);
            let (prior, damaged) = reg.prior(imported.run).unwrap();
            assert_eq!(prior, rec.prior);
            assert_eq!(damaged, rec.damaged);
            let run = reg.run_for(&results).unwrap().unwrap();
            assert_eq!((run.id, run.plan_hash.as_str()), (imported.run, "h"));
            assert_eq!(run.tenant, rec.tenant);
            assert!(reg.import_journal(&p, &results).unwrap().is_none(), "imported once");
        }
        // A journal of the version before "sending" records: reserved counts as sent.
        let legacy = b"{\"type\":\"start\",\"plan_hash\":\"h\",\"source\":\"s\",\"timestamp\":\"\"}\n".to_vec();
        std::fs::write(&p, [legacy, encode(&Entry::Sent { call: 1, attempt: 1, timestamp: String::new() })].concat())
            .unwrap();
        let run = reg.import_journal(&p, &results).unwrap().unwrap().run;
        assert_eq!(reg.prior(run).unwrap().0.get(&1), Some(&Prior::InFlight { attempts: 1, sent: true }));
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
        j.sending(4, 1).unwrap();
        j.sending(50, 1).unwrap();
        j.withdrawn(50, 1);
        j.flush().await.unwrap();
        assert_eq!(j.syncs(), 2);
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 55);
        assert!(Journal::open(&p, &kept, "h", "s", true, Lang::Fr).is_err(), "locked while in use");
        drop(j);
        // What the journal could not take, a rescue file keeps for the resume.
        rescue(&kept, "h", &[(9, outcome(Status::Ok, false))]).unwrap();
        let (_j, rec) = Journal::open(&p, &kept, "h", "s", true, Lang::Fr).unwrap();
        assert!(matches!(rec.prior.get(&9), Some(Prior::Done(_))));
        assert!(matches!(rec.prior.get(&7), Some(Prior::Done(_))));
        assert_eq!(rec.prior.get(&3), Some(&Prior::InFlight { attempts: 1, sent: false }), "reserved, never sent");
        assert_eq!(rec.prior.get(&4), Some(&Prior::InFlight { attempts: 1, sent: true }), "went out, never answered");
        assert_eq!(rec.prior.get(&50), Some(&Prior::InFlight { attempts: 1, sent: false }), "withdrawn: never sent");
    }

    #[tokio::test]
    async fn a_withdrawn_resend_leaves_the_earlier_attempt_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let mut text = encode(&start());
        text.extend(encode(&Entry::Sent { call: 4, attempt: 1, timestamp: String::new() }));
        text.extend(encode(&Entry::Sending { call: 4, attempt: 1 }));
        text.extend(encode(&Entry::Resume { timestamp: String::new() }));
        text.extend(encode(&Entry::Sent { call: 4, attempt: 2, timestamp: String::new() }));
        text.extend(encode(&Entry::Sending { call: 4, attempt: 2 }));
        text.extend(encode(&Entry::Withdrawn { call: 4, attempt: 2 }));
        std::fs::write(&p, &text).unwrap();
        let (_j, rec) = Journal::open(&p, &dir.path().join("none"), "h", "s", true, Lang::Fr).unwrap();
        assert_eq!(rec.prior.get(&4), Some(&Prior::InFlight { attempts: 2, sent: true }), "attempt 1 may have gone");
        assert!(!rec.damaged && rec.warnings.is_empty());
    }

    /// Every record is in the file when its append returns, whatever the
    /// syncing thread is doing (here: syncing groups all along): a kill
    /// loses none, without waiting for anything.
    #[tokio::test]
    async fn records_not_waited_for_reach_the_file_within_moments() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let (j, _) = Journal::open(&p, &dir.path().join("none"), "h", "s", false, Lang::Fr).unwrap();
        let j = std::sync::Arc::new(j);
        let syncing = {
            let j = j.clone();
            tokio::spawn(async move {
                for c in 0..50 {
                    let t = j.sent(1000 + c, 1).unwrap();
                    j.durable(t).await.unwrap();
                }
            })
        };
        for c in 1..=50u32 {
            j.done(c, &outcome(Status::Ok, false)).unwrap();
            let text = std::fs::read_to_string(&p).unwrap();
            let marker = format!("\"call\":{c},");
            assert!(text.lines().any(|l| l.contains("\"done\"") && l.contains(&marker)), "record {c} not in the file");
            tokio::task::yield_now().await;
        }
        syncing.await.unwrap();
        assert!(j.syncs() >= 1);
    }

    #[test]
    fn nobody_waiting_no_sync() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let (j, _) = Journal::open(&p, &dir.path().join("none"), "h", "s", false, Lang::Fr).unwrap();
        j.done(1, &outcome(Status::Ok, false)).unwrap();
        j.sent(2, 1).unwrap();
        j.sending(2, 1).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let kinds: Vec<&str> = text.lines().map(|l| l.split('"').nth(3).unwrap_or_default()).collect();
        assert_eq!(kinds, ["start", "done", "sent", "sending"], "in the file at once, in order");
        assert_eq!(j.syncs(), 0, "nobody waited for a sync: none made");
    }

    /// A reservation alone may wait in memory, but not for long.
    #[test]
    fn a_reservation_alone_reaches_the_file_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let (j, _) = Journal::open(&p, &dir.path().join("none"), "h", "s", false, Lang::Fr).unwrap();
        j.sent(1, 1).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::fs::read_to_string(&p).unwrap().lines().count() < 2 {
            assert!(std::time::Instant::now() < deadline, "the reservation never reached the file");
            std::thread::sleep(writer::WRITE_WITHIN / 2);
        }
        assert_eq!(j.syncs(), 0);
    }
}
