//! The registre's writer thread: it owns the connection and commits what
//! the engine hands it, every record waiting in one transaction (a group
//! commit). A record a call waits for — its « sending » before the
//! request's first byte, its reservation on disk before it goes — is
//! committed as soon as the writer is free, never on a timer: with
//! `synchronous=NORMAL` (in the WAL, a kill cannot lose it), or `FULL` when
//! a reservation must be on disk (a FULL commit syncs it and every frame
//! before it: the reservations made ahead by then, the outcomes a
//! dependent's reservation comes after; one sync for dozens of calls).
//! Records nobody waits for (outcomes, withdrawals, reservations not yet
//! due) go with the next such commit, and within `LAZY` (5 ms) of being
//! appended at the latest (outcomes are committed within 10 ms). Since every commit
//! takes every record appended before it, and no call goes out before a
//! commit of its own « sending », an outcome is committed before any call
//! sent after it and before any dependent's reservation. A busy registre
//! (another process writing) is waited for; any other failure fails every
//! record from then on. A PASSIVE checkpoint now and then keeps the WAL
//! short; a TRUNCATE at the end.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use std::collections::HashMap;

use crate::registre::guard::{Guard, Refused};
use crate::registre::{Record, Registre};

use super::super::kill_point;
use super::WriteError;

pub(super) type Written = std::result::Result<(), WriteError>;

/// Commits between PASSIVE checkpoints (each commits a few WAL frames: a
/// few hundred frames between checkpoints, as SQLite's own automatic ones
/// would let through).
const CHECKPOINT_EVERY: u32 = 256;

/// How long a record nobody waits for (an outcome) may wait for a commit
/// to start: outcomes are committed within 10 ms, the rest is left for the
/// commit itself and a wake-up late on a busy machine.
pub(super) const LAZY: Duration = Duration::from_millis(5);

/// What the writer thread is doing, for whoever appends or waits: a
/// sleeping writer is woken only when it must act sooner than it would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Writer {
    /// Committing: it looks at the queue again before it sleeps.
    Busy,
    /// Asleep until then (it then commits what waits), or until woken.
    Until(Instant),
    /// Asleep until woken.
    Idle,
}

/// Records waiting for the writer, and who waits for them.
pub(super) struct Queue {
    pub pending: Vec<(Record, Option<u32>)>,
    /// When the oldest record of `pending` was appended.
    pub oldest: Option<Instant>,
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
    pub writer: Writer,
    /// The send-time check, handed to the writer before the first reservation.
    pub guard: Option<Guard>,
    /// Calls the send-time check refused (never reserved), and why.
    pub refused: HashMap<u32, Refused>,
    /// What a refused call's outcome says.
    pub say: Option<Say>,
}

impl Default for Queue {
    fn default() -> Queue {
        Queue {
            pending: Vec::new(),
            oldest: None,
            appended: 0,
            committed: 0,
            synced: 0,
            waiters: Vec::new(),
            unwritten: Vec::new(),
            broken: None,
            closed: false,
            syncs: 0,
            // Busy until it first looks at the queue.
            writer: Writer::Busy,
            guard: None,
            refused: HashMap::new(),
            say: None,
        }
    }
}

/// A refused call's outcome, from why.
pub(crate) type Say = std::sync::Arc<dyn Fn(&Refused) -> crate::outcome::CallOutcome + Send + Sync>;

impl Queue {
    /// Queues a record and returns its ticket, and whether the writer must
    /// be woken (asleep past the time this record may wait); `Err` once
    /// the registre failed.
    pub(super) fn append(&mut self, record: Record, outcome_of: Option<u32>) -> Result<(u64, bool), WriteError> {
        if let Some(e) = &self.broken {
            let e = e.clone();
            self.unwritten.extend(outcome_of);
            return Err(e);
        }
        let now = self.oldest.get_or_insert_with(Instant::now);
        let due = *now + LAZY;
        self.pending.push((record, outcome_of));
        self.appended += 1;
        let wake = match self.writer {
            Writer::Busy => false,
            Writer::Until(t) => t > due,
            Writer::Idle => true,
        };
        Ok((self.appended - 1, wake))
    }

