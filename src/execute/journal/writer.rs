//! The registre's writer thread: it owns the connection and commits what
//! the engine hands it as soon as it is free — every record waiting, in
//! one transaction (a group commit), never on a timer — with
//! `synchronous=NORMAL`: in the WAL, a kill cannot lose it, and a request
//! waits for its "sending" only that long. When a call about to go out
//! waits for its reservation to be on disk, the next commit is made with
//! `FULL`, which syncs it and every frame before it (the reservations made
//! ahead by then, the outcomes a dependent's reservation comes after): one
//! sync for dozens of calls. A busy registre (another process writing) is
//! waited for; any other failure fails every record from then on. A
//! PASSIVE checkpoint now and then keeps the WAL short; a TRUNCATE at the
//! end.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

use std::collections::HashMap;

use crate::registre::guard::{Guard, Refused};
use crate::registre::{Record, Registre};

use super::super::kill_point;
use super::WriteError;

pub(super) type Written = std::result::Result<(), WriteError>;

/// Batches between PASSIVE checkpoints.
const CHECKPOINT_EVERY: u32 = 64;

/// Records waiting for the writer, and who waits for them.
#[derive(Default)]
pub(super) struct Queue {
    pub pending: Vec<(Record, Option<u32>)>,
    /// Records appended so far; those before `committed` are committed,
    /// those before `synced` on disk.
    pub appended: u64,
    pub committed: u64,
    pub synced: u64,
    /// (ticket, wants it on disk, told when it is).
    pub waiters: Vec<(u64, bool, oneshot::Sender<Written>)>,
    /// Outcomes that may not be recorded: the registre failed.
    pub unwritten: Vec<u32>,
    pub broken: Option<WriteError>,
    pub closed: bool,
    pub syncs: u64,
    /// The send-time check, handed to the writer before the first reservation.
    pub guard: Option<Guard>,
    /// Calls the send-time check refused (never reserved), and why.
    pub refused: HashMap<u32, Refused>,
    /// What a refused call's outcome says.
    pub say: Option<Say>,
}

/// A refused call's outcome, from why.
pub(crate) type Say = std::sync::Arc<dyn Fn(&Refused) -> crate::outcome::CallOutcome + Send + Sync>;

impl Queue {
    /// Queues a record and returns its ticket; `Err` once the registre failed.
    pub(super) fn append(&mut self, record: Record, outcome_of: Option<u32>) -> Result<u64, WriteError> {
        if let Some(e) = &self.broken {
            let e = e.clone();
            self.unwritten.extend(outcome_of);
            return Err(e);
        }
        self.pending.push((record, outcome_of));
        self.appended += 1;
        Ok(self.appended - 1)
    }

    /// Someone waits for records not yet on disk.
    fn sync_wanted(&self) -> bool {
        self.waiters.iter().any(|(t, full, _)| *full && *t >= self.synced)
    }

    fn tell(&mut self) {
        let (committed, synced) = (self.committed, self.synced);
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiters)
            .into_iter()
            .partition(|(t, full, _)| *t < if *full { synced } else { committed });
        self.waiters = waiting;
        for (_, _, tell) in ready {
            let _ = tell.send(Ok(()));
        }
    }

    /// The registre failed: every waiter is told, every outcome not
    /// committed is listed, and nothing more is written.
    pub(super) fn fail(&mut self, error: WriteError, lost: impl Iterator<Item = u32>) {
        if self.broken.is_none() {
            self.broken = Some(error.clone());
        }
        self.unwritten.extend(lost);
        self.unwritten.extend(self.pending.drain(..).filter_map(|(_, o)| o));
        for (_, _, tell) in self.waiters.drain(..) {
            let _ = tell.send(Err(error.clone()));
        }
    }
}

pub(super) struct Shared {
    pub queue: Mutex<Queue>,
    pub wake: Condvar,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn writer(mut reg: Registre, run: i64, shared: &Shared) {
    let mut batches = 0u32;
    let mut guard: Option<Guard> = None;
    loop {
        let mut q = lock(&shared.queue);
        while q.pending.is_empty() && !q.closed && !q.sync_wanted() {
            q = shared.wake.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        if let Some(g) = q.guard.take() {
            guard = Some(g);
        }
        if q.broken.is_some() || (q.pending.is_empty() && q.closed && !q.sync_wanted()) {
            drop(q);
            reg.checkpoint(true);
            return;
        }
        let batch = std::mem::take(&mut q.pending);
        let upto = q.appended;
        let full = q.sync_wanted();
        drop(q);
        let mut records: Vec<Record> = batch.iter().map(|(r, _)| r.clone()).collect();
        if records.is_empty() {
            // Committed already, wanted on disk: a FULL commit syncs them.
            records.push(Record::Synced);
        }
        let written = write(&mut reg, run, &records, full, guard.as_mut());
        let mut q = lock(&shared.queue);
        match written {
            Ok(refused) => {
                q.refused.extend(refused);
                q.committed = upto;
                if full {
                    q.synced = upto;
                    q.syncs += 1;
                }
                q.tell();
            }
            Err(e) => q.fail(e, batch.iter().filter_map(|(_, o)| *o)),
        }
        drop(q);
        batches += 1;
        if batches.is_multiple_of(CHECKPOINT_EVERY) {
            reg.checkpoint(false);
        }
    }
}

/// Writes a batch, waiting as long as another process holds the registre.
fn write(
    reg: &mut Registre,
    run: i64,
    records: &[Record],
    full: bool,
    mut guard: Option<&mut Guard>,
) -> std::result::Result<Vec<(u32, Refused)>, WriteError> {
    let between = |i: usize| {
        if i == 0 && records.len() > 1 {
            kill_point::reached("mid_transaction");
        }
    };
    loop {
        match reg.write_guarded(run, records, full, &between, guard.as_deref_mut()) {
            Ok(refused) => return Ok(refused),
            Err(e) if e.busy => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(WriteError(e.message)),
        }
    }
}
