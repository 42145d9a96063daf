//! The writes of a run as its engine makes them: records in batches, each
//! batch one transaction, committed with `synchronous=NORMAL` (in the WAL:
//! safe against a kill), or `FULL` when it must survive a power cut (a
//! reservation a call waits for: a FULL commit syncs every earlier frame).

use rusqlite::{ErrorCode, params};

use crate::outcome::CallOutcome;

use super::{Event, Registre, insert_answer};

/// One record of a run.
#[derive(Debug, Clone)]
pub enum Record {
    Attempt {
        call: u32,
        attempt: u32,
        event: Event,
    },
    Answered {
        call: u32,
        outcome: CallOutcome,
    },
    Tenant(serde_json::Value),
    /// Nothing new: a commit made only to sync what came before (FULL).
    Synced,
}

/// A batch that could not be written. `busy`: another process holds the
/// write lock past the wait (to wait again, never a write failure).
#[derive(Debug, Clone)]
pub struct WriteFailure {
    pub busy: bool,
    pub cause: crate::error::SystemCause,
}

impl From<rusqlite::Error> for WriteFailure {
    fn from(e: rusqlite::Error) -> WriteFailure {
        let busy = matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked));
        WriteFailure { busy, cause: (&e).into() }
    }
}

/// The statements of one batch, in its transaction (see
/// [`Registre::write_guarded`]).
fn batch<'r>(
    tx: &rusqlite::Connection,
    run: i64,
    records: impl IntoIterator<Item = &'r Record>,
    between: &dyn Fn(usize),
    mut guard: Option<&mut super::guard::Guard>,
) -> rusqlite::Result<Checked> {
    if let Some(g) = guard.as_deref_mut() {
        g.read(tx, run)?;
    }
    let (mut refused, mut checked) = (Vec::new(), Vec::new());
    let mut attempt = tx.prepare_cached("INSERT INTO attempts(run, call, attempt, event) VALUES (?1, ?2, ?3, ?4)")?;
    for (i, r) in records.into_iter().enumerate() {
        if let (Record::Attempt { call, event: Event::Reserved, .. }, Some(g)) = (r, guard.as_deref())
            && !checked.contains(call)
        {
            if let Some(why) = g.verdict(*call) {
                if !refused.iter().any(|(c, _)| c == call) {
                    refused.push((*call, why));
                }
                continue;
            }
            checked.push(*call);
        }
        match r {
            Record::Attempt { call, attempt: n, event } => {
                attempt.execute(params![run, call, n, event.word()])?;
            }
            Record::Answered { call, outcome } => insert_answer(tx, run, *call, outcome)?,
            Record::Tenant(t) => {
                tx.execute("UPDATE runs SET tenant = ?1 WHERE id = ?2", params![t.to_string(), run])?;
            }
            Record::Synced => {
                tx.prepare_cached("UPDATE runs SET syncs = syncs + 1 WHERE id = ?1")?.execute([run])?;
            }
        }
        between(i);
    }
    // The last record of the registre (this run's own included): the next
    // batch reads other runs' records after it.
    let upto: Option<i64> = match guard {
        Some(_) => tx.prepare_cached("SELECT max(seq) FROM attempts")?.query_row([], |r| r.get(0))?,
        None => None,
    };
    Ok(Checked { refused, checked, upto: upto.unwrap_or_default() })
}

/// What a batch's send-time check found: the calls refused and why, the
/// calls checked, the last record read.
struct Checked {
    refused: Vec<(u32, super::guard::Refused)>,
    checked: Vec<u32>,
    upto: i64,
}

impl Registre {
    /// Writes `records` of run `run` in one transaction; `full`: synced
    /// before this returns. `between` is called after each record (the
    /// fault tests' hook for a kill mid-transaction).
    pub fn write(
        &mut self,
        run: i64,
        records: &[Record],
        full: bool,
        between: &dyn Fn(usize),
    ) -> Result<(), WriteFailure> {
        self.write_guarded(run, records, full, between, None).map(drop)
    }

    /// [`Registre::write`], with the send-time check of `guard` (see
    /// `guard`): a first reservation of a call that another run applied or
    /// holds is not written, and is returned with why. The check and the
    /// reservations are one transaction.
    ///
    /// A run's writer commits every few hundred microseconds: its
    /// statements (`BEGIN`, `COMMIT`, the level of `synchronous`) are
    /// prepared once and kept, never parsed again for each batch.
    pub(crate) fn write_guarded<'r>(
        &mut self,
        run: i64,
        records: impl IntoIterator<Item = &'r Record>,
        full: bool,
        between: &dyn Fn(usize),
        mut guard: Option<&mut super::guard::Guard>,
    ) -> Result<Vec<(u32, super::guard::Refused)>, WriteFailure> {
        let level = if full { "FULL" } else { "NORMAL" };
        if self.synchronous != level {
            let set = if full { "PRAGMA synchronous = FULL" } else { "PRAGMA synchronous = NORMAL" };
            self.conn.prepare_cached(set)?.execute([])?;
            self.synchronous = level;
        }
        // IMMEDIATE: the write lock first (waited for), never a read that
        // another writer's commit turns into SQLITE_BUSY.
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let written = batch(&self.conn, run, records, between, guard.as_deref_mut())
            .and_then(|checked| self.conn.prepare_cached("COMMIT")?.execute([]).map(|_| checked));
        let written = match written {
            Ok(w) => w,
            Err(e) => {
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                return Err(e.into());
            }
        };
        if let Some(g) = guard {
            g.committed(written.checked.into_iter(), written.upto);
        }
        Ok(written.refused)
    }

    /// This connection becomes a run's writer's: SQLite no longer checks
    /// the `CHECK` lists of `attempts` (`event`, `effect`) on its inserts.
    /// It would build two temporary indexes of the lists for each row (a
    /// third of a commit's statements' cost); the words this writer inserts
    /// are the registre's own (`Event::word`, `effect`), which a test
    /// inserts with the checks on.
    pub(crate) fn become_run_writer(&self) {
        let _ = self.conn.execute_batch("PRAGMA ignore_check_constraints = ON");
    }

    /// A run resumed: not ended, its results to write again.
    pub fn resumed(&self, run: i64) -> crate::error::Result<()> {
        self.conn
            .execute("UPDATE runs SET ended = NULL, results_written = 0 WHERE id = ?1", [run])
            .map(drop)
            .map_err(|e| self.failed(&e))
    }

    /// Outcomes kept in a rescue file while the registre could not take
    /// them, recorded as this run's own.
    pub fn rescued(&mut self, run: i64, outcomes: &[(u32, CallOutcome)]) -> crate::error::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| super::open::failure(&self.path, &e, self.lang))?;
        for (call, o) in outcomes {
            insert_answer(&tx, run, *call, o).map_err(|e| super::open::failure(&self.path, &e, self.lang))?;
        }
        tx.commit().map_err(|e| super::open::failure(&self.path, &e, self.lang))
    }

    /// The results file no longer belongs to its runs (a demo starting
    /// afresh, a kept run deleted): they stay in the history, detached.
    pub fn detach(&self, results: &std::path::Path) -> crate::error::Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET results = results || ' (détaché)' WHERE results = ?1",
                [super::canonical(results)],
            )
            .map(drop)
            .map_err(|e| self.failed(&e))
    }

    /// Each attempt event of a run in order (call, attempt, event word).
    pub fn events(&self, run: i64) -> crate::error::Result<Vec<(u32, u32, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT call, attempt, event FROM attempts WHERE run = ?1 ORDER BY seq")
            .map_err(|e| self.failed(&e))?;
        stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.failed(&e))
    }
}
