//! Importing a journal of the previous version (and its rescue file) as
//! its run's records: the run, its tenant, every attempt's events and
//! outcomes in their order. A torn last line (the shape of a kill) is left
//! out; a damaged line mid-file marks the run damaged (every call without
//! an outcome then counts as possibly sent). Imported once: a journal seen
//! before (same bytes) is skipped.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Failure, Refusal};

use super::legacy::Entry;
use super::{Event, canonical, insert_answer};

/// What an import added.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub run: i64,
    /// Records read (lines left out aside).
    pub records: usize,
    pub damaged: bool,
}

pub(super) enum Error {
    Read(Failure),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Db(e)
    }
}

/// `<results>.journal.jsonl`: where the previous version kept a run's journal.
pub(crate) fn journal_beside(results: &Path) -> PathBuf {
    beside(results, "journal.jsonl")
}

fn beside(results: &Path, suffix: &str) -> PathBuf {
    let name = results.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    results.with_file_name(format!("{name}.{suffix}"))
}

/// The records of a journal's bytes; `damaged` when a line that is not the
/// last cannot be read.
fn records(bytes: &[u8]) -> (Vec<Entry>, bool) {
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').filter(|l| !l.trim_ascii().is_empty()).collect();
    let mut damaged = false;
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match Entry::parse(line) {
            Some(e) => out.push(e),
            None if i + 1 == lines.len() => {}
            None => damaged = true,
        }
    }
    (out, damaged)
}

pub(super) fn import(conn: &mut Connection, journal: &Path, results: &Path) -> Result<Option<super::Imported>, Error> {
    let unreadable = |error: Option<crate::error::SystemCause>| {
        Error::Read(Failure::refused(Refusal::JournalUnreadable { journal: journal.to_path_buf(), error }))
    };
    let bytes = std::fs::read(journal).map_err(|e| unreadable(Some((&e).into())))?;
    let digest = {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(&bytes))
    };
    let (entries, damaged) = records(&bytes);
    let Some(Entry::Start { plan_hash, source, timestamp, sending, .. }) = entries.first().cloned() else {
        return Err(unreadable(None));
    };
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let known: Option<i64> =
        tx.query_row("SELECT id FROM runs WHERE imported_sha256 = ?1", [&digest], |r| r.get(0)).optional()?;
    if known.is_some() {
        return Ok(None);
    }
    let mut tenant = None;
    let mut written = false;
    for e in &entries {
        match e {
            Entry::Tenant { tenant: t } => tenant = Some(t.to_string()),
            Entry::ResultsWritten { .. } => written = true,
            Entry::Resume { .. } => written = false,
            _ => {}
        }
    }
    tx.execute(
        "INSERT INTO runs(os_user, machine, version, sheet, plan, tenant, results, started, results_written, damaged,
                          imported_from, imported_sha256)
         VALUES (?1, ?2, 'journal', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            crate::files::user_name(),
            crate::files::machine_name(),
            source,
            plan_hash,
            tenant,
            canonical(results),
            timestamp,
            written,
            damaged,
            journal.to_string_lossy(),
            digest
        ],
    )?;
    let run = tx.last_insert_rowid();
    let mut records = 0;
    for e in &entries {
        records += 1;
        let event = |call: &u32, attempt: &u32, what: Event| {
            tx.prepare_cached("INSERT INTO attempts(run, call, attempt, event) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![run, call, attempt, what.word()]))
                .map(drop)
        };
        match e {
            Entry::Sent { call, attempt, .. } => {
                event(call, attempt, Event::Reserved)?;
                // Written before "sending" records existed: a reservation
                // counts as sent.
                if !sending {
                    event(call, attempt, Event::Sending)?;
                }
            }
            Entry::Sending { call, attempt } => event(call, attempt, Event::Sending)?,
            Entry::Withdrawn { call, attempt } => event(call, attempt, Event::Withdrawn)?,
            Entry::Done { call, outcome } => insert_answer(&tx, run, *call, outcome)?,
            _ => records -= 1,
        }
    }
    // The outcomes its journal could not take, kept in the rescue file.
    let rescue = std::fs::read(beside(results, "journal.secours.jsonl")).unwrap_or_default();
    let (kept, _) = records_of_plan(&rescue, &plan_hash);
    for (call, outcome) in kept {
        insert_answer(&tx, run, call, &outcome)?;
    }
    tx.commit()?;
    Ok(Some(super::Imported { run, records, damaged }))
}

/// The final outcomes of a rescue file written for the plan `plan_hash`.
fn records_of_plan(bytes: &[u8], plan_hash: &str) -> (Vec<(u32, crate::outcome::CallOutcome)>, bool) {
    let (entries, damaged) = records(bytes);
    let mut belongs = false;
    let mut out = Vec::new();
    for e in entries {
        match e {
            Entry::Start { plan_hash: h, .. } => belongs = h == plan_hash,
            Entry::Done { call, outcome } if belongs && !outcome.resend_on_resume => out.push((call, outcome)),
            _ => {}
        }
    }
    (out, damaged)
}
