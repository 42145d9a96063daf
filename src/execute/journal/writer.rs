//! The journal's writer thread and its buffer. Records wait in memory only
//! while the writer is busy writing earlier ones: an append to an idle
//! writer wakes it, so every record is in the file (written, not synced)
//! within moments; a sync is made only when someone waits for one.

use std::fs::File;
use std::io::Write;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

use super::WriteError;

pub(super) type Written = std::result::Result<(), WriteError>;

/// The longest a record may wait in memory, even if a wake-up were missed.
pub(super) const WRITE_WITHIN: Duration = Duration::from_millis(10);

/// What the writer does next, from what is waiting (the flush policy, kept
/// pure so that it can be tested without a thread or a clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Write and sync everything appended (someone waits for a sync, or the
    /// journal closes).
    Sync,
    /// Write everything appended, no sync.
    Write,
    /// Nothing to do: sleep until woken, at most this long.
    Sleep(Duration),
    Exit,
}

/// Appended records not yet written, and who waits for what.
#[derive(Default)]
pub(super) struct Buffer {
    /// Records appended and not yet handed to the writer.
    pub pending: Vec<u8>,
    /// Records appended so far; those before `written` are in the file,
    /// those before `synced` on disk.
    pub appended: u64,
    pub written: u64,
    pub synced: u64,
    /// A sync is wanted up to this record (exclusive).
    pub wanted: u64,
    /// Told once the records before their number are on disk.
    pub sync_waiters: Vec<(u64, oneshot::Sender<Written>)>,
    /// Told once the records before their number are in the file.
    pub write_waiters: Vec<(u64, oneshot::Sender<Written>)>,
    /// Outcomes appended since the last sync (lost with it if it fails).
    pub unsynced: Vec<(u64, u32)>,
    /// Outcomes that may not be on disk: the journal failed.
    pub unwritten: Vec<u32>,
    pub broken: Option<WriteError>,
    pub closed: bool,
    /// The writer sleeps: the next append wakes it.
    pub idle: bool,
    pub syncs: u64,
}

impl Buffer {
    /// The flush policy: a wanted sync first, then any record waiting.
    pub fn step(&self) -> Step {
        if self.wanted > self.synced || (self.closed && self.appended > self.synced) {
            Step::Sync
        } else if !self.pending.is_empty() {
            Step::Write
        } else if self.closed {
            Step::Exit
        } else {
            Step::Sleep(WRITE_WITHIN)
        }
    }

    /// Takes a record; returns its number.
    pub fn push(&mut self, line: &[u8], outcome_of: Option<u32>) -> u64 {
        let seq = self.appended;
        self.pending.extend_from_slice(line);
        self.appended += 1;
        if let Some(call) = outcome_of {
            self.unsynced.push((seq, call));
        }
        seq
    }

    /// The records before `upto` are in the file (and on disk if `synced`).
    fn advanced(&mut self, upto: u64, synced: bool) {
        self.written = upto;
        tell(&mut self.write_waiters, upto);
        if synced {
            self.syncs += 1;
            self.synced = upto;
            self.unsynced.retain(|(seq, _)| *seq >= upto);
            tell(&mut self.sync_waiters, upto);
        }
    }
}

fn tell(waiters: &mut Vec<(u64, oneshot::Sender<Written>)>, upto: u64) {
    let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(waiters).into_iter().partition(|(seq, _)| *seq < upto);
    *waiters = waiting;
    for (_, tell) in ready {
        let _ = tell.send(Ok(()));
    }
}

pub(super) struct Shared {
    pub buffer: Mutex<Buffer>,
    pub wake_writer: Condvar,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn write(file: &mut File, bytes: &[u8], sync: bool) -> Written {
    let synced = |file: &mut File| if sync { file.sync_data() } else { Ok(()) };
    file.write_all(bytes).and_then(|()| synced(file)).map_err(|e| WriteError(e.to_string()))
}

/// The writer thread: follows [`Buffer::step`], writing outside the lock
/// (records appended meanwhile go with the next write). After a failure
/// every record fails at once, and outcomes not known to be on disk are
/// listed.
pub(super) fn writer(mut file: File, shared: &Shared) {
    let mut b = lock(&shared.buffer);
    loop {
        let sync = match b.step() {
            Step::Exit => return,
            Step::Sleep(at_most) => {
                b.idle = true;
                b = shared.wake_writer.wait_timeout(b, at_most).unwrap_or_else(|e| e.into_inner()).0;
                b.idle = false;
                continue;
            }
            Step::Sync => true,
            Step::Write => false,
        };
        let bytes = std::mem::take(&mut b.pending);
        let upto = b.appended;
        drop(b);
        let written = write(&mut file, &bytes, sync);
        b = lock(&shared.buffer);
        match written {
            Ok(()) => b.advanced(upto, sync),
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
    b.written = b.appended;
    b.wanted = b.appended;
    for (_, tell) in b.sync_waiters.drain(..).chain(b.write_waiters.drain(..)) {
        let _ = tell.send(Err(error.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy on tokio's paused clock: records appended at random
    /// moments to a writer that follows it (each write taking up to 3 ms)
    /// are all written within `WRITE_WITHIN` of their append, whether the
    /// writer was asleep or busy.
    #[tokio::test(start_paused = true)]
    async fn every_record_is_written_within_the_bound_whatever_the_writer_was_doing() {
        use rand::{Rng, SeedableRng};
        use tokio::time::{Instant, advance};
        let seed: u64 = std::env::var("LOOPBATCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut b = Buffer::default();
        let mut appended_at: Vec<Instant> = Vec::new();
        let mut worst = Duration::ZERO;
        // The writer: writing records up to `writing` until `busy_until`,
        // or asleep (woken by an append, or by its timeout).
        let (mut busy_until, mut writing): (Option<Instant>, u64) = (None, 0);
        let start_write = |b: &mut Buffer, at: Instant, rng: &mut rand::rngs::StdRng| {
            assert_eq!(b.step(), Step::Write, "seed {seed}: records wait, the writer writes");
            b.pending.clear();
            (Some(at + Duration::from_micros(rng.random_range(0..3000))), b.appended)
        };
        for _ in 0..3000 {
            advance(Duration::from_micros(rng.random_range(0..4000))).await;
            let now = Instant::now();
            // Writes ending by now; each ends by taking what waits meanwhile.
            while let Some(t) = busy_until.filter(|t| *t <= now) {
                for at in &appended_at[b.written as usize..writing as usize] {
                    worst = worst.max(t - *at);
                }
                b.advanced(writing, false);
                busy_until = None;
                if !b.pending.is_empty() {
                    (busy_until, writing) = start_write(&mut b, t, &mut rng);
                }
            }
            b.push(b"{}\n", None);
            appended_at.push(now);
            if busy_until.is_none() {
                // Asleep: the append wakes it.
                (busy_until, writing) = start_write(&mut b, now, &mut rng);
            }
        }
        assert!(worst <= WRITE_WITHIN, "seed {seed}: a record waited {worst:?} in memory");
        b.pending.clear();
        assert_eq!(b.step(), Step::Sleep(WRITE_WITHIN), "nothing waiting: the writer sleeps, bounded");
        b.closed = true;
        assert_eq!(b.step(), Step::Sync, "closing syncs what was appended");
    }
}
