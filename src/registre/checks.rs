//! A person's checks (`loopbatch verify`) and closed runs (`registre close`):
//! recorded, and read as a resume and `verify` read them.

use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension, params};

use crate::error::Result;

use super::{Event, Registre, Row};

/// A person's last check of a call of a run, made after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    pub done: bool,
    pub who: String,
    pub at: String,
}

impl Registre {
    /// The checks of a run's calls that stand for a resume of it: each
    /// call's last, made after the call's last attempt.
    pub(crate) fn run_checks(&self, run: i64) -> Result<HashMap<u32, Checked>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT k.call, k.done, k.os_user, k.at FROM checks k
                 WHERE k.run = ?1 AND k.id = (SELECT max(id) FROM checks WHERE run = k.run AND call = k.call)
                 AND k.after_seq >= (SELECT coalesce(max(seq), 0) FROM attempts WHERE run = k.run AND call = k.call)",
            )
            .map_err(|e| self.failed(&e))?;
        let rows = stmt
            .query_map([run], |r| Ok((r.get::<_, u32>(0)?, Checked { done: r.get(1)?, who: r.get(2)?, at: r.get(3)? })))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.failed(&e))?;
        Ok(rows.into_iter().collect())
    }

    /// The calls of a run whose last answer gave up without any answer
    /// after a sending (the connection cut): they may have been applied.
    pub(crate) fn given_up_unanswered(&self, run: i64) -> Result<HashSet<u32>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT call, event, coalesce(resend, 0), code_http IS NULL FROM attempts WHERE run = ?1 ORDER BY seq",
            )
            .map_err(|e| self.failed(&e))?;
        let rows = stmt
            .query_map([run], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Row>(1)?, r.get::<_, bool>(2)?, r.get(3)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(u32, Row, bool, bool)>>>())
            .map_err(|e| self.failed(&e))?;
        let (mut open, mut unknown) = (HashSet::new(), HashSet::new());
        for (call, event, resend, no_code) in rows {
            match event {
                Row::Event(Event::Sending) => {
                    open.insert(call);
                }
                Row::Event(Event::Withdrawn) => {
                    open.remove(&call);
                }
                Row::Answered => {
                    match resend && no_code && open.contains(&call) {
                        true => unknown.insert(call),
                        false => unknown.remove(&call),
                    };
                    open.remove(&call);
                }
                Row::Event(Event::Reserved) => {}
            }
        }
        Ok(unknown)
    }

    /// Whether `registre close` closed the run (never to be resumed).
    pub(crate) fn closed(&self, run: i64) -> Result<bool> {
        self.conn
            .query_row("SELECT count(*) FROM meta WHERE key = ?1", [format!("closed:{run}")], |r| r.get::<_, i64>(0))
            .map(|n| n > 0)
            .map_err(|e| self.failed(&e))
    }
}

/// A person's check of a run's calls (`loopbatch verify`).
pub(crate) struct Check<'a> {
    pub run: i64,
    pub calls: &'a [u32],
    pub done: bool,
    pub feuille: &'a str,
    pub ligne: u32,
}

impl Registre {
    /// Records a person's check of calls, with who and when, after every
    /// attempt recorded so far.
    pub(crate) fn record_check(&mut self, check: &Check<'_>) -> Result<()> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(failed)?;
        let after: i64 =
            tx.query_row("SELECT coalesce(max(seq), 0) FROM attempts", [], |r| r.get(0)).map_err(failed)?;
        for call in check.calls {
            tx.execute(
                "INSERT INTO checks(run, call, done, feuille, ligne, os_user, machine, at, after_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    check.run,
                    call,
                    check.done,
                    check.feuille,
                    check.ligne,
                    crate::files::user_name(),
                    crate::files::machine_name(),
                    crate::outcome::now_iso(),
                    after
                ],
            )
            .map_err(failed)?;
        }
        tx.commit().map_err(failed)
    }
}

/// What `registre close` did to a run that never ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Closed {
    /// Calls only reserved: now never sent.
    pub never_sent: usize,
    /// Calls sent without an answer: now A_VERIFIER (to settle with `verify`).
    pub to_check: usize,
}

impl Registre {
    /// Closes a run that never ended, without resuming it: its reserved
    /// calls are withdrawn (never sent), those sent without an answer get an
    /// A_VERIFIER outcome, and the run is ended. `None`: no such run, or one
    /// that ended.
    pub(crate) fn close_run(&mut self, run: i64, message: &str) -> Result<Option<Closed>> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(failed)?;
        let ended: Option<bool> = tx
            .query_row("SELECT ended IS NOT NULL FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()
            .map_err(failed)?;
        if ended != Some(false) {
            return Ok(None);
        }
        let (prior, _) = super::read::prior(&tx, run).map_err(failed)?;
        let mut closed = Closed::default();
        for (call, p) in prior {
            let super::Prior::InFlight { attempts, sent } = p else { continue };
            if sent {
                let o = crate::outcome::CallOutcome {
                    status: crate::outcome::Status::AVerifier,
                    code_http: None,
                    message: message.to_string(),
                    request_id: String::new(),
                    object_id: String::new(),
                    attempts,
                    timestamp: crate::outcome::now_iso(),
                    resend_on_resume: false,
                    already: false,
                };
                super::insert_answer(&tx, run, call, &o).map_err(failed)?;
                closed.to_check += 1;
            } else {
                for a in 1..=attempts.max(1) {
                    tx.execute(
                        "INSERT INTO attempts(run, call, attempt, event) VALUES (?1, ?2, ?3, ?4)",
                        params![run, call, a, Event::Withdrawn.word()],
                    )
                    .map_err(failed)?;
                }
                closed.never_sent += 1;
            }
        }
        tx.execute("UPDATE runs SET ended = ?1 WHERE id = ?2", params![crate::outcome::now_iso(), run])
            .map_err(failed)?;
        // Closed, never to be resumed (a resume is refused).
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
            params![format!("closed:{run}"), crate::outcome::now_iso()],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
        Ok(Some(closed))
    }

    /// The results file a run writes into.
    pub(crate) fn results_of(&self, run: i64) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT results FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()
            .map_err(|e| self.failed(&e))
    }
}