    /// Someone waits for records not yet committed, or not yet on disk.
    fn awaited(&self) -> bool {
        !self.waiters.is_empty()
    }

    /// Someone waits for records not yet on disk.
    fn sync_wanted(&self) -> bool {
        self.waiters.iter().any(|(t, full, _)| *full && *t >= self.synced)
    }

    fn tell(&mut self) {
        let (committed, synced) = (self.committed, self.synced);
        let ready =
            |(t, full, _): &mut (u64, bool, oneshot::Sender<Written>)| *t < if *full { synced } else { committed };
        for (_, _, tell) in self.waiters.extract_if(.., ready) {
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
        self.oldest = None;
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

/// What the writer does next.
enum Next {
    /// Commit what waits (synced: `full`).
    Commit { full: bool },
    /// Close: fold the WAL into the file and let the connection go.
    Close,
}

/// Waits until there is something to do: a record someone waits for, a
/// record that has waited `LAZY`, the end. After a commit the writer
/// sleeps at most `LAZY` (records appended meanwhile need no wake), then
/// until woken.
fn next<'a>(shared: &'a Shared, mut q: MutexGuard<'a, Queue>, last: Instant) -> (MutexGuard<'a, Queue>, Next) {
    loop {
        if q.broken.is_some() {
            return (q, Next::Close);
        }
        if q.awaited() || (q.closed && !q.pending.is_empty()) {
            let full = q.sync_wanted();
            return (q, Next::Commit { full });
        }
        if q.closed {
            return (q, Next::Close);
        }
        // After a commit, records appended within `LAZY` wait for the end
        // of that window at most; older ones, for their own `LAZY`.
        let now = Instant::now();
        let window = last + LAZY;
        let until = q.oldest.map_or(window, |t| window.min(t + LAZY));
        if q.oldest.is_some() && until <= now {
            return (q, Next::Commit { full: false });
        }
        if until > now {
            q.writer = Writer::Until(until);
            q = shared.wake.wait_timeout(q, until - now).unwrap_or_else(|e| e.into_inner()).0;
        } else {
            q.writer = Writer::Idle;
            q = shared.wake.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        q.writer = Writer::Busy;
    }
}

pub(super) fn writer(mut reg: Registre, run: i64, shared: &Shared) {
    reg.become_run_writer();
    let mut batches = 0u32;
    let mut guard: Option<Guard> = None;
    let mut last = Instant::now();
    loop {
        let (mut q, next) = next(shared, lock(&shared.queue), last);
        if let Some(g) = q.guard.take() {
            guard = Some(g);
        }
        let Next::Commit { full } = next else {
            drop(q);
            reg.checkpoint(true);
            return;
        };
        let batch = std::mem::take(&mut q.pending);
        q.oldest = None;
        let upto = q.appended;
        drop(q);
        let written = write(&mut reg, run, &batch, full, guard.as_mut());
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
        last = Instant::now();
        batches += 1;
        if batches.is_multiple_of(CHECKPOINT_EVERY) {
            reg.checkpoint(false);
        }
    }
}

/// Writes a batch (a FULL commit with nothing new: `Synced`, to sync what
/// came before), waiting as long as another process holds the registre.
fn write(
    reg: &mut Registre,
    run: i64,
    batch: &[(Record, Option<u32>)],
    full: bool,
    mut guard: Option<&mut Guard>,
) -> std::result::Result<Vec<(u32, Refused)>, WriteError> {
    let synced = [Record::Synced];
    let records: Vec<&Record> = match batch.is_empty() {
        true => synced.iter().collect(),
        false => batch.iter().map(|(r, _)| r).collect(),
    };
    let between = |i: usize| {
        if i == 0 && records.len() > 1 {
            kill_point::reached("mid_transaction");
        }
    };
    loop {
        match reg.write_guarded(run, records.iter().copied(), full, &between, guard.as_deref_mut()) {
            Ok(refused) => return Ok(refused),
            Err(e) if e.busy => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(WriteError(e.cause)),
        }
    }
}
