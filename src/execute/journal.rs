//! The run journal: JSON lines beside the results, tied to the plan's hash,
//! locked against a second run. "sent" is on disk before each attempt goes
//! out and "done" with its outcome before any call that depends on it is
//! sent, so that a resume never sends a done call twice and knows which
//! calls were in flight. No bodies, no secrets: ids, statuses and messages.
//!
//! One writer thread owns the file and commits in groups: every record
//! waiting when it wakes is written, then one sync covers them all, then
//! each waiter is told. Only "sent" records are waited for: a "done" is
//! written in order before any later "sent", so the sync that lets a
//! dependent call go out covers its dependency's outcome too, and `flush`
//! covers the last ones. A write or sync that fails fails every record from
//! then on: the engine stops rather than send a call it could not record,
//! and the outcomes that may not be on disk are listed for the rescue file.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, Status, now_iso};

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
    Sent {
        call: u32,
        attempt: u32,
        timestamp: String,
    },
    Done {
        call: u32,
        outcome: CallOutcome,
    },
}

/// What an earlier run left for a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    Done(CallOutcome),
    /// Sent (maybe several times) and never answered: maybe applied.
    InFlight {
        attempts: u32,
    },
}

/// What an earlier run recorded.
#[derive(Debug, Default)]
pub struct Recorded {
    pub prior: HashMap<u32, Prior>,
    pub warnings: Vec<String>,
    /// A line in the middle could not be read: it may have been any call's
    /// "sent", so every call without a "done" counts as in flight.
    pub damaged: bool,
}

/// The journal could not be written: the system's error, as it said it.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteError(pub String);

type Written = std::result::Result<(), WriteError>;

struct Commit {
    line: Vec<u8>,
    reply: Reply,
}

enum Reply {
    /// Told once the record (and everything before it) is on disk.
    Synced(oneshot::Sender<Written>),
    /// A call's outcome, not waited for: listed in `unwritten` if it may not
    /// have reached the disk.
    Outcome(u32),
}

pub struct Journal {
    commits: Option<mpsc::Sender<Commit>>,
    writer: Option<std::thread::JoinHandle<()>>,
    unwritten: Arc<Mutex<Vec<u32>>>,
    pub path: PathBuf,
}

