//! The journal's file and its syncing thread. A record that must survive
//! a kill ("sending", "done", "withdrawn") is written to the file as it is
//! appended, with any record waiting before it (one `write`, under the
//! buffer's lock, so the file keeps the order of the appends; no thread
//! hand-off per record). A reservation ("sent") may wait in memory: it
//! must be on disk before its call goes, which the sync its call waits for
//! sees to, and losing it to a kill loses nothing (a reservation is not a
//! sending); the thread writes it within `WRITE_WITHIN` anyway. Syncs,
//! which take milliseconds, are made by that thread only when someone
//! waits for one, and each covers every record appended by then.

use std::fs::File;
use std::io::Write;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

use super::WriteError;

pub(super) type Written = std::result::Result<(), WriteError>;

/// The longest a record waits in memory.
pub(super) const WRITE_WITHIN: Duration = Duration::from_millis(10);

/// Records written so far, and who waits for a sync.
#[derive(Default)]
pub(super) struct Buffer {
    /// Records appended and not yet written.
    pub pending: Vec<u8>,
    /// Records appended so far; those before `synced` are on disk.
    pub appended: u64,
    pub synced: u64,
    /// A sync is wanted up to this record (exclusive).
    pub wanted: u64,
    /// Told once the records before their number are on disk.
    pub sync_waiters: Vec<(u64, oneshot::Sender<Written>)>,
    /// Outcomes written since the last sync (lost with it if it fails).
    pub unsynced: Vec<(u64, u32)>,
    /// Outcomes that may not be on disk: the journal failed.
    pub unwritten: Vec<u32>,
    pub broken: Option<WriteError>,
    pub closed: bool,
    pub syncs: u64,
}

impl Buffer {
    /// Appends a record; with `now`, writes it to the file (with any record
    /// waiting before it) before returning. Returns its number. After a
    /// failure nothing more is written.
    pub fn append(&mut self, file: &File, line: &[u8], outcome_of: Option<u32>, now: bool) -> Result<u64, WriteError> {
        if let Some(e) = &self.broken {
            let e = e.clone();
            self.unwritten.extend(outcome_of);
            return Err(e);
        }
        self.pending.extend_from_slice(line);
        let seq = self.appended;
        self.appended += 1;
        if let Some(call) = outcome_of {
            self.unsynced.push((seq, call));
        }
        if now {
            self.write_pending(file)?;
        }
        Ok(seq)
    }

    /// Writes the records waiting in memory.
    fn write_pending(&mut self, mut file: &File) -> Written {
        if self.pending.is_empty() {
            return Ok(());
        }
        let written = file.write_all(&self.pending).map_err(|e| WriteError(e.to_string()));
        self.pending.clear();
        if let Err(e) = &written {
            fail(self, e.clone());
        }
        written
    }

    /// A sync is due: someone waits for one, or the journal closes.
    fn sync_due(&self) -> bool {
        self.wanted > self.synced || (self.closed && self.appended > self.synced)
    }

    fn synced_upto(&mut self, upto: u64) {
        self.syncs += 1;
        self.synced = upto;
        self.unsynced.retain(|(seq, _)| *seq >= upto);
        let (ready, waiting): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.sync_waiters).into_iter().partition(|(seq, _)| *seq < upto);
        self.sync_waiters = waiting;
        for (_, tell) in ready {
            let _ = tell.send(Ok(()));
        }
    }
}

pub(super) struct Shared {
    pub buffer: Mutex<Buffer>,
    pub wake_syncer: Condvar,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The syncing thread: sleeps until a sync is wanted (or the journal
/// closes), at most `WRITE_WITHIN`, writing what waits in memory; then
/// writes what waits (under the lock, keeping the order) and syncs outside
/// the lock; the records written meanwhile go with the next sync. After a
/// failure every waiter fails at once, and outcomes not known to be on disk
/// are listed.
pub(super) fn syncer(file: &File, shared: &Shared) {
    let mut b = lock(&shared.buffer);
    loop {
        let _ = b.write_pending(file);
        if !b.sync_due() {
            if b.closed {
                return;
            }
            b = shared.wake_syncer.wait_timeout(b, WRITE_WITHIN).unwrap_or_else(|e| e.into_inner()).0;
            continue;
        }
        let upto = b.appended;
        drop(b);
        let synced = file.sync_data().map_err(|e| WriteError(e.to_string()));
        b = lock(&shared.buffer);
        match synced {
            Ok(()) => b.synced_upto(upto),
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
    for (_, tell) in b.sync_waiters.drain(..) {
        let _ = tell.send(Err(error.clone()));
    }
}