impl Drop for Journal {
    /// The writer finishes what it was given and lets the file (and its
    /// lock) go before the journal is said closed: a resume may follow.
    fn drop(&mut self) {
        self.commits.take();
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
        let (commits, queue) = mpsc::channel();
        let unwritten = Arc::new(Mutex::new(Vec::new()));
        let listed = unwritten.clone();
        let writer = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || writer(file, queue, &listed))
            .map_err(|e| Failure::stopped(write_failure(path, &e.to_string(), lang)))?;
        let journal = Journal { commits: Some(commits), writer: Some(writer), unwritten, path: path.to_path_buf() };
        Ok((journal, recorded))
    }

    async fn synced(&self, line: Vec<u8>) -> Written {
        let (written, done) = oneshot::channel();
        let gone = || WriteError("journal closed".into());
        let commits = self.commits.as_ref().ok_or_else(gone)?;
        commits.send(Commit { line, reply: Reply::Synced(written) }).map_err(|_| gone())?;
        done.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Records that attempt `attempt` of `call` goes out; returns once it is
    /// on disk, with every outcome recorded before it.
    pub async fn sent(&self, call: u32, attempt: u32) -> Written {
        self.synced(encode(&Entry::Sent { call, attempt, timestamp: now_iso() })).await
    }

    /// Records a call's final outcome without waiting: it is on disk before
    /// any later `sent` or `flush` returns. `Err` when the journal is closed.
    pub fn done(&self, call: u32, outcome: &CallOutcome) -> Written {
        let line = encode(&Entry::Done { call, outcome: outcome.clone() });
        let sent = self.commits.as_ref().map(|c| c.send(Commit { line, reply: Reply::Outcome(call) }));
        if let Some(Ok(())) = sent {
            return Ok(());
        }
        lock(&self.unwritten).push(call);
        Err(WriteError("journal closed".into()))
    }

    /// Returns once everything recorded so far is on disk.
    pub async fn flush(&self) -> Written {
        self.synced(Vec::new()).await
    }

    /// The calls whose outcome may not be on disk (the journal failed).
    pub fn unwritten(&self) -> Vec<u32> {
        lock(&self.unwritten).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn encode(e: &Entry) -> Vec<u8> {
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

/// The writer thread: each wake-up writes every record waiting, syncs once
/// if anyone waits for it, then answers each. After a failure every record
/// fails at once, and outcomes not known to be on disk are listed.
fn writer(mut file: File, queue: mpsc::Receiver<Commit>, unwritten: &Mutex<Vec<u32>>) {
    let mut broken: Option<WriteError> = None;
    // Outcomes written since the last sync: lost too if a sync fails.
    let mut unsynced: Vec<u32> = Vec::new();
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        group.extend(queue.try_iter());
        let sync = group.iter().any(|c| matches!(c.reply, Reply::Synced(_)));
        let outcome = match &broken {
            Some(e) => Err(e.clone()),
            None => {
                let bytes: Vec<u8> = group.iter().flat_map(|c| c.line.iter().copied()).collect();
                write(&mut file, &bytes, sync)
            }
        };
        if let Err(e) = &outcome {
            broken = Some(e.clone());
            lock(unwritten).append(&mut unsynced);
        } else if sync {
            unsynced.clear();
        }
        for c in group {
            match c.reply {
                Reply::Synced(tx) => drop(tx.send(outcome.clone())),
                Reply::Outcome(call) if outcome.is_err() => lock(unwritten).push(call),
                Reply::Outcome(call) => unsynced.push(call),
            }
        }
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
    let mut tmp = tempfile::Builder::new().prefix(".loopbatch-").tempfile_in(dir)?;
    tmp.write_all(&bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

/// Adds what a rescue file of the same plan holds (outcomes are final).
fn read_rescue(path: &Path, plan_hash: &str, rec: &mut Recorded) {
    let Ok(bytes) = std::fs::read(path) else { return };
    let mut belongs = false;
    for line in bytes.split(|b| *b == b'\n') {
        match std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok()) {
            Some(Entry::Start { plan_hash: h, .. }) => belongs = h == plan_hash,
            Some(Entry::Done { call, outcome }) if belongs && !outcome.resend_on_resume => {
                rec.prior.insert(call, Prior::Done(outcome));
            }
            _ => {}
        }
    }
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

/// Reads every line; one that is not UTF-8 or not JSON is skipped with a
/// warning, wherever it is (only the last may be torn by a crash).
fn read_prior(file: &mut File, path: &Path, plan_hash: &str, lang: Lang) -> Result<Recorded> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| {
        Failure::unusable(format!("{} {} : {e}", lang.t("Journal illisible :", "Unreadable journal:"), path.display()))
    })?;
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').filter(|l| !l.trim_ascii().is_empty()).collect();
    let mut rec = Recorded::default();
    let mut started = false;
    for (i, line) in lines.iter().enumerate() {
        let entry = std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok());
        match entry {
            Some(Entry::Start { plan_hash: h, .. }) if h != plan_hash => return Err(other_plan(path, lang)),
            Some(Entry::Start { .. }) => started = true,
            Some(Entry::Sent { call, attempt, .. }) => {
                if !matches!(rec.prior.get(&call), Some(Prior::Done(_))) {
                    rec.prior.insert(call, Prior::InFlight { attempts: attempt });
                }
            }
            // Not applied (refused key, wrong route) or given up on transient
            // errors: a resume sends it again.
            Some(Entry::Done { call, outcome }) if outcome.resend_on_resume => {
                rec.prior.remove(&call);
            }
            Some(Entry::Done { call, outcome }) => {
                rec.prior.insert(call, Prior::Done(outcome));
            }
            Some(Entry::Resume { .. }) => {}
            None if i + 1 == lines.len() => rec.warnings.push(
                lang.t(
                    "Dernière ligne du journal incomplète (arrêt brutal pendant l'écriture) : ignorée.",
                    "Last journal line incomplete (abrupt stop while writing): ignored.",
                )
                .to_string(),
            ),
            None => {
                rec.damaged = true;
                rec.warnings.push(format!(
                    "{} {} {}",
                    lang.t("Ligne illisible du journal ignorée :", "Unreadable journal line ignored:"),
                    i + 1,
                    lang.t(
                        "(les appels sans résultat noté seront vérifiés avant tout nouvel envoi)",
                        "(calls without a recorded outcome will be checked before any new send)"
                    )
                ));
            }
        }
    }
    if !started {
        return Err(Failure::unusable(format!(
            "{} {} : {}",
            lang.t("Journal sans en-tête :", "Journal without header:"),
            path.display(),
            lang.t("fichier étranger ?", "foreign file?")
        )));
    }
    Ok(rec)
}

fn other_plan(path: &Path, lang: Lang) -> Failure {
    Failure::unusable(format!(
        "{} {} {}",
        path.display(),
        lang.t(
            "appartient à un autre plan (le fichier d'entrée ou la configuration a changé depuis) : impossible de reprendre avec ce fichier.",
            "belongs to another plan (the input file or the configuration changed since): cannot resume with this file."
        ),
        lang.t("Gardez le fichier d'origine, ou choisissez un autre --results.", "Keep the original file, or choose another --results.")
    ))
}

/// The hash of the plan a journal belongs to (its first line), if any.
pub fn plan_hash_of(path: &Path) -> Option<String> {
    let file = File::open(path).ok()?;
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(file).take(64 * 1024), &mut first).ok()?;
    match serde_json::from_str::<Entry>(first.trim_end()).ok()? {
        Entry::Start { plan_hash, .. } => Some(plan_hash),
        _ => None,
    }
}

/// The calls a journal records as done OK, if it belongs to the plan of
/// hash `plan_hash` (read without locking; unreadable lines are skipped).
pub fn done_ok(path: &Path, plan_hash: &str) -> Option<HashSet<u32>> {
    let bytes = std::fs::read(path).ok()?;
    let entries = bytes
        .split(|b| *b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok()));
    let mut belongs = false;
    let mut ok = HashSet::new();
    for e in entries {
        match e {
            Entry::Start { plan_hash: h, .. } => belongs = h == plan_hash,
            Entry::Done { call, outcome } if outcome.status == Status::Ok => {
                ok.insert(call);
            }
            _ => {}
        }
    }
    belongs.then_some(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for c in 1..=50 {
            j.sent(c, 1).await.unwrap();
        }
        j.done(7, &outcome(Status::Ok, false)).unwrap();
        j.flush().await.unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 52);
        assert!(Journal::open(&p, &kept, "h", "s", true, Lang::Fr).is_err(), "locked while in use");
        drop(j);
        // What the journal could not take, a rescue file keeps for the resume.
        rescue(&kept, "h", &[(9, outcome(Status::Ok, false))]).unwrap();
        let (_j, rec) = Journal::open(&p, &kept, "h", "s", true, Lang::Fr).unwrap();
        assert!(matches!(rec.prior.get(&9), Some(Prior::Done(_))));
    }
}
